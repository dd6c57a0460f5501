"""`trustsim compare` and `trustsim report`."""

from __future__ import annotations

import argparse
import os
import sys

from ..model.worlds import WORLDS
from .core import bounded_int, positive_float

COMPARE_EXAMPLE = "trustsim compare baseline-control full-chain --replications 10"


def _print(text: str) -> None:
    """Print to stdout; a reader that closed the pipe early (`| head`) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


RUN_OPTIONS = {"world": "state", "scale": None, "years": 10, "replications": 10, "seed": 0}


def _is_results_folder(items: list[str]) -> bool:
    """`trustsim compare DIR`: one argument naming an existing folder (not a scenario)."""
    return len(items) == 1 and os.path.isdir(items[0])


def _error(message: str) -> int:
    print(f"trustsim: error: {message}", file=sys.stderr)
    return 2


def compare_folder(args: argparse.Namespace) -> int:
    """The comparison table (or JSON) of a results folder written by `trustsim sweep`."""
    from ..analysis.results import (
        ResultsError,
        describe,
        format_summary,
        load_results,
        results_summary,
        summary_json,
    )

    given = [f"--{name}" for name in RUN_OPTIONS if getattr(args, name) is not None]
    if given:
        return _error(
            f"{', '.join(given)} cannot be used with the results folder {args.scenario[0]}; "
            "its runs are already made (give scenario names to run new ones)"
        )
    try:
        results = load_results(args.scenario[0])
        summary = results_summary(results)
    except ResultsError as exc:
        return _error(str(exc))
    if args.json:
        _print(summary_json(summary))
    else:
        _print(format_summary(summary, header=describe(results.manifest)))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from ..analysis.results import COMPARE_SCALE, compare, format_summary, summary_json

    if _is_results_folder(args.scenario):
        return compare_folder(args)
    for name, default in RUN_OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.scale is None:
        args.scale = 1.0 if args.world == "teaching" else COMPARE_SCALE
    summary = compare(
        args.scenario,
        world=args.world,
        scale=args.scale,
        years=args.years,
        replications=args.replications,
        seed=args.seed,
    )
    if args.json:
        _print(summary_json(summary))
    else:
        header = (
            f"world {args.world}, scale {args.scale:g}, {args.years} years, "
            f"{args.replications} replications, seed {args.seed}"
        )
        _print(format_summary(summary, header=header))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..analysis.report import write_report
    from ..analysis.results import ResultsError

    try:
        path = write_report(args.results_dir)
    except ResultsError as exc:
        print(f"trustsim: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"trustsim: error: cannot write the report in {args.results_dir}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    _print(str(path))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="compare scenarios: final-year means with 95 %% CIs and paired differences",
        description="Run every scenario REPLICATIONS times (replication k of every scenario "
        "uses the same seed) and report the final-year mean of every output with a 95 % "
        "confidence interval, and the paired difference to the first scenario. "
        f"Example: {COMPARE_EXAMPLE}. Given one results folder of `trustsim sweep` instead, "
        "print its comparison table (no new runs).",
    )
    p.add_argument(
        "scenario",
        nargs="+",
        metavar="SCENARIO",
        help="scenario names (see `trustsim scenarios`) or .toml paths, the first is the "
        "reference; or one results folder",
    )
    d = RUN_OPTIONS
    p.add_argument("--world", choices=WORLDS, help=f"world preset (default: {d['world']})")
    p.add_argument(
        "--scale",
        type=positive_float,
        help="share of work sites modelled, [0.01, 1] (default 0.05; teaching: 1)",
    )
    p.add_argument(
        "--years", type=bounded_int(1, 100), help=f"simulated years (default {d['years']})"
    )
    p.add_argument(
        "--replications",
        type=bounded_int(2, 10_000),
        help=f"runs per scenario, at least 2 (default {d['replications']})",
    )
    p.add_argument(
        "--seed",
        type=bounded_int(0, 2**32 - 1),
        help=f"root seed; replication seeds are spawned from it (default {d['seed']})",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "report",
        help="write a Markdown report with figures for a `trustsim sweep` results folder",
        description="Write RESULTS_DIR/report/report.md and its PNG figures (time series, "
        "paired differences, budget-horizon and tipping curves, Morris screening — those that "
        "apply). An existing report is replaced only when the new one is complete.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="folder written by `trustsim sweep`")
    p.set_defaults(func=cmd_report)
