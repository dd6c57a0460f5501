"""The participatory web layer without pages: rooms, seats by client, timers, limits, errors."""

from __future__ import annotations

import time

import pytest

from trustsim.app import room as room_module
from trustsim.app.room import MAX_ROOMS, Room, RoomError, Rooms, client_digest, join_urls
from trustsim.play.participatory import ParticipatoryError, Session


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTSIM_SESSIONS_DIR", str(tmp_path / "s"))
    made = Rooms()
    yield made
    made.end_all()


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_timer_thread_closes_a_round_and_ticks_each_second(tmp_path, monkeypatch):
    monkeypatch.setattr(room_module, "TICK", 0.02)
    now = [1000.0]
    session = Session(world="teaching", seed=2, rounds=2, clock=lambda: now[0])
    room = Room("r1", session, client_digest("owner"), None, round_seconds=30)
    room.start_timer()
    try:
        room.facilitate("owner", "open_round")
        version, ticks = room.version, room.ticks
        now[0] += 5.0  # five seconds pass: the shown second changes, only `ticks` moves
        assert wait_for(lambda: room.ticks > ticks)
        assert room.version == version and session.state == "open"
        now[0] += 26.0  # the timer runs out: the thread closes the round and bumps the version
        assert wait_for(lambda: session.state == "closed")
        assert wait_for(lambda: room.version > version)
        assert session.events()["payload"].iloc[-1] == '{"reason": "timer"}'
    finally:
        room.end()


def test_a_client_holds_one_seat_and_gets_it_back(rooms):
    room = rooms.start("owner", timer=False)
    code = room.session.join_code
    _, first = rooms.join("phone", code, "Ada", "esv")
    again_room, again = rooms.join("phone", code, "Another name", "government")
    assert again is first and again_room is room  # no second seat for the same browser
    assert rooms.seat_of("phone")[1].name == "Ada"
    assert rooms.reconnect("phone")[1] is first
    assert rooms.seat_of("someone-else") is None


def test_a_decision_ticks_and_the_last_one_runs_the_year(rooms):
    room = rooms.start("owner", timer=False)
    code = room.session.join_code
    rooms.join("a", code, "A", "government")
    rooms.join("b", code, "B", "agv")
    rooms.join("c", code, "C", "observer")
    room.facilitate("owner", "open_round")
    version, ticks = room.version, room.ticks
    rooms.submit("a", {"steering_detail": 0.3})
    assert (room.version, room.ticks) == (version, ticks + 1) and room.session.state == "open"
    rooms.submit("b", {"reach": 0.9})  # observers do not count: everyone who decides has
    assert room.session.state == "closed" and room.version == version + 1
    assert room.session.events()["payload"].iloc[-1] == '{"reason": "all-decided"}'


def test_without_auto_close_the_round_waits(rooms):
    room = rooms.start("owner", auto_close=False, timer=False)
    rooms.join("a", room.session.join_code, "A", "government")
    room.facilitate("owner", "open_round")
    rooms.submit("a", {"steering_detail": 0.3})
    assert room.session.state == "open"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"world": "mars"}, "world"),
        ({"world": "state", "scale": 0.5}, "scale"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"rounds": 0}, "rounds"),
        ({"rounds": 31}, "rounds"),
        ({"round_seconds": 5}, "round_seconds"),
        ({"round_seconds": "soon"}, "round_seconds"),
    ],
)
def test_bad_settings_are_refused_with_a_key(rooms, kwargs, key):
    with pytest.raises(RoomError) as err:
        rooms.start("owner", timer=False, **kwargs)
    assert err.value.key == key
    assert rooms.rooms == {}


def test_one_session_per_browser_and_at_most_max_rooms(rooms):
    rooms.start("owner", timer=False)
    with pytest.raises(RoomError) as err:
        rooms.start("owner", timer=False)
    assert err.value.key == "already_running"
    for i in range(MAX_ROOMS - 1):
        rooms.start(f"other-{i}", timer=False)
    with pytest.raises(RoomError) as err:
        rooms.start("one-too-many", timer=False)
    assert err.value.key == "too_many"
    path = rooms.end("owner")
    assert path.exists() and rooms.owned_by("owner") is None


def test_wrong_codes_are_limited_per_browser_and_for_the_whole_server(rooms, monkeypatch):
    now = [0.0]
    limited = Rooms(clock=lambda: now[0])
    monkeypatch.setattr(limited, "rooms", rooms.rooms)
    room = rooms.start("owner", timer=False)
    for _ in range(5):
        with pytest.raises(RoomError) as err:
            limited.join("guesser", "222-222-222", "G", "observer")
        assert err.value.key == "wrong_code"
    with pytest.raises(RoomError) as err:
        limited.join("guesser", room.session.join_code, "G", "observer")
    assert err.value.key == "rate"  # even the right code waits once the bucket is empty
    # many cookies: the server-wide bucket of wrong codes runs dry after 30 in a minute
    failures = 5
    for i in range(40):
        try:
            limited.join(f"cookie-{i}", "222-222-222", "G", "observer")
        except RoomError as exc:
            failures += exc.key == "wrong_code"
            last = exc.key
    assert failures == 30 and last == "rate"
    now[0] += 60.0  # a minute later honest joins pass again
    assert limited.join("late", room.session.join_code, "Late", "observer")[1].name == "Late"


def test_join_addresses_prefer_what_trustsim_app_found(monkeypatch):
    monkeypatch.delenv("TRUSTSIM_APP_URLS", raising=False)
    assert join_urls("127.0.0.1:8765") == ["http://127.0.0.1:8765/join"]
    assert join_urls(None) == []
    monkeypatch.setenv("TRUSTSIM_APP_URLS", "http://10.0.0.5:8765/,http://[2001:db8::5]:8765/")
    assert join_urls("127.0.0.1:8765") == [
        "http://10.0.0.5:8765/join",
        "http://[2001:db8::5]:8765/join",
    ]


def test_refusals_of_the_core_keep_their_keys():
    err = ParticipatoryError("x", "name_taken", name="Ada")
    assert (err.key, err.values, str(err)) == ("name_taken", {"name": "Ada"}, "x")
