"""The lessons hold under the shipped model, and the shipped answer key is what the model computes.

- every exercise's machine-checkable "should see" claims hold over its key's seeds (the exercise's
  own seed and DEFAULT_REPLICATIONS paired seeds): a model change that breaks a lesson fails here;
- `exercises/answers.json` equals a fresh computation from the same runs (deterministic; for a
  sample of the exercises, see conftest.py), so the page and the printed guide show no stale key;
- `check_answer` accepts inside and rejects outside a band; a lesson whose answer no option
  matches is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from trustsim.teach.exercises import (
    DEFAULT_REPLICATIONS,
    Answer,
    Check,
    ExerciseError,
    Statistic,
    answer_key,
    answers_path,
    check_answer,
    check_should_see,
    compute_answer_key,
    key_document,
    read_answer_document,
    statistic_value,
)

from .conftest import KEY_SAMPLE


def test_what_students_should_see_holds_under_the_shipped_model(exercises, key_runs):
    failures = [f for e in exercises for f in check_should_see(e, key_runs[e.ident])]
    assert not failures, "\n".join(failures)


def same_answer(stored: dict | None, fresh: dict) -> bool:
    """Equal, numbers up to their last kept digit (the key keeps 6 significant digits; a float
    difference in the 12th digit, as between machines, may move a rounding by one unit)."""
    if stored is None or set(stored) != set(fresh):
        return False
    for field, value in fresh.items():
        if isinstance(value, float) and isinstance(stored[field], (int, float)):
            if not math.isclose(stored[field], value, rel_tol=1e-5, abs_tol=1e-12):
                return False
        elif stored[field] != value:
            return False
    return True


def test_the_shipped_answer_key_equals_a_fresh_computation(exercises, key_runs):
    # a sample (tests/exercises/conftest.py: KEY_SAMPLE); the other answers are checked against
    # the exercise's own seed below, and `trustsim exercises key` recomputes them all
    document = read_answer_document()
    assert document["replications"] == DEFAULT_REPLICATIONS
    fresh = {
        e.ident: compute_answer_key(e, DEFAULT_REPLICATIONS, runs=key_runs[e.ident])
        for e in exercises
        if e.ident in KEY_SAMPLE
    }
    assert len(fresh) == len(KEY_SAMPLE)
    expected = json.loads(json.dumps(key_document(fresh, DEFAULT_REPLICATIONS)["exercises"]))
    stale = [
        f"{ident}.{q}: file {document['exercises'].get(ident, {}).get(q)} != model {a}"
        for ident, answers in expected.items()
        for q, a in answers.items()
        if not same_answer(document["exercises"].get(ident, {}).get(q), a)
    ]
    assert not stale, "exercises/answers.json is stale; run `trustsim exercises key --write`:\n" + (
        "\n".join(stale)
    )
    assert set(document["exercises"]) == {e.ident for e in exercises}, "answers for other exercises"


def test_the_key_the_page_reads_answers_every_question(exercises):
    for e in exercises:
        key = answer_key(e)
        assert set(key) == {q.ident for q in e.questions}
        for q in e.questions:
            a = key[q.ident]
            assert a.kind == q.kind
            if q.kind == "choice":
                assert a.correct is not None and 0 <= a.correct < len(q.options)
            if q.kind == "numeric":
                assert a.low <= a.value <= a.high, a
                assert a.replications == DEFAULT_REPLICATIONS


def test_the_run_on_the_page_is_inside_every_numeric_band(exercises, key_runs):
    # the exercise's own seed is the run students read; its value must be accepted
    for e in exercises:
        key = answer_key(e)
        own_a, own_b = key_runs[e.ident][0]
        for q in e.questions:
            if q.kind != "numeric" or q.statistic.summary != "runs":
                continue
            value = statistic_value(q.statistic, own_a, own_b, e.scandal_quarter)
            assert check_answer(key[q.ident], value), (e.ident, q.ident, value, key[q.ident])


def test_check_answer_accepts_inside_and_rejects_outside_a_band():
    a = Answer("q", "numeric", 10.0, 8.0, 12.5, None, 12)
    assert check_answer(a, 10) and check_answer(a, 8.0) and check_answer(a, "12,5")
    assert check_answer(a, "\u22120") is False  # −0 is outside [8, 12.5]
    assert not check_answer(a, 7.9) and not check_answer(a, 12.6)
    assert not check_answer(a, "abc") and not check_answer(a, None)
    assert not check_answer(a, float("nan")) and not check_answer(a, float("inf"))
    negative = Answer("q", "numeric", -28.7, -34.1, -21.7, None, 12)
    assert check_answer(negative, "−30") and not check_answer(negative, 30)
    choice = Answer("q", "choice", 1.0, 0.5, 1.5, 2, 12)
    assert check_answer(choice, 2) and not check_answer(choice, 1) and not check_answer(choice, True)
    open_ = Answer("q", "open", None, None, None, None, 0)
    assert check_answer(open_, "Because peers follow peers.") and not check_answer(open_, "  ")


def test_a_broken_lesson_fails_the_checks(exercises, key_runs):
    e = next(x for x in exercises if x.ident == "budget-horizon")
    runs = key_runs[e.ident]
    # the same claim turned round: longer budgets would *lower* innovation
    wrong = Check(Statistic("innovation_rate", "b-a", (9.0, 10.0)), sign="negative")
    assert check_should_see(replace(e, checks=(wrong,)), runs)
    too_big = Check(Statistic("innovation_rate", "b-a", (9.0, 10.0)), at_least=1e6)
    assert check_should_see(replace(e, checks=(too_big,)), runs)
    # a choice question whose right answer ("above") no option offers is refused
    steps = list(e.steps)
    i = next(k for k, s in enumerate(steps) if s.question and s.question.ident == "predict-innovation")
    q = steps[i].question
    steps[i] = replace(steps[i], question=replace(q, options=q.options[1:], when=q.when[1:]))
    with pytest.raises(ExerciseError, match="no option has when = 'above'"):
        compute_answer_key(replace(e, steps=tuple(steps)), runs=runs)


def test_statistics_measure_the_window_they_name():
    quarters = np.arange(41, dtype=float)
    a = np.zeros((41, 12))
    b = np.zeros((41, 12))
    b[:, 0] = quarters  # innovation_rate of B = the quarter number
    assert statistic_value(Statistic("innovation_rate", "b", (9.0, 10.0)), a, b) == 38.5
    assert statistic_value(Statistic("innovation_rate", "b-a", (0.0, 1.0), "peak"), a, b) == 4
    # a gap that rises from the scandal (quarter 12) to its peak 4 quarters later, then falls
    gap = np.zeros(41)
    gap[12:17] = [1, 2, 3, 4, 5]
    gap[17:] = np.linspace(5, 0, 24)
    b[:, 0] = gap
    peak = Statistic("innovation_rate", "b-a", (3.0, 10.0), "time_to_peak_years")
    half = Statistic("innovation_rate", "b-a", (3.0, 10.0), "half_life_years")
    assert statistic_value(peak, a, b, scandal_quarter=12) == 1.0
    # peak 5 at quarter 16; 5 - 5k/23 <= 2.5 first at k = 12, i.e. quarter 29: 13 quarters
    assert statistic_value(half, a, b, scandal_quarter=12) == 13 / 4


def test_the_key_file_is_json_with_its_provenance():
    document = json.loads(answers_path().read_text(encoding="utf-8"))
    assert {"trustsim_version", "model_hash", "replications", "exercises"} <= set(document)
    assert len(document["model_hash"]) == 64


def test_a_stale_key_is_noticed():
    fresh = {"kind": "numeric", "value": 44.2462, "low": 36.1083, "high": 56.7757,
             "correct": None, "replications": 12}
    assert same_answer(dict(fresh), fresh)
    assert same_answer(dict(fresh, value=44.2463), fresh)  # one unit in the last kept digit
    assert not same_answer(dict(fresh, value=44.5), fresh)
    assert not same_answer(dict(fresh, high=50.0), fresh)
    assert not same_answer(dict(fresh, replications=30), fresh)
    assert not same_answer(None, fresh)
