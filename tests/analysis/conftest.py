"""Results folders in the `trustsim sweep` format, built here without the sweep code.

`write_folder` writes `manifest.json` and one parquet shard per run exactly as the format in
docs/analysis.md says; `model_folder` fills it with real `trustsim.run` output, `synthetic_folder`
with outputs from a known formula (so the analysis can be checked against the truth).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsim
from trustsim.analysis.results import replication_seeds
from trustsim.model.model import DIAGNOSTICS, OUTPUTS
from trustsim.sweep.storage import file_sha256

RunFn = Callable[[str, dict, int], pd.DataFrame]  # (scenario, values, seed) -> quarterly frame


def write_folder(
    root: Path,
    *,
    scenarios: Sequence[str],
    kind: str,
    parameters: Sequence[str],
    bounds: Sequence[Sequence[float]],
    X: np.ndarray,
    replications: int,
    run_fn: RunFn,
    num_levels: int | None = None,
    seed: int = 7,
    world: str = "teaching",
    scale: float = 1.0,
    years: int = 2,
    levers: Sequence[str] = (),
) -> Path:
    """Write a results folder: every scenario × design point × replication, seeds shared."""
    (root / "runs").mkdir(parents=True)
    seeds = replication_seeds(seed, replications)
    runs = {}
    for scenario in scenarios:
        for point, row in enumerate(np.atleast_2d(X) if len(parameters) else [[]] * len(X)):
            values = {p: float(v) for p, v in zip(parameters, row)}
            for rep, s in enumerate(seeds):
                run_id = f"{scenario}-p{point:04d}-r{rep:03d}"
                frame = run_fn(scenario, values, s).reset_index()
                frame.insert(0, "run_id", run_id)
                frame.insert(1, "scenario", scenario)
                frame.insert(2, "point", point)
                frame.insert(3, "replication", rep)
                frame.insert(4, "seed", np.int64(s))
                for p, v in values.items():
                    frame[f"p.{p}"] = v
                shard = root / "runs" / f"{run_id}.parquet"
                frame.to_parquet(shard, index=False)
                runs[run_id] = {
                    "sha256": file_sha256(shard),  # as the sweep records it
                    "status": "done",
                    "scenario": scenario,
                    "point": point,
                    "values": values,
                    "replication": rep,
                    "seed": s,
                    "traceback": None,
                    "seconds": 0.01,
                }
    manifest = {
        "experiment": "test-experiment",
        "title": "Test experiment",
        "content_hash": "abc",
        "root_seed": seed,
        "trustsim_version": trustsim.__version__,
        "git_commit": None,
        "python": "3.12",
        "packages": {},
        "world": world,
        "scale": scale,
        "years": years,
        "replications": replications,
        "scenarios": list(scenarios),
        "design": {
            "kind": kind,
            "parameters": list(parameters),
            "levers": list(levers),
            "uncertainties": [p for p in parameters if p not in levers],
            "bounds": [list(b) for b in bounds],
            "num_levels": num_levels,
            "points": len(X),
        },
        "runs": runs,
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return root


def model_run_fn(world: str = "teaching", scale: float = 1.0, years: int = 2) -> RunFn:
    def run_fn(scenario: str, values: dict, seed: int) -> pd.DataFrame:
        return trustsim.run(
            scenario, world=world, scale=scale, years=years, seed=seed, overrides=values
        )

    return run_fn


def synthetic_run(
    effects: dict[str, dict[str, float]],
    offsets: dict[str, float],
    scenario_effects: dict[str, dict[str, dict[str, float]]] | None = None,
    noise: float = 0.1,
    quarters: int = 8,
) -> RunFn:
    """Outputs = offsets[scenario] + Σ effects[output][param] · value
    + Σ scenario_effects[scenario][output][param] · value (param "1" = the constant 1)
    + seed noise, flat in time. The noise depends only on the seed, so it is shared by scenarios
    with the same seed (common random numbers) and by design points."""
    extra = scenario_effects or {}

    def linear(coefs: dict[str, float], values: dict) -> float:
        return sum(c * (1.0 if p == "1" else values.get(p, 0.0)) for p, c in coefs.items())

    def run_fn(scenario: str, values: dict, seed: int) -> pd.DataFrame:
        shared = np.random.default_rng(seed).normal(0, 1.0)
        q = np.arange(quarters + 1)
        data = {"year": q / 4}
        for i, name in enumerate(OUTPUTS + DIAGNOSTICS):
            base = offsets.get(scenario, 0.0) + linear(effects.get(name, {}), values) + shared + i
            base += linear(extra.get(scenario, {}).get(name, {}), values)
            data[name] = base + noise * np.random.default_rng([seed, i]).normal(size=q.size)
        return pd.DataFrame(data, index=pd.Index(q, name="quarter"))

    return run_fn


@pytest.fixture
def grid_folder(tmp_path: Path) -> Path:
    """Real model runs: 2 scenarios × 2×2 grid (budget horizon × initial trust share) × 2 reps."""
    levels = [(h, s) for h in (1.0, 4.0) for s in (0.1, 0.7)]
    return write_folder(
        tmp_path / "grid",
        scenarios=["baseline-control", "full-chain"],
        kind="grid",
        parameters=["budget_horizon_years", "initial_trust_share"],
        levers=["budget_horizon_years"],
        bounds=[[1.0, 4.0], [0.1, 0.7]],
        X=np.array(levels),
        replications=2,
        run_fn=model_run_fn(),
    )


@pytest.fixture
def morris_folder(tmp_path: Path) -> Path:
    """Real model runs on a small SALib Morris design (3 parameters, 3 trajectories)."""
    from SALib.sample import morris

    problem = {
        "num_vars": 3,
        "names": ["budget_horizon_years", "initial_trust_share", "sector_risk"],
        "bounds": [[1.0, 4.0], [0.0, 1.0], [0.1, 0.6]],
    }
    X = morris.sample(problem, 3, num_levels=4, seed=1)
    return write_folder(
        tmp_path / "morris",
        scenarios=["baseline-control", "full-chain"],
        kind="morris",
        parameters=problem["names"],
        levers=["budget_horizon_years"],
        bounds=problem["bounds"],
        X=X,
        replications=2,
        num_levels=4,
        run_fn=model_run_fn(),
    )
