"""P8 tipping (C14): sweeping the initial share of trust-oriented managers shows a threshold beyond
which trust culture spreads system-wide."""

import numpy as np

from .helpers import final, replicate

SHARES = [round(s, 1) for s in np.arange(0.0, 1.01, 0.1)]


def test_initial_trust_share_has_a_tipping_point():
    cases = [("baseline-control", {"initial_trust_share": s}) for s in SHARES]
    runs = replicate(cases, range(4), years=10)
    final_trust = np.array([final(frames, "trust_orientation").mean() for frames in runs])
    assert final_trust[:3].max() < 0.35, final_trust  # few trust-oriented managers: control persists
    assert final_trust[-3:].min() > 0.65, final_trust  # many: trust spreads system-wide
    jumps = np.diff(final_trust)
    # a threshold, not a gradual slope: one 0.1 step carries most of the change
    assert jumps.max() > 0.4 * (final_trust[-1] - final_trust[0]), jumps
    culture = np.array([final(frames, "experimentation_culture").mean() for frames in runs])
    assert culture[-1] > 3 * culture[0], culture
