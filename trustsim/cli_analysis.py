"""`trustsim compare` and `trustsim report`."""

from __future__ import annotations

import argparse
import os
import sys

from .cli_core import bounded_int, positive_float
from .worlds import WORLDS

COMPARE_EXAMPLE = "trustsim compare baseline-control full-chain --replications 10"


def _print(text: str) -> None:
    """Print to stdout; a reader that closed the pipe early (`| head`) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def cmd_compare(args: argparse.Namespace) -> int:
    from .analysis import compare, format_summary, summary_json

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
    from .analysis import ResultsError
    from .report import write_report

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
        f"Example: {COMPARE_EXAMPLE}",
    )
    p.add_argument(
        "scenario",
        nargs="+",
        help="scenario names (see `trustsim scenarios`) or .toml paths; the first is the reference",
    )
    p.add_argument("--world", choices=WORLDS, default="state", help="world preset (default: state)")
    p.add_argument(
        "--scale",
        type=positive_float,
        default=0.05,
        help="share of real head counts, (0, 1] (default 0.05)",
    )
    p.add_argument(
        "--years", type=bounded_int(1, 100), default=10, help="simulated years (default 10)"
    )
    p.add_argument(
        "--replications",
        type=bounded_int(2, 10_000),
        default=10,
        help="runs per scenario, at least 2 (default 10)",
    )
    p.add_argument(
        "--seed",
        type=bounded_int(0, 2**32 - 1),
        default=0,
        help="root seed; replication seeds are spawned from it (default 0)",
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
