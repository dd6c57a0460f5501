"""Kernel-level tests of the workshop page: `solara.render` in this process, no browser."""

from __future__ import annotations

import html
import io
import json
import re
import time
from dataclasses import replace

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from PIL import Image

from trustsim.app.app import Page
from trustsim.app.components import WorkshopView
from trustsim.app.i18n import LANGS, strings, t
from trustsim.app.loadtest import all_widgets
from trustsim.app.session import LEVERS, SCALES, Setup, Workshop, csv_filename, load_scenarios
from trustsim.app.webcharts import TimeChart
from trustsim.model.params import SPECS

SMALL = {"world": "teaching"}  # 300 staff: the fastest page


# ---------------------------------------------------------------------------- helpers
walk = all_widgets  # every widget below a root, breadth first


class PageDriver:
    """Find controls by their `ts-...` class and read what the page shows."""

    def __init__(self, rc):
        self.rc = rc

    def all_widgets(self) -> list[widgets.Widget]:
        return walk(self.rc.find(widgets.Widget).widgets[0])

    def all(self, cls: str, kind: type = widgets.Widget) -> list[widgets.Widget]:
        def classes(w) -> list[str]:
            return (getattr(w, "class_", None) or "").split() + list(getattr(w, "_dom_classes", ()))

        return [w for w in self.all_widgets() if isinstance(w, kind) and cls in classes(w)]

    def one(self, cls: str, kind: type = widgets.Widget) -> widgets.Widget:
        found = self.all(cls, kind)
        assert len(found) == 1, f"{len(found)} widgets with class {cls!r} of {kind.__name__}"
        return found[0]

    def inside(self, cls: str, kind: type) -> widgets.Widget:
        found = [w for w in walk(self.one(cls)) if isinstance(w, kind)]
        assert len(found) == 1, f"{len(found)} {kind.__name__} inside {cls!r}"
        return found[0]

    def text(self, cls: str) -> str:
        return " ".join(texts_of(self.one(cls)))

    def click(self, cls: str) -> None:
        self.one(cls, v.Btn).click()

    def texts(self) -> list[str]:
        out = []
        for w in self.all_widgets():
            out += texts_of(w, deep=False)
        return out

    def png(self, cls: str) -> bytes:
        return self.one(cls, widgets.Image).value

    def charts(self) -> dict[str, dict]:
        """The ECharts option of each chart the page sends to the browser, by output name."""
        found = [w for w in self.all_widgets() if isinstance(w, TimeChart)]
        return {w.name: json.loads(w.option_json) for w in found}

    def chart_widgets(self) -> list[TimeChart]:
        return [w for w in self.all_widgets() if isinstance(w, TimeChart)]


def texts_of(w: widgets.Widget, deep: bool = True) -> list[str]:
    """The human-readable strings a widget shows."""
    out = []
    for item in walk(w) if deep else [w]:
        if isinstance(item, v.Icon):
            continue  # its child is an icon name such as "mdi-play"
        for name in ("label", "hint", "placeholder"):
            value = getattr(item, name, None)
            if isinstance(value, str) and value:
                out.append(value)
        out += [c for c in getattr(item, "children", []) or [] if isinstance(c, str)]
        for it in getattr(item, "items", None) or []:
            if isinstance(it, dict) and "text" in it:
                out.append(it["text"])
        if isinstance(item, widgets.Widget) and type(item).__name__ == "HTML":
            raw = getattr(item, "unsafe_innerHTML", None) or getattr(item, "value", "") or ""
            out.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    return [s.strip() for s in out if s and s.strip()]


def render(ws: Workshop | None = None, lang: str = "en") -> tuple[Workshop, PageDriver]:
    ws = ws or Workshop(Setup(**SMALL))
    _, rc = solara.render(WorkshopView(ws, initial_lang=lang), handle_error=False)
    return ws, PageDriver(rc)


def slider_of(page: PageDriver, name: str) -> v.Slider:
    return page.inside(f"ts-lever-{name}", v.Slider)


def colour_share(png: bytes, rgb: tuple[int, int, int]) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float((np.abs(pixels - rgb).sum(axis=2) < 40).mean())


def series_colours(option: dict) -> set[str]:
    """The colours of the visible lines of one chart."""
    return {
        s["lineStyle"]["color"]
        for s in option["series"]
        if s.get("data") and s.get("lineStyle", {}).get("opacity", 1) > 0.5
    }


def run_points(option: dict, label_start: str) -> list:
    (series,) = [s for s in option["series"] if s.get("name", "").startswith(label_start)]
    return series["data"]


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# ---------------------------------------------------------------------------- controls
def test_every_lever_has_a_control_with_the_parameter_range():
    ws, page = render()
    for lever in LEVERS:
        spec = SPECS[lever.name]
        if lever.kind is bool:
            switch = page.inside(f"ts-lever-{lever.name}", v.Switch)
            assert switch.v_model == ws.models["A"].p[lever.name]
        else:
            slider = slider_of(page, lever.name)
            assert (slider.min, slider.max) == (spec.low, spec.high)
            assert slider.v_model == ws.models["A"].p[lever.name]


def test_run_scenario_world_and_export_controls_exist():
    ws, page = render(Workshop(Setup(world="state", scale=0.01)))
    for cls in ("ts-step", "ts-play", "ts-reset", "ts-scandal", "ts-export"):
        page.one(cls, v.Btn)
    names = [sc.name for sc in load_scenarios()[0]]
    assert [i["value"] for i in page.one("ts-scenario-a", v.Select).items] == names
    assert [i["value"] for i in page.one("ts-scenario-b", v.Select).items] == ["", *names]
    assert [i["value"] for i in page.one("ts-world", v.Select).items] == [
        "teaching",
        "state",
        "public-sector",
    ]
    assert [i["value"] for i in page.one("ts-scale", v.Select).items] == list(SCALES)
    page.one("ts-world", v.Select).v_model = "teaching"
    assert ws.models["A"].n_staff == 300 and not page.all("ts-scale")  # teaching: always scale 1
    assert page.one("ts-seed", v.TextField).v_model in (0, "0")
    download = [w for w in page.all_widgets() if type(w).__name__ == "FileDownloadWidget"]
    assert sorted(d.filename for d in download) == sorted(
        [csv_filename(ws.setup, 0), csv_filename(ws.setup, 0, excel_sv=True)]
    )
    for cls in ("ts-play-to", "ts-present-toggle"):
        page.one(cls, v.Btn)
    assert [i["value"] for i in page.one("ts-play-to-year", v.Select).items][:3] == [1, 2, 3]


def test_step_advances_the_model_and_the_page():
    ws, page = render()
    assert len(page.charts()) == 6
    page.click("ts-step")
    page.click("ts-step")
    assert ws.quarter == 2
    assert page.text("ts-status") == t("status.quarter", "en", quarter=2, year="0.5")
    # the page sends the data; the browser draws it: three quarters of run A, to year 0.5
    culture = run_points(page.charts()["experimentation_culture"], "A:")
    assert [x for x, _ in culture] == [0.0, 0.25, 0.5]
    expected = ws.frames()["A"]["experimentation_culture"].round(4).tolist()
    assert [y for _, y in culture] == expected
    assert {w.tick for w in page.chart_widgets()} == {2}


def test_slider_change_reaches_the_model():
    ws, page = render()
    page.click("ts-step")
    slider_of(page, "steering_detail").v_model = 0.25
    assert ws.models["A"].p.steering_detail == 0.25
    assert ws.quarter == 1  # replayed to where the run was
    label = t("lever.steering_detail.label", "en")
    assert page.text("ts-lever-steering_detail").startswith(f"{label}: 0.25")
    assert label in page.text("ts-levers-changed")
    # ... and at the charts: which lever, its value, and the earlier run A as a faint line
    assert f"{label} 0.25" in page.text("ts-runs-levers")
    names = [s["name"] for s in page.charts()["trust_orientation"]["series"]]
    assert t("chart.ghost", "en") in names
    assert t("msg.rerun", "en") in page.texts()
    page.click("ts-restore")
    assert ws.models["A"].p.steering_detail == SPECS["steering_detail"].default


def test_switch_turns_rum_on():
    ws, page = render()
    page.inside("ts-lever-rum", v.Switch).v_model = True
    assert ws.models["A"].p.rum is True and ws.models["A"].rum is not None


def test_scenario_picker_loads_the_scenario_parameters():
    ws, page = render()
    page.one("ts-scenario-a", v.Select).v_model = "multi-year-budget"
    assert ws.setup.scenario == "multi-year-budget"
    assert ws.models["A"].p.budget_horizon_years == 3.0
    assert slider_of(page, "budget_horizon_years").v_model == 3.0


def test_compare_runs_two_scenarios_in_the_same_charts():
    ws, page = render()
    for _ in range(3):
        page.click("ts-step")
    blue, orange = "#1f5fa8", "#d9822b"
    assert orange not in series_colours(page.charts()["innovation_rate"])
    page.one("ts-scenario-b", v.Select).v_model = "integrated-esv-digg"
    assert ws.comparing and ws.quarter == 3
    page.click("ts-step")
    assert len(ws.frames()["B"]) == 5
    assert page.text("ts-run-B").startswith("B: Trust principles integrated")
    for option in page.charts().values():
        assert {blue, orange} <= series_colours(option)
        assert len(run_points(option, "B:")) >= 4
    page.one("ts-scenario-b", v.Select).v_model = ""
    assert not ws.comparing and not page.all("ts-run-B")


def test_same_scenario_twice_says_the_runs_are_identical_until_a_scandal():
    _ws, page = render()
    page.one("ts-scenario-b", v.Select).v_model = "baseline-control"
    assert page.text("ts-message") == t("msg.identical", "en")
    page.click("ts-step")
    page.click("ts-scandal")
    assert t("msg.identical", "en") not in page.texts()
    assert page.text("ts-message") == t("msg.split_by_scandal", "en", quarters="1")


def test_a_chart_that_cannot_be_drawn_is_a_note_not_a_traceback(monkeypatch):
    """Issue 25.1: an error while building the charts replaced the whole page by a traceback."""
    from trustsim.app import components

    def broken(*args, **kwargs):
        raise ValueError("zero-size array to reduction operation fmax which has no identity")

    monkeypatch.setattr(components, "chart_options", broken)
    ws, page = render(lang="sv")
    assert page.text("ts-chart-error") == t("msg.unexpected", "sv", kind="ValueError")
    page.click("ts-step")  # the page still works
    assert ws.quarter == 1


def test_quick_scandal_clicks_say_one_scandal_per_quarter_in_the_page_language():
    """Issue 25.8: three quick clicks stacked three scandals; now the page explains the refusal."""
    ws, page = render(Workshop(Setup(compare="baseline-control", **SMALL)))
    page.click("ts-step")
    for _ in range(3):
        page.click("ts-scandal")
    assert len(ws.scandals) == 1
    messages = [" ".join(texts_of(w)) for w in page.all("ts-message")]
    assert t("msg.scandal_once", "en", quarter=1) in messages
    assert not page.all("ts-error")


def test_an_exercise_run_that_differs_from_b_says_how():
    """Issue 25.5: 'identical' was shown while run A had the exercise's scandal."""
    ws, page = render(Workshop(Setup(scenario="rum", compare="rum", **SMALL)))
    ws.reset(replace(ws.setup, fixed_a=(("scandal_quarter", 12), ("scandal_size", 2.0))))
    page.click("ts-step")
    texts = " ".join(page.texts())
    assert t("msg.identical", "en") not in texts
    assert "scheduled scandal: A has quarter 12 (year 3) of size 2, B has none" in texts
    # the size belongs to A's scandal: B, without one, has no size to differ in
    assert "A has 2, B has 1" not in texts


def test_scandal_button_hits_run_a_now():
    ws, page = render(Workshop(Setup(compare="baseline-control", **SMALL)))
    page.click("ts-step")
    page.click("ts-scandal")
    assert ws.scandals == ((1, ws.models["A"].p.scandal_size),)
    assert "quarter 1" in page.text("ts-message")
    page.click("ts-step")
    frames = ws.frames()
    assert frames["A"]["steering_detail"].iloc[-1] > frames["B"]["steering_detail"].iloc[-1]
    page.click("ts-step")  # the note stays while the scandal is in the charts
    assert "quarter 1" in page.text("ts-message")
    marks = [s for s in page.charts()["steering_detail"]["series"] if "markLine" in s]
    assert {"xAxis": 0.5} in [m for s in marks for m in s["markLine"]["data"]]


def test_reset_goes_back_to_quarter_zero():
    ws, page = render()
    page.click("ts-step")
    page.click("ts-reset")
    assert ws.quarter == 0 and page.text("ts-status").startswith("Quarter 0")


def test_play_runs_until_pause():
    ws, page = render(Workshop(Setup(world="teaching")))
    page.click("ts-play")
    wait_until(lambda: ws.quarter >= 3)
    assert page.text("ts-play") == t("btn.pause", "en")
    page.click("ts-play")
    wait_until(lambda: page.text("ts-play") == t("btn.play", "en"), timeout=5)
    stopped = ws.quarter
    time.sleep(0.5)
    assert ws.quarter in (stopped, stopped + 1)  # at most the step under way finishes


# ---------------------------------------------------------------------------- language
def test_language_switch_changes_every_label():
    _ws, page = render(Workshop(Setup(compare="rum", **SMALL)), lang="en")
    english_titles = [w.title for w in page.chart_widgets()]
    english = set(page.texts())
    assert {"Step", "Play", "Reset", "Visible scandal!", "Levers (run A)"} <= english
    page.click("ts-lang-sv")
    swedish = set(page.texts())
    assert {"Steg", "Spela", "Starta om", "Synlig skandal!", "Spakar (körning A)"} <= swedish
    # no English text of the page is left after switching (bar language names and proper names)
    for key, by_lang in strings().items():
        en, sv = by_lang["en"], by_lang["sv"]
        if en != sv and "{" not in en:
            assert en not in swedish, key
    titles = [w.title for w in page.chart_widgets()]  # chart titles are translated too
    assert titles == [t(f"chart.{w.name}.title", "sv") for w in page.chart_widgets()]
    assert titles != english_titles
    assert all(w.decimal_comma for w in page.chart_widgets())
    page.click("ts-lang-en")
    assert "Step" in set(page.texts())


def test_info_panel_has_the_netlogo_sections_in_both_languages():
    for lang in LANGS:
        _, page = render(lang=lang)
        info = page.text("ts-info")
        for section in ("what", "how", "use", "notice", "try"):
            assert t(f"info.{section}.title", lang) in info
        assert "Innovationsbarometern" in info


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("typed", ["-5", "abc", "1.5", str(2**32)])
def test_bad_seed_is_refused_in_the_page_language_and_the_field_shows_the_seed_used(typed, lang):
    ws, page = render(lang=lang)
    seed = page.one("ts-seed", v.TextField)
    seed.v_model = typed
    seed.fire_event("keyup.enter", None)  # the field applies on Enter or when it loses focus
    error = page.text("ts-error")
    assert error == t("msg.seed_bad", lang, value=typed, max=2**32 - 1, seed=0)
    assert ws.setup.seed == 0
    assert page.one("ts-seed", v.TextField).v_model in ("0", 0)  # not the rejected text


def test_a_good_seed_after_a_bad_one_clears_the_error():
    ws, page = render()
    seed = page.one("ts-seed", v.TextField)
    seed.v_model = "abc"
    seed.fire_event("keyup.enter", None)
    assert page.all("ts-error")
    seed = page.one("ts-seed", v.TextField)
    seed.v_model = "7"
    seed.fire_event("keyup.enter", None)
    assert ws.setup.seed == 7 and not page.all("ts-error")


def test_unexpected_failure_is_a_message_and_the_page_keeps_working(monkeypatch):
    ws, page = render()

    def broken(self, n=1):
        raise RuntimeError("boom")

    monkeypatch.setattr(Workshop, "step", broken)
    page.click("ts-step")
    assert "RuntimeError" in page.text("ts-error")
    monkeypatch.undo()
    page.click("ts-step")
    assert ws.quarter == 1 and not page.all("ts-error")


# ---------------------------------------------------------------------------- sessions
def test_each_session_gets_its_own_model():
    """Two renders of the served Page are two browser sessions: Step in one leaves the other."""
    _, rc_one = solara.render(Page(), handle_error=False)
    _, rc_two = solara.render(Page(), handle_error=False)
    one, two = PageDriver(rc_one), PageDriver(rc_two)
    one.click("ts-step")
    one.click("ts-step")
    assert one.text("ts-status").startswith(t("status.quarter", "sv", quarter=2, year="0,5"))
    assert two.text("ts-status").startswith(t("status.quarter", "sv", quarter=0, year="0"))
    two.click("ts-lang-en")
    assert one.one("ts-step", v.Btn).children[-1] == "Steg"  # language is per session too


def test_page_that_cannot_start_says_why(monkeypatch):
    from trustsim.app import app
    from trustsim.model.scenarios import ScenarioError

    def broken():
        raise ScenarioError("scenarios/baseline-control.toml: line 3: expected '=' after a key")

    monkeypatch.setattr(app, "Workshop", broken)
    _, rc = solara.render(Page(), handle_error=False)
    page = PageDriver(rc)
    assert "baseline-control.toml: line 3" in page.text("ts-error")
    assert not page.all("ts-step")


# ---------------------------------------------------------------------------- issue 9 additions
def test_presentation_mode_shows_only_the_charts_and_the_run_controls():
    _ws, page = render()
    assert page.all("ts-side") and page.all("ts-info")
    page.click("ts-present-toggle")
    assert not page.all("ts-side") and not page.all("ts-info") and not page.all("ts-network")
    assert len(page.chart_widgets()) == 6
    for cls in ("ts-step", "ts-play", "ts-scandal", "ts-status"):
        page.one(cls)
    page.click("ts-present-toggle")
    assert page.all("ts-side")


def test_play_to_year_pauses_by_itself_at_that_year():
    ws, page = render(Workshop(Setup(world="teaching")))
    page.one("ts-play-to-year", v.Select).v_model = 2
    page.click("ts-play-to")
    note = t("status.stopped_at", "en", year=2)
    # Play stopping redraws the toolbar and the notes one after the other, on the play thread:
    # wait for both (the note never appearing times out and fails), then check where it stopped.
    wait_until(lambda: page.text("ts-play") == t("btn.play", "en") and note in page.texts())
    assert ws.quarter == 8
    page.click("ts-step")  # going on by hand clears the note
    assert t("status.stopped_at", "en", year=2) not in page.texts()


def test_uncertainty_band_switch_draws_a_band_per_run():
    ws, page = render(Workshop(Setup(compare="rum", **SMALL)))
    page.click("ts-step")
    page.inside("ts-band", v.Switch).v_model = True
    assert ws.band_on
    names = [s["name"] for s in page.charts()["trust_orientation"]["series"]]
    for run in ("A", "B"):
        assert t("chart.band", "en", run=run, seeds=5) in names
    page.inside("ts-band", v.Switch).v_model = False
    assert not ws.band_on


def test_claims_are_written_out_when_the_teaching_texts_exist():
    teaching = pytest.importorskip("trustsim.teach.teaching")
    _ws, page = render(lang="sv")
    text = page.text("ts-scenario-description")
    assert teaching.claim_text("C1", "sv") in text


def test_an_exercise_sets_up_its_runs_and_leads_step_by_step():
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("first-contact")
    ws, page = render(lang="sv")
    page.one("ts-exercise-select", v.Select).v_model = ex.ident
    assert (ws.setup.scenario, ws.setup.compare, ws.setup.seed) == (
        ex.run_a.scenario,
        ex.run_b.scenario,
        ex.seed,
    )
    assert ws.setup.world == ex.world and ws.setup.scale == ex.scale and ws.quarter == 0
    kinds = [s.kind for s in ex.steps]
    for _ in range(kinds.index("predict")):
        page.click("ts-exercise-next")
    assert page.one("ts-exercise-next", v.Btn).disabled  # predict first
    page.one("ts-exercise-choice", v.RadioGroup).v_model = "0"
    page.click("ts-exercise-answer")
    assert not page.one("ts-exercise-next", v.Btn).disabled
    while page.text("ts-exercise-progress").split("·")[1].strip() != t("ex.kind.run", "sv"):
        page.click("ts-exercise-next")
    page.click("ts-exercise-run")
    run_step = ex.steps[kinds.index("run")]
    wait_until(lambda: bool(page.all("ts-exercise-ran")), timeout=60)
    assert ws.quarter == 4 * run_step.play_to_year  # paused by itself
    assert t("ex.predictions", "sv") in page.text("ts-exercise-predictions")


@pytest.mark.parametrize("ident", ["experimentation-chain", "steering-or-support"])
def test_every_quantity_an_exercise_asks_for_has_a_chart_on_the_page(ident):
    """Issue 25.4: rule-blocked ideas and programme cost were asked but had no chart."""
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise(ident)
    ws, page = render(lang="sv")
    page.one("ts-exercise-select", v.Select).v_model = ex.ident
    ws.step(8)
    page.click("ts-step")  # a redraw with data
    charts = {w.name: w for w in page.all_widgets() if isinstance(w, TimeChart)}
    asked = {q.statistic.output for q in ex.questions if q.statistic is not None}
    assert asked <= set(charts), asked - set(charts)
    for name in asked:
        option = json.loads(charts[name].option_json)
        runs = [
            s for s in option["series"] if s["name"] in ("A", "B") or s["name"][:2] in ("A:", "B:")
        ]
        assert {s["name"][0] for s in runs} == {"A", "B"}, name
        assert all(len(s["data"]) >= 8 for s in runs), name
        assert charts[name].title == t(f"chart.{name}.title", "sv")


@pytest.mark.parametrize("teacher", [False, True])
def test_the_teachers_view_shows_the_key_before_any_answer(teacher):
    """What to build (issue 25): a teacher's view with the answer key; students do not see it."""
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("first-contact")
    ws = Workshop(Setup(**SMALL))
    _, rc = solara.render(WorkshopView(ws, initial_lang="sv", teacher=teacher), handle_error=False)
    page = PageDriver(rc)
    page.one("ts-exercise-select", v.Select).v_model = ex.ident
    kinds = [s.kind for s in ex.steps]
    for _ in range(kinds.index("predict")):
        page.click("ts-exercise-next")
    if not teacher:
        assert not page.all("ts-exercise-key")
        return
    question = ex.steps[kinds.index("predict")].question
    key = exercises.answer_key(ex)[question.ident]
    text = page.text("ts-exercise-key")
    assert t("ex.teacher_key", "sv") in text
    assert question.options[key.correct]["sv"] in text  # before anyone has answered
    assert not page.all("ts-exercise-feedback")


def run_to_the_step(page: PageDriver, timeout: float = 60) -> None:
    """Click the run step's button and wait until Play has stopped by itself."""
    page.click("ts-exercise-run")
    wait_until(lambda: bool(page.all("ts-exercise-ran")), timeout=timeout)
    play = t("btn.play", "sv")
    wait_until(lambda: play in " ".join(texts_of(page.one("ts-play"))))
    wait_until(lambda: not page.one("ts-exercise-next", v.Btn).disabled)


def test_the_question_is_shown_before_the_answer_and_the_prediction_meets_the_model():
    """Issue 25.3 and 25.7: the input showed only the step's lead-in; a numeric prediction got
    no model answer beside it; `abc` was judged "does not agree" instead of "not a number"."""
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("scandal-hysteresis")
    _ws, page = render(lang="sv")
    page.one("ts-exercise-select", v.Select).v_model = ex.ident
    kinds = [s.kind for s in ex.steps]
    predict = kinds.index("predict")
    question = ex.steps[predict].question
    while page.text("ts-exercise-progress").split("·")[1].strip() != t("ex.kind.run", "sv"):
        page.click("ts-exercise-next")
    run_to_the_step(page)
    page.click("ts-exercise-next")
    wait_until(lambda: bool(page.all("ts-exercise-question")))  # Play's last frame may lag
    assert page.text("ts-exercise-question") == question.text["sv"]  # before any answer
    assert not page.all("ts-exercise-feedback")
    page.inside("ts-exercise-input", v.TextField).v_model = "abc"
    page.click("ts-exercise-answer")
    assert page.text("ts-exercise-error") == t("ex.not_a_number", "sv", answer="abc")
    assert not page.all("ts-exercise-feedback")
    page.inside("ts-exercise-input", v.TextField).v_model = "2"
    page.click("ts-exercise-answer")
    assert not page.all("ts-exercise-error")
    page.click("ts-exercise-next")
    run_to_the_step(page, timeout=120)
    line = page.text("ts-exercise-prediction")
    key = exercises.answer_key(ex)[question.ident]
    assert "Du sa: 2." in line
    assert t("ex.page_value", "sv", value="").split(":")[0] in line  # the run on the page
    assert str(key.replications) in line and "spann" in line  # the key's mean and range
    verdict = "ex.prediction_right" if key.low <= 2 <= key.high else "ex.prediction_off"
    assert t(verdict, "sv") in line


def test_info_panel_has_the_scenario_info_text_when_the_teaching_texts_exist():
    teaching = pytest.importorskip("trustsim.teach.teaching")
    ws, page = render(lang="sv")
    info = teaching.scenario_info(ws.setup.scenario, "sv")
    text = page.text("ts-info")
    assert "Om scenario A: Utgångsläge" in text
    for section in info.values():
        assert section.split()[0] in text
