"""Properties over valid parameter sets (hypothesis): finite outputs, shares in [0, 1], head counts
conserved, identical seeds give identical frames, different seeds different frames."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustsim
from trustsim.model.model import DIAGNOSTICS, OUTPUTS
from trustsim.model.params import PARAMETERS

SHARES = ("workplaces_innovating_2y", "experimentation_culture", "admin_burden",
          "trust_orientation", "steering_detail")


def value_strategy(spec):
    if spec.kind is bool:
        return st.booleans()
    if spec.kind is int:
        ints = st.integers(int(spec.low), min(int(spec.high), int(spec.low) + 40))
        return ints.filter(lambda v: v not in spec.excluded)
    return st.floats(spec.low, spec.high, allow_nan=False)


param_sets = st.fixed_dictionaries(
    {}, optional={spec.name: value_strategy(spec) for spec in PARAMETERS}
)
# derandomize: the same examples on every run, so CI is deterministic. Before changing the model,
# explore locally with derandomize=False and max_examples in the hundreds (600 passed on 2026-11-27).
fast = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@fast
@given(params=param_sets, seed=st.integers(0, 2**32 - 1))
def test_outputs_finite_and_shares_bounded(params, seed):
    model = trustsim.TrustModel(world="teaching", rng=seed, params=params)
    staff_per_agency = np.bincount(model.staff.agency, minlength=model.n_agencies).copy()
    staff_per_workplace = model.wp_size.copy()
    for _ in range(8):
        model.step()
    df = model.outputs()
    assert list(df.columns[: len(OUTPUTS)]) == list(OUTPUTS)
    values = df[list(OUTPUTS + DIAGNOSTICS)].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    for column in SHARES:
        assert df[column].between(0.0, 1.0).all(), column
    # head counts conserved (turnover replaces people in place)
    assert model.n_staff == model.world.staff == len(model.staff.wp)
    assert (np.bincount(model.staff.agency, minlength=model.n_agencies) == staff_per_agency).all()
    assert (np.bincount(model.staff.wp, minlength=model.n_workplaces) == staff_per_workplace).all()
    assert np.isclose(model.wp_size.sum(), model.n_staff)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(params=param_sets, seed=st.integers(0, 2**32 - 2))
def test_same_seed_same_frame_different_seed_different_frame(params, seed):
    a = trustsim.run(world="teaching", years=2, seed=seed, overrides=params)
    b = trustsim.run(world="teaching", years=2, seed=seed, overrides=params)
    c = trustsim.run(world="teaching", years=2, seed=seed + 1, overrides=params)
    assert a.equals(b)
    assert not a.equals(c)


def test_same_seed_bit_identical_in_the_state_world():
    a = trustsim.run("integrated-esv-digg", world="state", scale=0.02, years=3, seed=7)
    b = trustsim.run("integrated-esv-digg", world="state", scale=0.02, years=3, seed=7)
    assert a.equals(b)
    assert len(a) == 13 and a.index.name == "quarter"
