"""ODD §7.8 Outputs: rates per 1 000 real staff per year and means weighted back to real head counts
(`per_1000_year`, `_weighted_mean`), the work-site share innovating in two years, the share of idle
sites with an experiment under way (`sites_developing_share`) and the programme cost.

Checked in the state world at scale 0.02, where modelled organisations stand for very different
numbers of real people, so an unweighted output differs from the weighted one.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import small


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
