"""Resume after `kill -9`: a real `trustsim calibrate` subprocess is killed while a generation is in
flight; `--resume` continues the SQLite history, losing at most that generation. The finished
generations are kept as they were, and, since every draw is seeded per (root seed, generation,
job), the resumed calibration ends with the same posterior as one that was never killed.
About 40-80 s on two cores.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd

from .conftest import ROOT, tiny_config, trustsim

GENERATIONS = 3


def populations(db) -> list[tuple[int, float]]:
    """(t, ε) of the finished generations in a pyabc history."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            rows = con.execute("SELECT t, epsilon FROM populations WHERE t >= 0 ORDER BY t")
            return [(int(t), float(eps)) for t, eps in rows]
    except sqlite3.Error:  # not created yet, or locked mid-write
        return []


def test_kill_9_then_resume_loses_at_most_the_generation_in_flight(tmp_path, write_config):
    config = write_config(tiny_config(population=10, generations=GENERATIONS, root_seed=11))
    out = tmp_path / "killed"
    db = out / "history.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "trustsim.cli", "calibrate", config, "--out", out, "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while len(populations(db)) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"calibration ended before it could be killed: {proc.stderr}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = populations(db)
    assert 1 <= len(before) < GENERATIONS, before
    assert not (out / "posterior.parquet").exists()  # no posterior from a killed run

    again = trustsim("calibrate", config, "--out", out, cwd=ROOT)  # refuses without --resume
    assert again.returncode == 2 and "--resume" in again.stderr, again.stderr

    resumed = trustsim("calibrate", config, "--out", out, "--resume", "--workers", "2", cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    after = populations(db)
    assert [t for t, _ in after] == list(range(GENERATIONS))  # each generation once
    assert after[: len(before)] == before  # finished generations kept as they were
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM abc_smc").fetchone()[0] == 1  # the same run

    whole = trustsim("calibrate", config, "--out", tmp_path / "whole", "--workers", "2", cwd=ROOT)
    assert whole.returncode == 0, whole.stderr
    assert populations(tmp_path / "whole" / "history.db") == after
    a = pd.read_parquet(out / "posterior.parquet")
    b = pd.read_parquet(tmp_path / "whole" / "posterior.parquet")
    key = ["idea_rate", "culture_threshold"]
    pd.testing.assert_frame_equal(
        a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    )
