"""Prior against posterior (issue 24, item 5): how far the calibration data moved each headline number.

The same headline experiment is run twice, once with the calibrated parameters drawn from the
calibration's uniform priors and once from its posterior (`trustsim prior-posterior`; each with
≥ 100 distinct particles, replication k of every scenario sharing draw and seed). Per particle
(one replication: a parameter set and a seed) and reform:

- tips: the baseline ends in the control state and the reform in the trust state (final-year mean
  trust orientation on either side of 0.5, as `results.summarise` counts P(tips));
- innovation gain: reform − baseline innovation rate (innovations / 1 000 staff / yr), and
  whether it is positive;
- incident gain: reform − baseline incident rate (incidents / 1 000 staff / yr);
and for the baseline alone whether it starts (first reported year) and ends (final year) in the
trust state. Each headline number is the mean over particles; its interval is the percentile
bootstrap over particles (resampling particles with replacement; 90 % by default). The particles
are treated as independent draws: for the posterior's systematic resampling (stratified) that
makes the intervals slightly conservative.

Verdict: a number *moved* when the 90 % bootstrap interval of the difference posterior − prior
(the two samples bootstrapped independently) excludes 0, otherwise *not moved*. This asks more
than "the posterior lies outside the prior's interval" (it accounts for the posterior's own
sampling noise), so a "moved" is not an artefact of having only 100 particles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .results import FINAL_QUARTERS, TIP_LEVEL, TIP_OUTPUT, Results, ResultsError

LEVEL = 0.90  # the bootstrap intervals' coverage
RESAMPLES = 2000
BOOT_SEED = 24  # the bootstrap's own seed: the same results give the same intervals

# (column, label, unit) of the reform numbers, in table order
REFORM_NUMBERS = (
    ("tips", "P(tips)", "share of particles"),
    ("innovation_gain", "innovation gain", "innovations / 1 000 staff / yr"),
    ("innovation_positive", "P(innovation gain > 0)", "share of particles"),
    ("incident_gain", "incident gain", "incidents / 1 000 staff / yr"),
)
BASELINE_NUMBERS = (
    ("starts_trust", "baseline starts in the trust state", "share of particles"),
    ("ends_trust", "baseline ends in the trust state", "share of particles"),
)
LABELS = {c: label for c, label, _ in REFORM_NUMBERS + BASELINE_NUMBERS}
UNITS = {c: unit for c, _, unit in REFORM_NUMBERS + BASELINE_NUMBERS}
TABLE_MARKERS = ("<!-- --8<-- [start:prior-posterior] -->", "<!-- --8<-- [end:prior-posterior] -->")


# ------------------------------------------------------------------------------ per particle
def particle_outcomes(results: Results) -> pd.DataFrame:
    """One row per (scenario, replication): the reform numbers against the baseline (the first
    scenario) of the same replication, and for the baseline its start and end states."""
    finals = results.finals
    if (finals["point"] != 0).any():
        raise ResultsError(f"{results.path}: the prior-posterior comparison needs one design "
                           "point per scenario (a grid without swept parameters)")
    reference = results.scenarios[0]
    base = finals[finals["scenario"] == reference].set_index("replication")
    if base.empty:
        raise ResultsError(f"{results.path}: the baseline {reference!r} has no finished run")
    runs = results.runs[results.runs["scenario"] == reference].sort_values(["replication",
                                                                              "quarter"])
    start = runs.groupby("replication")[TIP_OUTPUT].apply(lambda s: s.iloc[:FINAL_QUARTERS].mean())
    rows = [pd.DataFrame({"scenario": reference, "replication": base.index,
                          "starts_trust": (start.reindex(base.index) > TIP_LEVEL).to_numpy(float),
                          "ends_trust": (base[TIP_OUTPUT] > TIP_LEVEL).to_numpy(float)})]
    for name in results.scenarios[1:]:
        frame = finals[finals["scenario"] == name].set_index("replication")
        keys = base.index.intersection(frame.index)
        if keys.empty:
            continue
        b, f = base.loc[keys], frame.loc[keys]
        gain = (f["innovation_rate"] - b["innovation_rate"]).to_numpy(float)
        rows.append(pd.DataFrame({
            "scenario": name, "replication": keys,
            "tips": ((b[TIP_OUTPUT] <= TIP_LEVEL) & (f[TIP_OUTPUT] > TIP_LEVEL)).to_numpy(float),
            "innovation_gain": gain,
            "innovation_positive": (gain > 0).astype(float),
            "incident_gain": (f["incident_rate"] - b["incident_rate"]).to_numpy(float),
        }))
    return pd.concat(rows, ignore_index=True)


def particle_draws(results: Results) -> pd.DataFrame:
    """The parameter set of each replication (the manifest's `draw`), one row per replication."""
    draws = {}
    for entry in results.manifest["runs"].values():
        if entry.get("status") == "done" and entry.get("draw"):
            draws.setdefault(int(entry["replication"]), entry["draw"])
    if not draws:
        raise ResultsError(f"{results.path / 'manifest.json'}: no run records a parameter draw; "
                           "the experiment needs [uncertainties] posterior = ... or prior = ...")
    frame = pd.DataFrame.from_dict(draws, orient="index").sort_index()
    frame.index.name = "replication"
    return frame


# ------------------------------------------------------------------------------ bootstrap
@dataclass(frozen=True)
class Estimate:
    """A mean over particles with its percentile bootstrap interval."""

    value: float
    low: float
    high: float
    n: int

    def covers(self, x: float) -> bool:
        return self.low <= x <= self.high


def _boot_means(values: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    idx = rng.integers(0, values.size, size=(resamples, values.size))
    return values[idx].mean(axis=1)


def bootstrap_mean(values: Sequence[float], level: float = LEVEL, resamples: int = RESAMPLES,
                   seed: int = BOOT_SEED) -> Estimate:
    """The mean of `values` and its percentile bootstrap interval (resampling the values)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    means = _boot_means(x, np.random.default_rng(seed), resamples)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(float(x.mean()), float(lo), float(hi), int(x.size))


def bootstrap_difference(prior: Sequence[float], posterior: Sequence[float],
                         level: float = LEVEL, resamples: int = RESAMPLES,
                         seed: int = BOOT_SEED) -> Estimate:
    """mean(posterior) − mean(prior), with the two samples bootstrapped independently."""
    a = np.asarray(prior, float)
    b = np.asarray(posterior, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    rng = np.random.default_rng([seed, 1])
    diffs = _boot_means(b, rng, resamples) - _boot_means(a, rng, resamples)
    lo, hi = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(float(b.mean() - a.mean()), float(lo), float(hi), int(min(a.size, b.size)))


def verdict(difference: Estimate) -> str:
    """"moved" when the difference's bootstrap interval excludes 0, else "not moved"."""
    if not math.isfinite(difference.low):
        return "n/a"
    return "moved" if difference.low > 0 or difference.high < 0 else "not moved"


# ------------------------------------------------------------------------------ the comparison
def compare(prior: pd.DataFrame, posterior: pd.DataFrame, level: float = LEVEL,
            resamples: int = RESAMPLES) -> pd.DataFrame:
    """One row per (scenario, number): prior and posterior mean with bootstrap intervals, the
    difference with its interval, and the verdict. Inputs are `particle_outcomes` frames."""
    rows = []
    scenarios = list(dict.fromkeys(list(posterior["scenario"]) + list(prior["scenario"])))
    for name in scenarios:
        a_rows = prior[prior["scenario"] == name]
        b_rows = posterior[posterior["scenario"] == name]
        for column, label, unit in REFORM_NUMBERS + BASELINE_NUMBERS:
            if column not in a_rows or column not in b_rows:
                continue
            a, b = a_rows[column].dropna(), b_rows[column].dropna()
            if a.empty or b.empty:
                continue
            pa, pb = bootstrap_mean(a, level, resamples), bootstrap_mean(b, level, resamples)
            diff = bootstrap_difference(a, b, level, resamples)
            rows.append({
                "scenario": name, "number": column, "label": label, "unit": unit,
                "prior": pa.value, "prior_low": pa.low, "prior_high": pa.high, "prior_n": pa.n,
                "posterior": pb.value, "posterior_low": pb.low, "posterior_high": pb.high,
                "posterior_n": pb.n, "difference": diff.value, "difference_low": diff.low,
                "difference_high": diff.high, "verdict": verdict(diff), "level": level,
            })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ presentation
def _fmt(value: float, decimals: int, sign: bool = False) -> str:
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    return text.replace("-", "−")


def _decimals(column: str) -> int:
    return 2 if column in ("tips", "innovation_positive", "starts_trust", "ends_trust") else 3


def _cell(row: Mapping, sign: bool) -> str:
    d = _decimals(row["number"])
    prior = (f"{_fmt(row['prior'], d, sign)} [{_fmt(row['prior_low'], d, sign)}, "
             f"{_fmt(row['prior_high'], d, sign)}]")
    post = (f"{_fmt(row['posterior'], d, sign)} [{_fmt(row['posterior_low'], d, sign)}, "
            f"{_fmt(row['posterior_high'], d, sign)}]")
    mark = "**moved**" if row["verdict"] == "moved" else "not moved"
    return f"{prior} → {post} {mark}"


def markdown_table(table: pd.DataFrame, description: str = "") -> str:
    """The README table: one row per reform, each cell "prior [90 %] → posterior [90 %] verdict",
    then the baseline's start and end states; `description` (the runs behind it) ends it."""
    level = round(100 * float(table["level"].iloc[0])) if len(table) else 90
    reforms = [s for s in dict.fromkeys(table["scenario"]) if
               (table[(table["scenario"] == s)]["number"].isin([c for c, *_ in REFORM_NUMBERS])
                ).any()]
    head = ["reform", *(f"{label} ({unit})" if unit != "share of particles" else label
                        for _, label, unit in REFORM_NUMBERS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in reforms:
        cells = []
        for column, *_ in REFORM_NUMBERS:
            match = table[(table["scenario"] == name) & (table["number"] == column)]
            cells.append(_cell(match.iloc[0], column.endswith("gain")) if len(match) else "n/a")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    baseline = table[table["number"].isin([c for c, *_ in BASELINE_NUMBERS])]
    if len(baseline):
        lines.append("")
        name = baseline["scenario"].iloc[0]
        parts = [f"{row['label'].replace('baseline ', '')}: {_cell(row, False)}"
                 for _, row in baseline.iterrows()]
        lines.append(f"Baseline ({name}): " + "; ".join(parts) + ".")
    lines += ["", (f"Each cell: prior mean [{level} % bootstrap interval over particles] → "
                   f"posterior mean [{level} % interval]; **moved** when the {level} % bootstrap "
                   "interval of posterior − prior excludes 0.")]
    if description:
        lines.append(description)
    return "\n".join(lines)


def replace_between_markers(text: str, block: str, markers: tuple[str, str] = TABLE_MARKERS,
                            where: str = "README") -> str:
    """`text` with the lines between the two markers replaced by `block`."""
    start, end = markers
    if start not in text or end not in text or text.index(start) > text.index(end):
        raise ResultsError(f"{where}: no {start} … {end} markers; add them where the table goes")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


def forest_figure(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Prior (grey) against posterior (blue) for every reform and headline number, with the
    bootstrap intervals; a filled marker where the number moved."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    numbers = [c for c, *_ in REFORM_NUMBERS + BASELINE_NUMBERS if (table["number"] == c).any()]
    fig, axes = plt.subplots(1, len(numbers), figsize=(3.3 * len(numbers), 0.45 * max(
        table["scenario"].nunique(), 4) + 1.6), squeeze=False)
    for ax, column in zip(axes[0], numbers):
        rows = table[table["number"] == column].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        for offset, side, colour, marker in ((0.15, "prior", "0.55", "s"),
                                             (-0.15, "posterior", "tab:blue", "o")):
            err = np.vstack([rows[side] - rows[f"{side}_low"], rows[f"{side}_high"] - rows[side]])
            ax.errorbar(rows[side], y + offset, xerr=np.clip(err, 0, None), fmt="none",
                        ecolor=colour, elinewidth=1.5, capsize=2)
            moved = rows["verdict"] == "moved"
            ax.scatter(rows[side][~moved], (y + offset)[~moved], marker=marker,
                       facecolors="white", edgecolors=colour, zorder=3, label=side)
            ax.scatter(rows[side][moved], (y + offset)[moved], marker=marker, color=colour,
                       zorder=3, label=f"{side} (moved)" if side == "posterior" else None)
        if column.endswith("gain"):
            ax.axvline(0, color="0.3", lw=0.8, ls=":")
        ax.set_yticks(y)
        ax.set_yticklabels(rows["scenario"] if column == numbers[0] or
                           column in ("starts_trust",) else [""] * len(rows), fontsize=8)
        ax.set_title(LABELS[column], fontsize=9)
        ax.set_xlabel(UNITS[column], fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(title or "Prior against posterior: the headline numbers with "
                 f"{round(100 * float(table['level'].iloc[0]))} % bootstrap intervals",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------ the whole job
MAIN_REFORMS = ("agv-only", "integrated-esv-digg", "trust-based-steering")
PRIOR_DIR, POSTERIOR_DIR = "prior", "posterior"
FIGURE_FOREST, FIGURE_MAP = "prior_posterior.png", "tipping_map.png"


def twin_experiments(experiment, prior):
    """The experiment over its posterior (distinct draws) and the same over `prior` (a sweep
    `UniformPrior` over the same parameters): (prior_experiment, posterior_experiment)."""
    import dataclasses

    from ..sweep.experiment import ExperimentError

    posterior = experiment.posterior
    if posterior is None:
        raise ExperimentError(f"{experiment.path}: the experiment draws from no posterior "
                              "([uncertainties] posterior = ...); the prior-posterior comparison "
                              "needs one (e.g. the headline)")
    if set(prior.parameters) != set(posterior.parameters):
        missing = sorted(set(posterior.parameters) - set(prior.parameters))
        extra = sorted(set(prior.parameters) - set(posterior.parameters))
        raise ExperimentError(f"{prior.path}: its priors and the posterior {posterior.path.name} "
                              f"differ in parameters (not in the prior: {missing}; not in the "
                              f"posterior: {extra}); use the calibration that made the posterior")
    post = dataclasses.replace(experiment, distinct=True)
    pri = dataclasses.replace(experiment, posterior=None, prior=prior, distinct=True,
                              name=f"{experiment.name}-prior",
                              title=f"{experiment.title} (over the calibration prior)")
    post.draws()  # refuses here, before anything runs, when the posterior cannot give them
    return pri, post


@dataclass
class Comparison:
    """What `run_prior_posterior` made: the tables, the analysis and where the files are."""

    table: pd.DataFrame
    markdown: str
    decisive: object
    sobol_markdown: str
    files: dict[str, Path]
    seconds: dict[str, float]


def run_prior_posterior(prior_exp, post_exp, out: Path, *, workers: int | None = None,
                        scheduler: str | None = None, quiet: bool = False, new: bool = False,
                        main_reforms: Sequence[str] = MAIN_REFORMS, sobol_n: int = 1024,
                        level: float = LEVEL, resamples: int = RESAMPLES,
                        progress=None) -> Comparison:
    """Run both sweeps into OUT/prior and OUT/posterior (resumable), then compare them, find the
    decisive parameters and draw the tipping map; every file is written into OUT."""
    import time

    from ..model.params import SPECS
    from ..sweep.engine import run_sweep
    from . import tipping_map as tm
    from .results import load_results

    def say(text: str) -> None:
        if progress:
            progress(text)

    out = Path(out)
    seconds: dict[str, float] = {}
    loaded = {}
    for key, exp in ((PRIOR_DIR, prior_exp), (POSTERIOR_DIR, post_exp)):
        start = time.perf_counter()
        say(f"{key}: {exp.replications} particles × {len(exp.scenarios)} scenarios")
        result = run_sweep(exp, out / key, new=new, scheduler=scheduler, workers=workers,
                           quiet=quiet)
        if result.done < result.total:
            raise ResultsError(f"{result.folder}: {result.total - result.done} of "
                               f"{result.total} runs did not finish ({result.failed} failed; "
                               f"tracebacks in manifest.json); re-run the same command to resume")
        loaded[key] = load_results(result.folder)
        seconds[f"sweep_{key}"] = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = {k: particle_outcomes(r) for k, r in loaded.items()}
    table = compare(outcomes[PRIOR_DIR], outcomes[POSTERIOR_DIR], level, resamples)
    runs = (f"State of the runs: {post_exp.world} world at scale {post_exp.scale:g}, "
            f"{post_exp.years} years; {prior_exp.replications} prior and "
            f"{post_exp.replications} posterior particles (all distinct), paired seeds within each.")
    markdown = markdown_table(table, runs)
    out.mkdir(parents=True, exist_ok=True)
    files = {"csv": out / "prior_posterior.csv", "table": out / "prior_posterior.md"}
    table.to_csv(files["csv"], index=False)
    files["forest"] = forest_figure(table, out / FIGURE_FOREST)
    seconds["compare"] = time.perf_counter() - start

    start = time.perf_counter()
    draws = pd.concat({k: particle_draws(r) for k, r in loaded.items()}, names=["source"])
    everything = pd.concat({k: v.set_index("replication") for k, v in outcomes.items()},
                           names=["source"])
    names = list(post_exp.posterior.parameters)
    x = draws[names]
    reforms = [r for r in main_reforms if r in {s.name for s in post_exp.scenarios}]
    decisive = tm.decisive_parameters(x, everything, reforms, post_exp.posterior.values,
                                      post_exp.posterior.weights, n=sobol_n, progress=say)
    sobol_table = decisive.table()
    files["sobol"] = out / "sobol.csv"
    sobol_table.to_csv(files["sobol"], index=False)
    sobol_md = tm.summary_markdown(decisive)
    seconds["sobol"] = time.perf_counter() - start

    start = time.perf_counter()
    say("the tipping map")
    bounds = prior_exp.prior.bounds()
    rng = np.random.default_rng(BOOT_SEED)
    post = post_exp.posterior
    others = post.values[rng.choice(len(post.weights), size=tm.MAP_OTHERS, p=post.weights)]
    # the posterior particles that were run, and whether each reform tipped there
    points = draws.loc[POSTERIOR_DIR][names]
    post_rows = outcomes[POSTERIOR_DIR]
    tipped = {r: post_rows[post_rows["scenario"] == r].set_index("replication")["tips"]
              for r in reforms}
    units = {n: SPECS[n].unit for n in names}
    files["map"] = tm.tipping_map_figure(decisive, reforms, bounds, others, points, tipped,
                                         out / FIGURE_MAP, units)
    seconds["map"] = time.perf_counter() - start
    files["report"] = out / "prior_posterior.md"
    files["table"].write_text(_report(markdown, sobol_md, seconds), encoding="utf-8")
    return Comparison(table, markdown, decisive, sobol_md, files, seconds)


def _report(markdown: str, sobol_md: str, seconds: Mapping[str, float]) -> str:
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items())
    return (f"# Prior against posterior\n\n{markdown}\n\n"
            "## Which parameters decide (Sobol total order over the posterior, on a surrogate)\n\n"
            f"{sobol_md}\n\n![prior against posterior]({FIGURE_FOREST})\n\n"
            f"![tipping map]({FIGURE_MAP})\n\nTimes: {timing}.\n")
