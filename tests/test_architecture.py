"""The package's architecture: the import-linter contracts of pyproject.toml hold, and the
package root stays small (docs/architecture.md draws the layers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_ROOT_MODULES = 8  # modules directly in trustsim/ (the subpackages hold the rest)
SUBPACKAGES = {"model", "sweep", "analysis", "calibrate", "teach", "play", "app", "cli"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the dev extra (bash scripts/setup.sh)")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "BROKEN" not in result.stdout


def test_a_model_module_importing_the_cli_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts bite: a copy of the package whose model imports the command line fails."""
    shutil.copytree(ROOT / "trustsim", tmp_path / "trustsim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    runner = tmp_path / "trustsim" / "model" / "runner.py"
    runner.write_text(runner.read_text(encoding="utf-8") + textwrap.dedent("""
        def _bad() -> None:
            from ..cli import main  # noqa: F401
        """), encoding="utf-8")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=tmp_path, capture_output=True,
        text=True, timeout=300, check=False, env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "trustsim.model.runner -> trustsim.cli" in result.stdout


def test_the_package_root_holds_few_modules_and_the_subpackages() -> None:
    package = ROOT / "trustsim"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert len(modules) <= MAX_ROOT_MODULES, f"too many modules in trustsim/: {modules}"
    folders = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert SUBPACKAGES <= folders


@pytest.mark.parametrize("name", sorted(SUBPACKAGES))
def test_every_subpackage_says_what_it_is_for(name: str) -> None:
    import importlib

    module = importlib.import_module(f"trustsim.{name}")
    doc = (module.__doc__ or "").strip()
    assert len(doc.splitlines()) >= 2, f"trustsim/{name}/__init__.py needs a docstring"
