"""Channels (docs/channels.md): a channel that is off holds its input at the spun-up baseline's
value, so a reform that enters only through a group of channels has no effect at all when the
whole group is off (the channel lists are complete), and none changes a run with no channel off.
Issue 21 (channel decomposition); claims C1, C3 (slack), C4–C7 (support)."""

from __future__ import annotations

import pandas as pd
import pytest

from trustsim.model.model import CHANNEL_GROUPS, CHANNELS, OUTPUTS, TrustModel
from trustsim.model.params import ParameterError
from trustsim.model.scenarios import load_scenario

WORLD = {"world": "state", "scale": 0.02, "rng": 11}
QUARTERS = 16
COLUMNS = ["innovation_rate", "experimentation_culture", "incident_rate", "admin_burden"]


def outputs(params=None, off=(), **kw) -> pd.DataFrame:
    model = TrustModel(**WORLD, params=params or {}, channels_off=off, **kw)
    for _ in range(QUARTERS):
        model.step()
    return model.outputs()


def scenario(name: str) -> dict:
    return load_scenario(name).params


def effect(params: dict, off=()) -> pd.Series:
    """Reform minus baseline, both with the channels `off`, per quarter (same seed)."""
    return (outputs(params, off)[COLUMNS] - outputs({}, off)[COLUMNS]).abs().sum()


def test_no_channel_off_is_a_plain_run():
    plain = TrustModel(**WORLD, params=scenario("integrated-esv-digg"))
    for _ in range(QUARTERS):
        plain.step()
    pd.testing.assert_frame_equal(plain.outputs(), outputs(scenario("integrated-esv-digg")))
    pd.testing.assert_frame_equal(
        plain.outputs(), outputs(scenario("integrated-esv-digg"), off=frozenset())
    )


def test_a_channel_the_run_never_uses_changes_nothing():
    """No manager leaves, so recruits copy no norm: holding it changes no draw and no output."""
    params = {**scenario("integrated-esv-digg"), "manager_turnover": 0.0}
    pd.testing.assert_frame_equal(outputs(params), outputs(params, off={"recruit_norm"}))


@pytest.mark.parametrize(
    ("reform", "group"),
    [
        ("multi-year-budget", "slack"),  # budget horizon: free time, money, fewer cuts
        ("integrated-esv-digg", "support"),  # support bodies: orientation, reporting relief
        ("trust-based-steering", "steering"),  # detail and reporting demands
    ],
)
def test_a_reform_has_no_effect_with_its_group_off(reform, group):
    params = scenario(reform)
    assert effect(params)[COLUMNS[:3]].min() > 0  # the reform does something...
    closed = effect(params, off=set(CHANNEL_GROUPS[group]))
    assert (closed == 0).all(), closed  # ... and all of it goes through the group


def test_orientation_acts_only_through_its_six_channels():
    """A reform that only moves managers' orientation (P8's initial trust share) changes no staff
    output when the six orientation channels are off; managers still move."""
    params = {"initial_trust_share": 0.9}
    assert effect(params)["innovation_rate"] > 0
    off = set(CHANNEL_GROUPS["orientation"])
    assert (effect(params, off=off) == 0).all()
    reform, base = outputs(params, off), outputs({}, off)
    assert reform["trust_orientation"].iloc[-1] > base["trust_orientation"].iloc[-1] + 0.2


def test_each_slack_channel_alone_carries_part_of_the_budget_effect():
    params = scenario("multi-year-budget")
    full = effect(params)["innovation_rate"]
    for channel in CHANNEL_GROUPS["slack"]:
        assert 0 < effect(params, off={channel})["innovation_rate"] < full, channel


def test_held_inputs_are_the_spun_up_baselines():
    model = TrustModel(**WORLD, params=scenario("multi-year-budget"), channels_off=set(CHANNELS))
    baseline = TrustModel(**WORLD)
    assert model.held["budget_cuts"] == 1.0  # the baseline's one-year horizon
    assert model.held["money"] == baseline.slack < model.slack
    pd.testing.assert_series_equal(pd.Series(model.held["autonomy"]),
                                   pd.Series(baseline.orientation))


@pytest.mark.parametrize("bad", [{"autonomy", "trust"}, ["Money"], [3]])
def test_unknown_channels_are_refused_with_the_allowed_ones(bad):
    with pytest.raises(ParameterError, match="allowed are: autonomy, safety") as info:
        TrustModel(channels_off=bad)
    assert "slack: free_time, money, budget_cuts" in str(info.value)


def test_channels_off_must_be_a_collection():
    with pytest.raises(ParameterError, match="collection of channel names"):
        TrustModel(channels_off=3)
    TrustModel(channels_off="money")  # one name is fine


def test_the_channel_list_is_the_groups():
    assert len(CHANNELS) == len(set(CHANNELS)) == 15
    assert set(OUTPUTS) >= set(COLUMNS)
