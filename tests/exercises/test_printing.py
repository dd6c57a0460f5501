"""Printed worksheets, guide and glossary (issue 25.10): rendered by a CommonMark parser, with the
page's step numbers ("Steg 3 av 8"), as HTML and as PDF.

python-markdown read the 3-space list indentation of the old worksheets wrongly (step 5 printed
as "1.", steps 3-4 became bullets, "[ ]" stayed literal); these tests read the rendered HTML.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from trustsim.app.i18n import t
from trustsim.teach.exercises import LANGS, list_exercises
from trustsim.teach.teaching import (
    BOX,
    LEVER_NAMES,
    exercise_guide,
    glossary,
    glossary_page,
    html_page,
    pdf_document,
    teachers_guide,
    worksheet,
)


def step_numbers(html: str, lang: str) -> list[tuple[int, int]]:
    """The (N, M) of every "Step N of M" heading in the rendered page, in order."""
    word, of = {"en": ("Step", "of"), "sv": ("Steg", "av")}[lang]
    return [(int(n), int(m)) for n, m in re.findall(rf"<strong>{word} (\d+) {of} (\d+) ·", html)]


@pytest.mark.parametrize("lang", LANGS)
def test_worksheets_and_the_guide_number_the_steps_as_the_page_does(lang):
    guide = html_page(teachers_guide(lang), lang)
    guide_numbers = step_numbers(guide, lang)
    at = 0
    for e in list_exercises():
        n = len(e.steps)
        expected = [(i, n) for i in range(1, n + 1)]
        sheet = html_page(worksheet(e, lang), lang)
        assert step_numbers(sheet, lang) == expected, e.ident
        assert step_numbers(html_page(exercise_guide(e, lang), lang), lang) == expected, e.ident
        assert guide_numbers[at : at + n] == expected, e.ident  # the guide, exercise by exercise
        at += n
        # the page's own words for the same step
        page_words = t("ex.progress", lang, step=n, steps=n)
        assert page_words in worksheet(e, lang), (e.ident, page_words)
        for html in (sheet,):
            assert "<pre>" not in html and "<code>   " not in html  # no indented code block
            assert "[ ]" not in html  # no literal task boxes
            assert "<ol" not in html  # steps are headed, not a list a renderer may renumber
        if any(s.question is not None and s.question.kind == "choice" for s in e.steps):
            assert f"<li>{BOX} (a) " in sheet, e.ident
    assert at == len(guide_numbers)


@pytest.mark.parametrize("lang", LANGS)
def test_worksheets_name_levers_in_words_not_variable_names(lang):
    """Issue 25, leftover: the worksheet printed `scandal_size` = 2 (a variable name and a raw
    value); a student reads the lever as the page names it, and no file name of a scenario."""
    for e in list_exercises():
        sheet = worksheet(e, lang)
        setup = sheet.split("\n## ")[1]  # the "Setup" section
        assert "`" not in setup, (e.ident, setup)  # no code-formatted names at all
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", setup), (e.ident, setup)
        for run in (e.run_a, e.run_b):
            for lever in (run.levers if run else {}):
                assert lever in LEVER_NAMES, f"{e.ident}: name lever {lever} in LEVER_NAMES"
                assert LEVER_NAMES[lever][lang] in setup, (e.ident, lever)
                with contextlib.suppress(KeyError):  # as the page names it, where it has one
                    assert LEVER_NAMES[lever][lang] == t(f"lever.{lever}.label", lang).lower()
    sheet = worksheet("scandal-hysteresis", lang)
    assert {"sv": "skandalens storlek: 2", "en": "size of a scandal: 2"}[lang] in sheet
    assert {"sv": "kvartal 12 (år 3)", "en": "quarter 12 (year 3)"}[lang] in sheet


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_prints_every_term(lang):
    html = html_page(glossary_page(lang), lang)
    terms = glossary(lang)
    assert len(terms) >= 10
    for term, _ in terms:
        assert f"<strong>{term}</strong>" in html


def test_pdfs_are_made_when_weasyprint_is_installed(tmp_path):
    weasyprint = pytest.importorskip("weasyprint", reason="pip install 'trustsim[print]'")
    exercise = list_exercises()[0]
    for text in (worksheet(exercise, "sv"), glossary_page("sv")):
        pdf = pdf_document(text, "sv")
        assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
        pages = weasyprint.HTML(string=html_page(text, "sv")).render().pages
        assert 1 <= len(pages) <= 12
