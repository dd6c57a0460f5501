"""The participatory pages: `/join` (participants, phone-sized) and `/console` (the facilitator).

Both read the registry of `trustsim/app/room.py`; the game itself is `trustsim/play/participatory.py`.
A browser is known by Solara's session cookie: the facilitator's browser owns the session it
started, a participant's browser holds its seat (a reload or a phone that slept gets it back).
No token ever reaches a page. Every page waits on its room in a thread of its own session and
redraws when the room changes (a decision, a round closing, the timer's second).

Every element a test or script needs carries a `ts-pp-...` (participant) or `ts-pc-...` (console)
class, whatever the language.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import solara
from solara.alias import rv

from trustsim.play.participatory import AGENCY_HEAD, DECISIONS, OBSERVER, ROLES, escape

from .components import LanguageSwitch, start_play
from .i18n import MissingString, count, default_lang, number, t
from .room import (
    DEFAULT_ROUND_SECONDS,
    ROOMS,
    STATE_SCALES,
    URLS_ENV,
    Room,
    RoomError,
    Rooms,
    console_key_needed,
    decides,
    join_urls,
)
from .webcharts import AXIS_FONT, TimeChart, option_json

CONSOLE_CHARTS = ("innovation_rate", "incident_rate", "trust_orientation", "steering_detail")
UNIT_RANGE = {"trust_orientation", "steering_detail", "experimentation_culture"}
RUN_COLOURS = {
    "session": "#1f5fa8",
    "baseline-control": "#b03a2e",
    "integrated-esv-digg": "#2e8b57",
}
RUN_LABELS = {
    "session": "pc.debrief.session",
    "baseline-control": "pc.debrief.baseline",
    "integrated-esv-digg": "pc.debrief.reform",
}
# what each role reads in its yearly table (keys of Session.view), and the label of each
ROLE_COLUMNS = {
    "government": (
        "innovation_rate",
        "incident_rate",
        "steering_detail",
        "reporting_demands",
        "trust_orientation",
    ),
    "support": (
        "trust_orientation",
        "experimentation_culture",
        "reporting_demands",
        "admin_burden",
    ),
    "observer": (
        "innovation_rate",
        "incident_rate",
        "trust_orientation",
        "experimentation_culture",
        "steering_detail",
    ),
}
HEAD_COLUMNS = {
    "incidents_per_1000": "pp.out.incidents",
    "experiments_succeeded_per_1000": "pp.out.succeeded",
    "workplaces_innovating_share": "pp.out.innovating_share",
}
HEAD_NOW = {
    "trust_orientation": "pp.out.orientation",
    "staff_autonomy": "pp.out.staff_autonomy",
    "steering_detail": "pp.out.detail",
    "reporting_demands": "pp.out.reporting",
}
QR_SCALE = 5
PP_CSS = """
.ts-pp { max-width: 520px; margin: 0 auto; padding: 8px 12px 40px 12px; font-size: 16px; }
.ts-pp h2, .ts-pc h2 { font-size: 1.25em; margin: 6px 0; }
.ts-pp h3, .ts-pc h3 { font-size: 1.05em; margin: 12px 0 4px 0; }
.ts-pp-head, .ts-pc-head { display: flex; align-items: center; justify-content: space-between;
  gap: 8px; flex-wrap: wrap; }
.ts-pp-status, .ts-pc-status { font-weight: 600; font-size: 1.05em; padding: 8px 10px;
  background: #eef3fa; border-radius: 6px; margin: 6px 0; }
.ts-pp table, .ts-pc table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.ts-pp th, .ts-pp td, .ts-pc th, .ts-pc td { border-bottom: 1px solid #dde3ec; padding: 3px 5px;
  text-align: right; }
.ts-pp th:first-child, .ts-pp td:first-child, .ts-pc th:first-child, .ts-pc td:first-child {
  text-align: left; }
.ts-pp-table { overflow-x: auto; }
.ts-pp-news div, .ts-pp-msg div { padding: 3px 0; }
.ts-pp-msg { background: #fff7e0; border-radius: 6px; padding: 4px 10px; margin: 6px 0; }
.ts-pp-help { font-size: 0.8em; color: #555; margin: -6px 0 10px 0; line-height: 1.25; }
.ts-pp-value { font-weight: 700; margin-left: 6px; }
.ts-pp-restarted, .ts-pc-restarted { margin: 4px 0; }
.ts-pp table.ts-pp-results-table { table-layout: fixed; }
.ts-pp table.ts-pp-results-table th:first-child { width: 46%; }
.ts-pp table.ts-pp-results-table td, .ts-pp table.ts-pp-results-table th { overflow-wrap: anywhere; }
.ts-pc { padding: 6px 12px; }
.ts-pc-body { display: flex; gap: 18px; align-items: flex-start; }
.ts-pc-side { flex: 0 0 330px; width: 330px; }
.ts-pc-main { flex: 1 1 auto; min-width: 0; }
.ts-pc-side h3 { margin: 6px 0 2px 0; }
.ts-pc-code { font-size: 2.3em; font-weight: 700; letter-spacing: 0.06em; font-family: monospace; }
.ts-pc-url { font-size: 1.05em; word-break: break-all; }
.ts-pc-qr svg { width: 150px; height: 150px; }
.ts-pc-buttons { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
.ts-pc-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 16px; }
.ts-pc-charts .ts-chart { height: 250px; }
.ts-pc-people { max-height: 200px; overflow-y: auto; }
.ts-pc-people > div { display: flex; align-items: center; justify-content: space-between;
  break-inside: avoid; font-size: 0.9em; }
.ts-pc-seats div { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 0.9em; }
.ts-pc-message-row { margin: 6px 0 14px 0; align-items: center; }
.ts-pc-file { font-size: 0.8em; color: #555; }
@media (max-width: 900px) { .ts-pc-body { flex-direction: column; }
  .ts-pc-side { width: 100%; flex: 0 0 auto; } }
"""


# ---------------------------------------------------------------------------- plain helpers
def error_text(exc: Exception, lang: str) -> str:
    """A refusal in the page's language: the core's and the room's keys, else the English text."""
    key = getattr(exc, "key", None)
    if key:
        values = {
            name: number(v, lang) if isinstance(v, float) else v
            for name, v in getattr(exc, "values", {}).items()
        }
        try:
            return t(f"pe.{key}", lang, **values)
        except (MissingString, KeyError):
            pass
    return t("pe.other", lang, text=str(exc))


def clock_text(seconds: float | None) -> str:
    """Seconds left as m:ss (rounded up, so 0:00 means the time is up)."""
    if seconds is None:
        return "–"
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def role_name(role: str, lang: str) -> str:
    return t(f"pp.role.{role}", lang)


def status_text(view: dict[str, Any], lang: str, prefix: str = "pp", **extra: Any) -> str:
    state, rnd, rounds = view["state"], view["round"], view["rounds"]
    values = {"round": rnd, "rounds": rounds, "time": clock_text(view.get("seconds_left")), **extra}
    if state == "waiting":
        values["round"] = rnd + 1
    if state == "closed":
        values["next"] = rnd + 1
    return t(f"{prefix}.state.{state}" if prefix == "pp" else f"pc.status.{state}", lang, **values)


def html_table(header: list[str], rows: list[list[str]], classes: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


PHONE_ROUNDS = 3  # rounds a phone's results table shows (the latest), so that it fits 390 px


def results_table(view: dict[str, Any], lang: str) -> str | None:
    """The participant's yearly numbers as an HTML table (escaped), or None before round 1: one
    row per measure, one column per round (the latest PHONE_ROUNDS), so a phone needs no
    sideways scrolling however many measures a role reads."""
    role = view["role"]
    if role == AGENCY_HEAD:
        years = [{"round": i + 1, **year} for i, year in enumerate(view.get("agency_years", []))]
        labels = HEAD_COLUMNS
    else:
        years = view.get("years", [])
        kind = {"government": "government", OBSERVER: "observer"}.get(role, "support")
        columns = [c for c in ROLE_COLUMNS[kind] if years and c in years[0]]
        labels = {c: f"pp.out.{c}" for c in columns}
    if not years:
        return None
    shown = years[-PHONE_ROUNDS:]
    header = [t("pp.round", lang), *(str(int(y["round"])) for y in shown)]
    rows = [
        [t(label, lang), *(number(y.get(k, float("nan")), lang) for y in shown)]
        for k, label in labels.items()
    ]
    return html_table(header, rows, "ts-pp-results-table")


def agency_label(session: Any, index: int, lang: str) -> str:
    """An agency's name; a state-world agency is a model agency, said so, with its head count
    (sizes follow Statskontoret's distribution, see trustsim/model/worlds.py; the names are not
    real agencies')."""
    m = session.model
    name = m.agencies[index].name
    if session.config["world"] == "teaching":
        return name
    staff = count(int(m.agency_size[index]), lang)
    return t("pp.agency.model", lang, name=name, staff=staff)


def news_lines(view: dict[str, Any], lang: str) -> list[str]:
    out = []
    for item in reversed(view.get("news", [])):
        if item["kind"] == "scandal":
            out.append(t("pp.news.scandal", lang, round=item["round"]))
        elif item["kind"] == "incidents":
            out.append(
                t(
                    "pp.news.incidents",
                    lang,
                    round=item["round"],
                    value=number(item["visible_per_1000"], lang),
                )
            )
    return out


def shown_decisions(view: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The decisions a page offers: all of the role's, less those with no effect in this
    scenario (an agency head's use of dispensation where there is no dispensation route)."""
    allowed = dict(view["allowed"])
    if view["role"] == AGENCY_HEAD and not view.get("dispensation_route", True):
        allowed.pop("use_of_dispensation", None)
    return allowed


def start_values(view: dict[str, Any]) -> dict[str, float]:
    """The sliders' first positions: the choices in force, for an agency head whose agency still
    follows the model's own rules her managers' orientation now (autonomy) or the middle."""
    values = {}
    now = view.get("agency_now", {})
    for name, (low, high) in shown_decisions(view).items():
        value = view["choices"].get(name)
        if value is None:
            value = now.get("trust_orientation", 0.5) if name == "autonomy_granted" else 0.5
        values[name] = float(min(high, max(low, value)))
    return values


def year_option(
    series: list[tuple[str, str, str, list[list[float]]]], rounds: int, unit01: bool
) -> dict:
    """An ECharts option of yearly lines: (label, colour, dash, [[year, value], ...])."""
    legend = len(series) > 1
    return {
        "animation": False,
        "grid": {
            "left": 8,
            "right": 16,
            "top": 56 if legend else 14,  # room for a legend on two lines
            "bottom": 20,
            "containLabel": True,
        },
        "legend": {"show": legend, "top": 0, "left": 0, "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis", "confine": True},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": max(1, rounds),
            "minInterval": 1,
            "axisLabel": {"fontSize": AXIS_FONT},
        },
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": 1 if unit01 else None,
            "axisLabel": {"fontSize": AXIS_FONT},
        },
        "series": [
            {
                "type": "line",
                "name": label,
                "data": pts,
                "showSymbol": True,
                "symbolSize": 6,
                "lineStyle": {"color": colour, "type": dash, "width": 2.5},
                "itemStyle": {"color": colour},
            }
            for label, colour, dash, pts in series
        ],
    }


def yearly_points(records: list[dict[str, Any]], name: str) -> list[list[float]]:
    return [
        [float(r["round"]), round(float(r[name]), 4)]
        for r in records
        if name in r and r[name] == r[name]
    ]


def qr_svg(url: str) -> str:
    """The join address as a QR code (inline SVG, drawn on this machine: segno, no network)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=QR_SCALE, border=2)


def excel_csv(frame: pd.DataFrame, lang: str) -> bytes:
    """CSV that Excel opens as columns: semicolons and decimal comma in Swedish, with a BOM."""
    if lang == "sv":
        return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    return frame.to_csv(index=False).encode("utf-8-sig")


def decisions_table(decisions: pd.DataFrame, lang: str) -> str | None:
    """Each role's choices per round (agency heads as their mean), * where decided that round."""
    if decisions.empty:
        return None
    rounds = sorted(decisions["round"].unique())
    rows = []
    for role in ROLES:
        part = decisions[decisions["role"] == role]
        for name in DECISIONS.get(role, {}):
            cells = []
            for rnd in rounds:
                sel = part[(part["round"] == rnd) & (part["decision"] == name)]
                values = sel["value"].dropna()
                if values.empty:
                    cells.append("–")
                    continue
                mark = "*" if bool(sel["decided"].any()) else ""
                cells.append(number(float(values.mean()), lang) + mark)
            who = t("pc.debrief.heads", lang) if role == AGENCY_HEAD else role_name(role, lang)
            rows.append([f"{who}: {t(f'pp.dec.{name}', lang)}", *cells])
    header = [t("pp.role", lang), *(str(int(r)) for r in rounds)]
    return html_table(header, rows, "ts-pc-decisions")


def Raw(markup: str, classes: list[str]) -> solara.Element:
    """Markup built here from escaped parts, in a Div that carries the classes (tests find it)."""
    return solara.Div(classes=classes, children=[solara.HTML(tag="div", unsafe_innerHTML=markup)])


# ---------------------------------------------------------------------------- live updates
@dataclass(frozen=True)
class Follow:
    """A page's view of its room's changes: `version` (what it shows) and `ticks` (the timer's
    second), each a reactive value read only by the components that show it."""

    version: solara.Reactive
    ticks: solara.Reactive


def use_room(room: Room | None) -> Follow:
    """Follow the room from a thread of this session that waits for its changes."""
    follow = Follow(
        version=solara.use_reactive(room.version if room is not None else -1),
        ticks=solara.use_reactive(room.ticks if room is not None else -1),
    )

    def start() -> Callable[[], None] | None:
        if room is None:
            return None

        def loop(stop) -> None:
            seen = (follow.version.value, follow.ticks.value)
            while not stop.is_set():
                version, ticks = room.wait(seen, 1.0)
                if stop.is_set():
                    return
                if version != seen[0] or room.ended:
                    follow.version.set(version)
                if ticks != seen[1]:
                    follow.ticks.set(ticks)
                seen = (version, ticks)
                if room.ended:
                    return

        return start_play(loop)

    solara.use_effect(start, [room])
    return follow


@solara.component
def StatusLine(room: Room, follow: Follow, lang: str, console: bool = False):
    """The round, its timer (and on the console who has decided): redrawn on every tick — each
    second while a round runs, and each decision — while the rest of a page redraws only when
    something it shows changes."""
    follow.ticks.value  # noqa: B018 - subscribe to the timer and the decisions
    follow.version.value  # noqa: B018 - ... and to rounds opening and closing
    s = room.session
    with s._lock:  # one consistent reading of the session
        shown = {
            "state": s.state,
            "round": s.round,
            "rounds": s.config["rounds"],
            "seconds_left": s.seconds_left(),
        }
        deciders = [p.id for p in s.participants.values() if not p.removed and decides(p.role)]
        decided = sum(pid in s.decided for pid in deciders)
    if console:
        text = status_text(shown, lang, "pc", decided=decided, deciders=len(deciders))
    else:
        text = status_text(shown, lang)
    solara.Div(children=[text], classes=["ts-pc-status" if console else "ts-pp-status"])


# ---------------------------------------------------------------------------- participant page
def DecisionSlider(
    name: str, label: str, value: float, low: float, high: float, on_value: Callable, lang: str
) -> solara.Element:
    """One decision's slider: whole years for the budget horizon, steps of 0.05 otherwise. The
    value is written beside the label as the tables write numbers (0,4 in Swedish), not in the
    thumb (which would say 0.4)."""
    shown = f"{label}: "
    with solara.Div() as box:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f'{escape(shown)}<span class="ts-pp-value">'
            f"{escape(number(value, lang))}</span>",
        )
        # Vuetify's slider, not solara.SliderFloat: that one calls float() on whatever the
        # websocket sends before any check of ours, and shows the traceback in the page
        whole = name == "budget_horizon_years"
        rv.Slider(
            v_model=value,
            on_v_model=on_value,
            min=low,
            max=high,
            step=1 if whole else 0.05,
            ticks="always" if whole else False,
            tick_labels=[str(y) for y in range(int(low), int(high) + 1)] if whole else [],
            hide_details=True,
            class_="ts-pp-slider",
        )
    return box


def checked_value(name: str, value: Any, low: float, high: float, lang: str) -> float:
    """A slider's value as sent over the websocket, or a RoomError in the page's language naming
    the decision and its range (a page never shows a traceback for `null`, `[0.5]` or "abc")."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and low <= value <= high
    if not ok:
        shown = repr(value) if not isinstance(value, str) else f'"{value[:20]}"'
        raise RoomError(
            f"{name}: {shown} is not allowed; allowed is a number from {low:g} to {high:g}",
            "value",
            name=t(f"pp.dec.{name}", lang),
            value=shown[:24],
            low=low,
            high=high,
        )
    return value


@solara.component
def DecisionForm(room: Room, client: str, view: dict[str, Any], lang: str, rooms: Rooms):
    values = solara.use_reactive(start_values(view))
    base = solara.use_reactive(view["version"])  # the decision version the sliders started from
    error = solara.use_reactive(None)
    sent = solara.use_reactive(0)  # the round this page last sent in (a decision only ticks)
    is_open = view["state"] == "open"
    allowed = shown_decisions(view)

    def send() -> None:
        try:
            rooms.submit(client, dict(values.value), base.value)
            base.set(room.view(client)["version"])
            sent.set(view["round"])
            error.set(None)
        except Exception as exc:  # noqa: BLE001 - shown in the page
            if getattr(exc, "key", None) == "stale":  # another tab was newer: show its choice
                fresh = room.view(client)
                values.set(start_values(fresh))
                base.set(fresh["version"])
            error.set(error_text(exc, lang))

    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.decide.title", lang)))
    for name, (low, high) in allowed.items():
        label = t(f"pp.dec.{name}", lang)
        current = values.value[name]

        def on_value(v, name=name, low=low, high=high) -> None:
            try:
                values.set({**values.value, name: checked_value(name, v, low, high, lang)})
                error.set(None)
            except RoomError as exc:
                error.set(error_text(exc, lang))

        with solara.Div(classes=[f"ts-pp-dec-{name}"]):
            DecisionSlider(name, label, current, low, high, on_value, lang)
        solara.Div(children=[t(f"pp.dec.{name}.help", lang)], classes=["ts-pp-help"])
    solara.Button(
        t("pp.submit", lang),
        on_click=send,
        disabled=not is_open,
        color="primary",
        block=True,
        classes=["ts-pp-submit"],
    )
    decided = view["decided"] or sent.value == view["round"]
    undecided = "pp.undecided.first" if view["round"] <= 1 else "pp.undecided"
    note = t("pp.decided", lang, round=view["round"]) if decided else t(undecided, lang)
    if is_open:
        solara.Div(
            children=[note],
            classes=["ts-pp-decided" if decided else "ts-pp-undecided"],
            style={"margin-top": "6px"},
        )
    if error.value:
        solara.Error(error.value, classes=["ts-pp-error"])


@solara.component
def SeatView(room: Room, client: str, lang: str, rooms: Rooms):
    """What a seated participant sees and does."""
    follow = use_room(room)
    follow.version.value  # noqa: B018 - subscribe: redraw when the room changes
    if room.ended:
        solara.Info(t("pp.ended", lang), classes=["ts-pp-ended"])
        return
    p = room.participant(client)
    if p is None:
        solara.Warning(t("pp.removed", lang), classes=["ts-pp-removed"])
        return
    view = room.view(client)
    role = view["role"]
    who = t("pp.you", lang, name=p.name, role=role_name(role, lang))
    solara.Div(children=[who], classes=["ts-pp-you"], style={"font-weight": "600"})
    if role == AGENCY_HEAD:
        agency = agency_label(room.session, p.agency, lang)
        solara.Div(children=[t("pp.your_agency", lang, agency=agency)], classes=["ts-pp-agency"])
    if client in room.returned:
        solara.Info(t("pp.restarted", lang), classes=["ts-pp-restarted"])
    StatusLine(room, follow, lang)
    if view["messages"]:
        with solara.Div(classes=["ts-pp-msg"]):
            solara.Div(children=[t("pp.messages.title", lang)], style={"font-weight": "600"})
            for msg in reversed(view["messages"][-3:]):
                # the text arrives escaped from the core; shown as HTML so it reads as typed
                Raw(msg["text"], ["ts-pp-message"])
    # the news and the year's results come first, right under the status line: after a round
    # they are what a participant looks for (the sliders follow, for the next round)
    news = news_lines(view, lang)
    if news:
        solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.news.title", lang)))
        with solara.Div(classes=["ts-pp-news"]):
            for line in news[:3]:
                solara.Div(children=[line])
    table = results_table(view, lang)
    if table is not None:
        solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.results.title", lang)))
        Raw(table, ["ts-pp-table", "ts-pp-results"])
    if decides(role):
        # the sliders stay between rounds (a new form per round would rebuild ~20 widgets on
        # every phone at the moment the results arrive); a reset rebuilds the model, and the form
        DecisionForm(room, client, view, lang, rooms).key(f"form-{id(room.session.model)}")
    else:
        solara.Info(t("pp.observer", lang))
    if table is None:
        solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.results.title", lang)))
        solara.Div(children=[t("pp.results.none", lang)], classes=["ts-pp-results-none"])
    if role == AGENCY_HEAD:
        now = view.get("agency_now", {})
        rows = [[t(label, lang), number(now[k], lang)] for k, label in HEAD_NOW.items() if k in now]
        Raw(html_table(["", ""], rows, "ts-pp-now-table"), ["ts-pp-table", "ts-pp-now"])


@solara.component
def JoinForm(client: str, lang: str, code: str, rooms: Rooms, on_joined: Callable[[], None]):
    """Code, name and role; the code is looked up only when *Gå med* is pressed, under the join
    rate limits (a form that looked it up on every keystroke let a script guess past them). An
    agency head gets the largest agency that has no head yet (shown on her page)."""
    typed = solara.use_reactive(code)
    name = solara.use_reactive("")
    role = solara.use_reactive(AGENCY_HEAD)
    error = solara.use_reactive(None)

    def join() -> None:
        try:
            rooms.join(client, typed.value, name.value, role.value)
            error.set(None)
            on_joined()
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    solara.HTML(tag="h2", unsafe_innerHTML=escape(t("pp.join.title", lang)))
    solara.Div(children=[t("pp.join.intro", lang)], style={"margin-bottom": "8px"})
    solara.InputText(t("pp.code", lang), value=typed, classes=["ts-pp-code"])
    solara.InputText(t("pp.name", lang), value=name, continuous_update=True, classes=["ts-pp-name"])
    rv.Select(
        label=t("pp.role", lang),
        v_model=role.value,
        on_v_model=role.set,
        items=[{"text": role_name(r, lang), "value": r} for r in ROLES],
        class_="ts-pp-role",
        outlined=True,
        dense=True,
    )
    solara.Button(
        t("pp.join.btn", lang), on_click=join, color="primary", block=True, classes=["ts-pp-join"]
    )
    if error.value:
        solara.Error(error.value, classes=["ts-pp-error"])


@solara.component
def ParticipantView(client: str, initial_lang: str = "sv", code: str = "", rooms: Rooms = ROOMS):
    """The participant's page: join, then decide round by round (phone-sized, one column)."""
    lang = solara.use_reactive(initial_lang)
    joined = solara.use_reactive(0)
    held = solara.use_memo(lambda: rooms.reconnect(client), [])  # a reload keeps the seat
    seat = rooms.seat_of(client)
    room = seat[0] if seat is not None else (held[0] if held is not None else None)
    joined.value  # noqa: B018 - redraw after joining
    solara.Title(t("pp.title", lang.value))
    solara.Style(PP_CSS)
    with solara.Column(classes=["ts-pp"], gap="4px"):
        with solara.Div(classes=["ts-pp-head"]):
            solara.Div(children=[t("pp.title", lang.value)], style={"font-weight": "700"})
            LanguageSwitch(lang)
        if room is not None and (seat is not None or room.ended or room.seats.get(client)):
            SeatView(room, client, lang.value, rooms)
        else:
            JoinForm(client, lang.value, code, rooms, lambda: joined.set(joined.value + 1))


# ---------------------------------------------------------------------------- console
@solara.component
def SetupForm(client: str, lang: str, rooms: Rooms, on_started: Callable[[], None]):
    world = solara.use_reactive("teaching")
    seed = solara.use_reactive(1)
    rounds = solara.use_reactive(6)
    seconds = solara.use_reactive(DEFAULT_ROUND_SECONDS)
    auto = solara.use_reactive(True)
    error = solara.use_reactive(None)

    def start() -> None:
        try:
            rooms.start(
                client,
                world=world.value,
                scale=STATE_SCALES[0],
                seed=int(seed.value),
                rounds=int(rounds.value),
                round_seconds=int(seconds.value),
                auto_close=bool(auto.value),
            )
            error.set(None)
            on_started()
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    with solara.Column(style={"max-width": "640px"}, gap="6px"):
        solara.HTML(tag="h2", unsafe_innerHTML=escape(t("pc.setup.title", lang)))
        solara.Div(children=[t("pc.setup.intro", lang)])
        rv.Select(
            label=t("pc.world", lang),
            v_model=world.value,
            on_v_model=world.set,
            items=[
                {"text": t("pc.world.teaching", lang), "value": "teaching"},
                {
                    "text": t("pc.world.state", lang, scale=round(1 / STATE_SCALES[0])),
                    "value": "state",
                },
            ],
            class_="ts-pc-world",
            outlined=True,
            dense=True,
        )
        solara.InputInt(t("pc.seed", lang), value=seed, classes=["ts-pc-seed"])
        solara.InputInt(t("pc.rounds", lang), value=rounds, classes=["ts-pc-rounds"])
        solara.InputInt(t("pc.seconds", lang), value=seconds, classes=["ts-pc-seconds"])
        with solara.Div(classes=["ts-pc-auto"]):
            solara.Checkbox(label=t("pc.auto_close", lang), value=auto)
        solara.Button(t("pc.start", lang), on_click=start, color="primary", classes=["ts-pc-start"])
        if error.value:
            solara.Error(error.value, classes=["ts-pc-error"])


@solara.component
def ConfirmButton(
    label: str,
    lang: str,
    on_confirm: Callable[[], None],
    cls: str,
    small: bool = False,
    confirm: str | None = None,
    color: str | None = None,
):
    """A button that acts on the second click (the first arms it: "Click again to confirm")."""
    armed = solara.use_reactive(False)

    def click() -> None:
        if armed.value:
            armed.set(False)
            on_confirm()
        else:
            armed.set(True)

    solara.Button(
        (confirm or t("pc.confirm", lang)) if armed.value else label,
        on_click=click,
        color="error" if armed.value else color,
        outlined=not (color and not armed.value),
        small=small,
        classes=[cls, f"{cls}-armed"] if armed.value else [cls],
    )


def YearCharts(
    runs: dict[str, list[dict[str, Any]]], rounds: int, lang: str, tick: int, prefix: str
) -> solara.Element:
    """The console's four charts of yearly means, one line per run ("session", and in the debrief
    the baseline and the reform); `prefix` names the charts and their PNG files."""
    legend = [
        {
            "text": t(RUN_LABELS[run], lang),
            "color": RUN_COLOURS[run],
            "dash": "solid" if run == "session" else "dashed",
        }
        for run in runs
    ]
    with solara.Div(classes=["ts-pc-charts", f"ts-pc-{prefix}-charts"]) as grid:
        for name in CONSOLE_CHARTS:
            series = [
                (item["text"], item["color"], item["dash"], yearly_points(records, name))
                for item, records in zip(legend, runs.values())
            ]
            TimeChart.element(
                option_json=option_json(year_option(series, rounds, name in UNIT_RANGE)),
                tick=tick,
                title=t(f"chart.{name}.title", lang),
                unit=t(f"chart.{name}.unit", lang),
                decimal_comma=lang == "sv",
                legend=legend,
                filename=f"trustsim-{prefix}-{name}.png",
                png_help=t("chart.png_help", lang),
                name=name if prefix == "session" else f"{prefix}-{name}",
                height="230px",
            )
    return grid


@solara.component
def ConsoleCharts(room: Room, console: dict[str, Any], lang: str, version: int):
    YearCharts(
        {"session": console["years"]}, room.session.config["rounds"], lang, version, "session"
    )


@solara.component
def Debrief(room: Room, lang: str, version: int):
    session = room.session

    def compute():
        if session.round == 0 or session.model.quarter == 0:
            return None
        return session.debrief()

    data = solara.use_memo(compute, [room.id, session.model.quarter, session.round])
    if data is None:
        solara.Info(t("pc.debrief.empty", lang))
        return
    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.debrief.outcomes", lang)))
    runs = {run: data["yearly"][run].to_dict("records") for run in RUN_LABELS}
    YearCharts(runs, session.config["rounds"], lang, version + 1_000_000, "debrief")
    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.debrief.decisions", lang)))
    table = decisions_table(data["decisions"], lang)
    if table:
        Raw(table, ["ts-pp-table", "ts-pc-debrief-table"])


@solara.component
def People(room: Room, client: str, follow: Follow, lang: str, act: Callable):
    """Who has joined and who has decided (✓), with Remove: redrawn on every decision."""
    follow.ticks.value  # noqa: B018 - subscribe: decisions tick, they do not bump the version
    follow.version.value  # noqa: B018
    people = room.console(client)["participants"]
    if not people:
        solara.Div(children=[t("pc.nobody", lang)])
    with solara.Div(classes=["ts-pc-people"]):
        for person in people:
            mark = "✓" if person["decided"] else ("·" if decides(person["role"]) else "")
            with solara.Div(classes=[f"ts-pc-person-{person['id']}"]):
                # the name arrives escaped from the core
                solara.HTML(
                    tag="span",
                    unsafe_innerHTML=f"{mark} {person['name']} · "
                    f"{escape(role_name(person['role'], lang))}",
                )
                ConfirmButton(
                    t("pc.remove", lang),
                    lang,
                    lambda pid=person["id"]: act("remove", pid),
                    "ts-pc-remove",
                    small=True,
                    confirm=t("pc.confirm.short", lang),
                ).key(f"remove-{person['id']}")


@solara.component
def RoomConsole(room: Room, client: str, lang: str, host: str | None, rooms: Rooms, on_end):
    follow = use_room(room)
    version = follow.version.value
    debrief = solara.use_reactive(False)
    message = solara.use_reactive("")
    error = solara.use_reactive(None)
    console = room.console(client)
    session = room.session

    def act(action: str, *args: Any) -> None:
        try:
            room.facilitate(client, action, *args)
            error.set(None)
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    def send() -> None:
        act("broadcast", message.value)
        if error.value is None:
            message.set("")

    urls = join_urls(host)
    code = console["code"]
    joining = not debrief.value and console["state"] != "finished"
    with solara.Div(classes=["ts-pc-body"]):
        with solara.Div(classes=["ts-pc-side"]):
            if joining:
                solara.Div(children=[t("pc.code", lang)], style={"font-weight": "600"})
                solara.Div(children=[code], classes=["ts-pc-code"])
            if urls and joining:
                link = f"{urls[0]}?code={code.replace('-', '')}"
                solara.Div(children=[f"{t('pc.join_at', lang)} {urls[0]}"], classes=["ts-pc-url"])
                Raw(qr_svg(link), ["ts-pc-qr"])
                loopback = not _has_urls() and (host or "").startswith(
                    ("127.", "localhost", "[::1]")
                )
                if loopback:
                    solara.Warning(t("pc.loopback", lang), classes=["ts-pc-loopback"])
            solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.seats", lang)))
            seats = "".join(
                f"<span>{escape(role_name(r, lang).split(' (')[0])} <b>{escape(s)}</b></span>"
                for r, s in console["seats"].items()
            )  # one compact block, so the list of people stays on the first screen
            Raw(seats, ["ts-pc-seats"])
            solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.people", lang)))
            People(room, client, follow, lang, act)
        with solara.Div(classes=["ts-pc-main"]):
            if session.restarts and console["state"] != "open":
                solara.Info(t("pc.restarted", lang), classes=["ts-pc-restarted"], dense=True)
            StatusLine(room, follow, lang, console=True)
            state = console["state"]
            with solara.Div(classes=["ts-pc-buttons"]):
                # (key, label, action, style, shown): keyed, so that a button never moves under
                # the facilitator's click when others come and go
                run_bar = (
                    ("open", t("pc.open", lang, round=console["round"] + 1), "open_round",
                     {"color": "primary"}, state in ("waiting", "closed")),
                    ("close", t("pc.close", lang), "close_round", {"color": "primary"},
                     state in ("open", "paused")),
                    ("pause", t("pc.pause", lang), "pause", {"outlined": True}, state == "open"),
                    ("resume", t("pc.resume", lang), "resume", {"outlined": True},
                     state == "paused"),
                )  # fmt: skip
                for key, label, action, style, shown in run_bar:
                    if shown:
                        solara.Button(
                            label,
                            on_click=lambda action=action: act(action),
                            classes=[f"ts-pc-{key}"],
                            **style,
                        ).key(key)
                if state != "finished":
                    ConfirmButton(
                        t("pc.scandal", lang),
                        lang,
                        lambda: act("inject_scandal"),
                        "ts-pc-scandal",
                        color="warning",
                    ).key("scandal")
                solara.Button(
                    t("pc.back" if debrief.value else "pc.debrief", lang),
                    on_click=lambda: debrief.set(not debrief.value),
                    outlined=True,
                    color="primary",
                    classes=["ts-pc-debrief"],
                ).key("debrief")
                ConfirmButton(t("pc.reset", lang), lang, lambda: act("reset"), "ts-pc-reset").key(
                    "reset"
                )
                ConfirmButton(t("pc.end", lang), lang, on_end, "ts-pc-end").key("end")
            with solara.Row(classes=["ts-pc-message-row"]):
                solara.InputText(
                    t("pc.message", lang),
                    value=message,
                    continuous_update=True,
                    classes=["ts-pc-message"],
                )
                solara.Button(t("pc.send", lang), on_click=send, classes=["ts-pc-send"])
            if error.value:
                solara.Error(error.value, classes=["ts-pc-error"])
            news = news_lines(console, lang)
            if news:
                with solara.Div(classes=["ts-pp-news", "ts-pc-news"]):
                    for line in news[:3]:
                        solara.Div(children=[line])
            if debrief.value:
                Debrief(room, lang, version)
            else:
                ConsoleCharts(room, console, lang, version)
            with solara.Row(style={"margin-top": "8px", "flex-wrap": "wrap"}):
                if room.path is not None and room.path.exists():
                    solara.FileDownload(
                        lambda: room.path.read_bytes(),
                        filename=room.path.name,
                        label=t("pc.download.session", lang),
                    )
                solara.FileDownload(
                    lambda: excel_csv(session.decisions(), lang),
                    filename="trustsim-decisions.csv",
                    label=t("pc.download.decisions", lang),
                )
            if room.path is not None:  # the name only: the projector shows no home folders
                solara.Div(
                    children=[t("pc.file", lang, path=room.path.name)], classes=["ts-pc-file"]
                )


def _has_urls() -> bool:
    return bool(os.environ.get(URLS_ENV, "").strip())


@solara.component
def KeyForm(client: str, lang: str, rooms: Rooms, on_unlocked: Callable[[], None]):
    """The console key, typed (a password field: it never goes into the address bar)."""
    key = solara.use_reactive("")
    error = solara.use_reactive(None)

    def unlock() -> None:
        try:
            rooms.unlock(client, key.value)
            key.set("")
            error.set(None)
            on_unlocked()
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    solara.Warning(t("pc.key_needed", lang), classes=["ts-pc-key-needed"])
    with solara.Row(style={"align-items": "center", "max-width": "640px"}):
        solara.InputText(
            t("pc.key", lang),
            value=key,
            password=True,
            continuous_update=True,
            classes=["ts-pc-key"],
        )
        solara.Button(
            t("pc.unlock", lang), on_click=unlock, color="primary", classes=["ts-pc-unlock"]
        )
    if error.value:
        solara.Error(error.value, classes=["ts-pc-error"])


@solara.component
def Orphans(client: str, lang: str, rooms: Rooms, on_taken: Callable[[], None]):
    """Rooms this browser does not run (after a restart, or from a browser that lost its
    cookie): the key holder takes one over."""
    error = solara.use_reactive(None)
    found = rooms.orphans(client)
    if not found:
        return

    def take(room_id: str) -> None:
        try:
            rooms.reclaim(client, room_id)
            error.set(None)
            on_taken()
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.orphans", lang)))
    for room in found:
        s = room.session
        people = sum(1 for p in s.participants.values() if not p.removed)
        text = t(
            "pc.orphan",
            lang,
            code=s.display_code,
            round=s.round,
            rounds=s.config["rounds"],
            people=people,
        )
        with solara.Row(style={"align-items": "center"}, classes=[f"ts-pc-orphan-{room.id}"]):
            solara.Div(children=[text])
            ConfirmButton(
                t("pc.take_over", lang), lang, lambda rid=room.id: take(rid), "ts-pc-take-over"
            ).key(f"take-{room.id}")
    if error.value:
        solara.Error(error.value, classes=["ts-pc-error"])


@solara.component
def ConsoleView(
    client: str,
    initial_lang: str = "sv",
    host: str | None = None,
    rooms: Rooms = ROOMS,
    may_start: bool | None = None,
):
    """The facilitator's console: set up a session (or take one over), then run it on the
    projector. `may_start` None: ask `rooms` (the console key given from this browser, or a
    loopback server that needs none)."""
    lang = solara.use_reactive(initial_lang)
    changed = solara.use_reactive(0)
    ended = solara.use_reactive(None)
    room = rooms.owned_by(client)
    changed.value  # noqa: B018 - redraw after start/end
    allowed = rooms.may_run(client) if may_start is None else may_start

    def end() -> None:
        path = rooms.end(client)
        ended.set(path.name if path is not None else "")
        changed.set(changed.value + 1)

    def redraw() -> None:
        changed.set(changed.value + 1)

    solara.Title(t("pc.title", lang.value))
    solara.Style(PP_CSS)
    with solara.Column(classes=["ts-pc"], gap="4px"):
        with solara.Div(classes=["ts-pc-head"]):
            solara.HTML(tag="h2", unsafe_innerHTML=escape(t("pc.title", lang.value)))
            LanguageSwitch(lang)
        if room is None:
            if ended.value:
                solara.Info(t("pc.ended", lang.value, path=ended.value), classes=["ts-pc-ended"])
            if allowed:
                Orphans(client, lang.value, rooms, redraw)
                SetupForm(client, lang.value, rooms, redraw)
            else:
                KeyForm(client, lang.value, rooms, redraw)
        else:
            RoomConsole(room, client, lang.value, host, rooms, end)


# ---------------------------------------------------------------------------- routes
def _client() -> str:
    try:
        return solara.get_session_id()
    except Exception:  # noqa: BLE001 - no cookie (e.g. rendered outside a server)
        return ""


def _host() -> str | None:
    try:
        from solara.lab import headers

        values = (headers.value or {}).get("host")
    except Exception:  # noqa: BLE001
        return None
    if isinstance(values, list):
        return values[0] if values else None
    return values


@solara.component
def JoinPage():
    ROOMS.resume_once()  # the first page after a restart brings the rooms back from their files
    router = solara.use_router()
    code = parse_qs(router.search or "").get("code", [""])[0][:20]
    ParticipantView(_client(), default_lang(), code)


@solara.component
def ConsolePage():
    """`/console`; a `?key=` that `trustsim app` printed unlocks this browser once and leaves
    the address bar at once, so the projected address never shows it."""
    ROOMS.resume_once()
    router = solara.use_router()
    client = _client()
    key = parse_qs(router.search or "").get("key", [""])[0][:100]

    def drop_key() -> None:
        if key:
            if console_key_needed():
                with contextlib.suppress(RoomError):
                    ROOMS.unlock(client, key)
            router.push(router.path or "/console")

    solara.use_effect(drop_key, [key])
    ConsoleView(client, default_lang(), _host(), ROOMS, None)
