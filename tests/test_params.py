"""Parameters: defaults valid, every bad value named with its allowed range, close-name hints."""

import math

import pytest

import trustsim
from trustsim.model.params import PARAMETERS, SPECS, ParameterError, Params


def test_defaults_are_inside_their_ranges():
    for spec in PARAMETERS:
        assert spec.check(spec.default) == spec.default, spec.name
        assert spec.unit and spec.source and spec.doc, spec.name


def test_every_parameter_has_a_source_and_group():
    groups = {s.group for s in PARAMETERS}
    assert {"government", "support", "chain", "managers", "staff", "experiments"} <= groups
    assert len(SPECS) == len(PARAMETERS)  # no duplicate names


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("span_of_control", -5, "[3, 60]"),
        ("initial_trust_share", 1.5, "[-1, 1]"),
        ("regulatory_complexity", -0.1, "[0, 1]"),
        ("budget_horizon_years", 0.5, "[1, 4]"),
        ("steering_detail", math.nan, "[0, 1]"),
        ("steering_detail", "high", "[0, 1]"),
        ("rum", 1, "true or false"),
        ("span_of_control", 7.5, "integer"),
    ],
)
def test_invalid_values_name_parameter_value_and_range(name, value, fragment):
    with pytest.raises(ParameterError) as err:
        Params({name: value})
    message = str(err.value)
    assert name in message and repr(value) in message and fragment in message


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ParameterError, match="did you mean 'budget_horizon_years'"):
        Params(budget_horizon=3)


def test_model_refuses_bad_input_before_building_anything():
    with pytest.raises(ParameterError, match="steering_detial.*steering_detail"):
        trustsim.TrustModel(world="teaching", rng=1, steering_detial=0.3)
    with pytest.raises(ParameterError, match="world 'stat'.*'state'"):
        trustsim.TrustModel(world="stat")
    with pytest.raises(ParameterError, match=r"scale 0 .*\[0.01, 1\].*too few work sites"):
        trustsim.TrustModel(world="state", scale=0)
    with pytest.raises(ParameterError, match=r"scale 0.005 .*\[0.01, 1\]"):
        trustsim.TrustModel(world="public-sector", scale=0.005)
    with pytest.raises(ParameterError, match=r"teaching world .*always runs at scale 1"):
        trustsim.TrustModel(world="teaching", scale=0.5)


def test_params_are_immutable_and_replace_validates():
    p = Params(steering_detail=0.4)
    with pytest.raises(AttributeError):
        p.steering_detail = 0.1
    assert p.replace(rum=True).rum is True
    with pytest.raises(ParameterError):
        p.replace(rum="yes")
    assert p.changed() == {"steering_detail": 0.4}


def test_params_survive_pickle_and_copy():
    """Params cross process boundaries (sweeps, the app): pickle and deepcopy keep every value."""
    import copy
    import pickle

    p = Params(rum=True, steering_detail=0.35)
    for clone in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), copy.copy(p)):
        assert dict(clone) == dict(p)
    assert not hasattr(p, "__no_such_protocol__")
