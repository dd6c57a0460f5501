"""`trustsim patterns` (trustsim/pattern_share.py): the per-run predicates on hand-built frames, the
share and its Wilson interval by hand, the CLI's error paths and a tiny end-to-end run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis import pattern_share as ps
from trustsim.cli import main
from trustsim.model.model import BLOCKERS

QUARTERS = 41  # 10 years and quarter 0


def frame(quarters: int = QUARTERS, **columns) -> pd.DataFrame:
    """A run's frame with every column the predicates read, constant unless given (a value, or
    a sequence of `quarters` values)."""
    base = {
        "experimentation_culture": 0.14,
        "workplaces_innovating_2y": 0.80,
        "innovation_rate": 40.0,
        "experiments_started": 60.0,
        "experiments_failed": 10.0,
        "cut_by_budget_horizon": 20.0,
        "trust_orientation": 0.25,
        "incident_rate": 5.0,
        "steering_detail": 0.6,
        "adopted_share": 0.6,
        "sites_developing_share": 0.3,
        **{b: 10.0 for b in BLOCKERS},
        "blocked_by_time": 400.0,
    }
    base.update(columns)
    return pd.DataFrame({k: np.broadcast_to(np.asarray(v, float), quarters)
                         for k, v in base.items()})


# ------------------------------------------------------------------------------------ P1
def test_p1a_culture_of_a_quarter_fails_and_of_a_seventh_holds():
    assert ps.p1a_culture({"base": frame()})
    assert not ps.p1a_culture({"base": frame(experimentation_culture=0.25)})
    assert not ps.p1a_culture({"base": frame(experimentation_culture=0.02)})  # absent, not low


def test_p1a_ignores_quarter_zero():
    culture = [0.9] + [0.15] * (QUARTERS - 1)  # the spun-up state before the levers switch on
    assert ps.p1a_culture({"base": frame(experimentation_culture=culture)})


def test_p1b_work_sites_between_seven_and_nine_in_ten():
    assert ps.p1b_work_sites({"base": frame(workplaces_innovating_2y=0.8)})
    assert not ps.p1b_work_sites({"base": frame(workplaces_innovating_2y=0.95)})
    assert not ps.p1b_work_sites({"base": frame(workplaces_innovating_2y=0.65)})


def test_p1c_time_must_be_the_largest_blocker():
    assert ps.p1c_time_blocker({"base": frame()})
    assert not ps.p1c_time_blocker({"base": frame(blocked_by_voice=500.0)})
    assert not ps.p1c_time_blocker({"base": frame(blocked_by_voice=400.0)})  # a tie is no ranking


# ------------------------------------------------------------------------------------ P2, P3
def test_p2_needs_a_large_gain_and_fewer_cuts():
    one = frame(innovation_rate=40.0, cut_by_budget_horizon=20.0)
    assert ps.p2_horizon({"base": one, "horizon4": frame(innovation_rate=100.0,
                                                         cut_by_budget_horizon=5.0)})
    # +25 %: not the test's +30 %
    assert not ps.p2_horizon({"base": one, "horizon4": frame(innovation_rate=50.0,
                                                             cut_by_budget_horizon=5.0)})
    # large gain but the share cut falls by less than half
    assert not ps.p2_horizon({"base": one, "horizon4": frame(innovation_rate=100.0,
                                                             cut_by_budget_horizon=15.0)})


def test_p2_reads_the_last_two_years_only():
    early_gain = [200.0] * (QUARTERS - 8) + [40.0] * 8
    four = frame(innovation_rate=early_gain, cut_by_budget_horizon=5.0)
    assert not ps.p2_horizon({"base": frame(), "horizon4": four})


def p3_runs(agv_gain: float, integrated_gain: float) -> dict:
    base = frame(trust_orientation=0.25, innovation_rate=40.0, experimentation_culture=0.14)
    def plus(g):
        return frame(trust_orientation=0.25 + g, innovation_rate=40.0 + 100 * g,
                     experimentation_culture=0.14 + g)
    return {"base": base, "agv": plus(agv_gain), "integrated": plus(integrated_gain)}


def test_p3_agv_must_gain_less_than_a_third_of_integrated():
    assert ps.p3_fragmentation(p3_runs(0.04, 0.6))
    assert not ps.p3_fragmentation(p3_runs(0.3, 0.6))  # half: not "clearly less"
    assert not ps.p3_fragmentation(p3_runs(-0.01, -0.005))  # integrated must gain


# ------------------------------------------------------------------------------------ P6
def test_p6a_failures_per_innovation():
    base = frame(experiments_failed=10.0, innovation_rate=40.0)
    assert ps.p6a_failures({"base": base, "integrated": frame(experiments_failed=50.0,
                                                              innovation_rate=160.0)})
    # 1 extra failure per 12 extra innovations: below the test's one in four
    assert not ps.p6a_failures({"base": base, "integrated": frame(experiments_failed=20.0,
                                                                  innovation_rate=160.0)})


def test_p6b_control_must_have_clearly_fewer_incidents_in_high_risk():
    control = frame(trust_orientation=0.25, incident_rate=5.0)
    trust = frame(trust_orientation=0.8, incident_rate=15.0)
    assert ps.p6b_high_risk({"high_risk_control": control, "high_risk_trust": trust})
    trust_safe = frame(trust_orientation=0.8, incident_rate=6.0)  # +20 %, not > +50 %
    assert not ps.p6b_high_risk({"high_risk_control": control, "high_risk_trust": trust_safe})
    untipped = frame(trust_orientation=0.3, incident_rate=15.0)  # the reform did not move trust
    assert not ps.p6b_high_risk({"high_risk_control": control, "high_risk_trust": untipped})


# ------------------------------------------------------------------------------------ P7
Q = 81  # a 20-year run


def p7_runs(recovery_quarters: int, peak: float = 0.3, detail_rise: int = 1) -> dict:
    """Calm twin flat; the shocked run falls by `peak` in the scandal's quarter and comes back
    linearly over `recovery_quarters`; steering detail jumps within `detail_rise` quarters."""
    q = ps.scandal_quarter()
    drop = np.zeros(Q)
    drop[q:] = peak * np.clip(1 - np.arange(Q - q) / recovery_quarters, 0, 1)
    detail = np.full(Q, 0.3)
    detail[q + detail_rise - 1:] = 0.6
    detail[q + detail_rise - 1:] -= 0.3 * np.clip(np.arange(Q - q - detail_rise + 1) / 40, 0, 1)
    calm = frame(Q, trust_orientation=0.8, experimentation_culture=0.6, steering_detail=0.3)
    shocked = frame(Q, trust_orientation=0.8 - drop, experimentation_culture=0.6 - drop,
                    steering_detail=detail)
    return {"calm": calm, "shock": shocked}


def test_p7_slow_recovery_holds():
    assert ps.p7_hysteresis(p7_runs(recovery_quarters=30))


def test_p7_fails_when_trust_returns_within_quarters():
    assert not ps.p7_hysteresis(p7_runs(recovery_quarters=6))


def test_p7_fails_when_trust_never_returns():
    assert not ps.p7_hysteresis(p7_runs(recovery_quarters=10_000))


def test_p7_fails_when_the_scandal_barely_moves_trust():
    assert not ps.p7_hysteresis(p7_runs(recovery_quarters=30, peak=0.03))


def test_p7_not_evaluable_before_the_scandal():
    short = {"calm": frame(9), "shock": frame(9)}
    assert ps.p7_hysteresis(short) is None


def test_fall_and_recovery_by_hand():
    gap = np.array([0.1, 0.3, 0.4, 0.35, 0.2, 0.09, 0.05])
    fall, recovery, peak = ps.fall_and_recovery(gap)
    assert (fall, recovery, peak) == (3, 3, 0.4)  # 0.36 first reached at index 2; 0.09 < 0.1


# ------------------------------------------------------------------------------------ P8, S
def test_p8_needs_divergence_either_side():
    def ends(v):
        return frame(trust_orientation=v)

    assert ps.p8_tipping({"tip_low": ends(0.24), "tip_high": ends(0.78)})
    assert not ps.p8_tipping({"tip_low": ends(0.6), "tip_high": ends(0.78)})  # both tip
    assert not ps.p8_tipping({"tip_low": ends(0.24), "tip_high": ends(0.45)})  # neither


def test_p8t_shares_follow_the_draws_threshold():
    assert ps.own_threshold_shares({}) == pytest.approx((0.3, 0.7))  # default threshold 0.5
    assert ps.own_threshold_shares({"peer_threshold": 0.35}) == pytest.approx((0.0, 0.4))
    assert ps.own_threshold_shares({"peer_threshold": 0.7}) == pytest.approx((0.7, 1.0))
    assert ps.condition("tip_high_own", {"peer_threshold": 0.6})["initial_trust_share"] == (
        pytest.approx(0.9))


def test_secondary_predicates():
    assert ps.s1_adopted({"base": frame(adopted_share=0.6)})
    assert not ps.s1_adopted({"base": frame(adopted_share=0.2)})
    assert ps.s2_site_size({"sites": (0.5, 0.8)})
    assert not ps.s2_site_size({"sites": (0.9, 0.95)})
    assert ps.s2_site_size({"sites": None}) is None
    assert ps.s3_developing({"base": frame(sites_developing_share=0.25)})
    assert not ps.s3_developing({"base": frame(sites_developing_share=0.7)})


# ------------------------------------------------------------------------------------ statistics
def test_wilson_interval_by_hand():
    # 8 of 10: p = 0.8, z = 1.96; centre (0.8 + 0.19208) / 1.38416 = 0.71676,
    # half 1.96 / 1.38416 * sqrt(0.016 + 0.0096040) = 0.22657 -> [0.4902, 0.9433]
    s = ps.share_of([True] * 8 + [False] * 2)
    assert (s.holds, s.n, s.share) == (8, 10, 0.8)
    assert s.low == pytest.approx(0.4902, abs=1e-4)
    assert s.high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_at_the_edges_and_unknowns():
    all_hold = ps.share_of([True] * 5 + [None])  # None (not evaluable) is left out of n
    assert all_hold.n == 5 and all_hold.high == 1.0
    assert all_hold.low == pytest.approx(5 / (5 + 1.959964**2), abs=1e-6)  # z²/(n+z²) below 1
    none = ps.share_of([None, None])
    assert none.n == 0 and math.isnan(none.share)


def test_unknown_pattern_names_are_refused():
    assert ps.select_patterns("p1a, P3") == ("P1a", "P3")
    with pytest.raises(ps.PatternError, match="unknown pattern 'P9'.*allowed: P1a"):
        ps.select_patterns("P1a,P9")


# ------------------------------------------------------------------------------------ CLI
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--patterns", "P1a,P9"], "unknown pattern 'P9'"),
        (["--draws", "0"], "allowed is an integer in [1, 100000]"),
        (["--draws", "many"], "'many' is not an integer"),
        (["--uncertainties", "no-such-file.toml"], "no-such-file.toml"),
        (["--uncertainties", "no-such.parquet"], "no such file"),
        (["--uncertainties", "data.csv"], "allowed is an experiment file"),
        (["--scale", "0.001"], "allowed is a number in [0.01, 1]"),
    ],
)
def test_cli_errors_exit_non_zero_with_a_message(argv, message, capsys, tmp_path):
    out = tmp_path / "p.md"
    assert run_cli(["patterns", "--quiet", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists() and not out.with_suffix(".csv").exists()


def run_cli(argv: list[str]) -> int:
    """The exit code, whether argparse exits (bad option values) or main returns."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def test_cli_refuses_a_posterior_outside_the_ranges(tmp_path, capsys):
    bad = tmp_path / "posterior.parquet"
    pd.DataFrame({"support_effect": [0.9], "weight": [1.0]}).to_parquet(bad)
    assert main(["patterns", "--quiet", "--uncertainties", str(bad)]) == 2
    assert "support_effect" in capsys.readouterr().err


def test_tiny_end_to_end_run_writes_the_table(tmp_path, capsys):
    out = tmp_path / "sub" / "patterns.md"
    code = main(["patterns", "--draws", "2", "--default-runs", "1", "--scale", "0.01",
                 "--years", "2", "--patterns", "P1a,P1b,P1c,P3,S2,S3", "--quiet",
                 "--out", str(out)])
    assert code == 0
    text = out.read_text()
    assert "| P1a |" in text and "| S3 |" in text and "[Wilson 95 %]" in text
    assert "--draws 2" in text and "scale 0.01" in text
    rows = pd.read_csv(out.with_suffix(".csv"))
    assert list(rows["kind"]) == ["draw", "draw", "default"]
    assert {"holds.P1a", "holds.P3", "peer_threshold"} <= set(rows.columns)
    assert rows["holds.S2"].notna().all()  # two years: one site table
    assert "| P3 |" in capsys.readouterr().out
