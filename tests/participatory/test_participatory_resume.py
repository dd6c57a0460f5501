"""A room that survives (issue items 13, 15, 18): resume from the session file after a restart,
decision versions against stale tabs, owner-only session files, the scandal's round in the news."""

from __future__ import annotations

import sqlite3
import stat

import pandas as pd
import pytest

from trustsim.play.participatory import (
    ParticipatoryError,
    Session,
    replay,
    resumable,
    resume,
)


def play_until_crash(s: Session) -> tuple[str, str]:
    """Two seats, round 1 played, round 2 open with one decision made; returns the tokens."""
    fac = s.facilitator_token
    gov = s.join(s.join_code, "Gun", "government", now=1.0).token
    head = s.join(s.join_code, "Hal", "agency_head", now=2.0).token
    s.open_round(fac, 120, now=10.0)
    s.submit(gov, {"steering_detail": 0.3}, now=20.0)
    s.inject_scandal(fac, now=25.0)
    s.close_round(fac, now=30.0)
    s.open_round(fac, 120, now=40.0)
    s.submit(head, {"autonomy_granted": 0.8}, now=50.0)
    return gov, head


def test_a_resumed_session_goes_on_exactly_as_one_that_never_stopped(make_session, tmp_path):
    crashed = make_session()
    play_until_crash(crashed)
    path = tmp_path / "session0.sqlite"
    code_before = crashed.join_code
    crashed.close()  # the server dies: nothing else is written
    assert resumable(path)

    back = resume(path, now=500.0)
    assert back.join_code != code_before  # codes are not stored: a fresh one
    assert back.restarts == 1 and back.round == 2
    # the round was open at the crash: it waits, paused, with the time left at the last event
    assert back.state == "paused" and back.remaining == pytest.approx(160.0 - 50.0)
    assert back.seconds_left(now=900.0) == pytest.approx(110.0)  # the downtime does not count
    assert [p.name for p in back.participants.values()] == ["Gun", "Hal"]
    assert all(p.token for p in back.participants.values())  # fresh tokens for the seats
    head = back.participants["p2"].token
    assert back.view(head)["choices"]["autonomy_granted"] == 0.8

    # the same session without a crash, to compare
    twin = make_session()
    play_until_crash(twin)
    twin.pause(twin.facilitator_token, now=50.0)
    fac = back.facilitator_token
    back.resume(fac, now=510.0)
    twin.resume(twin.facilitator_token, now=510.0)
    back.close_round(fac, now=520.0)
    twin.close_round(twin.facilitator_token, now=520.0)
    pd.testing.assert_frame_equal(back.outputs(), twin.outputs())
    assert len(back.outputs()) == 9  # quarter 0 and two years

    # the file goes on: one log, all events, integrity ok; a replay gives the same outputs
    back.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY seq")]
    assert kinds.count("restart") == 1 and kinds[-2:] == ["resume", "close"]
    pd.testing.assert_frame_equal(replay(path).outputs(), twin.outputs())


def test_an_ended_session_is_not_resumed(session, tmp_path):
    session.end(now=5.0)
    path = tmp_path / "session0.sqlite"
    assert not resumable(path)
    with pytest.raises(ParticipatoryError, match="ended"):
        resume(path)


def test_a_stale_tab_cannot_overwrite_a_newer_decision(session):
    """Issue 15: 0.4 -> 0.7 -> 0.4 in the log when a stale tab sent."""
    fac = session.facilitator_token
    gov = session.join(session.join_code, "Gun", "government", now=1.0).token
    session.open_round(fac, 120, now=2.0)
    tab_a = session.view(gov)["version"]
    tab_b = session.view(gov)["version"]
    session.submit(gov, {"steering_detail": 0.4}, now=3.0, base=tab_a)
    tab_a = session.view(gov)["version"]
    session.submit(gov, {"steering_detail": 0.7}, now=4.0, base=tab_a)
    with pytest.raises(ParticipatoryError) as err:
        session.submit(gov, {"steering_detail": 0.4}, now=5.0, base=tab_b)  # the stale tab
    assert err.value.key == "stale" and "newer decision" in str(err.value)
    assert session.choices["government"]["steering_detail"] == 0.7
    logged = [e for e in session.events()["payload"] if "steering_detail" in e]
    assert len(logged) == 2 and '"version": 2' in logged[-1]  # the stale send left no trace


def test_session_files_are_owner_only(session, tmp_path):
    """Issue 18: session files hold display names and were world-readable (0644)."""
    mode = stat.S_IMODE((tmp_path / "session0.sqlite").stat().st_mode)
    assert mode == 0o600


def test_a_scandal_before_round_one_is_news_of_round_one(session):
    """Issue 16: a scandal before round 1 read "Runda 0: en skandal"."""
    session.inject_scandal(session.facilitator_token, now=1.0)
    assert session.news[-1]["round"] == 1
    session.open_round(session.facilitator_token, 60, now=2.0)
    session.close_round(session.facilitator_token, now=3.0)
    session.inject_scandal(session.facilitator_token, now=4.0)  # felt in round 2's year
    assert [n["round"] for n in session.news if n["kind"] == "scandal"] == [1, 2]
