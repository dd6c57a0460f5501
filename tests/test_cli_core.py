"""`trustsim run` and `trustsim scenarios`: output, and bad input with exit 2 and no traceback."""

import subprocess
import sys

import pytest

from trustsim.cli import main
from trustsim.model.model import OUTPUTS


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "trustsim.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_prints_final_year_outputs(tmp_path, capsys):
    out = tmp_path / "run.csv"
    assert (
        main(["run", "baseline-control", "--world", "teaching", "--years", "2", "--csv", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    for name in OUTPUTS:
        assert name in text
    assert out.read_text().splitlines()[0].startswith("quarter,year,innovation_rate")


def test_scenarios_lists_titles_and_claims(capsys):
    assert main(["scenarios"]) == 0
    text = capsys.readouterr().out
    assert "baseline-control" in text and "full-chain" in text and "C10" in text


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "no-such-scenario"], "scenario file not found"),
        (["run", "baseline-control", "--scale", "0"], "(0, 1]"),
        (["run", "baseline-control", "--years", "-3"], "[1, 100]"),
        (["run", "baseline-control", "--world", "mars"], "invalid choice"),
        (["run", "baseline-control", "--set", "budget_horizon_years=0.5"], "[1, 4]"),
        (
            ["run", "baseline-control", "--set", "steering_detial=0.2"],
            "did you mean 'steering_detail'",
        ),
        (["run", "baseline-control", "--set", "rum"], "NAME=VALUE"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, fragment, tmp_path):
    csv = tmp_path / "out.csv"
    result = cli(*args, "--csv", str(csv)) if args[0] == "run" else cli(*args)
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert not csv.exists()  # nothing half-written
