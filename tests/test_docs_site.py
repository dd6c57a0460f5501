"""The documentation site: `mkdocs build --strict` passes offline (a broken link, a page missing
from the nav, a stale name in the Python API fails it), and the README stays a front door."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")
README_MAX_LINES = 250
DEAD_PROXY = "http://127.0.0.1:9"  # anything that tries the network fails at once


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not MKDOCS.exists():
        pytest.fail(f"{MKDOCS} is missing: install the dev extra (bash scripts/setup.sh)")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": DEAD_PROXY,
           "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY}
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    for page in ("index.html", "getting-started/index.html", "architecture/index.html",
                 "api/index.html", "teaching-sv/index.html", "teaching/index.html",
                 "ODD/index.html", "development/index.html"):
        assert (site / page).is_file(), page


def test_the_api_page_is_generated_from_the_docstrings(site: Path) -> None:
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("trustsim.model.runner.run", "TrustModel", "load_scenario", "run_sweep",
                 "compact_table"):
        assert name in html, name


def test_the_site_needs_no_web_fonts_or_cdn(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html


def test_the_headline_table_is_written_once_and_shown_on_the_site(site: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("[start:headline-table] -->")[1].split("<!--")[0].strip()
    first_row = table.splitlines()[2].split("|")[1].strip()  # the reference scenario
    assert first_row.endswith("(level)")
    html = (site / "findings" / "index.html").read_text(encoding="utf-8")
    assert first_row in html


def test_the_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    assert "bash scripts/go.sh" in text and "bash scripts/test.sh" in text
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(pictures) >= 3
    links = re.findall(r"\]\(((?:docs/)?[^)#:]+\.(?:md|png))(?:#[^)]*)?\)", text)
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, f"README links to missing files: {missing}"
