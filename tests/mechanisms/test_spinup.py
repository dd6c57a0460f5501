"""ODD §3 Spin-up and the lever switch: a run spins up for `spinup_years` under baseline settings
(every lever at its default), from the cache when the same spin-up was run before in the process;
the scenario's levers switch on at quarter 0; `initial_trust_share` >= 0 redraws orientations then;
`scandal_quarter` counts quarters of the reported series.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import binomial_margin, small, structural
from trustsim.model.model import SPINUPS, STATE, TrustModel

KW = {"world": "state", "scale": 0.02, "spinup_years": 2}
LEVERS = {
    "agv_alignment": 1.0,
    "esv_alignment": 1.0,
    "digg_alignment": 1.0,
    "method_support": 1.0,
    "steering_detail": 0.2,
    "reporting_demands": 0.2,
    "rum": True,
    "dispensation": True,
    "experimentation_funding_msek": 30.0,
}
ARRAYS = (
    "orientation",
    "detail",
    "reporting",
    "ratchet",
    "trust_signal",
    "control_signal",
    "regulation",
    "mgr_digital",
    "wp_admin",
    "last_innovation",
)


def _state(m):
    st = m.staff
    return {
        **{name: np.copy(getattr(m, name)) for name in ARRAYS},
        **{
            f"staff.{k}": np.copy(getattr(st, k))
            for k in ("autonomy", "safety", "motivation", "skill", "motivation_base")
        },
        "exp_wp": m.exp_wp.copy(),
        "exp_left": m.exp_left.copy(),
    }


def _assert_same_state(a, b):
    sa, sb = _state(a), _state(b)
    for name in sa:
        np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)


def _uncached(**kw):
    SPINUPS.items.clear()
    return TrustModel(**kw)


def test_a_cached_spin_up_is_identical_to_an_uncached_one():
    uncached = _uncached(rng=3, show_spinup=True, **KW)
    cached = TrustModel(rng=3, show_spinup=True, **KW)
    assert SPINUPS.items  # the second came from the cache
    for name in STATE:
        assert hasattr(cached, name), name
    _assert_same_state(uncached, cached)
    for m in (uncached, cached):
        for _ in range(4):
            m.step()
    assert uncached.outputs().equals(cached.outputs())
    assert len(cached.outputs()) == 4 * 2 - 1 + 5  # spin-up rows (quarters -7..-1), then 0..4


def test_the_cache_tells_spin_ups_with_different_non_lever_parameters_apart():
    TrustModel(rng=3, sector_risk=0.3, **KW)
    cached = TrustModel(rng=3, sector_risk=0.6, **KW)
    fresh = _uncached(rng=3, sector_risk=0.6, **KW)
    _assert_same_state(cached, fresh)


def test_the_spin_up_runs_under_baseline_settings_and_levers_switch_on_at_quarter_0():
    base = TrustModel(rng=4, **KW)
    scenario = _uncached(rng=4, **LEVERS, **KW)  # spun up itself, not taken from the cache
    _assert_same_state(base, scenario)
    row_b, row_s = base.outputs().iloc[0], scenario.outputs().iloc[0]
    assert row_b.drop("programme_cost_msek").equals(row_s.drop("programme_cost_msek"))
    assert scenario.programme_cost_msek > 0 and base.programme_cost_msek == 0
    assert scenario.rum is not None and scenario.scheme is not None and base.rum is None
    assert scenario.rise.share == 1.0 and base.rise.share == 0.0
    base.step()
    scenario.step()
    assert (scenario.detail < base.detail).all()  # the lower steering levels act from quarter 1
    assert scenario.trust_signal.sum() > 0 and base.trust_signal.sum() == 0


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_initial_trust_share_redraws_orientations_at_quarter_0(share):
    m = TrustModel(rng=5, initial_trust_share=share, **KW)
    trust = m.orientation > 0.5
    assert trust.mean() == pytest.approx(share, abs=5 * np.sqrt(0.25 / m.n_workplaces))
    assert (m.orientation[trust] >= 0.6).all() and (m.orientation[~trust] <= 0.4).all()
    assert m.trust_orientation == pytest.approx(m._weighted_mean(m.orientation))


def test_a_negative_initial_trust_share_keeps_the_spun_up_orientations():
    base = TrustModel(rng=5, **KW)
    kept = TrustModel(rng=5, initial_trust_share=-1.0, **KW)
    np.testing.assert_array_equal(base.orientation, kept.orientation)


def test_innovation_leaders_are_redrawn_at_quarter_0_when_their_share_changes():
    base = TrustModel(rng=5, **KW)
    m = TrustModel(rng=5, innovation_leader_share=0.5, **KW)
    assert base.leader.mean() == pytest.approx(0.05, abs=0.04)
    assert m.leader.mean() == pytest.approx(0.5, abs=5 * np.sqrt(0.25 / m.n_workplaces))


def test_the_scandal_quarter_counts_quarters_of_the_reported_series():
    kw = dict(KW, ratchet_up=0.25)
    base = TrustModel(rng=6, **kw)
    shocked = TrustModel(rng=6, scandal_quarter=2, scandal_size=1.0, **kw)
    _assert_same_state(base, shocked)  # no scandal in the spin-up
    for quarter in (1, 2):
        base.step()
        shocked.step()
        extra = shocked.ratchet[0] - base.ratchet[0]
        assert extra == pytest.approx(0.0 if quarter == 1 else 0.25), quarter
    assert (shocked.detail > base.detail).all()


def test_the_spin_up_starts_with_its_share_of_trust_oriented_managers():
    m = small("state")  # no spin-up: the initial draw is what we see
    share = structural(m, "spinup_trust_share")
    trust = m.orientation > 0.5
    assert trust.mean() == pytest.approx(share, abs=binomial_margin(share, m.n_workplaces))
    assert (m.orientation[trust] >= 0.6).all() and (m.orientation[~trust] <= 0.4).all()


def test_the_lever_switch_draws_from_its_own_stream():
    # the quarter-0 redraw of orientations is the stream "switch" of quarter 0 (common random
    # numbers: scenarios that differ elsewhere redraw the same managers)
    m = TrustModel(rng=5, initial_trust_share=0.5, **KW)
    draws = m.stream("switch")
    nw = m.n_workplaces
    trust = draws.random(nw) < 0.5
    high, low = draws.uniform(0.6, 0.9, nw), draws.uniform(0.1, 0.4, nw)
    np.testing.assert_array_equal(m.orientation, np.where(trust, high, low))
