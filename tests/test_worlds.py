"""Worlds: sizes and shares from the sources in MODEL.md."""

import numpy as np
import pytest

from trustsim.worlds import (
    MUNICIPAL_STAFF,
    REGIONAL_STAFF,
    STATE_STAFF,
    build_world,
)


def test_state_world_matches_statskontoret():
    w = build_world("state", 1.0)
    assert len(w.sizes) == 340
    assert w.staff == STATE_STAFF
    assert (w.sizes < 50).mean() > 0.40  # heavy tail: more than 40 % below 50 staff
    assert w.sizes.max() > 20_000  # the largest agencies have tens of thousands
    assert w.sizes.min() >= 5


def test_public_sector_adds_municipalities_and_regions():
    w = build_world("public-sector", 1.0)
    assert len(w.sizes) == 340 + 290 + 21
    assert w.staff == STATE_STAFF + MUNICIPAL_STAFF + REGIONAL_STAFF
    assert 1_400_000 < w.staff < 1_500_000
    assert np.bincount(w.kinds).tolist() == [340, 290, 21]


@pytest.mark.parametrize("scale", [0.01, 0.1, 0.5])
def test_scale_shrinks_head_counts_proportionally(scale):
    w = build_world("state", scale)
    assert abs(w.staff - STATE_STAFF * scale) / (STATE_STAFF * scale) < 0.05
    assert (w.sizes >= 1).all() and len(w.sizes) == 340


def test_teaching_world_is_small():
    w = build_world("teaching")
    assert len(w.sizes) == 10 and 200 <= w.staff <= 400
