"""Prior against posterior (issue 24, item 5): the bootstrap intervals cover known truths, the
verdict says "moved" only when the data moved a number, the Sobol indices recover a known
function's, and the surrogates find the parameter that decides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsim.analysis.prior_posterior import (
    TABLE_MARKERS,
    bootstrap_difference,
    bootstrap_mean,
    compare,
    markdown_table,
    particle_outcomes,
    replace_between_markers,
    verdict,
)
from trustsim.analysis.results import Results, ResultsError
from trustsim.analysis.tipping_map import fit_surrogate, marginal_sampler, total_order


# ------------------------------------------------------------------------------ bootstrap
@pytest.mark.parametrize("kind", ["bernoulli", "skewed"])
def test_the_bootstrap_interval_covers_the_truth_about_as_often_as_it_says(kind):
    rng = np.random.default_rng(1)
    covered = 0
    trials = 300
    for t in range(trials):
        if kind == "bernoulli":
            x, truth = (rng.random(100) < 0.3).astype(float), 0.3
        else:
            x, truth = rng.exponential(2.0, 100), 2.0
        covered += bootstrap_mean(x, level=0.9, resamples=1000, seed=t).covers(truth)
    assert 0.83 <= covered / trials <= 0.96  # nominal 0.90; binomial sd 0.017


def test_the_interval_shrinks_with_more_particles():
    rng = np.random.default_rng(2)
    small = bootstrap_mean(rng.normal(size=50))
    large = bootstrap_mean(rng.normal(size=2000))
    assert (large.high - large.low) < 0.3 * (small.high - small.low)


def test_the_difference_interval_covers_a_known_shift():
    rng = np.random.default_rng(3)
    covered = sum(
        bootstrap_difference(rng.normal(0, 1, 100), rng.normal(0.4, 1, 100), 0.9, 1000,
                             seed=t).covers(0.4)
        for t in range(200))
    assert 0.83 <= covered / 200 <= 0.97


# ------------------------------------------------------------------------------ verdict
def test_a_shift_is_moved_and_the_same_distribution_is_mostly_not():
    rng = np.random.default_rng(4)
    prior = (rng.random(100) < 0.3).astype(float)
    posterior = (rng.random(100) < 0.6).astype(float)
    assert verdict(bootstrap_difference(prior, posterior)) == "moved"
    same = [verdict(bootstrap_difference(rng.random(100) < 0.3, rng.random(100) < 0.3,
                                         resamples=1000, seed=t)) for t in range(200)]
    assert 0.83 <= same.count("not moved") / 200 <= 0.97  # false "moved" ≈ 10 %
    assert verdict(bootstrap_difference(np.zeros(100), np.zeros(100))) == "not moved"


def test_the_verdict_needs_the_difference_not_just_the_prior_interval():
    """Posterior just outside the prior's interval, but as uncertain: not moved."""
    rng = np.random.default_rng(5)
    prior = rng.normal(0, 1, 100)
    prior_interval = bootstrap_mean(prior)
    half = (prior_interval.high - prior_interval.low) / 2
    posterior = rng.normal(0, 1, 100)
    posterior = posterior - posterior.mean() + prior.mean() + 1.1 * half
    assert bootstrap_mean(posterior).value > prior_interval.high
    assert verdict(bootstrap_difference(prior, posterior)) == "not moved"


# ------------------------------------------------------------------------------ per particle
def synthetic_results(tmp_path: Path, ref_trust, reform_trust, gains) -> Results:
    n = len(ref_trust)
    finals, runs = [], []
    for name, trust, innov in (("baseline-control", ref_trust, np.zeros(n)),
                               ("agv-only", reform_trust, np.asarray(gains, float))):
        for k in range(n):
            finals.append({"scenario": name, "point": 0, "replication": k, "seed": k,
                           "trust_orientation": trust[k], "innovation_rate": 10 + innov[k],
                           "incident_rate": 1.0 + 0.5 * innov[k]})
            for q in range(8):
                start = 0.8 if (name == "baseline-control" and k == 0) else 0.2
                runs.append({"scenario": name, "replication": k, "quarter": q,
                             "trust_orientation": start if q < 4 else trust[k]})
    manifest = {"scenarios": ["baseline-control", "agv-only"], "runs": {}}
    return Results(tmp_path, manifest, pd.DataFrame(runs), pd.DataFrame(finals))


def test_particle_outcomes_count_tipping_gains_and_the_baselines_states(tmp_path):
    results = synthetic_results(tmp_path, ref_trust=[0.8, 0.2, 0.2, 0.2],
                                reform_trust=[0.9, 0.8, 0.3, 0.7], gains=[1.0, -2.0, 3.0, 0.5])
    out = particle_outcomes(results)
    reform = out[out["scenario"] == "agv-only"].set_index("replication")
    assert reform["tips"].tolist() == [0, 1, 0, 1]  # pair 0: the baseline was already in trust
    assert reform["innovation_gain"].tolist() == [1.0, -2.0, 3.0, 0.5]
    assert reform["innovation_positive"].tolist() == [1, 0, 1, 1]
    assert reform["incident_gain"].tolist() == pytest.approx([0.5, -1.0, 1.5, 0.25])
    base = out[out["scenario"] == "baseline-control"].set_index("replication")
    assert base["starts_trust"].tolist() == [1, 0, 0, 0]
    assert base["ends_trust"].tolist() == [1, 0, 0, 0]


def test_compare_table_and_readme_markers(tmp_path):
    rng = np.random.default_rng(6)
    n = 120
    prior = particle_outcomes(synthetic_results(
        tmp_path, np.full(n, 0.2), np.where(rng.random(n) < 0.2, 0.8, 0.2), rng.normal(1, 1, n)))
    post = particle_outcomes(synthetic_results(
        tmp_path, np.full(n, 0.2), np.where(rng.random(n) < 0.7, 0.8, 0.2), rng.normal(1, 1, n)))
    table = compare(prior, post)
    tips = table[(table["scenario"] == "agv-only") & (table["number"] == "tips")].iloc[0]
    assert tips["verdict"] == "moved" and tips["prior_low"] < 0.2 < tips["prior_high"]
    text = markdown_table(table)
    assert "| agv-only |" in text and "**moved**" in text and "Baseline (baseline-control)" in text
    readme = f"intro\n{TABLE_MARKERS[0]}\nold\n{TABLE_MARKERS[1]}\nafter\n"
    new = replace_between_markers(readme, text)
    assert "old" not in new and new.startswith("intro") and new.endswith("after\n")
    assert replace_between_markers(new, text) == new  # idempotent
    with pytest.raises(ResultsError, match="markers"):
        replace_between_markers("no markers here", text)


# ------------------------------------------------------------------------------ Sobol
def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_total_order_recovers_the_ishigami_indices():
    sample = lambda u: -np.pi + 2 * np.pi * u
    frame = total_order(ishigami, sample, ["x1", "x2", "x3"], n=4096, seed=1).set_index(
        "parameter")
    truth = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}  # Ishigami & Homma 1990, a=7, b=0.1
    for name, st in truth.items():
        assert frame.loc[name, "ST"] == pytest.approx(st, abs=0.04)
        assert frame.loc[name, "ST_low"] < st + 0.04 and frame.loc[name, "ST_high"] > st - 0.04


def test_sobol_of_a_linear_function_over_weighted_marginals():
    """y = 3 a + b + 0·c with a, b, c drawn from weighted particles: S_T_i = var_i / Σ var."""
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 1, (4000, 3))
    weights = np.exp(-((values[:, 0] - 0.3) / 0.1) ** 2)  # a's marginal narrowed
    sample = marginal_sampler(values, weights)
    frame = total_order(lambda x: 3 * x[:, 0] + x[:, 1], sample, ["a", "b", "c"], n=2048,
                        seed=2).set_index("parameter")
    draws = sample(rng.random((200_000, 3)))
    var = np.array([9 * draws[:, 0].var(), draws[:, 1].var(), 0.0])
    for name, truth in zip("abc", var / var.sum()):
        assert frame.loc[name, "ST"] == pytest.approx(truth, abs=0.03)


def test_the_marginal_sampler_follows_the_weights():
    values = np.array([[0.0], [1.0], [2.0], [3.0]])
    sample = marginal_sampler(values, np.array([0.1, 0.2, 0.3, 0.4]))
    draws = sample(np.random.default_rng(8).random((40_000, 1)))[:, 0]
    shares = [np.mean(draws == v) for v in range(4)]
    assert shares == pytest.approx([0.1, 0.2, 0.3, 0.4], abs=0.01)


# ------------------------------------------------------------------------------ surrogates
def test_surrogates_find_the_parameter_that_decides():
    rng = np.random.default_rng(9)
    x = pd.DataFrame(rng.uniform(0, 1, (240, 6)), columns=[f"p{i}" for i in range(6)])
    gain = 4 * x["p2"] + 0.5 * x["p4"] + rng.normal(0, 0.2, len(x))
    tips = ((x["p1"] + 0.1 * rng.normal(size=len(x))) > 0.5).astype(float)
    sample = marginal_sampler(x.to_numpy(), np.ones(len(x)))
    reg = fit_surrogate(x, gain, "r", "innovation_gain")
    assert reg.score_name == "R²" and reg.score > 0.7
    assert total_order(reg.predict, sample, list(x.columns), n=512)["parameter"][0] == "p2"
    clf = fit_surrogate(x, tips, "r", "tips")
    assert clf.score_name == "AUC" and clf.score > 0.9
    assert total_order(clf.predict, sample, list(x.columns), n=512)["parameter"][0] == "p1"
    rare = fit_surrogate(x, np.r_[np.ones(3), np.zeros(len(x) - 3)], "r", "tips")
    assert rare.model is None and rare.positives == 3  # too few tips for a classifier
    assert rare.predict(x.to_numpy()[:2]).tolist() == pytest.approx([3 / len(x)] * 2)


# ------------------------------------------------------------------------------ the command
def wide_posterior(path: Path, n: int = 400) -> Path:
    """A synthetic posterior over the shipped calibration's parameters, every weight < 1/100."""
    from trustsim.calibrate.calibration import load_calibration

    rng = np.random.default_rng(11)
    priors = load_calibration("config").priors
    frame = pd.DataFrame({"generation": 1,
                          **{p.name: rng.uniform(p.low, p.high, n) for p in priors}})
    weight = np.exp(-(((frame["peer_threshold"] - 0.3) / 0.2) ** 2))
    frame["weight"] = weight / weight.sum()
    frame.to_parquet(path)
    return path


def tiny_experiment(tmp_path: Path, replications: int = 20) -> Path:
    from tests.sweep.helpers import dump_toml

    wide_posterior(tmp_path / "post.parquet")
    path = tmp_path / "exp.toml"
    path.write_text(dump_toml({
        "title": "tiny headline", "world": "teaching", "scale": 1.0, "years": 1,
        "replications": replications, "root_seed": 3,
        "uncertainties": {"posterior": "post.parquet"},
        "levers": {"scenarios": ["baseline-control", "agv-only"]},
        "design": {"kind": "grid"},
    }), encoding="utf-8")
    return path


@pytest.mark.slow  # about 20 s on an idle 2-core machine (two sweeps, three random forests)
def test_the_command_writes_table_figures_and_readme(cli, tmp_path):
    import json

    experiment = tiny_experiment(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{TABLE_MARKERS[0]}\n{TABLE_MARKERS[1]}\n", encoding="utf-8")
    code, out, err = cli("prior-posterior", experiment, "--out", tmp_path / "pp",
                         "--map-reforms", "agv-only", "--sobol-samples", "64", "--workers", "1",
                         "--readme", readme, "--img", tmp_path / "img", "--quiet")
    assert code == 0, err
    assert "| agv-only |" in out and "largest S_T" in out
    for name in ("prior_posterior.csv", "prior_posterior.md", "prior_posterior.png",
                 "sobol.csv", "tipping_map.png"):
        assert (tmp_path / "pp" / name).is_file(), name
    assert {p.name for p in (tmp_path / "img").iterdir()} == {"prior_posterior.png",
                                                               "tipping_map.png"}
    assert "| agv-only |" in readme.read_text(encoding="utf-8")
    for side in ("prior", "posterior"):
        manifest = json.loads((tmp_path / "pp" / side / "manifest.json").read_text())
        assert manifest["draws"]["source"] == side and manifest["draws"]["distinct"] == 20


def test_the_command_refuses_a_posterior_without_enough_distinct_particles(cli, tmp_path):
    experiment = tiny_experiment(tmp_path)
    frame = pd.read_parquet(tmp_path / "post.parquet")
    frame.loc[0, "weight"] = frame["weight"].sum() / 2  # a third of the weight on one particle
    frame.to_parquet(tmp_path / "post.parquet")
    code, _, err = cli("prior-posterior", experiment, "--out", tmp_path / "pp",
                       "--map-reforms", "agv-only", "--quiet")
    assert code == 2 and "post.parquet" in err and "effective sample size" in err
    assert "only" in err and "distinct" in err
    assert not (tmp_path / "pp").exists()  # refused before anything ran


def test_the_command_refuses_a_calibration_with_other_parameters(cli, tmp_path):
    experiment = tiny_experiment(tmp_path)
    frame = pd.read_parquet(tmp_path / "post.parquet").drop(columns=["idea_rate"])
    frame.to_parquet(tmp_path / "post.parquet")
    code, _, err = cli("prior-posterior", experiment, "--out", tmp_path / "pp",
                       "--map-reforms", "agv-only", "--quiet")
    assert code == 2 and "idea_rate" in err and "differ in parameters" in err
