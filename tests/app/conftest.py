"""Fixtures for the workshop page tests.

Kernel-level tests render the page with `solara.render` in this process. Browser tests
(`-m browser`) start `trustsim app` on a free port, drive Debian's Chromium with Playwright (no
browser download), and save screenshots under test-results/app/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=UserWarning, module="solara")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "app"
CHROMIUM = "/usr/bin/chromium"
SERVER_START_TIMEOUT = 90.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the served page in Chromium (needs /usr/bin/chromium)"
    )


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (never Solara's default 8765 or the pytest-ipywidgets 18865)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright: Debian's Chromium, no sandbox (root in CI), nothing fetched online."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/setup.sh --with-browser)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A projector-sized window, so the controls column and the charts are both visible."""
    return {
        **browser_context_args,
        "viewport": {"width": 1600, "height": 1000},
        "accept_downloads": True,
    }


@contextlib.contextmanager
def serve_app(log_dir: Path, *options: str, env: dict | None = None):
    """`trustsim app OPTIONS` on a free port on 127.0.0.1; yields its URL; killed by PID at the end."""
    port = free_port()
    log_path = log_dir / "server.log"
    exe = shutil.which("trustsim", path=str(Path(sys.executable).parent)) or "trustsim"
    argv = [exe, "app", *options, "--host", "127.0.0.1", "--port", str(port), "--no-open"]
    name = " ".join(["trustsim app", *options])
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=env or dict(os.environ), cwd=str(ROOT)
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer at {url}:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="session")
def app_server():
    """`serve_app`, for test modules that serve another variant of the page."""
    return serve_app


# The server may not fetch front-end files from a CDN either: Solara would ask this address (a
# closed port) for any file that its installed assets (solara-assets) do not have.
NO_CDN = {"SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}


@pytest.fixture(scope="session")
def offline_env() -> dict[str, str]:
    """The environment for a served page that may not fetch anything from a CDN."""
    return {**os.environ, **NO_CDN}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """`trustsim app` serving the workshop page in English."""
    env = {**os.environ, "TRUSTSIM_APP_LANG": "en", **NO_CDN}
    with serve_app(tmp_path_factory.mktemp("app"), "--lang", "en", env=env) as url:
        yield url


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
