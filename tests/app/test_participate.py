"""Kernel-level tests of the participatory pages (`/console`, `/join`): `solara.render` in this
process, several "browsers" told apart by their client (cookie) id, no browser."""

from __future__ import annotations

import time

import ipyvuetify as v
import pytest
import solara
from test_page import PageDriver, texts_of  # tests/app is on sys.path (rootdir-relative)

from trustsim.app.i18n import t
from trustsim.app.participate import ConsoleView, ParticipantView, error_text, qr_svg
from trustsim.app.room import RoomError, Rooms

FACILITATOR = "cookie-facilitator"


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTSIM_SESSIONS_DIR", str(tmp_path / "sessions"))
    monkeypatch.delenv("TRUSTSIM_APP_URLS", raising=False)
    made = Rooms()
    yield made
    made.end_all()


def eventually(check, seconds: float = 10.0):
    """Pages redraw from their own thread when the room changes: wait for it (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result or result is None:
                return result
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def console(rooms, lang="sv", host="127.0.0.1:8765") -> PageDriver:
    _, rc = solara.render(ConsoleView(FACILITATOR, lang, host, rooms), handle_error=False)
    return PageDriver(rc)


def phone(rooms, client, lang="sv", code="") -> PageDriver:
    _, rc = solara.render(ParticipantView(client, lang, code, rooms), handle_error=False)
    return PageDriver(rc)


def text(page: PageDriver) -> str:
    return " ".join(page.texts())


def start(rooms, lang="sv") -> tuple[PageDriver, str]:
    page = console(rooms, lang)
    page.click("ts-pc-start")
    code = eventually(lambda: page.text("ts-pc-code"))
    return page, code


def join(rooms, client, code, name, role, lang="sv") -> PageDriver:
    page = phone(rooms, client, lang, code.replace("-", ""))
    page.one("ts-pp-name", v.TextField).v_model = name
    page.one("ts-pp-role", v.Select).v_model = role
    page.click("ts-pp-join")
    eventually(lambda: page.all("ts-pp-status"))
    return page


def test_a_whole_round_in_swedish_closes_when_everyone_has_decided(rooms):
    desk, code = start(rooms)
    assert len(code) == 11 and code[3] == "-"
    assert "<svg" in " ".join(
        w.unsafe_innerHTML for w in desk.all("ts-pc-qr") if hasattr(w, "unsafe_innerHTML")
    ) or desk.all("ts-pc-qr")
    gov = join(rooms, "cookie-gov", code, "Anna", "government")
    head = join(rooms, "cookie-head", code, "<b>Bo</b>", "agency_head")
    watcher = join(rooms, "cookie-obs", code, "Cia", "observer")
    room = rooms.owned_by(FACILITATOR)
    assert "Väntar på att facilitatorn öppnar runda 1" in head.text("ts-pp-status")
    # the console lists everyone, names escaped (the raw <b> never reaches the page as markup)
    people = eventually(lambda: "Bo" in text(desk) and text(desk))
    assert "<b>Bo</b>" in people and "&lt;b&gt;" not in people
    raw = [
        w.unsafe_innerHTML
        for w in desk.all_widgets()
        if "Bo" in str(getattr(w, "unsafe_innerHTML", ""))
    ]
    assert raw and all("<b>Bo" not in r for r in raw)

    desk.click("ts-pc-open")
    eventually(lambda: "Runda 1 av 6" in head.text("ts-pp-status"))
    # each page redraws from its own thread: the government's may come a moment after the head's
    eventually(lambda: "kvar" in gov.text("ts-pp-status"))
    eventually(lambda: "0 av 2 har beslutat" in desk.text("ts-pc-status"))
    # the government moves a slider and sends: decided, the round stays open for the head
    eventually(lambda: not gov.one("ts-pp-submit", v.Btn).disabled)
    eventually(lambda: not head.one("ts-pp-submit", v.Btn).disabled)
    slider = gov.inside("ts-pp-dec-steering_detail", v.Slider)
    slider.v_model = 0.2
    gov.click("ts-pp-submit")
    eventually(lambda: gov.all("ts-pp-decided"))
    assert room.session.choices["government"]["steering_detail"] == pytest.approx(0.2)
    assert room.session.state == "open"
    eventually(lambda: "1 av 2 har beslutat" in desk.text("ts-pc-status"))
    eventually(lambda: "✓ Anna" in text(desk))  # the console's list marks who has decided
    head.click("ts-pp-submit")  # the last decider: the year runs at once
    eventually(lambda: room.session.state == "closed")
    eventually(lambda: "Runda 1 är klar" in head.text("ts-pp-status"))
    table = eventually(lambda: " ".join(texts_of(head.one("ts-pp-results"))))
    assert "Incidenter per 1 000 medarbetare" in table, table
    eventually(lambda: "Innovationer per 1 000 medarbetare" in text(watcher))
    eventually(lambda: "Runda 1 av 6 är spelad" in desk.text("ts-pc-status"))
    # the observer makes no decisions
    assert not watcher.all("ts-pp-submit")


def test_refusals_are_in_the_page_language(rooms):
    _, code = start(rooms)
    page = phone(rooms, "cookie-x", "sv", "WRONGCODE")
    page.one("ts-pp-name", v.TextField).v_model = "Ada"
    page.click("ts-pp-join")
    assert eventually(lambda: page.text("ts-pp-error")) == t("pe.wrong_code", "sv")
    for _ in range(5):  # the client's bucket (5 a minute) runs dry
        page.click("ts-pp-join")
    eventually(lambda: "För många försök" in page.text("ts-pp-error"))
    other = phone(rooms, "cookie-y", "en", code)
    other.one("ts-pp-name", v.TextField).v_model = " " * 3
    other.click("ts-pp-join")
    assert eventually(lambda: other.text("ts-pp-error")) == t("pe.name_length", "en", most=24)
    join(rooms, "cookie-z", code, "Gus", "government")
    third = phone(rooms, "cookie-w", "sv", code)
    third.one("ts-pp-name", v.TextField).v_model = "Hedda"
    third.one("ts-pp-role", v.Select).v_model = "government"
    third.click("ts-pp-join")
    assert eventually(lambda: third.text("ts-pp-error")) == t("pe.role_full", "sv", seats="1/1")
    # the refusal names the seats; the role list itself reveals nothing before the code is
    # checked (no look-up per keystroke: issue 18)
    items = [i["text"] for i in third.one("ts-pp-role", v.Select).items]
    assert "Regeringen" in items and not any("/" in i for i in items)


def test_typing_a_code_looks_nothing_up_only_join_does(rooms):
    """Issue 18: the join form looked the code up on every keystroke, outside both rate limits
    (3 guesses a second by typing). Now typing costs nothing and only Gå med is counted."""
    start(rooms)
    page = phone(rooms, "cookie-typist", "sv")
    looked = []
    real = rooms.room_by_code
    rooms.room_by_code = lambda code: looked.append(code) or real(code)
    field = page.one("ts-pp-code", v.TextField)
    for i in range(40):
        field.v_model = f"ABC{i:06d}"
    assert looked == []
    assert rooms.joins.retry_after("cookie-typist") == 0
    page.one("ts-pp-name", v.TextField).v_model = "Ada"
    page.click("ts-pp-join")
    assert eventually(lambda: page.text("ts-pp-error")) == t("pe.wrong_code", "sv")
    assert len(looked) == 1


def test_a_participant_never_reaches_the_console(rooms):
    _, code = start(rooms)
    join(rooms, "cookie-p", code, "Pia", "agency_head")
    room = rooms.owned_by(FACILITATOR)
    for action, args in (
        ("open_round", ()),
        ("inject_scandal", ()),
        ("reset", ()),
        ("remove", ("p1",)),
    ):
        with pytest.raises(RoomError) as err:
            room.facilitate("cookie-p", action, *args)
        assert err.value.key == "not_facilitator"
    with pytest.raises(RoomError):
        room.console("cookie-p")
    # the participant's browser opening /console gets a setup form of its own, not this room
    page = PageDriver(
        solara.render(ConsoleView("cookie-p", "sv", None, rooms), handle_error=False)[1]
    )
    assert page.all("ts-pc-start") and not page.all("ts-pc-code")
    # own role only, within range
    room.facilitate(FACILITATOR, "open_round")
    with pytest.raises(Exception) as err:
        rooms.submit("cookie-p", {"steering_detail": 0.5})
    assert "not one of the 'agency_head' role's" in str(err.value)
    with pytest.raises(Exception) as err:
        rooms.submit("cookie-p", {"autonomy_granted": 1.5})
    assert err.value.key == "range"
    assert "0 till 1" in error_text(err.value, "sv")


def test_reload_keeps_the_seat_and_removal_and_end_are_shown(rooms):
    desk, code = start(rooms)
    first = join(rooms, "cookie-r", code, "Rut", "esv")
    room = rooms.owned_by(FACILITATOR)
    again = phone(rooms, "cookie-r", "sv")  # the phone slept; the page was loaded anew
    assert "Rut" in again.text("ts-pp-you") and not again.all("ts-pp-join")
    assert "reconnect" in set(room.session.events()["kind"])
    eventually(lambda: desk.all("ts-pc-remove"))
    desk.click("ts-pc-remove")  # one click only arms the button (issue 16)
    eventually(lambda: desk.all("ts-pc-remove-armed"))
    assert room.participant("cookie-r") is not None
    assert t("pc.confirm.short", "sv") in desk.text("ts-pc-remove-armed")
    desk.click("ts-pc-remove")
    eventually(lambda: first.all("ts-pp-removed"))
    assert t("pp.removed", "sv") in first.text("ts-pp-removed")
    other = join(rooms, "cookie-s", code, "Sam", "digg")
    rooms.end(FACILITATOR)
    eventually(lambda: other.all("ts-pp-ended"))
    assert room.path.exists()


def test_console_charts_debrief_and_downloads(rooms):
    desk, code = start(rooms, lang="en")
    join(rooms, "cookie-g", code, "Gov", "government")
    room = rooms.owned_by(FACILITATOR)
    for _ in range(2):
        room.facilitate(FACILITATOR, "open_round")
        room.facilitate(FACILITATOR, "close_round")
    charts = eventually(
        lambda: (
            len(desk.charts()) == 4
            and len(desk.charts()["innovation_rate"]["series"][0]["data"]) == 2
            and desk.charts()
        )
    )
    assert [p[0] for p in charts["incident_rate"]["series"][0]["data"]] == [1.0, 2.0]
    desk.click("ts-pc-debrief")
    charts = eventually(lambda: "debrief-innovation_rate" in desk.charts() and desk.charts())
    series = charts["debrief-trust_orientation"]["series"]
    assert [s["name"] for s in series] == [
        t("pc.debrief.session", "en"),
        t("pc.debrief.baseline", "en"),
        t("pc.debrief.reform", "en"),
    ]
    assert all(len(s["data"]) == 2 for s in series)
    table = " ".join(texts_of(desk.one("ts-pc-debrief-table")))
    assert "The government: Steering detail" in table


def test_qr_code_is_an_svg_of_the_address():
    svg = qr_svg("http://192.0.2.7:8765/join?code=ABCDEFGHJ")
    assert svg.startswith("<svg") and "path" in svg


def test_a_server_open_to_the_room_starts_sessions_only_with_the_console_key(rooms, monkeypatch):
    from trustsim.app.room import KEY_ENV, console_key_ok

    assert console_key_ok(None)  # loopback server: no key
    monkeypatch.setenv(KEY_ENV, "s3cret-key-123456")
    assert console_key_ok("s3cret-key-123456")
    assert not console_key_ok("") and not console_key_ok("s3cret") and not console_key_ok(None)
    page = PageDriver(
        solara.render(
            ConsoleView("cookie-q", "sv", None, rooms, may_start=False), handle_error=False
        )[1]
    )
    assert page.all("ts-pc-key-needed") and not page.all("ts-pc-start")
    assert "nyckeln" in page.text("ts-pc-key-needed")


def test_the_room_benchmark_plays_and_frees_everything():
    """`trustsim bench --participatory` at a small size: every page sees every round's results,
    no error, and nothing of the session is left after the room closes (figures are printed by
    the benchmark, never asserted here)."""
    from trustsim.app.roomload import format_room_report, run_room_bench

    doc = run_room_bench(participants=6, rounds=2, seed=3)
    assert [r["round"] for r in doc["rounds"]] == [1, 2]
    assert doc["errors"] == 0 and doc["close_glitches"] == 0
    assert not doc["session_alive_after"] and not doc["model_alive_after"]
    assert doc["roles"] == {"government": 1, "esv": 1, "digg": 1, "agv": 1, "agency_head": 2}
    assert "results on every page" in format_room_report(doc)
