"""Reading results folders and analysing them: summaries, curves, Morris, sign robustness.

Synthetic folders have outputs from a known linear formula, so the right answers are known.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample

from trustsim.analysis.results import (
    Results,
    ResultsError,
    comparison_table,
    curve,
    load_results,
    morris_indices,
    results_summary,
    sign_robustness,
    time_series,
)
from trustsim.model.model import OUTPUTS

from .conftest import synthetic_run, write_folder

PARAMS = ["budget_horizon_years", "initial_trust_share", "sector_risk"]
# innovation_rate = 10·a + 1·b + 0·c (+ offsets, noise); bounds [0, 1] so μ* = |coefficient|
EFFECTS = {"innovation_rate": {PARAMS[0]: 10.0, PARAMS[1]: 1.0}, "incident_rate": {PARAMS[2]: -4.0}}
OFFSETS = {"ref": 0.0, "better": 5.0, "mixed": 0.0}
# "mixed" changes incident_rate by 5 − 10·a: positive for small a, negative for large a
MIXED = {"mixed": {"incident_rate": {"1": 5.0, PARAMS[0]: -10.0}}}


@pytest.fixture(scope="module")
def synthetic_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = {"num_vars": 3, "names": PARAMS, "bounds": [[0.0, 1.0]] * 3}
    X = morris_sample.sample(problem, 4, num_levels=4, seed=2)
    return write_folder(
        tmp_path_factory.mktemp("template") / "synthetic", scenarios=["ref", "better", "mixed"],
        kind="morris", parameters=PARAMS, bounds=problem["bounds"], X=X, replications=2,
        num_levels=4, run_fn=synthetic_run(EFFECTS, OFFSETS, MIXED),
    )  # fmt: skip


@pytest.fixture(scope="module")
def synthetic(synthetic_template: Path) -> Results:
    """The template loaded once, for tests that only read."""
    return load_results(synthetic_template)


@pytest.fixture
def synthetic_morris(synthetic_template: Path, tmp_path: Path) -> Path:
    """A fresh copy per test (tests may damage it)."""
    return Path(shutil.copytree(synthetic_template, tmp_path / "synthetic"))


def test_load_results_reads_every_done_run(synthetic: Results) -> None:
    results = synthetic
    points = results.design["points"]
    assert len(results.finals) == 3 * points * 2
    assert results.scenarios == ["ref", "better", "mixed"]
    assert set(results.finals.columns) >= {"scenario", "point", "replication", *OUTPUTS}
    assert results.status_counts() == {"done": 3 * points * 2, "failed": 0, "pending": 0}


def test_folder_differences_are_paired_by_point_and_replication(synthetic: Results) -> None:
    summary = results_summary(synthetic)
    diff = summary["differences"]["better"]["innovation_rate"]
    means = summary["scenarios"]["better"]["innovation_rate"]
    # the noise is shared, so the paired difference is exactly the offset with no width
    assert diff["mean"] == pytest.approx(5.0)
    assert diff["ci_high"] - diff["ci_low"] == pytest.approx(0.0, abs=1e-9)
    assert means["ci_high"] - means["ci_low"] > 1.0


def test_morris_finds_the_known_ranking(synthetic: Results) -> None:
    results = synthetic
    frame = morris_indices(results, "ref", "innovation_rate").set_index("parameter")
    assert list(frame.index) == PARAMS  # 10 > 1 > 0
    assert frame.loc[PARAMS[0], "mu_star"] == pytest.approx(10.0, rel=1e-6)
    assert frame.loc[PARAMS[1], "mu_star"] == pytest.approx(1.0, rel=1e-6)
    assert frame.loc[PARAMS[2], "mu_star"] == pytest.approx(0.0, abs=1e-9)
    incidents = morris_indices(results, "ref", "incident_rate").set_index("parameter")
    assert incidents.loc[PARAMS[2], "mu"] == pytest.approx(-4.0, rel=1e-6)


def test_morris_needs_every_design_point(synthetic_morris: Path) -> None:
    manifest = json.loads((synthetic_morris / "manifest.json").read_text())
    for entry in manifest["runs"].values():
        if entry["scenario"] == "ref" and entry["point"] == 2:
            entry["status"] = "failed"
    (synthetic_morris / "manifest.json").write_text(json.dumps(manifest))
    results = load_results(synthetic_morris)
    with pytest.raises(ResultsError, match=r"'ref' has no finished run at design points \[2\]"):
        morris_indices(results, "ref", "innovation_rate")
    assert len(morris_indices(results, "better", "innovation_rate")) == 3


def test_sign_robustness_tells_robust_from_mixed(synthetic: Results) -> None:
    results = synthetic
    robust = sign_robustness(results, "better", "innovation_rate")
    assert robust["same_sign"] == robust["points"] == results.design["points"]
    mixed = sign_robustness(results, "mixed", "incident_rate")
    assert 0 < mixed["same_sign"] < mixed["points"]
    assert mixed["significant_opposite"] > 0


def test_curve_averages_over_other_parameters(synthetic: Results) -> None:
    data = curve(synthetic, PARAMS[0], "innovation_rate")
    ref = data[data["scenario"] == "ref"].sort_values("x")
    assert list(ref["x"]) == pytest.approx([0, 1 / 3, 2 / 3, 1])  # the four Morris levels
    assert np.all(np.diff(ref["mean"]) > 0)  # slope 10 dominates
    assert (ref["ci_low"] <= ref["mean"]).all() and (ref["mean"] <= ref["ci_high"]).all()


def test_curve_bins_continuous_samples(tmp_path: Path) -> None:
    X = np.random.default_rng(0).uniform(0, 1, size=(40, 1))
    folder = write_folder(
        tmp_path / "lhs", scenarios=["ref"], kind="lhs", parameters=[PARAMS[0]],
        bounds=[[0, 1]], X=X, replications=2, run_fn=synthetic_run(EFFECTS, OFFSETS),
    )  # fmt: skip
    data = curve(load_results(folder), PARAMS[0], "innovation_rate", bins=5)
    assert len(data) <= 5 and data["n"].sum() == 80


def test_time_series_has_one_row_per_scenario_and_quarter(synthetic: Results) -> None:
    data = time_series(synthetic, "innovation_rate")
    assert len(data) == 3 * 9
    assert data["year"].max() == 2.0


def test_comparison_table_names_scenarios_and_outputs(synthetic_template: Path) -> None:
    text = comparison_table(synthetic_template)
    assert "test-experiment" in text and "(reference)" in text
    for name in ("ref", "better", "mixed", *OUTPUTS):
        assert name in text
    assert re.search(r"better .* diff \+5\.0+ \[\+5\.0+, \+5\.0+\] \*", text)


def test_real_model_folder_loads(grid_folder: Path) -> None:
    results = load_results(grid_folder)
    summary = results_summary(results)
    assert list(summary["differences"]) == ["full-chain"]
    assert all(v["mean"] is not None for v in summary["scenarios"]["full-chain"].values())


# --------------------------------------------------------------------------- bad folders


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.pop("scenarios"), "key 'scenarios' is missing"),
        (lambda m: m.update(scenarios=[]), "non-empty list"),
        (lambda m: m["design"].update(kind="random"), "design.kind is 'random'"),
        (lambda m: m["design"].update(num_levels=None), "design.num_levels"),
        (lambda m: next(iter(m["runs"].values())).update(status="ok"), "status is 'ok'"),
        (lambda m: next(iter(m["runs"].values())).update(scenario="x"), "scenario is 'x'"),
        (lambda m: [e.update(status="pending") for e in m["runs"].values()], "no run has status"),
    ],
)
def test_bad_manifest_is_named(synthetic_morris: Path, change, message: str) -> None:
    manifest = _manifest(synthetic_morris)
    change(manifest)
    (synthetic_morris / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsError, match=message) as info:
        load_results(synthetic_morris)
    assert "manifest.json" in str(info.value)


def test_missing_folder_and_manifest(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="folder not found"):
        load_results(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ResultsError, match="is a file, not a folder"):
        load_results(tmp_path / "file")
    with pytest.raises(ResultsError, match=r"manifest.json: not found"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsError, match="not valid JSON"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ResultsError, match="JSON object"):
        load_results(tmp_path)


def test_missing_and_corrupt_shards_are_named(synthetic_morris: Path) -> None:
    shard = min((synthetic_morris / "runs").glob("*.parquet"))
    shard.write_bytes(b"not parquet")
    with pytest.raises(ResultsError, match=f"{shard.name}: cannot read parquet shard"):
        load_results(synthetic_morris)
    shard.unlink()
    with pytest.raises(ResultsError, match=f"{shard.name}: missing although"):
        load_results(synthetic_morris)


def test_a_shard_changed_after_the_sweep_is_refused(synthetic_morris: Path) -> None:
    """The manifest records each shard's sha256: a readable shard with other numbers is caught."""
    shard = min((synthetic_morris / "runs").glob("*.parquet"))
    frame = pd.read_parquet(shard)
    frame[OUTPUTS[0]] = frame[OUTPUTS[0]] + 1.0  # a plausible edit, still valid Parquet
    frame.to_parquet(shard, index=False)
    with pytest.raises(ResultsError, match=f"{shard.name}: changed after the sweep wrote it"):
        load_results(synthetic_morris)


def test_shards_without_needed_columns(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "f", scenarios=["ref"], kind="grid", parameters=[PARAMS[0]], bounds=[[0, 1]],
        X=np.array([[0.0], [1.0]]), replications=2, run_fn=synthetic_run(EFFECTS, OFFSETS),
    )  # fmt: skip
    manifest = _manifest(folder)
    manifest["design"]["parameters"] = [PARAMS[0], "sector_risk"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsError, match=r"shards lack columns \['p.sector_risk'\]"):
        load_results(folder)
