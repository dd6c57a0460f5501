"""Record and replay: the SQLite log rebuilds the session bit for bit; the research export; the
debrief with the baseline and the integrated reform re-run over the same years."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from trustsim.model.model import OUTPUTS, TrustModel
from trustsim.play.participatory import ParticipatoryError, Session, replay


def full_session(make_session, scenario="experimentation"):
    """Every kind of event: joins, decisions of every role, pause, timer close, scandal, message,
    removal, reconnect and a reset in the middle."""
    s = make_session(seed=21, rounds=3, scenario=scenario)
    f, code = s.facilitator_token, s.join_code
    gov = s.join(code, "Gov", "government", now=1)
    esv = s.join(code, "Esv", "esv", now=2)
    digg = s.join(code, "Digg", "digg", now=2)
    agv = s.join(code, "Agv", "agv", now=2)
    heads = [s.join(code, f"Head {i}", "agency_head", now=3) for i in range(3)]
    s.join(code, "Obs", "observer", now=4)
    s.open_round(f, 60, now=10)
    s.submit(gov.token, {"steering_detail": 0.9}, now=11)
    s.close_round(f, now=12)
    s.reset(f, now=13)  # a false start: everything after this is the real session
    s.open_round(f, 60, now=20)
    s.submit(gov.token, {"steering_detail": 0.3, "incident_reaction": 0.1}, now=21)
    s.submit(esv.token, {"alignment": 0.9}, now=22)
    s.submit(heads[0].token, {"autonomy_granted": 0.8, "use_of_dispensation": 0.2}, now=23)
    s.pause(f, now=30)
    s.resume(f, now=40)
    s.submit(digg.token, {"alignment": 0.8, "reach": 0.6}, now=41)
    assert not s.tick(now=89.9) and s.tick(now=90)  # 10 s paused: the deadline moved to 90
    s.inject_scandal(f, 3.0, now=81)
    s.broadcast(f, "Year 2: a scandal!", now=82)
    s.open_round(f, 60, now=90)
    s.submit(agv.token, {"alignment": 1.0}, now=91)
    s.submit(heads[1].token, {"experiments_approved": 1.0}, now=92)
    s.reconnect(heads[1].token, now=93)
    s.submit(heads[1].token, {"experiments_approved": 0.5}, now=94)  # the last one counts
    s.remove(f, heads[0].id, now=95)
    s.close_round(f, now=100)
    s.open_round(f, 60, now=110)
    s.submit(gov.token, {"budget_horizon_years": 3.0, "reporting_demands": 0.2}, now=111)
    s.close_round(f, now=120)
    assert s.state == "finished"
    return s


def test_replay_equals_the_live_session_bit_for_bit(make_session, tmp_path):
    live = full_session(make_session)
    again = replay(tmp_path / "session0.sqlite")
    a, b = live.outputs(), again.outputs()
    assert len(a) == 13
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert np.array_equal(a.to_numpy(), b.to_numpy())  # bit for bit, NaN-free
    pd.testing.assert_frame_equal(live.decisions(), again.decisions(), check_exact=True)
    assert live.news == again.news and live.messages == again.messages
    assert [(p.name, p.role, p.agency, p.removed) for p in live.participants.values()] == [
        (p.name, p.role, p.agency, p.removed) for p in again.participants.values()
    ]
    assert np.array_equal(live.model.orientation, again.model.orientation)
    assert again.join_code != live.join_code  # secrets are fresh, never stored
    again.close()


def test_the_decisions_matter_for_the_replayed_outcomes(make_session, tmp_path):
    """Not true by construction: dropping one logged decision changes the replay."""
    full_session(make_session)
    path = tmp_path / "session0.sqlite"
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM events WHERE kind = 'decision' AND payload LIKE '%0.3%'")
    db.close()
    live_again = replay(path)
    fresh = full_session(make_session)
    assert not live_again.outputs().equals(fresh.outputs())


def test_replay_refuses_unknown_formats_and_sessions_never_overwrite(make_session, tmp_path):
    s = make_session()
    path = tmp_path / "session0.sqlite"
    with pytest.raises(ParticipatoryError, match="exists; choose a new file"):
        Session(world="teaching", path=path)
    s.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.close()
    with pytest.raises(ParticipatoryError, match="format 99.*reads formats 1, 2"):
        replay(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_decision_log_exports_for_research_without_names(make_session, tmp_path, suffix):
    s = full_session(make_session)
    out = s.export_decisions(tmp_path / f"decisions{suffix}")
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns) == [
        "seq",
        "time",
        "round",
        "participant",
        "role",
        "decision",
        "target",
        "value",
    ]
    assert len(frame) == 13  # one row per submitted field (the false start's included)
    row = frame[(frame.role == "government") & (frame.decision == "incident_reaction")].iloc[0]
    assert (row.target, row.value, row["round"], row.time) == ("ratchet_up", 0.1, 1, 21.0)
    assert frame[frame.decision == "autonomy_granted"].target.tolist() == ["agency:orientation"]
    text = out.read_bytes()
    assert b"Head 0" not in text and b"Gov" not in text
    with pytest.raises(ParticipatoryError, match=r"\.csv and \.parquet"):
        s.export_decisions(tmp_path / "decisions.xlsx")


def test_debrief_sets_decisions_beside_the_session_baseline_and_reform(make_session):
    s = make_session(seed=3, rounds=2)
    gov = s.join(s.join_code, "Gov", "government")
    f = s.facilitator_token
    s.open_round(f, 60, now=0)
    s.submit(gov.token, {"steering_detail": 0.1}, now=1)
    s.close_round(f, now=2)
    s.inject_scandal(f, 2.0, now=3)
    s.open_round(f, 60, now=4)
    s.close_round(f, now=5)
    d = s.debrief()
    assert set(d["frames"]) == {"session", "baseline-control", "integrated-esv-digg"}
    assert all(len(frame) == 9 for frame in d["frames"].values())
    assert all(list(y["round"]) == [1, 2] for y in d["yearly"].values())
    assert set(OUTPUTS) <= set(d["yearly"]["session"].columns)
    gd = d["decisions"][d["decisions"].decision == "steering_detail"]
    assert gd.value.tolist() == [0.1, 0.1] and gd.decided.tolist() == [True, False]
    base, reform = d["frames"]["baseline-control"], d["frames"]["integrated-esv-digg"]
    # same seed: the same start; the baseline re-run is a plain model with the same scandal
    m = TrustModel(world="teaching", rng=3)
    for q in range(8):
        if q == 4:
            m.inject_scandal(2.0)
        m.step()
    pd.testing.assert_frame_equal(base, m.outputs(), check_exact=True)
    assert (reform.programme_cost_msek.iloc[1:] > base.programme_cost_msek.iloc[1:]).all()
    assert d["frames"]["session"].steering_detail.iloc[-1] < base.steering_detail.iloc[-1]


def test_a_session_where_nobody_decides_is_the_plain_model(make_session):
    """Verification: applying the (unchanged) choices between years leaves the model as it is."""
    s = make_session(seed=9, rounds=2)
    s.join(s.join_code, "Gov", "government")
    for r in range(2):
        s.open_round(s.facilitator_token, 60, now=10 * r)
        s.close_round(s.facilitator_token, now=10 * r + 5)
    m = TrustModel(world="teaching", rng=9)
    for _ in range(8):
        m.step()
    pd.testing.assert_frame_equal(s.outputs(), m.outputs(), check_exact=True)


def test_the_state_world_plays_and_replays(make_session, tmp_path):
    """The 340 agencies of the state world at scale 0.01: heads get the largest agencies first."""
    s = make_session(world="state", scale=0.01, seed=2, rounds=1)
    assert s.seats()["agency_head"] == "0/30"
    head = s.join(s.join_code, "Head", "agency_head", now=0)
    assert head.agency == s.agencies()[0][0]
    assert s.model.agency_size[head.agency] == s.model.agency_size.max()
    s.open_round(s.facilitator_token, 60, now=1)
    s.submit(head.token, {"autonomy_granted": 1.0, "experiments_approved": 1.0}, now=2)
    s.close_round(s.facilitator_token, now=3)
    assert s.view(head.token)["agency_now"]["trust_orientation"] > 0.5
    pd.testing.assert_frame_equal(
        s.outputs(), replay(tmp_path / "session0.sqlite").outputs(), check_exact=True
    )
