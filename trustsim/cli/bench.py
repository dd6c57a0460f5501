"""`trustsim bench`: the command line of the performance benchmark (`trustsim.bench` measures).

`trustsim bench --app` and `--participatory` drive the workshop page's load tests
(`trustsim/app/loadtest.py`, `trustsim/app/roomload.py`), `--calibration` re-runs the shipped
calibration. `python -m trustsim.cli.bench ...` takes the same options (the benchmark starts each
case as `python -m trustsim.cli.bench --worker CASE`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from .. import bench
from ..bench import (
    CASE_HELP,
    CASES,
    DEFAULT_TIMEOUT,
    GROUPS,
    MESA_AGENTS,
    MESA_STEPS,
    PROFILE_TOP,
    QUARTERS,
    Options,
    case_config,
    expand_cases,
    format_report,
    measure,
    profile_report,
    run_benchmark,
)
from .core import bounded_int, positive_float


# --------------------------------------------------------------------------- command line
def _positive_int(text: str) -> int:
    return bounded_int(1, 10**9)(text)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed is seconds > 0")
    return value


def cases_epilog() -> str:
    """The cases and groups, one per line, for `--help`."""
    lines = ["cases:"]
    lines += [f"  {name:<18} {text}" for name, text in CASE_HELP.items()]
    lines += [f"  {name:<18} group: {', '.join(cases)}" for name, cases in GROUPS.items()]
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `trustsim bench` (shared by the subcommand and `python -m`)."""
    choices = (*CASES, *GROUPS)
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--case",
        action="append",
        choices=choices,
        metavar="NAME",
        help=f"run only this case (repeatable); one of {', '.join(choices)}",
    )
    what.add_argument(
        "--profile",
        choices=CASES,
        metavar="CASE",
        help=f"run CASE in this process under cProfile and print the top "
        f"{PROFILE_TOP} functions by cumulative time",
    )
    what.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)  # one case, one JSON row
    what.add_argument(
        "--app",
        action="store_true",
        help="the workshop page instead: click -> chart and Play in Chromium, and --sessions "
        "sessions Playing at once (needs the app extra; see trustsim/app/loadtest.py)",
    )
    what.add_argument(
        "--participatory",
        action="store_true",
        help="a participatory session instead: --sessions simulated phones (default 30) and the "
        "console play --rounds rounds; prints how fast each round's results reach every page "
        "(needs the app extra; see trustsim/app/roomload.py)",
    )
    what.add_argument(
        "--calibration",
        action="store_true",
        help="the shipped calibration instead: run `calibrate config` from scratch into a "
        "temporary folder, print its minutes against the 30-minute target, and check that it "
        "reproduces calibration/posterior.parquet (exit 1 if not; needs the calibrate extra)",
    )
    p.add_argument(
        "--sessions",
        type=bounded_int(1, 100),
        default=30,
        help="--app: sessions Playing at once in the load test; --participatory: simulated "
        "phones in the room (default 30)",
    )
    p.add_argument(
        "--seconds",
        type=bounded_int(1, 300),
        default=15,
        help="--app: seconds the sessions Play (default 15: at 4-5 quarters/s a session "
        "reaches the 30-year end in about 25 s)",
    )
    p.add_argument(
        "--rounds",
        type=bounded_int(1, 10),
        default=3,
        help="--participatory: rounds to play (default 3)",
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="--app: skip the Chromium measurement (click -> chart, Play, Pause)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test in seconds: state at scale 0.02 for 8 quarters, the "
        "workshop cases and a 1 000-agent Mesa reference",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=0, help="random seed")
    p.add_argument(
        "--quarters",
        type=_positive_int,
        help=f"quarters for the state and public-sector cases (default {QUARTERS}; "
        "targets are then not judged)",
    )
    p.add_argument(
        "--scale",
        type=positive_float,
        help="scale for the state and public-sector cases (default 1)",
    )
    p.add_argument(
        "--mesa-agents",
        type=_positive_int,
        help=f"agents in the Mesa reference (default {MESA_AGENTS:,})",
    )
    p.add_argument(
        "--mesa-steps",
        type=_positive_int,
        help=f"steps of the Mesa reference (default {MESA_STEPS})",
    )
    p.add_argument(
        "--repeat",
        type=bounded_int(1, 100),
        default=1,
        help="run every case N times, interleaved, and keep the fastest run of each "
        "(recommended on a shared machine: 3)",
    )
    p.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one case may take (default {DEFAULT_TIMEOUT:g})",
    )


def _options(args: argparse.Namespace) -> Options:
    return Options(
        quick=args.quick,
        seed=args.seed,
        quarters=args.quarters,
        scale=args.scale,
        mesa_agents=args.mesa_agents,
        mesa_steps=args.mesa_steps,
        timeout=args.timeout,
        repeat=args.repeat,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark (or one worker case, or a profile); 1 if a case crashed."""
    if args.app:
        return cmd_bench_app(args)
    if args.calibration:
        return cmd_bench_calibration(args)
    if args.participatory:
        return cmd_bench_participatory(args)
    opts = _options(args)
    if args.worker:
        print(json.dumps(measure(case_config(args.worker, opts), opts.seed)))
        return 0
    if args.profile:
        print(profile_report(case_config(args.profile, opts), opts.seed))
        return 0
    doc = run_benchmark(expand_cases(args.case, opts.quick), opts, log=sys.stderr)
    print(json.dumps(doc, indent=2) if args.json else format_report(doc))
    return 1 if any("error" in r for r in doc["rows"]) else 0


def _has_app(option: str) -> bool:
    """Whether the app extra is installed; if not, says so for `trustsim bench OPTION`."""
    if importlib.util.find_spec("solara") is not None:
        return True
    print(
        f"trustsim bench {option}: needs the app extra (pip install 'trustsim[app]')",
        file=sys.stderr,
    )
    return False


def cmd_bench_app(args: argparse.Namespace) -> int:
    """`trustsim bench --app`: the workshop page's speed, one session and a room of them."""
    if not _has_app("--app"):
        return 2
    from ..app.loadtest import format_app_report, run_app_bench

    doc = run_app_bench(
        args.sessions,
        float(args.seconds),
        browser=not args.no_browser,
        log_dir=Path("test-results") / "bench",
        log=sys.stderr,
    )
    print(json.dumps(doc, indent=2) if args.json else format_app_report(doc))
    return 1 if doc["load"]["errors"] else 0


def cmd_bench_participatory(args: argparse.Namespace) -> int:
    """`trustsim bench --participatory`: a room of simulated phones playing one session."""
    if not _has_app("--participatory"):
        return 2
    from ..app.roomload import format_room_report, run_room_bench

    doc = run_room_bench(args.sessions, args.rounds, seed=args.seed or 1, log=sys.stderr)
    print(json.dumps(doc, indent=2) if args.json else format_room_report(doc))
    return 1 if doc["errors"] else 0


CALIBRATION_TARGET_MINUTES = 30  # issue 8: the shipped calibration on this 2-core machine


def cmd_bench_calibration(args: argparse.Namespace) -> int:
    """`trustsim bench --calibration`: re-run the shipped history match from scratch, time it (wall
    and CPU) and check it reproduces the shipped posterior and runs (CI runs this after the suite)."""
    import resource
    import tempfile

    import numpy as np
    import pandas as pd

    from ..calibrate.calibration import CALIBRATION_DIR, load_calibration
    from ..calibrate.history_matching import run_history_matching
    from ..sweep.executor import open_executor

    shipped = CALIBRATION_DIR / "posterior.parquet"
    shipped_runs = CALIBRATION_DIR / "runs.parquet"
    if not shipped.is_file() or not shipped_runs.is_file():
        print(f"trustsim bench --calibration: no shipped posterior/runs in {CALIBRATION_DIR}",
              file=sys.stderr)
        return 2
    cal = load_calibration("config")
    if cal.method != "history-matching":
        print("trustsim bench --calibration: the shipped config is not a history match",
              file=sys.stderr)
        return 2

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    with tempfile.TemporaryDirectory(prefix="trustsim-bench-calibration-") as tmp:
        start, cpu0 = time.perf_counter(), cpu()
        with open_executor(None, args.workers if hasattr(args, "workers") else None) as (ex, desc):
            result = run_history_matching(
                cal, cal.hm, Path(tmp) / "run", ex,
                progress=lambda m: print(f"calibration: {m}", file=sys.stderr, flush=True))
        minutes = (time.perf_counter() - start) / 60
        cpu_minutes = (cpu() - cpu0) / 60
        new_post = pd.read_parquet(Path(tmp) / "run" / "posterior.parquet")
        new_runs = pd.read_parquet(Path(tmp) / "run" / "runs.parquet")
    old_post, old_runs = pd.read_parquet(shipped), pd.read_parquet(shipped_runs)
    problems = []
    if new_runs.shape != old_runs.shape or not np.array_equal(
            new_runs.to_numpy(float), old_runs.to_numpy(float), equal_nan=True):
        problems.append(f"runs.parquet differs ({new_runs.shape} vs {old_runs.shape})")
    params = [p.name for p in cal.priors]
    if new_post.shape != old_post.shape or not np.array_equal(
            new_post[params].to_numpy(), old_post[params].to_numpy()):
        problems.append("posterior particles differ")
    elif not np.allclose(new_post["weight"], old_post["weight"], rtol=1e-6, atol=1e-12):
        problems.append("posterior weights differ beyond rtol 1e-6")
    c = result.checks
    met = "met" if minutes <= CALIBRATION_TARGET_MINUTES else "MISSED"
    print(
        f"shipped calibration (history matching, {cal.world} 1:{1 / cal.scale:.0f}, "
        f"{cal.hm.waves} waves x {cal.hm.runs_per_wave} runs + {cal.hm.resimulate} re-simulated):"
        f" {c['simulations']:,} simulations, {minutes:.1f} min wall on {desc} (target <= "
        f"{CALIBRATION_TARGET_MINUTES} min: {met}), {cpu_minutes:.1f} CPU-minutes "
        f"({cpu_minutes / 2:.1f} min on 2 idle cores); ESS {c['ess']:.0f}, still fitting "
        f"{c['still_fitting_share']:.2f}, premise {c['premise_share']:.3f}"
    )
    if problems:
        print(f"reproduces {shipped}: NO", *(f"  {d}" for d in problems), sep="\n")
        return 1
    print(f"reproduces {shipped}: yes (every run exactly, every particle exactly, weights to 1e-6)")
    return 0


def register(sub: Any) -> None:
    """Add `trustsim bench` to the `trustsim` command line."""
    p = sub.add_parser(
        "bench",
        help="measure speed and memory against the national-scale targets",
        description=bench.__doc__.split("\n\n")[0],
        epilog=cases_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=cmd_bench)


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with one line, no usage dump, no traceback
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """`python -m trustsim.cli.bench`: the same options as `trustsim bench`."""
    parser = _OneLineParser(
        prog="trustsim bench",
        description=bench.__doc__.split("\n\n")[0],
        epilog=cases_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_bench(args)
    except KeyboardInterrupt:
        print("trustsim bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
