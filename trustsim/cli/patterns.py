"""`trustsim patterns`: in what share of the uncertainty set each pattern holds (issue 21)."""

from __future__ import annotations

import argparse
import shlex
import sys

from .core import bounded_int, positive_float

EXAMPLE = "trustsim patterns --draws 200 --scale 0.01 --years 10 --out docs/patterns.md"


def command_line(args: argparse.Namespace) -> str:
    """The command with every setting spelled out (what the report says made it)."""
    parts = ["trustsim", "patterns", "--draws", str(args.draws)]
    if args.uncertainties:
        parts += ["--uncertainties", args.uncertainties]
    parts += ["--scale", f"{args.scale:g}", "--years", str(args.years)]
    if args.seed is not None:
        parts += ["--seed", str(args.seed)]
    parts += ["--workers", str(args.workers), "--default-runs", str(args.default_runs)]
    if args.patterns:
        parts += ["--patterns", args.patterns]
    if args.out:
        parts += ["--out", args.out]
    return " ".join(shlex.quote(p) for p in parts)


def cmd_patterns(args: argparse.Namespace) -> int:
    from ..analysis import pattern_share as ps

    chosen = ps.select_patterns(args.patterns)  # bad names fail before anything runs
    ps.check_settings(args.scale, args.years, args.workers, args.default_runs)
    quiet = args.quiet
    every = max(1, (args.draws + args.default_runs) // 20)

    def progress(done: int, total: int, seconds: float) -> None:
        if quiet or (done % every and done != total):
            return
        left = seconds / done * (total - done)
        print(f"  patterns: {done}/{total} draws done, {seconds:.0f} s elapsed, "
              f"~{left:.0f} s left", file=sys.stderr, flush=True)

    if args.out:
        ps.check_out(args.out)  # an unwritable --out fails before the runs, not after
    if not quiet:
        print(f"trustsim patterns: {args.draws} draws + {args.default_runs} default runs, "
              f"{len(chosen)} patterns, state scale {args.scale:g}, {args.years} years, "
              f"{args.workers} worker(s)", file=sys.stderr, flush=True)
    result = ps.compute(
        draws=args.draws,
        uncertainties=args.uncertainties,
        scale=args.scale,
        years=args.years,
        seed=args.seed,
        workers=args.workers,
        default_runs=args.default_runs,
        patterns=chosen,
        progress=progress,
    )
    result.command = command_line(args)
    lines = ps.markdown(result)
    if args.out:
        path = ps.write(result, args.out)
        lines.append("")
        lines.append(f"Written: {path} and {path.with_suffix('.csv')}")
    print("\n".join(lines))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "patterns",
        help="in what share of the uncertainty set each pattern (P1-P8, S1-S3) holds",
        description="Draw N parameter sets from an uncertainty set (default: the [uncertainties] "
        "of experiments/robustness.toml as a Latin hypercube), run each once in the state world "
        "(one seed per draw, shared by its scenarios), and evaluate each pattern's test criterion "
        "per run. Prints (and with --out writes) the share of draws in which each pattern holds "
        "with a Wilson 95 %% interval, beside how often the same criterion holds in runs at the "
        f"default parameters. Example: {EXAMPLE}",
    )
    p.add_argument("--draws", type=bounded_int(1, 100_000), default=100,
                   help="parameter sets drawn from the uncertainty set (default 100)")
    p.add_argument("--uncertainties", metavar="FILE", default=None,
                   help="an experiment file (.toml, or a name in experiments/) whose "
                   "[uncertainties] are sampled, or a posterior .parquet written by `trustsim "
                   "calibrate` (default: robustness)")
    p.add_argument("--scale", type=positive_float, default=0.01,
                   help="state world scale, [0.01, 1] (default 0.01)")
    p.add_argument("--years", type=bounded_int(1, 100), default=10,
                   help="years after the spin-up (default 10; P7's pair runs at least 20)")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=None,
                   help="root seed of the design and the runs' seeds (default: the file's "
                   "root_seed)")
    p.add_argument("--workers", type=bounded_int(1, 64), default=1,
                   help="worker processes (default 1)")
    p.add_argument("--default-runs", type=bounded_int(0, 1000), default=8,
                   help="runs at the default parameters, for the default verdict (default 8)")
    p.add_argument("--patterns", metavar="IDS", default=None,
                   help="comma-separated pattern ids (default all: P1a,P1b,P1c,P2,P3,P6a,P6b,P6,"
                   "P7,P8,P8t,S1,S2,S3)")
    p.add_argument("--out", metavar="PATH",
                   help="write the report to PATH (markdown) and the per-draw rows beside it "
                   "(.csv)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_patterns)
