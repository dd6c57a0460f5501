"""ODD §7.4 Staff: `StaffPopulation.update`, `StaffPopulation.turnover`, crowding out and the
perception of an experimentation culture.

Signatures: autonomy and safety close `autonomy_speed` and `safety_speed` of the gap to their
workplace targets, autonomy scaled by competence; motivation is the base crowded out by
`crowding_out` · detail · (1 - orientation); turnover renews about rate × N people's traits and a
newcomer starts at the targets; a person perceives the culture when her fixed logit threshold is
below `culture_steepness` · (climate - `culture_threshold`).
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import (
    MANAGER_TERMS_OFF,
    binomial_margin,
    climate_weights,
    granted_autonomy,
    safety_target,
    small,
)
from trustsim.model.staff import StaffPopulation

TRAITS = ("motivation_base", "competence", "digital", "perception")


def _population(n=20_000, workplaces=50, seed=0):
    wp = np.arange(n) % workplaces
    return StaffPopulation.create(wp, wp // 10, np.random.default_rng(seed))


def test_autonomy_and_safety_close_their_own_share_of_the_gap():
    st = _population()
    rng = np.random.default_rng(1)
    granted, safety_target = rng.random(50), rng.random(50)
    crowding = rng.random(50) * 0.5
    st.update(granted, safety_target, crowding, 0.5, 0.25, first=True)
    target_a = np.minimum(1, granted[st.wp] * (0.7 + 0.6 * st.competence))
    assert st.autonomy == pytest.approx(target_a)
    assert st.safety == pytest.approx(safety_target[st.wp])
    a0, s0 = st.autonomy.copy(), st.safety.copy()
    granted2, safety2 = rng.random(50), rng.random(50)
    st.update(granted2, safety2, crowding, 0.5, 0.25)
    target_a2 = np.minimum(1, granted2[st.wp] * (0.7 + 0.6 * st.competence))
    assert st.autonomy == pytest.approx(a0 + 0.5 * (target_a2 - a0))
    assert st.safety == pytest.approx(s0 + 0.25 * (safety2[st.wp] - s0))
    assert st.motivation == pytest.approx(st.motivation_base * (1 - crowding[st.wp]))


def test_control_crowds_out_motivation_unless_the_manager_is_trust_oriented():
    m = small(crowding_out=0.5)
    m.orientation[:] = np.linspace(0.0, 1.0, m.n_workplaces)
    m.detail = np.linspace(0.2, 1.0, m.n_agencies)
    m._quarter(first=True)
    st = m.staff
    crowding = 0.5 * m.detail[m.wp_agency] * (1 - m.orientation)
    assert st.motivation == pytest.approx(st.motivation_base * (1 - crowding[st.wp]))


def test_turnover_renews_about_rate_times_n_peoples_traits_and_keeps_head_counts():
    st = _population()
    before = {name: getattr(st, name).copy() for name in TRAITS}
    wp = st.wp.copy()
    granted, safety_target = np.full(50, 0.5), np.linspace(0.1, 0.9, 50)
    k = st.turnover(0.03, np.random.default_rng(5), granted, safety_target)
    assert k / st.size == pytest.approx(0.03, abs=binomial_margin(0.03, st.size))
    for name in TRAITS:
        assert (getattr(st, name) != before[name]).sum() == k, name
    new = st.motivation_base != before["motivation_base"]
    assert (st.wp == wp).all()
    # newcomers start at the workplace's targets
    assert st.safety[new] == pytest.approx(safety_target[st.wp[new]])
    assert st.autonomy[new] == pytest.approx(np.minimum(1, 0.5 * (0.7 + 0.6 * st.competence[new])))
    assert st.skill == pytest.approx(0.6 * st.competence + 0.4 * st.digital)


@pytest.mark.parametrize("turnover", [0.12, 0.4])
def test_the_model_turns_over_a_quarter_of_the_yearly_rate_each_quarter(turnover):
    m = small("state", turnover=turnover)
    base = m.staff.motivation_base.copy()
    m.step()
    renewed = (m.staff.motivation_base != base).mean()
    assert renewed == pytest.approx(turnover / 4, abs=binomial_margin(turnover / 4, m.n_staff))


@pytest.mark.parametrize("threshold", [0.3, 0.5])
def test_a_person_perceives_the_culture_when_her_threshold_is_below_the_climate(threshold):
    m = small(culture_threshold=threshold, culture_steepness=12.0)
    m.last_innovation[::2] = m.t  # half the workplaces innovated recently
    m._quarter(first=True)  # staff at their targets, then the climate is recorded
    st = m.staff
    recent = (m.t - m.last_innovation) < 4
    w_a, w_s, w_m, w_r = (
        m.p.climate_autonomy, m.p.climate_safety, m.p.climate_motivation, m.p.climate_recent
    )
    climate = w_a * st.autonomy + w_s * st.safety + w_m * st.motivation + w_r * recent[st.wp]
    perceives = st.perception < 12.0 * (climate - threshold)
    assert m.experimentation_culture == pytest.approx(perceives.mean())  # teaching: weights 1
    # the fixed thresholds are logit(U(0, 1)): the share perceiving is the mean logistic
    p = 1 / (1 + np.exp(-12.0 * (climate - threshold)))
    assert perceives.mean() == pytest.approx(p.mean(), abs=binomial_margin(p.mean(), m.n_staff))


# --- magnitude, timing and streams in the model itself (issue #22) ---


def test_the_model_moves_autonomy_and_safety_at_their_own_speeds():
    # the call in the schedule hands the two speeds on in the right order: autonomy closes
    # autonomy_speed of its gap, safety safety_speed of its, in one quarter of the model
    m = small(autonomy_speed=0.8, safety_speed=0.1, turnover=0.0, manager_turnover=0.0)
    st = m.staff
    st.autonomy[:] = 0.0
    st.safety[:] = 0.0
    m.p = m.p.replace(**MANAGER_TERMS_OFF, idea_rate=0.0)
    m.step()
    target_a = np.minimum(1, granted_autonomy(m)[st.wp] * (0.7 + 0.6 * st.competence))
    assert st.autonomy == pytest.approx(0.8 * target_a)
    assert st.safety == pytest.approx(0.1 * safety_target(m)[st.wp])


def test_newcomers_in_the_model_start_at_their_workplaces_targets():
    m = small("state", turnover=0.4, manager_turnover=0.0)
    m.p = m.p.replace(**MANAGER_TERMS_OFF, idea_rate=0.0)
    st = m.staff
    m.orientation[:] = np.linspace(0.05, 0.95, m.n_workplaces)
    st.autonomy[:] = 0.5
    st.safety[:] = 0.5
    base = st.motivation_base.copy()
    m.p = m.p.replace(autonomy_speed=0.05, safety_speed=0.05)
    m.step()
    new = st.motivation_base != base
    assert new.mean() == pytest.approx(0.1, abs=binomial_margin(0.1, m.n_staff))
    target_a = np.minimum(1, granted_autonomy(m)[st.wp] * (0.7 + 0.6 * st.competence))
    target_s = safety_target(m)[st.wp]
    # a newcomer starts at the targets; the quarter's update then closes 5 % of a zero gap
    assert st.autonomy[new] == pytest.approx(target_a[new])
    assert st.safety[new] == pytest.approx(target_s[new])
    assert np.abs(st.autonomy[new] - st.safety[new]).max() > 0.1  # the two targets differ


def test_an_innovation_colours_the_climate_for_four_quarters():
    # one workplace per age 0..9 quarters; only the last four quarters (ages 0-3) count as recent
    m = small(culture_threshold=0.0, culture_steepness=40.0)
    m.t = 20
    ages = np.arange(m.n_workplaces) % 10
    m.last_innovation = m.t - ages
    st = m.staff
    st.autonomy[:] = 0.0
    st.safety[:] = 0.0
    st.motivation[:] = 0.0
    st.perception[:] = 0.0  # everyone perceives exactly when the climate is above the threshold
    m._record_climate()
    recent = ages[st.wp] < 4
    assert climate_weights(m)[3] > 0  # recent innovation alone lifts the climate
    assert m.experimentation_culture == pytest.approx(recent.mean())
    assert 0 < recent.mean() < 1


def test_staff_traits_are_drawn_from_their_own_stream():
    # the staff's traits come from the stream "staff0" of the first quarter, whatever the other
    # submodels draw (common random numbers between scenarios)
    m = small("state")
    m.t = 0
    again = StaffPopulation.create(m.staff.wp, m.staff.agency, m.stream("staff0"))
    for name in TRAITS:
        np.testing.assert_array_equal(getattr(m.staff, name), getattr(again, name), err_msg=name)
