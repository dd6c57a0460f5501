"""Regret, satisficing, Kendall's W and the targets file, checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis.discovery import (
    DiscoveryError,
    Futures,
    kendall_w,
    load_targets,
    regret,
    robustness,
    satisficing,
    scores,
)
from trustsim.model.model import OUTPUTS


def test_regret_by_hand():
    # three futures, three packages; regret = best in that future − own
    table = pd.DataFrame({"A": [1.0, 4.0, 2.0], "B": [3.0, 1.0, 2.0], "C": [2.0, 2.0, 5.0]})
    r = regret(table)
    expected = pd.DataFrame({"A": [2.0, 0.0, 3.0], "B": [0.0, 3.0, 3.0], "C": [1.0, 2.0, 0.0]})
    pd.testing.assert_frame_equal(r, expected)
    assert r.max().to_dict() == {"A": 3.0, "B": 3.0, "C": 2.0}
    # 90th percentile, linear interpolation over the sorted regrets of A: [0, 2, 3] -> 2 + 0.8·1
    assert r.quantile(0.9)["A"] == pytest.approx(2.8)
    # smaller is better (e.g. incidents): regret = own − best
    low = regret(table, maximise=False)
    assert low.loc[0].tolist() == [0.0, 2.0, 1.0]


def test_kendall_w_by_hand():
    same = pd.DataFrame({"A": [3, 3, 3], "B": [2, 2, 2], "C": [1, 1, 1]}, dtype=float)
    assert kendall_w(same) == pytest.approx(1.0)
    # two futures with opposite rankings: rank sums 4, 4, 4 -> S = 0 -> W = 0
    opposite = pd.DataFrame({"A": [3, 1], "B": [2, 2], "C": [1, 3]}, dtype=float)
    assert kendall_w(opposite) == pytest.approx(0.0)
    # m = 2, n = 3: ranks (1,2,3) and (1,3,2): sums 2, 5, 5; mean 4; S = 4+1+1 = 6
    # W = 12·6 / (4·(27−3)) = 72 / 96 = 0.75
    table = pd.DataFrame({"A": [3, 3], "B": [2, 1], "C": [1, 2]}, dtype=float)
    assert kendall_w(table) == pytest.approx(0.75)


def _futures() -> Futures:
    """Two futures; innovation and incidents of a reference and two packages."""
    def frame(innov, incid):
        data = {o: [1.0, 1.0] for o in OUTPUTS}
        data["innovation_rate"], data["incident_rate"] = innov, incid
        return pd.DataFrame(data, index=pd.Index([0, 1], name="point"))

    values = {
        "ref": frame([100.0, 100.0], [10.0, 10.0]),
        "bold": frame([150.0, 200.0], [20.0, 10.0]),   # gains +0.5/+1.0, incidents +1.0/0
        "safe": frame([120.0, 110.0], [10.0, 9.0]),    # gains +0.2/+0.1, incidents 0/−0.1
    }
    x = pd.DataFrame({"u": [0.2, 0.8]}, index=pd.Index([0, 1], name="point"))
    return Futures(x, values, "ref", {"u": (0.0, 1.0)})


def _targets(tmp_path, text=None):
    path = tmp_path / "targets.toml"
    path.write_text(text or (
        "[targets]\ninnovation_rate = { min_gain = 0.15 }\nincident_rate = { max_gain = 0.5 }\n"
        "[score]\ninnovation_rate = 1.0\nincident_rate = -1.0\n"))
    return load_targets(path)


def test_scores_satisficing_and_ranking_by_hand(tmp_path):
    fut, targets = _futures(), _targets(tmp_path)
    s = scores(fut, targets)
    # score = gain innovation − gain incidents
    assert s["ref"].tolist() == [0.0, 0.0]
    assert s["bold"].tolist() == pytest.approx([0.5 - 1.0, 1.0 - 0.0])
    assert s["safe"].tolist() == pytest.approx([0.2 - 0.0, 0.1 + 0.1])
    sat = satisficing(fut, targets)
    # bold: future 0 misses the incident target; safe: future 1 misses the innovation target
    assert sat["bold"].tolist() == [False, True] and sat["safe"].tolist() == [True, False]
    rob = robustness(fut, targets)
    t = rob.table
    # regret: future 0 best = safe 0.2 -> ref 0.2, bold 0.7, safe 0; future 1 best = bold 1.0
    # -> ref 1.0, bold 0, safe 0.8
    assert t.loc["bold", "max_regret"] == pytest.approx(0.7)
    assert t.loc["safe", "max_regret"] == pytest.approx(0.8)
    assert t.loc["ref", "max_regret"] == pytest.approx(1.0)
    assert t.loc["bold", "best_share"] == 0.5 and t.loc["safe", "best_share"] == 0.5
    assert t.loc["bold", "satisficing"] == 0.5 and t.loc["ref", "satisficing"] == 0.0
    assert list(t.index) == ["bold", "safe", "ref"]  # by p90 regret: 0.63 < 0.72 < 0.92
    # per-output regret in the output's own units (innovation: best − own)
    assert t.loc["safe", "p90_regret.innovation_rate"] == pytest.approx(30 + 0.9 * (90 - 30))


@pytest.mark.parametrize(("text", "message"), [
    ("[targets]\ninnovation = { min_gain = 0.1 }\n[score]\ninnovation_rate = 1.0\n",
     "did you mean 'innovation_rate'"),
    ("[targets]\ninnovation_rate = 0.1\n[score]\ninnovation_rate = 1.0\n", "min_gain"),
    ("[targets]\ninnovation_rate = { min_gain = 0.1 }\n", "no [score]"),
    ("[score]\ninnovation_rate = 1.0\n", "no [targets]"),
    ("[targetz]\n", "unknown key"),
    ("not toml = = 1", "cannot read"),
])
def test_bad_targets_files_name_the_problem(tmp_path, text, message):
    with pytest.raises(DiscoveryError, match=message.replace("[", r"\[").replace("(", r"\(")):
        _targets(tmp_path, text)


def test_shipped_targets_load_and_give_a_failure_expression():
    targets = load_targets()
    text = targets.failure_text()
    assert "gain.innovation_rate <" in text and " or " in text
    assert not math.isnan(sum(targets.weights.values()))
    assert np.isfinite(list(targets.min_gain.values())).all()
