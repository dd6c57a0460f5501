"""Worlds: sizes and shares from the sources in MODEL.md."""

import numpy as np
import pytest

from trustsim.model.worlds import (
    MUNICIPAL_STAFF,
    REGIONAL_STAFF,
    STATE_STAFF,
    build_teams,
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
    # SKR's 290 municipalities and 21 regions; Region Gotland is one of the 290 (a municipality
    # with a region's tasks), so the world has 20 regions besides it
    assert len(w.sizes) == 340 + 290 + 20
    assert w.staff == STATE_STAFF + MUNICIPAL_STAFF + REGIONAL_STAFF
    assert 1_400_000 < w.staff < 1_500_000
    assert np.bincount(w.kinds).tolist() == [340, 290, 20]


@pytest.mark.parametrize("scale", [0.01, 0.1, 0.5, 1.0])
def test_scale_shrinks_the_number_of_work_sites_not_their_size(scale):
    """ODD §2: scale keeps every team and site at its real size; weights restore real head counts."""
    full = build_teams(build_world("state", 1.0), span=13, teams_per_site=3)
    t = build_teams(build_world("state", scale), span=13, teams_per_site=3)
    assert set(np.unique(t.org)) == set(range(340))  # every organisation is represented
    # team sizes: the same distribution as the real ones (per organisation: floor or ceil of S/n)
    assert t.size.max() <= 13 and t.size.min() >= 1
    represented = (np.ceil(build_world("state").sizes / 13) / t.model_teams)[t.org]
    mean_size = (represented * t.size).sum() / represented.sum()  # real teams it stands for
    assert abs(mean_size - full.size.mean()) < 0.05 * full.size.mean()
    # head counts weighted back are the real ones, exactly, per organisation
    modelled = np.bincount(t.org, weights=t.size, minlength=340)
    assert np.allclose(modelled * t.org_weight, build_world("state").sizes)
    # real work sites: ceil(teams / 3) per organisation, restored by the site weights
    real_teams = np.ceil(build_world("state").sizes / 13)
    assert np.isclose(t.site_weight.sum(), np.ceil(real_teams / 3).sum())
    # the number of modelled sites shrinks with scale (at least one per organisation)
    n_sites = len(t.site_weight)
    assert n_sites == pytest.approx(max(340, len(full.site_weight) * scale), rel=0.6)
    if scale == 1.0:
        assert (t.org_weight == 1).all() and (t.site_weight == 1).all()


def test_sites_group_consecutive_teams_of_one_organisation():
    t = build_teams(build_world("state", 0.1), span=13, teams_per_site=3)
    site_org = np.zeros(len(t.site_weight), dtype=int)
    site_org[t.site] = t.org
    assert (site_org[t.site] == t.org).all()  # a site never spans two organisations
    assert np.bincount(t.site).max() <= 3 and (np.diff(t.site) >= 0).all()


def test_teaching_world_is_small():
    w = build_world("teaching")
    assert len(w.sizes) == 10 and 200 <= w.staff <= 400
