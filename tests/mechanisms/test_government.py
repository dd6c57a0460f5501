"""ODD §7.1 Governments and the ratchets: `Government.step` and `TrustModel._steering_targets`.

Signatures: each sector's ratchet decays by `ratchet_decay` and rises by `ratchet_up` per visible
incident per 1 000 staff (an injected scandal counts for the state); steering detail and reporting
demands tighten at `tighten_speed` and loosen at `loosen_speed`; each organisation's targets are
the policy levels times its own factor in [1 - steering_spread, 1 + steering_spread]; municipalities
and regions get their leadership's levels with a share `national_regulation_share` of the state's
levels and ratchet.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import set_kinds, small


def test_ratchet_decays_and_rises_per_visible_incident_in_its_own_sector():
    m = small(ratchet_up=0.5, ratchet_decay=0.1)
    m.ratchet = np.array([0.2, 0.1, 0.0])
    m.visible_by_sector = np.array([0.4, 0.0, 1.0])
    m.injected = 0.0
    m.government.step()
    assert m.ratchet == pytest.approx([0.2 * 0.9 + 0.5 * 0.4, 0.1 * 0.9, 0.5 * 1.0], abs=1e-12)
    assert m.visible_seen == pytest.approx([0.4, 0.0, 1.0])


def test_an_injected_scandal_counts_once_for_the_state():
    m = small(ratchet_up=0.25, ratchet_decay=0.0)
    m.ratchet[:] = 0.0
    m.visible_by_sector[:] = 0.0
    m.inject_scandal(2.0)
    m.government.step()
    assert m.ratchet == pytest.approx([0.5, 0.0, 0.0])
    assert m.injected == 0.0
    m.government.step()  # the scandal is felt once, not again
    assert m.ratchet == pytest.approx([0.5, 0.0, 0.0])


def test_steering_tightens_fast_and_loosens_slowly():
    m = small(tighten_speed=0.6, loosen_speed=0.08, ratchet_decay=0.0)
    m.ratchet[:] = 0.0
    m.visible_by_sector[:] = 0.0
    m.injected = 0.0
    target_d, target_r = m._steering_targets()
    below = np.arange(m.n_agencies) % 2 == 0
    gap = np.where(below, 0.3, -0.3)  # target minus current
    m.detail = target_d - gap
    m.reporting = target_r - gap
    before_d, before_r = m.detail.copy(), m.reporting.copy()
    m.government.step()
    speed = np.where(below, 0.6, 0.08)
    assert m.detail == pytest.approx(before_d + speed * gap, abs=1e-12)
    assert m.reporting == pytest.approx(before_r + speed * gap, abs=1e-12)


@pytest.mark.parametrize("spread", [0.0, 0.4])
def test_each_organisation_gets_its_own_share_of_the_policy_levels(spread):
    m = small("state", steering_spread=spread, steering_detail=0.5, reporting_demands=0.4)
    m.ratchet[:] = 0.0
    for factor in (m.detail_factor, m.reporting_factor):
        assert factor.min() >= 1 - spread - 1e-12 and factor.max() <= 1 + spread + 1e-12
        # U(1 - s, 1 + s) over 340 agencies: sd = 2s / sqrt(12), within 15 %
        assert factor.std() == pytest.approx(2 * spread / np.sqrt(12), abs=0.15 * spread + 1e-12)
    assert not np.allclose(m.detail_factor, m.reporting_factor) or spread == 0
    target_d, target_r = m._steering_targets()
    assert target_d == pytest.approx(np.clip(0.5 * m.detail_factor, 0, 1))
    assert target_r == pytest.approx(np.clip(0.4 * m.reporting_factor, 0, 1))


def test_local_steering_mixes_the_leaderships_and_the_states_levels_and_ratchets():
    share, local, state_d, state_r = 0.3, 0.2, 0.7, 0.5
    m = small(
        national_regulation_share=share,
        local_steering_detail=local,
        steering_detail=state_d,
        reporting_demands=state_r,
        steering_spread=0.2,
    )
    kinds = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    set_kinds(m, kinds)
    m.ratchet = np.array([0.1, 0.05, 0.2])
    target_d, target_r = m._steering_targets()
    ratchet = np.where(kinds == 0, 0.1, m.ratchet[kinds] + share * 0.1)
    base_d = np.where(kinds == 0, state_d, (1 - share) * local + share * state_d)
    base_r = np.where(kinds == 0, state_r, (1 - share) * local + share * state_r)
    assert target_d == pytest.approx(np.clip(base_d * m.detail_factor + ratchet, 0, 1))
    assert target_r == pytest.approx(np.clip(base_r * m.reporting_factor + ratchet, 0, 1))


def test_a_large_ratchet_saturates_the_steering_targets_at_one():
    # a ratchet past 1 cannot push steering past full detail and full reporting (clip at 1)
    m = small("state", steering_spread=0.3)
    m.ratchet = np.array([0.8, 0.0, 0.0])
    target_d, target_r = m._steering_targets()
    base_d, base_r = m.p.steering_detail * m.detail_factor, m.p.reporting_demands * m.reporting_factor
    assert target_d == pytest.approx(np.minimum(1.0, base_d + 0.8))
    assert target_r == pytest.approx(np.minimum(1.0, base_r + 0.8))
    assert (target_d == 1.0).mean() > 0.5
