"""ODD §7.3 Managers: `_update_managers`, `_manager_turnover`, granted autonomy, the safety target
with blame and the admin load with trust shielding.

Each term of the orientation update is checked alone (the others switched off) against its
equation; the targets are checked through `_quarter(first=True)`, which sets staff exactly at them.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import MANAGER_TERMS_OFF, binomial_margin, set_kinds, small, wp_mean


def _managers(**params):
    m = small(**{**MANAGER_TERMS_OFF, **params})
    m.wp_successes[:] = 0.0
    m.wp_incidents[:] = 0.0
    m.trust_signal[:] = 0.0
    m.control_signal[:] = 0.0
    return m


def _delta(m):
    before = m.orientation.copy()
    m._update_managers()
    return m.orientation - before


def test_nothing_moves_a_manager_when_every_term_is_off():
    m = _managers()
    assert _delta(m) == pytest.approx(0.0)


def test_steering_pulls_orientation_toward_the_room_steering_leaves():
    m = _managers(steering_pull=0.05)
    m.detail = np.linspace(0.0, 1.0, m.n_agencies)
    o = m.orientation.copy()
    assert _delta(m) == pytest.approx(0.05 * ((1 - m.detail[m.wp_agency]) - o))


def test_support_moves_managers_and_conflicting_signals_are_blunted():
    m = _managers(support_effect=0.1, conflict_blunting=0.8)
    m.orientation[:] = 0.4
    T = np.array([1.0, 1.0, 0.0, 0.5, 2.0, 0.0, 1.0, 0.3, 0.0, 0.6])
    C = np.array([0.0, 1.0, 1.0, 0.5, 1.0, 0.0, 0.2, 0.0, 0.9, 0.1])
    m.trust_signal[:, 1] = T  # domains are summed
    m.control_signal[:, 2] = C
    conflict = np.divide(2 * np.minimum(T, C), T + C, out=np.zeros(10), where=T + C > 0)
    net = (T - C) * (1 - 0.8 * conflict)
    expected = 0.1 * net * np.where(net > 0, 1 - 0.4, 0.4)
    assert _delta(m) == pytest.approx(expected[m.wp_agency])
    assert net[1] == 0 and net[0] == 1.0  # equal signals cancel; a clear one is not blunted


def test_peers_pull_toward_a_norm_that_tips_at_the_threshold():
    low, high, steep = 0.2, 0.95, 12.0
    for threshold in (0.35, 0.6):
        m = _managers(
            peer_influence=0.3,
            peer_threshold=threshold,
            peer_norm_low=low,
            peer_norm_high=high,
            peer_steepness=steep,
        )
        m.orientation[:] = np.linspace(0.05, 0.95, m.n_workplaces)
        o = m.orientation.copy()
        f = m.neighbour_mean @ o
        peer = low + (high - low) / (1 + np.exp(-steep * (f - threshold)))
        assert _delta(m) == pytest.approx(0.3 * (peer - o))
    # everyone above the threshold: the norm is near peer_norm_high; below: near peer_norm_low
    for level, norm in ((0.9, high), (0.1, low)):
        m = _managers(
            peer_influence=1.0, peer_threshold=0.5, peer_norm_low=low, peer_norm_high=high
        )
        m.orientation[:] = level
        m._update_managers()
        assert m.orientation == pytest.approx(norm, abs=0.01)


def test_an_incident_moves_a_manager_outcome_asymmetry_times_more_than_a_success():
    for asymmetry in (3.0, 6.0):
        m = _managers(outcome_effect=0.04, outcome_asymmetry=asymmetry)
        m.orientation[:] = 0.5
        m.wp_successes[0], m.wp_incidents[1] = 1.0, 1.0
        m.wp_successes[2], m.wp_incidents[2] = 2.0, 1.0
        d = _delta(m)
        assert d[0] == pytest.approx(0.04)
        assert d[1] == pytest.approx(-asymmetry * 0.04)
        assert d[2] == pytest.approx(0.04 * (2 - asymmetry))
        assert d[3:] == pytest.approx(0.0)


def test_a_visible_scandal_moves_every_manager_of_its_sector_toward_control():
    m = _managers(scandal_fear=0.1)
    set_kinds(m, [0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    m.orientation[:] = 0.5
    m.visible_seen = np.array([0.5, 0.0, 2.0])
    d = _delta(m)
    assert d == pytest.approx(-0.1 * m.visible_seen[m.wp_kind])


def test_recruited_managers_take_their_organisations_orientation():
    m = small("state", manager_turnover=0.4)
    m.orientation[:] = (m.wp_agency % 10) / 10 + 0.05  # organisations differ
    before = m.orientation.copy()
    norm = np.bincount(m.wp_agency, weights=before) / np.bincount(m.wp_agency)
    m._manager_turnover()
    left = m.orientation != before
    assert left.mean() == pytest.approx(0.1, abs=binomial_margin(0.1, m.n_workplaces))
    recruits = np.flatnonzero(left)
    gap = m.orientation[recruits] - norm[m.wp_agency[recruits]]
    assert np.abs(gap).max() <= 0.1 + 1e-12
    assert np.abs(gap).mean() == pytest.approx(0.05, abs=0.015)  # U(-0.1, 0.1)


def test_granted_autonomy_falls_with_steering_detail_and_rises_with_orientation():
    m = small(detail_autonomy_cut=0.6, innovation_leader_share=0.0)
    m.leader[:] = False
    m.leader[:3] = True
    m.orientation[:] = np.linspace(0.0, 1.0, m.n_workplaces)
    m.detail = np.linspace(0.0, 1.0, m.n_agencies)
    m._quarter(first=True)
    d = m.detail[m.wp_agency]
    p = m.p
    granted = np.clip(m.orientation * (1 - 0.6 * d) + p.autonomy_base + p.leader_bonus * m.leader, 0, 1)
    st = m.staff
    assert st.autonomy == pytest.approx(np.minimum(1, granted[st.wp] * (0.7 + 0.6 * st.competence)))


def test_safety_rises_with_orientation_and_control_oriented_managers_blame_failures():
    m = small()
    m.orientation[:] = np.linspace(0.0, 1.0, m.n_workplaces)
    m.wp_failures[:] = 0.0
    m._quarter(first=True)
    safety = wp_mean(m, m.staff.safety)
    assert safety == pytest.approx(0.15 + 0.6 * m.orientation)  # safety_base + safety_per_trust · o
    m.wp_failures[:] = 2.0
    m._quarter(first=True)
    blame = np.minimum(m.p.blame_max, m.p.blame_per_failure * 2.0 * (1 - m.orientation))
    assert wp_mean(m, m.staff.safety) == pytest.approx(np.clip(safety - blame, 0, 1))
    assert blame[0] == pytest.approx(0.2) and blame[-1] == 0.0


def test_trust_oriented_managers_shield_staff_from_the_admin_load():
    m = small(
        admin_base=0.1, admin_per_reporting=0.3, trust_shielding=0.3, support_reporting_effect=0.0
    )
    m.orientation[:] = np.linspace(0.0, 1.0, m.n_workplaces)
    m._quarter(first=True)
    reporting = m.reporting[m.wp_agency]
    assert m.wp_admin == pytest.approx(0.1 + 0.3 * reporting * (1 - 0.3 * m.orientation))
