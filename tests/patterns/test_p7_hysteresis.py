"""P7 hysteresis (C14; Power 1997): after a visible scandal control tightens within quarters and
trust takes years to return."""

import numpy as np

from .helpers import replicate

SHOCK = 20  # scandal-shock injects the scandal in quarter 20


def mean_series(frames, column):
    return np.mean([f[column].to_numpy() for f in frames], axis=0)


def test_control_tightens_fast_and_trust_returns_slowly():
    runs = replicate([("scandal-shock", {}), ("integrated-esv-digg", {})], range(6), years=25)
    shocked, calm = runs
    detail = mean_series(shocked, "steering_detail")
    rise = detail[SHOCK:] - detail[SHOCK - 1]
    peak = rise.max()
    assert peak > 0.1
    quarters_to_tighten = int(np.argmax(rise >= 0.8 * peak))
    assert quarters_to_tighten <= 4, quarters_to_tighten
    for column in ("experimentation_culture", "trust_orientation"):
        gap = mean_series(calm, column) - mean_series(shocked, column)  # paired by seed
        after = gap[SHOCK:]
        worst = int(np.argmax(after))
        assert after[worst] > 0.05, (column, after[worst])
        fall_time = worst + 1
        recovered = np.flatnonzero(after[worst:] < 0.25 * after[worst])
        recovery_time = int(recovered[0]) if len(recovered) else len(after) - worst
        assert recovery_time >= 2 * fall_time + 4, (column, fall_time, recovery_time)
