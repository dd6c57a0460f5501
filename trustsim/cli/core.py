"""`trustsim run` and `trustsim scenarios`."""

from __future__ import annotations

import argparse
import sys

from ..model.model import OUTPUT_LABELS, OUTPUTS
from ..model.params import ParameterError
from ..model.runner import run
from ..model.scenarios import list_scenarios, load_scenario
from ..model.worlds import WORLDS, default_scale


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (0 < value <= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed is a number in (0, 1]")
    return value


def bounded_int(low: int, high: int, what: str = "an integer"):
    """argparse type: an integer in [low, high]; the message calls it `what` (e.g. "a port")."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not (low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not allowed; allowed is {what} in [{low}, {high}]"
            )
        return value

    return parse


def parse_set(items: list[str]) -> dict:
    """`--set name=value` overrides; values parsed as TOML scalars (true, 0.5, 3)."""
    import tomllib

    out = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(
                f"--set {item!r}: expected NAME=VALUE, e.g. --set steering_detail=0.4"
            )
        name, raw = item.split("=", 1)
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raise ParameterError(f"--set {item!r}: {raw!r} is not a number or true/false") from None
        out[name.strip()] = value
    return out


def add_world_options(p: argparse.ArgumentParser, years: int = 10) -> None:
    p.add_argument("--world", choices=WORLDS, default="state", help="world preset (default: state)")
    p.add_argument(
        "--scale",
        type=positive_float,
        default=None,
        help="share of each organisation's work sites modelled, [0.01, 1]; 1 = one agent per "
        "person (default 0.1; the teaching world always runs at 1)",
    )
    p.add_argument(
        "--years",
        type=bounded_int(1, 100),
        default=years,
        help=f"simulated years (default {years})",
    )


def write_csv_atomically(df, path: str) -> None:
    """Write to a temporary name beside `path`, then rename: never a half-written file."""
    import os

    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        df.to_csv(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise ParameterError(f"--csv {path!r}: cannot write ({exc.strerror})") from None


def cmd_run(args) -> int:
    from ..model.params import Params

    scenario = load_scenario(args.scenario)
    overrides = parse_set(args.set)
    Params({**scenario.params, **overrides})  # validate before running
    show = not args.quiet and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            print(f"\r  quarter {done}/{total}", end="", file=sys.stderr, flush=True)

    if args.scale is None:
        args.scale = default_scale(args.world)
    df = run(
        scenario,
        world=args.world,
        scale=args.scale,
        years=args.years,
        seed=args.seed,
        overrides=overrides,
        progress=progress,
    )
    if show:
        print(file=sys.stderr)
    last = df.iloc[-4:][list(OUTPUTS)].mean()
    if args.csv:
        write_csv_atomically(df, args.csv)
    print(f"{scenario.title['en']}  [{scenario.name}; claims {', '.join(scenario.claims) or '-'}]")
    print(f"world {args.world}, scale {args.scale:g}, {args.years} years, seed {args.seed}")
    print(f"Final-year means ({len(df) - 1} quarters simulated):")
    for name in OUTPUTS:
        print(f"  {name:<26} {last[name]:>10.3f}   {OUTPUT_LABELS[name]}")
    return 0


def cmd_scenarios(args) -> int:
    for sc in list_scenarios():
        print(f"{sc.name:<22} {sc.title['en']}")
        print(f"{'':<22} claims: {', '.join(sc.claims) or '-'}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("run", help="run one scenario and print the final-year outputs")
    p.add_argument(
        "scenario", help="scenario name (see `trustsim scenarios`) or path to a .toml file"
    )
    add_world_options(p)
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=0, help="random seed")
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="override a parameter (repeatable), e.g. --set budget_horizon_years=3",
    )
    p.add_argument("--csv", help="also write the quarterly outputs to this CSV file")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("scenarios", help="list the scenarios with title and claims")
    p.set_defaults(func=cmd_scenarios)
