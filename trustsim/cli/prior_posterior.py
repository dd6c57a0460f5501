"""`trustsim prior-posterior [EXPERIMENT]`: the headline over the prior and over the posterior,
how far the data moved each number, which parameters decide, and where each reform tips."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import time
from pathlib import Path

from ..sweep.experiment import MAX_REPLICATIONS, ExperimentError, load_experiment
from .core import bounded_int, positive_float
from .sweep import add_executor_options

MIN_PARTICLES = 100  # issue 24: at least this many distinct particles for the README's headline


def register(sub) -> None:
    p = sub.add_parser(
        "prior-posterior",
        help="the headline over the calibration prior and over its posterior: what the data "
        "moved, which parameters decide (Sobol), where each reform tips (map)",
        description="Run a posterior experiment (default: the headline) twice — with the "
        "calibrated parameters drawn from the calibration's uniform priors and from its posterior, "
        "each particle distinct — and write OUT/prior_posterior.md (table), .csv, "
        "prior_posterior.png (forest), sobol.csv and tipping_map.png. Resumable: the two sweeps "
        "are results folders OUT/prior and OUT/posterior. See docs/prior-posterior.md.",
    )
    p.add_argument("experiment", nargs="?", default="headline",
                   help="experiment name or .toml with [uncertainties] posterior (default: "
                   "headline)")
    p.add_argument("--calibration", default="config", metavar="CONFIG",
                   help="the calibration whose [priors] made the posterior (default: config)")
    p.add_argument("--particles", type=bounded_int(2, MAX_REPLICATIONS), metavar="N",
                   help="distinct particles per side (overrides the experiment's replications; "
                   f"the README's headline needs at least {MIN_PARTICLES})")
    p.add_argument("--scale", type=positive_float, metavar="S",
                   help="override the experiment's scale, (0, 1]")
    p.add_argument("--years", type=bounded_int(1, 100), metavar="Y",
                   help="override the experiment's simulated years")
    p.add_argument("--scenarios", nargs="+", metavar="NAME",
                   help="only these scenarios of the experiment (its reference is always kept, "
                   "first)")
    p.add_argument("--map-reforms", nargs="+", metavar="NAME",
                   default=["agv-only", "integrated-esv-digg", "trust-based-steering"],
                   help="reforms that get Sobol indices and a tipping map panel (default: "
                   "agv-only integrated-esv-digg trust-based-steering)")
    p.add_argument("--sobol-samples", type=bounded_int(64, 65536), default=1024, metavar="N",
                   help="SALib base sample N on the surrogate (N·(D+2) evaluations; a power of "
                   "two; default 1024)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="output folder (default results/prior-posterior-NAME, with overrides)")
    p.add_argument("--new", action="store_true",
                   help="start new sweep folders when OUT/prior or OUT/posterior hold other runs")
    p.add_argument("--readme", type=Path, metavar="FILE",
                   help="also write the table into FILE between <!-- --8<-- "
                   "[start:prior-posterior] --> and its [end:...] marker")
    p.add_argument("--img", type=Path, metavar="DIR",
                   help="also copy the two figures into DIR (e.g. docs/img)")
    add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_prior_posterior)


def _prior(calibration: str):
    """The calibration's priors as the sweep layer's UniformPrior (the calibrate layer reads them)."""
    from ..calibrate.calibration import CalibrationError, load_calibration
    from ..sweep.posterior import PosteriorError, uniform_prior

    try:
        cal = load_calibration(calibration)
        return uniform_prior(Path(cal.path), {p.name: (p.low, p.high) for p in cal.priors},
                             "--calibration")
    except (CalibrationError, PosteriorError) as exc:
        raise ExperimentError(f"--calibration {calibration}: {exc}") from None


def _subset(experiment, names: list[str] | None):
    if not names:
        return experiment
    known = {s.name: s for s in experiment.scenarios}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ExperimentError(f"--scenarios: {unknown} not in {experiment.path.name} "
                              f"(it has {', '.join(known)})")
    reference = experiment.scenarios[0]
    chosen = [reference] + [known[n] for n in dict.fromkeys(names) if n != reference.name]
    return dataclasses.replace(experiment, scenarios=tuple(chosen))


def _default_out(experiment, args) -> Path:
    parts = [f"prior-posterior-{experiment.name}"]
    for value, short in ((args.particles, "r"), (args.scale, "s"), (args.years, "y")):
        if value is not None:
            parts.append(f"{short}{value:g}")
    return Path("results") / "-".join(parts)


def cmd_prior_posterior(args) -> int:
    from ..analysis.prior_posterior import (
        replace_between_markers,
        run_prior_posterior,
        twin_experiments,
    )

    start = time.perf_counter()
    experiment = load_experiment(args.experiment).with_overrides(
        replications=args.particles, scale=args.scale, years=args.years)
    experiment = _subset(experiment, args.scenarios)
    prior_exp, post_exp = twin_experiments(experiment, _prior(args.calibration))
    missing = [r for r in args.map_reforms if r not in {s.name for s in experiment.scenarios}]
    if missing:
        raise ExperimentError(f"--map-reforms: {missing} not among the scenarios run")
    say = (lambda text: None) if args.quiet else (
        lambda text: print(f"trustsim prior-posterior: {text}", file=sys.stderr, flush=True))
    if experiment.replications < MIN_PARTICLES:
        say(f"note: {experiment.replications} particles per side; the README's headline needs at "
            f"least {MIN_PARTICLES} (issue 24)")
    out = args.out or _default_out(experiment, args)
    result = run_prior_posterior(
        prior_exp, post_exp, out, workers=args.workers, scheduler=args.scheduler,
        quiet=args.quiet, new=args.new, main_reforms=args.map_reforms,
        sobol_n=args.sobol_samples, progress=say)
    print(result.markdown)
    print()
    print(result.sobol_markdown)
    if args.readme:
        text = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(replace_between_markers(text, result.markdown,
                                                       where=str(args.readme)), encoding="utf-8")
        say(f"table written into {args.readme}")
    if args.img:
        args.img.mkdir(parents=True, exist_ok=True)
        for key in ("forest", "map"):
            shutil.copy(result.files[key], args.img / result.files[key].name)
        say(f"figures copied into {args.img}")
    times = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    say(f"done in {time.perf_counter() - start:.0f} s ({times}) -> {out}/prior_posterior.md")
    return 0
