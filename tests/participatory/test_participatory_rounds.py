"""Rounds: the timer (time passed in), undecided roles keeping last year's choice, decisions that
change the model, scandals, reset, and what each role's view shows."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim.model.model import TrustModel
from trustsim.model.params import Params
from trustsim.play.participatory import ParticipatoryError, set_policy


def play(s, rounds, decide=None, scandal_in=None):
    """Open and close `rounds` rounds; decide(round) -> [(participant, decisions)]."""
    f = s.facilitator_token
    t = 100.0
    for r in range(1, rounds + 1):
        s.open_round(f, 60, now=t)
        for p, d in decide(r) if decide else []:
            s.submit(p.token, d, now=t + 1)
        if scandal_in == r:
            s.inject_scandal(f, 5.0, now=t + 2)
        s.close_round(f, now=t + 3)
        t += 100
    return s


def test_the_timer_closes_a_round_and_pause_keeps_the_time_left(session):
    f = session.facilitator_token
    session.open_round(f, 60, now=0)
    assert session.seconds_left(now=15) == 45
    assert not session.tick(now=59.9) and session.state == "open"
    session.pause(f, now=30)
    assert not session.tick(now=1000) and session.seconds_left(now=1000) == 30
    session.resume(f, now=1000)
    assert not session.tick(now=1029.9)
    assert session.tick(now=1030) and session.state == "closed"
    assert session.model.quarter == 4 and len(session.yearly()) == 1
    assert session.events()["payload"].iloc[-1] == '{"reason": "timer"}'
    with pytest.raises(ParticipatoryError, match="only an open round can be paused"):
        session.pause(f, now=1031)


def test_rounds_run_a_budget_year_each_and_the_session_ends(session):
    f = session.facilitator_token
    for r in (1, 2, 3):
        assert session.open_round(f, 30, now=r * 100) == r
        with pytest.raises(ParticipatoryError, match="close the open round first"):
            session.open_round(f, 30, now=r * 100 + 1)
        session.close_round(f, now=r * 100 + 2)
        assert session.model.quarter == 4 * r
    assert session.state == "finished"
    with pytest.raises(ParticipatoryError, match="finished"):
        session.open_round(f, 30, now=1000)
    with pytest.raises(ParticipatoryError, match="no round is open to close"):
        session.close_round(f, now=1000)
    with pytest.raises(ParticipatoryError, match=r"\(0, 3600\]"):
        session.reset(f, now=1001) or session.open_round(f, 0, now=1002)


def test_an_undecided_role_keeps_last_years_choice(session):
    gov = session.join(session.join_code, "Gov", "government")
    head = session.join(session.join_code, "Head", "agency_head")
    first = [
        (gov, {"steering_detail": 0.2, "budget_horizon_years": 3}),
        (head, {"autonomy_granted": 0.9}),
    ]
    play(session, 3, decide=lambda r: first if r == 1 else [])
    d = session.decisions()
    sd = d[(d.role == "government") & (d.decision == "steering_detail")]
    assert sd.value.tolist() == [0.2, 0.2, 0.2] and sd.decided.tolist() == [True, False, False]
    rep = d[(d.role == "government") & (d.decision == "reporting_demands")]
    assert rep.value.tolist() == [0.6, 0.6, 0.6]  # never decided: the scenario's value
    auto = d[(d.role == "agency_head") & (d.decision == "autonomy_granted")]
    assert auto.value.tolist() == [0.9, 0.9, 0.9] and auto.agency.tolist() == [head.agency] * 3
    assert session.model.p.steering_detail == 0.2 and session.model.p.budget_horizon_years == 3.0


def test_the_governments_steering_detail_changes_the_model(make_session):
    lowered, kept = make_session(seed=5), make_session(seed=5)
    gov = lowered.join(lowered.join_code, "Gov", "government")
    kept.join(kept.join_code, "Gov", "government")  # in the room, deciding nothing
    play(lowered, 2, decide=lambda r: [(gov, {"steering_detail": 0.0})])
    play(kept, 2)
    low, base = lowered.outputs(), kept.outputs()
    assert (low.loc[0] == base.loc[0]).all()  # the same start
    assert base.steering_detail.iloc[-1] - low.steering_detail.iloc[-1] > 0.1
    assert low.steering_detail.is_monotonic_decreasing


def test_support_bodies_and_heads_change_the_model(make_session):
    aligned, plain = make_session(seed=6), make_session(seed=6)
    esv = aligned.join(aligned.join_code, "Esv", "esv")
    head = aligned.join(aligned.join_code, "Head", "agency_head")
    play(
        aligned,
        1,
        decide=lambda r: [
            (esv, {"alignment": 1.0, "reach": 1.0}),
            (head, {"autonomy_granted": 1.0, "experiments_approved": 1.0}),
        ],
    )
    play(plain, 1)
    body = next(b for b in aligned.model.support_bodies if b.short == "ESV")
    assert (body.alignment, body.reach) == (1.0, 1.0)
    assert (
        aligned.outputs().programme_cost_msek.iloc[-1]
        > plain.outputs().programme_cost_msek.iloc[-1]
    )
    a, m = head.agency, aligned.model
    wps = m.wp_agency == a
    assert m.leader[wps].all()
    mine = aligned.view(head.token)["agency_now"]
    other = plain.model.orientation[plain.model.wp_agency == a].mean()
    assert mine["trust_orientation"] > other + 0.2


def test_a_head_using_dispensation_lets_rule_blocked_ideas_through(make_session):
    """Where the scenario has a route (experimentation), heads in every agency using none of it
    leave more ideas blocked by rules than the model's own use (1 with funding)."""
    unused, own = (
        make_session(seed=8, scenario="experimentation"),
        make_session(seed=8, scenario="experimentation"),
    )
    heads = [unused.join(unused.join_code, f"H{i}", "agency_head") for i in range(10)]
    play(unused, 2, decide=lambda r: [(h, {"use_of_dispensation": 0.0}) for h in heads])
    play(own, 2)
    blocked_unused = unused.outputs().blocked_by_rules.iloc[1:].mean()
    blocked_own = own.outputs().blocked_by_rules.iloc[1:].mean()
    assert blocked_unused > 1.3 * blocked_own
    # the agencies' true regulation moves as if no head had acted (the quarter's effect is undone)
    assert np.allclose(unused.model.regulation, own.model.regulation, rtol=1e-9, atol=0)


def test_set_policy_puts_the_same_slack_in_force_as_a_fresh_model():
    m = TrustModel(world="teaching", rng=1)
    p = Params(budget_horizon_years=3.0, earmarking_share=0.1)
    set_policy(m, p)
    assert m.slack == TrustModel(world="teaching", rng=1, params=p).slack


def test_a_scandal_is_in_the_news_and_tightens_steering(make_session):
    hit, calm = make_session(seed=4), make_session(seed=4)
    obs = hit.join(hit.join_code, "Obs", "observer")
    play(hit, 2, scandal_in=1)
    play(calm, 2)
    assert hit.outputs().steering_detail.iloc[-1] > calm.outputs().steering_detail.iloc[-1] + 0.05
    news = hit.view(obs.token)["news"]
    assert {"round": 1, "kind": "scandal", "size": 5.0, "quarter": 1} in news  # felt in the year
    assert any(n["kind"] == "incidents" and n["round"] == 2 for n in news)


def test_reset_goes_back_to_quarter_zero_and_keeps_the_room(session):
    gov = session.join(session.join_code, "Gov", "government")
    play(session, 2, decide=lambda r: [(gov, {"steering_detail": 0.1})])
    session.reset(session.facilitator_token, now=5000)
    assert (session.round, session.state, session.model.quarter) == (0, "waiting", 0)
    assert session.choices["government"]["steering_detail"] == 0.6
    assert session.decisions().empty and session.news == []
    assert session.participant(gov.token) is gov


def test_each_role_sees_its_own_slice(session):
    code = session.join_code
    gov = session.join(code, "Gov", "government")
    digg = session.join(code, "Digg", "digg")
    head = session.join(code, "Head", "agency_head")
    obs = session.join(code, "Obs", "observer")
    session.open_round(session.facilitator_token, 60, now=0)
    session.submit(head.token, {"autonomy_granted": 0.7}, now=1)
    assert session.view(head.token, now=10)["seconds_left"] == 50
    console = session.console(session.facilitator_token, now=10)
    assert [p["decided"] for p in console["participants"]] == [False, False, True, False]
    session.close_round(session.facilitator_token, now=20)
    v_head, v_gov = session.view(head.token), session.view(gov.token)
    v_digg, v_obs = session.view(digg.token), session.view(obs.token)
    assert v_head["choices"] == {
        "autonomy_granted": 0.7,
        "experiments_approved": None,
        "use_of_dispensation": None,
    }
    assert set(v_head["agency_years"][0]) == {
        "incidents_per_1000",
        "experiments_succeeded_per_1000",
        "workplaces_innovating_share",
    }
    assert v_head["agency"]["name"] == session.model.agencies[head.agency].name
    assert "years" not in v_head and "agency" not in v_gov
    assert v_gov["allowed"]["budget_horizon_years"] == (1.0, 4.0)
    assert "steering_detail" in v_gov["years"][0] and "steering_detail" not in v_digg["years"][0]
    assert v_digg["choices"] == {"alignment": 0.2, "reach": 0.3}
    assert v_obs["allowed"] == {} and len(v_obs["years"][0]) > 10
