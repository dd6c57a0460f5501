"""ODD §7.7 Diffusion: a workplace adopts an innovation with probability
1 - exp(-diffusion_rate · exposure · absorb), exposure the neighbours' mean successes this quarter
and absorb = absorb_floor + (1 - absorb_floor) · mean autonomy; an adoption carries the mean value
of the innovations it was exposed to.

Successes are placed by hand (experiments that surely succeed, ending this quarter, no new ideas)
and the adoptions over 300 quarters are compared with Σ p_adopt, margin five binomial sd.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import small, structural, wp_mean
from trustsim.model.model import FUNDED

SOURCES = (0, 9, 18)


def _model(world="teaching", **params):
    # no ideas of their own (unless given); the placed experiments surely succeed
    params.setdefault("idea_rate", 0.0)
    m = small(world, base_success=1.0, quality_success=0.0, operational_incidents=0.0, **params)
    m.staff.skill[:] = 0.5
    m.mgr_digital[:] = 0.4
    return m


def _place(m, sources, quality=0.5):
    """Experiments in `sources` that end (and succeed) this quarter, never cut."""
    m.exp_wp = np.array(sources, dtype=np.int64)
    m.exp_left = np.ones(len(sources), dtype=np.int64)
    m.exp_flags = np.full(len(sources), FUNDED, dtype=np.int64)
    m.exp_quality = np.full(len(sources), quality)


def _adoptions(m, quality=0.5, quarters=300, sources=SOURCES):
    """Adoptions per quarter (summed) and the last quarter's adopters."""
    adopted = 0.0
    for k in range(1, quarters + 1):
        m.t = k
        _place(m, sources, quality)
        m._ideas_and_experiments(k)
        innovations = m.innovation_rate * m.real_staff / 4000.0  # teaching: weights are 1
        adopted += innovations - len(sources)
    return adopted


def _expected(m, rate, sources=SOURCES):
    successes = np.zeros(m.n_workplaces)
    successes[list(sources)] = 1.0
    exposure = m.neighbour_mean @ successes
    floor = m.p.absorb_floor
    absorb = floor + (1 - floor) * wp_mean(m, m.staff.autonomy)
    p = 1 - np.exp(-rate * exposure * absorb)
    return p.sum(), (p * (1 - p)).sum()


@pytest.mark.parametrize("rate,autonomy", [(4.0, None), (1.0, None), (4.0, 0.0), (4.0, 1.0)])
def test_neighbours_adopt_with_the_exposure_rate_and_absorptive_capacity(rate, autonomy):
    m = _model(diffusion_rate=rate)
    if autonomy is not None:
        m.staff.autonomy[:] = autonomy
    mean, var = _expected(m, rate)
    assert mean > 0.5  # the sources have neighbours who can adopt
    adopted = _adoptions(m)
    assert adopted / 300 == pytest.approx(mean, abs=5 * np.sqrt(var / 300))


def test_an_adoption_carries_the_value_of_the_innovation_it_copies():
    m = _model(diffusion_rate=5.0)
    m.staff.autonomy[:] = 1.0
    _adoptions(m, quality=0.9, quarters=3, sources=(0,))
    adopters = np.flatnonzero(m.last_innovation == m.t)
    assert 0 in adopters and len(adopters) >= 2
    n_innovations = len(adopters)  # the source cannot adopt: none of its neighbours succeeded
    assert m.innovation_value == pytest.approx(2 * 0.9 * n_innovations * 4000 / m.real_staff)
    assert m.adopted_share == pytest.approx((n_innovations - 1) / n_innovations)


def test_absorptive_capacity_reads_mean_autonomy_in_a_world_with_unequal_weights():
    # absorb = floor + (1 - floor) · mean autonomy of the workplace's modelled staff: with every
    # autonomy 1 it is 1, whatever real head count a modelled workplace stands for
    m = _model("state", diffusion_rate=1.0)
    assert np.ptp(m.wp_weight) > 1
    m.staff.autonomy[:] = 1.0
    m.mgr_digital[:] = structural(m, "mean_digital")
    m.leader[:] = False
    sources = np.arange(0, m.n_workplaces, 25)
    is_source = np.zeros(m.n_workplaces, dtype=bool)
    is_source[sources] = True
    successes = is_source.astype(float)
    p = 1 - np.exp(-1.0 * (m.neighbour_mean @ successes))  # absorb = 1
    p = p[~is_source]
    adopted = 0
    for k in range(1, 101):
        m.t = k
        _place(m, sources)
        m._ideas_and_experiments(k)
        adopted += ((m.last_innovation == k) & ~is_source).sum()
    assert p.sum() > 3
    mean, var = 100 * p.sum(), 100 * (p * (1 - p)).sum()
    assert adopted == pytest.approx(mean, abs=5 * np.sqrt(var))


def test_adoption_does_not_depend_on_the_ideas_drawn():
    # adoption draws from its own stream: a run with ideas (none approved, so the same successes)
    # adopts in exactly the same workplaces as one without ideas
    adopters = []
    for rate in (0.0, 4.0):
        m = _model(diffusion_rate=4.0, idea_rate=rate, approval_floor=0.0)
        m.orientation[:] = 0.0
        m.leader[:] = False
        seen = []
        for k in range(1, 21):
            m.t = k
            _place(m, SOURCES)
            m._ideas_and_experiments(k)
            seen.append(m.last_innovation == k)
            assert m.experiments_started == 0.0
        adopters.append(np.array(seen))
    assert adopters[0].sum() > len(SOURCES) * 20  # some adoption happened
    np.testing.assert_array_equal(adopters[0], adopters[1])
