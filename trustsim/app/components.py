"""Solara components of the workshop page. Presentation only: they read and drive a `Workshop`.

Every interactive element carries a `ts-...` CSS class so that tests (and facilitators' own
scripts) can find it whatever the language.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import markdown
import solara
from solara.alias import rv

from .charts import COLOURS, network_figure, timeseries_figure
from .i18n import LANG_NAMES, LANGS, count, number, t
from .session import (
    LEVERS,
    MAX_YEARS,
    SCALES,
    Lever,
    ParameterError,
    Scenario,
    ScenarioError,
    Setup,
    Workshop,
    csv_filename,
    load_scenarios,
)

log = logging.getLogger(__name__)

DPI = 80  # charts as PNG: crisp on a projector, cheap enough to redraw every quarter
HELP_STYLE = {
    "font-size": "0.8em",
    "color": "#555",
    "line-height": "1.25",
    "margin": "2px 0 12px 0",
}
LABEL_STYLE = {"font-size": "0.95em", "font-weight": "500", "margin-top": "4px"}
WORLD_CHOICES = ("teaching", "state", "public-sector")
PLAY_INTERVAL = 0.1  # seconds from one Play frame to the next, at least
PLAY_GAP = 0.03  # idle time after every frame, so clicks (Pause!) are handled at once
FRAME_TIMEOUT = 30.0  # no frame drawn for this long: the page is gone, Play stops


class FrameClock:
    """Which redraw has reached the page; Play waits for each frame before the next step.

    Without it, a Play loop that steps faster than the page draws would keep Solara's render
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


# ---------------------------------------------------------------------------- small helpers
def Help(text: str, classes: list[str] | None = None) -> solara.Element:
    """A short help text under a control."""
    return solara.Div(children=[text], style=HELP_STYLE, classes=classes or [])


def MarkdownText(text: str, classes: list[str] | None = None) -> solara.Element:
    """Our own Markdown rendered on the server (solara.Markdown would fetch KaTeX at run time)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), classes=classes or [])


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


# ---------------------------------------------------------------------------- controls
@solara.component
def LanguageSwitch(lang: solara.Reactive[str]):
    """Svenska | English: two buttons, the active one filled."""
    with solara.Row(style={"align-items": "center"}, classes=["ts-lang"]):
        solara.Text(f"{t('lang.label', lang.value)}:")
        for code in LANGS:
            active = code == lang.value
            solara.Button(
                LANG_NAMES[code],
                on_click=lambda code=code: lang.set(code),
                color="primary" if active else None,
                outlined=not active,
                small=True,
                classes=[f"ts-lang-{code}", "ts-lang-active" if active else "ts-lang-inactive"],
            )


@solara.component
def RunControls(
    lang: str,
    quarter: int,
    playing: bool,
    at_end: bool,
    on_step: Callable[[], None],
    on_play: Callable[[], None],
    on_reset: Callable[[], None],
    on_scandal: Callable[[], None],
):
    """Step, Play/Pause, Reset, the quarter reached, and the visible-scandal button."""
    with solara.Card(t("card.run", lang), margin=0, classes=["ts-run"]):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
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
        status = t("status.quarter", lang, quarter=quarter, year=number(quarter / 4, lang))
        solara.Div(
            children=[status],
            classes=["ts-status"],
            style={"font-size": "1.2em", "font-weight": "bold", "margin": "10px 0 4px 0"},
        )
        Help(t("help.run", lang, years=MAX_YEARS))
        solara.Button(
            t("btn.scandal", lang),
            on_click=on_scandal,
            color="error",
            block=True,
            disabled=at_end,
            classes=["ts-scandal"],
            icon_name="mdi-newspaper-variant",
        )
        Help(t("help.scandal", lang))


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
            claims = ", ".join(chosen.claims) or "-"
            Help(
                f"{chosen.description.get(lang, '')} {t('claims', lang, claims=claims)}",
                classes=["ts-scenario-description"],
            )
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


@solara.component
def WorldControls(
    lang: str,
    setup: Setup,
    size_text: str,
    on_world: Callable[[str], None],
    on_scale: Callable[[float], None],
    on_seed: Callable[[int | None], None],
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
        solara.InputInt(
            t("seed.label", lang), value=setup.seed, on_value=on_seed, classes=["ts-seed"]
        )
        Help(t("seed.help", lang))


@solara.component
def ExportButton(lang: str, workshop: Workshop, tick: int):
    """Download the current runs as CSV (built only when clicked)."""
    filename = csv_filename(workshop.setup, workshop.quarter)
    with solara.Card(t("card.export", lang), margin=0):
        solara.FileDownload(
            workshop.to_csv,
            filename=filename,
            mime_type="text/csv",
            children=[
                solara.Button(
                    t("btn.export", lang),
                    icon_name="mdi-download",
                    outlined=True,
                    classes=["ts-export"],
                )
            ],
        )
        Help(t("help.export", lang))


# ---------------------------------------------------------------------------- views
def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


@solara.component
def Charts(lang: str, workshop: Workshop, labels: dict[str, str], tick: int):
    """The six outputs over time, runs A and B in the same charts; redrawn when `tick` changes."""

    def draw() -> bytes:
        fig = timeseries_figure(workshop.frames(), labels, workshop.scandal_quarters(), lang)
        return _png(fig)

    png = solara.use_memo(draw, [tick, lang])
    solara.Image(png, width="100%", classes=["ts-charts"])


@solara.component
def NetworkView(lang: str, workshop: Workshop, labels: dict[str, str], key: Any):
    """Managers or agencies on their collaboration network, coloured by trust orientation."""

    def draw() -> bytes:
        snapshots, layout = workshop.networks()
        return _png(network_figure(snapshots, layout, labels, lang))

    png = solara.use_memo(draw, [key, lang])
    solara.Image(png, width="100%", classes=["ts-network"])


@solara.component
def InfoPanel(lang: str):
    """NetLogo-style Info: What is it? How it works. How to use it. Things to notice/try."""
    sections = ("what", "how", "use", "notice", "try", "credits")
    with (
        solara.Card(t("info.title", lang), margin=0, classes=["ts-info"]),
        rv.ExpansionPanels(multiple=True, v_model=[0]),
    ):
        for key in sections:
            with rv.ExpansionPanel():
                rv.ExpansionPanelHeader(
                    children=[t(f"info.{key}.title", lang)], class_=f"ts-info-{key}"
                )
                with rv.ExpansionPanelContent():
                    MarkdownText(t(f"info.{key}.body", lang))


@solara.component
def RunsLegend(labels: dict[str, str]):
    """Which run is which, as text in the page (the charts carry the same legend)."""
    with solara.Row(classes=["ts-runs"], style={"gap": "24px", "flex-wrap": "wrap"}):
        for run, label in labels.items():
            line = "solid" if run == "A" else "dashed"
            style = {
                "color": COLOURS[run],
                "font-weight": "bold",
                "border-left": f"5px {line} {COLOURS[run]}",
                "padding-left": "8px",
            }
            solara.Div(children=[label], classes=[f"ts-run-{run}"], style=style)


@solara.component
def Message(lang: str, message: tuple | None):
    """An info or error line in the page (never a traceback)."""
    if message is None:
        return
    kind, key, values = message
    text = t(key, lang, **values)
    if kind == "error":
        solara.Error(text, classes=["ts-error"])
    else:
        solara.Info(text, classes=["ts-message"])


# ---------------------------------------------------------------------------- the whole view
def describe_error(exc: Exception) -> tuple[str, str, dict]:
    """A page message for an exception: the library's own message for bad input."""
    if isinstance(exc, (ParameterError, ScenarioError)):
        return ("error", "msg.error", {"error": str(exc)})
    log.exception("unexpected error in the workshop page")
    return ("error", "msg.unexpected", {"kind": type(exc).__name__})


@solara.component
def WorkshopView(workshop: Workshop, initial_lang: str = "sv"):
    """The whole page for one session's `workshop`."""
    lang = solara.use_reactive(initial_lang)
    tick = solara.use_reactive(0)  # bumped whenever the runs change, to redraw
    playing = solara.use_reactive(False)
    message = solara.use_reactive(None)  # (kind, i18n key, values) or None
    scenarios, problems = solara.use_memo(load_scenarios, [])
    clock = solara.use_memo(FrameClock, [])
    solara.use_effect(lambda: clock.drawn(tick.value), [tick.value])

    def redraw() -> None:
        tick.set(tick.value + 1)

    def act(action: Callable[[], tuple | None]) -> None:
        """Run a user action; show its note or a clear error in the page; redraw."""
        try:
            message.set(action())
        except Exception as exc:  # noqa: BLE001 - shown in the page, never as a traceback
            playing.set(False)
            message.set(describe_error(exc))
        redraw()

    def change(make_setup: Callable[[Setup], Setup]) -> None:
        act(lambda: workshop.change(make_setup(workshop.setup)))

    def on_step() -> None:
        def step():
            workshop.step(1)

        act(step)

    def on_play() -> None:
        playing.set(not playing.value)
        redraw()  # a pause brings the network view up to date

    def on_reset() -> None:
        playing.set(False)
        act(workshop.reset)

    def on_scandal() -> None:
        def scandal():
            quarter = workshop.quarter
            size = workshop.scandal()
            return ("info", "msg.scandal", {"quarter": quarter, "size": number(size, lang.value)})

        act(scandal)

    def on_seed(value: int | None) -> None:
        if value is None:
            return
        change(lambda s: replace(s, seed=value))

    def play_loop() -> None:
        """One quarter per frame: step, redraw, wait until drawn, pause briefly, repeat."""
        while playing.value and task.is_current():  # a closed page cancels the task
            started = time.monotonic()
            if workshop.step(1) == 0:
                playing.set(False)
                break
            target = tick.value + 1
            tick.set(target)
            if not clock.wait(target):  # nobody is drawing (page gone): stop
                playing.set(False)
                break
            elapsed = time.monotonic() - started
            time.sleep(max(PLAY_GAP, PLAY_INTERVAL - elapsed))

    task = solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    quarter, setup, lg = workshop.quarter, workshop.setup, lang.value
    model = workshop.models["A"]
    size_text = t(
        "world.size",
        lg,
        staff=count(model.n_staff, lg),
        managers=count(model.n_workplaces, lg),
        organisations=count(model.n_agencies, lg),
    )
    labels = run_labels(setup, lg, scenarios)
    note = message.value
    if note is None and setup.compare == setup.scenario and not setup.levers:
        note = ("info", "msg.identical", {})
    if note is None and workshop.at_end():
        note = ("info", "status.end", {"years": MAX_YEARS})

    solara.Title(t("app.title", lg))
    with solara.Row(
        style={"align-items": "flex-start", "flex-wrap": "nowrap", "gap": "16px"},
        classes=["ts-page"],
    ):
        with solara.Column(
            style={
                "width": "400px",
                "min-width": "320px",
                "flex": "0 0 400px",
                "max-height": "calc(100vh - 24px)",
                "overflow-y": "auto",
                "padding": "4px",
            },
            classes=["ts-controls"],
        ):
            LanguageSwitch(lang)
            RunControls(
                lg,
                quarter,
                playing.value,
                workshop.at_end(),
                on_step,
                on_play,
                on_reset,
                on_scandal,
            )
            ScenarioPicker(
                lg,
                setup,
                scenarios,
                lambda name: change(lambda s: s.with_scenario(name)),
                lambda name: change(lambda s: replace(s, compare=name)),
            )
            LeverControls(
                lg,
                setup,
                lambda name, v: change(lambda s: s.with_lever(name, v)),
                lambda: change(lambda s: replace(s, levers=())),
            )
            WorldControls(
                lg,
                setup,
                size_text,
                lambda w: change(lambda s: replace(s, world=w)),
                lambda sc: change(lambda s: replace(s, scale=sc)),
                on_seed,
            )
            ExportButton(lg, workshop, tick.value)
        with solara.Column(
            style={
                "flex": "1 1 auto",
                "min-width": "0",
                "max-height": "calc(100vh - 24px)",
                "overflow-y": "auto",
            },
            classes=["ts-main"],
        ):
            solara.HTML(tag="h2", unsafe_innerHTML=t("app.title", lg), classes=["ts-title"])
            RunsLegend(labels)
            Message(lg, note)
            for problem in problems:
                solara.Warning(problem, classes=["ts-warning"])
            Charts(lg, workshop, labels, tick.value)
            # while playing, the network (the slowest picture) is redrawn once a simulated year
            network_key = (quarter // 4, setup) if playing.value else tick.value
            with solara.Columns([3, 2]):
                NetworkView(lg, workshop, labels, network_key)
                InfoPanel(lg)
