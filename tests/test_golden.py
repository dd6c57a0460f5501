"""The optimised code gives the same outputs as the code before optimisation for fixed seeds
(issue: national scale). The golden files are regenerated only for deliberate model changes, by
tests/data/make_golden.py."""

import pandas as pd
import pytest

from tests.data.make_golden import CASES, HERE, golden_frame


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_equal_the_golden_run(name):
    expected = pd.read_csv(HERE / name, index_col="quarter")
    actual = golden_frame(**CASES[name])
    assert list(actual.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, rtol=1e-9, atol=1e-12)
