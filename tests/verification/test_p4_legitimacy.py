"""P4 legitimacy (C7): the same budget-domain support moves managers more when it comes from ESV
than from Arbetsgivarverket."""

import numpy as np

import trustsim

from .helpers import SEED_OFFSET, ci95, pool

BUDGET_ONLY = np.array([0.0, 1.0, 0.0])  # (leadership, budget, digital)


def orientation_after_support(args) -> float:
    body, seed = args
    # all bodies neutral (alignment 0.5 sends no signal) except the one under test
    model = trustsim.TrustModel(
        world="state", scale=0.05, rng=seed, agv_alignment=0.5, esv_alignment=0.5, digg_alignment=0.5
    )
    for b in model.support_bodies:
        if b.short == body:
            b.alignment, b.domain_mix, b.reach = 1.0, BUDGET_ONLY, 0.5
    for _ in range(12):
        model.step()
    return model.trust_orientation


def test_esv_budget_support_moves_managers_more_than_agv():
    seeds = range(SEED_OFFSET, SEED_OFFSET + 16)
    agv, esv, none = (
        np.array(list(pool().map(orientation_after_support, [(body, s) for s in seeds])))
        for body in ("AgV", "ESV", "none")
    )
    diff = ci95(esv - agv)
    assert diff.low > 0.05, diff
    # and ESV's effect over no support is at least twice AgV's
    assert (esv - none).mean() > 2 * (agv - none).mean() > 0
