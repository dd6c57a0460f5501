"""The security cases of issue 11 item 5 that apply without a web layer: the join code (see
test_participatory_join), own role only, allowed ranges, open rounds only, facilitator actions
only with the facilitator token, removed participants, and no secrets in the session file."""

from __future__ import annotations

import pytest

from trustsim.play.participatory import ParticipatoryError


@pytest.fixture
def room(session):
    code, f = session.join_code, session.facilitator_token
    people = {
        "government": session.join(code, "Gov", "government", now=0),
        "esv": session.join(code, "Esv", "esv", now=0),
        "agency_head": session.join(code, "Head", "agency_head", now=0),
        "observer": session.join(code, "Obs", "observer", now=0),
    }
    return session, f, people


def test_a_participant_decides_only_for_their_own_role(room):
    s, f, people = room
    s.open_round(f, 60, now=10)
    with pytest.raises(
        ParticipatoryError,
        match="not one of the 'government' role's; allowed: "
        r"steering_detail \[0, 1\]",
    ):
        s.submit(people["government"].token, {"alignment": 0.9}, now=11)
    with pytest.raises(ParticipatoryError, match="not one of the 'agency_head' role's"):
        s.submit(people["agency_head"].token, {"steering_detail": 0.0}, now=11)
    with pytest.raises(ParticipatoryError, match="not one of the 'esv' role's"):
        s.submit(people["esv"].token, {"digg_alignment": 1.0}, now=11)
    with pytest.raises(ParticipatoryError, match="makes no decisions"):
        s.submit(people["observer"].token, {"steering_detail": 0.0}, now=11)
    assert s.choices["government"]["steering_detail"] == 0.6 and s.decided == set()


@pytest.mark.parametrize(
    ("role", "decision", "value", "allowed"),
    [
        ("government", "steering_detail", 1.5, r"\[0, 1\]"),
        ("government", "steering_detail", -0.01, r"\[0, 1\]"),
        ("government", "steering_detail", float("nan"), r"\[0, 1\]"),
        ("government", "steering_detail", True, r"\[0, 1\]"),
        ("government", "steering_detail", "0.5", r"\[0, 1\]"),
        ("government", "budget_horizon_years", 0.5, r"\[1, 4\]"),
        ("government", "incident_reaction", 2.0, r"\[0, 1\]"),  # narrowed from 0–5
        ("esv", "reach", 1.01, r"\[0, 1\]"),
        ("agency_head", "autonomy_granted", float("inf"), r"\[0, 1\]"),
    ],
)
def test_out_of_range_decisions_are_refused_with_the_allowed_range(
    room, role, decision, value, allowed
):
    s, f, people = room
    s.open_round(f, 60, now=10)
    with pytest.raises(ParticipatoryError, match=rf"{decision}.*allowed is a number in {allowed}"):
        s.submit(people[role].token, {decision: value}, now=11)
    assert s.decided == set()
    assert len(s.events().query("kind == 'decision'")) == 0


def test_decisions_only_in_the_open_round(room):
    s, f, people = room
    gov = people["government"].token
    with pytest.raises(ParticipatoryError, match="no round is open.*waiting"):
        s.submit(gov, {"steering_detail": 0.3}, now=5)
    s.open_round(f, 60, now=10)
    s.pause(f, now=20)
    with pytest.raises(ParticipatoryError, match="no round is open.*paused"):
        s.submit(gov, {"steering_detail": 0.3}, now=21)
    s.resume(f, now=30)  # 50 s left: the deadline is 80
    with pytest.raises(ParticipatoryError, match="time is up"):
        s.submit(gov, {"steering_detail": 0.3}, now=80)
    s.submit(gov, {"steering_detail": 0.3}, now=79.9)
    s.close_round(f, now=81)
    with pytest.raises(ParticipatoryError, match="no round is open.*closed"):
        s.submit(gov, {"steering_detail": 0.1}, now=82)
    assert s.choices["government"]["steering_detail"] == 0.3


FACILITATOR_ACTIONS = {
    "open_round": lambda s, t: s.open_round(t, 60, now=1),
    "close_round": lambda s, t: s.close_round(t, now=1),
    "pause": lambda s, t: s.pause(t, now=1),
    "resume": lambda s, t: s.resume(t, now=1),
    "inject_scandal": lambda s, t: s.inject_scandal(t, now=1),
    "broadcast": lambda s, t: s.broadcast(t, "hello", now=1),
    "remove": lambda s, t: s.remove(t, "p1", now=1),
    "reset": lambda s, t: s.reset(t, now=1),
    "console": lambda s, t: s.console(t, now=1),
}


@pytest.mark.parametrize("action", sorted(FACILITATOR_ACTIONS))
def test_facilitator_actions_refuse_participant_and_wrong_tokens(room, action):
    s, f, people = room
    s.open_round(f, 60, now=0)  # so that close, pause and scandal would otherwise be possible
    before = len(s.events())
    for person in people.values():
        with pytest.raises(ParticipatoryError, match="participant's token cannot"):
            FACILITATOR_ACTIONS[action](s, person.token)
    for wrong in ("", "x" * 43, s.join_code, None, f[:-1], "å" * 43):
        with pytest.raises(ParticipatoryError, match="wrong facilitator token"):
            FACILITATOR_ACTIONS[action](s, wrong)
    assert len(s.events()) == before and s.round == 1 and s.state == "open"
    assert s.scandals == [] and s.messages == [] and not s.participants["p1"].removed
    FACILITATOR_ACTIONS["pause"](s, f)  # the real token works
    assert s.state == "paused"


def test_a_removed_participant_is_locked_out_and_the_seat_freed(room):
    s, f, people = room
    gov = people["government"]
    s.open_round(f, 60, now=0)
    s.remove(f, gov.id, now=1)
    for act in (
        lambda: s.submit(gov.token, {"steering_detail": 0.1}, now=2),
        lambda: s.view(gov.token),
        lambda: s.reconnect(gov.token),
    ):
        with pytest.raises(ParticipatoryError, match="removed by the facilitator"):
            act()
    assert s.seats()["government"] == "0/1"
    with pytest.raises(ParticipatoryError, match="no participant 'p1'"):
        s.remove(f, gov.id, now=3)
    new = s.join(s.join_code, "Gov", "government", now=4)  # the name is free again
    s.submit(new.token, {"steering_detail": 0.1}, now=5)


def test_no_secret_is_written_to_the_session_file(room, tmp_path):
    s, f, people = room
    s.open_round(f, 60, now=0)
    s.submit(people["government"].token, {"steering_detail": 0.2}, now=1)
    s.close_round(f, now=2)
    data = (tmp_path / "session0.sqlite").read_bytes()
    secrets_ = [s.join_code, f] + [p.token for p in people.values()]
    assert all(secret.encode() not in data for secret in secrets_)
    assert b"steering_detail" in data  # the file is the one being written
