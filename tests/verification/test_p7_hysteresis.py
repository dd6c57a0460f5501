"""P7 hysteresis (C14; Power 1997, the audit-society ratchet; Slovic 1993, trust asymmetry).

Verification, not a pattern (moved from tests/patterns in 0.3, issue 21): the recovery time follows
from one parameter. Trust returns as the ratchet decays, and the ratchet's half-life is
ln 2 / -ln(1 - `ratchet_decay`) ≈ 17 quarters at 0.04, its 1/e time 1 / `ratchet_decay` = 25 quarters:
the measured recovery (20-28 quarters) is that time constant, not an emergent finding. The test
checks that the model implements it (control falls fast, trust returns slowly and does return).

Claim (MODEL.md P7): after a visible scandal, control tightens within quarters and trust takes
years to return (recovery time > fall time). Source: the model brief, from C14 (tipping points,
dependencies and resilience) and the audit-society literature.
What is built in and what is measured: the steering ratchet tightens fast and loosens slowly by
construction (`tighten_speed` 0.6 vs `loosen_speed` 0.08 and `ratchet_decay` 0.04 per quarter),
and a visible scandal moves every manager toward control at once (`scandal_fear`). What the model
computes is how managers' orientation and the staff's experimentation culture respond: through the
room that steering leaves, the peer network and the support they keep receiving. The test measures
everything against the model's own trajectories (scandal-shock vs the same reform without the
scandal, paired by seed), not against the parameters: control's rise must be fast relative to
trust's return, and trust must *come back* within the run (a test that also passes when trust never
returns would not check hysteresis but collapse).

Definitions (on the mean paired gap, calm minus shocked): fall time = quarters from the scandal
until the gap first reaches 90 % of its peak; recovery time = quarters from the peak until the gap
is below a quarter of the peak; detail rise time = quarters until the steering-detail rise reaches
80 % of its peak.
Measured (8 seeds at each of offsets 0–5000): detail rise 2 quarters; trust orientation gap
peak 0.21–0.24, fall 1–3, recovery 20–28 quarters; culture gap peak 0.37–0.41, fall 5–6, recovery
26–29 quarters. Counter-example (ratchet lets go at once, no scandal fear; offsets 0 and 5000):
gap peaks 0.02 (trust) and 0.06 (culture), recovery 5–9 quarters.
"""

import numpy as np
import pytest

from ..support.runs import replicate, series

SHOCK = 20  # scandal-shock injects the scandal in quarter 20
N_SEEDS, YEARS = 8, 20
FAST_RETURN = {"loosen_speed": 1.0, "ratchet_decay": 0.5, "scandal_fear": 0.0}  # all in range
YEARS_NOT_QUARTERS = 12  # "takes years": at least three years


def gap_after_shock(shocked, calm, column: str) -> np.ndarray:
    """Mean over replications of calm minus shocked, from the scandal's quarter on."""
    return (series(calm, column) - series(shocked, column)).mean(axis=0)[SHOCK:]


def fall_and_recovery(gap: np.ndarray) -> tuple[int, int | None, float]:
    peak = int(np.argmax(gap))
    fall = int(np.argmax(gap >= 0.9 * gap[peak])) + 1
    back = np.flatnonzero(gap[peak:] < 0.25 * gap[peak])
    return fall, (int(back[0]) if len(back) else None), float(gap[peak])


def detail_rise_time(shocked, calm) -> int:
    rise = -gap_after_shock(shocked, calm, "steering_detail")
    return int(np.argmax(rise >= 0.8 * rise.max())) + 1


def shock_runs(extra: dict):
    return replicate([("scandal-shock", extra), ("integrated-esv-digg", extra)], N_SEEDS, YEARS)


@pytest.fixture(scope="module")
def default_runs():
    return shock_runs({})


@pytest.mark.parametrize("column", ["trust_orientation", "experimentation_culture"])
def test_control_tightens_fast_and_trust_returns_slowly(default_runs, column):
    shocked, calm = default_runs
    fall, recovery, peak = fall_and_recovery(gap_after_shock(shocked, calm, column))
    assert peak > 0.05, (column, peak)
    assert recovery is not None, (column, "trust never returned within the run", peak)
    assert recovery >= YEARS_NOT_QUARTERS, (column, fall, recovery)
    assert recovery > 2 * fall, (column, fall, recovery)
    # control tightens in a fraction of the time trust takes to return
    assert detail_rise_time(shocked, calm) <= recovery / 4, (column, recovery)


def test_hysteresis_fails_when_steering_loosens_at_once_and_scandals_are_not_feared():
    # the ratchet lets go within a year and managers do not react to the scandal itself:
    # trust and culture are back within quarters, not years
    shocked, calm = shock_runs(FAST_RETURN)
    for column in ("trust_orientation", "experimentation_culture"):
        fall, recovery, peak = fall_and_recovery(gap_after_shock(shocked, calm, column))
        assert recovery is not None and recovery < YEARS_NOT_QUARTERS, (
            column,
            fall,
            recovery,
            peak,
        )
