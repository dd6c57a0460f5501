"""The channel decomposition's arithmetic, its command and its section in `trustsim report`
(issue 21; docs/channels.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis import channels
from trustsim.analysis.channels import attribute, knockout_sets, shapley
from trustsim.cli import main
from trustsim.analysis.report import write_report

from .conftest import synthetic_run, write_folder

F = frozenset


def test_shapley_by_hand():
    # v(a)=1, v(b)=2, v(ab)=4: φ_a = (1 + (4 - 2)) / 2 = 1.5, φ_b = (2 + (4 - 1)) / 2 = 2.5
    assert shapley({F("a"): 1.0, F("b"): 2.0, F("ab"): 4.0}, ["a", "b"]) == {"a": 1.5, "b": 2.5}
    v = {F("a"): 1.0, F("b"): 0.0, F("c"): 0.0, F("ab"): 1.0, F("ac"): 3.0, F("bc"): 0.0,
         F("abc"): 3.0}
    phi = shapley(v, ["a", "b", "c"])
    assert sum(phi.values()) == pytest.approx(3.0)  # efficiency: the parts add up to v(all)
    assert phi["b"] == pytest.approx(0.0)  # a null player gets nothing
    assert phi["a"] == pytest.approx(1 / 3 * 1 + 1 / 6 * 1 + 1 / 6 * 3 + 1 / 3 * 3)


def test_knockout_sets_cover_shapley_groups_and_single_channels():
    groups = {"big": ("a", "b", "c", "d"), "small": ("x", "y")}
    sets = knockout_sets(groups)
    assert sets[0] == F()
    assert set(sets) == {F(), F("a"), F("b"), F("c"), F("d"), F("abcd"), F("x"), F("y"), F("xy"),
                         F("abcdxy")}  # the last: every channel at once
    assert len(knockout_sets()) == 27  # the model's channels: 1 + 7 + 7 + 3 + 7 + 1 + all


def frame(values) -> pd.DataFrame:
    return pd.DataFrame({"innovation_rate": values})


def test_shares_on_a_constructed_example():
    """Two replications; reform effect 10 and 14 (mean 12). Group "small" = {x, y}:
    with x off the effect is 4 and 6, with y off 10 and 14, with both off 0 and 0.
    Group "big" (knock-out, SHAPLEY_MAX 1): a off 9 and 11, b off 12 and 14, both off 6 and 10."""
    groups = {"small": ("x", "y"), "big": ("a", "b")}
    zero = frame([0.0, 0.0])
    ref = {s: zero for s in knockout_sets(groups)}
    effects = {F(): [10, 14], F("x"): [4, 6], F("y"): [10, 14], F("xy"): [0, 0],
               F("a"): [9, 11], F("b"): [12, 14], F("ab"): [6, 10]}
    table = {"ref": ref, "R": {s: frame([float(v) for v in e]) for s, e in effects.items()}}
    old = channels.SHAPLEY_MAX
    channels.SHAPLEY_MAX = 2
    try:
        small = attribute(table, "ref", ["innovation_rate"], groups)
    finally:
        channels.SHAPLEY_MAX = old
    entry = small["packages"]["R"]["innovation_rate"]
    assert entry["effect"]["mean"] == 12
    g = entry["groups"]["small"]
    # v(x) = 12 - 5 = 7, v(y) = 0, v(xy) = 12: φ_x = (7 + 12) / 2 = 9.5, φ_y = (0 + 5) / 2 = 2.5
    assert g["method"] == "shapley"
    assert g["channels"]["x"]["share"] == pytest.approx(9.5 / 12)
    assert g["channels"]["y"]["share"] == pytest.approx(2.5 / 12)
    assert g["whole"]["share"] == pytest.approx(1.0)
    assert g["interaction"] == pytest.approx(0.0)
    channels.SHAPLEY_MAX = 1
    try:
        big = attribute(table, "ref", ["innovation_rate"], groups)
    finally:
        channels.SHAPLEY_MAX = old
    g = big["packages"]["R"]["innovation_rate"]["groups"]["big"]
    # v(a) = 12 - 10 = 2, v(b) = 12 - 13 = -1, v(ab) = 12 - 8 = 4: interaction (4 - 1) / 12
    assert g["method"] == "knock-out"
    assert g["channels"]["a"]["share"] == pytest.approx(2 / 12)
    assert g["channels"]["b"]["share"] == pytest.approx(-1 / 12)
    assert g["interaction"] == pytest.approx(3 / 12)
    low, high = g["channels"]["a"]["ci_low"], g["channels"]["a"]["ci_high"]
    assert low <= 2 / 12 <= high  # the bootstrap interval holds the point


def test_the_reference_run_with_the_channel_off_is_subtracted():
    """Δ(S) pairs the reform with the reference under the same knock-out: a channel that moves
    the reference as much as the reform carries none of the reform's effect."""
    groups = {"g": ("x",)}
    table = {
        "ref": {F(): frame([0.0, 0.0]), F("x"): frame([5.0, 7.0])},
        "R": {F(): frame([10.0, 10.0]), F("x"): frame([15.0, 17.0])},
    }
    entry = attribute(table, "ref", ["innovation_rate"], groups)["packages"]["R"]
    assert entry["innovation_rate"]["groups"]["g"]["channels"]["x"]["share"] == 0
    assert entry["innovation_rate"]["direct"]["share"] == 1  # all of it through no channel


@pytest.fixture(scope="module")
def small_decomposition() -> dict:
    return channels.decompose(["multi-year-budget"], world="teaching", scale=1.0, years=2,
                              replications=2, seed=3)


def test_decompose_runs_the_budget_through_slack(small_decomposition):
    r = small_decomposition
    assert r["settings"]["runs"] == 2 * 27 * 2
    assert "trustsim channels multi-year-budget --world teaching" in r["settings"]["command"]
    slack = r["packages"]["multi-year-budget"]["innovation_rate"]["groups"]["slack"]
    assert slack["whole"]["share"] == pytest.approx(1.0)  # every slack channel off: no effect
    assert r["packages"]["multi-year-budget"]["innovation_rate"]["direct"]["part"] == 0
    support = r["packages"]["multi-year-budget"]["innovation_rate"]["groups"]["support"]
    assert support["method"] == "shapley"
    text = "\n".join(channels.markdown_lines(r))
    assert "| slack: free_time |" in text and "### By channel: incident_rate" in text


def test_cli_writes_json_and_rejects_bad_input(tmp_path: Path, capsys):
    out = tmp_path / "ch.json"
    code = main(["channels", "rum", "--world", "teaching", "--years", "1", "--replications", "2",
                 "--out", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert list(data["packages"]) == ["rum"] and data["settings"]["world"] == "teaching"
    assert "innovation_rate: effect" in capsys.readouterr().out
    assert main(["channels", "no-such-reform"]) == 2
    assert "Known scenarios" in capsys.readouterr().err
    assert main(["channels", "baseline-control"]) == 2  # the reference is not a reform
    assert "is the reference" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["channels", "rum", "--out", str(tmp_path / "missing" / "x.json")])
    assert info.value.code == 2


def test_report_shows_the_folders_decomposition(tmp_path: Path, small_decomposition):
    folder = write_folder(
        tmp_path / "f", scenarios=["baseline-control", "multi-year-budget"], kind="grid",
        parameters=[], bounds=[], X=np.zeros((1, 0)), replications=2, run_fn=synthetic_run({}, {"multi-year-budget": 1.0}),
    )
    report = write_report(folder).read_text()  # no channels.json of its own: the shipped one
    assert "From the decomposition shipped with trustsim" in report
    assert "| slack: money |" in report
    channels.save(small_decomposition, folder)
    report = write_report(folder).read_text()
    assert "## Each reform's effect by channel" in report
    assert "From `channels.json` in this folder." in report
    assert "| slack: budget_cuts |" in report
    assert "### By channel: experimentation_culture" in report
