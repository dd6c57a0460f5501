"""Verification of P4 legitimacy (C7): true by construction.

Claim (C7): for budget and planning, ESV (and DIGG) carry more legitimacy than Arbetsgivarverket,
so the same budget-domain support moves managers more when it comes from ESV.
Why this is verification and not a pattern: the test gives AgV and ESV the same budget-only
support, so the only difference between them is the legitimacy input (`legitimacy_esv_budget`
0.9 vs `legitimacy_agv_budget` 0.3), which scales the signal (SupportBody.deliver). The test checks
that this input reaches the managers' orientation through the support memory and the manager update
(and that nothing else separates the two bodies: with equal legitimacy the difference vanishes).
The emergent consequence of C7 at system level is part of P3 (tests/patterns/test_p3_fragmentation.py).

Measured (offset 0, 16 seeds; the tests pass at offsets 0–5000): ESV − AgV = +0.056 (sd 0.016)
in mean orientation after 3 years; ESV's effect over no support > 2x AgV's; with equal legitimacy
ESV − AgV = +0.0005 (sd 0.023 over seeds: the bodies draw whom they reach in turn from one stream).
"""

import numpy as np

import trustsim

from ..support.runs import SCALE, WORLD, ci95, parallel, seeds

BUDGET_ONLY = np.array([0.0, 1.0, 0.0])  # (leadership, budget, digital)
NEUTRAL = {"agv_alignment": 0.5, "esv_alignment": 0.5, "digg_alignment": 0.5}  # 0.5 sends nothing
N_SEEDS, QUARTERS = 16, 12


def orientation_after_support(args) -> float:
    body, seed, extra = args
    model = trustsim.TrustModel(world=WORLD, scale=SCALE, rng=seed, **NEUTRAL, **extra)
    for b in model.support_bodies:
        if b.short == body:
            b.alignment, b.domain_mix, b.reach = 1.0, BUDGET_ONLY, 0.5
    for _ in range(QUARTERS):
        model.step()
    return model.trust_orientation


def run(body: str, **extra) -> np.ndarray:
    return np.array(parallel(orientation_after_support, [(body, s, extra) for s in seeds(N_SEEDS)]))


def test_esv_budget_support_moves_managers_more_than_agv():
    agv, esv, none = run("AgV"), run("ESV"), run("none")
    diff = ci95(esv - agv)  # paired by seed
    assert diff.low > 0, diff
    # the signal is 3x as strong (0.9 / 0.3); the orientation responds less than linearly
    assert (esv - none).mean() > 2 * (agv - none).mean() > 0, (esv.mean(), agv.mean(), none.mean())


def test_with_equal_legitimacy_the_bodies_move_managers_alike():
    equal = {"legitimacy_agv_budget": 0.9}
    agv, esv = run("AgV", **equal), run("ESV", **equal)
    # the bodies draw their reached agencies in turn from one stream, so single seeds differ
    # (sd 0.023); the mean difference is within a quarter of the default-legitimacy gap (0.056)
    assert abs((esv - agv).mean()) < 0.014, ci95(esv - agv)
