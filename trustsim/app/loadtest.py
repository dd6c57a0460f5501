"""`trustsim bench --app`: how fast the workshop page answers, alone and with a room of sessions.

Three measurements, printed and never asserted (see docs/performance.md):

1. **Browser** (needs Playwright and Chromium): `trustsim app` is served on a free loopback port
   and Chromium opens it at 1280x720. *Click -> chart* is timed inside the page, from the click on
   Step until all six charts have drawn the new quarter (each chart stamps `data-drawn` after
   ECharts has drawn it); *Play* is the quarters shown per second over a few seconds; *Pause* the
   time until the button says Play again, and how many quarters were added after the click.
2. **Sessions** (in this process): N sessions of the page, each its own `Workshop` rendered with
   `solara.render` (the same components, reactive state, Play thread and widget updates that the
   server runs per browser tab; what is left out is the websocket transport and the browser's
   drawing), all Playing at once for S seconds. Reported: quarters per second per session (min,
   median), errors, and resident memory before, with all sessions open, and after they closed.
3. **One session's Play**, the same way, alone.

Bounded: at most 100 sessions and 300 seconds; every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

MAX_SESSIONS = 100
MAX_SECONDS = 300.0
CHROMIUM = "/usr/bin/chromium"
CLICKS = 20  # Step clicks timed in the browser
PLAY_SECONDS = 5.0
SERVER_START_TIMEOUT = 90.0
TARGETS = {  # issue 9: printed against the measurements, never asserted
    "click_to_chart_ms": ("<=", 100.0),
    "play_quarters_per_s": (">=", 10.0),
    "load_quarters_per_s_min": (">=", 2.0),
}


def rss_mib() -> float:
    """This process's resident memory now, in MiB (Linux /proc; else the peak so far)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------- sessions in process
class _Errors(logging.Handler):
    """Counts the errors logged while the sessions run (a Play thread that fails logs one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage()[:200])


def all_widgets(root: Any) -> list[Any]:
    """Every widget below `root`, breadth first (reacton's finder stops at the first match);
    the page tests use it too."""
    import ipywidgets as widgets

    seen, queue, out = set(), [root], []
    while queue:
        item = queue.pop(0)
        if isinstance(item, widgets.Widget):
            if id(item) in seen:
                continue
            seen.add(id(item))
            out.append(item)
            queue.extend(getattr(item, name) for name in item.keys if not name.startswith("_"))
        elif isinstance(item, (list, tuple)):
            queue.extend(item)
        elif isinstance(item, dict):
            queue.extend(item.values())
    return out


def _by_class(rc: Any, cls: str) -> list[Any]:
    import ipywidgets as widgets

    root = rc.find(widgets.Widget).widgets[0]
    return [w for w in all_widgets(root) if cls in (getattr(w, "class_", None) or "").split()]


@dataclass
class Session:
    workshop: Any
    rc: Any
    context: Any  # the session's own Solara kernel context, as the server gives each tab

    def close(self) -> None:
        """What the server does when a tab's session ends: unmount, then close its kernel."""
        with self.context:
            self.rc.close()
        self.context.close()

    def button(self, cls: str) -> Any:
        import ipyvuetify as v

        (found,) = [w for w in _by_class(self.rc, cls) if isinstance(w, v.Btn)]
        return found

    def playing(self) -> bool:
        return "mdi-pause" in str(self.button("ts-play").children)

    def errors(self) -> list[str]:
        return [str(w.children) for w in _by_class(self.rc, "ts-error")]


def open_session(setup: Any, name: str = "bench") -> Session:
    """A session of the page in its own kernel context (its widgets, messages and state)."""
    import solara
    from solara.server import kernel, kernel_context

    from .components import WorkshopView
    from .session import Workshop

    context = kernel_context.VirtualKernelContext(
        id=name, session_id=f"session-{name}", kernel=kernel.Kernel()
    )
    with context:
        workshop = Workshop(setup)
        _, rc = solara.render(WorkshopView(workshop, initial_lang="sv"), handle_error=False)
    return Session(workshop, rc, context)


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def play_sessions(n: int, seconds: float, setup: Any = None) -> dict:
    """N sessions Playing at once for `seconds`; quarters/s per session, errors, memory."""
    from .session import Setup, release_memory

    if not (1 <= n <= MAX_SESSIONS):
        raise ValueError(f"sessions {n} is not allowed; allowed is 1..{MAX_SESSIONS}")
    if not (0 < seconds <= MAX_SECONDS):
        raise ValueError(f"seconds {seconds:g} is not allowed; allowed is (0, {MAX_SECONDS:g}]")
    os.environ.setdefault("REACTON_FAST", "1")  # as `trustsim app` serves the page
    import solara.server.app  # noqa: F401 - Solara's server patches: per-kernel widgets, comms

    setup = setup or Setup()
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        warm = open_session(setup, "warm-up")  # imports and caches warmed before the baseline
        warm.close()
        del warm
        release_memory()
        threads = threading.active_count()
        before = rss_mib()
        started = time.perf_counter()
        sessions = [open_session(replace(setup, seed=i), f"bench-{i}") for i in range(n)]
        open_s = time.perf_counter() - started
        opened = rss_mib()
        start_q = [s.workshop.quarter for s in sessions]
        t0 = time.perf_counter()
        for s in sessions:
            with s.context:
                s.button("ts-play").click()
        time.sleep(seconds)
        reached = [s.workshop.quarter for s in sessions]
        elapsed = time.perf_counter() - t0
        playing = rss_mib()
        for s in sessions:
            if s.playing():
                with s.context:
                    s.button("ts-play").click()
        stopped = _wait(lambda group=tuple(sessions): not any(x.playing() for x in group), 30.0)
        page_errors = [e for s in sessions for e in s.errors()]
        rates = [(r - q) / elapsed for q, r in zip(start_q, reached)]
        at_end = sum(s.workshop.at_end() for s in sessions)
        _wait(lambda: threading.active_count() <= threads, 60.0)  # pictures drawn after Pause
        for s in sessions:
            s.close()
        del sessions, s
        _wait(lambda: threading.active_count() <= threads, 30.0)
        release_memory()
        after = rss_mib()
    finally:
        logging.getLogger().removeHandler(errors)
    return {
        "sessions": n,
        "seconds": round(elapsed, 1),
        "world": f"{setup.world} 1:{round(1 / setup.model_scale)}",
        "compare": setup.compare or "-",
        "open_s": round(open_s, 2),
        "quarters_per_s_min": round(min(rates), 2),
        "quarters_per_s_median": round(statistics.median(rates), 2),
        "quarters_per_s_total": round(sum(rates), 1),
        "paused_all": stopped,
        "reached_the_end": at_end,  # sessions that hit the last quarter: their rate is a floor
        "errors": len(page_errors) + len(errors.records),
        "error_texts": (page_errors + errors.records)[:5],
        "rss_before_mib": round(before),
        "rss_open_mib": round(opened),
        "rss_playing_mib": round(playing),
        "rss_after_close_mib": round(after),
    }


# ---------------------------------------------------------------------------- the browser
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_app(log_path: Path):
    """`trustsim app` on a free loopback port; yields the URL; stopped by its PID."""
    port = _free_port()
    exe = shutil.which("trustsim", path=str(Path(sys.executable).parent)) or "trustsim"
    argv = [exe, "app", "--host", "127.0.0.1", "--port", str(port), "--no-open"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"trustsim app exited: {log_path.read_text()[-500:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"trustsim app did not answer at {url}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


CLICK_TO_CHART_JS = """async (selector) => {
    const charts = () => [...document.querySelectorAll('.ts-chart')];
    const target = String(parseInt(charts()[0].dataset.drawn) + 1);
    const t0 = performance.now();
    document.querySelector(selector).click();
    await new Promise((resolve, reject) => {
        const until = t0 + 20000;
        const check = () => {
            if (charts().every(c => c.dataset.drawn === target)) resolve();
            else if (performance.now() > until) reject(new Error('no chart drawn in 20 s'));
            else requestAnimationFrame(check);
        };
        check();
    });
    return performance.now() - t0;
}"""
QUARTER_JS = "() => parseInt(document.querySelector('.ts-status').textContent.match(/\\d+/)[0])"


def browser_available() -> str:
    """'' if the browser measurement can run here, else why not."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install pytest-playwright)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (scripts/setup.sh --with-browser)"
    return ""


def measure_browser(log_dir: Path) -> dict:
    """Click -> chart, Play rate and Pause in Chromium at 1280x720 against a served page."""
    from playwright.sync_api import sync_playwright

    log_dir.mkdir(parents=True, exist_ok=True)
    with served_app(log_dir / "bench-app-server.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            remote: list[str] = []
            page.on(
                "request",
                lambda r: remote.append(r.url) if "://127.0.0.1" not in r.url else None,
            )
            load_started = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".ts-chart[data-drawn='0'] svg", timeout=60_000)
            load_s = time.perf_counter() - load_started
            clicks = [page.evaluate(CLICK_TO_CHART_JS, ".ts-step") for _ in range(CLICKS)]
            q0 = page.evaluate(QUARTER_JS)
            page.locator(".ts-play").click()
            page.wait_for_function(f"() => ({QUARTER_JS})() > {q0}", timeout=20_000)
            q1, t1 = page.evaluate(QUARTER_JS), time.perf_counter()
            page.wait_for_timeout(PLAY_SECONDS * 1000)
            q2, t2 = page.evaluate(QUARTER_JS), time.perf_counter()
            shown = page.evaluate(QUARTER_JS)
            pause_started = time.perf_counter()
            page.locator(".ts-play").click()
            page.wait_for_function(
                "() => /Spela|Play/.test(document.querySelector('.ts-play').textContent)",
                timeout=20_000,
            )
            pause_s = time.perf_counter() - pause_started
            page.wait_for_timeout(1000)
            final = page.evaluate(QUARTER_JS)
        finally:
            browser.close()
    ordered = sorted(clicks)
    return {
        "load_s": round(load_s, 2),
        "click_to_chart_ms_median": round(statistics.median(ordered), 1),
        "click_to_chart_ms_p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "click_to_chart_ms_max": round(ordered[-1], 1),
        "play_quarters_per_s": round((q2 - q1) / (t2 - t1), 2),
        "pause_s": round(pause_s, 2),
        "pause_overshoot_quarters": final - shown,
        "remote_requests": len(remote),
    }


# ---------------------------------------------------------------------------- the report
def run_app_bench(sessions: int, seconds: float, browser: bool, log_dir: Path, log=None) -> dict:
    from .session import Setup

    def say(text: str) -> None:
        if log is not None:
            print(text, file=log, flush=True)

    doc: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()[0]}
    why = browser_available() if browser else "not asked for (--no-browser)"
    if why:
        doc["browser"] = {"skipped": why}
    else:
        say("trustsim bench --app: the page in Chromium (click -> chart, Play, Pause) ...")
        doc["browser"] = measure_browser(log_dir)
    say("trustsim bench --app: one session Playing in this process ...")
    doc["one"] = play_sessions(1, min(seconds, 10.0), Setup())
    say(f"trustsim bench --app: {sessions} sessions Playing at once for {seconds:g} s ...")
    doc["load"] = play_sessions(sessions, seconds, Setup())
    doc["threads_left"] = threading.active_count()
    return doc


def format_app_report(doc: dict) -> str:
    lines = [
        f"trustsim bench --app ({doc['cpus']} CPUs, load average {doc['load_avg']:.1f} at start)",
        "",
    ]
    b = doc["browser"]
    if "skipped" in b:
        lines.append(f"browser: skipped ({b['skipped']})")
    else:
        lines += [
            "browser (Chromium 1280x720, default page: state world 1:20, run A):",
            f"  page load to first chart     {b['load_s']:.2f} s",
            (
                f"  click Step -> 6 charts drawn  median {b['click_to_chart_ms_median']:.0f} ms, "
                f"p90 {b['click_to_chart_ms_p90']:.0f} ms, max {b['click_to_chart_ms_max']:.0f} ms"
                f"  (target <= {TARGETS['click_to_chart_ms'][1]:.0f} ms)"
            ),
            (
                f"  Play                         {b['play_quarters_per_s']:.1f} quarters/s"
                f"  (target >= {TARGETS['play_quarters_per_s'][1]:.0f})"
            ),
            (
                f"  Pause                        {b['pause_s']:.2f} s to the Play button, "
                f"{b['pause_overshoot_quarters']} quarter(s) after the click"
            ),
            f"  requests off this machine    {b['remote_requests']}",
        ]
    for key, title in (("one", "one session"), ("load", f"{doc['load']['sessions']} sessions")):
        r = doc[key]
        lines += [
            "",
            f"{title} Playing in this process ({r['world']}, {r['seconds']:g} s):",
            (
                f"  quarters/s per session       min {r['quarters_per_s_min']:.1f}, median "
                f"{r['quarters_per_s_median']:.1f} (all sessions together {r['quarters_per_s_total']:.0f})"
            ),
            f"  sessions that reached year 30  {r['reached_the_end']} (their rate is a lower bound)",
            f"  errors                       {r['errors']}"
            + (f"  {r['error_texts']}" if r["errors"] else ""),
            (
                f"  memory (resident)            {r['rss_before_mib']} MiB before, "
                f"{r['rss_open_mib']} open, {r['rss_playing_mib']} playing, "
                f"{r['rss_after_close_mib']} after closing"
            ),
        ]
    load = doc["load"]
    lines += [
        "",
        f"targets: every session >= {TARGETS['load_quarters_per_s_min'][1]:g} quarters/s: "
        + ("met" if load["quarters_per_s_min"] >= 2.0 else "NOT met")
        + f"; no error: {'met' if load['errors'] == 0 else 'NOT met'}; memory returned: "
        f"{load['rss_after_close_mib'] - load['rss_before_mib']:+d} MiB after closing",
    ]
    return "\n".join(lines)
