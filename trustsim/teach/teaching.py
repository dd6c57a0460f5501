"""Texts for teaching, in English and Swedish: the glossary, the seed's claims written out, each
scenario's Info text, and the printable worksheets and teacher's guide of the exercises.

- `glossary(lang)`: (term, definition) pairs from `trustsim/teach/data/glossary.toml`, sorted by term;
- `claim_text(code, lang)`: claim C1…C14 written out (`trustsim/teach/data/claims.toml`, from the seed);
- `scenario_info(name, lang)`: the scenario file's `[info]` sections (NetLogo's Info tab);
- `worksheet(exercise, lang)` and `teachers_guide(lang)`: Markdown for paper. The guide's answer
  key is read from the generated `exercises/answers.json` (computed by the model, never typed), so
  the printed key stays true; `docs/teaching/` holds generated copies and a test checks that they
  equal what these functions produce now.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from ..model.scenarios import INFO_SECTIONS, load_scenario
from .exercises import (
    BAND,
    LANGS,
    Answer,
    Exercise,
    ExerciseError,
    Question,
    Statistic,
    answer_key,
    list_exercises,
    read_answer_document,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

SECTION_TITLES = {
    "what_is_it": {"en": "What is it?", "sv": "Vad är det?"},
    "how_it_works": {"en": "How it works", "sv": "Hur det fungerar"},
    "things_to_notice": {"en": "Things to notice", "sv": "Saker att lägga märke till"},
    "things_to_try": {"en": "Things to try", "sv": "Saker att prova"},
}
LEVEL_NAMES = {
    "intro": {"en": "introduction", "sv": "introduktion"},
    "intermediate": {"en": "intermediate", "sv": "fortsättning"},
    "advanced": {"en": "advanced", "sv": "fördjupning"},
}
WORLD_NAMES = {
    "teaching": {"en": "teaching world", "sv": "undervisningsvärlden"},
    "state": {"en": "the state", "sv": "staten"},
    "public-sector": {"en": "the public sector", "sv": "hela offentliga sektorn"},
}
OUTPUT_NAMES = {
    "innovation_rate": {"en": "innovations per 1 000 staff per year",
                        "sv": "innovationer per 1 000 medarbetare och år"},
    "workplaces_innovating_2y": {"en": "share of work sites innovating in two years",
                                 "sv": "andel arbetsställen som innoverat på två år"},
    "experimentation_culture": {"en": "experimentation culture (share of staff)",
                                "sv": "försökskultur (andel av medarbetarna)"},
    "admin_burden": {"en": "administrative burden (share of time)",
                     "sv": "administrativ börda (andel av tiden)"},
    "incident_rate": {"en": "incidents per 1 000 staff per year",
                      "sv": "incidenter per 1 000 medarbetare och år"},
    "trust_orientation": {"en": "managers' trust orientation", "sv": "chefernas tillitsinriktning"},
    "steering_detail": {"en": "steering detail in effect", "sv": "faktisk detaljstyrning"},
    "cross_agency_resolved": {"en": "cross-agency issues resolved per 1 000 staff per year",
                              "sv": "lösta myndighetsövergripande frågor per 1 000 medarbetare och år"},
    "rule_blocked_ideas": {"en": "rule-blocked ideas per 1 000 staff per year",
                           "sv": "regelblockerade idéer per 1 000 medarbetare och år"},
    "programme_cost_msek": {"en": "programme cost (MSEK per year)",
                            "sv": "programkostnad (miljoner kronor per år)"},
    "innovation_value": {"en": "value of innovations per 1 000 staff per year",
                         "sv": "innovationernas värde per 1 000 medarbetare och år"},
    "reporting_demands": {"en": "reporting demands", "sv": "återrapporteringskrav"},
}
MEASURE_NAMES = {
    "mean": {"en": "mean", "sv": "medelvärde"},
    "peak": {"en": "highest value", "sv": "högsta värde"},
    "trough": {"en": "lowest value", "sv": "lägsta värde"},
    "time_to_peak_years": {"en": "years from the scandal to the largest gap",
                           "sv": "år från skandalen till den största skillnaden"},
    "half_life_years": {"en": "years from the largest gap until it has halved",
                        "sv": "år från den största skillnaden tills den har halverats"},
}
LEVER_NAMES = {  # the levers exercises set, as the page names them (app/strings.json "lever.*")
    "initial_trust_share": {"en": "trust-oriented managers at the start",
                            "sv": "tillitsorienterade chefer från start"},
    "sector_risk": {"en": "sector risk", "sv": "sektorns risk"},
    "scandal_size": {"en": "size of a scandal", "sv": "skandalens storlek"},
    "legitimacy_esv_budget": {"en": "ESV's legitimacy in budget matters",
                              "sv": "ESV:s legitimitet i budgetfrågor"},
    "legitimacy_digg_budget": {"en": "DIGG's legitimacy in budget matters",
                               "sv": "DIGG:s legitimitet i budgetfrågor"},
}
BOX = "\u2610"  # ☐: a box to tick on paper (a "[ ]" task item is not CommonMark)
WORDS = {
    "minutes": {"en": "min", "sv": "min"},
    "claims": {"en": "Claims", "sv": "Påståenden"},
    "goal": {"en": "Learning goal", "sv": "Lärandemål"},
    "setup": {"en": "Setup", "sv": "Uppställning"},
    "world": {"en": "World", "sv": "Värld"},
    "scale": {"en": "scale", "sv": "skala"},
    "seed": {"en": "seed", "sv": "slumpfrö"},
    "years": {"en": "years", "sv": "år"},
    "year": {"en": "year", "sv": "år"},
    "run_a": {"en": "Run A", "sv": "Körning A"},
    "run_b": {"en": "Run B", "sv": "Körning B"},
    "levers": {"en": "changed", "sv": "ändrat"},
    "scandal": {"en": "Visible scandal on run A in quarter", "sv": "Synlig skandal i körning A i kvartal"},
    "steps": {"en": "Steps", "sv": "Steg"},
    "predict": {"en": "Predict", "sv": "Förutsäg"},  # the page's words (app/strings.json)
    "step": {"en": "Step", "sv": "Steg"},
    "of": {"en": "of", "sv": "av"},
    "run": {"en": "Run", "sv": "Kör"},
    "explain": {"en": "Explain", "sv": "Förklara"},
    "question": {"en": "Question", "sv": "Fråga"},
    "play_to": {"en": "play to year", "sv": "spela till år"},
    "answer": {"en": "Your answer", "sv": "Ditt svar"},
    "name": {"en": "Name", "sv": "Namn"},
    "should_see": {"en": "What students should see", "sv": "Vad studenterna bör se"},
    "debrief": {"en": "Debrief", "sv": "Efterarbete"},
    "key": {"en": "Answer key (computed by the model)", "sv": "Facit (beräknat av modellen)"},
    "band": {"en": "accepted", "sv": "godtas"},
    "correct": {"en": "correct", "sv": "rätt"},
    "open": {"en": "open question: no key, discuss", "sv": "öppen fråga: inget facit, diskutera"},
    "model_value": {"en": "model", "sv": "modellen"},
    "glossary": {"en": "Glossary", "sv": "Ordlista"},
    "claims_title": {"en": "The seed's claims C1–C14", "sv": "Remissvarets påståenden C1–C14"},
    "exercises": {"en": "Exercises", "sv": "Övningar"},
    "level": {"en": "level", "sv": "nivå"},
    "statistic": {"en": "computed as", "sv": "beräknas som"},
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ExerciseError(f"language {lang!r} is not allowed; allowed: {', '.join(LANGS)}")
    return lang


@functools.cache
def _data(name: str) -> dict[str, Any]:
    with open(DATA_DIR / name, "rb") as fh:
        return tomllib.load(fh)


def glossary(lang: str) -> list[tuple[str, str]]:
    """(term, definition) pairs in `lang`, sorted by term (case-insensitive)."""
    lang = _lang(lang)
    entries = [tuple(entry[lang]) for entry in _data("glossary.toml").values()]
    return sorted(entries, key=lambda e: e[0].casefold())


def claim_codes() -> list[str]:
    return list(_data("claims.toml"))


def claim_text(code: str, lang: str) -> str:
    """Claim `code` (C1 … C14) of the seed, written out in `lang`."""
    lang = _lang(lang)
    claims = _data("claims.toml")
    if code not in claims:
        raise ExerciseError(f"claim {code!r} is unknown; allowed: {', '.join(claims)}")
    return claims[code][lang]


def scenario_info(name: str, lang: str) -> dict[str, str]:
    """The Info text of scenario `name` in `lang`: {section: text} in INFO_SECTIONS order (the
    sections the file has). Titles of the sections: `SECTION_TITLES`."""
    lang = _lang(lang)
    info = load_scenario(name).info
    return {section: info[section][lang] for section in INFO_SECTIONS if section in info}


# --------------------------------------------------------------------------- paper


def number(x: float | None, lang: str) -> str:
    """A number for print: three significant digits, a decimal comma and '−' in Swedish."""
    if x is None:
        return "–"
    text = f"{x:.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    if "e" in text:
        text = f"{x:.4f}"
    if text in ("-0", "-0.0"):
        text = "0"
    if lang == "sv":
        text = text.replace(".", ",")
    return text.replace("-", "−")


def _statistic_text(stat: Statistic, lang: str) -> str:
    run = {"a": "A", "b": "B", "b-a": "B − A"}[stat.run]
    start, end = number(stat.years[0], lang), number(stat.years[1], lang)
    years = {"en": f"years {start}–{end}", "sv": f"år {start}–{end}"}[lang]
    return (f"{MEASURE_NAMES[stat.measure][lang]}, {OUTPUT_NAMES[stat.output][lang]}, "
            f"{run}, {years}")


def _setup_lines(ex: Exercise, lang: str, idents: bool = True) -> list[str]:
    """The exercise's runs in words; `idents`: with the scenarios' file names (the teacher's
    guide, for `trustsim run`), not on the students' worksheet (the page shows titles)."""
    w = WORDS
    scale = "" if ex.world == "teaching" else f", {w['scale'][lang]} {number(ex.scale, lang)}"
    lines = [
        (f"- {w['world'][lang]}: {WORLD_NAMES[ex.world][lang]}{scale}, {w['seed'][lang]} "
        f"{ex.seed}, {ex.years} {w['years'][lang]}")
    ]
    for key, run in (("run_a", ex.run_a), ("run_b", ex.run_b)):
        if run is None:
            continue
        title = load_scenario(run.scenario).title[lang]
        changed = ""
        if run.levers:
            items = ", ".join(
                f"{lever_name(k, lang)}: {_value(v, lang)}" for k, v in sorted(run.levers.items())
            )
            changed = f" — {w['levers'][lang]}: {items}"
        ident = f" (`{run.scenario}`)" if idents else ""
        lines.append(f"- {w[key][lang]}: *{title}*{ident}{changed}")
    if ex.scandal_quarter is not None:
        year = number(ex.scandal_quarter / 4, lang)
        lines.append(f"- {w['scandal'][lang]} {ex.scandal_quarter} ({w['year'][lang]} {year})")
    return lines


def lever_name(name: str, lang: str) -> str:
    """A lever in words for print ("skandalens storlek"), not its variable name; a lever without
    a name here is printed as `name` (tests/exercises keep every exercise's levers named)."""
    names = LEVER_NAMES.get(name)
    return names[lang] if names else f"`{name}`"


def _value(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return number(float(v), lang) if isinstance(v, float) else str(v)


def _header(ex: Exercise, lang: str) -> list[str]:
    w = WORDS
    return [
        f"# {ex.title[lang]}",
        "",
        (f"*{ex.minutes} {w['minutes'][lang]} · {w['level'][lang]}: "
        f"{LEVEL_NAMES[ex.level][lang]} · {w['claims'][lang]} {', '.join(ex.claims)} · "
        f"`{ex.ident}`*"),
        "",
        f"**{w['goal'][lang]}.** {ex.goal[lang]}",
        "",
    ]


def _question_lines(q: Question, lang: str, blank: bool) -> list[str]:
    """The question under its step: no list indentation (a CommonMark renderer and a reader of
    the Markdown see the same thing), choices as boxes to tick."""
    lines = [f"*{q.text[lang]}*", ""]
    if q.kind == "choice":
        lines += [f"- {BOX} ({chr(97 + i)}) {o[lang]}" for i, o in enumerate(q.options)]
        lines.append("")
    elif blank and q.kind == "numeric":
        lines += [f"{WORDS['answer'][lang]}: ______________ {q.unit[lang]}", ""]
    elif blank:
        lines += [f"{WORDS['answer'][lang]}:", "", "_" * 60, "", "_" * 60, ""]
    return lines


def worksheet(exercise: Exercise | str, lang: str) -> str:
    """A printable worksheet for students (Markdown): goal, setup, claims, steps with space to
    answer. No answers."""
    lang = _lang(lang)
    ex = exercise if isinstance(exercise, Exercise) else _load(exercise)
    w = WORDS
    lines = [*_header(ex, lang), f"{w['name'][lang]}: ______________________________", ""]
    lines += [f"## {w['setup'][lang]}", "", *_setup_lines(ex, lang, idents=False), ""]
    lines += [f"## {w['claims'][lang]}", ""]
    lines += [f"- **{c}** {claim_text(c, lang)}" for c in ex.claims]
    lines += ["", f"## {w['steps'][lang]}", ""]
    for i, step in enumerate(ex.steps, 1):
        lines += _step_lines(i, len(ex.steps), step, lang, blank=True)
    return "\n".join(lines).rstrip() + "\n"


def _step_lines(i: int, n: int, step, lang: str, blank: bool) -> list[str]:
    """A step headed as the page heads it ("Steg 3 av 8 · Förutsäg"), so paper and screen agree."""
    w = WORDS
    head = f"{w['step'][lang]} {i} {w['of'][lang]} {n} · {w[step.kind][lang]}"
    if step.kind == "run":
        head += f" ({w['play_to'][lang]} {step.play_to_year})"
    lines = [f"**{head}.** {step.text[lang]}", ""]
    if step.question is not None:
        lines += _question_lines(step.question, lang, blank)
    return lines


def _answer_text(q: Question, a: Answer, lang: str) -> str:
    w = WORDS
    if q.kind == "open" and a.value is None:
        return w["open"][lang]
    reps = {"en": f"{a.replications} paired replications + the exercise's seed",
            "sv": f"{a.replications} parade replikeringar + övningens slumpfrö"}[lang]
    band = f"{number(a.low, lang)} … {number(a.high, lang)}"
    rule = _rule_text(q.statistic, lang)
    if q.kind == "choice":
        option = q.options[a.correct][lang] if a.correct is not None else "–"
        return (f"{w['correct'][lang]}: ({chr(97 + a.correct)}) {option} — "
                f"{w['model_value'][lang]} {number(a.value, lang)} [{band}], {rule}; {reps}")
    unit = q.unit.get(lang, "")
    return f"**{number(a.value, lang)}** {unit}; {w['band'][lang]} {band} — {rule}; {reps}"


def _rule_text(stat: Statistic | None, lang: str) -> str:
    if stat is None or stat.summary == "runs":
        lo, hi = (f"{p:g}" for p in BAND)
        return {"en": f"central 90 % of the runs ({lo}th–{hi}th percentile)",
                "sv": f"mittersta 90 % av körningarna ({lo}:e–{hi}:e percentilen)"}[lang]
    return {"en": "95 % confidence interval of the mean",
            "sv": "95-procentigt konfidensintervall för medelvärdet"}[lang]


def exercise_guide(exercise: Exercise | str, lang: str, key: dict[str, Answer] | None = None
                   ) -> str:
    """The teacher's view of one exercise (Markdown): setup, steps with the answer key, what
    students should see, debrief. The key comes from exercises/answers.json unless given."""
    lang = _lang(lang)
    ex = exercise if isinstance(exercise, Exercise) else _load(exercise)
    key = answer_key(ex) if key is None else key
    w = WORDS
    lines = [*_header(ex, lang)]
    lines += [f"### {w['setup'][lang]}", "", *_setup_lines(ex, lang), ""]
    lines += [f"### {w['steps'][lang]} — {w['key'][lang]}", ""]
    for i, step in enumerate(ex.steps, 1):
        lines += _step_lines(i, len(ex.steps), step, lang, blank=False)
        if step.question is not None:
            q = step.question
            lines += [f"➜ {_answer_text(q, key[q.ident], lang)}", ""]
            if q.statistic is not None:
                lines += [f"({w['statistic'][lang]}: {_statistic_text(q.statistic, lang)})", ""]
    lines += [f"### {w['should_see'][lang]}", "", ex.should_see[lang], ""]
    lines += [f"### {w['debrief'][lang]}", "", ex.debrief[lang], ""]
    return "\n".join(lines).rstrip() + "\n"


GUIDE_INTRO = {
    "en": """# Teacher's guide to the trustsim exercises

Generated by `trustsim exercises guide --lang en` from the exercise files and the model-computed
answer key (`exercises/answers.json`, trustsim {version}, model hash {hash}); do not edit by hand.
How to use the exercises, how the key is computed and a 45-minute class plan: docs/teaching.md.

**How the answer key is made.** Each exercise's setup is run at its own seed (the run the page
shows) and at {reps} further seeds from `replication_seeds`, run A and run B with the same seed
(paired, common random numbers). For a numeric question about what one run shows, the accepted
band is the central 90 % of the paired runs (5th to 95th percentile), widened to include the
exercise's own seed; for a question about the mean, the band is the 95 % confidence interval of
the mean; a numeric band is at least the value ± 5 % (the precision of reading a chart). A choice
is correct when the band lies above (or below) the question's reference value, or straddles it
("about the same"). Regenerate with `trustsim exercises key --write` after a model
change; a test fails while the key is stale.
""",
    "sv": """# Lärarhandledning till trustsims övningar

Genererad av `trustsim exercises guide --lang sv` från övningsfilerna och facit som modellen har
beräknat (`exercises/answers.json`, trustsim {version}, modellhash {hash}); redigera inte för hand.
Hur övningarna används, hur facit beräknas och en lektionsplan på 45 minuter: docs/teaching.md.

**Så tas facit fram.** Varje övnings uppställning körs med övningens eget slumpfrö (körningen som
sidan visar) och med {reps} ytterligare slumpfrön från `replication_seeds`, körning A och B med
samma slumpfrö (parade, gemensamma slumptal). För en numerisk fråga om vad en körning visar är det
godtagna intervallet de mittersta 90 % av de parade körningarna (5:e till 95:e percentilen), utvidgat
så att det innehåller övningens eget slumpfrö; för en fråga om medelvärdet är intervallet det
95-procentiga konfidensintervallet för medelvärdet; ett numeriskt intervall är minst värdet ± 5 %
(precisionen när man läser av ett diagram). Ett svarsalternativ är rätt när intervallet
ligger över (eller under) frågans referensvärde, eller omfattar det ("ungefär lika"). Generera om
med `trustsim exercises key --write` efter en modelländring; ett test fallerar så länge facit är
inaktuellt.
""",
}


def teachers_guide(lang: str) -> str:
    """The teacher's guide (Markdown): how the key is made, the exercises shortest first with
    their answer keys, the claims written out and the glossary."""
    lang = _lang(lang)
    document = read_answer_document()
    w = WORDS
    exercises = list_exercises()
    lines = [GUIDE_INTRO[lang].format(version=document.get("trustsim_version"),
                                      hash=str(document.get("model_hash"))[:12],
                                      reps=document.get("replications")).rstrip(), ""]
    lines += [f"## {w['exercises'][lang]}", ""]
    lines += ["| min | id | " + {"en": "title", "sv": "titel"}[lang] + " | "
              + w["claims"][lang] + " |", "|--:|---|---|---|"]
    lines += [f"| {e.minutes} | `{e.ident}` | {e.title[lang]} | {', '.join(e.claims)} |"
              for e in exercises]
    lines.append("")
    for e in exercises:
        lines += ["---", "", "#" + exercise_guide(e, lang)]  # its title one level down
    lines += ["---", "", f"## {w['claims_title'][lang]}", ""]
    lines += [f"- **{c}** {claim_text(c, lang)}" for c in claim_codes()]
    lines += ["", f"## {w['glossary'][lang]}", ""]
    lines += [f"- **{term}** — {text}" for term, text in glossary(lang)]
    return "\n".join(lines).rstrip() + "\n"


def _load(ident: str) -> Exercise:
    from .exercises import load_exercise

    return load_exercise(ident)


def paper_files(lang: str) -> dict[str, str]:
    """Every printable file for `lang`: {file name: Markdown} — the guide and one worksheet per
    exercise (what `trustsim exercises docs` writes to docs/teaching/<lang>/)."""
    lang = _lang(lang)
    files = {"guide.md": teachers_guide(lang)}
    for e in list_exercises():
        files[f"worksheet-{e.ident}.md"] = worksheet(e, lang)
    return files


def glossary_page(lang: str) -> str:
    """The glossary as a printable page (Markdown): every term with its definition."""
    lang = _lang(lang)
    w = WORDS
    lines = [f"# trustsim · {w['glossary'][lang]}", ""]
    lines += [f"- **{term}** — {text}" for term, text in glossary(lang)]
    return "\n".join(lines).rstrip() + "\n"


PRINT_CSS = (
    "@page{size:A4;margin:18mm 16mm}"
    "body{font-family:'DejaVu Serif',Georgia,serif;max-width:46em;margin:2em auto;"
    "line-height:1.45;font-size:11.5pt}"
    "h1{font-size:1.6em}h2{font-size:1.3em;page-break-after:avoid}h3{page-break-after:avoid}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}"
    "ul{padding-left:1.4em}code{font-size:.9em}"
    "@media print{body{margin:0;max-width:none}hr{page-break-after:always;border:0}}"
)


def render_markdown(markdown_text: str) -> str:
    """HTML of our Markdown by a CommonMark parser (markdown-it-py, with tables): list items and
    paragraphs as any CommonMark reader (GitHub, an editor's preview) shows them."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        raise ExerciseError(
            "--html and --pdf need markdown-it-py: pip install 'trustsim[print]' (or pip install "
            "markdown-it-py); the Markdown output needs nothing"
        ) from None
    return MarkdownIt("commonmark").enable("table").render(markdown_text)


def html_page(markdown_text: str, lang: str) -> str:
    """A printable HTML page (A4) of a worksheet, the guide or the glossary."""
    lang = _lang(lang)
    from html import escape

    title = next((line[2:] for line in markdown_text.splitlines() if line.startswith("# ")), "")
    title = escape(title)
    body = render_markdown(markdown_text)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{PRINT_CSS}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def pdf_document(markdown_text: str, lang: str) -> bytes:
    """The printable page as PDF (WeasyPrint, which needs Debian's pango: scripts/setup.sh)."""
    page = html_page(markdown_text, lang)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the pango library is missing
        raise ExerciseError(
            f"--pdf needs WeasyPrint and the pango library ({exc}): pip install 'trustsim[print]' "
            "and apt-get install libpango-1.0-0 libpangoft2-1.0-0 (scripts/setup.sh does both); "
            "--html gives a page to print from the browser"
        ) from None
    return HTML(string=page).write_pdf()
