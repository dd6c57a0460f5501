"""`trustsim exercises`: the subcommands work, and bad input is one clear line with exit code 2."""

from __future__ import annotations

import pytest


def test_list_shows_every_exercise_shortest_first(cli, exercises):
    code, out, err = cli("exercises", "list", "--lang", "sv")
    assert code == 0, err
    positions = [out.index(e.ident) for e in exercises]
    assert positions == sorted(positions)
    assert exercises[0].title["sv"] in out
    for english in ("intro", "intermediate", "advanced"):  # issue 25.12: levels in Swedish
        assert not any(line.split()[3:4] == [english] for line in out.splitlines()), english
    assert "introduktion" in out


def test_show_prints_the_teachers_view_with_the_key(cli):
    code, out, err = cli("exercises", "show", "tipping-point", "--lang", "en")
    assert code == 0, err
    assert "Answer key (computed by the model)" in out and "Debrief" in out


def test_worksheet_and_guide_write_files(cli, tmp_path):
    target = tmp_path / "sheet.md"
    code, out, err = cli("exercises", "worksheet", "first-contact", "--lang", "sv", "--out", target)
    assert code == 0, err
    assert "Första mötet" in target.read_text(encoding="utf-8")
    code, out, err = cli("exercises", "guide", "--lang", "en")
    assert code == 0 and out.startswith("# Teacher's guide"), err
    code, out, err = cli("exercises", "docs", "--out", tmp_path / "paper")
    assert code == 0, err
    assert (tmp_path / "paper" / "sv" / "guide.md").is_file()


def test_html_for_printing(cli, tmp_path):
    pytest.importorskip("markdown_it")
    target = tmp_path / "guide.html"
    code, _out, err = cli("exercises", "guide", "--lang", "sv", "--html", "--out", target)
    assert code == 0, err
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="sv">' in page
    assert "<h2>Ordlista</h2>" in page and "<table>" in page


def test_pdf_for_printing_and_the_glossary(cli, tmp_path):
    code, _out, err = cli("exercises", "glossary", "--lang", "sv", "--pdf")
    assert code == 2 and "--out" in err  # a PDF is a file
    pytest.importorskip("weasyprint", reason="pip install 'trustsim[print]'")
    target = tmp_path / "ordlista.pdf"
    code, _out, err = cli("exercises", "glossary", "--lang", "sv", "--pdf", "--out", target)
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-")
    code, out, err = cli("exercises", "glossary", "--lang", "sv")
    assert code == 0 and out.startswith("# trustsim · Ordlista"), err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["exercises", "show", "no-such-exercise"], "exercise not found"),
        (["exercises", "worksheet", "budget-horizon"], "--lang"),
        (["exercises", "worksheet", "budget-horizon", "--lang", "fi"], "invalid choice"),
        (["exercises", "key", "--replications", "2"], "allowed is an integer in [5, 1000]"),
        (["exercises", "guide", "--lang", "sv", "--out", "/proc/no/such/dir/guide.md"],
         "cannot write"),
        (["exercises"], "ACTION"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2, (code, out, err)
    assert words in err, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("trustsim")]
    assert len(lines) == 1, err
