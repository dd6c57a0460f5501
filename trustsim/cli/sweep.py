"""`trustsim sweep EXPERIMENT`: run an experiment into a resumable results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sweep.experiment import MAX_REPLICATIONS, list_experiment_names, load_experiment
from .core import bounded_int, positive_float


def _scheduler(text: str) -> str:
    if not text.strip() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address; give e.g. tcp://127.0.0.1:8786"
        )
    return text


def add_executor_options(p: argparse.ArgumentParser) -> None:
    """--scheduler and --workers: where the runs go (the one execution path, `open_executor`)."""
    p.add_argument(
        "--scheduler",
        type=_scheduler,
        metavar="ADDRESS",
        help="run on a Dask distributed scheduler, e.g. tcp://127.0.0.1:8786 "
        "(default: a local process pool)",
    )
    p.add_argument(
        "--workers",
        type=bounded_int(1, 1024),
        metavar="N",
        help="local worker processes (default: number of CPU cores)",
    )


def register(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="run an experiment (scenarios × design × replications) into a results folder",
        description="Run an experiment file into a results folder of Parquet shards. "
        "Re-running the same command resumes: finished runs are skipped.",
    )
    p.add_argument(
        "experiment",
        nargs="?",
        help="experiment name (see --list) or path to an experiment .toml file",
    )
    p.add_argument("--list", action="store_true", help="list the shipped experiments and exit")
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder (default: results/NAME, with any overrides in the name)",
    )
    p.add_argument(
        "--new",
        action="store_true",
        help="start a new results folder (DIR-2, DIR-3, …) when DIR is already used",
    )
    add_executor_options(p)
    p.add_argument(
        "--replications",
        type=bounded_int(1, MAX_REPLICATIONS),
        metavar="N",
        help="override the experiment's replications",
    )
    p.add_argument(
        "--scale", type=positive_float, metavar="S", help="override the experiment's scale, (0, 1]"
    )
    p.add_argument(
        "--years",
        type=bounded_int(1, 100),
        metavar="Y",
        help="override the experiment's simulated years",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or notes on stderr")
    p.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the report or print the comparison table afterwards",
    )
    p.add_argument(
        "--table",
        choices=("full", "compact"),
        default="full",
        help="the table printed at the end: full (every output, every scenario; the default) or "
        "compact (the README's headline table: P(>0), 90 %% of pairs, P(tips), cost; then the "
        "report's path)",
    )
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    from ..sweep.engine import default_folder, run_sweep

    if args.list:
        for name in list_experiment_names():
            exp = load_experiment(name)
            print(f"{name:<16} {exp.title}")
        return 0
    if not args.experiment:
        print(
            "trustsim sweep: error: give an experiment name or file (see `trustsim sweep --list`)",
            file=sys.stderr,
        )
        return 2
    overrides = {"replications": args.replications, "scale": args.scale, "years": args.years}
    experiment = load_experiment(args.experiment).with_overrides(**overrides)
    out = args.out or default_folder(experiment, overrides)
    result = run_sweep(
        experiment,
        out,
        new=args.new,
        scheduler=args.scheduler,
        workers=args.workers,
        quiet=args.quiet,
    )
    if not args.quiet:
        print(_summary(experiment.name, result), file=sys.stderr)
    if result.done and not args.no_report:
        _report(result.folder, args.quiet, args.table)
    if result.failed:
        print(
            f"trustsim: {result.failed} run(s) failed; tracebacks are in "
            f"{result.folder / 'manifest.json'}. Re-run the same command to retry them.",
            file=sys.stderr,
        )
        return 1
    if result.done < result.total:
        print(
            f"trustsim: {result.total - result.done} run(s) did not finish; re-run the same "
            "command to resume.",
            file=sys.stderr,
        )
        return 1
    return 0


def _summary(name: str, result) -> str:
    """One line: what this call did, how fast, where the results are."""
    ran = result.done + result.failed - result.skipped
    if ran == 0 and result.skipped == result.total:
        return f"{name}: all {result.total} runs already done -> {result.folder}"
    rate = ran / result.seconds if result.seconds else 0.0
    return (
        f"{name}: {result.done}/{result.total} runs done ({result.skipped} already done), "
        f"{result.failed} failed, {result.seconds:.1f} s, {rate:.1f} runs/s on "
        f"{result.executor} -> {result.folder}"
    )


def _report(folder: Path, quiet: bool, table: str = "full") -> None:
    """Write the report and print the comparison table (`table`: full or compact)."""
    from ..analysis.headline import compact_table
    from ..analysis.report import write_report
    from ..analysis.results import ResultsError, comparison_table, load_results, results_summary

    try:
        path = write_report(folder)
        if table == "compact":  # the headline table, then where the whole report is
            print(compact_table(results_summary(load_results(folder))))
            print(f"\nreport (every output, figures): {path}")
            return
        if not quiet:
            print(f"report: {path}", file=sys.stderr)
        print(comparison_table(folder))
    except ResultsError as exc:  # e.g. the reference scenario finished no run
        print(f"trustsim: no report or table: {exc}", file=sys.stderr)
