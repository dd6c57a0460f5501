"""Experimental designs: full grid, Latin hypercube, Morris and Sobol (the last three via SALib).

A design is a numbered list of points, each a `{parameter: value}` dict over the swept parameters
(levers first, then uncertainties). Points are numbered in the order SALib returns its sample, so
an analysis can pass the outputs, in point order, straight to `SALib.analyze.morris` or `sobol`.
Samplers are seeded with the experiment's root seed, so the same file gives the same points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.params import SPECS
from .experiment import Experiment, Factor


@dataclass(frozen=True)
class Design:
    """The design points of an experiment and what a Morris/Sobol analysis needs to read them."""

    kind: str
    levers: tuple[str, ...]
    uncertainties: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    num_levels: int | None
    points: tuple[dict[str, Any], ...]

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.levers + self.uncertainties

    def problem(self) -> dict[str, Any]:
        """The SALib problem dictionary."""
        return {"num_vars": len(self.parameters), "names": list(self.parameters),
                "bounds": [list(b) for b in self.bounds]}

    def manifest(self) -> dict[str, Any]:
        """The `design` entry of a results folder's manifest.json."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "levers": list(self.levers),
            "uncertainties": list(self.uncertainties),
            "bounds": [list(b) for b in self.bounds],
            "num_levels": self.num_levels,
            "points": len(self.points),
        }


def grid_values(factor: Factor, levels: int | None) -> tuple:
    """The grid values of one factor: its list, or `levels` equal steps over its range."""
    if factor.values is not None:
        return factor.values
    steps = np.linspace(factor.low, factor.high, levels)
    if SPECS[factor.name].kind is int:
        return tuple(dict.fromkeys(round(v) for v in steps))
    return tuple(float(v) for v in steps)


def _bounds(factor: Factor, levels: int | None) -> tuple[float, float]:
    if factor.values is None:
        return (float(factor.low), float(factor.high))
    values = [float(v) for v in grid_values(factor, levels)]
    return (min(values), max(values))


def _sample(experiment: Experiment, problem: dict[str, Any]) -> np.ndarray:
    """The SALib sample matrix (rows = points, columns = parameters in problem order)."""
    d = experiment.design
    seed = experiment.root_seed
    if d.kind == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, d.samples, seed=seed)
    if d.kind == "morris":
        from SALib.sample import morris

        return morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
    if d.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=seed)
    raise ValueError(f"not a sampled design: {d.kind!r}")


def build_design(experiment: Experiment) -> Design:
    """All design points of `experiment`, numbered in grid or SALib sample order."""
    d = experiment.design
    factors = experiment.factors
    names = tuple(f.name for f in factors)
    bounds = tuple(_bounds(f, d.levels) for f in factors)
    if d.kind == "grid":
        axes = [grid_values(f, d.levels) for f in factors]
        points = tuple(dict(zip(names, combo)) for combo in itertools.product(*axes))
    else:
        problem = {"num_vars": len(names), "names": list(names),
                   "bounds": [list(b) for b in bounds]}
        matrix = _sample(experiment, problem)
        low = np.array([b[0] for b in bounds])
        high = np.array([b[1] for b in bounds])
        matrix = np.clip(matrix, low, high)  # guard against rounding just outside the range
        points = tuple({n: float(v) for n, v in zip(names, row)} for row in matrix)
    return Design(
        kind=d.kind,
        levers=tuple(f.name for f in experiment.levers),
        uncertainties=tuple(f.name for f in experiment.uncertainties),
        bounds=bounds,
        num_levels=d.levels if d.kind == "morris" else None,
        points=points,
    )
