"""Posterior draws for experiments (issue 8): conclusions stated over the calibration posterior.

An experiment may say

    [uncertainties]
    posterior = "calibration/posterior.parquet"

Then replication k of *every* scenario and design point runs with the same parameter set, drawn
from the weighted posterior particles, and the same seed (common random numbers): the paired
difference of replication k compares the scenarios in one possible world the targets allow. Draws
are made with replacement in proportion to the particles' weights, from a generator seeded by the
experiment's root seed, so the same file gives the same draws.

The posterior file is what `trustsim calibrate` writes (`posterior.parquet`): one column per
calibrated parameter, `weight`, and bookkeeping columns (`generation`, `distance`, `s.<statistic>`)
that are ignored here. Its sha256 is part of the experiment's content hash, so a results folder
made with one posterior is never resumed with another.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..model.params import LEVERS, SPECS

BOOKKEEPING = ("generation", "weight", "distance")
DRAW_STREAM = 0x9057  # the posterior draws' own stream beside the seeds (SeedSequence key)


class PosteriorError(ValueError):
    """A posterior file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted particles: `values[i, j]` is parameter `parameters[j]` of particle i."""

    path: Path
    sha256: str
    parameters: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    def draws(self, root_seed: int, replications: int) -> list[dict[str, float]]:
        """One parameter set per replication, drawn with replacement by weight (seeded)."""
        rng = np.random.default_rng([root_seed, DRAW_STREAM])
        idx = rng.choice(len(self.weights), size=replications, replace=True, p=self.weights)
        return [
            {name: float(self.values[i, j]) for j, name in enumerate(self.parameters)} for i in idx
        ]

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weights, 1 / Σ w²."""
        return float(1.0 / (self.weights**2).sum())

    def content(self) -> dict[str, Any]:
        return {"file": self.path.name, "sha256": self.sha256, "parameters": list(self.parameters)}


def resolve(base: Path, text: str, shipped: Path) -> Path | None:
    """Where a relative posterior path points: beside the experiment file, in the project root
    above it, or (for `calibration/...`) in the shipped calibration folder (installed wheels)."""
    rel = Path(text)
    if rel.is_absolute():
        return rel if rel.is_file() else None
    candidates = [base / rel, base.parent / rel]
    if rel.parts and rel.parts[0] == "calibration":
        candidates.append(shipped.joinpath(*rel.parts[1:]))
    return next((c for c in candidates if c.is_file()), None)


def load_posterior(path: Path, where: str = "") -> Posterior:
    """Read and check a posterior Parquet file; PosteriorError names the file and the problem."""
    import pandas as pd

    prefix = f"{where}: " if where else ""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets one clear message
        raise PosteriorError(f"{prefix}{path}: not a readable Parquet file ({exc})") from None
    if "weight" not in frame.columns:
        raise PosteriorError(f"{prefix}{path}: no 'weight' column; a posterior file is what "
                             "`trustsim calibrate` writes (posterior.parquet)")
    names = [c for c in frame.columns if c not in BOOKKEEPING and not str(c).startswith("s.")]
    if not names:
        raise PosteriorError(f"{prefix}{path}: no parameter columns besides {BOOKKEEPING}")
    for name in names:
        if name not in SPECS:
            raise PosteriorError(f"{prefix}{path}: column {name!r} is not a model parameter")
        if name in LEVERS:
            raise PosteriorError(f"{prefix}{path}: column {name!r} is a lever (a policy choice); "
                                 "a posterior holds uncertainties only")
        spec = SPECS[name]
        col = frame[name].to_numpy(float)
        if not np.isfinite(col).all() or col.min() < spec.low or col.max() > spec.high:
            raise PosteriorError(f"{prefix}{path}: column {name!r} has values outside "
                                 f"{spec.allowed()}")
    weights = frame["weight"].to_numpy(float)
    total = weights.sum() if np.isfinite(weights).all() else math.nan
    if not (weights >= 0).all() or not total > 0:
        raise PosteriorError(f"{prefix}{path}: weights must be non-negative with a positive sum")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Posterior(path, digest, tuple(names), frame[names].to_numpy(float), weights / total)
