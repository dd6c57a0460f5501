"""`trustsim discover`, `trustsim robustness` and the report section on the shipped robustness
experiment, shrunk (3 scenarios, 12 futures, 2 years), and the command-line errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ema_workbench")

from tests.analysis.conftest import synthetic_run, write_folder
from trustsim.analysis.discovery import futures, gains
from trustsim.analysis.results import load_results
from trustsim.cli import main
from trustsim.sweep import load_experiment, run_sweep
from trustsim.sweep.experiment import EXPERIMENT_DIR

SMALL = """
extends = "{parent}"
years = 2
[levers]
scenarios = ["baseline-control", "integrated-esv-digg", "multi-year-budget"]
[design]
samples = 12
"""


@pytest.fixture(scope="module")
def shipped_small(tmp_path_factory) -> Path:
    """The shipped robustness experiment at a CI size, run through the sweep engine."""
    root = tmp_path_factory.mktemp("robustness")
    path = root / "robustness-small.toml"
    path.write_text(SMALL.format(parent=EXPERIMENT_DIR / "robustness.toml"))
    experiment = load_experiment(path)
    assert experiment.design.kind == "lhs" and len(experiment.uncertainties) >= 10
    result = run_sweep(experiment, root / "results", workers=2, quiet=True)
    assert result.failed == 0 and result.done == 36
    return result.folder


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_discover_on_the_shipped_experiment_writes_tables_and_figures(shipped_small, capsys,
                                                                      tmp_path):
    fut = futures(load_results(shipped_small))
    assert len(fut.x) == 12 and fut.reference == "baseline-control"
    median = float(np.median(gains(fut, "innovation_rate")["integrated-esv-digg"]))
    failure = f"gain.innovation_rate < {median:.6f}"
    code, out, err = run(capsys, "discover", shipped_small, "--scenario", "integrated-esv-digg",
                         "--failure", failure, "--resamples", "2", "--out", tmp_path / "d")
    assert code == 0, err
    assert "fails in 6 of 12 futures" in out
    assert "PRIM peeling trajectory" in out and "quasi-p" in out.lower()
    assert "Stability under resampling" in out and "CART" in out and "Feature scores" in out
    for name in ("discovery.md", "peeling.png", "box.png"):
        assert (tmp_path / "d" / name).stat().st_size > 0
    assert err == ""  # ema-workbench's import notices and log lines are silenced


def test_robustness_and_report_on_the_shipped_experiment(shipped_small, capsys):
    code, out, err = run(capsys, "robustness", shipped_small)
    assert code == 0, err
    assert "p90 regret" in out and "Kendall's W" in out and "best package" in out
    code, out, err = run(capsys, "report", shipped_small)
    assert code == 0, err
    text = (shipped_small / "report" / "report.md").read_text()
    assert "## Which package is the safest bet?" in text
    assert "## Where each package fails" in text
    assert (shipped_small / "report" / "regret.png").exists()


@pytest.fixture
def grid_folder(tmp_path) -> Path:
    """A folder whose only swept parameter is a lever (no uncertainties)."""
    return write_folder(tmp_path / "grid", scenarios=["baseline-control", "rum"], kind="grid",
                        parameters=["budget_horizon_years"], levers=["budget_horizon_years"],
                        bounds=[[1.0, 3.0]], X=np.array([[1.0], [3.0]]), replications=2,
                        run_fn=synthetic_run({}, {}))


@pytest.mark.parametrize(("args", "message"), [
    (["--failure", "incidents > 1.5 * ref.incident_rate"], "'incidents' is not an output"),
    (["--failure", "innovation_rate <"], "not a valid expression"),
    (["--failure", "innovation_rate + 1"], "must be a condition"),
    (["--scenario", "integrated-esv-dig"], "did you mean 'integrated-esv-digg'"),
    (["--scenario", "baseline-control"], "is the reference"),
    (["--targets", "/nonexistent/targets.toml"], "targets file not found"),
    (["--box", "9999"], "the peeling trajectory has boxes"),
])
def test_discover_errors_exit_2(shipped_small, capsys, tmp_path, args, message):
    base = {"--scenario": "integrated-esv-digg", "--failure": "gain.innovation_rate < 1",
            "--out": str(tmp_path / "d"), "--resamples": "0"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    if "--targets" in base:
        base.pop("--failure")
    flat = [item for pair in base.items() for item in pair]
    code, _out, err = run(capsys, "discover", shipped_small, *flat)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_discover_needs_a_folder_with_uncertainties(grid_folder, capsys):
    code, _, err = run(capsys, "discover", grid_folder, "--scenario", "rum",
                       "--failure", "diff.innovation_rate < 0")
    assert code == 2 and "no [uncertainties]" in err


def test_discover_on_a_missing_folder(tmp_path, capsys):
    code, _, err = run(capsys, "discover", tmp_path / "nope", "--scenario", "rum")
    assert code == 2 and "folder not found" in err
