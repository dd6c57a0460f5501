"""History matching (issue 24): survey statistics at the survey's unit, target kinds, emulators,
implausibility, the posterior's sampling, and the shipped calibration's promises."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.calibrate.calibration import Target, load_calibration, load_targets, simulate
from trustsim.calibrate.history_matching import (
    EventClassifier,
    HmSettings,
    fit_classifier,
    score_classifier,
    fit_emulator,
    in_nroy,
    kish_ess,
    latin_hypercube,
    log_likelihood,
    score_targets,
    systematic_resample,
    to_values,
    validate,
)
from trustsim.calibrate.survey import SurveyView, _Record, survey_run
from trustsim.model.model import TrustModel
from trustsim.model.scenarios import load_scenario
from trustsim.model.worlds import MUNICIPALITY, STATE_AGENCY

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "calibration"
DOCS = ROOT / "docs" / "calibration"
BASE = {**load_scenario("baseline-control").params, "spinup_years": 4}


def _target(kind, value=0.5, interval=None, sd=0.1):
    return Target("t", "sites_innovating_2y", value, "fit", 2018, "s", "u", sd=sd,
                  interval=interval, kind=kind)


# ------------------------------------------------------------------------ target kinds
def test_a_bound_misses_only_beyond_it_and_a_point_on_both_sides():
    x = np.array([0.1, 0.5, 0.9])
    assert np.allclose(_target("upper").miss(x), [0.0, 0.0, 0.4])
    assert np.allclose(_target("lower").miss(x), [-0.4, 0.0, 0.0])
    assert np.allclose(_target("interval", interval=(0.3, 0.6)).miss(x), [-0.2, 0.0, 0.3])
    assert np.allclose(_target("point").miss(x), [-0.4, 0.0, 0.4])


def test_the_shipped_targets_meet_the_issue():
    targets = load_targets(SHIPPED / "targets.toml")
    sources = {t.source.split(")")[0] for t in targets}
    assert len(targets) >= 12 and len(sources) >= 6, (len(targets), len(sources))
    assert sum(t.dynamic for t in targets) >= 2
    assert {t.respondent for t in targets} >= {"site", "staff", "organisation"}
    fitted = [t for t in targets if t.use == "fit"]
    # the premise is fitted, and every fitted target has an sd and a soft edge
    assert {"orientation_max", "orientation_drift"} <= {t.statistic for t in fitted}
    assert all(t.sd and t.sd > 0 for t in fitted)


# ------------------------------------------------------------------------ survey statistics
@pytest.fixture(scope="module")
def surveyed():
    """A public-sector run at 1:100 with its survey record, and the statistics of the same seed."""
    model = TrustModel(world="public-sector", scale=0.01, rng=11, params=BASE)
    view, rec = SurveyView(model), _Record()
    view.quarter(rec)
    for _ in range(8):
        model.step()
        view.quarter(rec)
    stats = survey_run("public-sector", 0.01, 11, BASE, years=4)
    return model, view, rec, stats


def test_site_share_is_the_models_work_site_share(surveyed):
    _, _, _rec, stats = surveyed
    # the all-sites statistic is the model's own output (same sites, same weights)
    model = TrustModel(world="public-sector", scale=0.01, rng=11, params=BASE)
    series = [model.workplaces_innovating_2y]
    for _ in range(8):
        model.step()
        series.append(model.workplaces_innovating_2y)
    assert stats["sites_innovating_2y"] == pytest.approx(np.mean(series[1:9]), abs=1e-12)


def test_state_staff_statistics_count_state_staff_only(surveyed):
    model, view, _, _ = surveyed
    st = model.staff
    kinds = model.wp_kind[st.wp]
    w = model.wp_weight[st.wp]
    state = kinds == STATE_AGENCY
    assert state.any() and (~state).any()
    rec = _Record()
    view.quarter(rec)
    expected = (w * state * st.safety).sum() / (w * state).sum()
    assert rec.series["state_staff_safety_agree"][0] == pytest.approx(expected, abs=1e-12)
    # and it is not the all-staff mean (the populations differ in the model)
    everyone = (w * st.safety).sum() / w.sum()
    assert abs(expected - everyone) > 1e-4


def test_municipal_admin_burden_weighs_municipal_teams_by_their_real_staff(surveyed):
    model, view, _, _ = surveyed
    rec = _Record()
    view.quarter(rec)
    muni = model.wp_kind == MUNICIPALITY
    expected = (model.wp_real * muni * model.wp_admin).sum() / (model.wp_real * muni).sum()
    assert rec.series["municipal_admin_burden"][0] == pytest.approx(expected, abs=1e-12)


def test_site_culture_is_a_share_of_sites_not_of_staff(surveyed):
    model, _, _, _ = surveyed
    # one site per team would make the two the same; the sites here hold several teams
    sites_per_team = model.n_sites / model.n_workplaces
    assert sites_per_team < 0.5
    perceivers = np.bincount(model.staff.wp, weights=model.staff_perceives,
                             minlength=model.n_workplaces)
    per_site = np.bincount(model.wp_site, weights=perceivers, minlength=model.n_sites)
    staff = np.bincount(model.wp_site, weights=model.wp_size, minlength=model.n_sites)
    expected = (model.site_weight * (per_site > 0.5 * staff)).sum() / model.site_weight.sum()
    rec = _Record()
    SurveyView(model).quarter(rec)
    assert rec.series["sites_culture_majority"][0] == pytest.approx(expected, abs=1e-12)


def test_the_premise_statistics_see_a_world_that_tips(surveyed):
    """A baseline that starts in the trust state breaks the premise: orientation_max > 0.5."""
    tipped = survey_run("public-sector", 0.01, 3, {**BASE, "initial_trust_share": 0.95},
                        names=("orientation_max", "orientation_drift"), years=3)
    control = survey_run("public-sector", 0.01, 3, BASE,
                         names=("orientation_max", "orientation_drift"), years=3)
    assert tipped["orientation_max"] > 0.6 and control["orientation_max"] < 0.45


def test_survey_runs_are_seeded():
    a = survey_run("public-sector", 0.01, 5, BASE, years=2)
    b = survey_run("public-sector", 0.01, 5, BASE, years=2)
    c = survey_run("public-sector", 0.01, 6, BASE, years=2)
    assert a == pytest.approx(b, nan_ok=True) and a != c


# ------------------------------------------------------------------------ emulators
def test_an_emulator_recovers_a_smooth_function_and_its_noise():
    rng = np.random.default_rng(0)
    z = rng.random((300, 6))
    truth = lambda x: 0.3 + 0.4 * np.sin(3 * x[:, 0]) * x[:, 1] + 0.2 * x[:, 2] ** 2
    noise = 0.02
    y = truth(z) + rng.normal(0, noise, len(z))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = fit_emulator("s", z[:250], y[:250], active_inputs=3, seed=1)
    assert set(em.active) == {0, 1, 2}
    assert 0.5 * noise < math.sqrt(em.noise_var) < 2 * noise
    mu, _var = em.predict(z[250:])
    assert np.sqrt(np.mean((mu - truth(z[250:])) ** 2)) < 2 * noise
    assert validate(em, z[250:], y[250:]) >= 0.95


def test_nroy_rules_out_where_the_emulated_mean_misses_and_keeps_the_rest():
    rng = np.random.default_rng(1)
    z = rng.random((400, 3))
    y = z[:, 0] + rng.normal(0, 0.01, len(z))  # the statistic is the first input
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = fit_emulator("sites_innovating_2y", z, y, active_inputs=2, seed=0)
    target = _target("point", value=0.5, sd=0.02)
    settings = HmSettings(cutoff=3.0, scale_discrepancy=0.0)
    grid = np.column_stack([np.linspace(0, 1, 101), np.full(101, 0.5), np.full(101, 0.5)])
    keep = in_nroy([{"sites_innovating_2y": em}], (target,), settings, grid)
    kept = grid[keep, 0]
    assert kept.min() > 0.5 - 0.1 and kept.max() < 0.5 + 0.1 and kept.min() < 0.5 < kept.max()
    ll = log_likelihood({"sites_innovating_2y": em}, (target,), settings, grid)
    assert abs(grid[np.argmax(ll), 0] - 0.5) <= 0.02


def test_a_tipping_boundary_is_emulated_as_an_event_probability():
    """orientation_max jumps from ~0.3 to ~0.8 across a boundary in parameter space: the forest
    learns which side a point is on, and NROY and the likelihood follow it."""
    rng = np.random.default_rng(5)
    z = rng.random((600, 4))
    tipped = z[:, 0] + 0.5 * z[:, 1] > 0.9
    y = np.where(tipped, 0.8, 0.3) + rng.normal(0, 0.01, len(z))
    target = Target("premise", "orientation_max", 0.5, "fit", 2019, "s", "u", sd=0.01,
                    kind="upper", discrepancy=0.0)
    cl = fit_classifier(target, z[:500], y[:500], seed=0)
    score_classifier(cl, target, z[500:], y[500:])
    assert isinstance(cl, EventClassifier) and cl.auc > 0.95 and cl.loo_z > 0.9
    settings = HmSettings(cutoff=3.0)
    far_tipped = np.array([[0.95, 0.9, 0.5, 0.5]])
    far_control = np.array([[0.1, 0.1, 0.5, 0.5]])
    waves = [{"orientation_max": cl}]
    assert not in_nroy(waves, (target,), settings, far_tipped)[0]
    assert in_nroy(waves, (target,), settings, far_control)[0]
    ll = log_likelihood(waves[0], (target,), settings, np.vstack([far_tipped, far_control]))
    assert ll[1] - ll[0] > 3


def test_systematic_resampling_gives_distinct_particles_when_no_weight_exceeds_1_over_n():
    w = np.random.default_rng(2).random(5000)
    w /= w.sum()
    assert w.max() < 1 / 200
    idx = systematic_resample(w, 200, seed=3)
    assert len(np.unique(idx)) == 200
    heavy = np.r_[0.5, np.full(99, 0.5 / 99)]
    assert np.sum(systematic_resample(heavy, 100, 4) == 0) == 50  # floor/ceil of n·w


def test_kish_ess():
    assert kish_ess(np.ones(10)) == pytest.approx(10)
    assert kish_ess(np.r_[1.0, np.zeros(9)]) == pytest.approx(1)


def test_held_out_scores_can_fail():
    runs = pd.DataFrame({"sites_innovating_2y": np.full(50, 0.5) + np.linspace(-0.01, 0.01, 50)})
    far = Target("far", "sites_innovating_2y", 0.9, "holdout", 2018, "s", "u", sd=0.02)
    near = Target("near", "sites_innovating_2y", 0.51, "holdout", 2018, "s", "u", sd=0.02)
    s = score_targets((far, near), HmSettings(scale_discrepancy=0.0), runs).set_index("target")
    assert s.loc["far", "verdict"] == "fails" and s.loc["far", "z"] < -10
    assert s.loc["near", "verdict"] == "consistent"


def test_design_points_are_seeded_and_inside_the_prior():
    cal = load_calibration("config")
    z = latin_hypercube(20, len(cal.priors), cal.root_seed)
    assert np.array_equal(z, latin_hypercube(20, len(cal.priors), cal.root_seed))
    for values in to_values(cal, z):
        for p in cal.priors:
            assert p.low <= values[p.name] <= p.high


# ------------------------------------------------------------------------ the shipped calibration
def test_the_first_design_points_of_the_shipped_match_reproduce_exactly():
    """The short prefix CI reproduces (issue 24, item 7): the shipped config's first wave-1 points
    give the shipped runs' statistics bit for bit (the full re-run: trustsim bench --calibration)."""
    cal = load_calibration("config")
    runs = pd.read_parquet(SHIPPED / "runs.parquet")
    wave1 = runs[runs["wave"] == 1].reset_index(drop=True)
    z = latin_hypercube(cal.hm.runs_per_wave, len(cal.priors), cal.root_seed)
    names = [f"z.{p.name}" for p in cal.priors]
    assert np.array_equal(wave1[names].to_numpy(), z)
    setup = cal.setup()
    for i, values in enumerate(to_values(cal, z[:3])):
        got = simulate(setup, values)
        for stat, value in got.items():
            assert value == wave1.loc[i, stat] or (math.isnan(value) and math.isnan(wave1.loc[i, stat])), (i, stat)


def test_the_shipped_posterior_is_a_real_sample():
    checks = json.loads((DOCS / "checks.json").read_text())
    post = pd.read_parquet(SHIPPED / "posterior.parquet")
    w = post["weight"].to_numpy()
    assert kish_ess(w) == pytest.approx(checks["ess"], rel=1e-9)
    assert checks["ess"] >= 500
    assert checks["premise_share"] >= 0.95
    assert w.max() < 1 / 100  # 100 distinct particles by systematic resampling
    cal = load_calibration("config")
    for p in cal.priors:
        assert post[p.name].between(p.low, p.high).all()


@pytest.mark.slow
def test_a_quick_history_match_end_to_end_and_resumed(tmp_path):
    """`trustsim calibrate config --quick` as a user runs it: progress, the report, the checks;
    a stopped match continues from its finished waves with --resume (here: the posterior file
    removed, the waves kept) and gives the same posterior."""
    import subprocess
    import sys

    out = tmp_path / "q"
    cmd = [sys.executable, "-m", "trustsim", "calibrate", "config", "--quick", "--out", str(out),
           "--workers", "2"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "wave 2: NROY share" in first.stderr and "ESS" in first.stderr
    checks = json.loads((out / "checks.json").read_text())
    assert checks["simulations"] == 2 * 60 + 20
    report = (out / "report.md").read_text()
    assert "still fitting" in report and "premise" in report
    post = pd.read_parquet(out / "posterior.parquet")
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "already holds a calibration" in again.stderr
    (out / "posterior.parquet").unlink()
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("taken from") == 2
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"), post)
