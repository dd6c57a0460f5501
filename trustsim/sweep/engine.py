"""Run an experiment's sweep into a results folder: plan, skip finished runs, execute, record.

`run_sweep` is the one execution path for the local process pool and for Dask: it submits
`execute_run` tasks to a `concurrent.futures.Executor`, writes each finished run's shard as soon
as it arrives, and keeps `manifest.json` up to date. Re-running it on the same folder skips
the runs whose shards exist (failed runs are tried again).
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from . import storage
from .design import Design, build_design
from .executor import default_workers, open_executor
from .experiment import Experiment, ExperimentError
from .runs import RunOutcome, RunTask, execute_run, plan_runs

MANIFEST_INTERVAL = 2.0  # seconds between manifest rewrites while runs finish


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: counts over all runs of the experiment, and where the results are."""

    folder: Path
    total: int
    done: int
    failed: int
    skipped: int  # finished before this call (resumed)
    seconds: float
    executor: str


def default_folder(experiment: Experiment, overrides: dict[str, Any] | None = None) -> Path:
    """`results/NAME`, with the command-line overrides in the name (so they never collide)."""
    parts = [experiment.name]
    for key, short in (("replications", "r"), ("scale", "s"), ("years", "y")):
        value = (overrides or {}).get(key)
        if value is not None:
            parts.append(f"{short}{value:g}")
    return Path("results") / "-".join(parts)


def _next_free(folder: Path) -> Path:
    i = 2
    while Path(f"{folder}-{i}").exists():
        i += 1
    return Path(f"{folder}-{i}")


def _changed_keys(old: Any, new: dict[str, Any]) -> str:
    if not isinstance(old, dict):
        return "unknown"
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(keys) or "none"


def choose_folder(experiment: Experiment, out: Path, new: bool) -> Path:
    """The folder to write to; refuse a folder holding a different experiment unless `new`."""
    out = Path(out)
    if not out.exists():
        return out
    if not out.is_dir():
        raise ExperimentError(f"{out}: exists and is not a folder; choose another --out")
    empty = not any(out.iterdir())
    if empty:
        return out
    if new:
        return _next_free(out)
    manifest = storage.read_manifest(out)
    if manifest is None:
        raise ExperimentError(
            f"{out}: exists and is not a trustsim results folder (no readable "
            f"{storage.MANIFEST}); choose another --out, or add --new to use {_next_free(out)}"
        )
    if manifest.get("content_hash") != experiment.content_hash():
        raise ExperimentError(
            f"{out}: holds results of a different experiment (changed: "
            f"{_changed_keys(manifest.get('content'), experiment.content())}); refusing to mix "
            f"them. Add --new to start a new folder ({_next_free(out)}) or choose another --out"
        )
    if manifest.get("model_hash", storage.model_hash()) != storage.model_hash():
        raise ExperimentError(
            f"{out}: holds results of another version of the model code (model_hash in "
            f"{storage.MANIFEST} differs); resuming would mix results of both. Add --new to start "
            f"a new folder ({_next_free(out)}) or choose another --out"
        )
    return out


def base_manifest(experiment: Experiment, design: Design) -> dict[str, Any]:
    """The manifest without its runs (the results-folder contract shared with `trustsim report`)."""
    return {
        "experiment": experiment.name,
        "title": experiment.title,
        "description": experiment.description,
        "content_hash": experiment.content_hash(),
        "root_seed": experiment.root_seed,
        **storage.environment(),
        "world": experiment.world,
        "scale": experiment.scale,
        "years": experiment.years,
        "replications": experiment.replications,
        "scenarios": [s.name for s in experiment.scenarios],
        "design": design.manifest(),
        "content": experiment.content(),
        **({"draws": experiment.draws_summary()} if experiment.draw_source else {}),
    }


def _initial_runs(tasks: list[RunTask], done: set[str], previous: dict[str, Any] | None,
                  folder: Path) -> dict[str, dict[str, Any]]:
    old = (previous or {}).get("runs", {})
    runs = {}
    for task in tasks:
        entry = {"status": "pending", **task.manifest_entry(), "traceback": None,
                 "seconds": None, "sha256": None}
        if task.run_id in done:
            before = old.get(task.run_id, {})
            entry.update(status="done", seconds=before.get("seconds"),
                         sha256=before.get("sha256")
                         or storage.file_sha256(storage.shard_path(folder, task.run_id)))
        runs[task.run_id] = entry
    return runs


def _outcome(future: cf.Future, task: RunTask) -> RunOutcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the worker died or the task could not be sent
        text = "".join(traceback.format_exception(exc))
        return RunOutcome(task.run_id, None, text, 0.0)


def _progress(total: int, initial: int, quiet: bool, stream: TextIO, desc: str):
    from tqdm import tqdm

    tty = hasattr(stream, "isatty") and stream.isatty()
    return tqdm(total=total, initial=initial, disable=quiet, file=stream, desc=desc, unit="run",
                dynamic_ncols=True, mininterval=0.2 if tty else 5.0, smoothing=0.1)


def run_sweep(
    experiment: Experiment,
    out: str | Path,
    *,
    new: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    quiet: bool = False,
    run_fn: Callable[[RunTask], pd.DataFrame] | None = None,
    stream: TextIO | None = None,
) -> SweepResult:
    """Run every unfinished run of `experiment` into the results folder `out`.

    `run_fn` (a picklable top-level function of a `RunTask`) replaces `trustsim.run`, for tests.
    """
    stream = stream or sys.stderr
    start = time.perf_counter()
    design = build_design(experiment)
    tasks = plan_runs(experiment, design)
    folder = choose_folder(experiment, Path(out), new)
    try:
        folder.joinpath(storage.RUNS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"{folder}: cannot create the results folder ({exc.strerror}); "
                              "choose another --out") from None
    try:
        lock = storage.lock_folder(folder)
    except storage.FolderLocked as exc:
        raise ExperimentError(str(exc)) from None
    try:
        storage.remove_temporaries(folder)
        previous = storage.read_manifest(folder)
        if previous and not quiet:
            _warn_version_change(previous, stream)
        if not folder.joinpath(storage.EXPERIMENT_COPY).exists():
            storage.copy_experiment(experiment.path, folder)
        done = storage.finished_run_ids(folder, {t.run_id for t in tasks}, remove_broken=True)
        manifest = base_manifest(experiment, design)
        manifest["runs"] = _initial_runs(tasks, done, previous, folder)
        storage.write_json(folder / storage.MANIFEST, manifest)
        # replication-major, then point-major: consecutive runs share a seed and a design point
        # (the spin-up depends on the uncertainties, not the levers), so a worker reuses its
        # spin-up for every scenario of that point (ODD §3)
        todo = sorted((t for t in tasks if t.run_id not in done),
                      key=lambda t: (t.replication, t.point))
        description = "nothing to run"
        bar = _progress(len(tasks), len(done), quiet, stream, experiment.name)
        bar.set_postfix(failed=0, refresh=False)
        try:
            if todo:
                n = min(workers or default_workers(), len(todo)) if scheduler is None else None
                with open_executor(scheduler, n) as (executor, description):
                    _execute(executor, todo, run_fn, folder, manifest, bar)
        finally:
            bar.close()
            storage.write_json(folder / storage.MANIFEST, manifest)
    finally:
        lock.close()
    statuses = [r["status"] for r in manifest["runs"].values()]
    return SweepResult(folder, len(tasks), statuses.count("done"), statuses.count("failed"),
                       len(done), time.perf_counter() - start, description)


def _warn_version_change(previous: dict[str, Any], stream: TextIO) -> None:
    env = storage.environment()
    for key in ("trustsim_version", "git_commit"):
        if previous.get(key) != env[key]:
            print(f"trustsim: warning: this results folder was started with {key} "
                  f"{previous.get(key)}, now {env[key]}: finished runs are kept, so the folder may "
                  "mix results of both; add --new for a clean sweep",
                  file=stream)


def _execute(executor: cf.Executor, todo: list[RunTask], run_fn, folder: Path,
             manifest: dict[str, Any], bar) -> int:
    """Submit runs (a bounded window at a time), record each as it finishes; return failures."""
    window = 64
    pending: dict[cf.Future, RunTask] = {}
    queue = iter(todo)
    failed = 0
    last_write = time.monotonic()

    def fill() -> None:
        while len(pending) < window:
            task = next(queue, None)
            if task is None:
                return
            try:
                pending[executor.submit(execute_run, task, run_fn)] = task
            except cf.BrokenExecutor:  # a worker died hard; the rest stay pending for a resume
                return

    try:
        fill()
        while pending:
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                outcome = _outcome(future, pending.pop(future))
                failed += _record(outcome, folder, manifest)
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
            if time.monotonic() - last_write > MANIFEST_INTERVAL:
                storage.write_json(folder / storage.MANIFEST, manifest)
                last_write = time.monotonic()
            fill()
    finally:
        for future in pending:
            future.cancel()
    return failed


def _record(outcome: RunOutcome, folder: Path, manifest: dict[str, Any]) -> int:
    """Write a finished run's shard or note its failure; return 1 for a failure."""
    entry = manifest["runs"][outcome.run_id]
    entry["seconds"] = round(outcome.seconds, 4)
    if outcome.frame is None:
        entry.update(status="failed", traceback=outcome.traceback)
        return 1
    digest = storage.write_shard(folder, outcome.run_id, outcome.frame)
    entry.update(status="done", traceback=None, sha256=digest)
    return 0
