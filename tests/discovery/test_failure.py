"""Failure expressions: the grammar, paired evaluation and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis.discovery import DiscoveryError, parse_failure
from trustsim.model.model import OUTPUTS


def _frame(innov, incid):
    data = {o: np.ones(len(innov)) for o in OUTPUTS}
    data["innovation_rate"], data["incident_rate"] = np.array(innov), np.array(incid)
    return pd.DataFrame(data)


PKG = _frame([110.0, 150.0, 90.0], [3.0, 6.0, 2.0])
REF = _frame([100.0, 100.0, 100.0], [2.0, 2.0, 0.0])


@pytest.mark.parametrize(("text", "expected"), [
    ("incident_rate > 1.5 * ref.incident_rate", [False, True, True]),
    ("gain.innovation_rate < 0.15", [True, False, True]),
    ("diff.innovation_rate < 0", [False, False, True]),
    ("gain.innovation_rate < 0.2 or diff.incident_rate > 3", [True, True, True]),
    ("not (innovation_rate >= 100 and incident_rate <= 5)", [False, True, True]),
    ("100 < innovation_rate < 120", [True, False, False]),
    ("abs(diff.innovation_rate) > 20", [False, True, False]),
    ("max(innovation_rate, 120) == 120", [True, False, True]),
    ("gain.incident_rate > 1", [False, True, False]),        # a gain over a zero reference is not a failure
])
def test_expressions_evaluate_pairwise(text, expected):
    got = parse_failure(text).evaluate(PKG, REF)
    assert got.tolist() == expected


@pytest.mark.parametrize(("text", "message"), [
    ("incidents > 1.5 * ref.incident_rate", "'incidents' is not an output"),
    ("ref.incident > 2", "did you mean 'ref.incident_rate'"),
    ("incident_rate > ", "not a valid expression"),
    ("incident_rate >> 2", "not a valid expression|not allowed"),
    ("innovation_rate * 2", "must be a condition"),
    ("base.incident_rate > 2", "unknown prefix"),
    ("__import__('os').system('true') > 0", "not allowed"),
    ("innovation_rate ** 2 > 1", "not allowed"),
    ("(innovation_rate > 1) + 1 > 0", "arithmetic needs numbers"),
    ("'a' > 'b'", "not allowed"),
    ("", "empty"),
])
def test_bad_expressions_are_refused_with_the_grammar(text, message):
    with pytest.raises(DiscoveryError, match=message) as info:
        parse_failure(text)
    assert "gain.OUTPUT" in str(info.value)  # the message teaches the grammar
