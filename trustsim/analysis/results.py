"""Analysis of trustsim runs: final-period means, paired comparisons, confidence intervals, Morris.

Vocabulary (EMA Workbench): *levers* are what policy chooses, *uncertainties* what nobody knows,
*outcomes* are `trustsim.OUTPUTS`. A run's outcome is its *final-period mean*: the mean of the last
`FINAL_QUARTERS` quarters (the final simulated year). Across replications we report the mean with a
t-based 95 % confidence interval, and compare scenarios by *paired* differences: replication k of
every scenario uses the same seed (common random numbers), so scenario − reference is computed per
seed before averaging, which removes the noise the scenarios share.

Two sources of runs:
- `compare(...)` runs the replications itself (`trustsim.run`, a small process pool);
- `load_results(dir)` reads a results folder written by `trustsim sweep` (manifest + parquet shards;
  the format is described in docs/analysis.md). There runs are paired by (point, replication).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from ..model.model import MIN_COST_MSEK, OUTPUTS
from ..model.params import ParameterError
from ..model.runner import check_years, run
from ..model.scenarios import Scenario, load_scenario
from ..model.worlds import WORLDS, build_world, default_scale
from ..sweep import storage
from ..sweep.executor import open_executor
from ..sweep.runs import replication_seeds

COMPARE_SCALE = 0.05  # default scale of `compare` (state and public-sector worlds)

FINAL_QUARTERS = 4  # "final period" = the final simulated year
CONFIDENCE = 0.95
DESIGN_KINDS = ("grid", "lhs", "morris", "sobol")
RUN_STATUSES = ("done", "failed", "pending")
KEY_COLUMNS = ("run_id", "scenario", "point", "replication", "seed", "quarter", "year")
MORRIS_OUTPUTS = ("innovation_rate", "incident_rate", "experimentation_culture")
# A run has *tipped* when its final-year mean manager trust orientation is above 0.5, midway
# between the two states the model settles in (~0.24 control, ~0.79 trust; pattern P8)
TIP_OUTPUT, TIP_LEVEL = "trust_orientation", 0.5


class ResultsError(ValueError):
    """A results folder that cannot be analysed; the message names the file, key and the fix."""


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval, from `n` independent observations."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def as_dict(self) -> dict[str, float | None]:
        """The JSON form `{"mean", "ci_low", "ci_high"}`; NaN (e.g. n < 2) becomes null."""
        return {
            key: (None if math.isnan(value) else float(value))
            for key, value in (
                ("mean", self.mean),
                ("ci_low", self.ci_low),
                ("ci_high", self.ci_high),
            )
        }

    @property
    def excludes_zero(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


def t_interval(values: Iterable[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean of `values` with the t-based interval mean ± t_{n-1} · s / √n (NaN bounds if n < 2)."""
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(
    reference: Sequence[float], other: Sequence[float], confidence: float = CONFIDENCE
) -> Interval:
    """Mean of `other − reference`, pair by pair (same seed), with its t-interval."""
    a, b = np.asarray(reference, dtype=float), np.asarray(other, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} vs {b.shape}")
    return t_interval(b - a, confidence)


def welch_difference(
    reference: Sequence[float], other: Sequence[float], confidence: float = CONFIDENCE
) -> Interval:
    """Mean of `other` − mean of `reference` as if unpaired (Welch's interval); for comparison."""
    a, b = np.asarray(reference, dtype=float), np.asarray(other, dtype=float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    mean = float(b.mean() - a.mean())
    if se == 0:
        return Interval(mean, mean, mean, int(a.size + b.size))
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se)
    return Interval(mean, mean - half, mean + half, int(a.size + b.size))


# --------------------------------------------------------------------------- summaries


def final_period_means(frame: pd.DataFrame, columns: Sequence[str] = OUTPUTS) -> pd.Series:
    """Mean of `columns` over the last `FINAL_QUARTERS` rows of one run (ordered by quarter)."""
    return frame.iloc[-FINAL_QUARTERS:][list(columns)].mean()


def summarise(
    finals: Mapping[str, pd.DataFrame],
    outputs: Sequence[str] = OUTPUTS,
    full_staff: float | None = None,
) -> dict[str, dict[str, dict[str, dict[str, float | None]]]]:
    """Means with CIs per scenario, and paired differences to the first scenario.

    `finals[name]` has one row per run, indexed by the pairing key (replication, or
    (point, replication)), one column per output. Differences use the keys both scenarios have.
    Returns `{"scenarios": {NAME: {OUTPUT: {"mean", "ci_low", "ci_high"}}},
    "differences": {NAME: {OUTPUT: {...}}}}` (the reference has no entry in "differences").
    With `full_staff` (the head count of the national system the world stands for),
    "per_msek" gives each scenario's extra innovations per MSEK of its programme: per pair,
    (innovation_rate - reference's) / 1000 · full_staff / programme_cost_msek, over the pairs whose
    programme costs at least MIN_COST_MSEK (the increment over the paired reference, never the
    reference's own innovations).
    """
    names = list(finals)
    if not names:
        raise ValueError("summarise needs at least one scenario")
    reference = finals[names[0]]
    out: dict[str, dict] = {"scenarios": {}, "differences": {}, "spread": {}}
    for name in names:
        frame = finals[name]
        out["scenarios"][name] = {o: t_interval(frame[o].to_numpy()).as_dict() for o in outputs}
        if name == names[0]:
            continue
        keys = reference.index.intersection(frame.index)
        out["differences"][name] = {
            o: paired_difference(reference.loc[keys, o], frame.loc[keys, o]).as_dict()
            for o in outputs
        }
        out["spread"][name] = {
            o: difference_spread(reference.loc[keys, o], frame.loc[keys, o]) for o in outputs
        }
    if full_staff is not None and {"innovation_rate", "programme_cost_msek"} <= set(outputs):
        out["per_msek"] = {}
        for name in names[1:]:
            keys = reference.index.intersection(finals[name].index)
            cost = finals[name].loc[keys, "programme_cost_msek"]
            gain = finals[name].loc[keys, "innovation_rate"] - reference.loc[keys, "innovation_rate"]
            funded = cost >= MIN_COST_MSEK
            ratio = (gain[funded] / 1000.0 * full_staff / cost[funded]).to_numpy()
            out["per_msek"][name] = t_interval(ratio).as_dict() if len(ratio) >= 2 else None
    if TIP_OUTPUT in outputs:
        # the share of runs that end in the trust state, and per scenario the share of pairs in
        # which the reference ends in the control state and the scenario in the trust state
        out["tipped"] = {n: float((finals[n][TIP_OUTPUT] > TIP_LEVEL).mean()) for n in names}
        out["tips"] = {}
        for name in names[1:]:
            keys = reference.index.intersection(finals[name].index)
            ref_state = reference.loc[keys, TIP_OUTPUT] > TIP_LEVEL
            state = finals[name].loc[keys, TIP_OUTPUT] > TIP_LEVEL
            out["tips"][name] = float((~ref_state & state).mean()) if len(keys) else None
    return out


def difference_spread(reference: pd.Series, other: pd.Series) -> dict[str, float | None]:
    """How the paired differences (other - reference, run by run) are spread: their 5, 50 and
    95 % quantiles and the share that is positive. Over a posterior experiment each pair is one
    possible world (a posterior draw and a seed), so `p_positive` is P(difference > 0) and
    [q05, q95] the middle 90 % of what the reform does; the mean's CI says only how well the
    replications pin the *average*."""
    d = other.to_numpy(float) - reference.to_numpy(float)
    if d.size == 0:
        return {"q05": None, "q50": None, "q95": None, "p_positive": None}
    q05, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
    return {"q05": float(q05), "q50": float(q50), "q95": float(q95),
            "p_positive": float((d > 0).mean())}


def _final_of_run(task: tuple[Scenario, str, float, int, int]) -> dict[str, float]:
    """Worker: run one (scenario, seed) and return its final-period output means."""
    scenario, world, scale, years, seed = task
    frame = run(scenario, world=world, scale=scale, years=years, seed=seed)
    return {k: float(v) for k, v in final_period_means(frame).items()}


def _unique_scenarios(scenarios: Sequence[str | os.PathLike | Scenario]) -> list[Scenario]:
    if not scenarios:
        raise ParameterError("compare needs at least one scenario; see `trustsim scenarios`")
    loaded = [load_scenario(s) for s in scenarios]
    seen: set[str] = set()
    for sc in loaded:
        if sc.name in seen:
            raise ParameterError(
                f"scenario {sc.name!r} is given twice; give each scenario once "
                "(the first is the reference)"
            )
        seen.add(sc.name)
    return loaded


def run_tasks(tasks: list[tuple[Scenario, str, float, int, int]], workers: int) -> list[dict]:
    """Final-period means of each (scenario, world, scale, years, seed) task, in task order, on the
    project's one execution path (`trustsim.sweep.executor`: a local process pool of `workers`;
    in this process if `workers` <= 1)."""
    if workers <= 1 or len(tasks) <= 1:
        return [_final_of_run(t) for t in tasks]
    workers = min(workers, len(tasks))
    chunk = max(1, math.ceil(len(tasks) / (4 * workers)))  # fewer round trips, still balanced
    with open_executor(None, workers) as (executor, _):
        return list(executor.map(_final_of_run, tasks, chunksize=chunk))


def compare(
    scenarios: Sequence[str | os.PathLike | Scenario],
    world: str = "state",
    scale: float | None = None,
    years: int = 10,
    replications: int = 10,
    seed: int = 0,
    workers: int = 2,
) -> dict[str, dict[str, dict[str, dict[str, float | None]]]]:
    """Run every scenario `replications` times and compare final-period means (see `summarise`).
    `scale` defaults to 0.05 (1 for the teaching world, which always runs one to one).

    Replication k of every scenario uses seed `replication_seeds(seed, replications)[k]`, so the
    differences to the first scenario are paired. Runs go to a pool of `workers` processes.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ParameterError(
            f"replications {replications!r} is not allowed; allowed is an integer >= 2 "
            "(a confidence interval needs at least two runs)"
        )
    check_years(years)
    if scale is None and world in WORLDS:
        scale = 1.0 if world == "teaching" else COMPARE_SCALE
    build_world(world, scale)  # cheap; names a bad world or scale before any worker starts
    loaded = _unique_scenarios(scenarios)
    seeds = replication_seeds(seed, replications)
    # seed-major, so that consecutive runs share a seed and a worker reuses its spin-up
    tasks = [(sc, world, scale, years, s) for s in seeds for sc in loaded]
    by_seed = run_tasks(tasks, workers)
    n_sc = len(loaded)
    rows = [by_seed[k * n_sc + i] for i in range(n_sc) for k in range(replications)]
    finals = {
        sc.name: pd.DataFrame(rows[i * replications : (i + 1) * replications]).rename_axis(
            "replication"
        )
        for i, sc in enumerate(loaded)
    }
    return summarise(finals, full_staff=build_world(world, scale).full_staff)


# --------------------------------------------------------------------------- formatting


def decimals_for(values: Iterable[float | None]) -> int:
    """Decimals that show about three significant digits of the largest value."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if top == 0:
        return 2
    return int(min(4, max(1, 2 - math.floor(math.log10(top)))))


def format_interval(entry: Mapping[str, float | None], decimals: int, sign: bool = False) -> str:
    """`mean [ci_low, ci_high]` with `decimals` decimals (`+` on positive values if `sign`)."""

    def fmt(v: float | None) -> str:
        if v is None:
            return "n/a"
        return f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"

    return f"{fmt(entry['mean'])} [{fmt(entry['ci_low'])}, {fmt(entry['ci_high'])}]"


def format_summary(summary: Mapping[str, Any], header: str = "") -> str:
    """A plain-text table: per output, one line per scenario with mean [95 % CI], the paired
    difference to the reference (`*` when its CI excludes zero), P(difference > 0) and the middle
    90 % of the paired differences; then the share of runs that tipped per scenario."""
    scenarios = summary["scenarios"]
    names = list(scenarios)
    outputs = list(scenarios[names[0]])
    width = max(len(n) for n in names) + 2
    lines = [header] if header else []
    lines.append(
        f"Final-year mean [95 % CI]; difference = scenario − {names[0]}, "
        "paired run by run (same seeds; * = CI excludes 0); P(>0) = share of pairs with a "
        "positive difference"
    )
    for output in outputs:
        entries = [scenarios[n][output] for n in names]
        diffs = [summary["differences"].get(n, {}).get(output) for n in names]
        dec = decimals_for(v for e in entries + [d for d in diffs if d] for v in e.values())
        texts = [format_interval(e, dec) for e in entries]
        column = max(len(t) for t in texts) + 2
        lines.append("")
        lines.append(output)
        for name, text_mean, diff in zip(names, texts, diffs):
            text = f"  {name:<{width}}{text_mean:<{column}}"
            if diff is None:
                text += "  (reference)"
            else:
                star = " *" if excludes_zero(diff) else ""
                text += f"  diff {format_interval(diff, dec, sign=True)}{star}"
                spread = summary.get("spread", {}).get(name, {}).get(output)
                if spread and spread["p_positive"] is not None:
                    text += (f"  P(>0) {spread['p_positive']:.2f}, 90 % of pairs "
                             f"[{spread['q05']:+.{dec}f}, {spread['q95']:+.{dec}f}]")
            lines.append(text.rstrip())
    if summary.get("tipped"):
        lines.append("")
        lines.append(f"trust state = final-year {TIP_OUTPUT} > {TIP_LEVEL}: share of runs in it; "
                     f"P(tips) = share of pairs where {names[0]} ends outside it and the scenario "
                     "inside")
        for name in names:
            tips = summary.get("tips", {}).get(name)
            extra = f"  P(tips) {tips:.2f}" if tips is not None else ""
            lines.append(f"  {name:<{width}}in trust state {summary['tipped'][name]:.2f}{extra}")
    per_msek = {n: e for n, e in summary.get("per_msek", {}).items() if e is not None}
    if per_msek:
        lines.append("")
        lines.append(f"extra innovations per MSEK of programme cost (national, over the paired "
                     f"{names[0]}) [95 % CI]")
        dec = decimals_for(v for e in per_msek.values() for v in e.values())
        for name, entry in per_msek.items():
            lines.append(f"  {name:<{width}}{format_interval(entry, dec)}")
    return "\n".join(lines)


def excludes_zero(entry: Mapping[str, float | None]) -> bool:
    low, high = entry["ci_low"], entry["ci_high"]
    return low is not None and high is not None and (low > 0 or high < 0)


def summary_json(summary: Mapping[str, Any]) -> str:
    """The summary as strict JSON (no NaN)."""
    return json.dumps(summary, indent=2, allow_nan=False)


# --------------------------------------------------------------------------- results folders


@dataclass(frozen=True)
class Results:
    """A loaded results folder: its manifest, all quarterly rows of finished runs (`runs`) and
    one row per finished run with the final-period means (`finals`)."""

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    finals: pd.DataFrame

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in manifest order; the first is the reference."""
        return list(self.manifest["scenarios"])

    @property
    def design(self) -> dict[str, Any]:
        return self.manifest["design"]

    @property
    def parameters(self) -> list[str]:
        return list(self.design.get("parameters") or [])

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(RUN_STATUSES, 0)
        for entry in self.manifest["runs"].values():
            counts[entry["status"]] += 1
        return counts

    def failed_runs(self) -> list[str]:
        return [rid for rid, e in self.manifest["runs"].items() if e["status"] == "failed"]


def _require(cond: bool, where: Path, message: str) -> None:
    if not cond:
        raise ResultsError(f"{where}: {message}")


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check `DIR/manifest.json` (the keys the analysis needs)."""
    folder = Path(path)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "folder not found"
        raise ResultsError(f"{folder}: {what}; give the results folder written by `trustsim sweep`")
    mpath = folder / "manifest.json"
    _require(mpath.is_file(), mpath, "not found; is this a results folder of `trustsim sweep`?")
    try:
        manifest = storage.manifest_json(folder)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(
            f"{mpath}: not valid JSON ({exc}); rerun the sweep to rewrite it"
        ) from None
    except OSError as exc:
        raise ResultsError(f"{mpath}: cannot read ({exc.strerror})") from None
    _check_manifest(mpath, manifest)
    return manifest


def _check_manifest(mpath: Path, m: Any) -> None:
    _require(isinstance(m, dict), mpath, "must hold a JSON object")
    for key in ("scenarios", "design", "runs", "replications"):
        _require(key in m, mpath, f"key {key!r} is missing")
    sc = m["scenarios"]
    _require(
        isinstance(sc, list)
        and sc
        and all(isinstance(s, str) for s in sc)
        and len(set(sc)) == len(sc),
        mpath,
        f"key 'scenarios' must be a non-empty list of distinct names, got {sc!r}",
    )
    design = m["design"]
    _require(isinstance(design, dict), mpath, "key 'design' must be an object")
    kind = design.get("kind")
    _require(kind in DESIGN_KINDS, mpath, f"key design.kind is {kind!r}; allowed: {DESIGN_KINDS}")
    params = design.get("parameters") or []
    _require(
        isinstance(params, list) and all(isinstance(p, str) for p in params),
        mpath,
        "key design.parameters must be a list of parameter names",
    )
    if kind == "morris":
        bounds = design.get("bounds")
        _require(
            isinstance(bounds, list) and len(bounds) == len(params),
            mpath,
            "key design.bounds must hold one [low, high] per parameter for a Morris design",
        )
        levels = design.get("num_levels")
        _require(
            isinstance(levels, int) and levels >= 2,
            mpath,
            f"key design.num_levels must be an integer >= 2 for a Morris design, got {levels!r}",
        )
    _require(isinstance(m["runs"], dict), mpath, "key 'runs' must be an object of run id -> entry")
    for rid, entry in m["runs"].items():
        _require(isinstance(entry, dict), mpath, f"key runs.{rid} must be an object")
        status = entry.get("status")
        _require(
            status in RUN_STATUSES,
            mpath,
            f"key runs.{rid}.status is {status!r}; allowed: {RUN_STATUSES}",
        )
        _require(
            entry.get("scenario") in sc,
            mpath,
            f"key runs.{rid}.scenario is {entry.get('scenario')!r}; allowed: {sc}",
        )
        for key in ("point", "replication"):
            _require(
                isinstance(entry.get(key), int), mpath, f"key runs.{rid}.{key} must be an integer"
            )


def _read_shards(folder: Path, run_ids: list[str], digests: Mapping[str, str | None]
                 ) -> pd.DataFrame:
    """All quarterly rows of the given runs, one parquet shard each (the bad shard is named); a
    shard whose sha256 differs from the manifest's was changed after the sweep and is refused."""
    tables = []
    for rid in run_ids:
        shard = folder / "runs" / f"{rid}.parquet"
        _require(
            shard.is_file(),
            shard,
            "missing although the manifest marks the run done; rerun the sweep to resume it",
        )
        try:
            tables.append(pq.read_table(shard))
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ResultsError(
                f"{shard}: cannot read parquet shard ({exc}); delete it and rerun "
                "the sweep to resume"
            ) from None
        try:
            storage.check_shard(folder, rid, digests.get(rid))
        except storage.ShardChanged as exc:
            raise ResultsError(str(exc)) from None
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except (ValueError, pa.ArrowException) as exc:
        raise ResultsError(f"{folder / 'runs'}: shards have incompatible columns ({exc})") from None
    return table.to_pandas()


def _finals_from_runs(runs: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """One row per run: key columns, `p.<name>` values and final-period means of the outputs."""
    runs = runs.sort_values(["run_id", "quarter"])
    cols = list(OUTPUTS)
    last = runs.groupby("run_id", sort=False).tail(FINAL_QUARTERS)
    means = last.groupby("run_id", sort=False)[cols].mean()
    keys = ["scenario", "point", "replication", "seed"] + [f"p.{p}" for p in parameters]
    first = runs.groupby("run_id", sort=False)[keys].first()
    return first.join(means).reset_index()


def load_results(path: str | os.PathLike) -> Results:
    """Load a results folder (manifest + shards of finished runs); ResultsError if unusable."""
    folder = Path(path)
    manifest = read_manifest(folder)
    done = [rid for rid, e in manifest["runs"].items() if e["status"] == "done"]
    _require(
        bool(done),
        folder / "manifest.json",
        "no run has status 'done'; run or resume the sweep first",
    )
    runs = _read_shards(folder, done, {rid: manifest["runs"][rid].get("sha256") for rid in done})
    parameters = manifest["design"].get("parameters") or []
    needed = list(KEY_COLUMNS) + list(OUTPUTS) + [f"p.{p}" for p in parameters]
    missing = [c for c in needed if c not in runs.columns]
    _require(not missing, folder / "runs", f"shards lack columns {missing}")
    short = runs.groupby("run_id")["quarter"].size()
    _require(
        bool((short >= FINAL_QUARTERS).all()),
        folder / "runs",
        f"runs {list(short[short < FINAL_QUARTERS].index)[:5]} have fewer than "
        f"{FINAL_QUARTERS} quarters; a final year needs at least {FINAL_QUARTERS}",
    )
    return Results(folder, manifest, runs, _finals_from_runs(runs, parameters))


def results_summary(results: Results, outputs: Sequence[str] = OUTPUTS) -> dict:
    """`summarise` over a folder: means over all finished runs of each scenario (all design
    points and replications); differences paired by (point, replication)."""
    finals = {
        name: results.finals[results.finals["scenario"] == name].set_index(["point", "replication"])
        for name in results.scenarios
        if (results.finals["scenario"] == name).any()
    }
    _require(
        results.scenarios[0] in finals,
        results.path / "manifest.json",
        f"the reference scenario {results.scenarios[0]!r} has no finished run",
    )
    world = results.manifest.get("world")
    full_staff = build_world(world, default_scale(world)).full_staff if world in WORLDS else None
    return summarise(finals, outputs, full_staff=full_staff)


def describe(manifest: Mapping[str, Any]) -> str:
    """One line naming the experiment and its settings."""
    design = manifest.get("design", {})
    return (
        f"{manifest.get('experiment', '?')}: {manifest.get('world', '?')} world, "
        f"scale {manifest.get('scale', '?')}, {manifest.get('years', '?')} years, "
        f"{manifest.get('replications', '?')} replications, design {design.get('kind', '?')} "
        f"with {design.get('points', '?')} points, root seed {manifest.get('root_seed', '?')}"
    )


def comparison_table(results_dir: str | os.PathLike) -> str:
    """The plain-text comparison table of a results folder (for the terminal)."""
    results = load_results(results_dir)
    return format_summary(results_summary(results), header=describe(results.manifest))


# --------------------------------------------------------------------------- curves


def interval_frame(groups: pd.api.typing.SeriesGroupBy) -> pd.DataFrame:
    """Per group: mean, t-based 95 % CI bounds and n (vectorised `t_interval`)."""
    agg = groups.agg(["mean", "std", "count"])
    dof = (agg["count"] - 1).where(agg["count"] > 1)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, dof) * agg["std"] / np.sqrt(agg["count"])
    return pd.DataFrame(
        {
            "mean": agg["mean"],
            "ci_low": agg["mean"] - half,
            "ci_high": agg["mean"] + half,
            "n": agg["count"],
        }
    )


def time_series(results: Results, output: str) -> pd.DataFrame:
    """Per scenario and quarter: mean of `output` across runs with its 95 % CI (columns
    scenario, quarter, year, mean, ci_low, ci_high, n)."""
    runs = results.runs
    out = interval_frame(runs.groupby(["scenario", "quarter"])[output]).reset_index()
    years = runs.groupby("quarter")["year"].first()
    out["year"] = out["quarter"].map(years)
    return out


CONTINUOUS_DESIGNS = ("lhs", "sobol")  # samples of these are binned for curves
MAX_LEVELS = 12  # ... when they have more distinct values than this


def curve(results: Results, parameter: str, output: str, bins: int = 10) -> pd.DataFrame:
    """Final-period `output` against swept `parameter`, per scenario, averaged over everything
    else (other parameters and replications) with a 95 % CI. Grid and Morris levels are used as
    they are; continuous samples (LHS, Sobol) are put in `bins` equal-width bins, x = bin centre.
    Columns: scenario, x, mean, ci_low, ci_high, n."""
    finals = results.finals.copy()
    column = f"p.{parameter}"
    x = finals[column].astype(float)
    if results.design["kind"] in CONTINUOUS_DESIGNS and x.nunique() > MAX_LEVELS:
        edges = np.linspace(x.min(), x.max(), bins + 1)
        index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
        x = pd.Series((edges[index] + edges[index + 1]) / 2, index=finals.index)
    finals["x"] = x
    out = interval_frame(finals.groupby(["scenario", "x"])[output]).reset_index()
    order = {name: i for i, name in enumerate(results.scenarios)}
    return out.sort_values(
        ["scenario", "x"], key=lambda s: s.map(order) if s.name == "scenario" else s
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- Morris


def morris_problem(design: Mapping[str, Any]) -> dict[str, Any]:
    """The SALib problem dict of a Morris design."""
    names = list(design["parameters"])
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[float(lo), float(hi)] for lo, hi in design["bounds"]],
    }


def morris_inputs(results: Results, scenario: str, output: str) -> tuple[np.ndarray, np.ndarray]:
    """X (one row per design point, in SALib's order, from the manifest `values`) and Y (mean over
    finished replications of the final-period `output`) for one scenario."""
    design = results.design
    names = list(design["parameters"])
    points = int(design.get("points") or 0)
    values: dict[int, list[float]] = {}
    for rid, entry in results.manifest["runs"].items():
        if entry["scenario"] == scenario:
            vals = entry.get("values") or {}
            missing = [n for n in names if n not in vals]
            _require(
                not missing,
                results.path / "manifest.json",
                f"key runs.{rid}.values lacks {missing}",
            )
            values.setdefault(entry["point"], [float(vals[n]) for n in names])
    fin = results.finals[results.finals["scenario"] == scenario]
    y = fin.groupby("point")[output].mean()
    lacking = [p for p in range(points) if p not in y.index or p not in values]
    if lacking:
        raise ResultsError(
            f"{results.path}: scenario {scenario!r} has no finished run at design points "
            f"{lacking[:10]}{' …' if len(lacking) > 10 else ''}; Morris needs every point "
            "(resume the sweep)"
        )
    x = np.array([values[p] for p in range(points)], dtype=float)
    return x, y.loc[list(range(points))].to_numpy(dtype=float)


def morris_indices(results: Results, scenario: str, output: str) -> pd.DataFrame:
    """Morris elementary effects (SALib) for one scenario and output: columns parameter, mu,
    mu_star, mu_star_conf, sigma; sorted by mu_star, largest first."""
    from SALib.analyze import morris

    x, y = morris_inputs(results, scenario, output)
    design = results.design
    seed = results.manifest.get("root_seed")
    res = morris.analyze(
        morris_problem(design),
        x,
        y,
        num_levels=int(design["num_levels"]),
        print_to_console=False,
        seed=seed if isinstance(seed, int) else 0,
    )
    frame = pd.DataFrame(
        {
            "parameter": list(res["names"]),
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )
    return frame.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def morris_all(
    results: Results, outputs: Sequence[str] = MORRIS_OUTPUTS
) -> tuple[dict[tuple[str, str], pd.DataFrame], list[str]]:
    """Morris indices per (scenario, output), and the reasons for scenarios that were skipped
    (a design point without any finished run)."""
    out: dict[tuple[str, str], pd.DataFrame] = {}
    skipped: list[str] = []
    for scenario in results.scenarios:
        try:
            for output in outputs:
                out[(scenario, output)] = morris_indices(results, scenario, output)
        except ResultsError as exc:
            skipped.append(str(exc))
    return out, skipped


# --------------------------------------------------------------------------- robustness


def point_differences(results: Results, scenario: str, output: str) -> pd.DataFrame:
    """Per design point: the paired difference scenario − reference of `output` over the
    replications (columns point, mean, ci_low, ci_high, n)."""
    finals = results.finals.set_index(["scenario", "point", "replication"])[output]
    ref = finals.xs(results.scenarios[0], level="scenario")
    other = finals.xs(scenario, level="scenario")
    diff = (other - ref.reindex(other.index)).dropna()
    return interval_frame(diff.groupby(level="point")).reset_index()


def sign_robustness(results: Results, scenario: str, output: str) -> dict[str, Any]:
    """Does the sign of scenario − reference hold across the design points (the uncertainty range)?

    Returns overall (an Interval), points, same_sign (points whose mean difference has the overall
    sign), significant_same / significant_opposite (points whose CI excludes 0 with that sign).
    """
    per_point = point_differences(results, scenario, output)
    finals = results.finals.set_index(["scenario", "point", "replication"])[output]
    ref = finals.xs(results.scenarios[0], level="scenario")
    other = finals.xs(scenario, level="scenario")
    keys = ref.index.intersection(other.index)
    overall = paired_difference(ref.loc[keys], other.loc[keys])
    sign = np.sign(overall.mean)
    means = np.sign(per_point["mean"].to_numpy())
    low, high = per_point["ci_low"].to_numpy(), per_point["ci_high"].to_numpy()
    significant = (low > 0) | (high < 0)
    return {
        "overall": overall,
        "points": len(per_point),
        "same_sign": int((means == sign).sum()) if sign != 0 else 0,
        "significant_same": int((significant & (means == sign)).sum()),
        "significant_opposite": int((significant & (means == -sign)).sum()),
    }


def _ranking_text(frame: pd.DataFrame, top: int = 3) -> str:
    return " > ".join(frame["parameter"].head(top))


def morris_conclusions(morris: Mapping[tuple[str, str], pd.DataFrame]) -> list[str]:
    """Plain-language statements on what the Morris screening supports robustly."""
    lines = []
    outputs = list(dict.fromkeys(o for _, o in morris))
    scenarios = list(dict.fromkeys(s for s, _ in morris))
    for output in outputs:
        tops = {s: morris[(s, output)] for s in scenarios if (s, output) in morris}
        leaders = {s: f["parameter"].iloc[0] for s, f in tops.items() if len(f)}
        if len(set(leaders.values())) == 1:
            lead = next(iter(leaders.values()))
            lines.append(
                f"**{output}**: `{lead}` has the largest μ* in every scenario "
                f"({len(leaders)} of {len(leaders)})."
            )
        else:
            parts = ", ".join(f"`{p}` in {s}" for s, p in leaders.items())
            lines.append(
                f"**{output}**: the most influential parameter depends on the scenario "
                f"({parts}); the ranking is not robust across scenarios."
            )
        for scenario, frame in tops.items():
            if len(frame) < 2:
                continue
            first, second = frame.iloc[0], frame.iloc[1]
            separated = (
                first["mu_star"] - first["mu_star_conf"]
                > second["mu_star"] + second["mu_star_conf"]
            )
            note = (
                "clearly ahead of the next (95 % bootstrap intervals do not overlap)"
                if separated
                else f"not separable from `{second['parameter']}` at 95 %"
            )
            nonlinear = frame[(frame["sigma"] > frame["mu_star"]) & (frame["mu_star"] > 0)]
            inter = (
                f"; σ > μ* (non-linear or interacting) for "
                f"{', '.join(f'`{p}`' for p in nonlinear['parameter'].head(3))}"
                if len(nonlinear)
                else ""
            )
            lines.append(
                f"  - {scenario}: ranking by μ* {_ranking_text(frame)}; the first is {note}{inter}."
            )
    return lines


def sign_verdict(r: Mapping[str, Any]) -> str:
    """Plain words for a `sign_robustness` result."""
    n, same, opposite = r["points"], r["same_sign"], r["significant_opposite"]
    if r["overall"].mean == 0:
        return "no difference on average"
    if same == n:
        return (
            f"the same sign at all {n} design points (CI excludes 0 at {r['significant_same']}): "
            "robust across the uncertainty range"
        )
    if opposite == 0:
        return (
            f"the same sign at {same} of {n} design points, and none of the {n - same} exceptions "
            "is significant: the sign holds as far as these replications can tell"
        )
    return (
        f"the opposite sign, significantly, at {opposite} of {n} design points: the direction "
        "depends on the uncertain parameters (not robust)"
    )


def sign_conclusions(results: Results, outputs: Sequence[str] = MORRIS_OUTPUTS) -> list[str]:
    """Statements on whether each scenario's paired difference keeps its sign at every point."""
    lines = []
    reference = results.scenarios[0]
    present = set(results.finals["scenario"])
    for scenario in results.scenarios[1:]:
        if scenario not in present:
            continue
        for output in outputs:
            r = sign_robustness(results, scenario, output)
            o: Interval = r["overall"]
            dec = decimals_for([o.mean, o.ci_low, o.ci_high])
            overall = format_interval(o.as_dict(), dec, sign=True)
            verdict = sign_verdict(r)
            lines.append(f"{scenario} − {reference}, {output}: {overall}; {verdict}.")
    return lines
