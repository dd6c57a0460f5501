"""`trustsim bench --participatory`: a room of simulated phones playing one session.

N participant pages and the facilitator's console, each rendered in its own Solara kernel context
in this process (the same components, per-page threads and widget updates the server runs per
browser tab; left out are the websocket transport and the phones' drawing — the browser test
`tests/app/test_browser_participatory.py` prints the whole path for three real phones). The room
is the state world at 1:100 (the size a workshop plays): the government, ESV, DIGG,
Arbetsgivarverket, agency heads and observers.

Each round: the console opens it, every deciding page moves a slider and presses Send in a
shuffled order, and the time from the last press until *every* page shows the year's results is
measured (issue 11: within 1 s). Reported: that latency per round (median and max over pages),
errors logged, and resident memory before, with the room open, and after it closed. Printed,
never asserted. Bounded: at most 100 participants, 10 rounds, and every wait has a deadline.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import statistics
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from .loadtest import _by_class, _Errors, rss_mib
from .session import release_memory

MAX_PARTICIPANTS = 100
MAX_ROUNDS = 10
WAIT = 30.0  # seconds any one wait may take
TARGET_S = 1.0  # issue 11: a round's results reach every participant within 1 s
GLOBAL = ("government", "esv", "digg", "agv")


@dataclass
class Page:
    client: str
    role: str
    rc: Any
    context: Any

    def text(self, cls: str) -> str:
        with self.context:
            found = _by_class(self.rc, cls)
            return " ".join(str(c) for w in found for c in (getattr(w, "children", None) or []))

    def status(self) -> str:
        """The status line, read from the widget found last time while it is alive (walking
        the page's widgets on every poll would take the GIL from the renders being timed)."""
        widget = getattr(self, "_status", None)
        if widget is None or widget.comm is None:
            with self.context:
                found = _by_class(self.rc, "ts-pp-status")
            if not found:
                return ""
            widget = self._status = found[0]
        return " ".join(str(c) for c in (widget.children or []))

    def click(self, cls: str) -> None:
        import ipyvuetify as v

        with self.context:
            (button,) = [w for w in _by_class(self.rc, cls) if isinstance(w, v.Btn)]
            if button.disabled:
                raise RuntimeError(f"{self.client}: {cls} is disabled")
            button.click()

    def nudge(self) -> None:
        """Move the first slider a step, as a participant would before sending."""
        import ipyvuetify as v

        with self.context:
            slider = self.rc.find(v.Slider).widgets[0]
            slider.v_model = min(slider.max, max(slider.min, float(slider.v_model) - slider.step))

    def close(self) -> bool:
        """Unmount and close the page's kernel context; False if ipywidgets or reacton failed
        to close one of its widgets. Seen only here, with many kernel contexts in one process:
        a Layout widget that another page's context already closed (counted and reported)."""
        try:
            with self.context:
                self.rc.close()
            self.context.close()
        except (KeyError, AssertionError):
            return False
        return True


def _page(component, name: str) -> tuple[Any, Any]:
    import solara
    from solara.server import kernel, kernel_context

    context = kernel_context.VirtualKernelContext(
        id=name, session_id=f"session-{name}", kernel=kernel.Kernel()
    )
    with context:
        _, rc = solara.render(component, handle_error=False)
    return rc, context


def _wait(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def roles_for(n: int, heads_cap: int) -> list[str]:
    """The room's seats: the four national roles, agency heads, then observers."""
    roles = list(GLOBAL[: min(n, 4)])
    heads = min(max(0, n - len(roles) - max(0, (n - 4) // 8)), heads_cap)
    roles += ["agency_head"] * heads
    roles += ["observer"] * (n - len(roles))
    return roles


def run_room_bench(participants: int = 30, rounds: int = 3, seed: int = 1, log=None) -> dict:
    """Play `rounds` rounds with `participants` simulated phones and the console."""
    os.environ.setdefault("REACTON_FAST", "1")  # as `trustsim app` serves the pages
    import solara.server.app  # noqa: F401 - Solara's server patches: per-kernel widgets, comms

    from .i18n import t
    from .participate import ConsoleView, ParticipantView
    from .room import Rooms

    participants = max(1, min(MAX_PARTICIPANTS, participants))
    rounds = max(1, min(MAX_ROUNDS, rounds))
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    folder = tempfile.mkdtemp(prefix="trustsim-roombench-")
    rooms = Rooms()
    gc.collect()
    rss_before = rss_mib()
    say = (lambda text: print(text, file=log, flush=True)) if log else (lambda text: None)
    pages: list[Page] = []
    console = room = None
    try:
        room = rooms.start(
            "bench-console",
            world="state",
            scale=0.01,
            seed=seed,
            rounds=rounds,
            directory=folder,
        )
        freed = {"session": weakref.ref(room.session), "model": weakref.ref(room.session.model)}
        code = room.session.join_code
        rc, ctx = _page(ConsoleView("bench-console", "sv", "127.0.0.1:8765", rooms), "console")
        console = Page("bench-console", "console", rc, ctx)
        roles = roles_for(participants, room.session.config["caps"]["agency_head"])
        for i, role in enumerate(roles):
            client = f"bench-phone-{i}"
            rooms.join(client, code, f"Deltagare {i + 1}", role)
            rc, ctx = _page(ParticipantView(client, "sv", "", rooms), f"phone-{i}")
            pages.append(Page(client, role, rc, ctx))
        gc.collect()
        rss_open = rss_mib()
        say(
            f"room: {len(pages)} phones ({', '.join(f'{r} {roles.count(r)}' for r in dict.fromkeys(roles))}) and the console"
        )
        shuffle = random.Random(seed)
        per_round = []
        for rnd in range(1, rounds + 1):
            if not _wait(lambda: _enabled(console, "ts-pc-open")):
                raise RuntimeError(f"round {rnd}: the console never offered to open it")
            console.click("ts-pc-open")
            opened = t("pp.state.open", "sv", round=rnd, rounds=rounds, time="")[:12]
            if not _wait(lambda o=opened: all(p.status().startswith(o) for p in pages)):
                raise RuntimeError(f"round {rnd}: not every page showed the open round")
            deciders = [p for p in pages if p.role != "observer"]
            _wait(lambda d=deciders: all(_enabled(p) for p in d))
            shuffle.shuffle(deciders)
            for p in deciders[:-1]:
                p.nudge()
                p.click("ts-pp-submit")
            last = deciders[-1]
            last.nudge()
            done = t("pp.state.closed", "sv", round=rnd, next=rnd + 1)
            if rnd == rounds:
                done = t("pp.state.finished", "sv", rounds=rounds)
            seen: dict[str, float] = {}
            start = time.perf_counter()
            last.click("ts-pp-submit")

            def all_seen(seen=seen, done=done, start=start) -> bool:
                now = time.perf_counter()
                for p in pages:
                    if p.client not in seen and p.status() == done:
                        seen[p.client] = now - start
                return len(seen) == len(pages)

            if not _wait(all_seen):
                raise RuntimeError(
                    f"round {rnd}: {len(pages) - len(seen)} pages never showed the results"
                )
            latencies = sorted(seen.values())
            per_round.append(
                {
                    "round": rnd,
                    "median_s": statistics.median(latencies),
                    "max_s": latencies[-1],
                }
            )
            say(f"round {rnd}: results on every page {latencies[-1]:.2f} s after the last decision")
        rss_playing = rss_mib()
    finally:
        rooms.end_all()  # the pages' threads draw "ended" and stop; close only after that
        _wait(lambda: not any(th.name == "trustsim-play" for th in threading.enumerate()))
        close_glitches = sum(not p.close() for p in reversed(pages))
        if console is not None:
            close_glitches += not console.close()
        logging.getLogger().removeHandler(errors)
    pages.clear()
    console = room = None
    gc.collect()
    release_memory()
    rss_after = rss_mib()
    alive = {name: ref() is not None for name, ref in freed.items()}
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    return {
        "participants": participants,
        "roles": {r: roles.count(r) for r in dict.fromkeys(roles)},
        "rounds": per_round,
        "max_s": max(r["max_s"] for r in per_round),
        "errors": len(errors.records),
        "close_glitches": close_glitches,
        "error_texts": errors.records[:5],
        "rss_before_mib": round(rss_before),
        "rss_open_mib": round(rss_open),
        "rss_playing_mib": round(rss_playing),
        "rss_after_close_mib": round(rss_after),
        "session_alive_after": alive["session"],
        "model_alive_after": alive["model"],
    }


def _enabled(page: Page, cls: str = "ts-pp-submit") -> bool:
    import ipyvuetify as v

    with page.context:
        found = [w for w in _by_class(page.rc, cls) if isinstance(w, v.Btn)]
        return bool(found) and not found[0].disabled


def format_room_report(doc: dict) -> str:
    lines = [
        (
            f"trustsim bench --participatory: {doc['participants']} phones and the console in "
            f"this process (state world 1:100; "
            f"{', '.join(f'{k} {v}' for k, v in doc['roles'].items())})"
        ),
    ]
    for r in doc["rounds"]:
        lines.append(
            f"  round {r['round']}: last decision -> results on every page: median "
            f"{r['median_s'] * 1000:.0f} ms, max {r['max_s'] * 1000:.0f} ms"
        )
    lines += [
        f"  errors                       {doc['errors']}"
        + (f"  {doc['error_texts']}" if doc["errors"] else ""),
        (
            "  pages whose teardown failed on a widget another page had closed (in-process "
            f"only): {doc['close_glitches']}"
        ),
        (
            f"  memory (resident)            {doc['rss_before_mib']} MiB before, "
            f"{doc['rss_open_mib']} with the room open, {doc['rss_playing_mib']} after the rounds, "
            f"{doc['rss_after_close_mib']} after closing (the session and its model freed: "
            f"{'yes' if not (doc['session_alive_after'] or doc['model_alive_after']) else 'NO'})"
        ),
        f"targets: results within {TARGET_S:g} s: "
        + ("met" if doc["max_s"] <= TARGET_S else "NOT met")
        + f" (max {doc['max_s']:.2f} s); no error: {'met' if doc['errors'] == 0 else 'NOT met'}",
    ]
    return "\n".join(lines)
