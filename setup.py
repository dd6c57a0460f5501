"""Build hook: the wheel carries the repository's top-level data folders as package data.

All project metadata lives in pyproject.toml. The folders a user runs (scenarios/, experiments/;
later calibration/, exercises/ ...) are listed there under `[tool.trustsim] shipped-folders` and
stay the single source in the repository: building a wheel copies them into
`trustsim/_data/<folder>/`, where an installed trustsim finds them (trustsim/resources.py), and
the sdist carries them as they are. An editable install (`pip install -e .`) copies nothing: it
reads the folders in the checkout.
"""

import shutil
import tomllib
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGE = "trustsim"
SHIPPED_SUBDIR = "_data"  # the same name as trustsim.resources.SHIPPED_SUBDIR


def shipped_folders() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["trustsim"]["shipped-folders"]


def shipped_files() -> list[Path]:
    """Every file in the shipped folders, relative to the repository root (hidden files left out)."""
    files = []
    for folder in shipped_folders():
        base = ROOT / folder
        if not base.is_dir():
            raise SystemExit(
                f"setup.py: shipped folder {folder}/ is missing (pyproject.toml lists it)"
            )
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(ROOT)
            if path.is_file() and not any(
                p.startswith(".") or p == "__pycache__" for p in rel.parts
            ):
                files.append(rel)
    return files


class BuildPyWithShippedFolders(build_py):
    """build_py that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable install: trustsim reads the checkout's folders
        shipped = Path(self.build_lib, PACKAGE, SHIPPED_SUBDIR)
        if shipped.exists():  # a file since removed from the repository must not linger in build/
            shutil.rmtree(shipped)
        for rel in shipped_files():
            target = shipped / rel
            self.mkpath(str(target.parent))
            self.copy_file(str(ROOT / rel), str(target))

    def get_source_files(self) -> list[str]:  # what the sdist carries besides the package
        return [*super().get_source_files(), *(rel.as_posix() for rel in shipped_files())]


setup(cmdclass={"build_py": BuildPyWithShippedFolders})
