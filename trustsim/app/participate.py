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
from .i18n import MissingString, default_lang, number, t
from .room import (
    DEFAULT_ROUND_SECONDS,
    ROOMS,
    STATE_SCALES,
    URLS_ENV,
    Room,
    Rooms,
    console_key_ok,
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
.ts-pc { padding: 6px 12px; }
.ts-pc-body { display: flex; gap: 18px; align-items: flex-start; }
.ts-pc-side { flex: 0 0 330px; width: 330px; }
.ts-pc-main { flex: 1 1 auto; min-width: 0; }
.ts-pc-code { font-size: 2.3em; font-weight: 700; letter-spacing: 0.06em; font-family: monospace; }
.ts-pc-url { font-size: 1.05em; word-break: break-all; }
.ts-pc-qr svg { width: 190px; height: 190px; }
.ts-pc-buttons { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
.ts-pc-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 16px; }
.ts-pc-charts .ts-chart { height: 250px; }
.ts-pc-people div { display: flex; align-items: center; justify-content: space-between; }
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


def results_table(view: dict[str, Any], lang: str) -> str | None:
    """The participant's yearly numbers as an HTML table (escaped), or None before round 1."""
    role = view["role"]
    if role == AGENCY_HEAD:
        years = view.get("agency_years", [])
        if not years:
            return None
        header = [t("pp.round", lang), *(t(key, lang) for key in HEAD_COLUMNS.values())]
        rows = [
            [str(i + 1), *(number(year.get(k, float("nan")), lang) for k in HEAD_COLUMNS)]
            for i, year in enumerate(years)
        ]
        return html_table(header, rows, "ts-pp-results-table")
    years = view.get("years", [])
    if not years:
        return None
    kind = "government" if role == "government" else "observer" if role == OBSERVER else "support"
    columns = [c for c in ROLE_COLUMNS[kind] if c in years[0]]
    header = [t("pp.round", lang), *(t(f"pp.out.{c}", lang) for c in columns)]
    rows = [[str(int(y["round"])), *(number(y[c], lang) for c in columns)] for y in years]
    return html_table(header, rows, "ts-pp-results-table")


def news_lines(view: dict[str, Any], lang: str) -> list[str]:
    out = []
    for item in reversed(view.get("news", [])):
        if item["kind"] == "scandal":
            out.append(
                t("pp.news.scandal", lang, round=item["round"], size=number(item["size"], lang))
            )
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


def start_values(view: dict[str, Any]) -> dict[str, float]:
    """The sliders' first positions: the choices in force, for an agency head whose agency still
    follows the model's own rules her managers' orientation now (autonomy) or the middle."""
    values = {}
    now = view.get("agency_now", {})
    for name, (low, high) in view["allowed"].items():
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
    name: str, label: str, value: float, low: float, high: float, on_value: Callable
) -> solara.Element:
    """One decision's slider: whole years for the budget horizon, steps of 0.05 otherwise."""
    if name == "budget_horizon_years":
        return solara.SliderInt(
            label,
            value=round(value),
            min=int(low),
            max=int(high),
            on_value=on_value,
            thumb_label="always",
            tick_labels=[str(y) for y in range(int(low), int(high) + 1)],
        )
    return solara.SliderFloat(
        label, value=value, min=low, max=high, step=0.05, on_value=on_value, thumb_label="always"
    )


@solara.component
def DecisionForm(room: Room, client: str, view: dict[str, Any], lang: str, rooms: Rooms):
    values = solara.use_reactive(start_values(view))
    error = solara.use_reactive(None)
    sent = solara.use_reactive(0)  # the round this page last sent in (a decision only ticks)
    is_open = view["state"] == "open"

    def send() -> None:
        try:
            rooms.submit(client, dict(values.value))
            sent.set(view["round"])
            error.set(None)
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.decide.title", lang)))
    for name, (low, high) in view["allowed"].items():
        label = t(f"pp.dec.{name}", lang)
        current = values.value[name]

        def on_value(v, name=name) -> None:
            values.set({**values.value, name: float(v)})

        with solara.Div(classes=[f"ts-pp-dec-{name}"]):
            DecisionSlider(name, label, current, low, high, on_value)
        solara.Div(children=[t(f"pp.dec.{name}.help", lang)], classes=["ts-pp-help"])
    if view["role"] == AGENCY_HEAD and not view.get("dispensation_route", True):
        solara.Div(children=[t("pp.no_dispensation", lang)], classes=["ts-pp-help"])
    solara.Button(
        t("pp.submit", lang),
        on_click=send,
        disabled=not is_open,
        color="primary",
        block=True,
        classes=["ts-pp-submit"],
    )
    decided = view["decided"] or sent.value == view["round"]
    note = t("pp.decided", lang, round=view["round"]) if decided else t("pp.undecided", lang)
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
        agency = room.session.model.agencies[p.agency].name
        solara.Div(children=[t("pp.your_agency", lang, agency=agency)], classes=["ts-pp-agency"])
    StatusLine(room, follow, lang)
    if view["messages"]:
        with solara.Div(classes=["ts-pp-msg"]):
            solara.Div(children=[t("pp.messages.title", lang)], style={"font-weight": "600"})
            for msg in reversed(view["messages"][-3:]):
                # the text arrives escaped from the core; shown as HTML so it reads as typed
                Raw(msg["text"], ["ts-pp-message"])
    if decides(role):
        # a new round (or a reset) starts the sliders from the choices in force
        # the sliders stay between rounds (a new form per round would rebuild ~20 widgets on
        # every phone at the moment the results arrive); a reset rebuilds the model, and the form
        DecisionForm(room, client, view, lang, rooms).key(f"form-{id(room.session.model)}")
    else:
        solara.Info(t("pp.observer", lang))
    news = news_lines(view, lang)
    if news:
        solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.news.title", lang)))
        with solara.Div(classes=["ts-pp-news"]):
            for line in news[:6]:
                solara.Div(children=[line])
    solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pp.results.title", lang)))
    table = results_table(view, lang)
    if table is None:
        solara.Div(children=[t("pp.results.none", lang)], classes=["ts-pp-results-none"])
    else:
        Raw(table, ["ts-pp-table", "ts-pp-results"])
    if role == AGENCY_HEAD:
        now = view.get("agency_now", {})
        rows = [[t(label, lang), number(now[k], lang)] for k, label in HEAD_NOW.items() if k in now]
        Raw(html_table(["", ""], rows, "ts-pp-now-table"), ["ts-pp-table", "ts-pp-now"])


@solara.component
def JoinForm(client: str, lang: str, code: str, rooms: Rooms, on_joined: Callable[[], None]):
    typed = solara.use_reactive(code)
    name = solara.use_reactive("")
    role = solara.use_reactive(AGENCY_HEAD)
    agency = solara.use_reactive(None)
    error = solara.use_reactive(None)
    room = rooms.room_by_code(typed.value) if typed.value else None
    use_room(room).version.value  # noqa: B018 - seats "X/Y" follow other joins

    def join() -> None:
        try:
            rooms.join(client, typed.value, name.value, role.value, agency.value)
            error.set(None)
            on_joined()
        except Exception as exc:  # noqa: BLE001 - shown in the page
            error.set(error_text(exc, lang))

    solara.HTML(tag="h2", unsafe_innerHTML=escape(t("pp.join.title", lang)))
    solara.Div(children=[t("pp.join.intro", lang)], style={"margin-bottom": "8px"})
    solara.InputText(
        t("pp.code", lang), value=typed, continuous_update=True, classes=["ts-pp-code"]
    )
    solara.InputText(t("pp.name", lang), value=name, continuous_update=True, classes=["ts-pp-name"])
    seats = room.session.seats() if room is not None else {}
    items = [
        {
            "text": role_name(r, lang) + (f" ({seats[r]})" if r in seats else ""),
            "value": r,
        }
        for r in ROLES
    ]
    rv.Select(
        label=t("pp.role", lang),
        v_model=role.value,
        on_v_model=role.set,
        items=items,
        class_="ts-pp-role",
        outlined=True,
        dense=True,
    )
    # the agency list is always there, hidden for other roles: a page whose parts come and go
    # re-creates the Join button under the finger (a tap right after choosing a role was lost)
    held = (
        {
            q.agency
            for q in room.session.participants.values()
            if q.role == AGENCY_HEAD and not q.removed
        }
        if room is not None
        else set()
    )
    free = [{"text": t("pp.agency.any", lang), "value": None}] + [
        {"text": agency_name, "value": index}
        for index, agency_name in (room.session.agencies() if room is not None else [])
        if index not in held
    ]
    rv.Select(
        label=t("pp.agency", lang),
        v_model=agency.value,
        on_v_model=agency.set,
        items=free,
        class_="ts-pp-agency-pick",
        outlined=True,
        dense=True,
        style_="" if role.value == AGENCY_HEAD and room is not None else "display: none",
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
def ConfirmButton(label: str, lang: str, on_confirm: Callable[[], None], cls: str):
    armed = solara.use_reactive(False)

    def click() -> None:
        if armed.value:
            armed.set(False)
            on_confirm()
        else:
            armed.set(True)

    solara.Button(
        t("pc.confirm", lang) if armed.value else label,
        on_click=click,
        color="error" if armed.value else None,
        outlined=True,
        classes=[cls],
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
                solara.Button(
                    t("pc.remove", lang),
                    on_click=lambda pid=person["id"]: act("remove", pid),
                    text=True,
                    small=True,
                    classes=["ts-pc-remove"],
                )


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
    with solara.Div(classes=["ts-pc-body"]):
        with solara.Div(classes=["ts-pc-side"]):
            solara.Div(children=[t("pc.code", lang)], style={"font-weight": "600"})
            solara.Div(children=[code], classes=["ts-pc-code"])
            if urls:
                link = f"{urls[0]}?code={code.replace('-', '')}"
                solara.Div(children=[f"{t('pc.join_at', lang)} {urls[0]}"], classes=["ts-pc-url"])
                Raw(qr_svg(link), ["ts-pc-qr"])
                loopback = not _has_urls() and (host or "").startswith(
                    ("127.", "localhost", "[::1]")
                )
                if loopback:
                    solara.Warning(t("pc.loopback", lang), classes=["ts-pc-loopback"])
            solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.seats", lang)))
            rows = [[role_name(r, lang), s] for r, s in console["seats"].items()]
            Raw(html_table(["", ""], rows, "ts-pc-seats-table"), ["ts-pc-seats"])
            solara.HTML(tag="h3", unsafe_innerHTML=escape(t("pc.people", lang)))
            People(room, client, follow, lang, act)
        with solara.Div(classes=["ts-pc-main"]):
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
                    ("scandal", t("pc.scandal", lang), "inject_scandal", {"color": "warning"},
                     state != "finished"),
                )  # fmt: skip
                for key, label, action, style, shown in run_bar:
                    if shown:
                        solara.Button(
                            label,
                            on_click=lambda action=action: act(action),
                            classes=[f"ts-pc-{key}"],
                            **style,
                        ).key(key)
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
            with solara.Row(style={"align-items": "center"}):
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
            if room.path is not None:
                solara.Div(
                    children=[t("pc.file", lang, path=str(room.path))],
                    style={"font-size": "0.8em", "color": "#555"},
                )


def _has_urls() -> bool:
    return bool(os.environ.get(URLS_ENV, "").strip())


@solara.component
def ConsoleView(
    client: str,
    initial_lang: str = "sv",
    host: str | None = None,
    rooms: Rooms = ROOMS,
    may_start: bool = True,
):
    """The facilitator's console: set up a session, then run it on the projector."""
    lang = solara.use_reactive(initial_lang)
    changed = solara.use_reactive(0)
    ended = solara.use_reactive(None)
    room = rooms.owned_by(client)
    changed.value  # noqa: B018 - redraw after start/end

    def end() -> None:
        ended.set(str(rooms.end(client)))
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
            if may_start:
                SetupForm(client, lang.value, rooms, lambda: changed.set(changed.value + 1))
            else:
                solara.Warning(t("pc.key_needed", lang.value), classes=["ts-pc-key-needed"])
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
    router = solara.use_router()
    code = parse_qs(router.search or "").get("code", [""])[0][:20]
    ParticipantView(_client(), default_lang(), code)


@solara.component
def ConsolePage():
    router = solara.use_router()
    key = parse_qs(router.search or "").get("key", [""])[0][:100]
    ConsoleView(_client(), default_lang(), _host(), ROOMS, console_key_ok(key))
