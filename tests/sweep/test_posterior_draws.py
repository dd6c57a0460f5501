"""Distinct posterior draws and prior draws (issue 24, items 1 and 2): systematic resampling gives
N distinct particles when every weight is below 1/N and refuses clearly otherwise; an experiment
can draw the calibrated parameters from the calibration's prior instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.sweep import load_experiment
from trustsim.sweep.design import build_design
from trustsim.sweep.experiment import CALIBRATION_DIR, ExperimentError
from trustsim.sweep.posterior import PosteriorError, load_posterior, load_prior
from trustsim.sweep.runs import plan_runs

from .helpers import write_experiment


def write_particles(folder: Path, weights, name: str = "post.parquet") -> Path:
    n = len(weights)
    frame = pd.DataFrame({
        "generation": 1,
        "peer_threshold": np.linspace(0.1, 0.9, n),
        "support_effect": np.linspace(0.01, 0.29, n),
        "weight": np.asarray(weights, float),
        "distance": 1.0,
        "s.x": 0.0,
    })
    path = folder / name
    frame.to_parquet(path)
    return path


@pytest.mark.parametrize("k", [10, 100, 250])
def test_weights_below_one_over_k_give_k_distinct_draws(tmp_path, k):
    rng = np.random.default_rng(k)
    weights = rng.uniform(0.5, 1.5, 400)
    weights = weights / weights.sum()
    assert weights.max() < 1 / k  # the premise: 400 particles, the largest under 1/k
    post = load_posterior(write_particles(tmp_path, weights))
    for seed in range(5):
        draws = post.draws(seed, k, distinct=True)
        assert len({(d["peer_threshold"], d["support_effect"]) for d in draws}) == k
        assert post.distinct_count(seed, k) == k


def test_a_heavy_particle_is_refused_with_the_file_the_count_and_the_ess(tmp_path):
    weights = np.r_[0.3, np.full(99, 0.7 / 99)]  # one weight above 1/10
    path = write_particles(tmp_path, weights)
    post = load_posterior(path)
    with pytest.raises(PosteriorError) as err:
        post.draws(1, 10, distinct=True)
    text = str(err.value)
    assert str(path) in text and "effective sample size" in text
    assert f"only {post.distinct_count(1, 10)} distinct" in text
    assert "N <= 3" in text  # 1/0.3 = 3.3
    assert len(post.draws(1, 10)) == 10  # without distinct: duplicates, no refusal


def test_systematic_draws_follow_the_weights_within_one_copy(tmp_path):
    weights = np.array([0.37, 0.25, 0.2, 0.1, 0.05, 0.03])
    post = load_posterior(write_particles(tmp_path, weights))
    for seed in range(20):
        idx = post.draw_indices(seed, 50)
        counts = np.bincount(idx, minlength=len(weights))
        assert np.all(np.abs(counts - 50 * weights) < 1)  # floor or ceil of N·w


def test_draws_are_seeded_and_shuffled(tmp_path):
    weights = np.full(300, 1 / 300)
    post = load_posterior(write_particles(tmp_path, weights))
    a, b = post.draw_indices(7, 100), post.draw_indices(7, 100)
    assert (a == b).all() and not (post.draw_indices(8, 100) == a).all()
    assert not (np.diff(a) > 0).all()  # not in file order


def test_a_distinct_experiment_refuses_before_running_and_reports_in_the_manifest(tmp_path):
    write_particles(tmp_path, np.r_[0.5, np.full(20, 0.5 / 20)])
    path = write_experiment(tmp_path, replications=4, levers={"budget_horizon_years": None},
                            uncertainties={"posterior": "post.parquet", "distinct": True})
    exp = load_experiment(path)
    with pytest.raises(ExperimentError, match="uncertainties.distinct.*post.parquet"):
        plan_runs(exp, build_design(exp))
    small = exp.with_overrides(replications=1)
    assert len(plan_runs(small, build_design(small))) == 2
    assert small.draws_summary()["distinct"] == 1


def test_distinct_needs_a_posterior_or_prior(tmp_path):
    path = write_experiment(tmp_path, uncertainties={"distinct": True},
                            levers={"budget_horizon_years": None})
    with pytest.raises(ExperimentError, match="applies only with"):
        load_experiment(path)


def write_prior_config(folder: Path) -> Path:
    path = folder / "cal.toml"
    path.write_text(
        '[priors]\n'
        'peer_threshold = { low = 0.2, high = 0.6, source = "test" }\n'
        'support_effect = { source = "params.py range" }\n', encoding="utf-8")
    return path


def test_prior_draws_are_uniform_on_each_range_and_seeded(tmp_path):
    write_prior_config(tmp_path)
    path = write_experiment(tmp_path, replications=2000, levers={"budget_horizon_years": None},
                            uncertainties={"prior": "cal.toml", "distinct": True})
    exp = load_experiment(path)
    draws = exp.draws()
    pt = np.array([d["peer_threshold"] for d in draws])
    se = np.array([d["support_effect"] for d in draws])
    assert 0.2 <= pt.min() and pt.max() <= 0.6 and abs(pt.mean() - 0.4) < 0.01
    assert 0.0 <= se.min() and se.max() <= 0.3  # the parameter's own range (params.py)
    assert abs(np.mean(pt < 0.3) - 0.25) < 0.03  # uniform: a quarter of the range
    assert exp.draws() == draws
    assert exp.content()["prior"]["file"] == "cal.toml"
    assert exp.draws_summary()["source"] == "prior"


def test_prior_and_posterior_together_are_refused(tmp_path):
    write_prior_config(tmp_path)
    write_particles(tmp_path, [0.5, 0.5])
    path = write_experiment(tmp_path, levers={"budget_horizon_years": None},
                            uncertainties={"prior": "cal.toml", "posterior": "post.parquet"})
    with pytest.raises(ExperimentError, match="both given"):
        load_experiment(path)


def test_the_sweep_layer_reads_the_shipped_priors_as_the_calibration_does():
    from trustsim.calibrate.calibration import load_calibration

    cal = load_calibration("config")
    prior = load_prior(CALIBRATION_DIR / "config.toml")
    assert prior.bounds() == {p.name: (p.low, p.high) for p in cal.priors}
