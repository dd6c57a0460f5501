"""The runs of a sweep: seeds (common random numbers), deterministic run ids, and the worker.

Replication k of every scenario and design point gets the same seed, from
`numpy.random.SeedSequence(root_seed).spawn(replications)[k]`, so differences between scenarios
are paired (common random numbers). A run id is a hash of everything that defines the run, so
the same design point and replication always has the same id and a resumed sweep can skip it.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.scenarios import Scenario
from .design import Design
from .experiment import Experiment

# columns that identify a run's rows in a shard, before the model's outputs
KEY_COLUMNS = ("run_id", "scenario", "point", "replication", "seed", "quarter", "year")
PARAM_PREFIX = "p."


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to do one run (picklable, no open resources)."""

    run_id: str
    scenario: Scenario
    point: int
    values: dict[str, Any]
    replication: int
    seed: int
    world: str
    scale: float
    years: int
    parameters: tuple[str, ...] = field(default=())  # swept parameter names, for p.<name> columns
    draw: dict[str, float] = field(default_factory=dict)  # posterior draw of this replication

    def manifest_entry(self) -> dict[str, Any]:
        entry = {"scenario": self.scenario.name, "point": self.point, "values": dict(self.values),
                 "replication": self.replication, "seed": self.seed}
        if self.draw:
            entry["draw"] = dict(self.draw)
        return entry

    @property
    def overrides(self) -> dict[str, Any]:
        """The run's parameters besides its scenario: the posterior draw and the design point."""
        return {**self.draw, **self.values}


@dataclass(frozen=True)
class RunOutcome:
    """What a worker sends back: the shard frame, or the traceback of a run that raised."""

    run_id: str
    frame: pd.DataFrame | None
    traceback: str | None
    seconds: float


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """One seed per replication: `SeedSequence(root_seed).spawn(n)[k].generate_state(1)[0]`."""
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1)[0]) for child in children]


def run_id(task_fields: dict[str, Any]) -> str:
    """A deterministic id: 16 hex digits of the sha256 of the run's canonical description."""
    text = json.dumps(task_fields, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_runs(experiment: Experiment, design: Design) -> list[RunTask]:
    """All runs, ordered by scenario, design point, then replication. With a posterior (or prior),
    replication k of every scenario and point also shares the k-th draw (trustsim/sweep/posterior.py)."""
    seeds = replication_seeds(experiment.root_seed, experiment.replications)
    draws = experiment.draws()
    tasks = []
    for scenario in experiment.scenarios:
        for point, values in enumerate(design.points):
            for k, (seed, draw) in enumerate(zip(seeds, draws)):
                fields = {
                    "scenario": scenario.name,
                    "scenario_params": scenario.params,
                    "point": point,
                    "values": values,
                    "replication": k,
                    "seed": seed,
                    "world": experiment.world,
                    "scale": experiment.scale,
                    "years": experiment.years,
                }
                if draw:
                    fields["draw"] = draw
                tasks.append(RunTask(run_id(fields), scenario, point, dict(values), k, seed,
                                     experiment.world, experiment.scale, experiment.years,
                                     design.parameters, draw))
    return tasks


def shard_frame(task: RunTask, frame: pd.DataFrame) -> pd.DataFrame:
    """The model's quarterly frame with the run's key columns in front and p.<name> at the end."""
    out = frame.reset_index()  # quarter becomes a column; year is already there
    out["quarter"] = out["quarter"].astype("int64")
    keys = {
        "run_id": task.run_id,
        "scenario": task.scenario.name,
        "point": np.int64(task.point),
        "replication": np.int64(task.replication),
        "seed": np.int64(task.seed),
    }
    for i, (name, value) in enumerate(keys.items()):
        out.insert(i, name, value)
    cols = list(KEY_COLUMNS) + [c for c in out.columns if c not in KEY_COLUMNS]
    out = out[cols]
    for name in task.parameters:
        out[PARAM_PREFIX + name] = task.values[name]
    return out


def default_run(task: RunTask) -> pd.DataFrame:
    """One model run through the public API `trustsim.run`."""
    from ..model.runner import run

    return run(task.scenario, world=task.world, scale=task.scale, years=task.years,
               seed=task.seed, overrides=task.overrides)


def execute_run(task: RunTask, run_fn: Callable[[RunTask], pd.DataFrame] | None = None) -> RunOutcome:
    """Worker entry point: do one run; an exception becomes a failed outcome with its traceback."""
    start = time.perf_counter()
    try:
        frame = shard_frame(task, (run_fn or default_run)(task))
    except Exception:  # noqa: BLE001 - a run that raises is recorded as failed, the sweep goes on
        return RunOutcome(task.run_id, None, traceback.format_exc(), time.perf_counter() - start)
    return RunOutcome(task.run_id, frame, None, time.perf_counter() - start)
