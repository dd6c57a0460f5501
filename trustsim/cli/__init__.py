"""The `trustsim` command line: one module per verb group, registered in one place (`registry`).

`registry.SUBCOMMAND_MODULES` lists the verb groups; each module has `register(subparsers)`. The top
layer: it may import everything below it, and nothing in trustsim imports it (but `__main__`).
"""

from .registry import build_parser, main

__all__ = ["build_parser", "main"]
