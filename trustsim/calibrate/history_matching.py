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
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .calibration import (  # noqa: F401 - HmSettings and HM_KEYS are part of this module's API
    HM_KEYS,
    PROPOSAL_DECIMALS,
    Calibration,
    HmSettings,
    SimSetup,
    Target,
    simulate,
)
from .report import write_atomically

SEED_STREAM_FRESH = 1  # the re-simulation's seeds: root_seed + this (never a fitting run's seed)
SEED_STREAM_NOISE = 2  # the seed-noise replicates' seeds: root_seed + this
CHUNK = 20_000  # candidates per emulator evaluation (memory)
MAX_TRAIN = 1500  # most runs an emulator is fitted to (the GP is cubic in them)


class HistoryMatchingError(ValueError):
    """A history match that cannot go on (e.g. the NROY space is empty); says what to change."""


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
    inflation: float = 1.0  # latent variance factor that makes the held-back runs' errors honest

    def predict(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xa = z[:, self.active]
        mean_lin = self.coef[0] + xa @ self.coef[1:]
        mu, sd = self.gp.predict(xa, return_std=True)
        var = np.maximum(sd**2 - self.noise_var, 1e-12)  # latent: without the seed noise
        return mean_lin + mu, self.inflation * var

    def mean(self, z: np.ndarray) -> np.ndarray:
        xa = z[:, self.active]
        return self.coef[0] + xa @ self.coef[1:] + self.gp.predict(xa)


def fit_emulator(statistic: str, z: np.ndarray, y: np.ndarray, active_inputs: int,
                 seed: int, noise_var: float | None = None) -> Emulator:
    """Linear mean on the active inputs + a GP on its residuals (ARD RBF + white noise)."""
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.exceptions import ConvergenceWarning
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
    # the seed noise, measured from replicate runs, is fixed: left free, the white-noise term
    # swallows what the kernel cannot follow (a tipping boundary) and calls it noise
    white = (WhiteKernel(max(noise_var, 1e-10), "fixed") if noise_var is not None
             else WhiteKernel(scale * 0.3, (scale * 1e-4, scale * 2)))
    kernel = ConstantKernel(scale, (scale * 1e-3, scale * 1e2)) * RBF(
        np.full(k, 0.3), (0.02, 20.0)
    ) + white
    gp = GaussianProcessRegressor(kernel, normalize_y=False, random_state=seed,
                                  n_restarts_optimizer=0)
    with warnings.catch_warnings():  # a length scale at its bound is an inactive input, not news
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(xa, resid)
    noise = float(gp.kernel_.k2.noise_level)
    prior = float(gp.kernel_.k1.k1.constant_value)
    return Emulator(statistic, active, coef, gp, noise, prior)


# statistics whose bound is emulated as an event probability: a tipping boundary is a step, which
# a stationary Gaussian process cannot follow
CLASSIFIED = ("orientation_max",)
P_MIN = 0.02  # a point whose emulated probability of meeting a classified bound is below this is ruled out
# the posterior's constraint: a world's probability of meeting a classified bound (the premise), by
# a classifier fitted to every run of every wave, must be at least this
PREMISE_P = 0.7


@dataclass
class EventClassifier:
    """P(the statistic meets its target's bound | x): a random forest on every run so far."""

    statistic: str
    forest: Any
    auc: float = math.nan
    brier: float = math.nan
    noise_var: float = 0.0
    inflation: float = 1.0
    loo_z: float = math.nan

    def probability(self, z: np.ndarray) -> np.ndarray:
        if len(self.forest.classes_) == 1:  # every run on one side of the bound
            return np.full(len(z), 1.0 if self.forest.classes_[0] == 1 else 1e-3)
        return np.clip(self.forest.predict_proba(z)[:, 1], 1e-3, 1.0)


def fit_classifier(target: Target, z: np.ndarray, y: np.ndarray, seed: int) -> EventClassifier:
    from sklearn.ensemble import RandomForestClassifier

    ok = np.isfinite(y)
    event = (np.abs(target.miss(y[ok])) == 0).astype(int)
    forest = RandomForestClassifier(n_estimators=300, min_samples_leaf=3, random_state=seed,
                                    n_jobs=1)
    forest.fit(z[ok], event)
    return EventClassifier(target.statistic, forest)


def score_classifier(cl: EventClassifier, target: Target, z: np.ndarray, y: np.ndarray) -> None:
    """AUC and Brier score on runs the forest was not fitted to."""
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(y)
    event = (np.abs(target.miss(y[ok])) == 0).astype(int)
    p = cl.probability(z[ok])
    cl.brier = float(np.mean((p - event) ** 2))
    cl.auc = float(roc_auc_score(event, p)) if len(set(event)) == 2 else math.nan
    cl.loo_z = float(np.mean((p >= 0.5) == event))  # accuracy, reported in the same column


def validate(emulator: Emulator, z: np.ndarray, y: np.ndarray) -> float:
    """Share of runs (not used to fit) whose value lies within 3 sd of the emulator's prediction,
    sd² = latent variance + seed noise (about 0.99 for a well-calibrated emulator)."""
    ok = np.isfinite(y)
    mu, var = emulator.predict(z[ok])
    return float(np.mean(np.abs(y[ok] - mu) <= 3 * np.sqrt(var + emulator.noise_var)))


def inflate(emulator: Emulator, z: np.ndarray, y: np.ndarray) -> float:
    """The smallest factor f ≥ 1 on the latent variance with which 95 % of the held-back runs lie
    within 1.96 sd (sd² = f · latent + seed noise): an emulator that is too sure of itself would
    rule out points it cannot judge; this makes its variance as wide as its errors are."""
    ok = np.isfinite(y)
    emulator.inflation = 1.0
    mu, var = emulator.predict(z[ok])
    err = np.abs(y[ok] - mu)

    def covered(f: float) -> float:
        return float(np.mean(err <= 1.96 * np.sqrt(f * var + emulator.noise_var)))

    if not len(err) or covered(1.0) >= 0.95:
        return 1.0
    low, high = 1.0, 1e4
    for _ in range(60):  # bisection on log f
        mid = math.sqrt(low * high)
        low, high = (low, mid) if covered(mid) >= 0.95 else (mid, high)
    emulator.inflation = high
    return high


# ----------------------------------------------------------------------------- implausibility
def _target_var(t: Target, settings: HmSettings) -> float:
    """sd² + discrepancy²: the target's own discrepancy, or the scale's share of its value."""
    d = settings.scale_discrepancy * abs(t.value) if t.discrepancy is None else t.discrepancy
    return t.sd**2 + d**2


def implausibility(emulators: dict[str, Emulator], targets: tuple[Target, ...],
                   settings: HmSettings, z: np.ndarray) -> np.ndarray:
    """max_k I_k(z) over the fitted targets (one wave's emulators)."""
    worst = np.zeros(len(z))
    for t in targets:
        em = emulators[t.statistic]
        if isinstance(em, EventClassifier):
            worst = np.where(em.probability(z) < P_MIN, np.inf, worst)
            continue
        mu, var = em.predict(z)
        worst = np.maximum(worst, np.abs(t.miss(mu)) / np.sqrt(var + _target_var(t, settings)))
    return worst


def _cheap_rule_out(emulators, targets, settings, z) -> np.ndarray:
    """True where the mean alone rules a point out even at the largest latent variance (cheap:
    no variance computed), so only the rest need the full implausibility."""
    out = np.zeros(len(z), dtype=bool)
    for t in targets:
        em = emulators[t.statistic]
        if isinstance(em, EventClassifier):
            continue
        bound = math.sqrt(em.inflation * em.prior_var + _target_var(t, settings))
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
        if isinstance(emulators[t.statistic], EventClassifier):
            total += np.log(emulators[t.statistic].probability(z))
            continue
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


def _nroy_filter(args) -> np.ndarray:
    """The candidates of one chunk that no wave rules out and that meet every constraint (an
    event classifier's probability at least its threshold); runs in a worker."""
    waves, targets, settings, z, constraints = args
    z = z[in_nroy(waves, targets, settings, z)]
    for cl, threshold in constraints:
        z = z[cl.probability(z) >= threshold]
    return z


def nroy_points(waves, targets, settings, n: int, d: int, seed: int,
                executor=None, constraints=()) -> tuple[np.ndarray, float]:
    """The first n points of the current NROY among seeded uniform candidates (drawn in chunks
    of CHUNK from one generator, filtered in the executor's workers when one is given), and the
    NROY share. The same points come out with any number of workers."""
    rng = np.random.default_rng(seed)
    kept, drawn = [], 0
    batch = 1 if executor is None else 8
    while sum(len(k) for k in kept) < n and drawn < settings.candidates:
        chunks = [np.round(rng.random((CHUNK, d)), PROPOSAL_DECIMALS) for _ in range(batch)]
        drawn += batch * CHUNK
        jobs = [(waves, targets, settings, z, tuple(constraints)) for z in chunks]
        kept.extend(executor.map(_nroy_filter, jobs) if executor is not None
                    else map(_nroy_filter, jobs))
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
def score_targets(targets, settings: HmSettings, runs: pd.DataFrame) -> pd.DataFrame:
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
    started = time.monotonic()
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
                                   cal.root_seed + 100 * w, executor)
        cached = _cached_wave(folder, cal, settings, w, z)
        if cached is not None:
            say(f"wave {w}: NROY share {share:.3g}; {len(z)} runs taken from {folder}")
            frame, stats = cached, cached.drop(columns=["wave", *[f"z.{n}" for n in names]])
        else:
            say(f"wave {w}: NROY share {share:.3g}; simulating {len(z)} points")
            stats = run_points(setup, to_values(cal, z), executor, say, f"wave {w}")
            frame = pd.concat([pd.DataFrame(z, columns=[f"z.{n}" for n in names]), stats], axis=1)
            frame.insert(0, "wave", w)
            _cache_wave(folder, cal, settings, w, frame)
        all_runs.append(frame)
        if w == 1:
            noise = _seed_noise(cal, settings, setup, z, stats, fit, executor, folder, say)
        t1 = time.monotonic()
        # training runs: the wave's first 85 % and every earlier run inside this wave's NROY
        # (they sample the same region); the wave's last 15 % validate the emulators
        n_fit = round(0.85 * len(z))
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
            if t.statistic in CLASSIFIED and t.kind in ("upper", "lower"):
                # every run so far but the wave's held-back ones
                every = pd.concat(all_runs, ignore_index=True).iloc[:-(len(z) - n_fit)]
                em = fit_classifier(t, every[[f"z.{n}" for n in names]].to_numpy(),
                                    every[t.statistic].to_numpy(float), cal.root_seed + w)
                score_classifier(em, t, z[n_fit:], y[n_fit:])
                em.noise_var = noise[t.statistic]
                emulators[t.statistic] = em
                row[f"within3sd.{t.statistic}"] = em.loo_z
                row[f"auc.{t.statistic}"] = em.auc
                row[f"brier.{t.statistic}"] = em.brier
                row[f"noise_sd.{t.statistic}"] = math.sqrt(em.noise_var)
                continue
            em = fit_emulator(t.statistic, z_train, s_train[t.statistic].to_numpy(float),
                              settings.active_inputs, cal.root_seed + w, noise[t.statistic])
            row[f"inflation.{t.statistic}"] = inflate(em, z[n_fit:], y[n_fit:])
            em.loo_z = validate(em, z[n_fit:], y[n_fit:])
            emulators[t.statistic] = em
            row[f"within3sd.{t.statistic}"] = em.loo_z
            row[f"noise_sd.{t.statistic}"] = math.sqrt(em.noise_var)
            row[f"active.{t.statistic}"] = " ".join(names[i] for i in em.active)
        waves.append(emulators)
        if w == 1:
            row.update({f"seed_noise_sd.{k}": math.sqrt(v) for k, v in noise.items()})
        row.update(sim_seconds=t1 - t0, fit_seconds=time.monotonic() - t1)
        wave_rows.append(row)
        say(f"wave {w}: emulators fitted in {row['fit_seconds']:.0f} s (validation: "
            + ", ".join(f"{t.statistic} {emulators[t.statistic].loo_z:.2f}" for t in fit) + ")")
    runs = pd.concat(all_runs, ignore_index=True)
    # the premise as a prior constraint: a classifier fitted to every run says whether a world's
    # baseline stays control-oriented; proposals need at least PREMISE_P (precision ~0.99 where
    # measured, docs/calibration.md). The waves keep only what their emulators rule out.
    t0 = time.monotonic()
    constraints = []
    for t in fit:
        if t.statistic in CLASSIFIED and t.kind in ("upper", "lower"):
            cl = fit_classifier(t, runs[[f"z.{n}" for n in names]].to_numpy(),
                                runs[t.statistic].to_numpy(float), cal.root_seed + 77)
            constraints.append((cl, PREMISE_P))
    # the posterior: uniform proposals from the final NROY, weighted by the emulated likelihood
    z, share = nroy_points(waves, fit, settings, settings.proposals, d, cal.root_seed + 99_991,
                           executor, constraints)
    loglik = log_likelihood(waves[-1], fit, settings, z)
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    values = pd.DataFrame(to_values(cal, z))
    post = values.assign(weight=weights)
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
    fits = still_fitting(fit, settings, resim, noise)
    premise = premise_holds(resim)
    prior_runs = runs[runs["wave"] == 1]
    checks = {
        "ess": ess, "proposals": len(z), "nroy_share": share,
        "resimulated": len(idx), "distinct_resimulated": len(distinct),
        "still_fitting_share": float(fits.mean()), "premise_share": float(premise.mean()),
        "prior_premise_share": float(premise_holds(prior_runs).mean()),
        "simulations": int(len(runs) + len(idx) + min(settings.noise_pairs, settings.runs_per_wave)),
        "seed_noise_sd": {k: math.sqrt(v) for k, v in noise.items()},
        "resim_seconds": time.monotonic() - t0,
        "minutes": (time.monotonic() - started) / 60,
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


def _seed_noise(cal, settings, setup, z, stats, fit, executor, folder, say) -> dict[str, float]:
    """The seed noise of one run per fitted statistic: the first `noise_pairs` wave-1 points run
    again at other seeds; variance = mean squared difference / 2 (pooled over the points)."""
    n = min(settings.noise_pairs, len(z))
    path = folder / "waves" / "noise.parquet"
    other = SimSetup(setup.world, setup.scale, setup.years, setup.replications,
                     setup.root_seed + SEED_STREAM_NOISE, setup.params, setup.statistics)
    cached = _cached_wave(folder, cal, settings, 0, z[:n]) if path.is_file() else None
    if cached is not None:
        again = cached.drop(columns=["wave", *[c for c in cached.columns if c.startswith("z.")]])
    else:
        say(f"seed noise: {n} wave-1 points again at other seeds")
        again = run_points(other, to_values(cal, z[:n]), executor, say, "seed noise")
        frame = pd.concat([pd.DataFrame(z[:n], columns=[f"z.{p.name}" for p in cal.priors]),
                           again], axis=1)
        frame.insert(0, "wave", 0)
        _cache_wave(folder, cal, settings, 0, frame)
    out = {}
    for t in fit:
        diff = again[t.statistic].to_numpy(float) - stats[t.statistic].to_numpy(float)[:n]
        diff = diff[np.isfinite(diff)]
        out[t.statistic] = float(np.mean(diff**2) / 2) if len(diff) else 0.0
    return out


def _fingerprint(cal: Calibration, settings: HmSettings) -> str:
    import hashlib
    from dataclasses import asdict

    # what a wave's runs depend on (not waves, proposals, resimulate or candidates)
    wave = {k: v for k, v in asdict(settings).items()
            if k in ("runs_per_wave", "cutoff", "active_inputs", "scale_discrepancy",
                     "noise_pairs")}
    text = json.dumps({"calibration": cal.canonical(), "settings": wave},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_wave(folder: Path, cal, settings, w: int, frame: pd.DataFrame) -> None:
    """Keep a finished wave's runs (folder/waves/), so a stopped match resumes after it."""
    waves = folder / "waves"
    waves.mkdir(parents=True, exist_ok=True)
    (waves / "fingerprint").write_text(_fingerprint(cal, settings))
    name = "noise.parquet" if w == 0 else f"wave-{w}.parquet"
    write_atomically(waves / name, lambda p: frame.to_parquet(p))


def _cached_wave(folder: Path, cal, settings, w: int, z: np.ndarray) -> pd.DataFrame | None:
    """A finished wave's runs if the folder holds them for this config and these design points."""
    path = folder / "waves" / ("noise.parquet" if w == 0 else f"wave-{w}.parquet")
    stamp = folder / "waves" / "fingerprint"
    if not path.is_file() or not stamp.is_file():
        return None
    if stamp.read_text() != _fingerprint(cal, settings):
        return None
    frame = pd.read_parquet(path)
    cols = [f"z.{p.name}" for p in cal.priors]
    if frame.shape[0] != len(z) or not np.array_equal(frame[cols].to_numpy(), z):
        return None
    return frame


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
