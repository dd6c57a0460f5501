"""ODD §7.7 Diffusion: a workplace adopts an innovation with probability
1 - exp(-diffusion_rate · exposure · absorb), exposure the neighbours' mean successes this quarter
and absorb = absorb_floor + (1 - absorb_floor) · mean autonomy; an adoption carries the mean value
of the innovations it was exposed to.

Successes are placed by hand (experiments that surely succeed, ending this quarter, no new ideas)
and the adoptions over 300 quarters are compared with Σ p_adopt, margin five binomial sd.
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import small, wp_mean
from trustsim.model import FUNDED

SOURCES = (0, 9, 18)


def _model(**params):
    # no ideas of their own; the placed experiments surely succeed
    m = small(
        idea_rate=0.0, base_success=1.0, quality_success=0.0, operational_incidents=0.0, **params
    )
    m.staff.skill[:] = 0.5
    m.mgr_digital[:] = 0.4
    return m


def _adoptions(m, quality=0.5, quarters=300, sources=SOURCES):
    """Adoptions per quarter (summed) and the last quarter's adopters."""
    adopted = 0.0
    for k in range(1, quarters + 1):
        m.t = k
        m.exp_wp = np.array(sources, dtype=np.int64)
        m.exp_left = np.ones(len(sources), dtype=np.int64)
        m.exp_flags = np.full(len(sources), FUNDED, dtype=np.int64)  # never cut
        m.exp_quality = np.full(len(sources), quality)
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
