"""Solara components of the workshop page. Presentation only: they read and drive a `Workshop`.

Every interactive element carries a `ts-...` CSS class so that tests (and facilitators' own
scripts) can find it whatever the language.

The page's state lives in a few per-session reactive values (`PageState`). Components read only
the ones they show, so a Play frame (which bumps `tick`) redraws the status and the charts, not the
forty controls in the side column.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import markdown
import solara
from solara.alias import rv
from solara.components.input import use_change

from trustsim.model.model import DIAGNOSTICS

from .charts import CHARTS, COLOURS, UNIT_RANGE, network_figure
from .i18n import LANG_NAMES, LANGS, count, number, t
from .session import (
    BAND_SEEDS,
    HANDIN_COLUMNS,
    LEVERS,
    MAX_SEED,
    MAX_YEARS,
    PLAY_TO_YEARS,
    SCALES,
    ExerciseProgress,
    Lever,
    NotANumber,
    ParameterError,
    ScandalAlreadyPressed,
    Scenario,
    ScenarioError,
    Setup,
    Workshop,
    csv_filename,
    exercise_setup,
    list_exercises,
    load_scenarios,
)
from .webcharts import (
    StepAnchor,
    TimeChart,
    chart_note,
    chart_option,
    chart_options,
    legend_items,
    option_json,
)

log = logging.getLogger(__name__)

DPI = 80  # the network picture (matplotlib PNG, redrawn once a simulated year while playing)
LABEL_STYLE = {"font-size": "0.95em", "font-weight": "500", "margin-top": "4px"}
WORLD_CHOICES = ("teaching", "state", "public-sector")
PLAY_INTERVAL = 0.07  # seconds from one Play frame to the next, at least (14 quarters/s at most)
PLAY_GAP = 0.02  # idle time after every frame, so clicks (Pause!) are handled at once
MAX_QUARTERS_PER_FRAME = 4  # a late Play frame catches up by at most this many quarters
FRAME_TIMEOUT = 30.0  # no frame rendered for this long: the page is gone, Play stops
TOOLBAR_HEIGHT = (
    58  # px: one row of run controls at 1280 px (it may wrap: the page is a flex column)
)
# The page is a column of the viewport's height: the toolbar (as tall as it needs, sticky), then
# the body, whose two columns scroll on their own. Nothing depends on the toolbar staying one row,
# so 150 % browser zoom (853 x 480 CSS px on a 1280 x 720 projector) wraps it without overlap.
# In the main column the first screen is the legend, the notes and the six charts, the grid taking
# what is left of the screen's height (at least 420 px); the network and the Info text follow.
# The charts are a CSS subgrid: title, unit and plot are rows shared by the charts side by side,
# so a title on two lines does not push one plot below its neighbours.
# Below 1000 CSS px a narrower control column and two chart columns; below 760 px the body stacks
# (controls above the charts), the page scrolls as a whole and the sticky run bar shrinks to
# icons (the words stay in the buttons for screen readers); presentation mode and the room's
# console are for the projector and leave the phone's bar.
# `.ts-present` is presentation mode: large text (body 18 px, chart ticks 18 px) and, during an
# exercise, its current step beside the charts, so question and charts fit one projected screen.
PAGE_CSS = f"""
.ts-page {{ height: 100vh; display: flex; flex-direction: column; }}
.ts-toolbar {{ position: sticky; top: 0; z-index: 5; background: #f7f9fc;
  border-bottom: 1px solid #d8dee8; min-height: {TOOLBAR_HEIGHT}px; padding: 6px 10px;
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; flex: 0 0 auto; }}
.ts-toolbar .ts-status {{ font-size: 1.15em; font-weight: bold; margin: 0 6px; white-space: nowrap; }}
.ts-toolbar .v-select {{ max-width: 78px; }}
.ts-toolbar .v-btn {{ padding: 0 10px !important; }}
.ts-toolbar .ts-lang .v-btn {{ min-width: 36px !important; padding: 0 6px !important; }}
.ts-body {{ flex: 1 1 0; min-height: 0; }}
.ts-side {{ width: 340px; flex: 0 0 340px; height: 100%; overflow-y: auto; padding: 4px; }}
.ts-main {{ flex: 1 1 auto; min-width: 0; height: 100%; overflow-y: auto; padding: 0 6px; }}
.ts-screen {{ display: flex; flex-direction: column; gap: 6px; min-height: 100%; }}
.ts-present .ts-main {{ overflow: hidden; }}
.ts-present .ts-screen {{ height: 100%; }}
.ts-chart-grid {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr));
  grid-template-rows: minmax(0, 1fr) minmax(0, 1fr); gap: 4px 16px; width: 100%;
  flex: 1 0 0; min-height: 420px; }}
.ts-present .ts-chart-grid {{ flex: 1 1 0; min-height: 0; }}
.ts-chart {{ display: flex; flex-direction: column; min-height: 0; }}
.ts-chart-plot {{ flex: 1 1 0; min-height: 150px; }}
@supports (grid-template-rows: subgrid) {{
  .ts-chart-grid {{ grid-template-rows: auto auto minmax(0, 1fr) auto auto minmax(0, 1fr);
    row-gap: 0; }}
  .ts-chart-grid > .ts-chart {{ display: grid; grid-row: span 3; grid-template-rows: subgrid; }}
  .ts-chart-grid > .ts-chart .ts-chart-plot {{ min-height: 120px; margin-bottom: 4px; }}
}}
.ts-runs div {{ line-height: 1.3; }}
.ts-notes .v-alert {{ margin: 2px 0 !important; padding: 2px 10px !important; font-size: 0.92em; }}
.ts-notes .v-alert .v-icon {{ font-size: 18px !important; }}
.ts-side-head {{ display: flex; flex-wrap: wrap; align-items: center; gap: 0 8px; }}
.ts-app-title {{ font-size: 1.15em; font-weight: bold; margin: 2px 4px 0 4px; }}
.ts-help {{ font-size: 0.85em; color: #555; line-height: 1.3; margin: 2px 0 12px 0; }}
.ts-exercise {{ font-size: 16px; }}
.ts-exercise .ts-help {{ font-size: 15px; color: #333; }}
.ts-exercise-text {{ font-size: 16px; line-height: 1.4; }}
.ts-exercise-question {{ font-size: 17px; font-weight: 600; line-height: 1.35; margin: 8px 0 4px 0;
  padding: 6px 10px; border-left: 4px solid #1f5fa8; background: #eef3fa; }}
.ts-exercise-charts .ts-chart {{ margin: 6px 0; }}
.ts-exercise-key {{ border: 2px dashed #8a6d00; background: #fff8e1; padding: 4px 8px;
  margin: 6px 0; }}
.ts-present {{ font-size: 18px; }}
.ts-present .ts-side {{ width: 30%; flex: 0 0 30%; min-width: 300px; }}
.ts-present .ts-exercise, .ts-present .ts-exercise-text, .ts-present .ts-exercise .ts-help,
.ts-present .ts-exercise-progress, .ts-present .ts-exercise-predictions,
.ts-present .ts-exercise .v-label, .ts-present .ts-exercise .v-alert,
.ts-present .ts-exercise .v-btn, .ts-present .ts-exercise input {{ font-size: 18px; }}
.ts-present .ts-exercise .v-card__title {{ font-size: 20px; }}
.ts-present .ts-exercise-question {{ font-size: 20px; }}
.ts-present .ts-exercise-goal {{ display: none; }}
.ts-present .ts-chart-title {{ font-size: 20px; }}
.ts-present .ts-chart-unit {{ font-size: 16px; }}
.ts-present .ts-runs {{ font-size: 18px; }}
@media (max-width: 1000px) {{
  .ts-side, .ts-present .ts-side {{ width: 280px; flex: 0 0 280px; min-width: 0; }}
  .ts-chart-grid, .ts-present .ts-chart-grid {{ grid-template-columns: repeat(2, minmax(0, 1fr));
    grid-template-rows: none; grid-auto-rows: auto; height: auto; flex: 0 0 auto; }}
  .ts-present .ts-main {{ overflow-y: auto; }}
  .ts-present .ts-screen {{ height: auto; }}
  .ts-chart-plot, .ts-chart-grid > .ts-chart .ts-chart-plot {{ height: 220px; flex: 0 0 auto; }}
}}
@media (max-width: 760px) {{
  .ts-page {{ height: auto; }}
  .ts-body {{ flex: 0 0 auto; flex-direction: column !important; flex-wrap: nowrap !important;
    align-items: stretch !important; }}
  .ts-side, .ts-present .ts-side {{ width: 100%; flex: 0 0 auto; height: auto; overflow: visible; }}
  .ts-main {{ width: 100%; flex: 0 0 auto; height: auto; overflow: visible; }}
  .ts-toolbar {{ min-height: 0; padding: 4px 6px; gap: 4px 4px; }}
  .ts-toolbar > .v-btn {{ min-width: 42px !important; height: 40px !important;
    padding: 0 9px !important; }}
  .ts-toolbar > .v-btn .v-btn__content {{ font-size: 0; letter-spacing: 0; }}
  .ts-toolbar > .v-btn .v-btn__content .v-icon {{ font-size: 24px; margin: 0 !important; }}
  .ts-toolbar .ts-status {{ font-size: 16px; margin: 0 2px; }}
  .ts-toolbar .ts-present-toggle {{ display: none; }}
}}
@media (max-width: 560px) {{
  .ts-chart-grid, .ts-present .ts-chart-grid {{ grid-template-columns: minmax(0, 1fr); }}
}}
"""


class FrameClock:
    """Which redraw has been rendered; Play waits for each frame before the next step.

    Without it, a Play loop that steps faster than the page renders would keep Solara's render
    loop busy with ever-new updates, and a click on Pause would wait until the run ended.
    """

    def __init__(self) -> None:
        self._drawn = -1
        self._condition = threading.Condition()

    def drawn(self, tick: int) -> None:
        with self._condition:
            self._drawn = max(self._drawn, tick)
            self._condition.notify_all()

    def wait(self, tick: int, timeout: float = FRAME_TIMEOUT) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self._drawn >= tick, timeout)


@dataclass(frozen=True)
class PageState:
    """One session's page state: reactive values, each read only by the parts that show it."""

    lang: solara.Reactive
    tick: solara.Reactive  # bumped on every change of the runs (a step, a lever, a reset)
    revision: solara.Reactive  # bumped when the setup changes (not on a step): the controls
    playing: solara.Reactive
    stop_at: solara.Reactive  # quarter at which Play pauses by itself, or None
    message: solara.Reactive  # (kind, i18n key, values) or None: the last action's note
    present: solara.Reactive  # presentation mode: only the charts
    exercise: solara.Reactive  # the ExerciseProgress of the exercise chosen, or None
    ex_tick: solara.Reactive  # bumped when the exercise's progress changes
    at_end: solara.Reactive  # the runs reached MAX_YEARS (the run buttons are off)
    year: solara.Reactive  # the simulated year reached (the network picture follows it)
    clock: FrameClock  # which tick the charts have rendered (Play waits for it)
    teacher: bool = False  # the teacher's view: the answer key beside every step (`/?teacher`)


def start_play(loop: Callable[[threading.Event], None]) -> Callable[[], None]:
    """Run Play's `loop` in a thread of this session; returns what stops it (an effect cleanup).

    A plain thread rather than `solara.lab.use_task`: in Solara 1.58 every task object registers
    a callback in a process-wide list that is never removed, which kept each closed session's
    runs (and their memory) alive for the life of the server.
    """
    stop = threading.Event()
    context = None
    with contextlib.suppress(Exception):  # outside a server (tests, bench) there may be none
        from solara.server import kernel_context

        if kernel_context.has_current_context():
            context = kernel_context.get_current_context()
    variables = contextvars.copy_context()

    def run() -> None:
        thread = threading.current_thread()
        if context is not None:
            kernel_context.set_context_for_thread(context, thread)
        try:
            loop(stop)
        except Exception:
            log.exception("Play stopped by an error")
        finally:
            if context is not None:
                kernel_context.clear_context_for_thread(thread)

    threading.Thread(target=variables.run, args=(run,), name="trustsim-play", daemon=True).start()
    return stop.set


# ---------------------------------------------------------------------------- small helpers
def Help(text: str, classes: list[str] | None = None) -> solara.Element:
    """A short help text under a control (its size set by the page's CSS, `.ts-help`)."""
    return solara.Div(children=[text], classes=["ts-help", *(classes or [])])


def MarkdownText(text: str, classes: list[str] | None = None) -> solara.Element:
    """Our own Markdown rendered on the server (solara.Markdown would fetch KaTeX at run time)."""
    html = solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text))
    return solara.Div(children=[html], classes=classes or [])


def lever_value_text(lever: Lever, value: Any, lang: str) -> str:
    """A lever's current value as shown in its label."""
    if lever.kind is bool:
        return t("value.on" if value else "value.off", lang)
    if lever.name == "experimentation_funding_msek":
        return number(value, lang, 0)
    if lever.kind is int:
        return str(int(value))
    return number(value, lang, 2)


def scenario_items(
    scenarios: list[Scenario], lang: str, with_none: bool = False
) -> list[dict[str, str]]:
    """Select items: each scenario's title in `lang`, valued by its name."""
    items = [{"text": t("compare.none", lang), "value": ""}] if with_none else []
    items += [{"text": sc.title.get(lang, sc.name), "value": sc.name} for sc in scenarios]
    return items


def claim_texts(codes: tuple[str, ...], lang: str) -> str:
    """The claims written out ("C1: ...") when `trustsim.teach.teaching` provides them, else the codes."""
    try:
        claim_text = importlib.import_module("trustsim.teach.teaching").claim_text
    except (ImportError, AttributeError):
        return ", ".join(codes) or "-"
    out = []
    for code in codes:
        try:
            out.append(f"{code}: {claim_text(code, lang)}")
        except Exception:  # noqa: BLE001 - an unknown code stays a code
            out.append(code)
    return "; ".join(out) or "-"


def scenario_info_text(name: str, lang: str) -> str:
    """A scenario's Info text as Markdown (sections with their titles), or "" if there is none."""
    try:
        teaching = importlib.import_module("trustsim.teach.teaching")
        sections = teaching.scenario_info(name, lang)
        titles = teaching.SECTION_TITLES
    except Exception:  # noqa: BLE001 - no teaching texts (yet): the panel is left out
        return ""
    return "\n\n".join(
        f"**{titles.get(key, {}).get(lang, key)}**\n\n{text}" for key, text in sections.items()
    )


def lever_changes_text(setup: Setup, lang: str) -> str:
    """'Lever 0,3; Other on' for run A's lever changes."""
    by_name = {lever.name: lever for lever in LEVERS}
    return "; ".join(
        f"{t(f'lever.{name}.label', lang)} {lever_value_text(by_name[name], value, lang)}"
        for name, value in setup.levers
    )


def run_labels(setup: Setup, lang: str, scenarios: list[Scenario]) -> dict[str, str]:
    """Legend text per run: 'A: <scenario title> (+ changed levers)', 'B: <title>'."""
    titles = {sc.name: sc.title.get(lang, sc.name) for sc in scenarios}
    a = f"A: {titles.get(setup.scenario, setup.scenario)}"
    if setup.levers:
        a += f" ({t('legend.levers', lang)})"
    labels = {"A": a}
    if setup.compare:
        labels["B"] = f"B: {titles.get(setup.compare, setup.compare)}"
    return labels


def parse_seed(text: Any) -> int | None:
    """The seed typed in the field as an int, or None if it is not one the page accepts."""
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= MAX_SEED else None


def describe_error(exc: Exception) -> tuple[str, str, dict]:
    """A page message for an exception: the library's own message for bad input."""
    if isinstance(exc, (ParameterError, ScenarioError)):
        return ("error", "msg.error", {"error": str(exc)})
    log.exception("unexpected error in the workshop page")
    return ("error", "msg.unexpected", {"kind": type(exc).__name__})


def notes(workshop: Workshop, message: tuple | None, stopped_at: int | None) -> list[tuple]:
    """What the page says above the charts: the last action's note, then the runs' state."""
    out = [message] if message is not None else []
    quarters = ", ".join(str(q) for q, _ in workshop.scandals)
    if workshop.identical():
        out.append(("info", "msg.identical", {}))
    elif workshop.split_by_scandal():
        out.append(("info", "msg.split_by_scandal", {"quarters": quarters}))
    elif workshop.scandals:
        size = workshop.scandals[-1][1]
        out.append(("info", "msg.scandals", {"quarters": quarters, "size": size}))
    if workshop.setup.compare and workshop.setup.compare == workshop.setup.scenario:
        differences = felt_differences(workshop.differences())
        if differences:  # same scenario, but an exercise sets run A apart (a scheduled scandal)
            out.append(("info", "msg.differs", {"changes": differences}))
    if workshop.ghosts:
        out.append(("info", "msg.rerun", {}))
    if workshop.at_end():
        out.append(("info", "status.end", {"years": MAX_YEARS}))
    elif stopped_at is not None and workshop.quarter == stopped_at:
        out.append(("info", "status.stopped_at", {"year": stopped_at // 4}))
    return out


def felt_differences(differences: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The differences a student can see in the runs: a scandal's size only matters to a run
    with a scandal, so beside a scheduled scandal in A alone it is A's size of that scandal, not
    a difference in B ("scandal size: A has 2, B has 1" while B has none)."""
    quarters = differences.get("scandal_quarter")
    if quarters is None or "scandal_size" not in differences:
        return differences
    a, b = quarters
    out = dict(differences)
    if b < 0 <= a:  # only A has a scandal: its size belongs to A's scandal
        out["scandal_quarter"] = ((a, differences["scandal_size"][0]), b)
        del out["scandal_size"]
    return out


def parameter_value(name: str, value: Any, lang: str) -> str:
    """A parameter's value in a note: a scheduled scandal as its quarter and year, or none."""
    if name == "scandal_quarter":
        quarter, size = value if isinstance(value, tuple) else (value, None)
        if quarter < 0:
            return t("msg.no_scandal", lang)
        text = t("msg.scandal_at", lang, quarter=quarter, year=number(quarter / 4, lang))
        if size is not None:
            text += " " + t("msg.scandal_sized", lang, size=number(size, lang))
        return text
    return str(shown_value(value, lang))


def shown_value(value: Any, lang: str) -> Any:
    """A note's value as the page shows it: numbers in the page's style, differences by name."""
    if isinstance(value, float):
        return number(value, lang)
    if isinstance(value, dict):  # name -> (A's value, B's value)
        return "; ".join(
            t(
                "msg.difference",
                lang,
                name=parameter_label(name, lang),
                a=parameter_value(name, a, lang),
                b=parameter_value(name, b, lang),
            )
            for name, (a, b) in value.items()
        )
    return value


def parameter_label(name: str, lang: str) -> str:
    """A parameter's name on the page: the lever's label, or the parameter's own label."""
    for key in (f"lever.{name}.label", f"param.{name}.label"):
        with contextlib.suppress(KeyError):
            label = t(key, lang)
            return label[:1].lower() + label[1:]  # within a sentence
    return name


# ---------------------------------------------------------------------------- controls
@solara.component
def LanguageSwitch(lang: solara.Reactive):
    """Svenska | English: two buttons, the active one filled."""
    with solara.Row(style={"align-items": "center"}, classes=["ts-lang"]):
        for code in LANGS:
            active = code == lang.value
            solara.Button(
                code.upper(),
                on_click=lambda code=code: lang.set(code),
                color="primary" if active else None,
                outlined=not active,
                small=True,
                classes=[f"ts-lang-{code}", "ts-lang-active" if active else "ts-lang-inactive"],
                attributes={"title": LANG_NAMES[code]},
            )


@solara.component
def Status(workshop: Workshop, state: PageState):
    """The quarter reached: the one part of the toolbar that changes every Play frame."""
    lang = state.lang.value
    state.tick.value  # noqa: B018 - subscribe
    quarter = workshop.quarter
    status = t("status.quarter", lang, quarter=quarter, year=number(quarter / 4, lang))
    solara.Div(children=[status], classes=["ts-status"])


@solara.component
def Toolbar(workshop: Workshop, state: PageState, act: Callable):
    """Step, Play/Pause, Reset, the quarter reached, the scandal, Play to year N, presentation.

    Sticky at the top of the page, so the run controls never scroll out of view. It also runs the
    Play loop (a threaded task per session).
    """
    lang = state.lang.value
    playing = state.playing.value
    at_end = state.at_end.value  # not the tick: a Play frame does not redraw the toolbar
    target_year = solara.use_reactive(10)

    def on_step() -> None:
        def step() -> None:
            workshop.step(1)

        act(step)

    def on_play() -> None:
        if playing:
            state.playing.set(False)
        else:
            state.stop_at.set(None)
            state.message.set(None)
            state.playing.set(True)

    def on_play_to() -> None:
        stop = 4 * int(target_year.value)
        if workshop.quarter >= stop:
            return
        state.stop_at.set(stop)
        state.message.set(None)
        state.playing.set(True)

    def on_reset() -> None:
        state.playing.set(False)
        act(workshop.reset, setup_changed=True)

    def on_scandal() -> None:
        def scandal() -> tuple | None:
            try:
                workshop.scandal()  # the notes above the charts say it while it matters
            except ScandalAlreadyPressed:  # quick clicks: one scandal per quarter
                return ("info", "msg.scandal_once", {"quarter": workshop.quarter})
            return None

        act(scandal)

    def play_loop(closed: threading.Event) -> None:
        """Step, redraw, wait until rendered, pause briefly, repeat.

        One quarter per frame while frames are quick. When the server is busy (a room of
        sessions) and a frame comes late, the next frame catches up by up to MAX_QUARTERS_PER_FRAME
        quarters, so the runs keep their pace and the page shows fewer, fuller frames.
        """
        previous = time.monotonic()
        while state.playing.value and not closed.is_set():  # set when the page goes away
            started = time.monotonic()
            due = round((started - previous) / PLAY_INTERVAL)
            quarters = max(1, min(MAX_QUARTERS_PER_FRAME, due))
            previous = started
            stop_quarter = state.stop_at.value
            if stop_quarter is not None:
                quarters = min(quarters, stop_quarter - workshop.quarter)
                if quarters <= 0:
                    state.playing.set(False)
                    break
            if workshop.step(quarters) == 0:
                state.playing.set(False)
                break
            state.at_end.set(workshop.at_end())
            state.year.set(workshop.quarter // 4)
            target = state.tick.value + 1
            state.tick.set(target)
            if not state.clock.wait(target):  # nobody is rendering (page gone): stop
                state.playing.set(False)
                break
            elapsed = time.monotonic() - started
            time.sleep(max(PLAY_GAP, PLAY_INTERVAL - elapsed))

    solara.use_effect(lambda: start_play(play_loop) if playing else None, [playing])

    with solara.Div(classes=["ts-toolbar"]):
        solara.Button(
            t("btn.step", lang),
            on_click=on_step,
            color="primary",
            disabled=playing or at_end,
            classes=["ts-step"],
            icon_name="mdi-step-forward",
        )
        solara.Button(
            t("btn.pause" if playing else "btn.play", lang),
            on_click=on_play,
            color="primary",
            disabled=at_end and not playing,
            classes=["ts-play"],
            icon_name="mdi-pause" if playing else "mdi-play",
        )
        solara.Button(
            t("btn.reset", lang),
            on_click=on_reset,
            outlined=True,
            classes=["ts-reset"],
            icon_name="mdi-restart",
        )
        Status(workshop, state)
        solara.Button(
            t("btn.scandal", lang),
            on_click=on_scandal,
            color="error",
            disabled=at_end,
            classes=["ts-scandal"],
            icon_name="mdi-newspaper-variant",
        )
        solara.Button(
            t("btn.play_to", lang),
            on_click=on_play_to,
            outlined=True,
            disabled=playing or at_end,
            classes=["ts-play-to"],
            icon_name="mdi-play-speed",
        )
        rv.Select(
            v_model=target_year.value,
            on_v_model=lambda v: target_year.set(int(v)),
            items=[{"text": str(y), "value": y} for y in PLAY_TO_YEARS],
            class_="ts-play-to-year",
            dense=True,
            hide_details=True,
            outlined=True,
        )
        present = state.present.value
        solara.Button(
            t("btn.present_exit" if present else "btn.present", lang),
            on_click=lambda: state.present.set(not present),
            outlined=not present,
            color="primary",
            classes=["ts-present-toggle"],
            icon_name="mdi-tune" if present else "mdi-presentation",
        )
        LanguageSwitch(state.lang)


@solara.component
def ScenarioPicker(
    lang: str,
    setup: Setup,
    scenarios: list[Scenario],
    on_scenario: Callable[[str], None],
    on_compare: Callable[[str], None],
):
    """Scenario of run A (loads its parameters) and the scenario to compare with (run B)."""
    by_name = {sc.name: sc for sc in scenarios}
    with solara.Card(t("card.scenario", lang), margin=0):
        rv.Select(
            label=t("scenario.a", lang),
            items=scenario_items(scenarios, lang),
            v_model=setup.scenario,
            on_v_model=on_scenario,
            class_="ts-scenario-a",
            hide_details=True,
        )
        chosen = by_name.get(setup.scenario)
        if chosen is not None:
            codes = ", ".join(chosen.claims) or "-"
            with solara.Div(classes=["ts-scenario-description"]):
                Help(chosen.description.get(lang, ""))
                # the claims written out, folded: the codes are the summary
                with solara.Details(t("claims", lang, claims=codes)):
                    Help(claim_texts(chosen.claims, lang), classes=["ts-claims"])
        rv.Select(
            label=t("scenario.b", lang),
            items=scenario_items(scenarios, lang, True),
            v_model=setup.compare,
            on_v_model=lambda v: on_compare(v or ""),
            class_="ts-scenario-b",
            hide_details=True,
        )
        Help(t("help.compare", lang))


@solara.component
def LeverInput(lever: Lever, value: Any, lang: str, on_value: Callable[[str, Any], None]):
    """One lever: a slider (or switch) whose label shows the value, with its help text below."""
    label = f"{t(f'lever.{lever.name}.label', lang)}: {lever_value_text(lever, value, lang)}"
    with solara.Div(classes=["ts-lever", f"ts-lever-{lever.name}"]):
        if lever.kind is bool:
            solara.Switch(
                label=label, value=bool(value), on_value=lambda v: on_value(lever.name, v)
            )
        else:
            # the label (with the value) on its own line, so the slider gets the whole width
            solara.Div(children=[label], style=LABEL_STYLE, classes=["ts-lever-label"])
            if lever.kind is int:
                solara.SliderInt(
                    "",
                    value=int(value),
                    min=int(lever.low),
                    max=int(lever.high),
                    step=int(lever.step),
                    on_value=lambda v: on_value(lever.name, int(v)),
                )
            else:
                solara.SliderFloat(
                    "",
                    value=float(value),
                    min=lever.low,
                    max=lever.high,
                    step=lever.step,
                    on_value=lambda v: on_value(lever.name, float(v)),
                )
        Help(t(f"lever.{lever.name}.help", lang))


@solara.component
def LeverControls(
    lang: str,
    setup: Setup,
    on_lever: Callable[[str, Any], None],
    on_restore: Callable[[], None],
):
    """The main levers, the others under "More levers", and a way back to the scenario's values."""
    values = setup.lever_values()
    with solara.Card(t("card.levers", lang), margin=0, classes=["ts-levers"]):
        Help(t("help.levers", lang))
        for lever in LEVERS:
            if lever.main:
                LeverInput(lever, values[lever.name], lang, on_lever)
        with solara.Details(t("card.more_levers", lang)):
            for lever in LEVERS:
                if not lever.main:
                    LeverInput(lever, values[lever.name], lang, on_lever)
        if setup.levers:
            names = ", ".join(t(f"lever.{name}.label", lang) for name, _ in setup.levers)
            Help(t("levers.changed", lang, names=names), classes=["ts-levers-changed"])
            solara.Button(
                t("btn.scenario_values", lang),
                on_click=on_restore,
                text=True,
                classes=["ts-restore"],
                icon_name="mdi-undo",
            )


# ---------------------------------------------------------------------------- views
def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


@solara.component
def NetworkView(lang: str, workshop: Workshop, labels: dict[str, str], key: Any):
    """Managers or agencies on their collaboration network, coloured by trust orientation.

    Drawn in a worker thread (matplotlib, ~50 ms), so a Step or a Play frame never waits for it;
    the last picture stays until the new one is ready.
    """

    def draw() -> bytes:
        snapshots, layout = workshop.networks()
        return _png(network_figure(snapshots, layout, labels, lang))

    # intrusive_cancel=False: no trace function in the drawing thread (it made matplotlib ~5x slower)
    result = solara.use_thread(draw, dependencies=[key, lang], intrusive_cancel=False)
    last = solara.use_ref(None)
    if result.value is not None:
        last.current = result.value
    if last.current is not None:
        solara.Image(last.current, width="100%", classes=["ts-network"])


@solara.component
def InfoPanel(lang: str, scenario: str = "", scenario_title: str = ""):
    """NetLogo-style Info: What is it? How it works. How to use it. Things to notice/try.

    With `scenario`, a last panel holds that scenario's own Info text (its file's [info] table,
    through `trustsim.teach.teaching.scenario_info`, when that module is there).
    """
    sections = ("what", "how", "use", "notice", "try", "credits")
    info = scenario_info_text(scenario, lang) if scenario else ""
    with (
        solara.Card(t("info.title", lang), margin=0, classes=["ts-info"]),
        rv.ExpansionPanels(multiple=True, v_model=[0]),
    ):
        if info:
            with rv.ExpansionPanel():
                rv.ExpansionPanelHeader(
                    children=[t("info.scenario.title", lang, title=scenario_title)],
                    class_="ts-info-scenario",
                )
                with rv.ExpansionPanelContent():
                    MarkdownText(info)
        for key in sections:
            with rv.ExpansionPanel():
                rv.ExpansionPanelHeader(
                    children=[t(f"info.{key}.title", lang)], class_=f"ts-info-{key}"
                )
                with rv.ExpansionPanelContent():
                    MarkdownText(t(f"info.{key}.body", lang))


@solara.component
def WorldControls(
    lang: str,
    setup: Setup,
    size_text: str,
    on_world: Callable[[str], None],
    on_scale: Callable[[float], None],
    on_seed: Callable[[str], bool],
):
    """World preset, scale and seed (shared by runs A and B)."""
    with solara.Card(t("card.world", lang), margin=0):
        rv.Select(
            label=t("world.label", lang),
            v_model=setup.world,
            on_v_model=on_world,
            items=[{"text": t(f"world.{w}", lang), "value": w} for w in WORLD_CHOICES],
            class_="ts-world",
            hide_details=True,
        )
        if setup.world == "teaching":
            Help(t("scale.fixed", lang))
        else:
            rv.Select(
                label=t("scale.label", lang),
                v_model=setup.scale,
                on_v_model=lambda v: on_scale(float(v)),
                class_="ts-scale",
                hide_details=True,
                items=[{"text": f"1:{round(1 / s)}", "value": s} for s in SCALES],
            )
        Help(size_text, classes=["ts-world-size"])
        SeedField(t("seed.label", lang), setup.seed, on_seed)
        Help(t("seed.help", lang))


@solara.component
def SeedField(label: str, seed: int, on_seed: Callable[[str], bool]):
    """A text field that applies on Enter or when it loses focus.

    `on_seed` says whether the text was accepted; a rejected text is replaced by the seed in use,
    so the field never shows a seed that the runs do not use.
    """
    text = solara.use_reactive(str(seed))
    solara.use_effect(lambda: text.set(str(seed)), [seed])  # the seed changed: show it

    def apply(typed: Any) -> None:
        if not on_seed(str(typed)):
            text.set(str(seed))

    field = rv.TextField(
        label=label, v_model=text.value, on_v_model=text.set, class_="ts-seed", hide_details=True
    )
    use_change(field, apply)


@solara.component
def BandSwitch(lang: str, on: bool, on_value: Callable[[bool], None]):
    """The uncertainty band: runs A and B with several seeds, shown as a range."""
    with solara.Card(t("band.label", lang, seeds=BAND_SEEDS), margin=0, classes=["ts-band-card"]):
        solara.Switch(
            label=t("band.label", lang, seeds=BAND_SEEDS),
            value=on,
            on_value=on_value,
            classes=["ts-band"],
        )
        Help(t("band.help", lang, seeds=BAND_SEEDS))


@solara.component
def ExportButtons(lang: str, workshop: Workshop, state: PageState):
    """Download the current runs as CSV, plain or for Swedish Excel (built only when clicked).

    While playing, the buttons are off and not redrawn per frame (their file names say the
    quarter reached, so they follow the runs again once paused).
    """
    playing = state.playing.value
    if not playing:
        state.tick.value  # noqa: B018 - subscribe only while paused
    with solara.Card(t("card.export", lang), margin=0):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            for excel_sv, key, icon, cls in (
                (False, "btn.export", "mdi-download", "ts-export"),
                (True, "btn.export_excel", "mdi-microsoft-excel", "ts-export-excel"),
            ):
                solara.FileDownload(
                    lambda excel_sv=excel_sv: workshop.to_csv(
                        excel_sv=excel_sv, headers=csv_headers(lang) if excel_sv else None
                    ),
                    filename=csv_filename(workshop.setup, workshop.quarter, excel_sv=excel_sv),
                    mime_type="text/csv",
                    children=[
                        solara.Button(
                            t(key, lang),
                            icon_name=icon,
                            outlined=True,
                            disabled=playing,
                            classes=[cls],
                        )
                    ],
                )
        Help(t("help.export", lang))


@solara.component
def SideControls(workshop: Workshop, state: PageState, scenarios: list[Scenario], act: Callable):
    """The side column: scenarios, levers, world and seed, uncertainty, export."""
    lang = state.lang.value
    state.revision.value  # noqa: B018 - subscribe: redrawn when the setup changes, not per step
    setup = workshop.setup

    def change(make_setup: Callable[[Setup], Setup]) -> None:
        act(lambda: workshop.change(make_setup(workshop.setup)), setup_changed=True)

    def on_seed(text: str) -> bool:
        value = parse_seed(text)
        if value is None:
            state.message.set(
                ("error", "msg.seed_bad", {"value": text, "max": MAX_SEED, "seed": setup.seed})
            )
            return False
        if value != setup.seed:
            change(lambda s: replace(s, seed=value))
        else:
            state.message.set(None)
        return True

    def on_band(on: bool) -> None:
        act(lambda: workshop.set_band(on), setup_changed=True)

    model = workshop.models["A"]
    size_text = t(
        "world.size",
        lang,
        staff=count(model.n_staff, lang),
        managers=count(model.n_workplaces, lang),
        organisations=count(model.n_agencies, lang),
    )
    with solara.Column(classes=["ts-side", "ts-controls"], gap="10px"):
        with solara.Div(classes=["ts-side-head"]):
            solara.Div(children=[t("app.title", lang)], classes=["ts-app-title", "ts-title"])
            solara.Button(  # the participatory session's console, in a tab of its own
                t("pp.link", lang),
                href="console",
                target="_blank",
                text=True,
                small=True,
                color="primary",
                icon_name="mdi-account-group",
                classes=["ts-participatory-link"],
            )
        ExercisePanel(workshop, state, act)
        ScenarioPicker(
            lang,
            setup,
            scenarios,
            lambda name: change(lambda s: s.with_scenario(name)),
            lambda name: change(lambda s: replace(s, compare=name, fixed_b=())),
        )
        LeverControls(
            lang,
            setup,
            lambda name, v: change(lambda s: s.with_lever(name, v)),
            lambda: change(lambda s: replace(s, levers=())),
        )
        WorldControls(
            lang,
            setup,
            size_text,
            lambda w: change(lambda s: replace(s, world=w)),
            lambda sc: change(lambda s: replace(s, scale=sc)),
            on_seed,
        )
        BandSwitch(lang, workshop.band_on, on_band)
        ExportButtons(lang, workshop, state)


@solara.component
def Charts(workshop: Workshop, state: PageState, scenarios: list[Scenario]):
    """The six outputs over time, drawn in the browser; new data on every tick."""
    lang = state.lang.value
    large = state.present.value  # presentation mode: ticks and axis names for the back row
    tick = state.tick.value
    setup = workshop.setup
    labels = run_labels(setup, lang, scenarios)

    def options():
        """The charts' options, or a note instead of a traceback (issue 25.1: one chart's error
        replaced the whole page, and only a reload, losing the session, recovered)."""
        try:
            scandals = workshop.scandal_quarters()
            opts = chart_options(
                workshop.frames(), labels, scandals, lang, workshop.ghosts, workshop.bands(), large
            )
            opts = {name: option_json(option) for name, option in opts.items()}
            legend = legend_items(labels, lang, len(workshop.ghosts), any(scandals.values()))
            return opts, legend, None
        except Exception as exc:  # noqa: BLE001 - shown in the page, never as a traceback
            return {name: "" for name in CHARTS}, [], describe_error(exc)

    opts, legend, problem = solara.use_memo(options, [tick, lang, setup, large])
    solara.use_effect(lambda: state.clock.drawn(tick), [tick])  # Play waits for this
    stem = csv_filename(setup, workshop.quarter)[: -len(".csv")]
    if problem is not None:
        _kind, key, values = problem
        solara.Error(t(key, lang, **values), classes=["ts-error", "ts-chart-error"])
    with solara.Div(classes=["ts-chart-grid", "ts-charts"]):
        for name in CHARTS:
            TimeChart.element(
                option_json=opts[name],
                tick=tick,
                title=t(f"chart.{name}.title", lang),
                unit=t(f"chart.{name}.unit", lang),
                note=chart_note(name, lang),
                decimal_comma=lang == "sv",
                legend=legend,
                filename=f"{stem}_{name}.png",
                png_help=t("chart.png_help", lang),
                name=name,
            )


@solara.component
def RunsLegend(workshop: Workshop, state: PageState, scenarios: list[Scenario]):
    """Which run is which, with run A's lever changes, right above the charts."""
    lang = state.lang.value
    state.revision.value  # noqa: B018 - subscribe to setup changes
    setup = workshop.setup
    labels = run_labels(setup, lang, scenarios)
    with solara.Row(classes=["ts-runs"], style={"gap": "4px 24px", "flex-wrap": "wrap"}):
        for run, label in labels.items():
            line = "solid" if run == "A" else "dashed"
            style = {
                "color": COLOURS[run],
                "font-weight": "bold",
                "border-left": f"5px {line} {COLOURS[run]}",
                "padding-left": "8px",
            }
            solara.Div(children=[label], classes=[f"ts-run-{run}"], style=style)
        if setup.levers:
            solara.Div(
                children=[f"{t('levers.changed', lang, names=lever_changes_text(setup, lang))}"],
                classes=["ts-runs-levers"],
                style={"color": "#333", "font-size": "0.9em"},
            )
        if workshop.ghosts:
            solara.Button(
                t("btn.forget_ghosts", lang),
                on_click=lambda: (workshop.forget_ghosts(), state.tick.set(state.tick.value + 1)),
                text=True,
                small=True,
                classes=["ts-forget-ghosts"],
            )


@solara.component
def Notes(workshop: Workshop, state: PageState, problems: list[str]):
    """The last action's note or error, and what the runs' state means (kept while it holds)."""
    lang = state.lang.value
    state.at_end.value  # noqa: B018 - subscribe
    state.stop_at.value  # noqa: B018 - subscribe
    if not state.playing.value:  # while playing the notes do not change: no redraw per frame
        state.tick.value  # noqa: B018 - subscribe: re-read after every change
    with solara.Div(classes=["ts-notes"]):
        for kind, key, values in notes(workshop, state.message.value, state.stop_at.value):
            shown = {k: shown_value(v, lang) for k, v in values.items()}
            text = t(key, lang, **shown)
            if kind == "error":
                solara.Error(text, classes=["ts-error"])
            else:
                solara.Info(text, classes=["ts-message"], dense=True)
        for problem in problems:
            solara.Warning(problem, classes=["ts-warning"])


@solara.component
def NetworkAndInfo(workshop: Workshop, state: PageState, scenarios: list[Scenario]):
    """The network picture and the Info panel.

    The network changes slowly and is the costliest picture (matplotlib on the server): it is
    redrawn when a new simulated year starts, the setup changes or Play stops, never per quarter
    and not while playing (a room of sessions playing would spend most of the server on it).
    """
    lang = state.lang.value
    state.revision.value  # noqa: B018 - subscribe: a new setup redraws the picture
    last = solara.use_ref(None)
    if state.playing.value or last.current is None:
        key = last.current or ("start", id(workshop.models["A"]))
    if not state.playing.value:
        state.year.value  # noqa: B018 - subscribe while paused: a new year redraws the picture
        key = (workshop.quarter // 4, id(workshop.models["A"]), workshop.setup)
    last.current = key
    labels = run_labels(workshop.setup, lang, scenarios)
    with solara.Columns([3, 2]):
        NetworkView(lang, workshop, labels, key)
        scenario = workshop.setup.scenario
        titles = {sc.name: sc.title.get(lang, sc.name) for sc in scenarios}
        InfoPanel(lang, scenario, titles.get(scenario, scenario))


# ---------------------------------------------------------------------------- exercises
@solara.component
def ExercisePanel(workshop: Workshop, state: PageState, act: Callable):
    """Pick an exercise; it sets up the runs and leads through its steps one at a time."""
    lang = state.lang.value
    state.ex_tick.value  # noqa: B018 - subscribe: the exercise's progress
    exercises, problems = solara.use_memo(list_exercises, [])
    if not exercises:
        return
    by_id = {ex.ident: ex for ex in exercises}
    progress: ExerciseProgress | None = state.exercise.value

    def pick(ident: str | None) -> None:
        state.playing.set(False)
        if not ident:
            state.exercise.set(None)
            state.ex_tick.set(state.ex_tick.value + 1)
            return
        exercise = by_id[ident]

        def start() -> None:
            workshop.reset(exercise_setup(exercise))
            state.exercise.set(ExerciseProgress.start(exercise))
            state.stop_at.set(None)

        act(start, setup_changed=True)
        state.ex_tick.set(state.ex_tick.value + 1)

    items = [{"text": t("ex.none", lang), "value": ""}] + [
        {"text": f"{ex.title.get(lang, ex.ident)} ({ex.minutes} min)", "value": ex.ident}
        for ex in exercises
    ]
    with solara.Card(t("ex.card", lang), margin=0, classes=["ts-exercise"]):
        rv.Select(
            label=t("ex.label", lang),
            items=items,
            v_model=progress.exercise.ident if progress else "",
            on_v_model=pick,
            class_="ts-exercise-select",
            hide_details=True,
        )
        for problem in problems:
            solara.Warning(problem)
        if progress is None:
            Help(t("ex.help", lang))
        else:
            ExerciseStep(workshop, state, progress)


def _bump(state: PageState) -> None:
    state.ex_tick.set(state.ex_tick.value + 1)


@solara.component
def ExerciseStep(workshop: Workshop, state: PageState, progress: ExerciseProgress):
    """The current step: its text, its question or its run, the feedback, Back and Next."""
    lang = state.lang.value
    state.tick.value  # noqa: B018 - subscribe: a run step waits for the quarter reached
    version = state.ex_tick.value  # the progress object changes in place: this says when
    exercise, step = progress.exercise, progress.current
    error = solara.use_reactive("")
    Help(t("ex.goal", lang, goal=exercise.goal.get(lang, "")), classes=["ts-exercise-goal"])
    progress_text = t("ex.progress", lang, step=progress.step + 1, steps=len(progress.steps))
    StepAnchor.element(step=progress.step)
    solara.Div(
        children=[f"{progress_text} · {t(f'ex.kind.{step.kind}', lang)}"],
        classes=["ts-exercise-progress"],
        style={"font-weight": "bold", "margin-top": "8px"},
    )
    MarkdownText(step.text.get(lang, ""), classes=["ts-exercise-text"])
    if step.question is not None:
        QuestionInput(lang, progress, step, error, lambda: _bump(state), version, workshop)
        if state.teacher:
            TeacherKey(lang, progress, step, workshop, workshop.quarter)
    target = progress.target_quarter()
    if step.kind == "run" and target is not None:
        year = target // 4
        if workshop.quarter >= target:
            solara.Success(t("ex.run_done", lang, year=year), classes=["ts-exercise-ran"])
        else:

            def run() -> None:
                state.stop_at.set(target)
                state.message.set(None)
                state.playing.set(True)

            solara.Button(
                t("ex.run", lang, year=year),
                on_click=run,
                color="primary",
                disabled=state.playing.value,
                classes=["ts-exercise-run"],
                icon_name="mdi-play-speed",
            )
    ExerciseCharts(workshop, state, exercise)
    ran = any(s.kind == "run" and i < progress.step for i, s in enumerate(progress.steps)) or (
        step.kind == "run" and target is not None and workshop.quarter >= target
    )
    if ran and progress.predictions():
        Predictions(lang, progress, version, workshop, workshop.quarter)
    if not progress.can_advance(workshop.quarter):
        need = "ex.need_prediction" if step.kind == "predict" else "ex.need_run"
        Help(t(need, lang, year=(target or 0) // 4), classes=["ts-exercise-need"])
    with solara.Row(gap="6px"):
        solara.Button(
            t("ex.prev", lang),
            on_click=lambda: (progress.go(-1, workshop.quarter), error.set(""), _bump(state)),
            disabled=progress.step == 0,
            outlined=True,
            classes=["ts-exercise-prev"],
            icon_name="mdi-chevron-left",
        )
        solara.Button(
            t("ex.next", lang),
            on_click=lambda: (progress.go(1, workshop.quarter), error.set(""), _bump(state)),
            disabled=progress.last or not progress.can_advance(workshop.quarter),
            color="primary",
            classes=["ts-exercise-next"],
            icon_name="mdi-chevron-right",
        )
    if progress.last:
        solara.Div(
            children=[t("ex.should_see", lang)],
            style={"font-weight": "bold", "margin-top": "10px"},
        )
        MarkdownText(exercise.should_see.get(lang, ""), classes=["ts-exercise-should-see"])
        HandIn(lang, progress, version)


def exercise_outputs(exercise: Any) -> list[str]:
    """The outputs an exercise asks about that the six charts do not show (rule-blocked ideas,
    programme cost): the exercise panel draws them, so every asked quantity is on the page."""
    out: list[str] = []
    for question in exercise.questions:
        stat = question.statistic
        if stat is not None and stat.output not in CHARTS and stat.output not in out:
            out.append(stat.output)
    return out


@solara.component
def ExerciseCharts(workshop: Workshop, state: PageState, exercise: Any):
    """Charts of the exercise's own outputs (those not among the six), in the exercise panel."""
    names = exercise_outputs(exercise)
    if not names:
        return
    lang = state.lang.value
    tick = state.tick.value
    setup = workshop.setup

    def options():
        labels = {run: run for run in workshop.models}  # the letters of the legend above
        scandals = workshop.scandal_quarters()
        frames, bands = workshop.frames(), workshop.bands()
        return {
            name: option_json(
                chart_option(name, frames, labels, scandals, lang, workshop.ghosts, bands)
            )
            for name in names
        }

    opts = solara.use_memo(options, [tick, lang, setup, tuple(names)])
    with solara.Div(classes=["ts-exercise-charts"]):
        for name in names:
            TimeChart.element(
                option_json=opts[name],
                tick=tick,
                title=t(f"chart.{name}.title", lang),
                unit=t(f"chart.{name}.unit", lang),
                decimal_comma=lang == "sv",
                height="190px",
                png_help=t("chart.png_help", lang),
                name=name,
            )


@solara.component
def QuestionInput(
    lang: str,
    progress: ExerciseProgress,
    step: Any,
    error: solara.Reactive,
    bump: Callable,
    version: int,
    workshop: Workshop,
):
    """The question, then a choice (radio buttons), a number or an open text, saved and checked
    by the key."""
    question = step.question
    saved = progress.responses.get(question.ident)
    draft = solara.use_reactive(saved or "")
    solara.use_effect(lambda: draft.set(saved or ""), [question.ident])
    solara.Div(  # the question itself, above the answer field (not only the step's lead-in)
        children=[question.text.get(lang, "")],
        classes=["ts-exercise-question"],
    )
    if question.kind == "choice":
        with rv.RadioGroup(
            v_model=draft.value,
            on_v_model=lambda v: draft.set(v or ""),
            class_="ts-exercise-choice",
        ):
            for i, option in enumerate(question.options):
                rv.Radio(label=option.get(lang, ""), value=str(i), class_=f"ts-exercise-option-{i}")
    else:
        unit = question.unit.get(lang, "")
        label = t("ex.unit", lang, unit=unit) if unit else t("ex.your_answer", lang)
        common = {
            "label": label,
            "v_model": draft.value,
            "on_v_model": lambda v: draft.set(v or ""),
            "class_": "ts-exercise-input",
            "hide_details": True,
        }
        if question.kind == "open":
            rv.Textarea(rows=3, auto_grow=True, **common)
        else:
            rv.TextField(**common)

    def save() -> None:
        try:
            progress.answer(question, draft.value)
        except NotANumber:
            error.set(t("ex.not_a_number", lang, answer=str(draft.value).strip()))
            return
        except ParameterError:
            error.set(t("ex.empty", lang))
            return
        error.set("")
        bump()

    solara.Button(
        t("ex.predict_save" if step.kind == "predict" else "ex.answer", lang),
        on_click=save,
        color="primary",
        outlined=True,
        classes=["ts-exercise-answer"],
        icon_name="mdi-content-save",
    )
    if error.value:
        solara.Error(error.value, classes=["ts-exercise-error"])
    if saved is not None:
        Feedback(lang, progress, step, version, workshop, workshop.quarter)


@solara.component
def Feedback(
    lang: str, progress: ExerciseProgress, step: Any, version: int, workshop: Workshop, quarter: int
):
    """What the key says of a saved answer (a prediction is only saved: it is shown later).

    The verdict is the first answer's: answering again after seeing the model's value is
    possible, and the hand-in keeps both."""
    question = step.question
    answer_text = progress.response_text(question, lang, first=True)
    result = progress.first_results.get(question.ident)
    with solara.Div(classes=["ts-exercise-feedback"]):
        if step.kind == "predict":
            solara.Info(t("ex.saved_prediction", lang, answer=answer_text), dense=True)
            return
        if result is True:
            solara.Success(t("ex.right", lang, answer=answer_text), dense=True)
        elif result is False:
            solara.Warning(t("ex.wrong", lang, answer=answer_text), dense=True)
        else:
            solara.Info(t("ex.saved", lang, answer=answer_text), dense=True)
        latest = progress.response_text(question, lang)
        if latest != answer_text:
            Help(t("ex.later_answer", lang, answer=latest), classes=["ts-exercise-later"])
        key = (progress.key or {}).get(question.ident)
        if key is not None and result is not None:
            own = progress.page_value(question, workshop)
            Help(model_answer(lang, question, key, own), classes=["ts-exercise-model"])
        if progress.key is None:
            Help(t("ex.no_key", lang))


@solara.component
def TeacherKey(lang: str, progress: ExerciseProgress, step: Any, workshop: Workshop, quarter: int):
    """The teacher's view: the key's answer to the current question before anyone answers, and
    the value of the run on the page once it has been played that far."""
    question = step.question
    key = (progress.key or {}).get(question.ident)
    with solara.Div(classes=["ts-exercise-key"]):
        solara.Div(children=[t("ex.teacher_key", lang)], style={"font-weight": "bold"})
        if key is None or key.kind == "open":
            Help(t("ex.teacher_open", lang))
            return
        own = progress.page_value(question, workshop)
        Help(model_answer(lang, question, key, own))


UNIT_OUTPUTS = UNIT_RANGE  # indices on 0..1: a band shown for them stays on 0..1


def model_answer(lang: str, question: Any, key: Any, own: float | None = None) -> str:
    """The model's answer: the right option, or the value and its band over the replications,
    and (`own`) the value of the run the page shows, which may differ from the key's mean."""
    if question.kind == "choice" and key.correct is not None:
        return t("ex.model_choice", lang, option=question.options[key.correct].get(lang, ""))
    low, high = key.low, key.high
    stat = question.statistic
    if stat is not None and stat.output in UNIT_OUTPUTS and stat.run != "b-a":
        low, high = max(0.0, low), min(1.0, high)
    text = t(
        "ex.band",
        lang,
        value=number(key.value, lang, 3),
        low=number(low, lang, 3),
        high=number(high, lang, 3),
        reps=key.replications,
    )
    if own is not None:
        text = t("ex.page_value", lang, value=number(own, lang, 3)) + " " + text
    return text


@solara.component
def Predictions(
    lang: str, progress: ExerciseProgress, version: int, workshop: Workshop, quarter: int
):
    """The student's predictions beside the model's answer, once the runs have been played."""
    with solara.Div(classes=["ts-exercise-predictions"], style={"margin": "8px 0"}):
        solara.Div(children=[t("ex.predictions", lang)], style={"font-weight": "bold"})
        for question in progress.predictions():
            line = t(
                "ex.prediction_line",
                lang,
                question=question.text.get(lang, ""),
                answer=progress.response_text(question, lang, first=True),
            )
            key = (progress.key or {}).get(question.ident)
            if key is not None and (key.correct is not None or question.kind == "numeric"):
                own = progress.page_value(question, workshop)
                line += " " + model_answer(lang, question, key, own)
                result = progress.first_results.get(question.ident)
                if result is not None:
                    line += " " + t("ex.prediction_right" if result else "ex.prediction_off", lang)
            Help(line, classes=["ts-exercise-prediction"])


@solara.component
def HandIn(lang: str, progress: ExerciseProgress, version: int):
    """The student's answers to hand in, as Markdown or as CSV for Excel."""
    name = solara.use_reactive("")
    labels = {
        "name": t("ex.handin_name", lang),
        "yes": t("ex.handin_yes", lang),
        "no": t("ex.handin_no", lang),
        "later_answer": t("ex.handin_later", lang),
    }
    columns = {c: t(f"ex.handin_col.{c}", lang) for c in HANDIN_COLUMNS}
    stem = f"trustsim_{progress.exercise.ident}_{name.value or 'svar'}".replace(" ", "_")
    solara.Div(children=[t("ex.handin", lang)], style={"font-weight": "bold", "margin-top": "10px"})
    solara.InputText(t("ex.name", lang), value=name, classes=["ts-exercise-name"])
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            lambda: progress.handin_markdown(lang, name.value, labels),
            filename=f"{stem}.md",
            mime_type="text/markdown",
            children=[
                solara.Button(
                    t("ex.handin_md", lang),
                    icon_name="mdi-download",
                    outlined=True,
                    classes=["ts-exercise-handin"],
                )
            ],
        )
        solara.FileDownload(
            lambda: progress.handin_csv(
                lang, name.value, {**columns, **labels_yes_no(labels), **kind_labels(lang)}
            ),
            filename=f"{stem}.csv",
            mime_type="text/csv",
            children=[
                solara.Button(
                    t("ex.handin_csv", lang),
                    icon_name="mdi-download",
                    outlined=True,
                    classes=["ts-exercise-handin-csv"],
                )
            ],
        )


def labels_yes_no(labels: dict[str, str]) -> dict[str, str]:
    return {"yes": labels["yes"], "no": labels["no"]}


def kind_labels(lang: str) -> dict[str, str]:
    return {f"kind.{k}": t(f"ex.kind.{k}", lang) for k in ("predict", "run", "explain", "question")}


CSV_COLUMNS = (
    "run",
    "scenario",
    "world",
    "scale",
    "seed",
    "quarter",
    "year",
    "scandal_pressed",
    "lever_changes",
)


def csv_headers(lang: str) -> dict[str, str]:
    """The Excel file's column names in the page's language: the outputs as the glossary names
    them, the run's description from strings.json."""
    headers = {c: t(f"csv.col.{c}", lang) for c in (*CSV_COLUMNS, *DIAGNOSTICS)}
    with contextlib.suppress(ImportError):
        from trustsim.teach.teaching import OUTPUT_NAMES

        headers.update({name: names[lang] for name, names in OUTPUT_NAMES.items()})
    return headers


# ---------------------------------------------------------------------------- the whole view
@solara.component
def WorkshopView(workshop: Workshop, initial_lang: str = "sv", teacher: bool = False):
    """The whole page for one session's `workshop`; `teacher`: with the exercises' answer key."""
    state = PageState(
        lang=solara.use_reactive(initial_lang),
        tick=solara.use_reactive(0),
        revision=solara.use_reactive(0),
        playing=solara.use_reactive(False),
        stop_at=solara.use_reactive(None),
        message=solara.use_reactive(None),
        present=solara.use_reactive(False),
        exercise=solara.use_reactive(None),
        ex_tick=solara.use_reactive(0),
        at_end=solara.use_reactive(False),
        year=solara.use_reactive(0),
        clock=solara.use_memo(FrameClock, []),
        teacher=teacher,
    )
    scenarios, problems = solara.use_memo(load_scenarios, [])

    def act(action: Callable[[], tuple | None], setup_changed: bool = False) -> None:
        """Run a user action; show its note or a clear error in the page; redraw."""
        try:
            state.message.set(action())
        except Exception as exc:  # noqa: BLE001 - shown in the page, never as a traceback
            state.playing.set(False)
            state.message.set(describe_error(exc))
        if setup_changed:
            state.revision.set(state.revision.value + 1)
        state.at_end.set(workshop.at_end())
        state.year.set(workshop.quarter // 4)
        state.tick.set(state.tick.value + 1)

    lang, present = state.lang.value, state.present.value
    solara.Title(t("app.title", lang))
    solara.Style(PAGE_CSS)
    with solara.Column(gap="0px", classes=["ts-page"] + (["ts-present"] if present else [])):
        Toolbar(workshop, state, act)
        with solara.Row(
            style={"align-items": "flex-start", "flex-wrap": "nowrap", "gap": "14px"},
            classes=["ts-body"],
        ):
            if not present:
                SideControls(workshop, state, scenarios, act)
            elif state.exercise.value is not None:  # the current step beside the charts
                with solara.Column(classes=["ts-side", "ts-present-exercise"], gap="8px"):
                    ExercisePanel(workshop, state, act)
            with solara.Column(classes=["ts-main"], gap="6px"):
                with solara.Div(classes=["ts-screen"]):  # legend, notes, charts: one screen
                    RunsLegend(workshop, state, scenarios)
                    Notes(workshop, state, problems)
                    Charts(workshop, state, scenarios)
                if not present:
                    NetworkAndInfo(workshop, state, scenarios)
