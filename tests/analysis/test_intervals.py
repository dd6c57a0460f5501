"""Confidence intervals and paired differences against cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis.results import (
    Interval,
    final_period_means,
    paired_difference,
    replication_seeds,
    summarise,
    t_interval,
    welch_difference,
)

# Student t quantiles from a printed table: t_{0.975} with 4 and 3 degrees of freedom.
T_975_DF4 = 2.776445
T_975_DF3 = 3.182446


def test_t_interval_matches_hand_computation() -> None:
    # x = 1..5: mean 3, s = √2.5, se = √2.5/√5 = √0.5, half = t_{4} · √0.5
    iv = t_interval([1, 2, 3, 4, 5])
    half = T_975_DF4 * math.sqrt(0.5)
    assert iv.n == 5
    assert iv.mean == pytest.approx(3.0)
    assert iv.ci_low == pytest.approx(3.0 - half, abs=1e-5)
    assert iv.ci_high == pytest.approx(3.0 + half, abs=1e-5)


def test_paired_difference_matches_hand_computation() -> None:
    # differences 1, 2, 1, 3: mean 1.75, s² = 2.75/3, half = t_{3} · s / 2
    iv = paired_difference([10, 20, 30, 40], [11, 22, 31, 43])
    half = T_975_DF3 * math.sqrt(2.75 / 3) / 2
    assert iv.mean == pytest.approx(1.75)
    assert (iv.ci_low, iv.ci_high) == pytest.approx((1.75 - half, 1.75 + half), abs=1e-5)
    assert iv.excludes_zero


def test_pairing_shrinks_the_interval_when_noise_is_shared() -> None:
    # The seeds move both scenarios together (10..40); the scenario adds about 1.75.
    reference, other = [10, 20, 30, 40], [11, 22, 31, 43]
    paired = paired_difference(reference, other)
    unpaired = welch_difference(reference, other)
    assert paired.mean == pytest.approx(unpaired.mean)
    assert paired.ci_high - paired.ci_low < 0.2 * (unpaired.ci_high - unpaired.ci_low)
    assert paired.excludes_zero and not unpaired.excludes_zero


def test_constant_values_give_a_zero_width_interval() -> None:
    assert t_interval([0.5, 0.5, 0.5]) == Interval(0.5, 0.5, 0.5, 3)


def test_one_value_has_no_interval_and_json_null() -> None:
    iv = t_interval([2.0])
    assert iv.mean == 2.0 and math.isnan(iv.ci_low) and math.isnan(iv.ci_high)
    assert iv.as_dict() == {"mean": 2.0, "ci_low": None, "ci_high": None}


def test_paired_difference_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired_difference([1, 2, 3], [1, 2])


def test_final_period_is_the_last_four_quarters() -> None:
    frame = pd.DataFrame({"innovation_rate": [100.0, 0, 0, 0, 0, 1, 2, 3, 4]})
    assert final_period_means(frame, ["innovation_rate"])["innovation_rate"] == 2.5


def test_replication_seeds_follow_the_seed_sequence_rule() -> None:
    seeds = replication_seeds(42, 5)
    children = np.random.SeedSequence(42).spawn(5)
    assert seeds == [int(c.generate_state(1)[0]) for c in children]
    assert len(set(seeds)) == 5
    assert replication_seeds(42, 3) == seeds[:3]  # more replications extend, never reshuffle
    assert replication_seeds(43, 5) != seeds


def test_summarise_pairs_by_index_and_skips_the_reference() -> None:
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=[0, 1, 2])
    other = pd.DataFrame({"x": [2.0, 3.5, 4.0, 99.0]}, index=[0, 1, 2, 3])  # key 3 has no pair
    out = summarise({"ref": ref, "other": other}, outputs=["x"])
    assert set(out) == {"scenarios", "differences", "spread"}  # no trust_orientation: no "tipped"
    assert list(out["differences"]) == ["other"]
    assert out["spread"]["other"]["x"]["p_positive"] == 1.0  # unpaired key 3 left out
    assert out["spread"]["other"]["x"]["q95"] == pytest.approx(np.quantile([1, 1.5, 1], 0.95))
    expected = paired_difference([1, 2, 3], [2, 3.5, 4]).as_dict()
    assert out["differences"]["other"]["x"] == pytest.approx(expected)
    assert out["scenarios"]["other"]["x"]["mean"] == pytest.approx(np.mean([2, 3.5, 4, 99]))
