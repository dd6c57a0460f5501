"""Shared machinery for the pattern tests: seeded replications run in a small process pool."""

from __future__ import annotations

import atexit
import os
import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

import trustsim

WORLD, SCALE = "state", 0.05  # 13 500 staff: the state's structure at 1:20
WORKERS = 2
# Seeds are fixed so the suite is deterministic; TRUSTSIM_SEED_OFFSET shifts them all to check that
# the patterns do not hinge on the particular seeds (e.g. TRUSTSIM_SEED_OFFSET=1000 pytest tests/validation).
SEED_OFFSET = int(os.environ.get("TRUSTSIM_SEED_OFFSET", "0"))


@functools.cache
def pool() -> ProcessPoolExecutor:
    """One worker pool for the whole test session (forkserver: no fork of a threaded process)."""
    executor = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    atexit.register(executor.shutdown)
    return executor


def _run(args) -> pd.DataFrame:
    scenario, overrides, seed, years, world, scale = args
    return trustsim.run(scenario, world=world, scale=scale, years=years, seed=seed, overrides=overrides)


def replicate(
    cases: list[tuple[str, dict]],
    seeds: range,
    years: int,
    world: str = WORLD,
    scale: float = SCALE,
) -> list[list[pd.DataFrame]]:
    """Frames for every case and seed: result[case][k] uses seed k (common random numbers)."""
    jobs = [(sc, ov, SEED_OFFSET + s, years, world, scale) for sc, ov in cases for s in seeds]
    frames = list(pool().map(_run, jobs))
    n = len(seeds)
    return [frames[i * n : (i + 1) * n] for i in range(len(cases))]


def final(frames: list[pd.DataFrame], column: str, quarters: int = 4) -> np.ndarray:
    """Per-replication mean of `column` over the final `quarters`."""
    return np.array([f[column].iloc[-quarters:].mean() for f in frames])


@dataclass
class Interval:
    mean: float
    low: float
    high: float


def ci95(x: np.ndarray) -> Interval:
    """Mean with a t-based 95 % confidence interval."""
    x = np.asarray(x, dtype=float)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return Interval(float(x.mean()), float(x.mean() - half), float(x.mean() + half))
