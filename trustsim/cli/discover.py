"""`trustsim discover` (where does a package fail?) and `trustsim robustness` (which package is
the safest bet?) over a results folder whose experiment samples uncertainties."""

from __future__ import annotations

import argparse
from pathlib import Path

from .core import bounded_int

DISCOVER_EXAMPLE = (
    "trustsim discover results/robustness --scenario integrated-esv-digg "
    '--failure "incident_rate > 1.5 * ref.incident_rate"'
)


def _print(lines: list[str]) -> None:
    from .analysis import _print as print_text

    print_text("\n".join(line for line in lines if not line.startswith("![")))


def cmd_discover(args: argparse.Namespace) -> int:
    from ..analysis import discovery, discovery_report, plots
    from ..analysis.results import load_results

    if args.failure is not None:
        failure = discovery.parse_failure(args.failure)  # a bad expression fails before loading
    else:
        failure = discovery.parse_failure(discovery.load_targets(args.targets).failure_text())
    results = load_results(args.results_dir)
    fut = discovery.futures(results)
    discovery.check_scenario(fut, args.scenario, "--scenario")
    found = discovery.discover(
        fut, args.scenario, failure, max_dims=args.max_dims, box=args.box, resamples=args.resamples
    )
    out = Path(args.out) if args.out else Path(args.results_dir) / "discover" / args.scenario
    try:
        out.mkdir(parents=True, exist_ok=True)
        lines = discovery_report.discovery_markdown(found, "peeling.png", "box.png")
        if found.prim is not None:
            plots.save(discovery_report.peeling_figure(found), out / "peeling.png")
            plots.save(discovery_report.box_scatter_figure(fut, found), out / "box.png")
        (out / "discovery.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise discovery.DiscoveryError(
            f"{out}: cannot write the discovery ({exc.strerror or exc}); choose another --out"
        ) from None
    _print([*lines, f"Written: {out / 'discovery.md'}"])
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    from ..analysis import discovery, discovery_report
    from ..analysis.results import load_results

    targets = discovery.load_targets(args.targets)
    fut = discovery.futures(load_results(args.results_dir))
    rob = discovery.robustness(fut, targets)
    lines = [
        (
            f"Robustness over {len(rob.score.dropna())} futures; combined score = "
            f"{targets.score_text()}; targets: {targets.describe()} ({targets.path})"
        ),
        "",
        discovery_report.robustness_table(rob),
        "",
        *[f"- {s}" for s in discovery.ranking_statements(rob)],
    ]
    _print(lines)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "discover",
        help="scenario discovery: where (in which futures) does a package fail? (PRIM, CART)",
        description="For a results folder whose experiment samples uncertainties (e.g. "
        "`trustsim sweep robustness`), mark the futures (design points) where SCENARIO fails by "
        "--failure, paired with the reference scenario in the same future, and find where the "
        "failures concentrate: PRIM (peeling trajectory, the chosen box with quasi-p values, a "
        "resampling stability table), CART as a second view, and feature scores, all from "
        "ema-workbench. Writes OUT/discovery.md with peeling.png and box.png and prints the "
        f"tables. Example: {DISCOVER_EXAMPLE}",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="folder written by `trustsim sweep`")
    p.add_argument("--scenario", required=True, help="the package to examine (not the reference)")
    p.add_argument(
        "--failure",
        metavar="EXPRESSION",
        help='when the package fails, e.g. "gain.innovation_rate < 0.10" or '
        '"incident_rate > 1.5 * ref.incident_rate" (OUTPUT, ref.OUTPUT, diff.OUTPUT = '
        "OUTPUT − ref.OUTPUT, gain.OUTPUT = OUTPUT / ref.OUTPUT − 1; and, or, not). Default: "
        "misses a target of --targets",
    )
    p.add_argument(
        "--targets",
        metavar="FILE",
        help="targets TOML (default experiments/targets/robustness.toml)",
    )
    p.add_argument(
        "--max-dims",
        type=bounded_int(1, 50),
        default=3,
        help="the chosen box restricts at most this many uncertainties (default 3)",
    )
    p.add_argument(
        "--box",
        type=bounded_int(0, 10_000),
        help="choose this box of the peeling trajectory instead",
    )
    p.add_argument(
        "--resamples",
        type=bounded_int(0, 1000),
        default=10,
        help="PRIM reruns on random halves for the stability table (default 10)",
    )
    p.add_argument("--out", help="output folder (default RESULTS_DIR/discover/SCENARIO)")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser(
        "robustness",
        help="rank the packages of a results folder by regret and satisficing",
        description="Per package: the share of futures in which it is best, the share in which "
        "it meets every target (satisficing), mean score, 90th-percentile and maximum regret of "
        "the combined score, and whether the ranking is stable across futures (Kendall's W).",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="folder written by `trustsim sweep`")
    p.add_argument(
        "--targets",
        metavar="FILE",
        help="targets TOML (default experiments/targets/robustness.toml)",
    )
    p.set_defaults(func=cmd_robustness)
