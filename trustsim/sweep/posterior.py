"""Posterior and prior draws for experiments (issues 8 and 24): conclusions stated over the
calibration posterior, and the same conclusions over the calibration prior beside them.

An experiment may say

    [uncertainties]
    posterior = "calibration/posterior.parquet"
    distinct = true            # optional: every replication draws a different particle

or, to draw the same calibrated parameters from the calibration's prior instead,

    [uncertainties]
    prior = "calibration/config.toml"   # uniform on each [priors] range of the calibration

Then replication k of *every* scenario and design point runs with the same parameter set (the k-th
draw) and the same seed (common random numbers): the paired difference of replication k compares
the scenarios in one possible world.

How posterior draws are made: *systematic resampling* (Kitagawa 1996; Douc, Cappé & Moulines
2005). One uniform offset u (from a generator seeded by the experiment's root seed, so the same
file and seed give the same draws) and the N points (u + k)/N, k = 0..N-1, are laid over the
particles' cumulative weights; particle i is drawn once for every point in its interval. Why this
and not the alternatives:
- it is unbiased: particle i is drawn N·w_i times on average, and always floor(N·w_i) or
  ceil(N·w_i) times, so the draws follow the weights as closely as N draws can (multinomial draws,
  used before issue 24, repeat heavy particles by chance: 100 draws from the 0.2.3 posterior held
  31 distinct particles);
- a particle is drawn twice only if its weight is at least 1/N: when every weight is below 1/N
  the N draws are N *distinct* particles. `distinct = true` asks for exactly that and refuses a
  posterior that cannot give it (the message names the file, the distinct count and the ESS);
- weighted sampling *without* replacement would force distinct draws from any posterior, but its
  inclusion probabilities are not proportional to the weights (heavy particles are
  under-represented), so its conclusions would lie between the posterior and the prior.
The draws are shuffled (with the same seeded generator) so that replication order carries no
information about the particles' order in the file.

Prior draws are independent uniform draws on each prior's [low, high] (seeded the same way), for
the parameters the calibration fits; every other parameter keeps its default, as in the
calibration. The sweep layer reads the calibration file's `[priors]` table itself (a range
defaults to the parameter's allowed range, as `trustsim.calibrate.calibration` does;
tests/sweep/test_posterior_draws.py checks that both agree on the shipped file).

The posterior file is what `trustsim calibrate` writes (`posterior.parquet`): one column per
calibrated parameter, `weight`, and bookkeeping columns (`generation`, `distance`, `s.<statistic>`)
that are ignored here. Its sha256 (or the prior file's) is part of the experiment's content hash,
so a results folder made with one posterior is never resumed with another.
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

    def draws(self, root_seed: int, replications: int, distinct: bool = False
              ) -> list[dict[str, float]]:
        """One parameter set per replication, by systematic resampling of the weights (seeded).

        With `distinct`, every replication must get a different particle: PosteriorError (naming
        the file, the distinct count and the ESS) when the weights cannot give that."""
        idx = self.draw_indices(root_seed, replications)
        if distinct and len(set(idx.tolist())) < replications:
            raise PosteriorError(self.refusal(root_seed, replications))
        return [
            {name: float(self.values[i, j]) for j, name in enumerate(self.parameters)} for i in idx
        ]

    def draw_indices(self, root_seed: int, replications: int) -> np.ndarray:
        """The particles' row numbers, one per replication (systematic resampling, shuffled)."""
        rng = np.random.default_rng([root_seed, DRAW_STREAM])
        points = (rng.random() + np.arange(replications)) / replications
        cumulative = np.cumsum(self.weights)
        cumulative[-1] = 1.0  # guard against rounding: every point falls in some interval
        idx = np.searchsorted(cumulative, points, side="right")
        return rng.permutation(np.minimum(idx, len(self.weights) - 1))

    def distinct_count(self, root_seed: int, replications: int) -> int:
        """How many different particles the draws hold."""
        return len(set(self.draw_indices(root_seed, replications).tolist()))

    def refusal(self, root_seed: int, replications: int) -> str:
        """Why this posterior cannot give `replications` distinct draws, and what would."""
        most = math.floor(1.0 / float(self.weights.max()) - 1e-12)
        return (f"{self.path}: cannot give {replications} distinct posterior draws: systematic "
                f"resampling by weight holds only {self.distinct_count(root_seed, replications)} "
                f"distinct particles (of {int((self.weights > 0).sum())} with weight; effective "
                f"sample size {self.effective_size:.0f}; N draws are sure to be distinct when every "
                f"weight is below 1/N, and the largest weight, {self.weights.max():.3g}, is below "
                f"1/N only for N <= {most}). Use at most {most} replications, or a posterior with "
                "more particles and a larger effective sample size (issue 24: ESS >= 500)")

    def summary(self, root_seed: int, replications: int) -> dict[str, Any]:
        """What the results manifest records about the draws."""
        return {"source": "posterior", "method": "systematic resampling by weight",
                "draws": replications, "distinct": self.distinct_count(root_seed, replications),
                "particles": int((self.weights > 0).sum()),
                "effective_size": round(self.effective_size, 1)}

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


PRIOR_TABLE = "priors"


@dataclass(frozen=True, eq=False)
class UniformPrior:
    """Independent uniform priors on [lows[j], highs[j]] for `parameters[j]` (the calibration's)."""

    path: Path
    sha256: str
    parameters: tuple[str, ...]
    lows: np.ndarray
    highs: np.ndarray

    def draws(self, root_seed: int, replications: int, distinct: bool = False
              ) -> list[dict[str, float]]:
        """One parameter set per replication, independent and uniform on each range (seeded);
        continuous draws are always distinct, so `distinct` asks nothing more."""
        rng = np.random.default_rng([root_seed, DRAW_STREAM])
        unit = rng.random((replications, len(self.parameters)))
        values = self.lows + unit * (self.highs - self.lows)
        return [{name: float(row[j]) for j, name in enumerate(self.parameters)} for row in values]

    def summary(self, root_seed: int, replications: int) -> dict[str, Any]:
        return {"source": "prior", "method": "independent uniform draws on each prior range",
                "draws": replications, "distinct": replications}

    def content(self) -> dict[str, Any]:
        return {"file": self.path.name, "sha256": self.sha256, "parameters": list(self.parameters),
                "low": [float(v) for v in self.lows], "high": [float(v) for v in self.highs]}

    def bounds(self) -> dict[str, tuple[float, float]]:
        return {n: (float(lo), float(hi)) for n, lo, hi in zip(self.parameters, self.lows,
                                                                 self.highs)}


def uniform_prior(path: Path, ranges: dict[str, tuple[float, float]], where: str = ""
                  ) -> UniformPrior:
    """A UniformPrior from {name: (low, high)}, each checked against the parameter's range."""
    prefix = f"{where}: " if where else ""
    if not ranges:
        raise PosteriorError(f"{prefix}{path}: no priors; a prior needs at least one parameter")
    for name, (low, high) in ranges.items():
        if name not in SPECS:
            raise PosteriorError(f"{prefix}{path}: prior {name!r} is not a model parameter")
        if name in LEVERS:
            raise PosteriorError(f"{prefix}{path}: prior {name!r} is a lever (a policy choice); "
                                 "priors are over uncertainties only")
        spec = SPECS[name]
        if not (spec.low <= low < high <= spec.high):
            raise PosteriorError(f"{prefix}{path}: prior {name!r} = [{low}, {high}] must be a "
                                 f"range with low < high within {spec.allowed()}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    names = tuple(ranges)
    return UniformPrior(path, digest, names,
                        np.array([float(ranges[n][0]) for n in names]),
                        np.array([float(ranges[n][1]) for n in names]))


def load_prior(path: Path, where: str = "") -> UniformPrior:
    """The uniform priors of a calibration file's `[priors]` table: `name = { low, high, source }`
    with low and high defaulting to the parameter's allowed range (as the calibration reads it)."""
    import tomllib

    prefix = f"{where}: " if where else ""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PosteriorError(f"{prefix}{path}: not a readable calibration file ({exc})") from None
    table = data.get(PRIOR_TABLE)
    if not isinstance(table, dict) or not table:
        raise PosteriorError(f"{prefix}{path}: no [{PRIOR_TABLE}] table; a prior is the "
                             "[priors] of a calibration file such as calibration/config.toml")
    ranges = {}
    for name, entry in table.items():
        entry = entry if isinstance(entry, dict) else {}
        spec = SPECS.get(name)
        if spec is None:
            raise PosteriorError(f"{prefix}{path}: prior {name!r} is not a model parameter")
        ranges[name] = (float(entry.get("low", spec.low)), float(entry.get("high", spec.high)))
    return uniform_prior(path, ranges, where)
