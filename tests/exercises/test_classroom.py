"""Exercises as a class runs them (issue 25): what a student sees when a question is asked.

Each test reads the shipped exercise files, so a new exercise that gives its answer away, asks
for a lever change the page cannot make, or asks for a number no chart shows fails here.
"""

from __future__ import annotations

import re

from trustsim.teach.exercises import list_exercises


def _played_before(exercise, index: int) -> int:
    """The quarter the page has reached when step `index` is shown (its run steps so far)."""
    years = [s.play_to_year for s in exercise.steps[:index] if s.kind == "run"]
    return 4 * max(years, default=0)


def test_a_prediction_is_asked_before_the_page_shows_its_answer():
    """Issue 25.5: "play to year 3, just before the scandal" stopped at quarter 12, the scandal's
    quarter, so the jump was on the screen when students were asked to predict it."""
    for e in list_exercises():
        for i, step in enumerate(e.steps):
            q = step.question
            if step.kind != "predict" or q is None or q.statistic is None:
                continue
            played = _played_before(e, i)
            first = 4 * q.statistic.years[0] + 1  # the window's first quarter
            assert played < first, (e.ident, q.ident, played, first)
            if e.scandal_quarter is not None:
                assert played < e.scandal_quarter, (e.ident, q.ident, played, e.scandal_quarter)


LEVER_B = re.compile(
    r"(in run B|run B's|give run B|körning B:s|i körning B|ge körning B|i båda körningarna"
    r"|in both runs)",
    re.IGNORECASE,
)


def test_try_it_yourself_steps_change_run_a_the_only_run_the_levers_move():
    """Issue 25.6: steps asked students to change levers in run B ("i båda körningarna")."""
    for e in list_exercises():
        for step in e.steps:
            for lang in ("en", "sv"):
                text = step.text[lang]
                if re.search(r"Try it yourself|Pröva själva", text):
                    assert not LEVER_B.search(text), (e.ident, lang, text)
