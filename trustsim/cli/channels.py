"""`trustsim channels`: how much of each reform's effect goes through which channel."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .core import bounded_int, positive_float
from ..model.worlds import WORLDS

EXAMPLE = "trustsim channels multi-year-budget integrated-esv-digg --replications 10"


def _out_path(text: str) -> str:
    """--out: a folder (channels.json is written in it) or a .json file in an existing folder."""
    folder = text if os.path.isdir(text) else os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"{text!r}: the folder {folder} does not exist")
    if not os.path.isdir(text) and not text.endswith(".json"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a folder nor a .json file; give e.g. results/ or channels.json"
        )
    return text


def cmd_channels(args: argparse.Namespace) -> int:
    from ..analysis.channels import decompose, format_text, markdown_lines, save

    def progress(text: str) -> None:
        print(f"trustsim channels: {text}", file=sys.stderr, flush=True)

    if args.scale is None:
        from ..analysis.channels import DEFAULTS

        args.scale = 1.0 if args.world == "teaching" else DEFAULTS["scale"]
    result = decompose(
        args.scenario,
        reference=args.reference,
        world=args.world,
        scale=args.scale,
        years=args.years,
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        progress=progress,
    )
    if args.out:
        progress(f"written {save(result, args.out)}")
    if args.json:
        text = json.dumps(result, indent=1)
    elif args.markdown:
        text = "\n".join(markdown_lines(result))
    else:
        text = format_text(result)
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def register(sub) -> None:
    from ..analysis.channels import CHANNEL_GROUPS, DEFAULTS, REFERENCE

    groups = "; ".join(f"{g}: {', '.join(cs)}" for g, cs in CHANNEL_GROUPS.items())
    d = DEFAULTS
    p = sub.add_parser(
        "channels",
        help="decompose each reform's effect by channel (paired knock-outs)",
        description="For every reform, the share of its effect on innovation, experimentation "
        "culture and incidents (final year, paired with the reference by seed) that goes "
        "through each channel: a channel is switched off by holding its input at the spun-up "
        f"baseline's value. Channels by group: {groups}. Each reform and the reference run "
        "27 times per replication (every knock-out set). Method: docs/channels.md. "
        f"Example: {EXAMPLE}",
    )
    p.add_argument(
        "scenario",
        nargs="*",
        metavar="SCENARIO",
        help="reform scenarios (names or .toml paths); default: every shipped scenario but "
        "the reference",
    )
    p.add_argument(
        "--reference", default=REFERENCE, help=f"the scenario compared with (default {REFERENCE})"
    )
    p.add_argument("--world", choices=WORLDS, default=d["world"],
                   help=f"world preset (default {d['world']})")
    p.add_argument("--scale", type=positive_float,
                   help=f"share of work sites modelled, (0, 1] (default {d['scale']:g}, i.e. "
                   "1:50; teaching: 1)")
    p.add_argument("--years", type=bounded_int(1, 100), default=d["years"],
                   help=f"simulated years (default {d['years']})")
    p.add_argument("--replications", type=bounded_int(2, 10_000), default=d["replications"],
                   help=f"paired seeds per scenario, at least 2 (default {d['replications']})")
    p.add_argument("--seed", type=bounded_int(0, 2**32 - 1), default=d["seed"],
                   help=f"root seed; replication seeds are spawned from it (default {d['seed']})")
    p.add_argument("--workers", type=bounded_int(1, 256), default=1,
                   help="worker processes (default 1)")
    p.add_argument("--out", type=_out_path, metavar="PATH",
                   help="also write the decomposition as JSON: a .json file, or a folder "
                   "(e.g. a `trustsim sweep` results folder, whose report then shows it)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON instead of text")
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.set_defaults(func=cmd_channels)
