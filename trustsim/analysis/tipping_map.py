"""Which parameters decide each reform, and where it tips (issue 24, item 5): surrogate, Sobol, map.

A Sobol analysis straight on the model would need N·(D + 2) runs per reform for D ≈ 26
calibrated parameters (SALib's Saltelli design, first and total order). Instead:

1. **Surrogate.** A random forest (scikit-learn; 300 trees, leaves of at least 3) learns each
   outcome of each reform from the particles' parameters: P(tips) as a probability (a classifier's
   predicted probability that the pair tips), innovation gain and incident gain as regressions.
   It is trained on the prior and the posterior runs together (the prior's spread covers the map's
   axes, the posterior's density the region that matters). Its held-out skill is measured by
   5-fold cross-validation: R² for the gains, ROC AUC for tipping (n/a when fewer than 5 pairs of
   either kind). A random forest because it needs no tuning, handles 26 inputs of which most do
   nothing, and cannot extrapolate wildly outside the training cloud.
2. **Sobol total-order indices** S_T (Saltelli 2002; Jansen 1999; SALib `sobol.analyze`, no second
   order) of the surrogate over the *posterior*: each parameter is drawn from its posterior
   marginal (the inverse of its weighted empirical distribution function), independently of the
   others. That independence is an assumption: the posterior's correlations between parameters
   (e.g. along a ridge the data leave open) are ignored, so S_T says how much of the outcome's
   variance each parameter would carry if the parameters varied independently with the posterior's
   spreads. The intervals are SALib's bootstrap (90 %) over the Sobol sample; they do not include
   the surrogate's own error (see its R² / AUC).
3. **The tipping map.** For each main reform, P(tips) from the surrogate over the two parameters
   with the largest S_T for tipping, each over its prior range (the axes), the other parameters
   drawn jointly from the posterior (resampled particles, so their correlations are kept), with
   the posterior particles that were run overlaid: filled where the model run tipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

TREES = 300
FOLDS = 5
MIN_CLASS = 5  # fewer pairs than this that tip (or that do not): no AUC, no classifier
SOBOL_N = 1024  # SALib base sample (N · (D + 2) surrogate evaluations)
SOBOL_LEVEL = 0.90
MAP_GRID = 40
MAP_OTHERS = 100  # posterior particles averaged over at each map cell
# below this held-out skill a surrogate's S_T do not name the decisive parameters (they are shown,
# marked as such): R² 0.5 leaves half the variance unexplained, AUC 0.75 is a weak classifier
MIN_R2, MIN_AUC = 0.5, 0.75
OUTCOMES = ("tips", "innovation_gain", "incident_gain")
OUTCOME_LABELS = {"tips": "P(tips)", "innovation_gain": "innovation gain",
                  "incident_gain": "incident gain"}


# ------------------------------------------------------------------------------ the surrogate
@dataclass
class Surrogate:
    """A fitted model of one outcome of one reform; `predict(X)` is P(tips) or the gain."""

    reform: str
    outcome: str
    parameters: tuple[str, ...]
    model: object | None  # None: a constant (every training pair tipped, or none did)
    constant: float = math.nan
    score: float = math.nan  # held-out R² (gains) or ROC AUC (tips)
    score_name: str = ""
    n_train: int = 0
    positives: int = 0  # pairs that tipped (tips only)

    @property
    def reliable(self) -> bool:
        """Skilled enough (held out) for its Sobol indices to name the deciding parameters."""
        if self.model is None:
            return False
        return self.score >= (MIN_AUC if self.outcome == "tips" else MIN_R2)

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        if self.model is None:
            return np.full(len(x), self.constant)
        if self.outcome == "tips":
            return self.model.predict_proba(x)[:, 1]
        return self.model.predict(x)


def fit_surrogate(x: pd.DataFrame, y: Sequence[float], reform: str, outcome: str,
                  seed: int = 0) -> Surrogate:
    """A random forest of `y` on the parameter columns of `x`, with its cross-validated skill."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

    names = tuple(x.columns)
    xv = x.to_numpy(float)
    yv = np.asarray(y, float)
    common = {"n_estimators": TREES, "min_samples_leaf": 3, "random_state": seed, "n_jobs": 1}
    if outcome == "tips":
        positives = int(yv.sum())
        if min(positives, len(yv) - positives) < MIN_CLASS:
            return Surrogate(reform, outcome, names, None, float(yv.mean()), math.nan, "AUC",
                             len(yv), positives)
        model = RandomForestClassifier(**common)
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
        held_out = cross_val_predict(model, xv, yv.astype(int), cv=folds,
                                     method="predict_proba")[:, 1]
        score = float(roc_auc_score(yv.astype(int), held_out))
        model.fit(xv, yv.astype(int))
        return Surrogate(reform, outcome, names, model, math.nan, score, "AUC", len(yv),
                         positives)
    model = RandomForestRegressor(**common)
    folds = KFold(FOLDS, shuffle=True, random_state=seed)
    held_out = cross_val_predict(model, xv, yv, cv=folds)
    score = float(r2_score(yv, held_out))
    model.fit(xv, yv)
    return Surrogate(reform, outcome, names, model, math.nan, score, "R²", len(yv))


# ------------------------------------------------------------------------------ the posterior
def marginal_sampler(values: np.ndarray, weights: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Maps U ∈ [0, 1]^(n × D) to parameter sets drawn from each column's weighted marginal
    (independently): column j of the result is the inverse weighted empirical CDF of
    `values[:, j]` at U[:, j] (a step function: only particle values are returned)."""
    values = np.asarray(values, float)
    w = np.asarray(weights, float) / np.sum(weights)
    order = np.argsort(values, axis=0)
    sorted_values = np.take_along_axis(values, order, axis=0)
    cumulative = np.cumsum(w[order], axis=0)
    cumulative[-1, :] = 1.0

    def sample(unit: np.ndarray) -> np.ndarray:
        unit = np.asarray(unit, float)
        out = np.empty_like(unit)
        for j in range(values.shape[1]):
            k = np.searchsorted(cumulative[:, j], unit[:, j], side="left")
            out[:, j] = sorted_values[np.minimum(k, len(w) - 1), j]
        return out

    return sample


def total_order(predict: Callable[[np.ndarray], np.ndarray],
                sample: Callable[[np.ndarray], np.ndarray], names: Sequence[str],
                n: int = SOBOL_N, seed: int = 0, level: float = SOBOL_LEVEL) -> pd.DataFrame:
    """Sobol first- and total-order indices of `predict` over inputs `sample(U)`, U uniform on
    [0, 1]^D (SALib's Sobol' sequence and estimators, bootstrap intervals at `level`).
    Rows sorted by S_T, largest first; columns parameter, ST, ST_low, ST_high, S1."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    unit = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = np.asarray(predict(sample(unit)), float)
    if np.var(y) <= 1e-18:  # a constant: no variance to share out
        zeros = np.zeros(len(names))
        return pd.DataFrame({"parameter": list(names), "ST": zeros, "ST_low": zeros,
                             "ST_high": zeros, "S1": zeros})
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200,
                                conf_level=level, seed=seed)
    st, conf = np.asarray(res["ST"]), np.asarray(res["ST_conf"])
    frame = pd.DataFrame({"parameter": list(names), "ST": st, "ST_low": st - conf,
                          "ST_high": st + conf, "S1": np.asarray(res["S1"])})
    return frame.sort_values("ST", ascending=False, ignore_index=True)


# ------------------------------------------------------------------------------ all of it
@dataclass
class Decisive:
    """The surrogates, Sobol indices and the map's inputs of the main reforms."""

    surrogates: dict[tuple[str, str], Surrogate] = field(default_factory=dict)
    indices: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per (reform, outcome, parameter): S_T with interval, and the surrogate's skill."""
        rows = []
        for (reform, outcome), frame in self.indices.items():
            s = self.surrogates[(reform, outcome)]
            for rank, r in enumerate(frame.itertuples(index=False), 1):
                rows.append({"reform": reform, "outcome": outcome, "rank": rank,
                             "parameter": r.parameter, "ST": r.ST, "ST_low": r.ST_low,
                             "ST_high": r.ST_high, "S1": r.S1, "surrogate_score": s.score,
                             "score_name": s.score_name, "n_train": s.n_train,
                             "reliable": s.reliable})
        return pd.DataFrame(rows)

    def top(self, reform: str, outcome: str, k: int = 3) -> list[str]:
        frame = self.indices.get((reform, outcome))
        return [] if frame is None else list(frame["parameter"][:k])


def decisive_parameters(x: pd.DataFrame, outcomes: pd.DataFrame, reforms: Sequence[str],
                        posterior_values: np.ndarray, posterior_weights: np.ndarray,
                        n: int = SOBOL_N, seed: int = 0,
                        progress: Callable[[str], None] | None = None) -> Decisive:
    """Fit a surrogate per (reform, outcome) on `x` (one row per particle, parameters as
    columns, index (source, replication)) and `outcomes` (particle_outcomes rows with the same
    index), then S_T over the posterior's marginals (`posterior_values` columns in x's order)."""
    sample = marginal_sampler(posterior_values, posterior_weights)
    out = Decisive()
    for reform in reforms:
        rows = outcomes[outcomes["scenario"] == reform]
        for outcome in OUTCOMES:
            y = rows[outcome].dropna()
            keys = x.index.intersection(y.index)
            if len(keys) < 2 * FOLDS:
                continue
            if progress:
                progress(f"{reform}: {OUTCOME_LABELS[outcome]} (surrogate on {len(keys)} runs, "
                         "Sobol)")
            s = fit_surrogate(x.loc[keys], y.loc[keys], reform, outcome, seed)
            out.surrogates[(reform, outcome)] = s
            out.indices[(reform, outcome)] = total_order(s.predict, sample, list(x.columns), n,
                                                         seed)
    return out


def summary_markdown(decisive: Decisive, k: int = 3) -> str:
    """Per reform and outcome: the k parameters with the largest S_T, and the surrogate's skill."""
    lines = ["| reform | outcome | surrogate held-out skill | largest S_T [90 % interval] |",
             "|---|---|---|---|"]
    for (reform, outcome), frame in decisive.indices.items():
        s = decisive.surrogates[(reform, outcome)]
        if s.model is None:
            skill = f"constant ({s.positives} of {s.n_train} pairs tip)"
            top = "–"
        else:
            skill = f"{s.score_name} {s.score:.2f} (n = {s.n_train})"
            top = "; ".join(f"{r.parameter} {r.ST:.2f} [{max(r.ST_low, 0):.2f}, {r.ST_high:.2f}]"
                            for r in frame.head(k).itertuples(index=False))
            if not s.reliable:
                limit = MIN_AUC if outcome == "tips" else MIN_R2
                top = (f"*not named: surrogate skill below {s.score_name} {limit}* "
                       f"(its ranking: {top})")
        lines.append(f"| {reform} | {OUTCOME_LABELS[outcome]} | {skill} | {top} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the map
def map_grid(surrogate: Surrogate, axes: Sequence[str], bounds: Mapping[str, tuple[float, float]],
             others: np.ndarray, grid: int = MAP_GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(tips) on a grid × grid lattice over the two `axes` parameters' `bounds`, averaged over
    the rows of `others` (parameter sets in the surrogate's column order) for the rest."""
    names = list(surrogate.parameters)
    i, j = names.index(axes[0]), names.index(axes[1])
    gx = np.linspace(*bounds[axes[0]], grid)
    gy = np.linspace(*bounds[axes[1]], grid)
    xx, yy = np.meshgrid(gx, gy)
    batch = np.repeat(others[None, :, :], grid * grid, axis=0).reshape(-1, len(names))
    batch[:, i] = np.repeat(xx.ravel(), len(others))
    batch[:, j] = np.repeat(yy.ravel(), len(others))
    p = surrogate.predict(batch).reshape(grid * grid, len(others)).mean(axis=1)
    return gx, gy, p.reshape(grid, grid)


def tipping_map_figure(decisive: Decisive, reforms: Sequence[str],
                       bounds: Mapping[str, tuple[float, float]], others: np.ndarray,
                       points: pd.DataFrame, tipped: Mapping[str, pd.Series], path: Path,
                       units: Mapping[str, str] | None = None, grid: int = MAP_GRID) -> Path:
    """The primary figure: per reform, P(tips) over its two most decisive parameters (prior
    ranges as axes) with the posterior particles that were run (filled: the run tipped)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in reforms if (r, "tips") in decisive.surrogates]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(5.2 * max(len(shown), 1), 5.2),
                             squeeze=False, layout="constrained")
    mesh = None
    for ax, reform in zip(axes[0], shown):
        s = decisive.surrogates[(reform, "tips")]
        pair = decisive.top(reform, "tips", 2)
        if s.model is None or len(pair) < 2:
            ax.text(0.5, 0.5, f"{reform}:\nno map: {s.positives} of {s.n_train} runs tip\n"
                    f"(a map needs at least {MIN_CLASS} that tip and {MIN_CLASS} that do not)",
                    ha="center", va="center", transform=ax.transAxes, fontsize=9)
            ax.set_axis_off()
            continue
        gx, gy, p = map_grid(s, pair, bounds, others, grid)
        mesh = ax.pcolormesh(gx, gy, p, cmap="RdYlBu_r", vmin=0, vmax=1, shading="nearest")
        contour = ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1.2)
        ax.clabel(contour, fmt={0.5: "0.5"}, fontsize=7)
        flag = tipped.get(reform, pd.Series(dtype=float)).reindex(points.index).fillna(0) > 0.5
        ax.scatter(points.loc[~flag, pair[0]], points.loc[~flag, pair[1]], s=14,
                   facecolors="none", edgecolors="k", linewidths=0.7, label="run: no tip")
        ax.scatter(points.loc[flag, pair[0]], points.loc[flag, pair[1]], s=14, color="k",
                   label="run: tips")
        ax.set_xlim(*bounds[pair[0]])
        ax.set_ylim(*bounds[pair[1]])
        st = decisive.indices[(reform, "tips")].set_index("parameter")["ST"]
        unit = units or {}
        ax.set_xlabel(f"{pair[0]} (S_T {st[pair[0]]:.2f})\n{_unit(unit.get(pair[0])).strip()}",
                      fontsize=9)
        ax.set_ylabel(f"{pair[1]} (S_T {st[pair[1]]:.2f})\n{_unit(unit.get(pair[1])).strip()}",
                      fontsize=9)
        weak = "" if s.reliable else " (weak: read with care)"
        ax.set_title(f"{reform}\nsurrogate AUC {s.score:.2f}{weak}\n{s.positives} of "
                     f"{s.n_train} runs tip", fontsize=9)
    if mesh is not None:
        bar = fig.colorbar(mesh, ax=axes[0].tolist(), shrink=0.85)
        bar.set_label("P(tips): baseline ends in control, reform in trust (surrogate)")
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8)
    fig.suptitle("Where each reform tips: P(tips) over the two parameters with the largest "
                 "Sobol S_T\n(axes: prior ranges; points: posterior particles)", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path


def _unit(unit: str | None) -> str:
    return f" [{unit}]" if unit and unit not in ("-", "", "1") else ""
