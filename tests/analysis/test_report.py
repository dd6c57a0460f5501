"""`trustsim report`: the figures that apply, atomic writing, and bad input."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trustsim.analysis import plots
from trustsim.analysis.report import write_report
from trustsim.cli import main

from .conftest import synthetic_run, write_folder

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its content (to show nothing changed)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def images_of(report: Path) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report.read_text())


def assert_pngs(report_dir: Path, names: set[str]) -> None:
    assert {p.name for p in report_dir.glob("*.png")} == names
    for name in names:
        data = (report_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
    assert set(images_of(report_dir / "report.md")) == names


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    """Two synthetic scenarios, no swept parameters: the cheapest report with two figures."""
    return write_folder(
        tmp_path / "small", scenarios=["ref", "other"], kind="grid", parameters=[], bounds=[],
        X=np.zeros((1, 0)), replications=2, run_fn=synthetic_run({}, {"other": 1.0}),
    )  # fmt: skip


def test_grid_report_has_curves_and_forest(grid_folder: Path) -> None:
    path = write_report(grid_folder)
    assert path == grid_folder / "report" / "report.md"
    assert_pngs(path.parent, {"time_series.png", "forest.png", "budget_horizon.png", "tipping.png"})
    text = path.read_text()
    for heading in ("## Final-year means", "## Paired differences to baseline-control",
                    "## Do the differences hold across the uncertainty range?"):  # fmt: skip
        assert heading in text
    assert "| innovation_rate |" in text and "full-chain" in text
    assert "Morris" not in text


def test_morris_report_has_bars_and_conclusions(morris_folder: Path) -> None:
    path = write_report(morris_folder)
    # the folder samples uncertainties, so the report also ranks the packages (regret.png) and
    # draws where each fails (fails_NAME.png, for a package with a significant PRIM box)
    robustness = {"regret.png"} if importlib.util.find_spec("ema_workbench") else set()
    robustness |= {p.name for p in path.parent.glob("fails_*.png")}
    assert_pngs(path.parent, {"time_series.png", "forest.png", "budget_horizon.png",
                              "tipping.png", "morris.png"} | robustness)  # fmt: skip
    text = path.read_text()
    assert "## Where each package fails" in text
    assert "## Sensitivity (Morris screening)" in text
    assert "What the screening supports" in text
    assert "innovation_rate" in text and "incident_rate" in text
    assert "design points" in text  # sign robustness across the uncertainty range


def test_single_scenario_without_sweep_has_only_the_time_series(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "one", scenarios=["ref"], kind="grid", parameters=[], bounds=[],
        X=np.zeros((1, 0)), replications=3, run_fn=synthetic_run({}, {}),
    )  # fmt: skip
    path = write_report(folder)
    assert_pngs(path.parent, {"time_series.png"})
    assert "Paired differences" not in path.read_text()


def test_failed_runs_are_listed_and_left_out(small_folder: Path) -> None:
    manifest = json.loads((small_folder / "manifest.json").read_text())
    run_id = next(iter(manifest["runs"]))
    manifest["runs"][run_id].update(status="failed", traceback="Traceback...\nValueError: boom")
    (small_folder / "runs" / f"{run_id}.parquet").unlink()
    (small_folder / "manifest.json").write_text(json.dumps(manifest))
    text = write_report(small_folder).read_text()
    assert f"- `{run_id}`: ValueError: boom" in text
    assert "1 failed" in text


def test_rewriting_replaces_the_old_report(small_folder: Path) -> None:
    write_report(small_folder)
    stale = small_folder / "report" / "stale.png"
    stale.write_bytes(b"old")
    write_report(small_folder)
    assert not stale.exists()
    assert [p.name for p in small_folder.iterdir() if p.name.startswith(".")] == []


def test_a_failure_while_writing_leaves_no_half_report(
    small_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_report(small_folder)
    before = folder_state(small_folder)
    real_save = plots.save
    calls = []

    def failing_save(fig, path) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_save(fig, path)

    monkeypatch.setattr(plots, "save", failing_save)
    with pytest.raises(OSError, match="No space left"):
        write_report(small_folder)
    assert folder_state(small_folder) == before  # the old report intact, no temp folder left
    assert len(calls) == 2


@pytest.mark.parametrize("case", ["missing", "no-manifest", "corrupt", "not-a-folder"])
def test_report_bad_input_exits_2(case: str, tmp_path: Path, capsys) -> None:
    target = tmp_path / "results"
    if case != "missing":
        target.mkdir()
    if case == "corrupt":
        (target / "manifest.json").write_text('{"scenarios": ["a"], ')
    if case == "not-a-folder":
        target.rmdir()
        target.write_text("x")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code = main(["report", str(target)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trustsim: error: ")
    assert str(target) in lines[0] and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_report_cli_prints_the_path(small_folder: Path, capsys) -> None:
    assert main(["report", str(small_folder)]) == 0
    assert capsys.readouterr().out.strip() == str(small_folder / "report" / "report.md")


def test_report_bad_input_in_a_real_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "trustsim.cli", "report", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"trustsim: error: {tmp_path / 'manifest.json'}: not found; "
        "is this a results folder of `trustsim sweep`?"
    )
    assert list(tmp_path.iterdir()) == []


def test_compare_on_a_results_folder_prints_its_table(small_folder: Path, capsys) -> None:
    assert main(["compare", str(small_folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("test-experiment:") and "diff +1.00" in out
    assert main(["compare", str(small_folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["differences"]) == ["other"]
    assert data["differences"]["other"]["innovation_rate"]["mean"] == pytest.approx(1.0)


def test_compare_on_a_results_folder_rejects_run_options(small_folder: Path, capsys) -> None:
    before = folder_state(small_folder)
    assert main(["compare", str(small_folder), "--years", "3"]) == 2
    err = capsys.readouterr().err
    assert "--years cannot be used with the results folder" in err
    assert folder_state(small_folder) == before


def test_compare_on_a_folder_without_manifest(tmp_path: Path, capsys) -> None:
    assert main(["compare", str(tmp_path)]) == 2
    assert "manifest.json: not found" in capsys.readouterr().err


def test_morris_skips_a_scenario_with_a_missing_point(tmp_path: Path) -> None:
    from SALib.sample import morris

    problem = {"num_vars": 2, "names": ["sector_risk", "idea_rate"], "bounds": [[0, 1], [0, 1]]}
    folder = write_folder(
        tmp_path / "m", scenarios=["ref", "other"], kind="morris", parameters=problem["names"],
        bounds=problem["bounds"], X=morris.sample(problem, 2, num_levels=4, seed=1),
        replications=2, num_levels=4,
        run_fn=synthetic_run({"innovation_rate": {"sector_risk": 3.0}}, {"other": 1.0}),
    )  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    for run_id, entry in manifest["runs"].items():
        if entry["scenario"] == "other" and entry["point"] == 1:
            entry.update(status="failed", traceback="RuntimeError: lost worker")
            (folder / "runs" / f"{run_id}.parquet").unlink()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    path = write_report(folder)
    text = path.read_text()
    assert "- Skipped: " in text and "'other' has no finished run at design points [1]" in text
    assert (
        "**innovation_rate**: `sector_risk` has the largest μ* in every scenario (1 of 1)" in text
    )
    assert (path.parent / "morris.png").stat().st_size > 10_000
    assert "2 failed" in text
