"""`trustsim calibrate CONFIG`: ABC-SMC of the model against sourced targets (issue 8)."""

from __future__ import annotations

import sys
from pathlib import Path

from .sweep import add_executor_options


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help="fit parameters to observed targets with ABC-SMC (pyabc)",
        description="Calibrate the model with ABC-SMC against a targets file. The SQLite history "
        "is the record: a run that was stopped continues from its last finished generation with "
        "--resume. Writes posterior.parquet, ppc.csv, identifiability.csv and report.md.",
    )
    p.add_argument(
        "config", help="calibration name (config, quick) or path to a calibration .toml file"
    )
    again = p.add_mutually_exclusive_group()
    again.add_argument(
        "--resume", action="store_true", help="continue the history in the results folder"
    )
    again.add_argument(
        "--new",
        action="store_true",
        help="start a new results folder (DIR-2, DIR-3, …) when DIR already holds a history",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="results folder (default: results/calibration-NAME)",
    )
    add_executor_options(p)
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny version for a check: smallest scale, 1 year, 2-year spin-up, 12 particles, "
        "2 generations",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_calibrate)


def _error(message: str) -> int:
    print(f"trustsim: error: {message}", file=sys.stderr)
    return 2


def cmd_calibrate(args) -> int:
    from ..calibrate.calibration import (
        CalibrationError,
        default_folder,
        load_calibration,
        run_calibration,
    )
    from ..sweep.experiment import ExperimentError

    try:
        cal = load_calibration(args.config, quick=args.quick)
    except CalibrationError as exc:
        return _error(str(exc))
    if cal.method == "history-matching":
        return _history_matching(cal, args)
    try:
        import pyabc  # noqa: F401
    except ImportError:
        return _error("calibrate needs pyabc; install it with `pip install 'trustsim[calibrate]'`")
    out = args.out or default_folder(cal)

    def progress(gen) -> None:
        if not args.quiet:
            print(gen.line(cal.abc.generations), file=sys.stderr, flush=True)

    try:
        result = run_calibration(
            cal,
            out,
            resume=args.resume,
            new=args.new,
            scheduler=args.scheduler,
            workers=args.workers,
            progress=progress,
        )
    except (CalibrationError, ExperimentError) as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - a model run that raised: one line, history kept
        print(
            f"trustsim: calibration failed ({type(exc).__name__}: {exc}); the finished "
            f"generations are kept in {out}/history.db; fix the cause and re-run with --resume",
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        n = len(result.generations)
        print(
            f"{cal.name}: {n} generation(s), stopped by {result.reason}, {result.seconds:.1f} s on "
            f"{result.executor} -> {result.folder}",
            file=sys.stderr,
        )
        print(f"report: {result.folder / 'report.md'}", file=sys.stderr)
    return 0


def _history_matching(cal, args) -> int:
    """The history match (method = "history-matching"): waves, posterior, checks, report."""
    from ..calibrate.calibration import default_folder
    from ..calibrate.history_matching import HistoryMatchingError, run_history_matching
    from ..calibrate.hm_report import summary_line, write_hm_report
    from ..sweep.executor import open_executor

    out = args.out or default_folder(cal)
    if (out / "posterior.parquet").exists() and not args.new:
        return _error(f"{out} already holds a calibration; choose another --out or pass --new")
    if (out / "waves").is_dir() and not args.resume and not args.new:
        return _error(f"{out} holds the finished waves of a stopped history match: pass --resume "
                      "to continue after them (they are used only if the config is unchanged) or "
                      "--new for a new folder")
    if args.new and (out / "posterior.parquet").exists():
        n = 2
        while (out.parent / f"{out.name}-{n}").exists():
            n += 1
        out = out.parent / f"{out.name}-{n}"

    def say(message: str) -> None:
        if not args.quiet:
            print(f"{cal.name}: {message}", file=sys.stderr, flush=True)

    try:
        with open_executor(args.scheduler, args.workers) as (executor, description):
            say(f"simulating on {description}")
            result = run_history_matching(cal, cal.hm, out, executor, progress=say)
    except HistoryMatchingError as exc:
        return _error(str(exc))
    report = write_hm_report(out, cal)
    say(f"{summary_line(result.checks)} -> {out}")
    say(f"report: {report}")
    return 0
