"""ODD §7.3 Managers: `_update_managers`, `_manager_turnover`, granted autonomy, the safety target
with blame and the admin load with trust shielding.

Each term of the orientation update is checked alone (the others switched off) against its
equation; the targets are checked through `_quarter(first=True)`, which sets staff exactly at them.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import (
    MANAGER_TERMS_OFF,
    binomial_margin,
    set_kinds,
    small,
    structural,
    wp_mean,
)


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


def test_orientation_reaches_both_ends_of_its_range():
    # a pull past the ends is clipped to exactly 0 and 1 (not to a margin inside them)
    m = _managers(steering_pull=1.0, outcome_effect=0.3, outcome_asymmetry=1.0)
    m.detail = np.where(np.arange(m.n_agencies) % 2, 1.0, 0.0)
    m.orientation[:] = 0.5
    free = m.detail[m.wp_agency] == 0.0
    m.wp_successes[free] = 1.0  # 0.5 + 0.5 + 0.3: past 1
    m.wp_incidents[~free] = 1.0  # 0.5 - 0.5 - 0.3: past 0
    m._update_managers()
    assert (m.orientation[free] == 1.0).all() and (m.orientation[~free] == 0.0).all()


def test_manager_turnover_draws_from_its_own_stream():
    # who leaves in a quarter is the stream "managers" of that quarter (common random numbers);
    # a recruit's digital competence is Beta(4, 6): mean 0.4, sd 0.15
    m = small("state", manager_turnover=0.4)
    m.t = 3
    leave = m.stream("managers").random(m.n_workplaces) < 0.1
    digital = m.mgr_digital.copy()
    m._manager_turnover()
    np.testing.assert_array_equal(m.mgr_digital != digital, leave)
    recruits = m.mgr_digital[leave]
    assert recruits.mean() == pytest.approx(0.4, abs=5 * 0.15 / np.sqrt(len(recruits)))


def test_a_scaled_team_sees_the_cross_agency_ties_of_a_real_one():
    # ODD §2 and networks.workplace_graph: agencies a and b with real team counts n_a, n_b share
    # L_ab = max(1, round(share · min(n_a, n_b))) links; an agency modelled by m_a of its n_a teams
    # weighs each link 1 / r_a, r_a = n_a / m_a, so its cross-agency weight in all is Σ_b L_ab / r_a
    # (per modelled team the same as per real team). Within-agency ties weigh 1, so a row of the
    # row-normalised matrix gives back its weights: entry / (within-agency entry).
    m = small("state", scale=0.05)
    nm = m.neighbour_mean.tocsr()
    org = m.wp_agency
    real = np.maximum(1, np.ceil(m.agency_size / m.p.span_of_control))
    modelled = np.bincount(org, minlength=m.n_agencies)
    r = real / modelled
    assert r.max() > 5  # scaled agencies: the weights can tell
    share = structural(m, "cross_link_share")
    expected = np.zeros(m.n_agencies)
    for a, b in m.agency_graph.edges():
        links = max(1.0, np.round(share * min(real[a], real[b])))
        expected[a] += links / r[a]
        expected[b] += links / r[b]
    cross = np.zeros(m.n_agencies)
    readable = np.ones(m.n_agencies, dtype=bool)
    for w in range(m.n_workplaces):
        cols = nm.indices[nm.indptr[w] : nm.indptr[w + 1]]
        vals = nm.data[nm.indptr[w] : nm.indptr[w + 1]]
        inside = org[cols] == org[w]
        if not inside.any():
            readable[org[w]] = False
            continue
        unit = vals[inside].max()  # 1 / degree: the weight of one within-agency tie
        cross[org[w]] += vals[~inside].sum() / unit
    checked = readable & (modelled >= 5)
    assert checked.sum() >= 20
    assert cross[checked] == pytest.approx(expected[checked], rel=1e-9)
