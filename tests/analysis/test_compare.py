"""`trustsim compare`: JSON shape, common random numbers, determinism and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trustsim import load_scenario
from trustsim.analysis.results import compare
from trustsim.cli import main
from trustsim.model.model import OUTPUTS
from trustsim.model.params import ParameterError

FAST = ["--world", "teaching", "--years", "2", "--replications", "3"]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["compare", "baseline-control", "full-chain", *FAST, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"scenarios", "differences", "spread", "tipped", "tips"}
    assert list(data["spread"]) == ["full-chain"]
    assert list(data["spread"]["full-chain"]) == list(OUTPUTS)
    for entry in data["spread"]["full-chain"].values():
        assert set(entry) == {"q05", "q50", "q95", "p_positive"}
        assert entry["q05"] <= entry["q50"] <= entry["q95"] and 0 <= entry["p_positive"] <= 1
    assert set(data["tipped"]) == {"baseline-control", "full-chain"}
    assert set(data["tips"]) == {"full-chain"}
    assert list(data["scenarios"]) == ["baseline-control", "full-chain"]
    assert list(data["differences"]) == ["full-chain"]
    for block in (data["scenarios"]["baseline-control"], data["scenarios"]["full-chain"],
                  data["differences"]["full-chain"]):  # fmt: skip
        assert list(block) == list(OUTPUTS)
        for entry in block.values():
            assert set(entry) == {"mean", "ci_low", "ci_high"}
            assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"]


def test_compare_table_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["compare", "baseline-control", "rum", *FAST], capsys)
    assert code == 0
    assert "world teaching" in out and "3 replications" in out
    assert "(reference)" in out and "diff " in out
    for name in OUTPUTS:
        assert f"\n{name}\n" in out


def test_same_seeds_for_every_scenario(tmp_path: Path) -> None:
    """A copy of the reference under another name differs by exactly zero: common seeds."""
    copy = tmp_path / "baseline-copy.toml"
    copy.write_bytes(load_scenario("baseline-control").path.read_bytes())
    out = compare(["baseline-control", str(copy)], world="teaching", years=2, replications=3)
    for entry in out["differences"]["baseline-copy"].values():
        assert entry == {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0}


def test_compare_is_deterministic_and_seed_dependent() -> None:
    kwargs = {"world": "teaching", "years": 2, "replications": 3}
    first = compare(["baseline-control", "full-chain"], seed=5, **kwargs)
    assert compare(["baseline-control", "full-chain"], seed=5, workers=1, **kwargs) == first
    assert compare(["baseline-control", "full-chain"], seed=6, **kwargs) != first


def test_compare_api_rejects_bad_settings_before_running() -> None:
    with pytest.raises(ParameterError, match="replications 1 is not allowed"):
        compare(["baseline-control"], world="teaching", years=1, replications=1)
    with pytest.raises(ParameterError, match="world 'teach' is unknown; did you mean 'teaching'"):
        compare(["baseline-control"], world="teach", years=1, replications=2)
    with pytest.raises(ParameterError, match="scale 0 is not allowed"):
        compare(["baseline-control"], scale=0, years=1, replications=2)
    with pytest.raises(ParameterError, match="years 0 is not allowed"):
        compare(["baseline-control"], years=0, replications=2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "baseline-control", "no-such-scenario", *FAST], "scenario file not found"),
        (["compare", "baseline-control", "baseline-control", *FAST], "is given twice"),
        (["compare", "baseline-control", "--replications", "1"],
         "--replications: '1' is not allowed; allowed is an integer in [2,"),
        (["compare", "baseline-control", "--scale", "0"], "--scale: '0' is not allowed"),
        (["compare", "--world", "teaching"], "required: SCENARIO"),
    ],
)  # fmt: skip
def test_compare_bad_input_exits_2(args, message, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_compare_bad_input_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "trustsim.cli", "compare", "baseline-control", "nope",
         "--world", "teaching"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trustsim: error:") and "nope" in lines[0]
