"""P1 baseline calibration (C2; Innovationsbarometern 2018, SKL 2019: "8 av 10").

Claim: in the control-based baseline fewer than one fifth of staff perceive a culture that promotes
experimentation and risk-taking, about 8 in 10 work sites introduce at least one innovation in two
years, and lack of time is the obstacle that blocks most ideas.
Population (since 0.3): the public-sector world. Both figures describe the whole public sector (SKL's
sample frame is about 38 000 public work sites, most of them municipal), and since 0.3 work sites
have their kind's size (state ~101, municipal and regional ~33 staff), so the state world's share
(0.95 at the defaults) is not the survey's population.
Sources: Vinnova's consultation response (C2, "färre än en femtedel"); Innovationsbarometern 2018
(SKL 2019: "8 av 10 arbetsplatser har infört minst en innovation de senaste två åren"), asked of
work sites, the model's `workplaces_innovating_2y` unit (state sites: 8 teams of 13, about 101 staff,
Länsstyrelserna's 278 015 staff at 2 749 sites).

What is emergent here and what is not: `idea_rate` and `culture_threshold` were calibrated to the
first two figures (so these are calibration targets kept true, not independent evidence), and the
ranking of blockers follows mostly from the calibrated time budget (core duties 0.65 plus a
reporting load of about 0.30 leave ~0.07 of the 0.15 of free time an idea needs). That the time
lost is *control's* is true by construction at the defaults and lives in
tests/verification/test_time_accounting.py. Each target is shown to fail for parameters inside
their ranges (the `*_fails_when_*` tests).

Measured (state 1:20, 40 replications over offsets 0–5000, last 8 of 40 quarters): culture
0.142 (sd 0.013), work sites innovating 0.797 (sd 0.038), blocked by time 426 vs voice 149 ideas
per 1 000 staff per year.
"""

import numpy as np
import pytest

from trustsim.model.model import BLOCKERS

from ..support.runs import ci95, replicate, reported

N_SEEDS, YEARS = 16, 10
# in range [0, 1]; the state's levers and the municipal and regional leaderships' own steering
LIGHT_STEERING = {"steering_detail": 0.1, "reporting_demands": 0.1, "local_steering_detail": 0.1}
FEW_IDEAS = {"idea_rate": 0.5}  # in range [0, 10]


@pytest.fixture(scope="module")
def runs():
    cases = [
        ("baseline-control", {}),
        ("baseline-control", LIGHT_STEERING),
        ("baseline-control", FEW_IDEAS),
    ]
    # Innovationsbarometern and C2 cover all public work sites and staff: the public-sector world
    # (state, municipalities and regions), at 1:100 (14 450 staff, 0.3's TOST-equivalent scale)
    base, light, few = replicate(cases, N_SEEDS, YEARS, world="public-sector", scale=0.01)
    return {"base": base, "light": light, "few": few}


def blockers(frames) -> dict[str, float]:
    return {b: reported(frames, b).mean() for b in BLOCKERS}


def test_experimentation_culture_below_one_fifth(runs):
    culture = ci95(reported(runs["base"], "experimentation_culture"))
    assert culture.high < 0.20, culture
    assert culture.low > 0.05, ("culture should be low, not absent", culture)


def test_eight_in_ten_work_sites_innovate_in_two_years(runs):
    share = ci95(reported(runs["base"], "workplaces_innovating_2y"))
    assert 0.70 < share.low and share.high < 0.90, share


def test_time_is_the_largest_blocker(runs):
    # time and voice by the order-free (Shapley) attribution (ODD 7.5): the source gives a ranking
    # ("den största utmaningen"), no shares, so the claim is a ranking that holds with a margin
    # over seeds: time minus the next blocker, paired run by run, has a 95 % CI above zero
    lost = blockers(runs["base"])
    ranked = sorted(lost, key=lost.get, reverse=True)
    assert ranked[0] == "blocked_by_time", lost
    gap = ci95(reported(runs["base"], ranked[0]) - reported(runs["base"], ranked[1]))
    assert gap.low > 0, (ranked[1], gap, lost)


def test_culture_target_fails_when_steering_is_light(runs):
    # light steering leaves autonomy and undiluted motivation: culture ~0.49, far above one fifth
    culture = ci95(reported(runs["light"], "experimentation_culture", start=21))
    assert culture.low > 0.30, culture


def test_work_site_share_fails_when_ideas_are_rare(runs):
    # a third of the calibrated idea rate: only ~half of the work sites innovate in two years
    share = ci95(reported(runs["few"], "workplaces_innovating_2y"))
    assert share.high < 0.65, share


def test_time_is_not_the_largest_blocker_when_steering_is_light(runs):
    # with little reporting, time blocks ~40 ideas and voice (psychological safety) ~360
    lost = blockers(runs["light"])
    assert lost["blocked_by_voice"] > 3 * lost["blocked_by_time"], lost
    assert np.isfinite(list(lost.values())).all()
