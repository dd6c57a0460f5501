"""P6 trade-off, two-sided risk (C14): whether trust raises or lowers incidents depends on the
sector's risk and the safeguards.

Claims: more autonomy brings more failed experiments; in a high-risk sector without safeguards a
control-based regime has fewer incidents (MODEL.md P6); with low risk and safeguards trust need not
cost safety (C14: rules must balance risk reduction with efficiency, legal certainty and
innovation; Edmondson 1999: psychologically safe teams report and catch errors). Source: the seed
document (C14) and the model brief.
Emergent part: the balance of two opposite effects of trust on incidents, computed by the model:
more experiments and less control catching their failures (more incidents) against psychological
safety catching errors of experiments and of ordinary operations (fewer incidents). Each side of
the balance is the other side's counter-example.

Measured (40 replications, offsets 0–5000, last 2 of 10 years):
  high risk (sector_risk 0.9, method_support 0): incidents control 5.5, integrated trust 15.7
  (paired +10.2, sd 1.2);
  low risk with safeguards (sector_risk 0.05, method_support 1): control 1.74, trust 1.60
  (paired -0.14, sd 0.15);
  failed experiments: control 11.1, trust 57.5 per 1 000 staff per year (+46 for +128 innovations).
"""

import pytest

from ..support.runs import ci95, final, replicate

HIGH_RISK = {"sector_risk": 0.9, "method_support": 0.0}  # no safeguards; safety_catch default 0.5
LOW_RISK_SAFEGUARDED = {"sector_risk": 0.05, "method_support": 1.0}
# an alternative world inside the robustness experiment's uncertainty set (base_success 0.3-0.7,
# quality_success 0.2-0.6), not a knock-out: experiments that mostly succeed
MOSTLY_SUCCEED = {"base_success": 0.7, "quality_success": 0.6}
N_SEEDS, YEARS = 12, 10


def control_vs_trust(extra: dict):
    cases = [("baseline-control", extra), ("integrated-esv-digg", extra)]
    return replicate(cases, N_SEEDS, YEARS)


@pytest.fixture(scope="module")
def high_risk():
    return control_vs_trust(HIGH_RISK)


@pytest.fixture(scope="module")
def low_risk():
    return control_vs_trust(LOW_RISK_SAFEGUARDED)


def test_control_has_fewer_incidents_in_high_risk_without_safeguards(high_risk):
    control, trust = high_risk
    assert ci95(final(trust, "trust_orientation") - final(control, "trust_orientation")).low > 0.2
    incidents = ci95(final(trust, "incident_rate") - final(control, "incident_rate"))
    assert incidents.low > 0.5 * final(control, "incident_rate").mean(), incidents


def test_control_advantage_fails_when_risk_is_low_with_safeguards(low_risk):
    # the other side of C14 (and, read the other way, the counter-example of the low-risk finding
    # is the high-risk test above): psychological safety and method support catch more than
    # trust's extra experiments cause; trust has no more incidents than control (measured 8 % fewer)
    control, trust = low_risk
    incidents = ci95(final(trust, "incident_rate") - final(control, "incident_rate"))
    assert incidents.mean < 0, incidents
    assert incidents.high < 0.05 * final(control, "incident_rate").mean(), incidents


def test_more_autonomy_brings_more_failed_experiments():
    control, trust = control_vs_trust({})
    failed = final(trust, "experiments_failed") - final(control, "experiments_failed")
    gained = final(trust, "innovation_rate") - final(control, "innovation_rate")
    assert ci95(failed).low > 0, ci95(failed)
    # at least one extra failure for every four extra innovations (measured one per 2.8)
    assert failed.mean() > 0.25 * gained.mean() > 0, (failed.mean(), gained.mean())


def test_failure_cost_of_autonomy_fails_when_experiments_mostly_succeed():
    # at the top of the plausible success range (0.2.3 used a knock-out: base_success 1 with no
    # quality or digital term), autonomy's extra innovations come with fewer than one extra
    # failure per four: the pattern's own criterion fails
    control, trust = control_vs_trust(MOSTLY_SUCCEED)
    failed = final(trust, "experiments_failed") - final(control, "experiments_failed")
    gained = final(trust, "innovation_rate") - final(control, "innovation_rate")
    assert gained.mean() > 0 and failed.mean() < 0.25 * gained.mean(), (failed.mean(), gained.mean())
