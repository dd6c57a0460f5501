"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest

from trustsim.cli import main


@pytest.fixture
def cli(capsys):
    """Run `trustsim ARGS` in-process; return (exit code, stdout, stderr)."""

    def run(*args) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
