"""PRIM, CART and feature scoring (ema-workbench) recover a box planted in synthetic futures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from trustsim.analysis.discovery import choose_box, describe_box, feature_scores, run_cart, run_prim

PEEL = 0.05  # one peel step: PRIM removes at most 5 % of the futures in the box from one side


@pytest.fixture(scope="module")
def planted():
    """1 000 futures, uniform on [0, 1]^4; failure exactly where a ≥ 0.6 and b ≤ 0.3."""
    rng = np.random.default_rng(20260110)
    x = pd.DataFrame(rng.random((1000, 4)), columns=["a", "b", "c", "d"])
    y = (x["a"] >= 0.6) & (x["b"] <= 0.3)
    return x, y.to_numpy()


def test_prim_recovers_the_planted_cut_points_within_one_peel_step(planted):
    x, y = planted
    result = run_prim(x, y, resamples=0)
    limits = result.limits.set_index("uncertainty")
    assert set(limits.index) == {"a", "b"}
    # one peel step removes ≤ 5 % of the remaining futures: in a uniform sample that is at most
    # 5 % of the dimension's range, so the cut-points lie within 0.05 of the planted ones
    assert abs(limits.loc["a", "low"] - 0.6) <= PEEL
    assert abs(limits.loc["b", "high"] - 0.3) <= PEEL
    stats = result.stats
    assert stats["coverage"] >= 0.9 and stats["density"] >= 0.9 and stats["res_dim"] == 2
    # the in_box flags match the limits
    inside = (x["a"] >= limits.loc["a", "low"]) & (x["b"] <= limits.loc["b", "high"])
    assert (result.in_box.to_numpy() == inside.to_numpy()).all()
    # quasi-p values of real restrictions are tiny
    assert limits.loc["a", "qp_low"] < 0.01 and limits.loc["b", "qp_high"] < 0.01


def test_trajectory_has_the_statistics_and_the_stability_table_names_the_box(planted):
    x, y = planted
    result = run_prim(x, y, resamples=4, seed=3)
    traj = result.trajectory
    assert list(traj.columns) == ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    assert traj["mass"].iloc[0] == 1.0 and traj["coverage"].iloc[0] == 1.0
    assert traj["density"].iloc[0] == pytest.approx(y.mean())
    # ema-workbench matches each rerun's box by coverage and by density; with noise-free data the
    # coverage match can be the unrestricted first box, so the density match carries the test
    stability = result.stability.set_index("uncertainty")
    assert set(stability.index[:2]) == {"a", "b"}
    assert (stability.loc[["a", "b"]].max(axis=1) >= 75).all()


def test_cart_and_feature_scores_point_at_the_same_dimensions(planted):
    x, y = planted
    leaves = run_cart(x, y)
    assert leaves.iloc[0]["density"] >= 0.9
    assert "a ≥" in leaves.iloc[0]["rule"] and "b ≤" in leaves.iloc[0]["rule"]
    scores = feature_scores(x, y, seed=1)
    assert set(scores["uncertainty"].head(2)) == {"a", "b"}


def test_choose_box_prefers_explaining_the_failures():
    traj = pd.DataFrame({
        "coverage": [1.0, 0.95, 0.9, 0.6, 0.5],
        "density": [0.2, 0.5, 0.9, 0.95, 1.0],
        "res_dim": [0, 1, 2, 4, 5],
    })
    assert choose_box(traj) == 2            # 0.9 × (0.9 − 0.2) / 0.8 beats the others
    assert choose_box(traj, max_dims=1) == 1


def test_noise_gives_no_significant_box():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.random((300, 6)), columns=list("abcdef"))
    y = rng.random(300) < 0.3  # failures unrelated to x
    result = run_prim(x, y, resamples=0)
    assert not result.significant or result.stats["res_dim"] <= 1


def test_describe_box_names_only_the_cut_sides():
    box = pd.DataFrame({"a": [0.6, 1.0], "b": [0.0, 0.3], "c": [0.2, 0.8], "d": [0.0, 1.0]})
    init = {k: (0.0, 1.0) for k in "abcd"}
    assert describe_box(box, init) == "a ≥ 0.6 and b ≤ 0.3 and 0.2 ≤ c ≤ 0.8"
    assert describe_box(pd.DataFrame({"a": [0.0, 1.0]}), {"a": (0.0, 1.0)}) == "everywhere"
