"""P2 short-termism (C1): innovation rises with the budget horizon, other things equal."""

import numpy as np

from .helpers import ci95, final, replicate

HORIZONS = (1.0, 2.0, 3.0, 4.0)


def test_innovation_rises_with_budget_horizon():
    cases = [("baseline-control", {"budget_horizon_years": h}) for h in HORIZONS]
    runs = replicate(cases, range(8), years=10)
    rates = [final(frames, "innovation_rate", quarters=8) for frames in runs]
    means = [r.mean() for r in rates]
    assert all(b > a for a, b in zip(means, means[1:])), means
    gain = ci95(rates[-1] - rates[0])  # paired: replication k shares its seed
    assert gain.low > 0.3 * means[0], (gain, means)  # a 4-year horizon: at least +30 %
    # the share of experiments cut at a budget-year boundary (count / started, so not confounded
    # by the larger number of experiments a longer horizon allows) falls at least by half
    cut = [
        final(frames, "cut_by_budget_horizon", quarters=8).mean()
        / final(frames, "experiments_started", quarters=8).mean()
        for frames in runs
    ]
    assert cut[-1] < 0.5 * cut[0], cut
    assert np.isfinite(means).all()
