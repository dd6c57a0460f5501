"""Texts for teaching: glossary, claims and every scenario's Info text exist in both languages, and
the printed worksheets and teacher's guide shipped in docs/teaching/ are what the generator makes
now (so they cannot go stale)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.model.scenarios import INFO_SECTIONS, ScenarioError, list_scenarios, load_scenario
from trustsim.teach.exercises import LANGS, ExerciseError, answer_key
from trustsim.teach.teaching import (
    claim_codes,
    claim_text,
    exercise_guide,
    glossary,
    number,
    paper_files,
    scenario_info,
    worksheet,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "teaching"
# the words the brief and the seed name; each must be in the glossary in its Swedish form
SWEDISH_TERMS = ("kontrollspärr", "försökskultur", "tillitsbaserad styrning",
                 "återrapporteringskrav", "sakanslag", "regleringsbrev", "RUM", "dispens",
                 "anslag", "rättssäkerhet", "nyttorealisering", "försöksverksamhet")


def test_glossary_has_every_term_in_both_languages():
    en, sv = glossary("en"), glossary("sv")
    assert len(en) == len(sv) >= 25
    for term, text in en + sv:
        assert term.strip() and len(text) > 40, (term, text)
    swedish = " ".join(term for term, _ in sv)
    for word in SWEDISH_TERMS:
        assert word in swedish, word
    assert [t for t, _ in sv] == sorted((t for t, _ in sv), key=str.casefold)


def test_every_claim_is_written_out_in_both_languages():
    assert claim_codes() == [f"C{i}" for i in range(1, 15)]
    for code in claim_codes():
        en, sv = claim_text(code, "en"), claim_text(code, "sv")
        assert len(en) > 60 and len(sv) > 60 and en != sv, code
    assert "30 MSEK" in claim_text("C13", "en") and "30 miljoner" in claim_text("C13", "sv")
    assert "femtedel" in claim_text("C2", "sv")
    with pytest.raises(ExerciseError, match="C15"):
        claim_text("C15", "en")
    with pytest.raises(ExerciseError, match="allowed: en, sv"):
        claim_text("C1", "fi")


def test_every_scenario_has_its_info_text_in_both_languages():
    for sc in list_scenarios():
        for lang in LANGS:
            info = scenario_info(sc.name, lang)
            assert list(info) == list(INFO_SECTIONS), (sc.name, lang)
            assert all(len(text) > 40 for text in info.values()), (sc.name, lang)
        assert scenario_info(sc.name, "en") != scenario_info(sc.name, "sv")


def test_a_bad_info_table_is_refused_with_its_key(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'title = { en = "T", sv = "T" }\ndescription = { en = "D", sv = "D" }\n'
        '[info]\nthings_to_notce = { en = "x", sv = "y" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="info.things_to_notce; did you mean 'things_to_notice'"):
        load_scenario(path)
    path.write_text(
        'title = { en = "T", sv = "T" }\ndescription = { en = "D", sv = "D" }\n'
        '[info]\nwhat_is_it = { en = "x" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match="'info.what_is_it' must be a table"):
        load_scenario(path)


def test_numbers_print_the_swedish_way():
    assert number(0.1404, "sv") == "0,14" and number(0.1404, "en") == "0.14"
    assert number(-28.71, "sv") == "−28,7" and number(44246.2, "en") == "44246"
    assert number(None, "en") == "–"


def test_worksheets_have_no_answers_and_the_guide_has_the_model_key(exercises):
    e = next(x for x in exercises if x.ident == "budget-horizon")
    key = answer_key(e)
    sheet = worksheet(e, "sv")
    assert e.title["sv"] in sheet and "Namn:" in sheet and "Facit" not in sheet
    assert number(key["innovation-gain"].value, "sv") not in sheet
    guide = exercise_guide(e, "sv")
    assert "Facit (beräknat av modellen)" in guide
    assert number(key["innovation-gain"].value, "sv") in guide
    assert number(key["innovation-gain"].low, "sv") in guide


def test_the_shipped_paper_copies_equal_what_the_generator_makes_now():
    for lang in LANGS:
        expected = paper_files(lang)
        folder = DOCS / lang
        shipped = {p.name for p in folder.glob("*.md")} if folder.is_dir() else set()
        assert shipped == set(expected), (
            f"docs/teaching/{lang} differs in files; run `trustsim exercises docs`: "
            f"{sorted(shipped ^ set(expected))}"
        )
        stale = [n for n, text in expected.items()
                 if (folder / n).read_text(encoding="utf-8") != text]
        assert not stale, f"docs/teaching/{lang}: {stale} are stale; run `trustsim exercises docs`"


def test_the_teachers_doc_lists_every_exercise_with_its_minutes(exercises):
    text = (DOCS.parent / "teaching.md").read_text(encoding="utf-8")
    for e in exercises:
        assert f"| {e.minutes} | `{e.ident}` |" in text, f"docs/teaching.md: {e.ident}"
