"""The channel decomposition: how much of a reform's effect goes through which channel
(issue 21; method in docs/channels.md).

A channel is *off* when its input is held at the spun-up baseline's value at quarter 0, when the
levers switch on (`TrustModel(channels_off=...)`, `trustsim.model.CHANNELS`): the reform's change
cannot pass through it, everything else runs as usual with the same seed (common random numbers).
For a reform R and the reference (baseline-control), replication k, a set S of channels off:

    Δ_k(S)  = Y_k(R, S off) - Y_k(reference, S off)        (the reform's effect with S closed)
    v_k(S)  = Δ_k(∅) - Δ_k(S)                               (the part of the effect S carries)

Y is an output's final-year mean. Within a channel group (`CHANNEL_GROUPS`) of at most
`SHAPLEY_MAX` channels each channel's part is its exact Shapley value over the group's subsets
(order-free; the parts add up to v(group)); in a larger group (orientation, six channels) it is
the one-at-a-time knock-out v({c}), and the group's `interaction` v(group) - Σ v({c}) says how far
the channels overlap (negative) or need each other (positive). A share is a part over the mean
effect, mean_k v_k / mean_k Δ_k(∅), with a bootstrap interval over the replications.

Groups are different cuts through the model, not parts of one sum: the support group's
orientation channel feeds the orientation group's six channels. Read shares within a group.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .results import final_period_means, t_interval
from ..model.model import CHANNEL_GROUPS, CHANNELS, OUTPUTS, TrustModel, check_channels
from ..model.params import ParameterError
from ..model.runner import check_years
from ..model.scenarios import Scenario, list_scenario_names, load_scenario
from ..model.worlds import build_world

CHANNEL_OUTPUTS = ("innovation_rate", "experimentation_culture", "incident_rate")
REFERENCE = "baseline-control"
SHAPLEY_MAX = 3  # groups up to this size get exact Shapley values (2^n knock-out sets)
BOOTSTRAP = 2000  # resamples of the replications for the shares' intervals
BOOTSTRAP_SEED = 20261205  # fixed: the same runs give the same intervals
CHANNELS_FILE = "channels.json"  # in a results folder, read by `trustsim report`
# The shipped decomposition `trustsim report` falls back on (docs/channels.md says how it was made)
SHIPPED_FILE = Path(__file__).resolve().parent / "data" / CHANNELS_FILE
# Defaults of `trustsim channels` (and of the shipped table): state 1:50, 10 years
DEFAULTS = {"world": "state", "scale": 0.02, "years": 10, "replications": 10, "seed": 0}


def knockout_sets(groups: Mapping[str, Sequence[str]] = CHANNEL_GROUPS) -> list[frozenset[str]]:
    """Every set of channels to switch off: each channel alone, each group whole, for groups of
    at most SHAPLEY_MAX channels every subset (for the Shapley values), and every channel at once
    (what passes through none of them). The empty set first."""
    sets: list[frozenset[str]] = [frozenset()]
    for members in groups.values():
        n = len(members)
        sizes = range(1, n + 1) if n <= SHAPLEY_MAX else (1, n)
        for size in sizes:
            for combo in itertools.combinations(members, size):
                s = frozenset(combo)
                if s not in sets:
                    sets.append(s)
    every = frozenset(c for members in groups.values() for c in members)
    if every not in sets:
        sets.append(every)
    return sets


def label(channels: frozenset[str]) -> str:
    """`free_time+money` (channels in CHANNELS order); `none` for the empty set."""
    return "+".join(c for c in CHANNELS if c in channels) or "none"


def shapley(values: Mapping[frozenset[str], float], members: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of `members` for the set function `values` (v(∅) = 0 if absent):
    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n - |S| - 1)! / n! · (v(S ∪ {i}) - v(S)). They add up to v(N)."""
    n = len(members)
    out = {}
    for i in members:
        rest = [m for m in members if m != i]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for combo in itertools.combinations(rest, size):
                s = frozenset(combo)
                total += weight * (values[s | {i}] - values.get(s, 0.0))
        out[i] = total
    return out


def _final_of_run(task: tuple[Scenario, str, float, int, int, frozenset[str]]) -> dict[str, float]:
    """Worker: one (scenario, seed, channels off) run's final-year output means."""
    scenario, world, scale, years, seed, off = task
    model = TrustModel(world=world, scale=scale, rng=seed, params=scenario.params, channels_off=off)
    for _ in range(4 * years):
        model.step()
    return {k: float(v) for k, v in final_period_means(model.outputs(), OUTPUTS).items()}


def _run_all(tasks: list, workers: int) -> list[dict[str, float]]:
    if workers <= 1 or len(tasks) <= 1:
        return [_final_of_run(t) for t in tasks]
    from ..sweep.executor import open_executor

    workers = min(workers, len(tasks))
    chunk = max(1, math.ceil(len(tasks) / (4 * workers)))
    with open_executor(None, workers) as (executor, _):
        return list(executor.map(_final_of_run, tasks, chunksize=chunk))


def check_scenarios(
    scenarios: Sequence[str | os.PathLike | Scenario], reference: str | os.PathLike | Scenario
) -> tuple[Scenario, list[Scenario]]:
    """The reference and the reforms (every shipped scenario but the reference if none given)."""
    ref = load_scenario(reference)
    names = list(scenarios) or [n for n in list_scenario_names() if n != ref.name]
    reforms = [load_scenario(s) for s in names]
    seen = {ref.name}
    for sc in reforms:
        if sc.name in seen:
            raise ParameterError(
                f"scenario {sc.name!r} is given twice or is the reference; give each reform "
                f"once (the reference is {ref.name!r}, set with --reference)"
            )
        seen.add(sc.name)
    return ref, reforms


def decompose(
    scenarios: Sequence[str | os.PathLike | Scenario] = (),
    *,
    reference: str | os.PathLike | Scenario = REFERENCE,
    world: str = DEFAULTS["world"],
    scale: float = DEFAULTS["scale"],
    years: int = DEFAULTS["years"],
    replications: int = DEFAULTS["replications"],
    seed: int = DEFAULTS["seed"],
    workers: int = 1,
    outputs: Sequence[str] = CHANNEL_OUTPUTS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every reform and the reference with every knock-out set, `replications` seeds each
    (paired), and return the decomposition (`attribute`) with the settings and the runtime."""
    from ..sweep.runs import replication_seeds

    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise ParameterError(
            f"replications {replications!r} is not allowed; allowed is an integer >= 2 "
            "(an interval needs at least two runs)"
        )
    check_years(years)
    build_world(world, scale)  # names a bad world or scale before anything runs
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise ParameterError(f"unknown output(s) {unknown}; allowed are: {', '.join(OUTPUTS)}")
    ref, reforms = check_scenarios(scenarios, reference)
    everyone = [ref, *reforms]
    sets = knockout_sets()
    seeds = replication_seeds(seed, replications)
    # seed-major, so that a worker's consecutive runs share a seed and reuse its spin-up
    tasks = [(sc, world, scale, years, s, off) for s in seeds for sc in everyone for off in sets]
    if progress:
        progress(f"{len(tasks)} runs ({len(everyone)} scenarios × {len(sets)} knock-out sets × "
                 f"{replications} replications)")
    start = time.perf_counter()
    finals = _run_all(tasks, workers)
    seconds = time.perf_counter() - start
    per = len(everyone) * len(sets)
    table: dict[str, dict[frozenset[str], pd.DataFrame]] = {sc.name: {} for sc in everyone}
    for i, sc in enumerate(everyone):
        for j, off in enumerate(sets):
            rows = [finals[k * per + i * len(sets) + j] for k in range(replications)]
            table[sc.name][off] = pd.DataFrame(rows)[list(outputs)]
    result = attribute(table, ref.name, outputs)
    result["settings"] = {
        "world": world, "scale": scale, "years": years, "replications": replications,
        "seed": seed, "reference": ref.name, "trustsim_version": __version__,
        "runs": len(tasks), "seconds": round(seconds, 1), "workers": workers,
        "command": command_line([] if not scenarios else reforms, ref.name, world, scale, years,
                                replications, seed),
    }
    return result


def command_line(reforms, reference, world, scale, years, replications, seed) -> str:
    names = "".join(f" {sc.name}" for sc in reforms)  # none: every shipped package
    ref = f" --reference {reference}" if reference != REFERENCE else ""
    return (f"trustsim channels{names}{ref} --world {world} --scale {scale:g} --years {years} "
            f"--replications {replications} --seed {seed}")


def _share_interval(part: np.ndarray, effect: np.ndarray, rng: np.random.Generator) -> dict:
    """mean(part) / mean(effect) with a percentile bootstrap interval over the replications."""
    n = len(effect)
    mean_effect = float(effect.mean())
    share = float(part.mean()) / mean_effect if mean_effect else None
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    num, den = part[idx].mean(axis=1), effect[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = num / den
    ratios = ratios[np.isfinite(ratios)]
    low, high = (np.quantile(ratios, [0.025, 0.975]) if len(ratios) else (np.nan, np.nan))
    return {"share": share, "ci_low": _num(low), "ci_high": _num(high)}


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def attribute(
    table: Mapping[str, Mapping[frozenset[str], pd.DataFrame]],
    reference: str,
    outputs: Sequence[str] = CHANNEL_OUTPUTS,
    groups: Mapping[str, Sequence[str]] = CHANNEL_GROUPS,
) -> dict[str, Any]:
    """The decomposition from the runs: `table[scenario][channels off]` is a frame with one row per
    replication (the same seeds in the same order everywhere) and one column per output.

    Returns {"packages": {R: {output: {"effect": interval, "groups": {g: {"method", "whole",
    "interaction", "channels": {c: {"part", "share", "ci_low", "ci_high"}}}}}}}}."""
    ref = table[reference]
    packages: dict[str, Any] = {}
    for name, runs in table.items():
        if name == reference:
            continue
        packages[name] = {}
        for output in outputs:
            effect = {s: (runs[s][output] - ref[s][output]).to_numpy(float) for s in runs}
            full = effect[frozenset()]
            parts = {s: full - effect[s] for s in effect if s}  # per replication v_k(S)
            rng = np.random.default_rng(BOOTSTRAP_SEED)
            entry = {"effect": t_interval(full).as_dict(), "groups": {}}
            every = frozenset(c for members in groups.values() for c in members)
            if every in effect:  # the effect left with every channel off: through none of them
                entry["direct"] = {"part": float(effect[every].mean()),
                                   **_share_interval(effect[every], full, rng)}
            for group, members in groups.items():
                whole = frozenset(members)
                exact = len(members) <= SHAPLEY_MAX
                if exact:  # Shapley per replication (linear, so its mean is the mean's Shapley)
                    per_rep = [shapley({s: v[k] for s, v in parts.items()}, members)
                               for k in range(len(full))]
                    channel_parts = {c: np.array([r[c] for r in per_rep]) for c in members}
                else:
                    channel_parts = {c: parts[frozenset({c})] for c in members}
                channels = {}
                for c in members:
                    channels[c] = {"part": float(channel_parts[c].mean()),
                                   **_share_interval(channel_parts[c], full, rng)}
                whole_share = _share_interval(parts[whole], full, rng)
                summed = sum(channel_parts[c] for c in members)
                entry["groups"][group] = {
                    "method": "shapley" if exact else "knock-out",
                    "whole": {"part": float(parts[whole].mean()), **whole_share},
                    "interaction": (None if not full.mean() else
                                    float((parts[whole] - summed).mean() / full.mean())),
                    "channels": channels,
                }
            packages[name][output] = entry
    return {"packages": packages, "outputs": list(outputs), "groups": {
        g: list(m) for g, m in groups.items()}}


# --------------------------------------------------------------------------- files and text


def save(result: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the decomposition as JSON (a folder gets `channels.json` inside it)."""
    path = Path(path)
    if path.is_dir():
        path = path / CHANNELS_FILE
    path.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a decomposition written by `save` (a ParameterError names a bad file)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read the channel decomposition {path}: {exc}") from None
    if not isinstance(data, dict) or "packages" not in data or "settings" not in data:
        raise ParameterError(
            f"{path} is not a channel decomposition; write one with `trustsim channels --out`"
        )
    return data


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}"


def _cell(entry: Mapping[str, Any]) -> str:
    """`42 [30, 55]` (per cent)."""
    if entry.get("share") is None:
        return "n/a"
    if entry.get("ci_low") is None:
        return _pct(entry["share"])
    return f"{_pct(entry['share'])} [{_pct(entry['ci_low'])}, {_pct(entry['ci_high'])}]"


def effect_is_clear(effect: Mapping[str, float | None]) -> bool:
    """The reform's effect interval excludes 0: only then are shares of it meaningful."""
    low, high = effect.get("ci_low"), effect.get("ci_high")
    return low is not None and high is not None and (low > 0 or high < 0)


def markdown_lines(
    result: Mapping[str, Any], packages: Sequence[str] | None = None, heading: str = "###"
) -> list[str]:
    """Markdown: per output, one table (rows = channels by group, columns = packages, cells =
    share of the package's effect in per cent with the bootstrap 95 % interval)."""
    s = result["settings"]
    names = [n for n in (packages or result["packages"]) if n in result["packages"]]
    lines = [
        (f"Share of each reform's effect (vs {s['reference']}) that goes through each channel, "
         f"in per cent with a bootstrap 95 % interval over the replications; world {s['world']}, "
         f"scale {s['scale']:g}, {s['years']} years, {s['replications']} replications, seed "
         f"{s['seed']} (trustsim {s['trustsim_version']}; `{s['command']}`). A channel is off "
         "when its input is held at the spun-up baseline's value; its share is the part of the "
         "effect that disappears then. Slack, support and steering: exact Shapley values within "
         "the group, which add up to the group's *all*; orientation: one at a time, *overlap* = "
         "all minus their sum. *Through no channel*: the effect left with all fifteen off (the "
         "programme levers' own mechanisms: dispensation, funding, RUM, method support, "
         "training). Groups are different cuts through the model (support acts through "
         "orientation): compare shares within a group. –: the effect's interval includes 0, so "
         "shares of it mean nothing. Method: docs/channels.md."),
        "",
    ]
    for output in result["outputs"]:
        entries = {n: result["packages"][n][output] for n in names}
        lines += [f"{heading} By channel: {output}", ""]
        lines += ["| channel | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        effects = []
        for n in names:
            eff = entries[n]["effect"]
            dec = 3 if max(abs(eff["ci_low"]), abs(eff["ci_high"])) < 1 else 1
            effects.append(f"{eff['mean']:+.{dec}f} [{eff['ci_low']:+.{dec}f}, "
                           f"{eff['ci_high']:+.{dec}f}]")
        lines.append("| **effect** | " + " | ".join(effects) + " |")
        clear = {n: effect_is_clear(entries[n]["effect"]) for n in names}
        if all("direct" in entries[n] for n in names):
            cells = [_cell(entries[n]["direct"]) if clear[n] else "–" for n in names]
            lines.append("| **through no channel** | " + " | ".join(cells) + " |")
        for g, members in result["groups"].items():
            rows = [(f"{g}: {c}", lambda ge, c=c: _cell(ge["channels"][c])) for c in members]
            if len(members) > 1:
                rows.append((f"**{g}: all**", lambda ge: _cell(ge["whole"])))
            if g == "orientation":
                rows.append((f"{g}: overlap", lambda ge: _pct(ge["interaction"])))
            for title, cell in rows:
                cells = [cell(entries[n]["groups"][g]) if clear[n] else "–" for n in names]
                lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def format_text(result: Mapping[str, Any]) -> str:
    """Plain text for the terminal: per package and output, each group's channel shares."""
    s = result["settings"]
    out = [
        (f"channel decomposition vs {s['reference']}: world {s['world']}, scale "
         f"{s['scale']:g}, {s['years']} years, {s['replications']} replications, seed "
         f"{s['seed']} ({s['runs']} runs, {s['seconds']:.0f} s)"),
        "shares in per cent of the effect, bootstrap 95 % interval; '-' = effect not clear of 0",
    ]
    for name, by_output in result["packages"].items():
        out.append("")
        out.append(name)
        for output, entry in by_output.items():
            eff = entry["effect"]
            out.append(f"  {output}: effect {eff['mean']:+.4g} "
                       f"[{eff['ci_low']:+.4g}, {eff['ci_high']:+.4g}]")
            if not effect_is_clear(eff):
                continue
            if "direct" in entry:
                out.append(f"    through no channel: {_cell(entry['direct'])}")
            for g, ge in entry["groups"].items():
                parts = ", ".join(f"{c} {_cell(v)}" for c, v in ge["channels"].items())
                extra = (f"; overlap {_pct(ge['interaction'])}" if ge["method"] == "knock-out"
                         else "")
                out.append(f"    {g:<11} all {_cell(ge['whole'])}: {parts}{extra}")
    return "\n".join(out)


def for_report(results_dir: str | os.PathLike, scenarios: Sequence[str]) -> tuple[dict | None, str]:
    """The decomposition `trustsim report` shows: RESULTS_DIR/channels.json if there is one, else
    the shipped one (trustsim/analysis/data/channels.json); with where it came from."""
    own = Path(results_dir) / CHANNELS_FILE
    if own.is_file():
        return load(own), f"`{CHANNELS_FILE}` in this folder"
    if SHIPPED_FILE.is_file():
        data = load(SHIPPED_FILE)
        if any(n in data["packages"] for n in scenarios):
            return data, ("the decomposition shipped with trustsim (trustsim/analysis/data/channels.json); "
                          f"write this folder's own with `trustsim channels ... --out "
                          f"{results_dir}`")
    return None, ""


__all__ = [
    "CHANNELS", "CHANNEL_GROUPS", "CHANNEL_OUTPUTS", "attribute", "check_channels", "decompose",
    "format_text", "knockout_sets", "label", "load", "markdown_lines", "save", "shapley",
]


# --------------------------------------------------------------------------- the budget traced


def survival(horizon_years: float, horizon_cut: float, mean_quarters: float) -> float:
    """P(an unfunded experiment is not cut): durations D = 1 + Poisson(mean_quarters - 1), start
    quarters uniform over the budget year, a cut with p = horizon_cut / horizon_years at each
    budget-year boundary among its quarters 2..D (ODD 7.6)."""
    from scipy.stats import poisson

    p_cut = min(1.0, horizon_cut / horizon_years)
    total = 0.0
    for d in range(1, 200):
        weight = float(poisson.pmf(d - 1, mean_quarters - 1.0))
        for start in range(4):
            boundaries = sum(1 for t in range(start + 1, start + d) if t % 4 == 0)
            total += weight / 4.0 * (1.0 - p_cut) ** boundaries
    return total


def slack_multipliers(
    reform: str | os.PathLike | Scenario = "multi-year-budget",
    world: str = "state",
    scale: float = DEFAULTS["scale"],
    seed: int = 0,
) -> dict[str, float]:
    """The reform's first-quarter, first-order factors on experiments through each slack channel,
    on the spun-up baseline state (no feedback): ideas through the time gate (free time), approved
    ideas that find money (money), experiments not cut (budget cuts), and their product."""
    sc = load_scenario(reform)
    model = TrustModel(world=world, scale=scale, rng=seed, params=sc.params)
    base = model.p.baseline()
    slack_r, slack_0 = model.slack, (
        base.innovation_slack + base.slack_per_horizon_year * (base.budget_horizon_years - 1)
    ) * (1.0 - base.earmarking_share)
    st, p, nw = model.staff, model.p, model.n_workplaces
    lam = (p.idea_rate / 4.0) * st.motivation * (0.5 + st.skill)
    voice = p.voice_floor + (1.0 - p.voice_floor) * 0.5 * (st.autonomy + st.safety)
    lam_wp = np.bincount(st.wp, weights=lam * voice, minlength=nw) * model.wp_weight
    busy = p.experiment_effort * np.bincount(model.exp_wp, minlength=nw) / model.wp_size
    room = np.maximum(0.0, 1.0 - p.core_work_share - model.wp_admin - busy)

    def through(slack: float) -> float:
        return float((lam_wp * np.minimum(1.0, (room + slack) / p.time_needed)).sum())

    def money(slack: float) -> float:
        return p.money_floor + (1.0 - p.money_floor) * min(1.0, slack / p.slack_for_full_money)

    out = {
        "slack_baseline": slack_0,
        "slack_reform": slack_r,
        "free_time": through(slack_r) / through(slack_0),
        "money": money(slack_r) / money(slack_0),
        "budget_cuts": survival(p.budget_horizon_years, p.horizon_cut, p.experiment_quarters)
        / survival(base.budget_horizon_years, base.horizon_cut, base.experiment_quarters),
        "time_gate_open_share": float(
            (lam_wp * ((room + slack_r) >= p.time_needed)).sum() / lam_wp.sum()
        ),
    }
    out["product"] = out["free_time"] * out["money"] * out["budget_cuts"]
    return out
