"""Fixtures for the calibration tests: tiny configs written into tmp_path (the in-process CLI is
tests/conftest.py's `cli`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the ABC-SMC tests fit the 0.3 targets (run statistics, state world); the shipped calibration
# (history matching, survey statistics) is tested in test_history_matching.py
TARGETS = Path(__file__).parent / "data" / "abc_targets.toml"

pytest.importorskip("pyabc", reason="the calibrate extra (pyabc) is not installed")


def tiny_config(
    targets: Path = TARGETS,
    *,
    population: int = 12,
    generations: int = 3,
    root_seed: int = 7,
    priors: str | None = None,
    extra: str = "",
) -> str:
    """A calibration config small enough for a test (state world at scale 0.01, 2-year spin-up)."""
    priors = priors or (
        'idea_rate = { source = "test" }\nculture_threshold = { source = "test" }\n'
    )
    return f"""title = "test"
scenario = "baseline-control"
world = "state"
scale = 0.01
years = 1
spinup_years = 2
replications = 1
root_seed = {root_seed}
targets = "{targets}"
{extra}
[abc]
population_size = {population}
generations = {generations}

[priors]
{priors}"""


@pytest.fixture
def write_config(tmp_path):
    def write(text: str, name: str = "cal.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def trustsim(*args, cwd: Path, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """`trustsim ARGS` as a real subprocess (the installed entry point of this interpreter)."""
    return subprocess.run(
        [sys.executable, "-m", "trustsim.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
