"""Distribution (issue 12): what `pip install` gives a new user, tried as a new user would.

Builds the sdist and, from it, the wheel (`python -m build`, as a release would), installs the wheel
with the app extra into a clean virtual environment (dependencies come from the package index
through pip), and from an empty folder runs `trustsim --version`, `scenarios`, `run`, a small
`sweep`, `report`, `bench --quick` and `app` (until the page answers). Then installs the sdist over
it and runs it again. Nothing here reads the checkout's scenarios/ or experiments/: the installed
package must carry them. Takes 1.5-3 minutes (most of it pip installing the dependencies).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import trustsim

pytestmark = [pytest.mark.dist, pytest.mark.slow]  # slow: run by .ci/run after the suite

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SHIPPED = PYPROJECT["tool"]["trustsim"]["shipped-folders"]
VERSION = trustsim.__version__
DEPRECATION = re.compile(r"deprecat", re.IGNORECASE)

TINY_EXPERIMENT = """\
title = "tiny sweep from an installed wheel"
world = "teaching"
scale = 1.0
years = 1
replications = 2
root_seed = 11

[levers]
scenarios = ["baseline-control", "integrated-esv-digg"]

[design]
kind = "grid"
"""

MY_SCENARIO = """\
title = { en = "My reform", sv = "Min reform" }
description = { en = "Three-year budgets on the baseline.", sv = "Treåriga budgetar." }
claims = ["C1"]
extends = "baseline-control"

[params]
budget_horizon_years = 3
"""


def shipped_files(folder: str) -> list[str]:
    base = ROOT / folder
    return sorted(
        p.relative_to(base).as_posix()
        for p in base.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(base).parts)
    )


def run(cmd: list, cwd: Path, env: dict, timeout: float = 300, expect: int | None = 0):
    """Run `cmd`; if its exit code is not `expect`, fail with the command and its output."""
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(map(str, cmd))} took more than {timeout} s\nstderr:\n{exc.stderr}")
    if expect is not None and proc.returncode != expect:
        pytest.fail(
            f"`{' '.join(map(str, cmd))}` (in {cwd}) exited {proc.returncode}, expected {expect}\n"
            f"--- stdout (end) ---\n{proc.stdout[-3000:]}\n--- stderr (end) ---\n{proc.stderr[-6000:]}"
        )
    return proc


def deprecations(output: str) -> list[str]:
    return [line for line in output.splitlines() if DEPRECATION.search(line)]


def clean_env(bin_dir: Path | None = None) -> dict[str, str]:
    """This process's environment without anything that points at the checkout or its venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
        and not k.startswith("TRUSTSIM_")
    }
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@dataclass
class Dists:
    wheel: Path
    sdist: Path
    log: str


@dataclass
class Installed:
    bin: Path
    user_dir: Path  # an empty folder where the user works
    env: dict[str, str]
    pip_log: str

    def trustsim(self, *args, expect: int | None = 0, env: dict | None = None, timeout=300):
        return run([self.bin / "trustsim", *args], self.user_dir, env or self.env, timeout, expect)


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    proc = run([sys.executable, "-m", "build", "--outdir", out, ROOT], out, clean_env(), 600)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, f"build made {sorted(out.iterdir())}"
    return Dists(wheels[0], sdists[0], proc.stdout + proc.stderr)


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    # `python -m venv` from this (virtual-environment) Python makes a venv on the base Python 3.12
    run([sys.executable, "-m", "venv", "--clear", venv], venv, clean_env(), 120)
    bin_dir = venv / "bin"
    proc = run(
        [bin_dir / "python", "-m", "pip", "install", f"{dists.wheel}[app]"],
        venv,
        clean_env(bin_dir),
        900,
    )
    user_dir = tmp_path_factory.mktemp("user")
    return Installed(bin_dir, user_dir, clean_env(bin_dir), proc.stdout + proc.stderr)


def test_build_is_clean_and_carries_the_shipped_folders(dists):
    assert not deprecations(dists.log), "building warns of deprecations:\n" + "\n".join(
        deprecations(dists.log)
    )
    assert dists.wheel.name == f"trustsim-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"trustsim-{VERSION}.dist-info/METADATA").decode()
    with tarfile.open(dists.sdist) as sdist:
        sdist_names = set(sdist.getnames())
    top = f"trustsim-{VERSION}"
    for folder in SHIPPED:
        files = shipped_files(folder)
        assert files, f"{folder}/ is listed in [tool.trustsim] shipped-folders but is empty"
        missing = [f for f in files if f"trustsim/_data/{folder}/{f}" not in names]
        assert not missing, f"the wheel lacks {folder}/ files: {missing}"
        missing = [f for f in files if f"{top}/{folder}/{f}" not in sdist_names]
        assert not missing, f"the sdist lacks {folder}/ files: {missing}"
    for name in ("LICENSE", "CITATION.cff", "CHANGELOG.md", "setup.py", "docs/ODD.md"):
        assert f"{top}/{name}" in sdist_names, f"the sdist lacks {name}"
    assert "License-Expression: MIT" in metadata
    assert f"Version: {VERSION}" in metadata
    assert f"trustsim-{VERSION}.dist-info/licenses/LICENSE" in names


def test_install_is_quiet_and_uses_the_installed_copy(installed):
    assert not deprecations(installed.pip_log), "pip install warns of deprecations:\n" + "\n".join(
        deprecations(installed.pip_log)
    )
    code = (
        "import trustsim, trustsim.model.scenarios as s, trustsim.sweep.experiment as e; "
        "print(trustsim.__file__); print(s.SCENARIO_DIR); print(e.EXPERIMENT_DIR)"
    )
    proc = run([installed.bin / "python", "-c", code], installed.user_dir, installed.env)
    package, scenarios, experiments = proc.stdout.split()
    site = str(installed.bin.parent)
    assert package.startswith(site), f"imported trustsim from {package}, not the clean venv"
    assert scenarios.startswith(site) and scenarios.endswith("_data/scenarios")
    assert experiments.startswith(site) and experiments.endswith("_data/experiments")


def test_version_scenarios_and_run_from_an_empty_folder(installed):
    assert installed.trustsim("--version").stdout.strip() == f"trustsim {VERSION}"
    listing = installed.trustsim("scenarios").stdout
    for name in shipped_files("scenarios"):
        assert Path(name).stem in listing, f"`trustsim scenarios` does not list {name}"
    out = installed.trustsim("run", "baseline-control", "--years", "1").stdout
    assert "innovation_rate" in out
    experiments = installed.trustsim("sweep", "--list").stdout
    for name in shipped_files("experiments"):
        assert Path(name).stem in experiments, f"`trustsim sweep --list` does not list {name}"


def test_bad_names_get_a_clean_message(installed):
    proc = installed.trustsim("run", "no-such-scenario", expect=2)
    assert "scenario file not found" in proc.stderr
    assert "Known scenarios: agv-only, baseline-control" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = installed.trustsim("sweep", "no-such-experiment", expect=2)
    assert "experiment file not found" in proc.stderr and "headline" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_user_scenario_files_and_folders(installed):
    mine = installed.user_dir / "mine"
    mine.mkdir(exist_ok=True)
    (mine / "my-reform.toml").write_text(MY_SCENARIO, encoding="utf-8")
    out = installed.trustsim("run", "mine/my-reform.toml", "--years", "1").stdout
    assert "innovation_rate" in out  # a path, extending a shipped scenario
    # $TRUSTSIM_SCENARIOS replaces the shipped scenarios (a file there extends only its neighbours)
    own = installed.user_dir / "own"
    own.mkdir(exist_ok=True)
    (own / "my-own.toml").write_text(
        MY_SCENARIO.replace('extends = "baseline-control"\n', ""), encoding="utf-8"
    )
    env = {**installed.env, "TRUSTSIM_SCENARIOS": str(own)}
    listing = installed.trustsim("scenarios", env=env).stdout
    assert "my-own" in listing and "agv-only" not in listing
    assert "innovation_rate" in installed.trustsim("run", "my-own", "--years", "1", env=env).stdout


def test_sweep_and_report_from_an_empty_folder(installed):
    (installed.user_dir / "tiny.toml").write_text(TINY_EXPERIMENT, encoding="utf-8")
    installed.trustsim(
        "sweep", "tiny.toml", "--out", "results/tiny", "--workers", "2", "--quiet", "--no-report"
    )
    folder = installed.user_dir / "results" / "tiny"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["trustsim_version"] == VERSION
    assert manifest["git_commit"] is None  # an installed wheel is no checkout
    assert manifest["lock_sha256"] is None  # nor has it the checkout's requirements.lock
    assert len(manifest["runs"]) == 4
    assert all(r["status"] == "done" for r in manifest["runs"].values())
    installed.trustsim("report", "results/tiny")
    report = (folder / "report" / "report.md").read_text(encoding="utf-8")
    assert f"trustsim {VERSION}, model hash {manifest['model_hash'][:12]}" in report


def test_main_job_from_an_empty_folder(installed):
    # the shipped headline experiment (the main job), shrunk: it writes its report and table
    out = installed.trustsim(
        "sweep", "headline", "--replications", "2", "--years", "1", "--scale", "0.02", "--quiet"
    ).stdout
    assert "baseline-control" in out and "(reference)" in out
    assert "P(tips)" in out  # the headline draws from the shipped posterior, found in the wheel
    folder = installed.user_dir / "results" / "headline-r2-s0.02-y1"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["content"]["posterior"]["file"] == "posterior.parquet"
    assert (folder / "report" / "report.md").is_file(), sorted(folder.rglob("*"))


def test_exercises_run_from_an_installed_wheel(installed):
    # the exercises, their generated answer key and the glossary/claims data ship in the wheel
    listing = installed.trustsim("exercises", "list").stdout
    for name in shipped_files("exercises"):
        if name.endswith(".toml"):
            assert Path(name).stem in listing, f"`trustsim exercises list` does not list {name}"
    shown = installed.trustsim("exercises", "show", "budget-horizon", "--lang", "sv").stdout
    assert "Facit (beräknat av modellen)" in shown
    guide = installed.trustsim("exercises", "guide", "--lang", "en").stdout
    assert "## Glossary" in guide and "**C14**" in guide
    proc = installed.trustsim("exercises", "show", "no-such-exercise", expect=2)
    assert "exercise not found" in proc.stderr and "Traceback" not in proc.stderr


def test_bench_runs_from_an_installed_wheel(installed):
    out = installed.trustsim("bench", "--quick").stdout
    assert "teaching world, slowest of 40 steps" in out
    assert f"trustsim {VERSION}," in out  # the model version the figures belong to


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_app_serves_the_page(installed):
    port = _free_port()
    log = installed.user_dir / "app.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [installed.bin / "trustsim", "app", "--no-open", "--port", str(port)],
            cwd=installed.user_dir,
            env=installed.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    status, deadline = None, time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
                    status, body = page.status, page.read().decode("utf-8", "replace")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
    finally:
        proc.terminate()  # the process started above, by its id
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert status == 200, (
        f"`trustsim app` did not serve the page (exit {proc.returncode}):\n{output}"
    )
    assert "solara" in body.lower()
    assert "Traceback" not in output, output


def test_sdist_installs_and_runs(dists, installed):
    # last: installs the sdist over the wheel in the same venv (dependencies are already there)
    proc = run(
        [
            installed.bin / "python",
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--force-reinstall",
            dists.sdist,
        ],
        installed.user_dir,
        installed.env,
        600,
    )
    log = proc.stdout + proc.stderr
    assert not deprecations(log), "installing the sdist warns:\n" + "\n".join(deprecations(log))
    assert installed.trustsim("--version").stdout.strip() == f"trustsim {VERSION}"
    assert "full-chain" in installed.trustsim("scenarios").stdout
    installed.trustsim("run", "full-chain", "--world", "teaching", "--years", "1")
    assert "headline" in installed.trustsim("sweep", "--list").stdout
