"""`trustsim bench`: smoke tests of the harness (formats, cases, targets logic, bad input).

No timing assertions: the figures depend on the machine. Timings only have to be positive and
consistent with each other (wall = build + run, mean step <= slowest step).
"""

from __future__ import annotations

import importlib.machinery
import json
import math
import subprocess
import sys
import types
from pathlib import Path

import pytest

from trustsim import bench
from trustsim.cli import bench as bench_cli
from trustsim.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
ROW_KEYS = {
    "case", "world", "scale", "quarters", "staff", "build_s", "run_s", "wall_s", "steps_per_s",
    "mean_step_ms", "max_step_ms", "import_peak_mib", "peak_mib", "load_1min", "target_config", "note",
}  # fmt: skip


def run_module(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m trustsim.cli.bench ARGS` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "trustsim.cli.bench", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def quick_doc() -> dict:
    """One `--quick --json` run shared by the tests below (a few seconds)."""
    proc = run_module("--quick", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # stdout holds the JSON document and nothing else


def fake_row(case: str, **values: float) -> dict:
    """A row as a worker would print it, with made-up figures (for the targets logic)."""
    row = {"case": case, "world": "state", "scale": 1.0, "quarters": 80, "staff": 1000,
           "build_s": 1.0, "run_s": 1.0, "wall_s": 2.0, "steps_per_s": 1e6, "mean_step_ms": 1.0,
           "max_step_ms": 2.0, "import_peak_mib": 100.0, "peak_mib": 200.0,
           "target_config": True, "note": ""}  # fmt: skip
    row.update(values)
    return row


def statuses(rows: list[dict]) -> dict[tuple[str, str], str]:
    bench.add_ratios(rows)
    return {(t["case"], t["metric"]): t["status"] for t in bench.evaluate_targets(rows)}


# --------------------------------------------------------------------------- the quick run
def test_quick_json_has_one_row_per_quick_case(quick_doc: dict) -> None:
    assert [r["case"] for r in quick_doc["rows"]] == list(bench.QUICK_CASES)
    assert quick_doc["quick"] is True
    for row in quick_doc["rows"]:
        assert "error" not in row, row
        assert ROW_KEYS <= set(row), ROW_KEYS - set(row)


def test_quick_rows_are_consistent(quick_doc: dict) -> None:
    for row in quick_doc["rows"]:
        assert row["staff"] > 0 and row["quarters"] > 0
        assert row["build_s"] > 0 and row["run_s"] > 0
        assert math.isclose(row["wall_s"], row["build_s"] + row["run_s"])
        assert math.isclose(row["steps_per_s"], row["staff"] * row["quarters"] / row["run_s"])
        assert 0 < row["mean_step_ms"] <= row["max_step_ms"]
        assert row["process_s"] > row["wall_s"]  # the process also pays for interpreter and imports
        assert 0 < row["import_peak_mib"] <= row["peak_mib"]


def test_quick_uses_the_quick_configuration(quick_doc: dict) -> None:
    rows = {r["case"]: r for r in quick_doc["rows"]}
    assert rows["state"]["scale"] == bench.QUICK_STATE_SCALE
    assert rows["state"]["quarters"] == bench.QUICK_QUARTERS
    assert rows["state"]["target_config"] is False  # the scale-1 targets are not judged
    assert rows["workshop-teaching"]["world"] == "teaching"
    assert rows["workshop-state"]["quarters"] == bench.WORKSHOP_STEPS
    assert rows["mesa-boltzmann"]["staff"] == bench.QUICK_MESA_AGENTS
    assert rows["mesa-boltzmann"]["scale"] is None


def test_quick_ratios_divide_by_the_mesa_reference(quick_doc: dict) -> None:
    rows = {r["case"]: r for r in quick_doc["rows"]}
    mesa = rows["mesa-boltzmann"]["steps_per_s"]
    assert set(quick_doc["ratios_to_mesa"]) == {"state", "workshop-teaching", "workshop-state"}
    for case, ratio in quick_doc["ratios_to_mesa"].items():
        assert math.isclose(ratio, rows[case]["steps_per_s"] / mesa)
        assert rows[case]["ratio_to_mesa"] == ratio


def test_quick_targets_judge_only_what_was_run(quick_doc: dict) -> None:
    targets = quick_doc["targets"]
    assert len(targets) == len(bench.TARGETS)
    for t in targets:
        assert t["status"] in ("pass", "fail", "n/a")
        if t["case"] == "public-sector":
            assert t["status"] == "n/a" and t["reason"] == bench.NOT_RUN
        if t["case"] == "state":
            assert t["status"] == "n/a" and "quick" in t["reason"]
        if t["case"].startswith("workshop"):
            assert t["status"] in ("pass", "fail") and t["value"] is not None


def test_machine_is_described(quick_doc: dict) -> None:
    m = quick_doc["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["python"] and m["mesa"].startswith("3.")
    assert len(m["load_average"]) == 3


def test_report_table_shows_every_case_and_judged_target(quick_doc: dict) -> None:
    text = bench.format_report(quick_doc)
    for case in bench.QUICK_CASES:
        assert case in text
    assert "PASS" in text or "FAIL" in text
    assert "public-sector" not in text  # not run, so not listed among the targets


# --------------------------------------------------------------------------- in-process pieces
def test_measure_workshop_teaching_in_process() -> None:
    row = bench.measure(bench.case_config("workshop-teaching", bench.Options()), seed=1)
    assert row["case"] == "workshop-teaching" and row["world"] == "teaching"
    assert row["quarters"] == bench.WORKSHOP_STEPS and row["staff"] > 0
    assert 0 < row["mean_step_ms"] <= row["max_step_ms"]


def test_case_config_full_sizes_and_overrides() -> None:
    full = bench.Options()
    assert bench.case_config("state", full) == bench.Case("state", "state", 1.0, bench.QUARTERS)
    ps = bench.case_config("public-sector", full)
    assert (ps.world, ps.scale, ps.steps, ps.target_config) == ("public-sector", 1.0, 80, True)
    small = bench.case_config("public-sector", bench.Options(scale=0.05, quarters=4))
    assert (small.scale, small.steps, small.target_config) == (0.05, 4, False)
    mesa = bench.case_config("mesa-boltzmann", full)
    assert (mesa.agents, mesa.steps, mesa.target_config) == (
        bench.MESA_AGENTS,
        bench.MESA_STEPS,
        True,
    )
    with pytest.raises(ValueError, match="unknown"):
        bench.case_config("nope", full)


def test_workshop_scale_is_a_valid_scale() -> None:
    scale, source = bench.workshop_scale()
    assert 0 < scale <= 1 and source


def fake_app_module(monkeypatch: pytest.MonkeyPatch, name: str, **attrs: object) -> None:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    module.__dict__.update(attrs)
    monkeypatch.setitem(sys.modules, name, module)


def test_workshop_scale_comes_from_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_app_module(monkeypatch, "fake_app_bad", DEFAULT_SCALE=7)  # out of range: skipped
    fake_app_module(monkeypatch, "fake_app_good", DEFAULT_SCALE=0.2)
    monkeypatch.setattr(
        bench, "APP_DEFAULT_MODULES", ("no_such_app", "fake_app_bad", "fake_app_good")
    )
    assert bench.workshop_scale() == (0.2, "scale from fake_app_good.DEFAULT_SCALE")
    assert bench.case_config("workshop-state", bench.Options()).scale == 0.2


def test_workshop_scale_falls_back_without_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "APP_DEFAULT_MODULES", ("no_such_app",))
    scale, source = bench.workshop_scale()
    assert scale == bench.WORKSHOP_FALLBACK_SCALE and "assumed" in source


def test_expand_cases_groups_and_duplicates() -> None:
    assert bench.expand_cases(None, quick=False) == list(bench.CASES)
    assert bench.expand_cases(None, quick=True) == list(bench.QUICK_CASES)
    assert bench.expand_cases(["workshop", "workshop-state", "state"], quick=False) == [
        "workshop-teaching",
        "workshop-state",
        "state",
    ]


# --------------------------------------------------------------------------- targets logic
def test_targets_pass_and_fail_on_the_limits() -> None:
    fast = [
        fake_row("state", wall_s=9.9, steps_per_s=30e6),
        fake_row("public-sector", wall_s=59.0, peak_mib=4000.0, steps_per_s=30e6),
        fake_row("workshop-teaching", max_step_ms=99.0),
        fake_row("workshop-state", max_step_ms=50.0),
        fake_row("mesa-boltzmann", steps_per_s=1e6),
    ]
    assert set(statuses(fast).values()) == {"pass"}
    slow = [
        fake_row("state", wall_s=10.1, steps_per_s=19e6),
        fake_row("public-sector", wall_s=61.0, peak_mib=5000.0, steps_per_s=1e6),
        fake_row("workshop-teaching", max_step_ms=100.0),  # "under 100 ms" is strict
        fake_row("workshop-state", max_step_ms=250.0),
        fake_row("mesa-boltzmann", steps_per_s=1e6),
    ]
    assert set(statuses(slow).values()) == {"fail"}


def test_targets_not_judged_off_configuration_or_without_mesa() -> None:
    got = statuses([fake_row("state", target_config=False, wall_s=100.0)])
    assert got[("state", "wall_s")] == "n/a"
    got = statuses([fake_row("state", wall_s=1.0)])  # no Mesa reference: no ratio
    assert got[("state", "wall_s")] == "pass"
    assert got[("state", "ratio_to_mesa")] == "n/a"


def test_a_crashed_case_fails_its_targets_and_has_no_ratio() -> None:
    rows = [{"case": "state", "error": "exit 1: MemoryError"}, fake_row("mesa-boltzmann")]
    assert bench.add_ratios(rows) == {}
    got = statuses(rows)
    assert got[("state", "wall_s")] == "fail"
    doc = {"machine": bench.machine_info(), "quick": False, "rows": rows}
    doc["targets"] = bench.evaluate_targets(rows)
    assert "FAILED: exit 1: MemoryError" in bench.format_report(doc)


def test_parse_worker_output_reports_failures_in_one_line() -> None:
    ok = bench.parse_worker_output("state", 0, json.dumps(fake_row("state")), "", 3.0)
    assert ok["process_s"] == 3.0 and "error" not in ok
    crashed = bench.parse_worker_output("state", 1, "", "Traceback\n  ...\nMemoryError\n", 1.0)
    assert crashed == {"case": "state", "error": "exit 1: MemoryError"}
    garbage = bench.parse_worker_output("state", 0, "not json", "", 1.0)
    assert "no JSON" in garbage["error"]
    wrong = bench.parse_worker_output("state", 0, json.dumps(fake_row("workshop-state")), "", 1.0)
    assert "unexpected" in wrong["error"]


# --------------------------------------------------------------------------- command line
def test_profile_prints_the_top_functions(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_cli.main(["--profile", "workshop-teaching", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "top 25 functions by cumulative time" in out
    assert "trustsim/model/model.py" in out and "(step)" in out
    assert "bench.py" not in out  # the harness's own frames are left out
    table = out.split("cumulative time")[1].split("\n\n")[0].splitlines()[2:]
    assert len(table) == bench.PROFILE_TOP


def test_bench_is_a_trustsim_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_main(["bench", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--profile" in out
    assert set(bench.CASE_HELP) == set(bench.CASES)
    for case in (*bench.CASES, *bench.GROUPS):
        assert f"\n  {case} " in out  # every case and group is explained in --help


def test_single_case_repeated_via_the_trustsim_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["bench", "--case", "workshop-teaching", "--repeat", "2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["repeat"] == 2
    [row] = doc["rows"]
    assert row["case"] == "workshop-teaching" and row["repeats"] == 2
    assert len(row["run_s_all"]) == 2 and row["run_s"] == min(row["run_s_all"])
    assert doc["ratios_to_mesa"] == {}


def test_best_of_keeps_the_fastest_run_and_the_largest_peak() -> None:
    runs = [fake_row("state", run_s=3.0, peak_mib=300.0), fake_row("state", run_s=2.0)]
    best = bench.best_of("state", runs)
    assert best["run_s"] == 2.0 and best["peak_mib"] == 300.0 and best["run_s_all"] == [3.0, 2.0]
    failed = bench.best_of("state", [*runs, {"case": "state", "error": "timed out after 5 s"}])
    assert failed == {"case": "state", "error": "timed out after 5 s"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--case", "nope"], "nope"),
        (["--profile", "nope"], "nope"),
        (["--mesa-agents", "-5"], "-5"),
        (["--quarters", "0"], "0"),
        (["--scale", "2"], "2"),
        (["--seed", "-1"], "-1"),
        (["--timeout", "-3"], "-3"),
        (["--repeat", "0"], "0"),
        (["--case", "state", "--profile", "state"], "not allowed with"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        bench_cli.main(args)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], err


def test_bad_argument_from_the_shell_has_no_traceback() -> None:
    proc = run_module("--case", "nope")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == proc.stderr.strip().splitlines()[0]
    assert "'nope'" in proc.stderr and "Traceback" not in proc.stderr
