"""`trustsim` command line: a thin layer over the library.

Subcommands live in their own modules, each with `register(subparsers)` that adds a parser whose
`func(args) -> int` does the work. Bad input prints one clear line to stderr and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from .. import __version__
from ..analysis.results import ResultsError
from ..model.params import ParameterError
from ..model.scenarios import ScenarioError

# module name -> registers one or more subcommands (imported lazily so that `trustsim run`
# does not pay for Solara, Dask or matplotlib)
SUBCOMMAND_MODULES = (
    "trustsim.cli.core",  # run, scenarios
    "trustsim.cli.sweep",  # sweep
    "trustsim.cli.analysis",  # compare, report
    "trustsim.cli.channels",  # channels
    "trustsim.cli.patterns",  # patterns
    "trustsim.cli.app",  # app
    "trustsim.cli.bench",  # bench
    "trustsim.cli.calibrate",  # calibrate
    "trustsim.cli.prior_posterior",  # prior-posterior
    "trustsim.cli.discover",  # discover, robustness
    "trustsim.cli.exercises",  # exercises
    "trustsim.cli.session",  # session
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with a one-line message, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="trustsim",
        description="Trust-based versus control-based steering of the Swedish public sector.",
    )
    parser.add_argument("--version", action="version", version=f"trustsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):  # that part is not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=UserWarning, module="solara")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ParameterError, ScenarioError, ResultsError) as exc:
        print(f"trustsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trustsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `trustsim run ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
