"""Helpers for the sweep tests: small experiment files, a failing run function, shard reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from trustsim.sweep.runs import RunTask, default_run


def toml_value(value: Any) -> str:
    """A minimal TOML writer for the values the tests use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def dump_toml(data: dict[str, Any]) -> str:
    """Top-level scalars first, then one [table] per dict value."""
    lines = [f"{k} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def small_experiment(**changes: Any) -> dict[str, Any]:
    """A tiny grid experiment on the teaching world (runs take milliseconds)."""
    data: dict[str, Any] = {
        "title": "small test sweep",
        "world": "teaching",
        "scale": 1.0,
        "years": 2,
        "replications": 2,
        "root_seed": 7,
        "levers": {"scenarios": ["baseline-control", "integrated-esv-digg"],
                   "budget_horizon_years": [1.0, 3.0]},
        "design": {"kind": "grid"},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            merged = {**data[key], **value}
            data[key] = {k: v for k, v in merged.items() if v is not None}
        elif value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def write_experiment(folder: Path, name: str = "small", **changes: Any) -> Path:
    path = Path(folder) / f"{name}.toml"
    path.write_text(dump_toml(small_experiment(**changes)))
    return path


def fail_on_replication_one(task: RunTask) -> pd.DataFrame:
    """A run function (picklable by reference) that raises for replication 1."""
    if task.replication == 1:
        raise RuntimeError(f"deliberate failure in run {task.run_id}")
    return default_run(task)


def shard_tables(folder: Path) -> dict[str, Any]:
    """{run_id: pyarrow table} of every shard in a results folder."""
    return {p.stem: pq.read_table(p) for p in sorted(Path(folder, "runs").glob("*.parquet"))}
