"""Verification: the baseline is stationary after the spin-up (ODD §7, `spinup_years`).

A run spins up for 20 years under baseline settings before the reported series starts, so that
every scenario starts from the baseline's steady state and a difference between scenarios is the
levers' effect, not the baseline still settling. This is a property the design intends (not a
finding about the public sector); the test checks it holds: the baseline's per-person outputs over
reported years 0–5 and 15–20 differ, paired by replication, by less than TOLERANCE of their level.

Margin: 6 % of the level, on the mean drift over 24 replications. Measured at offsets 0–5000
(12 replications each) the drift is −1.9 % (innovation), −0.7 % (work sites innovating), −2.1 %
(culture), +0.3 % (admin burden), +0.4 % (incidents), −0.6 % (trust orientation); the noisiest
estimate (incidents, sd of the paired drift 0.25–0.37 on a level of 3.5) has a standard error of
~2 % at 24 replications, so 6 % is three standard errors above a zero drift, and above the small
real drift of culture and innovation by at least three of theirs (0.9 % and 1.3 %). The drift is
also far below the spread between replications (sd 5–14 % of the level for these outputs).
"""

import pytest

from ..support.runs import PER_PERSON_OUTPUTS as OUTPUTS
from ..support.runs import replicate, reported

N_SEEDS, YEARS = 24, 20
TOLERANCE = 0.06
EARLY, LATE = (1, 21), (61, 81)  # quarters of reported years 0–5 and 15–20


@pytest.fixture(scope="module")
def baseline():
    return replicate([("baseline-control", {})], N_SEEDS, YEARS)[0]


@pytest.mark.parametrize("column", OUTPUTS)
def test_baseline_is_stationary_after_spin_up(baseline, column):
    early = reported(baseline, column, *EARLY)
    late = reported(baseline, column, *LATE)
    drift = (late - early).mean()
    assert abs(drift) < TOLERANCE * early.mean(), (column, early.mean(), late.mean())
