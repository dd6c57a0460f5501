"""The results folder: atomic Parquet shards, the manifest, and what a resume needs to know.

    DIR/experiment.toml        copy of the experiment file as given
    DIR/manifest.json          experiment, content hash, seeds, versions, each run's status
    DIR/runs/RUN_ID.parquet    one finished run, one row per quarter

Every file is written under a temporary name in the same folder and then renamed with
`os.replace`, so a sweep killed at any moment (even `kill -9`) leaves each shard either complete
or absent, and the manifest either old or new. The shards are the truth: a resume counts a run as
done exactly when its shard exists and is readable.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
EXPERIMENT_COPY = "experiment.toml"
RUNS = "runs"
TMP_MARK = ".tmp-"
PACKAGES = ("trustsim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "SALib",
            "dask", "distributed")


def shard_path(folder: Path, run_id: str) -> Path:
    return Path(folder) / RUNS / f"{run_id}.parquet"


def _tmp_name(path: Path) -> Path:
    return path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")


def _replace_atomically(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_shard(folder: Path, run_id: str, frame: pd.DataFrame) -> str:
    """Write one run's frame as RUN_ID.parquet (temporary name, fsync, rename); return the
    sha256 of the file, which the manifest records so that a shard changed later is detected."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = shard_path(folder, run_id)
    tmp = _tmp_name(path)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    digest = file_sha256(tmp)
    _replace_atomically(tmp, path)
    return digest


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temporary name, fsync, os.replace)."""
    tmp = _tmp_name(path)
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    _replace_atomically(tmp, path)


def manifest_json(folder: Path) -> Any:
    """The parsed manifest of a results folder; OSError or ValueError if it cannot be read."""
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a results folder, or None when there is none (or it cannot be read)."""
    try:
        return manifest_json(folder)
    except (OSError, ValueError):
        return None


LOCK = ".lock"


def lock_folder(folder: Path):
    """Take an exclusive lock on a results folder for as long as a sweep writes to it (close the
    returned file to release it); a second sweep on the same folder is refused with FolderLocked
    (it would do the work twice and race on the manifest). The lock is the operating system's
    (flock): it ends with the process, even by kill -9, so a killed sweep never leaves it behind."""
    import fcntl

    fh = open(Path(folder) / LOCK, "a+")  # noqa: SIM115 - held open: the open file is the lock
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise FolderLocked(
            f"{folder}: another sweep ({holder}) is writing to this results folder; wait for "
            "it to finish, or choose another --out"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}")
    fh.flush()
    return fh


class FolderLocked(RuntimeError):
    """A results folder held by another running sweep."""


def remove_temporaries(folder: Path) -> None:
    """Delete half-written files a killed sweep may have left (never a finished shard)."""
    for sub in (Path(folder), Path(folder) / RUNS):
        if sub.is_dir():
            for p in sub.iterdir():
                if TMP_MARK in p.name:
                    p.unlink(missing_ok=True)


def finished_run_ids(folder: Path, run_ids: set[str] | None = None, *,
                     remove_broken: bool = False) -> set[str]:
    """Ids of runs whose shard exists and has a readable Parquet footer."""
    import pyarrow.parquet as pq

    runs = Path(folder) / RUNS
    if not runs.is_dir():
        return set()
    done = set()
    for p in runs.glob("*.parquet"):
        if run_ids is not None and p.stem not in run_ids:
            continue
        try:
            pq.read_metadata(p)
        except (OSError, ValueError):
            if remove_broken:  # cannot happen with atomic renames; be safe anyway
                p.unlink(missing_ok=True)
            continue
        done.add(p.stem)
    return done


def copy_experiment(source: Path, folder: Path) -> None:
    """Copy the experiment file as given into the folder (atomically)."""
    target = Path(folder) / EXPERIMENT_COPY
    tmp = _tmp_name(target)
    shutil.copyfile(source, tmp)
    _replace_atomically(tmp, target)


def git_commit() -> str | None:
    """The commit of the trustsim source tree, when it is a git checkout.

    None for an installed wheel: the folder above site-packages may lie in some other git
    repository (a project holding its virtual environment), whose commit says nothing about
    trustsim. The manifest's trustsim_version and model_hash identify an installed model.
    """
    from ..resources import SOURCE_ROOT, running_from_checkout

    if not running_from_checkout():
        return None
    root = SOURCE_ROOT
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


# The source files that decide a run's outputs: a change to any of them changes results.
MODEL_SOURCES = (
    "model.py", "agents.py", "staff.py", "params.py", "worlds.py", "networks.py", "runner.py",
)


def model_hash() -> str:
    """sha256 over the model's source files (not the CLI, app or analysis)."""
    import hashlib

    package = Path(__file__).resolve().parent.parent / "model"
    digest = hashlib.sha256()
    for name in MODEL_SOURCES:
        digest.update(name.encode())
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def lock_hash() -> str | None:
    """sha256 of the checkout's requirements.lock (the exact package versions scripts/setup.sh
    installs); None for an installed wheel, which has no lock beside it."""
    from ..resources import SOURCE_ROOT, running_from_checkout

    path = SOURCE_ROOT / "requirements.lock"
    if not running_from_checkout() or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def environment() -> dict[str, Any]:
    """Versions that say how results were made: trustsim, model code, git commit, Python,
    packages and the lock file they were installed from."""
    from .. import __version__

    return {
        "trustsim_version": __version__,
        "model_hash": model_hash(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "lock_sha256": lock_hash(),
    }


def check_shard(folder: Path, run_id: str, expected: str | None) -> None:
    """Raise ShardChanged if the shard's sha256 differs from the one the manifest recorded."""
    if expected is not None and file_sha256(shard_path(folder, run_id)) != expected:
        raise ShardChanged(
            f"{shard_path(folder, run_id)}: changed after the sweep wrote it (its sha256 differs "
            "from the manifest's); restore it, or delete it and rerun the sweep to redo that run"
        )


class ShardChanged(ValueError):
    """A shard whose content is not what the sweep wrote."""


def load_results(folder: str | os.PathLike) -> tuple[dict[str, Any], pd.DataFrame]:
    """The manifest and one frame of all finished runs' shards (rows ordered by run, quarter).

    Runs are ordered by scenario (in the experiment's order), design point and replication.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise FileNotFoundError(f"{folder}: not a trustsim results folder (no readable {MANIFEST})")
    runs = manifest["runs"]
    done = finished_run_ids(folder, set(runs))
    for rid in done:  # the shards are the truth; the manifest may lag a killed sweep
        runs[rid].update(status="done", traceback=None)
    order = {name: i for i, name in enumerate(manifest["scenarios"])}
    ordered = sorted(done, key=lambda r: (order.get(runs[r]["scenario"], len(order)),
                                          runs[r]["point"], runs[r]["replication"]))
    if not ordered:
        return manifest, pd.DataFrame()
    import pyarrow as pa
    import pyarrow.parquet as pq

    for rid in ordered:
        check_shard(folder, rid, runs[rid].get("sha256"))
    table = pa.concat_tables([pq.read_table(shard_path(folder, rid)) for rid in ordered])
    return manifest, table.to_pandas()
