"""Release metadata and where shipped folders are found (fast; tests/test_distribution.py installs).

The version lives in trustsim/__init__.py; CITATION.cff and CHANGELOG.md must name it, and
`trustsim --version` print it. trustsim.resources finds scenarios/ and experiments/ in a checkout,
in an installed wheel (trustsim/_data/) or where an environment variable points.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import trustsim
from trustsim import resources
from trustsim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def test_version_is_semantic_and_printed(capsys):
    assert SEMVER.match(trustsim.__version__), trustsim.__version__
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"trustsim {trustsim.__version__}"


def test_citation_and_changelog_name_the_version():
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(trustsim.__version__)}$", citation, re.MULTILINE), (
        "CITATION.cff's version differs from trustsim.__version__"
    )
    assert re.search(r'^date-released: "\d{4}-\d{2}-\d{2}"$', citation, re.MULTILINE)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d+\.\d+\.\d+)\b", changelog, re.MULTILINE)
    assert headings and headings[0] == trustsim.__version__, (
        f"CHANGELOG.md's newest section is {headings[:1]}, not {trustsim.__version__}"
    )


def test_pyproject_reads_the_version_and_states_the_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "trustsim.__version__"}
    assert project["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").is_file()
    for folder in project["tool"]["trustsim"]["shipped-folders"]:
        assert (ROOT / folder).is_dir(), f"shipped folder {folder}/ is missing"


def test_checkout_reads_the_repository_folders(monkeypatch):
    monkeypatch.delenv("TRUSTSIM_SCENARIOS", raising=False)
    assert resources.running_from_checkout()
    assert resources.shipped_folder("scenarios", "TRUSTSIM_SCENARIOS") == ROOT / "scenarios"


def test_environment_variable_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTSIM_SCENARIOS", str(tmp_path))
    assert resources.shipped_folder("scenarios", "TRUSTSIM_SCENARIOS") == tmp_path
    monkeypatch.setenv("TRUSTSIM_SCENARIOS", "")  # empty: as if unset
    assert resources.shipped_folder("scenarios", "TRUSTSIM_SCENARIOS") == ROOT / "scenarios"


def test_installed_package_reads_its_data_folder(monkeypatch, tmp_path):
    # no pyproject.toml beside the package: the layout of site-packages
    monkeypatch.setattr(resources, "SOURCE_ROOT", tmp_path)
    assert not resources.running_from_checkout()
    found = resources.shipped_folder("experiments")
    assert found == resources.PACKAGE_DIR / "_data" / "experiments"
