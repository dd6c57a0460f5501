"""Joining: the join code, role caps shown as "X/Y", unique and escaped names, reconnecting."""

from __future__ import annotations

import math

import pytest

from trustsim.play.participatory import (
    JOIN_ALPHABET,
    JOIN_CODE_LENGTH,
    ParticipatoryError,
    Session,
    escape,
)


def test_join_code_has_enough_entropy_from_an_unambiguous_alphabet(session):
    code = session.join_code
    assert len(code) == JOIN_CODE_LENGTH and set(code) <= set(JOIN_ALPHABET)
    assert not set("01IO") & set(JOIN_ALPHABET) and len(set(JOIN_ALPHABET)) == 32
    assert JOIN_CODE_LENGTH * math.log2(len(JOIN_ALPHABET)) >= 40
    assert session.facilitator_token != code and len(session.facilitator_token) >= 40
    other = Session(world="teaching", seed=11, rounds=1)
    assert other.join_code != code and other.facilitator_token != session.facilitator_token


def test_join_accepts_the_code_as_shown_and_as_typed(session):
    a = session.join(session.display_code, "Anna", "government", now=0)
    b = session.join(session.display_code.lower().replace("-", " "), "Bo", "esv", now=0)
    assert (a.id, a.role, b.role) == ("p1", "government", "esv")
    assert a.token and b.token and a.token != b.token != session.facilitator_token


@pytest.mark.parametrize("code", ["", "WRONG", "22222222", None, "Ö" * 9])
def test_a_wrong_code_is_refused(session, code):
    real = session.join_code
    code = real[:-1] + ("2" if real[-1] != "2" else "3") if code == "22222222" else code
    with pytest.raises(ParticipatoryError, match="wrong join code"):
        session.join(code, "Anna", "government")
    assert session.participants == {}


def test_caps_are_reported_as_x_of_y_and_enforced(make_session):
    s = make_session(caps={"observer": 2})
    assert s.seats()["government"] == "0/1"
    assert s.seats()["agency_head"] == "0/10"  # the teaching world has 10 state agencies
    s.join(s.join_code, "Anna", "government")
    s.join(s.join_code, "Olle", "observer")
    assert s.seats()["government"] == "1/1" and s.seats()["observer"] == "1/2"
    with pytest.raises(ParticipatoryError, match=r"full \(1/1\).*seats free: .*esv"):
        s.join(s.join_code, "Per", "government")
    s.join(s.join_code, "Pia", "observer")
    with pytest.raises(ParticipatoryError, match=r"full \(2/2\)"):
        s.join(s.join_code, "Max", "observer")
    with pytest.raises(ParticipatoryError, match="role 'king' is unknown; allowed: government"):
        s.join(s.join_code, "Kung", "king")


def test_names_are_unique_case_insensitively_and_length_limited(session):
    session.join(session.join_code, "Anna", "observer")
    for taken in ("anna", " ANNA "):
        with pytest.raises(ParticipatoryError, match="is taken"):
            session.join(session.join_code, taken, "observer")
    for bad, why in (
        ("", "1 to 24"),
        ("x" * 25, "1 to 24"),
        ("a\u202eb", "control"),
        ("a\nb", "control"),
        (7, "text"),
    ):
        with pytest.raises(ParticipatoryError, match=why):
            session.join(session.join_code, bad, "observer")


def test_names_and_messages_are_stored_raw_and_escaped_on_output(session):
    raw = '<img src=x onerror="alert(1)">'
    p = session.join(session.join_code, raw[:24], "observer", now=0)
    assert p.name == raw[:24] and p.name_html == escape(raw[:24]) and "<" not in p.name_html
    session.broadcast(session.facilitator_token, "<script>x</script> & more", now=1)
    view = session.view(p.token)
    assert "<" not in view["name"] and view["messages"][0]["text"].startswith("&lt;script&gt;")
    console = session.console(session.facilitator_token)
    assert all("<" not in row["name"] for row in console["participants"])


def test_reconnect_gives_the_seat_back(session):
    p = session.join(session.join_code, "Anna", "agency_head", now=0)
    again = session.reconnect(p.token, now=50)
    assert again is p and again.agency == p.agency and session.seats()["agency_head"] == "1/10"
    assert session.view(p.token)["agency"]["index"] == p.agency
    with pytest.raises(ParticipatoryError, match="unknown participant token"):
        session.reconnect("not-a-token")


def test_agency_heads_get_distinct_real_agencies(session):
    names = dict(session.agencies())
    heads = [session.join(session.join_code, f"Head {i}", "agency_head") for i in range(3)]
    assert len({h.agency for h in heads}) == 3 and all(h.agency in names for h in heads)
    assert session.model.agencies[heads[0].agency].name == names[heads[0].agency]
    free = next(i for i in names if i not in {h.agency for h in heads})
    chosen = session.join(session.join_code, "Chooser", "agency_head", agency=free)
    assert chosen.agency == free
    with pytest.raises(ParticipatoryError, match="already has a head"):
        session.join(session.join_code, "Late", "agency_head", agency=free)
    with pytest.raises(ParticipatoryError, match="not a state agency"):
        session.join(session.join_code, "Late", "agency_head", agency=999)
    with pytest.raises(ParticipatoryError, match="only an agency head"):
        session.join(session.join_code, "Late", "government", agency=free)
