"""Fixtures for the exercise tests: paired runs of every exercise, computed once per session in one
pool (the exercises share their seeds, so a worker spins each seed up once for all of them).

The "should see" checks of every exercise run on the first `SHOULD_SEE_SEEDS` of its answer key's
seeds (the exercise's own seed first); the exercises in `KEY_SAMPLE` get all of the key's seeds, so
that their answers can be recomputed and compared with exercises/answers.json (the whole key takes
about a minute on two busy cores: `trustsim exercises key` recomputes it).
"""

from __future__ import annotations

import pytest

from trustsim.teach.exercises import (
    DEFAULT_REPLICATIONS,
    key_seeds,
    list_exercises,
    many_exercise_runs,
)

SHOULD_SEE_SEEDS = 6
# one of each kind: a plain paired comparison, the scandal's gap measures, the mean over seeds
KEY_SAMPLE = ("budget-horizon", "scandal-hysteresis", "reading-uncertainty")


@pytest.fixture(scope="session")
def exercises():
    return list_exercises()


@pytest.fixture(scope="session")
def key_runs(exercises):
    """{exercise id: [(run A, run B) per seed]}: all key seeds for KEY_SAMPLE, else the first
    SHOULD_SEE_SEEDS of them."""
    items = []
    for e in exercises:
        seeds = key_seeds(e, DEFAULT_REPLICATIONS)
        items.append((e, seeds if e.ident in KEY_SAMPLE else seeds[:SHOULD_SEE_SEEDS]))
    runs = many_exercise_runs(items, 2)
    return {e.ident: r for e, r in zip(exercises, runs, strict=True)}
