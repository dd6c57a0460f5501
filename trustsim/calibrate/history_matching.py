"""History matching with Gaussian-process emulators, and the posterior it leads to (issue 24).

The method of Vernon et al. (2010, Bayesian Analysis 5(4)) and Andrianakis et al. (2015, PLoS
Comput Biol 11(1): e1003968), in four steps:

1. **Waves.** Wave 1 runs the simulator at a Latin hypercube of the prior box; each later wave runs
   it at points drawn uniformly from the part of the box that no earlier wave ruled out (the
   not-ruled-out-yet space, NROY). Every run is the survey run of survey.py at its own seed.
2. **Emulators.** After each wave, one emulator per fitted statistic: a linear mean in the
   statistic's active inputs (the ones an extra-trees screen ranks highest) plus a Gaussian process
   on the residuals (ARD squared-exponential kernel + a white-noise term). The white-noise term is
   the seed noise of a single run, estimated from the runs, so the emulator's mean is the
   statistic's expected value and its latent variance what the emulator does not know.
3. **Implausibility.** For target k at input x,
       I_k(x) = |miss_k(m_k(x))| / sqrt(v_k(x) + sd_k² + d_k²)
   with m_k, v_k the emulator's mean and latent variance, miss_k the target's miss (0 inside a bound
   or an interval), sd_k the observation's sd and d_k = scale_discrepancy · |value_k| the model's
   discrepancy at its simulated scale. x is ruled out when max_k I_k(x) > cutoff (3: Pukelsheim's
   three-sigma rule). A point is in NROY when no wave's emulators rule it out.
4. **Posterior.** Proposals drawn uniformly from the final NROY (which is the prior restricted to
   it) are weighted by the emulated likelihood Π_k ℓ_k(x) of the fitted targets: a Gaussian density
   for a point, the Gaussian probability of lying within a bound or an interval otherwise, each
   with variance v_k + sd_k² + d_k². Outside NROY the likelihood is below e^{-4.5} of its peak per
   target, so the restriction loses nothing that matters. The weighted proposals are the posterior;
   its effective sample size is Kish's (Σw)² / Σw².

Then the posterior is checked **on the simulator**: a systematic resample of particles is
re-simulated at fresh seeds, and we report the share whose every fitted statistic still lies
within `cutoff` of its target (now with the run's seed noise in the denominator), the share that
meets the premise (control-oriented and stationary), and the held-out targets' scores.

Everything is seeded: the same config gives the same design points, runs, emulators and
posterior (the design points are rounded to 1e-6 of the prior box, see PROPOSAL_DECIMALS).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .calibration import PROPOSAL_DECIMALS, Calibration, SimSetup, Target, simulate
from .report import write_atomically

SEED_STREAM_FRESH = 1  # the re-simulation's seeds: root_seed + this (never a fitting run's seed)
CHUNK = 20_000  # candidates per emulator evaluation (memory)
MAX_TRAIN = 1500  # most runs an emulator is fitted to (the GP is cubic in them)


class HistoryMatchingError(ValueError):
    """A history match that cannot go on (e.g. the NROY space is empty); says what to change."""


@dataclass(frozen=True)
class HmSettings:
    waves: int = 3
    runs_per_wave: int = 600
    cutoff: float = 3.0
    active_inputs: int = 8
    scale_discrepancy: float = 0.05
    proposals: int = 4000
    resimulate: int = 500
    candidates: int = 400_000  # most candidates drawn per wave when filling NROY


HM_KEYS = {
    "waves": "number of waves (each: runs, emulators, a smaller NROY)",
    "runs_per_wave": "simulator runs per wave",
    "cutoff": "implausibility above which a point is ruled out (3: three-sigma rule)",
    "active_inputs": "inputs each emulator's Gaussian process uses (the rest act as noise)",
    "scale_discrepancy": "the model's discrepancy at its simulated scale, a share of each "
    "target's value (from the scale-equivalence tests, docs/calibration.md)",
    "proposals": "posterior proposals drawn from the final NROY (the weighted posterior sample)",
    "resimulate": "posterior particles re-simulated at fresh seeds (the check on the simulator)",
    "candidates": "most uniform candidates drawn per wave to find NROY points",
}


# ----------------------------------------------------------------------------- the emulators
@dataclass
class Emulator:
    """Mean and latent variance of one statistic over the unit box (one wave)."""

    statistic: str
    active: np.ndarray  # indices of the active inputs
    coef: np.ndarray  # linear mean: intercept, then one per active input
    gp: Any  # sklearn GaussianProcessRegressor on the residuals
    noise_var: float  # the seed noise of one run (the white-noise term)
    prior_var: float  # the GP's latent prior variance (an upper bound on v)
    loo_z: float = math.nan  # share of held-back runs within 3 sd (validation)

    def predict(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xa = z[:, self.active]
        mean_lin = self.coef[0] + xa @ self.coef[1:]
        mu, sd = self.gp.predict(xa, return_std=True)
        var = np.maximum(sd**2 - self.noise_var, 1e-12)  # latent: without the seed noise
        return mean_lin + mu, var

    def mean(self, z: np.ndarray) -> np.ndarray:
        xa = z[:, self.active]
        return self.coef[0] + xa @ self.coef[1:] + self.gp.predict(xa)


def fit_emulator(statistic: str, z: np.ndarray, y: np.ndarray, active_inputs: int,
                 seed: int) -> Emulator:
    """Linear mean on the active inputs + a GP on its residuals (ARD RBF + white noise)."""
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    ok = np.isfinite(y)
    z, y = z[ok], y[ok]
    k = min(active_inputs, z.shape[1])
    trees = ExtraTreesRegressor(n_estimators=200, min_samples_leaf=5, random_state=seed, n_jobs=1)
    trees.fit(z, y)
    active = np.sort(np.argsort(-trees.feature_importances_, kind="stable")[:k])
    xa = z[:, active]
    design = np.column_stack([np.ones(len(xa)), xa])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    scale = float(resid.var()) or 1e-6
    kernel = ConstantKernel(scale, (scale * 1e-3, scale * 1e2)) * RBF(
        np.full(k, 0.3), (0.02, 20.0)
    ) + WhiteKernel(scale * 0.3, (scale * 1e-4, scale * 2))
    gp = GaussianProcessRegressor(kernel, normalize_y=False, random_state=seed,
                                  n_restarts_optimizer=0)
    gp.fit(xa, resid)
    noise = float(gp.kernel_.k2.noise_level)
    prior = float(gp.kernel_.k1.k1.constant_value)
    return Emulator(statistic, active, coef, gp, noise, prior)


def validate(emulator: Emulator, z: np.ndarray, y: np.ndarray) -> float:
    """Share of runs (not used to fit) whose value lies within 3 sd of the emulator's prediction,
    sd² = latent variance + seed noise (about 0.99 for a well-calibrated emulator)."""
    ok = np.isfinite(y)
    mu, var = emulator.predict(z[ok])
    return float(np.mean(np.abs(y[ok] - mu) <= 3 * np.sqrt(var + emulator.noise_var)))


# ----------------------------------------------------------------------------- implausibility
def _target_var(t: Target, settings: HmSettings) -> float:
    return t.sd**2 + (settings.scale_discrepancy * abs(t.value)) ** 2


def implausibility(emulators: dict[str, Emulator], targets: tuple[Target, ...],
                   settings: HmSettings, z: np.ndarray) -> np.ndarray:
    """max_k I_k(z) over the fitted targets (one wave's emulators)."""
    worst = np.zeros(len(z))
    for t in targets:
        em = emulators[t.statistic]
        mu, var = em.predict(z)
        worst = np.maximum(worst, np.abs(t.miss(mu)) / np.sqrt(var + _target_var(t, settings)))
    return worst


def _cheap_rule_out(emulators, targets, settings, z) -> np.ndarray:
    """True where the mean alone rules a point out even at the largest latent variance (cheap:
    no variance computed), so only the rest need the full implausibility."""
    out = np.zeros(len(z), dtype=bool)
    for t in targets:
        em = emulators[t.statistic]
        bound = math.sqrt(em.prior_var + _target_var(t, settings))
        out |= np.abs(t.miss(em.mean(z))) / bound > settings.cutoff
    return out


def in_nroy(waves: list[dict[str, Emulator]], targets, settings, z: np.ndarray) -> np.ndarray:
    """True where no wave's emulators rule the point out."""
    keep = np.ones(len(z), dtype=bool)
    for emulators in waves:
        idx = np.flatnonzero(keep)
        if not len(idx):
            break
        cheap = _cheap_rule_out(emulators, targets, settings, z[idx])
        keep[idx[cheap]] = False
        idx = idx[~cheap]
        if len(idx):
            keep[idx] = implausibility(emulators, targets, settings, z[idx]) <= settings.cutoff
    return keep


def log_likelihood(emulators: dict[str, Emulator], targets, settings, z) -> np.ndarray:
    """Σ_k log ℓ_k(z): Gaussian density (point) or probability within a bound or interval."""
    from scipy.special import log_ndtr

    total = np.zeros(len(z))
    for t in targets:
        mu, var = emulators[t.statistic].predict(z)
        s = np.sqrt(var + _target_var(t, settings))
        if t.kind == "point":
            total += -0.5 * ((mu - t.value) / s) ** 2 - np.log(s)
        elif t.kind == "upper":
            total += log_ndtr((t.value - mu) / s)
        elif t.kind == "lower":
            total += log_ndtr((mu - t.value) / s)
        else:  # interval
            low, high = t.interval
            from scipy.special import ndtr

            total += np.log(np.maximum(ndtr((high - mu) / s) - ndtr((low - mu) / s), 1e-300))
    return total


# ----------------------------------------------------------------------------- runs
def to_values(cal: Calibration, z: np.ndarray) -> list[dict[str, float]]:
    lows = np.array([p.low for p in cal.priors])
    highs = np.array([p.high for p in cal.priors])
    theta = lows + (highs - lows) * z
    return [{p.name: float(v) for p, v in zip(cal.priors, row, strict=True)} for row in theta]


def _run_one(args) -> dict[str, float]:
    setup, values = args
    return simulate(setup, values)


def run_points(setup: SimSetup, values: list[dict[str, float]], executor, progress=None,
               label: str = "") -> pd.DataFrame:
    """Simulate every parameter set (in the executor, results in order)."""
    out, start = [], time.monotonic()
    jobs = [(setup, v) for v in values]
    if executor is None:
        results = map(_run_one, jobs)
    elif isinstance(executor, ProcessPoolExecutor):
        results = executor.map(_run_one, jobs, chunksize=4)
    else:  # a Dask executor
        results = executor.map(_run_one, jobs)
    for i, res in enumerate(results, 1):
        out.append(res)
        if progress and (i % 50 == 0 or i == len(jobs)):
            rate = i / max(1e-9, time.monotonic() - start)
            progress(f"{label}: {i}/{len(jobs)} runs, {rate:.1f} runs/s")
    return pd.DataFrame(out)


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    z = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)
    return np.round(z, PROPOSAL_DECIMALS).clip(10.0**-PROPOSAL_DECIMALS, 1 - 10.0**-PROPOSAL_DECIMALS)


def nroy_points(waves, targets, settings, n: int, d: int, seed: int) -> tuple[np.ndarray, float]:
    """n uniform points of the current NROY (rejection from the unit box), and the NROY share."""
    rng = np.random.default_rng(seed)
    kept, drawn = [], 0
    while sum(len(k) for k in kept) < n and drawn < settings.candidates:
        z = np.round(rng.random((CHUNK, d)), PROPOSAL_DECIMALS)
        drawn += CHUNK
        kept.append(z[in_nroy(waves, targets, settings, z)])
    pts = np.concatenate(kept) if kept else np.zeros((0, d))
    share = len(pts) / drawn
    if len(pts) < n:
        raise HistoryMatchingError(
            f"only {len(pts)} of {drawn} uniform candidates are not ruled out (NROY share "
            f"{share:.2e}); need {n}: raise history_matching.candidates, lower runs_per_wave or "
            "proposals, or look at the targets (are they consistent with each other?)"
        )
    return pts[:n], share


def systematic_resample(weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n indices by systematic resampling (one uniform offset): particle i appears floor or
    ceil(n w_i) times, so every particle with w_i < 1/n appears at most once."""
    w = np.asarray(weights, float) / np.sum(weights)
    u = (np.random.default_rng(seed).random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(w), u), len(w) - 1)


def kish_ess(weights: np.ndarray) -> float:
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w**2).sum())


# ----------------------------------------------------------------------------- scores
def score_targets(targets, settings: HmSettings, runs: pd.DataFrame,
                  noise: dict[str, float] | None = None) -> pd.DataFrame:
    """Each target scored against the predictive distribution of `runs` (one run per particle):
    z = miss(predictive mean) / sqrt(predictive var + sd² + discrepancy²), consistent if |z| ≤ 2;
    a 0/1 pattern by its predictive probability, consistent if ≥ 0.5. Also the interval score of
    the predictive 90 % interval (Gneiting & Raftery 2007; lower is better, in the target's unit)."""
    rows = []
    for t in targets:
        y = runs[t.statistic].to_numpy(float)
        y = y[np.isfinite(y)]
        row = {"target": t.name, "statistic": t.statistic, "use": t.use, "kind": t.kind,
               "observed": t.value if t.kind != "interval" else f"{t.interval[0]:g}–{t.interval[1]:g}",
               "n": len(y)}
        if not len(y):
            rows.append({**row, "verdict": "no runs"})
            continue
        if t.kind == "indicator":
            p = float(np.mean(y == t.value))
            row.update(predicted=float(np.mean(y)), q05=float(np.quantile(y, 0.05)),
                       q95=float(np.quantile(y, 0.95)), z=math.nan, interval_score=math.nan,
                       probability=p, verdict="consistent" if p >= 0.5 else "fails")
        else:
            mean, var = float(np.mean(y)), float(np.var(y))
            z = float(t.miss(mean)) / math.sqrt(var + _target_var(t, settings))
            lo, hi = np.quantile(y, [0.05, 0.95])
            obs_lo, obs_hi = (t.interval if t.kind == "interval" else
                              (t.value, t.value) if t.kind == "point" else
                              (-math.inf, t.value) if t.kind == "upper" else (t.value, math.inf))
            # interval score of [lo, hi] for an observation at the nearest allowed value
            x = min(max(0.5 * (lo + hi), obs_lo), obs_hi)
            score = (hi - lo) + 20 * max(0.0, lo - x) + 20 * max(0.0, x - hi)
            row.update(predicted=mean, q05=float(lo), q95=float(hi), z=z,
                       interval_score=float(score), probability=math.nan,
                       verdict="consistent" if abs(z) <= 2 else "fails")
        rows.append(row)
    return pd.DataFrame(rows)


def still_fitting(targets, settings: HmSettings, runs: pd.DataFrame,
                  noise: dict[str, float]) -> np.ndarray:
    """Per re-simulated particle: every fitted statistic within `cutoff` of its target, with the
    run's seed noise added to the denominator (a single run is noisier than the emulator mean)."""
    ok = np.ones(len(runs), dtype=bool)
    for t in targets:
        y = runs[t.statistic].to_numpy(float)
        s = np.sqrt(_target_var(t, settings) + noise.get(t.statistic, 0.0))
        ok &= np.abs(t.miss(y)) / s <= settings.cutoff
    return ok


def premise_holds(runs: pd.DataFrame) -> np.ndarray:
    """Control-oriented in every year (orientation_max ≤ 0.5) and stationary (|drift| ≤ 0.05)."""
    return (runs["orientation_max"].to_numpy() <= 0.5) & (
        np.abs(runs["orientation_drift"].to_numpy()) <= 0.05)


# ----------------------------------------------------------------------------- the whole match
@dataclass
class HmResult:
    folder: Path
    posterior: pd.DataFrame
    waves: pd.DataFrame
    checks: dict[str, Any]


def run_history_matching(cal: Calibration, settings: HmSettings, folder: Path, executor=None,
                         progress: Callable[[str], None] | None = None,
                         max_waves: int | None = None) -> HmResult:
    """The waves, the posterior and its checks; writes everything to `folder` (see write_hm)."""
    say = progress or (lambda _m: None)
    fit = tuple(t for t in cal.targets if t.use == "fit")
    setup = cal.setup()
    d = len(cal.priors)
    names = [p.name for p in cal.priors]
    waves: list[dict[str, Emulator]] = []
    wave_rows, all_runs = [], []
    n_waves = settings.waves if max_waves is None else min(max_waves, settings.waves)
    share = 1.0
    for w in range(1, n_waves + 1):
        t0 = time.monotonic()
        if w == 1:
            z = latin_hypercube(settings.runs_per_wave, d, cal.root_seed)
        else:
            z, share = nroy_points(waves, fit, settings, settings.runs_per_wave, d,
                                   cal.root_seed + 100 * w)
        say(f"wave {w}: NROY share {share:.3g}; simulating {len(z)} points")
        stats = run_points(setup, to_values(cal, z), executor, say, f"wave {w}")
        frame = pd.concat([pd.DataFrame(z, columns=[f"z.{n}" for n in names]), stats], axis=1)
        frame.insert(0, "wave", w)
        all_runs.append(frame)
        t1 = time.monotonic()
        # training runs: the wave's first 85 % and every earlier run inside this wave's NROY
        # (they sample the same region); the wave's last 15 % validate the emulators
        n_fit = int(round(0.85 * len(z)))
        z_train, s_train = z[:n_fit], stats.iloc[:n_fit]
        if w > 1:
            earlier = pd.concat(all_runs[:-1], ignore_index=True)
            z_old = earlier[[f"z.{n}" for n in names]].to_numpy()
            inside = in_nroy(waves, fit, settings, z_old)
            z_train = np.vstack([z_old[inside], z_train])
            s_train = pd.concat([earlier[inside], s_train], ignore_index=True)
            z_train, s_train = z_train[-MAX_TRAIN:], s_train.iloc[-MAX_TRAIN:]
        emulators, row = {}, {"wave": w, "runs": len(z), "nroy_share": share,
                              "training_runs": len(z_train)}
        for t in fit:
            y = stats[t.statistic].to_numpy(float)
            em = fit_emulator(t.statistic, z_train, s_train[t.statistic].to_numpy(float),
                              settings.active_inputs, cal.root_seed + w)
            em.loo_z = validate(em, z[n_fit:], y[n_fit:])
            emulators[t.statistic] = em
            row[f"within3sd.{t.statistic}"] = em.loo_z
            row[f"noise_sd.{t.statistic}"] = math.sqrt(em.noise_var)
            row[f"active.{t.statistic}"] = " ".join(names[i] for i in em.active)
        waves.append(emulators)
        row.update(sim_seconds=t1 - t0, fit_seconds=time.monotonic() - t1)
        wave_rows.append(row)
        say(f"wave {w}: emulators fitted in {row['fit_seconds']:.0f} s (validation: "
            + ", ".join(f"{t.statistic} {emulators[t.statistic].loo_z:.2f}" for t in fit) + ")")
    runs = pd.concat(all_runs, ignore_index=True)
    # the posterior: uniform proposals from the final NROY, weighted by the emulated likelihood
    t0 = time.monotonic()
    z, share = nroy_points(waves, fit, settings, settings.proposals, d, cal.root_seed + 99_991)
    loglik = log_likelihood(waves[-1], fit, settings, z)
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    values = pd.DataFrame(to_values(cal, z))
    post = values.assign(weight=weights, loglik=loglik)
    ess = kish_ess(weights)
    wave_rows.append({"wave": "posterior", "runs": 0, "nroy_share": share,
                      "fit_seconds": time.monotonic() - t0})
    say(f"posterior: {len(z)} proposals from NROY (share {share:.3g}), ESS {ess:.0f}")
    # the check on the simulator: a systematic resample, re-simulated at fresh seeds
    idx = systematic_resample(weights, settings.resimulate, cal.root_seed + 7)
    distinct = np.unique(idx)
    fresh = SimSetup(setup.world, setup.scale, setup.years, setup.replications,
                     setup.root_seed + SEED_STREAM_FRESH, setup.params, setup.statistics)
    t0 = time.monotonic()
    resim = run_points(fresh, [values.iloc[i].to_dict() for i in idx], executor, say,
                       "re-simulation")
    resim.insert(0, "particle", idx)
    noise = {s: em.noise_var for s, em in waves[-1].items()}
    fits = still_fitting(fit, settings, resim, noise)
    premise = premise_holds(resim)
    prior_runs = runs[runs["wave"] == 1]
    checks = {
        "ess": ess, "proposals": len(z), "nroy_share": share,
        "resimulated": int(len(idx)), "distinct_resimulated": int(len(distinct)),
        "still_fitting_share": float(fits.mean()), "premise_share": float(premise.mean()),
        "prior_premise_share": float(premise_holds(prior_runs).mean()),
        "simulations": int(len(runs) + len(idx)),
        "resim_seconds": time.monotonic() - t0,
    }
    resim["still_fitting"] = fits
    resim["premise"] = premise
    scores = pd.concat([
        score_targets(cal.targets, settings, resim).assign(over="posterior"),
        score_targets(cal.targets, settings, prior_runs).assign(over="prior"),
    ], ignore_index=True)
    result = HmResult(folder, post, pd.DataFrame(wave_rows), checks)
    write_hm(folder, cal, settings, result, runs, resim, scores)
    return result


def write_hm(folder: Path, cal, settings, result: HmResult, runs, resim, scores) -> None:
    """posterior.parquet, runs.parquet (every wave's runs), resimulated.parquet, waves.csv,
    scores.csv, checks.json: each written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "posterior.parquet", lambda p: result.posterior.to_parquet(p))
    write_atomically(folder / "runs.parquet", lambda p: runs.to_parquet(p))
    write_atomically(folder / "resimulated.parquet", lambda p: resim.to_parquet(p))
    write_atomically(folder / "waves.csv", lambda p: result.waves.to_csv(p, index=False))
    write_atomically(folder / "scores.csv", lambda p: scores.to_csv(p, index=False))
    write_atomically(folder / "checks.json",
                     lambda p: p.write_text(json.dumps(result.checks, indent=2) + "\n"))


def make_executor(workers: int | None):
    """A process pool (workers ≥ 2) or None (in this process)."""
    import os

    n = workers if workers is not None else (os.cpu_count() or 1)
    return ProcessPoolExecutor(max_workers=n) if n > 1 else None
