"""Where the files trustsim ships with it are found: scenarios/, experiments/ and later folders.

The repository's top-level folders (listed in pyproject.toml under `[tool.trustsim]
shipped-folders`) are the single source. In a checkout or an editable install (`pip install -e .`)
trustsim reads them where they are; a built wheel carries a copy under `trustsim/_data/<folder>/`
(made by `setup.py` at build time), found here through `importlib.resources`. An environment
variable such as `TRUSTSIM_SCENARIOS` overrides both.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent  # the repository root when trustsim runs from a checkout
SHIPPED_SUBDIR = "_data"  # inside the installed package: trustsim/_data/<folder>/


def running_from_checkout() -> bool:
    """True when the package is the `trustsim/` folder of a source tree (checkout or editable)."""
    return (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "trustsim").is_dir()


def shipped_folder(name: str, env: str | None = None) -> Path:
    """The folder `name` (e.g. "scenarios"): `$env` if set, else the checkout's, else the wheel's.

    The path may not exist (e.g. a wheel built without the folder); callers list it as empty.
    """
    override = os.environ.get(env, "") if env else ""
    if override:
        return Path(override)
    if running_from_checkout():
        return SOURCE_ROOT / name
    return Path(str(resources.files(__package__).joinpath(SHIPPED_SUBDIR, name)))
