"""Sweeps: determinism, the results-folder contract, resume, failures, refusal of changed files."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsim
from trustsim.sweep import load_experiment, load_results, run_sweep

from .helpers import fail_on_replication_one, shard_tables, write_experiment

RUN_KEYS = {"status", "scenario", "point", "values", "replication", "seed", "traceback", "seconds",
            "sha256"}
MANIFEST_KEYS = {"experiment", "title", "content_hash", "root_seed", "trustsim_version",
                 "model_hash", "git_commit", "python", "packages", "world", "scale", "years", "replications",
                 "scenarios", "design", "runs"}


@pytest.fixture
def experiment_file(tmp_path):
    return write_experiment(tmp_path)


def test_same_command_twice_gives_identical_parquet(cli, tmp_path, experiment_file):
    for out in ("a", "b"):
        code, _, _ = cli("sweep", experiment_file, "--out", tmp_path / out, "--quiet",
                         "--no-report", "--workers", "2")
        assert code == 0
    a, b = shard_tables(tmp_path / "a"), shard_tables(tmp_path / "b")
    assert len(a) == 2 * 2 * 2 and a.keys() == b.keys()
    for run_id in a:
        assert a[run_id].equals(b[run_id])
        assert (tmp_path / "a/runs" / f"{run_id}.parquet").read_bytes() == \
            (tmp_path / "b/runs" / f"{run_id}.parquet").read_bytes()
    pd.testing.assert_frame_equal(load_results(tmp_path / "a")[1], load_results(tmp_path / "b")[1])


def test_results_folder_contract(tmp_path, experiment_file):
    exp = load_experiment(experiment_file)
    result = run_sweep(exp, tmp_path / "r", quiet=True, workers=2)
    assert (result.total, result.done, result.failed, result.skipped) == (8, 8, 0, 0)
    folder = tmp_path / "r"
    assert (folder / "experiment.toml").read_bytes() == experiment_file.read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert MANIFEST_KEYS <= set(manifest)
    assert manifest["experiment"] == "small" and manifest["root_seed"] == 7
    assert manifest["content_hash"] == exp.content_hash()
    assert manifest["trustsim_version"] == trustsim.__version__
    lock = Path(trustsim.__file__).resolve().parent.parent / "requirements.lock"  # a checkout
    assert manifest["lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert manifest["scenarios"] == ["baseline-control", "integrated-esv-digg"]
    assert manifest["design"] == {
        "kind": "grid", "parameters": ["budget_horizon_years"],
        "levers": ["budget_horizon_years"], "uncertainties": [], "bounds": [[1.0, 3.0]],
        "num_levels": None, "points": 2}
    assert len(manifest["runs"]) == 8
    for run_id, run in manifest["runs"].items():
        assert set(run) == RUN_KEYS and run["status"] == "done" and run["traceback"] is None
        shard = folder / "runs" / f"{run_id}.parquet"
        assert run["sha256"] == hashlib.sha256(shard.read_bytes()).hexdigest()
    _, frame = load_results(folder)
    quarters = 4 * exp.years + 1
    assert len(frame) == 8 * quarters
    assert list(frame.columns[:7]) == ["run_id", "scenario", "point", "replication", "seed",
                                       "quarter", "year"]
    assert set(trustsim.OUTPUTS) <= set(frame.columns)
    assert frame.columns[-1] == "p.budget_horizon_years"
    assert frame["seed"].dtype == np.int64 and frame["point"].dtype == np.int64
    assert frame["quarter"].dtype == np.int64
    # each shard is exactly what trustsim.run gives for that scenario, seed and values
    one = frame[frame["run_id"] == frame["run_id"].iloc[-1]]
    meta = manifest["runs"][one["run_id"].iloc[0]]
    direct = trustsim.run(meta["scenario"], world="teaching", scale=1.0, years=exp.years,
                          seed=meta["seed"], overrides=meta["values"])
    got = one.set_index("quarter")[direct.columns]
    pd.testing.assert_frame_equal(got, direct, check_names=False)
    # common random numbers: replication k has the same seed in every scenario and point
    assert frame.groupby("replication")["seed"].nunique().eq(1).all()


def test_rerun_skips_finished_runs_and_restores_deleted_ones(tmp_path, experiment_file):
    exp = load_experiment(experiment_file)
    folder = tmp_path / "r"
    run_sweep(exp, folder, quiet=True, workers=2)
    before = shard_tables(folder)
    mtimes = {p.name: p.stat().st_mtime_ns for p in (folder / "runs").iterdir()}
    again = run_sweep(exp, folder, quiet=True)
    assert (again.skipped, again.done, again.executor) == (8, 8, "nothing to run")
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in (folder / "runs").iterdir()}
    removed = sorted(before)[:3]
    for run_id in removed:
        (folder / "runs" / f"{run_id}.parquet").unlink()
    (folder / "runs" / "leftover.parquet.tmp-123").write_bytes(b"half")  # a killed writer
    resumed = run_sweep(exp, folder, quiet=True, workers=1)
    assert (resumed.skipped, resumed.done) == (5, 8)
    after = shard_tables(folder)
    assert all(after[r].equals(before[r]) for r in before)
    assert not list((folder / "runs").glob("*.tmp-*"))


def test_failed_runs_are_recorded_and_the_sweep_goes_on(cli, tmp_path, experiment_file):
    exp = load_experiment(experiment_file)
    folder = tmp_path / "r"
    result = run_sweep(exp, folder, quiet=True, workers=2, run_fn=fail_on_replication_one)
    assert (result.done, result.failed) == (4, 4)
    manifest, frame = load_results(folder)
    for run_id, run in manifest["runs"].items():
        shard = folder / "runs" / f"{run_id}.parquet"
        if run["replication"] == 1:
            assert run["status"] == "failed" and not shard.exists()
            assert "RuntimeError: deliberate failure" in run["traceback"]
            assert "Traceback" in run["traceback"]
        else:
            assert run["status"] == "done" and shard.exists() and run["traceback"] is None
    assert set(frame["replication"]) == {0}
    # the CLI retries failed runs on the same folder and then reports success
    code, _, stderr = cli("sweep", experiment_file, "--out", folder, "--no-report")
    assert code == 0, stderr
    assert "8/8 runs done (4 already done), 0 failed" in stderr
    assert all(r["status"] == "done" for r in load_results(folder)[0]["runs"].values())


def test_cli_exit_code_1_when_runs_fail(cli, tmp_path, experiment_file, monkeypatch):
    from trustsim.sweep import engine

    real = engine.run_sweep
    monkeypatch.setattr(engine, "run_sweep",
                        lambda *a, **k: real(*a, **k, run_fn=fail_on_replication_one))
    code, _, stderr = cli("sweep", experiment_file, "--out", tmp_path / "r", "--quiet",
                          "--no-report")
    assert code == 1
    assert "4 run(s) failed" in stderr and "manifest.json" in stderr


def test_changed_experiment_is_refused_unless_new(cli, tmp_path, experiment_file):
    folder = tmp_path / "r"
    args = ("--out", folder, "--quiet", "--no-report")
    assert cli("sweep", experiment_file, *args)[0] == 0
    manifest = (folder / "manifest.json").read_bytes()
    experiment_file.write_text(experiment_file.read_text().replace("years = 2", "years = 1"))
    code, _, stderr = cli("sweep", experiment_file, *args)
    assert code == 2 and "Traceback" not in stderr
    assert str(folder) in stderr and "changed: years" in stderr and "--new" in stderr
    assert (folder / "manifest.json").read_bytes() == manifest  # untouched
    code, _, _ = cli("sweep", experiment_file, *args, "--new")
    assert code == 0
    assert json.loads((tmp_path / "r-2" / "manifest.json").read_text())["years"] == 1
    # an override changes the experiment too
    code, _, stderr = cli("sweep", experiment_file, *args, "--replications", "3")
    assert code == 2 and "changed: replications" in stderr


def test_results_of_other_model_code_are_not_resumed(cli, tmp_path, experiment_file):
    """A folder started by another version of the model code is refused (resuming would mix)."""
    folder = tmp_path / "r"
    args = ("--out", folder, "--quiet", "--no-report")
    assert cli("sweep", experiment_file, *args)[0] == 0
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    assert len(manifest["model_hash"]) == 64
    manifest["model_hash"] = "0" * 64  # as if written by other model code
    path.write_text(json.dumps(manifest))
    code, _, stderr = cli("sweep", experiment_file, *args)
    assert code == 2 and "Traceback" not in stderr
    assert "model code" in stderr and "--new" in stderr
    assert json.loads(path.read_text())["model_hash"] == "0" * 64  # untouched
    assert cli("sweep", experiment_file, *args, "--new")[0] == 0


def test_folder_that_is_not_a_results_folder_is_refused(cli, tmp_path, experiment_file):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, _, stderr = cli("sweep", experiment_file, "--out", folder, "--quiet")
    assert code == 2 and "not a trustsim results folder" in stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_default_folder_names_overrides(cli, tmp_path, experiment_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = cli("sweep", experiment_file, "--replications", "1", "--years", "1",
                     "--quiet", "--no-report")
    assert code == 0
    manifest = json.loads((tmp_path / "results/small-r1-y1/manifest.json").read_text())
    assert (manifest["replications"], manifest["years"]) == (1, 1)


def test_progress_bar_and_quiet(cli, tmp_path, experiment_file):
    code, out, err = cli("sweep", experiment_file, "--out", tmp_path / "a", "--no-report")
    assert code == 0 and "8/8" in err and "run/s" in err and "0 failed" in err
    code, out, err = cli("sweep", experiment_file, "--out", tmp_path / "b", "--quiet",
                         "--no-report")
    assert code == 0 and err == "" and out == ""


def test_list_experiments(cli):
    code, out, _ = cli("sweep", "--list")
    assert code == 0
    assert {"headline", "budget-horizon", "tipping", "sensitivity"} <= {
        line.split()[0] for line in out.splitlines()}


def test_manifest_is_written_atomically(tmp_path, experiment_file, monkeypatch):
    """A failure while writing the manifest leaves the previous one intact."""
    from trustsim.sweep import storage

    folder = tmp_path / "r"
    run_sweep(load_experiment(experiment_file), folder, quiet=True, workers=1)
    before = (folder / "manifest.json").read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        storage.write_json(folder / "manifest.json", {"broken": True})
    assert (folder / "manifest.json").read_text() == before


def test_a_folder_held_by_a_running_sweep_is_refused(tmp_path, experiment_file, cli):
    """A second sweep on a folder that a running sweep holds would do the work twice and race on
    the manifest: it is refused (exit 2, one line naming the holder) and the folder is untouched."""
    from trustsim.sweep import storage

    folder = tmp_path / "r"
    args = ("sweep", experiment_file, "--out", folder, "--quiet", "--no-report")
    assert cli(*args)[0] == 0
    manifest = (folder / "manifest.json").read_bytes()
    holder = storage.lock_folder(folder)  # what a running sweep holds
    try:
        code, _, stderr = cli(*args)
        assert code == 2, stderr
        assert f"pid {os.getpid()}" in stderr and "another sweep" in stderr
        assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
        assert (folder / "manifest.json").read_bytes() == manifest
    finally:
        holder.close()
    # released (as it is when the holder ends, even by kill -9): the resume runs, nothing to do
    code, _, stderr = cli(*args)
    assert code == 0, stderr
    assert len(list((folder / "runs").glob("*.parquet"))) == 8
