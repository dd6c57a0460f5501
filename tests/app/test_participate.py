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
from trustsim.app.room import RoomError, Rooms, client_digest

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


def test_a_room_survives_a_restart_seats_and_console_come_back(rooms):
    """Issue 13: a restart ended the room. The same browsers (cookies) get their seats and the
    console back from the session file, with a notice in Swedish; the round waits, paused."""
    _, code = start(rooms)
    join(rooms, "cookie-gun", code, "Gun", "government")
    join(rooms, "cookie-hal", code, "Hal", "agency_head")
    room = rooms.owned_by(FACILITATOR)
    room.facilitate(FACILITATOR, "open_round")
    rooms.submit("cookie-gun", {"steering_detail": 0.35})
    folder = room.path.parent
    rooms.stop_all()  # the server stops (a kill writes nothing more: every event is committed)

    after = Rooms()  # the new server process
    (back,) = after.resume_folder(folder, timer=False)
    try:
        assert back.session.state == "paused" and back.session.round == 1
        assert after.owned_by(FACILITATOR) is back
        desk2 = console(after)
        assert t("pc.restarted", "sv") in desk2.text("ts-pc-restarted")
        gun = phone(after, "cookie-gun")
        assert "Gun" in gun.text("ts-pp-you") and not gun.all("ts-pp-join")
        assert t("pp.restarted", "sv") in gun.text("ts-pp-restarted")
        assert back.view("cookie-gun")["choices"]["steering_detail"] == 0.35
        stranger = phone(after, "cookie-new")
        assert stranger.all("ts-pp-join")  # a browser that held no seat joins as usual
        back.facilitate(FACILITATOR, "resume")
        rooms_view = back.view("cookie-hal")
        assert rooms_view["state"] == "open" and rooms_view["round"] == 1
    finally:
        after.end_all()


def test_the_key_holder_takes_over_a_room_whose_browser_is_lost(rooms, monkeypatch):
    """Issue 16: a facilitator who lost the cookie could not control the room."""
    monkeypatch.setenv("TRUSTSIM_CONSOLE_KEY", "sesame-key")
    rooms.authorised.add(client_digest(FACILITATOR))
    start(rooms)
    page = PageDriver(
        solara.render(ConsoleView("cookie-laptop2", "sv", None, rooms), handle_error=False)[1]
    )
    assert page.all("ts-pc-key-needed") and not page.all("ts-pc-start")
    page.one("ts-pc-key", v.TextField).v_model = "wrong"
    page.click("ts-pc-unlock")
    assert eventually(lambda: page.text("ts-pc-error")) == t("pe.wrong_key", "sv")
    page.one("ts-pc-key", v.TextField).v_model = "sesame-key"
    page.click("ts-pc-unlock")
    eventually(lambda: page.all("ts-pc-take-over"))
    page.click("ts-pc-take-over")  # arms
    page.click("ts-pc-take-over")
    eventually(lambda: page.all("ts-pc-code"))
    room = rooms.owned_by("cookie-laptop2")
    assert room is not None and not room.is_owner(FACILITATOR)
    assert room.session.clients()["facilitator"] == client_digest("cookie-laptop2")


def test_console_key_guesses_are_rate_limited(rooms, monkeypatch):
    monkeypatch.setenv("TRUSTSIM_CONSOLE_KEY", "sesame-key")
    refusals = []
    for _ in range(8):
        with pytest.raises(RoomError) as err:
            rooms.unlock("cookie-guesser", "nope")
        refusals.append(err.value.key)
    assert refusals[:5] == ["wrong_key"] * 5 and refusals[5:] == ["rate"] * 3
    with pytest.raises(RoomError) as err:  # even the right key waits once the bucket is dry
        rooms.unlock("cookie-guesser", "sesame-key")
    assert err.value.key == "rate"


@pytest.mark.parametrize("bad", [None, [0.5], "abc", float("nan"), 7.0, True])
def test_a_bad_slider_value_gets_a_swedish_message_not_a_traceback(rooms, bad):
    """Issue 18: null, [0.5] or "abc" over the websocket replaced the page with a traceback."""
    _, code = start(rooms)
    gun = join(rooms, "cookie-gun", code, "Gun", "government")
    rooms.owned_by(FACILITATOR).facilitate(FACILITATOR, "open_round")
    eventually(lambda: gun.all("ts-pp-dec-steering_detail"))
    slider = gun.inside("ts-pp-dec-steering_detail", v.Slider)
    slider.v_model = bad
    message = eventually(lambda: gun.text("ts-pp-error"))
    assert message.startswith("Detaljstyrning: ") and "tillåtet är ett tal från 0 till 1" in message
    assert "Traceback" not in text(gun) and "site-packages" not in text(gun)
    gun.click("ts-pp-submit")  # the last good value is sent, not the bad one
    room = rooms.owned_by(FACILITATOR)
    eventually(lambda: room.view("cookie-gun")["decided"])
    assert 0.0 <= room.session.choices["government"]["steering_detail"] <= 1.0


def test_a_stale_tab_is_refused_and_shows_the_newer_choice(rooms):
    _, code = start(rooms)
    tab_a = join(rooms, "cookie-gun", code, "Gun", "government")
    join(rooms, "cookie-hal", code, "Hal", "agency_head")  # keeps the round open
    room = rooms.owned_by(FACILITATOR)
    room.facilitate(FACILITATOR, "open_round")
    tab_b = phone(rooms, "cookie-gun")  # a second tab of the same browser
    eventually(lambda: tab_a.all("ts-pp-submit") and tab_b.all("ts-pp-submit"))
    tab_a.inside("ts-pp-dec-steering_detail", v.Slider).v_model = 0.7
    tab_a.click("ts-pp-submit")
    eventually(lambda: room.session.choices["government"]["steering_detail"] == 0.7)
    tab_b.inside("ts-pp-dec-steering_detail", v.Slider).v_model = 0.4
    tab_b.click("ts-pp-submit")
    assert eventually(lambda: tab_b.text("ts-pp-error")) == t("pe.stale", "sv")
    assert room.session.choices["government"]["steering_detail"] == 0.7
    assert tab_b.inside("ts-pp-dec-steering_detail", v.Slider).v_model == 0.7
