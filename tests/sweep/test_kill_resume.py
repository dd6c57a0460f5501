"""A sweep killed with `kill -9` mid-way resumes to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from trustsim.sweep import load_results

from .helpers import shard_tables, write_experiment

SCENARIOS = ["baseline-control", "integrated-esv-digg"]


def _shards(folder) -> list:
    runs = folder / "runs"
    return list(runs.glob("*.parquet")) if runs.is_dir() else []


def test_kill_9_then_resume_equals_uninterrupted(cli, tmp_path):
    # 150 runs of the state world at a small scale: a few seconds with one worker
    path = write_experiment(tmp_path, world="state", scale=0.02, years=3, replications=25,
                            levers={"scenarios": SCENARIOS,
                                    "budget_horizon_years": [1.0, 2.0, 3.0]})
    total = 2 * 3 * 25
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "trustsim.cli", "sweep", str(path), "--out", str(killed),
           "--quiet", "--no-report", "--workers", "1"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while len(_shards(killed)) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its fork server and its workers
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    at_kill = _shards(killed)
    assert 12 <= len(at_kill) < total, "the sweep was not killed mid-way"
    for shard in at_kill:  # every finished shard is complete
        assert pq.read_table(shard).num_rows == 4 * 3 + 1

    code, _, stderr = cli("sweep", path, "--out", killed, "--no-report", "--workers", "2")
    assert code == 0, stderr
    assert f"{total}/{total} runs done" in stderr
    assert f"({len(at_kill)} already done)" in stderr

    reference = tmp_path / "reference"
    code, _, stderr = cli("sweep", path, "--out", reference, "--quiet", "--no-report")
    assert code == 0, stderr

    a, b = shard_tables(killed), shard_tables(reference)
    assert len(a) == total and a.keys() == b.keys()
    assert all(a[r].equals(b[r]) for r in a)
    ma, fa = load_results(killed)
    mb, fb = load_results(reference)
    pd.testing.assert_frame_equal(fa, fb)
    assert all(r["status"] == "done" for r in ma["runs"].values())
    assert ma["content_hash"] == mb["content_hash"]
    assert not list((killed / "runs").glob("*.tmp-*"))


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":  # pgrp, skipping zombies
                members.append(int(entry))
    return members


def test_kill_9_of_the_sweep_alone_leaves_no_orphan_workers(tmp_path):
    path = write_experiment(tmp_path, world="state", scale=0.02, years=3, replications=25,
                            levers={"scenarios": SCENARIOS,
                                    "budget_horizon_years": [1.0, 2.0, 3.0]})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "trustsim.cli", "sweep", str(path), "--out", str(out),
           "--quiet", "--no-report", "--workers", "2"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_shards(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None
        assert len(_group_members(proc.pid)) > 1  # the sweep has workers
        os.kill(proc.pid, signal.SIGKILL)  # only the sweep process
        proc.wait()
        deadline = time.monotonic() + 15
        while _group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_members(proc.pid) == [], "orphaned workers kept running"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
