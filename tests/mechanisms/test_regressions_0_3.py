"""Regression tests for the seven bugs a referee found in 0.2.3 (issue 21), each failing on 0.2.3.

1. `scandal_quarter = 0` was silently ignored (quarter 0 is inside the spin-up): now refused.
2. Budget-year cuts hit experiments started in the same quarter (ODD 7.6): now only those under way.
3. Operational incidents had no catch term for control (ODD 7.6): now caught like failed experiments.
4. `innovations_per_msek` credited a programme with the baseline's innovations: now a paired
   increment (`trustsim.analysis.summarise`).
5. `steering_detail` and `reporting_demands` were unweighted means over organisations (ODD 7.8).
6. Region Gotland was counted twice, as a municipality and as a region (ODD §2).
7. Every work site had the public-sector mean of 38 staff; state sites have about 101 (ODD §2).
"""

import numpy as np
import pandas as pd
import pytest

from tests.mechanisms.helpers import small
from trustsim.analysis.results import summarise
from trustsim.model.model import DIAGNOSTICS, OUTPUTS, TrustModel
from trustsim.model.params import ParameterError, Params
from trustsim.model.worlds import (
    MUNICIPAL_STAFF,
    MUNICIPALITY,
    REGION,
    REGIONAL_STAFF,
    STATE_AGENCY,
    STATE_STAFF,
    build_teams,
    build_world,
)


# 1 ------------------------------------------------------------------ scandal in quarter 0
def test_scandal_quarter_zero_is_refused_with_the_allowed_values():
    allowed = r"scandal_quarter.*\[-1, 400\] except 0 \(-1 is no scandal.*earliest.*quarter 1"
    with pytest.raises(ParameterError, match=allowed):
        Params(scandal_quarter=0)
    with pytest.raises(ParameterError, match="scandal_quarter"):
        TrustModel(world="teaching", rng=1, spinup_years=0, scandal_quarter=0)


def test_a_scandal_in_quarter_one_is_felt_in_quarter_one():
    base = small("state", seed=3, scandal_quarter=-1, scandal_size=5.0)
    hit = small("state", seed=3, scandal_quarter=1, scandal_size=5.0)
    for m in (base, hit):
        m.step()
    # the state's ratchet takes ratchet_up · 5 at once; tightening closes tighten_speed of the gap
    p = hit.p
    assert hit.ratchet[0] - base.ratchet[0] == pytest.approx(p.ratchet_up * 5.0)
    assert hit.steering_detail - base.steering_detail > 0.3 * p.tighten_speed * p.ratchet_up * 5.0


# 2 ------------------------------------------------------------------ budget-year cut timing
def test_experiments_started_in_a_boundary_quarter_are_not_cut_there():
    m = small(horizon_cut=1.0, budget_horizon_years=1.0, idea_rate=6.0, approval_floor=1.0)
    n = 500
    m.exp_wp = np.arange(n) % m.n_workplaces
    m.exp_left = np.full(n, 6)
    m.exp_flags = np.zeros(n, dtype=np.int64)
    m.exp_quality = np.full(n, 0.5)
    m.t = 4
    m._ideas_and_experiments(4)  # a budget-year boundary: p_cut = 1 for those under way
    assert m.experiments_started > 0
    cut = m.cut_by_budget_horizon * m.real_staff / 4000.0  # the teaching world's weights are 1
    assert cut == pytest.approx(n)  # exactly the experiments under way, none of the new ones
    assert len(m.exp_wp) > 0 and (m.exp_left < 6).all()  # the survivors all started now


# 3 ------------------------------------------------------------------ operational incidents
def test_control_catches_operational_errors_in_proportion_to_steering_detail():
    m = small(
        "state", scale=0.05, idea_rate=0.0, operational_incidents=20.0, safety_catch=0.6,
        control_catch=0.6,
    )
    m.staff.safety[:] = 0.0
    detail_wp = m.detail[m.wp_agency]
    expected = 20.0 * (m.wp_real * (1.0 - 0.6 * detail_wp)).sum() / m.real_staff
    assert expected < 20.0 * 0.75  # the catch is large enough to tell
    total = 0.0
    for k in range(1, 25):
        m.t = k
        m._ideas_and_experiments(k)
        total += m.incident_rate
    # ~19 000 staff, 24 quarters: about 1 500 incidents, relative sd 3 %; margin 5 sd on the
    # weighted total (weights differ, so a little wider)
    assert total / 24 == pytest.approx(expected, rel=0.15)


# 4 ------------------------------------------------------------------ innovations per MSEK
def test_innovations_per_msek_is_the_increment_over_the_paired_reference():
    assert "innovations_per_msek" not in DIAGNOSTICS
    keys = pd.Index(range(4), name="replication")
    ref = pd.DataFrame({o: 0.0 for o in OUTPUTS}, index=keys)
    ref["innovation_rate"] = [10.0, 11.0, 12.0, 13.0]
    reform = ref.copy()
    reform["innovation_rate"] = ref["innovation_rate"] + 2.0
    reform["programme_cost_msek"] = 30.0
    out = summarise({"baseline": ref, "reform": reform}, full_staff=270_000)
    # 2 extra innovations per 1 000 staff per year, nationally 540 a year, for 30 MSEK: 18
    assert out["per_msek"]["reform"]["mean"] == pytest.approx(18.0)


# 5 ------------------------------------------------------------------ weighted steering outputs
def test_steering_outputs_are_weighted_by_real_staff():
    m = small("state")
    largest = np.zeros(m.n_agencies)
    largest[0] = 1.0  # detail 1 in the largest organisation only
    m.detail = largest.copy()
    m.reporting = largest.copy()
    m.trust_signal[:] = 0.0
    m.control_signal[:] = 0.0
    m._record_climate()
    share = m.agency_size[0] / m.agency_size.sum()
    assert share > 10 / m.n_agencies  # weighted and unweighted differ by far
    assert m.steering_detail == pytest.approx(share)
    assert m.reporting_demands == pytest.approx(share)


# 6 ------------------------------------------------------------------ Gotland once
def test_gotland_is_one_organisation():
    w = build_world("public-sector", 1.0)
    assert (w.kinds == MUNICIPALITY).sum() == 290
    assert (w.kinds == REGION).sum() == 20
    assert w.staff == STATE_STAFF + MUNICIPAL_STAFF + REGIONAL_STAFF


# 7 ------------------------------------------------------------------ work-site size by kind
def test_work_sites_follow_the_organisation_kind():
    m = small("public-sector", scale=0.01)
    k = m.teams_per_site()
    state = m.agency_kind == STATE_AGENCY
    assert set(k[state]) == {round(m.p.state_site_staff / m.p.span_of_control)} == {8}
    assert set(k[~state]) == {round(m.p.local_site_staff / m.p.span_of_control)} == {3}
    # at scale 1 the state world has about as many sites as Länsstyrelserna counts (2 749)
    w = build_world("state", 1.0)
    sites = len(build_teams(w, 13, 8).site_weight)
    assert 2_500 < sites < 3_000
    assert STATE_STAFF / sites == pytest.approx(278_015 / 2_749, rel=0.1)
