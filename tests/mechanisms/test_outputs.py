"""ODD §7.8 Outputs: rates per 1 000 real staff per year and means weighted back to real head counts
(`per_1000_year`, `_weighted_mean`), the work-site share innovating in two years, the share of idle
sites with an experiment under way (`sites_developing_share`) and the programme cost.

Checked in the state world at scale 0.02, where modelled organisations stand for very different
numbers of real people, so an unweighted output differs from the weighted one.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import climate_weights, small
from trustsim.model.model import FUNDED


def test_rates_and_means_are_weighted_to_real_head_counts():
    m = small("state")
    assert np.ptp(m.wp_weight) > 1  # weights differ: the check below can tell
    largest = m.wp_agency == 0  # organisations are ordered largest first
    share = m.agency_size[0] / m.agency_size.sum()
    assert m.per_1000_year(m.wp_size * largest) == pytest.approx(4000 * share)
    assert m._weighted_mean(largest.astype(float)) == pytest.approx(share)
    assert m.per_1000_year(m.wp_size) == pytest.approx(4000.0)  # one event per person a quarter


def _sites(m):
    return np.bincount(m.wp_site, minlength=m.n_sites)


def test_a_work_site_innovated_if_any_of_its_teams_did_in_the_last_eight_quarters():
    m = small("state")
    m.t = 20
    rng = np.random.default_rng(0)
    # 0..79 quarters ago: a tenth of teams innovated in the window, so sites of several teams
    # are neither all in nor all out and the weighting can tell
    m.last_innovation = m.t - rng.integers(0, 80, m.n_workplaces)
    m._record_climate()
    recent = (m.t - m.last_innovation) <= 7
    site_innovated = np.bincount(m.wp_site, weights=recent, minlength=m.n_sites) > 0
    expected = (m.site_weight * site_innovated).sum() / m.site_weight.sum()
    assert 0.05 < expected < 0.95
    assert m.workplaces_innovating_2y == pytest.approx(expected)
    assert m.site_table()["innovated_2y"].to_numpy().tolist() == site_innovated.tolist()


def test_sites_developing_are_idle_sites_with_an_experiment_under_way():
    m = small("state")
    m.t = 20
    innovated = np.arange(m.n_sites) % 3 == 0
    m.last_innovation = np.where(innovated[m.wp_site], m.t - 2, -(10**6))
    with_experiment = np.flatnonzero(np.arange(m.n_workplaces) % 23 == 0)
    m.exp_wp = with_experiment
    m._record_climate()
    running = np.bincount(m.wp_site[with_experiment], minlength=m.n_sites) > 0
    idle = m.site_weight * ~innovated
    assert m.sites_developing_share == pytest.approx((idle * running).sum() / idle.sum())
    assert 0.05 < m.sites_developing_share < 0.95


def test_the_programme_cost_adds_up_the_reforms_in_force():
    m = small(
        "state",
        esv_alignment=1.0,
        agv_alignment=0.6,
        method_support=0.5,
        digital_programme_reach=0.4,
        rum=True,
        experimentation_funding_msek=30.0,
        support_cost_msek=10.0,
        method_cost_msek=20.0,
        digital_cost_msek=40.0,
        rum_cost_msek=25.0,
    )
    expected = 10.0 * (1.0 + 0.5) + 20.0 * 0.5 + 40.0 * 0.4 + 25.0 + 30.0
    assert m.programme_cost_msek == pytest.approx(expected)
    m.step()
    assert m.programme_cost_msek == pytest.approx(expected)
    assert small("state").programme_cost_msek == 0.0


# --- weights of every share output (issue #22): the state world's weights differ, so an
# unweighted mean or a modelled-staff denominator shows ---


def test_culture_admin_burden_and_orientation_are_weighted_to_real_staff():
    m = small("state", culture_threshold=0.4, culture_steepness=12.0)
    # orientation rises with the real staff a modelled person stands for: weighting matters
    m.orientation[:] = np.clip(m.wp_weight / m.wp_weight.max(), 0.05, 0.95)
    m._quarter(first=True)  # staff at their targets; the climate recorded
    st = m.staff
    real = m.wp_real
    assert m.trust_orientation == pytest.approx((real * m.orientation).sum() / real.sum())
    assert m.admin_burden == pytest.approx((real * m.wp_admin).sum() / real.sum())
    recent = (m.t - m.last_innovation) < 4
    w_a, w_s, w_m, w_r = climate_weights(m)
    climate = w_a * st.autonomy + w_s * st.safety + w_m * st.motivation + w_r * recent[st.wp]
    perceives = st.perception < 12.0 * (climate - 0.4)
    weighted = (m.wp_weight[st.wp] * perceives).sum() / real.sum()
    assert m.experimentation_culture == pytest.approx(weighted)
    # the check can tell: the unweighted figures differ
    assert abs(weighted - perceives.mean()) > 0.02
    assert abs(m.trust_orientation - m.orientation.mean()) > 0.02
    assert abs(m.admin_burden - m.wp_admin.mean()) > 0.002


def test_shares_of_innovations_and_completions_are_weighted_to_real_staff():
    m = small(
        "state",
        idea_rate=0.0,
        base_success=0.5,
        quality_success=0.0,
        diffusion_rate=3.0,
        operational_incidents=0.0,
    )
    nw = m.n_workplaces
    sources = np.arange(0, nw, 7)
    m.exp_wp = np.repeat(sources, 3)
    m.exp_left = np.ones(len(m.exp_wp), dtype=np.int64)
    m.exp_flags = np.full(len(m.exp_wp), FUNDED, dtype=np.int64)
    m.exp_quality = np.full(len(m.exp_wp), 0.5)
    record = {}
    run = m._run_experiments

    def spy(t, rng):
        out = run(t, rng)
        record["successes"], record["failures"] = out[0], out[2]
        return out

    m._run_experiments = spy
    m.t = 1
    m._ideas_and_experiments(1)
    w = m.wp_weight
    s, f = (w * record["successes"]).sum(), (w * record["failures"]).sum()
    innovations = m.innovation_rate * m.real_staff / 4000  # Σ weight · (successes + adopted)
    assert innovations > s > 0 and f > 0
    assert m.success_share == pytest.approx(s / (s + f))
    assert m.adopted_share == pytest.approx((innovations - s) / innovations)
