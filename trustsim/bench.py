"""`trustsim bench`: the performance benchmark of the national-scale issue.

Runs each case in a fresh Python process (so that the peak memory reported by
`resource.getrusage(RUSAGE_SELF).ru_maxrss` belongs to that case alone), then prints a table of
build and run time, staff-steps per second, peak memory and the ratio to Mesa's own Boltzmann
wealth example measured in the same run, and checks the targets of the issue (printed, never
asserted):

- `state` world, scale 1, 80 quarters, model construction included: <= 10 s;
- `public-sector` world, scale 1, 80 quarters: <= 60 s and <= 4 GiB peak memory;
- staff-steps/s >= 20 x Mesa Boltzmann agent-steps/s;
- a step of the workshop worlds under 100 ms (the slowest of 40 steps).

Usage: `trustsim bench [--quick] [--case NAME ...] [--json]`, `trustsim bench --profile CASE`,
or `python -m trustsim.cli.bench ...` with the same options. See docs/performance.md. This module
measures; its command line (options, `--app`, `--participatory`, `--calibration`) is
`trustsim/cli/bench.py`.

`trustsim bench --app [--sessions 30] [--seconds 20] [--no-browser]` measures the workshop page
instead (click -> chart and Play in Chromium, a load test of sessions Playing at once, memory
returned when they close): see `trustsim/app/loadtest.py`.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import importlib
import importlib.util
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__

QUARTERS = 80  # 20 years, the horizon of the national-scale targets
WORKSHOP_STEPS = 40  # steps timed one by one in the workshop cases
WORKSHOP_FALLBACK_SCALE = 0.01  # used while the app does not publish DEFAULT_SCALE
APP_DEFAULT_MODULES = ("trustsim.app.session", "trustsim.app")  # where the app's default lives
MESA_AGENTS, MESA_STEPS = 10_000, 50  # the Mesa reference: a few seconds on a 2-core machine
QUICK_STATE_SCALE, QUICK_QUARTERS = 0.02, 8
QUICK_MESA_AGENTS, QUICK_MESA_STEPS = 1_000, 10
DEFAULT_TIMEOUT = 3600.0  # seconds one case may take before it is reported as failed
PROFILE_TOP = 25
NOT_RUN = "case not run"
PROFILE_TOP_OWN = 10  # a second, shorter list by own time

TRUSTSIM_CASES = ("state", "public-sector", "workshop-teaching", "workshop-state")
MESA_CASE = "mesa-boltzmann"
CASES = (*TRUSTSIM_CASES, MESA_CASE)
GROUPS = {"workshop": ("workshop-teaching", "workshop-state"), "all": CASES}
QUICK_CASES = ("state", "workshop-teaching", "workshop-state", MESA_CASE)
CASE_HELP = {
    "state": "state world (340 agencies, 270 000 staff at scale 1), scale 1, 80 quarters",
    "public-sector": "state + 290 municipalities + 21 regions (1.45 M staff), scale 1, 80 quarters",
    "workshop-teaching": "teaching world (10 agencies, 300 staff), 40 steps timed one by one",
    "workshop-state": "state world at the workshop app's default scale, 40 steps timed one by one",
    MESA_CASE: "Mesa's BoltzmannWealth example as shipped, 10 000 agents, 100 x 100 grid, 50 steps",
}


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One benchmark case: what to build and how many steps to time."""

    name: str
    world: str  # a trustsim world, or "BoltzmannWealth" for the Mesa reference
    scale: float | None  # None: the Mesa reference (no scale)
    steps: int  # quarters for trustsim, steps for Mesa
    agents: int = 0  # Mesa reference only
    target_config: bool = True  # the configuration the issue's targets are stated for
    note: str = ""


@dataclass(frozen=True)
class Options:
    """Benchmark-wide settings (from the command line)."""

    quick: bool = False
    seed: int = 0
    quarters: int | None = None  # override for `state` and `public-sector`
    scale: float | None = None  # override for `state` and `public-sector`
    mesa_agents: int | None = None
    mesa_steps: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    repeat: int = 1  # rounds; each case keeps its fastest


def workshop_scale() -> tuple[float, str]:
    """The state-world scale the workshop app starts with, and where the value came from.

    Read from `trustsim.app.session.DEFAULT_SCALE` (the app's plain-Python session module, which
    does not import Solara); 0.01 while the app does not exist or does not say.
    """
    for module in APP_DEFAULT_MODULES:
        try:
            if importlib.util.find_spec(module) is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = getattr(importlib.import_module(module), "DEFAULT_SCALE", None)
        except Exception:  # noqa: BLE001, S112 - the app is another module; never break the bench
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 1:
            return float(value), f"scale from {module}.DEFAULT_SCALE"
    fallback = f"{WORKSHOP_FALLBACK_SCALE:g}"
    return WORKSHOP_FALLBACK_SCALE, f"the app publishes no DEFAULT_SCALE; scale {fallback} assumed"


def case_config(name: str, opts: Options) -> Case:
    """The `Case` called `name` under `opts` (quick mode and overrides)."""
    if name in ("state", "public-sector"):
        full_scale, full_steps = 1.0, QUARTERS
        if opts.quick and name == "state":
            full_scale, full_steps = QUICK_STATE_SCALE, QUICK_QUARTERS
        scale = opts.scale if opts.scale is not None else full_scale
        steps = opts.quarters if opts.quarters is not None else full_steps
        target = scale == 1.0 and steps == QUARTERS
        return Case(name, name, scale, steps, target_config=target)
    if name == "workshop-teaching":
        return Case(name, "teaching", 1.0, WORKSHOP_STEPS)
    if name == "workshop-state":
        scale, note = workshop_scale()
        return Case(name, "state", scale, WORKSHOP_STEPS, note=note)
    if name == MESA_CASE:
        agents = opts.mesa_agents or (QUICK_MESA_AGENTS if opts.quick else MESA_AGENTS)
        steps = opts.mesa_steps or (QUICK_MESA_STEPS if opts.quick else MESA_STEPS)
        target = agents == MESA_AGENTS and steps == MESA_STEPS
        note = "as shipped: DataCollector and DataRecorder run inside step()"
        return Case(name, "BoltzmannWealth", None, steps, agents, target, note)
    raise ValueError(f"case {name!r} is unknown; allowed: {', '.join(CASES)}")


def expand_cases(names: list[str] | None, quick: bool) -> list[str]:
    """Case names in run order, with groups expanded and duplicates dropped."""
    if not names:
        return list(QUICK_CASES if quick else CASES)
    out: list[str] = []
    for name in names:
        for case in GROUPS.get(name, (name,)):
            if case not in out:
                out.append(case)
    return out


# --------------------------------------------------------------------------- measuring
def peak_mib() -> float:
    """Peak resident memory of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def _timed_steps(model: Any, steps: int) -> list[float]:
    """Call `model.step()` `steps` times; the duration of each call in seconds."""
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return times


def _row(case: Case, staff: int, build_s: float, times: list[float], baseline: float) -> dict:
    run_s = sum(times)
    return {
        "case": case.name,
        "world": case.world,
        "scale": case.scale,
        "quarters": case.steps,
        "staff": staff,
        "build_s": build_s,
        "run_s": run_s,
        "wall_s": build_s + run_s,
        "steps_per_s": (staff * case.steps / run_s) if run_s > 0 else math.inf,
        "mean_step_ms": 1000.0 * run_s / len(times) if times else 0.0,
        "max_step_ms": 1000.0 * max(times) if times else 0.0,
        "import_peak_mib": baseline,
        "peak_mib": peak_mib(),
        "load_1min": round(os.getloadavg()[0], 2),  # other work on the machine, at the end
        "target_config": case.target_config,
        "note": case.note,
    }


def measure_trustsim(case: Case, seed: int) -> dict:
    """Build a `TrustModel` for `case` and time construction and every step."""
    from .model.model import TrustModel

    baseline = peak_mib()
    start = time.perf_counter()
    model = TrustModel(world=case.world, scale=case.scale, rng=seed)
    build_s = time.perf_counter() - start
    times = _timed_steps(model, case.steps)
    return _row(case, int(model.n_staff), build_s, times, baseline)


def measure_mesa(case: Case, seed: int) -> dict:
    """Mesa's Boltzmann wealth example as shipped; density one agent per cell like its default."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mesa.examples.basic.boltzmann_wealth_model.model import (
            BoltzmannScenario,
            BoltzmannWealth,
        )

        baseline = peak_mib()
        side = math.ceil(math.sqrt(case.agents))
        start = time.perf_counter()
        model = BoltzmannWealth(BoltzmannScenario(n=case.agents, width=side, height=side, rng=seed))
        build_s = time.perf_counter() - start
        times = _timed_steps(model, case.steps)
    row = _row(case, case.agents, build_s, times, baseline)
    row["note"] = f"{case.note}; {side} x {side} grid"
    return row


def measure(case: Case, seed: int) -> dict:
    """Run one case in this process and return its row."""
    if case.name == MESA_CASE:
        return measure_mesa(case, seed)
    return measure_trustsim(case, seed)


def _worker_command(name: str, opts: Options) -> list[str]:
    cmd = [sys.executable, "-m", "trustsim.cli.bench", "--worker", name, "--seed", str(opts.seed)]
    if opts.quick:
        cmd.append("--quick")
    for flag, value in (
        ("--quarters", opts.quarters),
        ("--scale", opts.scale),
        ("--mesa-agents", opts.mesa_agents),
        ("--mesa-steps", opts.mesa_steps),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    return cmd


def run_case_subprocess(name: str, opts: Options) -> dict:
    """Run case `name` in a fresh interpreter; its row, or a row with an `error`."""
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            _worker_command(name, opts),
            capture_output=True,
            text=True,
            timeout=opts.timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"case": name, "error": f"timed out after {opts.timeout:g} s"}
    process_s = time.perf_counter() - start
    return parse_worker_output(name, proc.returncode, proc.stdout, proc.stderr, process_s)


def parse_worker_output(name: str, code: int, stdout: str, stderr: str, process_s: float) -> dict:
    """The row a worker printed, with `process_s` added; an `error` row if the worker failed."""
    if code != 0:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        return {"case": name, "error": f"exit {code}: {lines[-1] if lines else 'no message'}"}
    try:
        row = json.loads(stdout)
    except json.JSONDecodeError:
        return {"case": name, "error": f"worker printed no JSON row: {stdout.strip()[:200]!r}"}
    if not isinstance(row, dict) or row.get("case") != name:
        return {"case": name, "error": f"worker printed an unexpected row: {str(row)[:200]!r}"}
    row["process_s"] = process_s
    return row


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    """One target of the issue: `metric` of `case` compared with `limit`."""

    case: str
    text: str
    metric: str
    op: str  # "<=", "<" or ">="
    limit: float
    unit: str


TARGETS = (
    Target("state", "state, scale 1, 80 quarters, build included", "wall_s", "<=", 10.0, "s"),
    Target("public-sector", "public-sector, scale 1, 80 quarters", "wall_s", "<=", 60.0, "s"),
    Target("public-sector", "public-sector peak memory", "peak_mib", "<=", 4096.0, "MiB"),
    Target("state", "state staff-steps/s vs Mesa agent-steps/s", "ratio_to_mesa", ">=", 20.0, "x"),
    Target(
        "public-sector", "public-sector staff-steps/s vs Mesa", "ratio_to_mesa", ">=", 20.0, "x"
    ),
    Target(
        "workshop-teaching", "teaching world, slowest of 40 steps", "max_step_ms", "<", 100.0, "ms"
    ),
    Target(
        "workshop-state",
        "workshop state world, slowest of 40 steps",
        "max_step_ms",
        "<",
        100.0,
        "ms",
    ),
)


def add_ratios(rows: list[dict]) -> dict[str, float]:
    """Set `ratio_to_mesa` on every trustsim row; the ratios by case (empty without Mesa)."""
    mesa = next((r for r in rows if r["case"] == MESA_CASE and "error" not in r), None)
    ratios: dict[str, float] = {}
    for row in rows:
        if row["case"] == MESA_CASE or "error" in row:
            continue
        ratio = row["steps_per_s"] / mesa["steps_per_s"] if mesa else None
        row["ratio_to_mesa"] = ratio
        if ratio is not None:
            ratios[row["case"]] = ratio
    return ratios


def _compare(value: float, op: str, limit: float) -> bool:
    return {"<=": value <= limit, "<": value < limit, ">=": value >= limit}[op]


def evaluate_targets(rows: list[dict]) -> list[dict]:
    """Pass, fail or n/a (with the reason) for every target, from rows with ratios added."""
    by_case = {r["case"]: r for r in rows}
    mesa = by_case.get(MESA_CASE)
    out = []
    for t in TARGETS:
        row = by_case.get(t.case)
        status, value, why = "n/a", None, ""
        if row is None:
            why = NOT_RUN
        elif "error" in row:
            status, why = "fail", f"case failed: {row['error']}"
        elif not row.get("target_config"):
            why = "not the target configuration (quick mode or overridden)"
        elif t.metric == "ratio_to_mesa" and (mesa is None or "error" in mesa):
            why = "Mesa reference not run"
        elif t.metric == "ratio_to_mesa" and not mesa.get("target_config"):
            why = "Mesa reference not at its standard size"
        else:
            value = row[t.metric]
            status = "pass" if _compare(value, t.op, t.limit) else "fail"
        out.append(
            {
                "case": t.case,
                "target": t.text,
                "metric": t.metric,
                "op": t.op,
                "limit": t.limit,
                "unit": t.unit,
                "value": value,
                "status": status,
                "reason": why,
            }
        )
    return out


# --------------------------------------------------------------------------- reporting
def machine_info() -> dict:
    """Date, CPU, cores, memory, load and versions: what a reader needs to judge the figures."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    mem_gib = None
    try:
        mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        pass
    import mesa
    import numpy

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1) if mem_gib else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "trustsim": __version__,  # the model version the figures belong to
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
    }


def best_of(name: str, runs: list[dict]) -> dict:
    """The run of case `name` with the shortest run time (the least disturbed by other work).

    Any failed run makes the case fail. The peak memory is the largest of all runs.
    """
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    best = dict(min(runs, key=lambda r: r["run_s"]))
    best["repeats"] = len(runs)
    best["run_s_all"] = [r["run_s"] for r in runs]
    best["peak_mib"] = max(r["peak_mib"] for r in runs)
    return best


def run_benchmark(names: list[str], opts: Options, log: Any = None) -> dict:
    """Run `names`, each in a fresh process, `opts.repeat` rounds; the whole result document.

    Rounds are interleaved (all cases, then all cases again) so that a burst of other work on
    the machine does not fall on one case only; each case keeps its fastest round.
    """
    machine = machine_info()
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for round_no in range(1, opts.repeat + 1):
        for name in names:
            if log is not None:
                of = f" (round {round_no}/{opts.repeat})" if opts.repeat > 1 else ""
                print(f"bench: running {name}{of} ...", file=log, flush=True)
            runs[name].append(run_case_subprocess(name, opts))
    rows = [best_of(name, runs[name]) for name in names]
    ratios = add_ratios(rows)
    return {
        "machine": machine,
        "quick": opts.quick,
        "seed": opts.seed,
        "repeat": opts.repeat,
        "rows": rows,
        "ratios_to_mesa": ratios,
        "targets": evaluate_targets(rows),
    }


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    return format(value, spec)


def format_report(doc: dict) -> str:
    """The human-readable table of a result document."""
    m = doc["machine"]
    lines = [
        (
            f"trustsim bench{' --quick' if doc['quick'] else ''}"
            f"{f' --repeat {rep}' if (rep := doc.get('repeat', 1)) > 1 else ''}"
            f"  {m['date']}  {m['cpu']}, "
            f"{m['cores']} cores, {m['memory_gib']} GiB, load {m['load_average']}; "
            f"trustsim {m.get('trustsim', '?')}, python {m['python']}, mesa {m['mesa']}, "
            f"numpy {m['numpy']}"
        ),
        "",
        (
            f"{'case':<18} {'world':<15} {'scale':>6} {'steps':>5} {'staff':>9} {'build s':>8} "
            f"{'run s':>8} {'wall s':>8} {'proc s':>7} {'steps/s':>12} {'ms/step':>8} "
            f"{'max ms':>8} {'peak MiB':>8} {'x Mesa':>7} {'load':>5}"
        ),
    ]
    for r in doc["rows"]:
        if "error" in r:
            lines.append(f"{r['case']:<18} FAILED: {r['error']}")
            continue
        lines.append(
            f"{r['case']:<18} {r['world']:<15} {_fmt(r['scale'], 'g'):>6} {r['quarters']:>5} "
            f"{r['staff']:>9,} {r['build_s']:>8.3f} {r['run_s']:>8.3f} {r['wall_s']:>8.3f} "
            f"{_fmt(r.get('process_s'), '.2f'):>7} {r['steps_per_s']:>12,.0f} "
            f"{r['mean_step_ms']:>8.2f} {r['max_step_ms']:>8.2f} {r['peak_mib']:>8.0f} "
            f"{_fmt(r.get('ratio_to_mesa'), '.1f'):>7} {_fmt(r.get('load_1min'), '.1f'):>5}"
        )
    lines += [
        "",
        (
            "steps/s: staff-steps/s for trustsim (staff x quarters / run s), agent-steps/s "
            "for Mesa; wall = build + run; proc = the whole process, imports included; "
            "load = 1-minute load average when the case ended (the machine has "
            f"{doc['machine']['cores']} cores)."
        ),
    ]
    if doc.get("repeat", 1) > 1:
        lines.append(
            f"each case: the fastest of {doc['repeat']} interleaved rounds; peak MiB: the largest."
        )
    notes = [f"  {r['case']}: {r['note']}" for r in doc["rows"] if r.get("note")]
    if notes:
        lines += ["notes:", *notes]
    judged = [t for t in doc["targets"] if t["reason"] != NOT_RUN]
    lines += ["", "targets (printed, not asserted):"]
    if not judged:
        lines.append("  none: no target case was run")
    for t in judged:
        limit = f"{t['op']} {t['limit']:g} {t['unit']}"
        got = t["reason"] if t["value"] is None else f"measured {t['value']:.2f} {t['unit']}"
        lines.append(f"  {t['status'].upper():<5} {t['target']:<44} {limit:<13} {got}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- profiling
def _short_name(key: tuple[str, int, str]) -> str:
    file, line, func = key
    if file == "~":
        return func  # a built-in
    parts = Path(file).parts
    for anchor in ("site-packages", "trustsim"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            start = i + 1 if anchor == "site-packages" else i
            return f"{'/'.join(parts[start:])}:{line}({func})"
    return f"{Path(file).name}:{line}({func})"


def profile_report(case: Case, seed: int, top: int = PROFILE_TOP) -> str:
    """Run `case` in this process under cProfile; the `top` functions by cumulative time."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    row = measure(case, seed)
    profiler.disable()
    total = time.perf_counter() - start
    # (file, line, func) -> (cc, ncalls, tottime, cumtime, callers); the harness's own frames out
    here = str(Path(__file__).resolve())
    stats = {
        k: v for k, v in pstats.Stats(profiler).stats.items() if str(Path(k[0]).resolve()) != here
    }
    lines = [
        (
            f"profile of {case.name}: {case.world}, scale {_fmt(case.scale, 'g')}, "
            f"{case.steps} steps, {row['staff']:,} staff; {total:.2f} s under cProfile "
            f"(build {row['build_s']:.2f} s, run {row['run_s']:.2f} s)"
        ),
        f"top {top} functions by cumulative time (% of the profiled total):",
        *_profile_table(stats, 3, top, total),
        "",
        f"top {PROFILE_TOP_OWN} functions by own time (tottime):",
        *_profile_table(stats, 2, PROFILE_TOP_OWN, total),
    ]
    return "\n".join(lines)


def _profile_table(stats: dict, column: int, top: int, total: float) -> list[str]:
    """Rows of `stats` ranked by `column` (2 own time, 3 cumulative), with % of `total`."""
    ranked = sorted(stats.items(), key=lambda kv: kv[1][column], reverse=True)[:top]
    lines = [f"{'ncalls':>9} {'tottime':>8} {'cumtime':>8} {'%':>6}  function"]
    for key, values in ranked:
        ncalls, tottime, cumtime = values[1], values[2], values[3]
        share = 100.0 * values[column] / total if total > 0 else 0.0
        lines.append(
            f"{ncalls:>9} {tottime:>8.3f} {cumtime:>8.3f} {share:>5.1f}%  {_short_name(key)}"
        )
    return lines
