"""Seeded replications in a small process pool, and the statistics the suites assert on.

Used by `tests/verification/` (true by construction) and `tests/patterns/` (emergent findings).
Seeds are fixed so every run of the suite is deterministic; TRUSTSIM_SEED_OFFSET shifts them all,
to check that no test hinges on its particular seeds (scripts/validate_offsets.sh runs the suites
at offsets 0, 1000, 2000, 3000 and 5000; CI runs 0 and 1000).
"""

from __future__ import annotations

import atexit
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import trustsim

WORLD, SCALE = "state", 0.05  # 13 500 staff: the state's structure at 1:20 (~0.3 s per 10-year run)
WORKERS = 2
SEED_OFFSET = int(os.environ.get("TRUSTSIM_SEED_OFFSET", "0"))

# the baseline's per-person outputs the verification checks (scale invariance, stationarity)
PER_PERSON_OUTPUTS = (
    "innovation_rate",
    "workplaces_innovating_2y",
    "experimentation_culture",
    "admin_burden",
    "incident_rate",
    "trust_orientation",
)


@functools.cache
def pool() -> ProcessPoolExecutor:
    """One worker pool for the whole test session (forkserver: no fork of a threaded process).
    Each worker keeps the model's spin-up cache, so scenarios sharing a seed reuse a spin-up."""
    executor = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    atexit.register(executor.shutdown)
    return executor


def seeds(n: int) -> list[int]:
    """The suite's `n` seeds at the current offset."""
    return [SEED_OFFSET + k for k in range(n)]


def _run(args) -> pd.DataFrame:
    scenario, overrides, seed, years, world, scale = args
    return trustsim.run(
        scenario, world=world, scale=scale, years=years, seed=seed, overrides=overrides
    )


def replicate(
    cases: list[tuple[str, dict]],
    n_seeds: int,
    years: int,
    world: str = WORLD,
    scale: float = SCALE,
) -> list[list[pd.DataFrame]]:
    """Frames for every case and seed: result[case][k] uses seed k (common random numbers, so
    differences between cases are paired by replication)."""
    jobs = [(sc, ov, s, years, world, scale) for sc, ov in cases for s in seeds(n_seeds)]
    frames = list(pool().map(_run, jobs, chunksize=2))
    return [frames[i * n_seeds : (i + 1) * n_seeds] for i in range(len(cases))]


def parallel(fn: Callable[[Any], Any], jobs: Iterable[Any]) -> list[Any]:
    """`fn` (a module-level function) over `jobs` in the pool, results in order."""
    return list(pool().map(fn, list(jobs)))


def final(frames: list[pd.DataFrame], column: str, quarters: int = 8) -> np.ndarray:
    """Per-replication mean of `column` over the final `quarters`."""
    return np.array([f[column].iloc[-quarters:].mean() for f in frames])


def reported(frames: list[pd.DataFrame], column: str, start: int = 1, stop: int | None = None):
    """Per-replication mean of `column` over quarters [start, stop) of the reported series
    (quarter 0 is the spun-up state the levers switch on)."""
    return np.array([f[column].iloc[start:stop].mean() for f in frames])


def series(frames: list[pd.DataFrame], column: str) -> np.ndarray:
    """Replications × quarters array of `column`."""
    return np.array([f[column].to_numpy() for f in frames])


@dataclass
class Interval:
    mean: float
    low: float
    high: float
    sd: float = float("nan")


def ci95(x) -> Interval:
    """Mean with a t-based 95 % confidence interval (and the replications' standard deviation)."""
    x = np.asarray(x, dtype=float)
    sd = float(x.std(ddof=1))
    half = stats.t.ppf(0.975, len(x) - 1) * sd / np.sqrt(len(x))
    return Interval(float(x.mean()), float(x.mean() - half), float(x.mean() + half), sd)
