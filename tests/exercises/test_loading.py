"""Exercise files: every shipped one loads and covers the course; bad files are refused with an
ExerciseError that names the file, the key and what is allowed."""

from __future__ import annotations

import pytest

from trustsim.teach.exercises import (
    EXERCISE_DIR,
    LANGS,
    ExerciseError,
    list_exercise_ids,
    list_exercises,
    load_exercise,
)

BASE = "budget-horizon"  # the file the bad-file cases are made from


def test_every_exercise_loads_and_the_set_spans_a_course(exercises):
    assert len(exercises) >= 8
    assert [e.ident for e in exercises] == [e.ident for e in list_exercises()]
    assert sorted(e.ident for e in exercises) == list_exercise_ids()
    minutes = [e.minutes for e in exercises]
    assert minutes == sorted(minutes), "list_exercises() is sorted by minutes"
    assert minutes[0] <= 15 and minutes[-1] >= 90, minutes
    claims = {c for e in exercises for c in e.claims}
    # the seed's themes: budgets, fragmentation, legitimacy, the chain, risk/tipping/scandal
    for needed in ("C1", "C4", "C5", "C6", "C7", "C10", "C12", "C13", "C14"):
        assert needed in claims, needed
    assert any(e.scandal_quarter is not None for e in exercises), "a scandal exercise"
    assert any(
        q.statistic is not None and q.statistic.summary == "mean"
        for e in exercises
        for q in e.questions
    ), "an exercise on reading uncertainty (a question about the mean over seeds)"


def test_each_exercise_is_predict_run_explain_in_both_languages(exercises):
    for e in exercises:
        kinds = [s.kind for s in e.steps]
        assert {"predict", "run", "explain"} <= set(kinds), e.ident
        kinds_of_questions = {q.kind for q in e.questions}
        assert "choice" in kinds_of_questions or "numeric" in kinds_of_questions, e.ident
        texts = [e.title, e.goal, e.should_see, e.debrief, *(s.text for s in e.steps)]
        texts += [q.text for q in e.questions] + [o for q in e.questions for o in q.options]
        for text in texts:
            assert set(text) >= set(LANGS) and all(text[lang].strip() for lang in LANGS), text
        assert e.world in ("teaching", "state") and e.scale <= 0.05, "small and fast"
        assert e.checks, e.ident


def test_exercises_ship_with_the_package_data_folders():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shipped = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["trustsim"]
    assert "exercises" in shipped["shipped-folders"]
    assert EXERCISE_DIR == root / "exercises"


def _variant(tmp_path, old: str, new: str, name: str = BASE):
    text = (EXERCISE_DIR / f"{BASE}.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


BAD = [
    # (old text, new text, words the message must contain)
    ("minutes = 20", "minute = 20", ["unknown key 'minute'", "did you mean 'minutes'"]),
    ('id = "budget-horizon"', 'id = "other"', ["key 'id'", "file name"]),
    ('level = "intro"', 'level = "expert"', ["key 'level'", "'expert'", "intro"]),
    ('world = "state"', 'world = "moon"', ["setup.world", "teaching"]),
    ("scale = 0.01", "scale = 0.001", ["setup.scale", "allowed"]),
    ('run_b = { scenario = "multi-year-budget" }', 'run_b = { scenario = "multi-year-budgte" }',
     ["setup.run_b.scenario", "did you mean 'multi-year-budget'"]),
    ('run_a = { scenario = "baseline-control" }',
     'run_a = { scenario = "baseline-control", levers = { budget_horizon = 3 } }',
     ["setup.run_a.levers.budget_horizon", "budget_horizon_years"]),
    ('run_a = { scenario = "baseline-control" }',
     'run_a = { scenario = "baseline-control", levers = { budget_horizon_years = 9 } }',
     ["setup.run_a.levers.budget_horizon_years", "[1, 4]"]),
    ('statistic = { output = "innovation_rate", run = "b-a", years = [9, 10] }',
     'statistic = { output = "innovation", run = "b-a", years = [9, 10] }',
     ["steps[1].question.statistic.output", "innovation_rate"]),
    ('years = [9, 10] }', 'years = [9, 11] }', ["statistic.years", "<= 10"]),
    ('{ en = "about the same", sv = "ungefär detsamma", when = "unclear" },',
     '{ en = "about the same", sv = "ungefär detsamma" },',
     ["steps[1].question.options[1].when", "missing"]),
    ('when = "unclear" },', 'when = "maybe" },', ["options[1].when", "above, below, unclear"]),
    ("play_to_year = 2\n", "", ["steps[2].play_to_year", "missing"]),
    ("play_to_year = 2\n", "play_to_year = 12\n", ["steps[2].play_to_year", "[1, 10]"]),
    (('unit = { en = "innovations per 1 000 staff per year", sv = "innovationer per 1 000 '
     'medarbetare och år" }\n'), "", ["steps[4].question.unit", "unit"]),
    ("checks = [", "checks = [] \nold_checks = [", ["should_see", "checks"]),
    ('title = { en = "Short', 'title = { fr = "Short', ["key 'title'", "en", "sv"]),
    ("[setup]", "[setup\n", ["TOML syntax error"]),
]


@pytest.mark.parametrize(("old", "new", "words"), BAD, ids=[b[2][0] for b in BAD])
def test_bad_files_name_the_key_and_what_is_allowed(tmp_path, old, new, words):
    path = _variant(tmp_path, old, new)
    with pytest.raises(ExerciseError) as err:
        load_exercise(path)
    message = str(err.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message


def test_an_unknown_id_lists_the_known_exercises():
    with pytest.raises(ExerciseError) as err:
        load_exercise("budget-horizn")
    assert "did you mean 'budget-horizon'" in str(err.value)
    assert "Known exercises:" in str(err.value)


def test_the_base_file_itself_loads(tmp_path):
    e = load_exercise(_variant(tmp_path, "minutes = 20", "minutes = 20"))
    assert e.ident == BASE and e.minutes == 20 and e.run_b.scenario == "multi-year-budget"
