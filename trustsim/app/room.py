"""The web layer of participatory sessions: which browser holds which seat, timers, rate limits.

`trustsim/play/participatory.py` is the game (sessions, roles, rounds, the log); this module is what
the served pages need around it, and imports no Solara so that it is tested and benchmarked
without a browser:

- **Clients** are Solara's session cookie (`solara.get_session_id()`, kept by the browser until
  2038): the facilitator's browser owns the room it started, and a participant's browser holds
  its seat. A phone that slept, or a page that was reloaded, gets the same seat back with no
  token in any address. Tokens stay on the server; the session file keeps only a SHA-256 digest
  of each seat's cookie (`client_digest`), so that after a restart the same browsers get their
  seats (and the facilitator the console) back.
- **A restart**: `Rooms.resume_folder` resumes every session file in the sessions folder that was
  not ended and changed in the last RESUME_HOURS (the first page served does it). A round that
  was open waits, paused, for the facilitator. A facilitator whose browser lost its cookie takes
  the room back with the console key (`Rooms.reclaim`).
- **Rate limits** (`RateLimiter` of the core): a join code is looked up only when *Gå med* is
  pressed: 5 attempts a minute per client, and 30 failed attempts a minute for the whole server
  (a guesser who drops cookies gets no more than that: 30 · 60 · 24 = 43 200 guesses a day
  against 2⁴⁵ ≈ 3.5 · 10¹³ codes, a chance of 1.2 · 10⁻⁹ a day per running room). The console
  key is checked under the same two limits; decisions 30 a minute per client.
- **Timers**: one thread per room calls `Session.tick` every `TICK` seconds; a round that closes
  bumps the room's `version` (every page redraws), a new second only its `ticks` (only the status
  lines redraw: thirty phones redrawing whole pages every second would keep a core busy). Pages
  wait on `Room.wait` in a thread of their own session.
- **Rounds close at once when everyone has decided** (`auto_close`), so results reach the room
  without waiting for the timer.

The registry (`ROOMS`) is the server's one piece of shared state; each room has its own lock
(the session's) and its own SQLite file in the sessions folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustsim.play.participatory import (
    DECISIONS,
    MAX_ROUNDS,
    OBSERVER,
    Participant,
    ParticipatoryError,
    RateLimiter,
    Session,
    normalise_join_code,
    resumable,
    resume,
)

SESSIONS_ENV = "TRUSTSIM_SESSIONS_DIR"  # where session files go (`trustsim app --sessions`)
URLS_ENV = "TRUSTSIM_APP_URLS"  # the addresses `trustsim app --host` found, comma-separated
KEY_ENV = "TRUSTSIM_CONSOLE_KEY"  # set by `trustsim app --host ...`: starting a session needs it
DEFAULT_SESSIONS_DIR = "trustsim-sessions"
TICK = 0.25  # seconds between timer checks
MAX_ROOMS = 8  # sessions one server runs at once
WORLDS = ("teaching", "state")
STATE_SCALES = (0.01, 0.02, 0.05)  # the state world's scales offered (1:100, 1:50, 1:20)
ROUND_SECONDS = (30, 3600)  # allowed timer range
DEFAULT_ROUND_SECONDS = 120
JOIN_LIMIT = (5, 5.0)  # capacity, per minute: join attempts per client
FAILED_JOIN_LIMIT = (30, 30.0)  # failed joins per minute, whole server
SUBMIT_LIMIT = (30, 30.0)  # decisions per minute per client
KEY_LIMIT = (5, 5.0)  # console-key attempts per minute per client
SERVER = "*server*"  # the key of the server-wide bucket
RESUME_HOURS = 12.0  # session files changed this recently are resumed after a restart
FACILITATOR = "facilitator"  # the clients-table entry of the facilitator's browser


class RoomError(ParticipatoryError):
    """A refused action of the web layer (same shape as the core's: message, key, values)."""


def sessions_dir() -> Path:
    """The folder session files are written to: $TRUSTSIM_SESSIONS_DIR or ./trustsim-sessions."""
    return Path(os.environ.get(SESSIONS_ENV) or DEFAULT_SESSIONS_DIR)


def join_urls(host_header: str | None = None) -> list[str]:
    """The join page's addresses: those `trustsim app --host` found (participants' phones can
    reach them), else the address the facilitator's browser used."""
    urls = [u.strip() for u in os.environ.get(URLS_ENV, "").split(",") if u.strip()]
    if not urls and host_header:
        urls = [f"http://{host_header}/"]
    return [u.rstrip("/") + "/join" for u in urls]


def client_digest(client: str) -> str:
    """What the session file keeps of a browser's cookie: its SHA-256 (the cookie is a random
    UUID, so the digest neither reveals nor recreates it)."""
    return hashlib.sha256(client.encode()).hexdigest()


def console_key_needed() -> bool:
    return bool(os.environ.get(KEY_ENV, ""))


def console_key_ok(typed: str | None) -> bool:
    """Whether this browser may start a session: always on a loopback server; on a server open
    to the room's network (`--host`) only with the key `trustsim app` printed in its terminal,
    so that a participant cannot start sessions of their own."""
    key = os.environ.get(KEY_ENV, "")
    if not key:
        return True
    return isinstance(typed, str) and secrets.compare_digest(typed.encode(), key.encode())


@dataclass
class Room:
    """One participatory session as the server holds it."""

    id: str
    session: Session
    owner: str  # client_digest of the facilitator's browser
    path: Path | None
    round_seconds: int = DEFAULT_ROUND_SECONDS
    auto_close: bool = True
    created: float = field(default_factory=time.time)
    seats: dict[str, str] = field(default_factory=dict)  # client -> participant token
    pending: dict[str, str] = field(default_factory=dict)  # after a restart: digest -> seat id
    returned: set[str] = field(default_factory=set)  # clients that got a seat back after one
    version: int = 0  # bumped when what the pages show changes (not the timer's second)
    ticks: int = 0  # bumped when the timer's shown second changes (only the status lines)
    ended: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _listeners: list[Callable[[int], None]] = field(default_factory=list, repr=False)

    # ------------------------------------------------------------------ change notification
    def bump(self) -> int:
        """Something every page of this room should redraw for happened."""
        with self._cond:
            self.version += 1
            self._cond.notify_all()
            return self.version

    def tick(self) -> None:
        """The timer's shown second changed: only the status lines redraw."""
        with self._cond:
            self.ticks += 1
            self._cond.notify_all()

    def wait(self, seen: tuple[int, int], timeout: float) -> tuple[int, int]:
        """Block until (version, ticks) differs from `seen` (or `timeout`); returns it."""
        with self._cond:
            self._cond.wait_for(
                lambda: (self.version, self.ticks) != seen or self._stop.is_set(), timeout
            )
            return self.version, self.ticks

    def start_timer(self) -> None:
        threading.Thread(target=self._timer, name=f"trustsim-room-{self.id}", daemon=True).start()

    def _timer(self) -> None:
        shown = None
        while not self._stop.wait(TICK):
            with contextlib.suppress(Exception):  # a closed session file: the room is ending
                closed = self.session.tick()
                left = self.session.seconds_left()
                second = None if left is None else int(left + 0.999)
                if closed:
                    shown = second
                    self.bump()
                elif second != shown:
                    shown = second
                    self.tick()

    def end(self) -> None:
        """The facilitator ended the room: logged as ended (it will not be resumed)."""
        self.ended = True
        self._stop.set()
        self.bump()
        self.session.end()

    def stop(self) -> None:
        """The server stops: the file stays resumable."""
        self.ended = True
        self._stop.set()
        self.bump()
        self.session.close()

    # ------------------------------------------------------------------ participants
    def participant(self, client: str) -> Participant | None:
        """The seat this client holds (None if it holds none, or was removed)."""
        token = self.seats.get(client) or self._claim(client)
        if token is None:
            return None
        try:
            return self.session.participant(token)
        except ParticipatoryError:
            return None

    def _claim(self, client: str) -> str | None:
        """After a restart: the seat this browser held before it, if any (its token is new)."""
        if not client or not self.pending:
            return None
        with self.session._lock:
            pid = self.pending.pop(client_digest(client), None)
            p = self.session.participants.get(pid) if pid else None
            if p is None or p.removed:
                return None
            self.seats[client] = p.token
            self.returned.add(client)
            return p.token

    def token_of(self, client: str) -> str:
        token = self.seats.get(client) or self._claim(client)
        if token is None:
            raise RoomError("this browser holds no seat in the session; join first", "no_seat")
        return token

    def is_owner(self, client: str) -> bool:
        return bool(client) and secrets.compare_digest(
            client_digest(client).encode(), self.owner.encode()
        )

    def take_over(self, client: str) -> None:
        """This browser becomes the facilitator's (the earlier one loses the console)."""
        self.owner = client_digest(client)
        self.session.remember_client(FACILITATOR, self.owner)
        self.bump()

    def facilitate(self, client: str, action: str, *args: Any) -> Any:
        """Run a facilitator action of the core for the room's owner only."""
        if not self.is_owner(client):
            raise RoomError(
                "only the facilitator's browser can do this (the console of the browser that "
                "started the session)",
                "not_facilitator",
            )
        if action not in FACILITATOR_ACTIONS:
            raise RoomError(f"unknown facilitator action {action!r}", "unknown_action")
        token = self.session.facilitator_token
        if action == "open_round":
            seconds = args[0] if args else self.round_seconds
            result = self.session.open_round(token, _round_seconds(seconds))
        else:
            result = getattr(self.session, action)(token, *args)
        self.bump()
        return result

    def console(self, client: str) -> dict[str, Any]:
        if not self.is_owner(client):
            raise RoomError("only the facilitator's browser sees the console", "not_facilitator")
        return self.session.console(self.session.facilitator_token)

    def submit(
        self, client: str, decisions: Mapping[str, Any], base: int | None = None
    ) -> dict[str, float]:
        token = self.token_of(client)
        choices = self.session.submit(token, decisions, base=base)
        if self.auto_close and self.session.close_if_all_decided():
            self.bump()  # the year ran: every page shows its results
        else:
            self.tick()  # only who has decided changed: the status lines and the console's list
        return choices

    def view(self, client: str) -> dict[str, Any]:
        return self.session.view(self.token_of(client))


FACILITATOR_ACTIONS = frozenset(
    {
        "open_round",
        "close_round",
        "pause",
        "resume",
        "inject_scandal",
        "broadcast",
        "remove",
        "reset",
    }
)


def _round_seconds(value: Any) -> int:
    low, high = ROUND_SECONDS
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if isinstance(value, bool) or not low <= seconds <= high:
        raise RoomError(
            f"round timer {value!r}: allowed is a whole number of seconds in [{low}, {high}]",
            "round_seconds",
            low=low,
            high=high,
        )
    return seconds


class Rooms:
    """Every participatory session of this server, and the limits at its door."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self.rooms: dict[str, Room] = {}
        self.joins = RateLimiter(capacity=JOIN_LIMIT[0], per_minute=JOIN_LIMIT[1], clock=clock)
        self.failed = RateLimiter(
            capacity=FAILED_JOIN_LIMIT[0], per_minute=FAILED_JOIN_LIMIT[1], clock=clock
        )
        self.submits = RateLimiter(
            capacity=SUBMIT_LIMIT[0], per_minute=SUBMIT_LIMIT[1], clock=clock
        )
        self.keys = RateLimiter(capacity=KEY_LIMIT[0], per_minute=KEY_LIMIT[1], clock=clock)
        self.authorised: set[str] = set()  # digests of browsers that gave the console key
        self._resumed = False

    # ------------------------------------------------------------------ facilitator
    def start(
        self,
        owner: str,
        *,
        world: str = "teaching",
        scale: float = 0.01,
        seed: int = 1,
        rounds: int = 6,
        round_seconds: int = DEFAULT_ROUND_SECONDS,
        auto_close: bool = True,
        directory: Path | None = None,
        timer: bool = True,
    ) -> Room:
        """Start a session owned by `owner` (one per owner; the owner's earlier one must end)."""
        if not owner:
            raise RoomError("this browser has no session cookie; allow cookies", "no_cookie")
        if world not in WORLDS:
            raise RoomError(
                f"world {world!r}: allowed are {', '.join(WORLDS)}", "world", allowed=WORLDS
            )
        if world == "state" and scale not in STATE_SCALES:
            raise RoomError(
                f"scale {scale!r}: allowed for the state world are {STATE_SCALES}", "scale"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
            raise RoomError(f"seed {seed!r}: allowed is a whole number in [0, 2^31)", "seed")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
            raise RoomError(
                f"rounds {rounds!r}: allowed is a whole number in [1, {MAX_ROUNDS}]",
                "rounds",
                most=MAX_ROUNDS,
            )
        round_seconds = _round_seconds(round_seconds)
        with self._lock:
            if self.owned_by(owner) is not None:
                raise RoomError(
                    "this browser already runs a session; end it first", "already_running"
                )
            if len(self.rooms) >= MAX_ROOMS:
                raise RoomError(
                    f"this server already runs {MAX_ROOMS} sessions; end one first",
                    "too_many",
                    most=MAX_ROOMS,
                )
            folder = sessions_dir() if directory is None else Path(directory)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RoomError(
                    f"cannot create the sessions folder {folder}: {exc.strerror}",
                    "folder",
                    folder=str(folder),
                ) from None
            room_id = secrets.token_hex(4)
            path = folder / f"session-{time.strftime('%Y%m%d-%H%M%S')}-{room_id}.sqlite"
            session = Session(world=world, scale=scale, seed=seed, rounds=rounds, path=path)
            session.remember_client(FACILITATOR, client_digest(owner))
            session.note("room", {"round_seconds": round_seconds, "auto_close": auto_close})
            room = Room(room_id, session, client_digest(owner), path, round_seconds, auto_close)
            self.rooms[room_id] = room
        if timer:
            room.start_timer()
        return room

    def owned_by(self, owner: str) -> Room | None:
        with self._lock:
            for room in self.rooms.values():
                if room.is_owner(owner):
                    return room
            return None

    def end(self, owner: str) -> Path | None:
        """End the owner's session (its file stays); participants see that it ended."""
        with self._lock:
            room = self.owned_by(owner)
            if room is None:
                return None
            del self.rooms[room.id]
        room.end()
        return room.path

    def end_all(self) -> None:
        """End every room (logged as ended: none is resumed)."""
        with self._lock:
            rooms, self.rooms = list(self.rooms.values()), {}
        for room in rooms:
            room.end()

    def stop_all(self) -> None:
        """Stop every room as a server stop would (the files stay resumable)."""
        with self._lock:
            rooms, self.rooms = list(self.rooms.values()), {}
        for room in rooms:
            room.stop()

    # ------------------------------------------------------------------ restart
    def resume_once(self, directory: Path | None = None) -> list[Room]:
        """`resume_folder` the first time it is called in this process (the first page served)."""
        with self._lock:
            if self._resumed:
                return []
            self._resumed = True
        return self.resume_folder(sessions_dir() if directory is None else directory)

    def resume_folder(
        self, directory: Path, hours: float = RESUME_HOURS, timer: bool = True
    ) -> list[Room]:
        """Resume the rooms whose session files in `directory` were not ended and changed in
        the last `hours` (newest first, at most MAX_ROOMS in all); unreadable files are skipped."""
        folder = Path(directory)
        if not folder.is_dir():
            return []
        cutoff = time.time() - hours * 3600.0
        files = sorted(
            (f for f in folder.glob("session-*.sqlite") if f.stat().st_mtime >= cutoff),
            key=lambda f: f.stat().st_mtime,
            reverse=True,
        )
        out = []
        for path in files:
            with self._lock:
                if len(self.rooms) >= MAX_ROOMS:
                    break
                if any(r.path == path for r in self.rooms.values()) or not resumable(path):
                    continue
                try:
                    session = resume(path)
                except (ParticipatoryError, OSError, ValueError):
                    continue
                room = self._room_of(session, path)
                self.rooms[room.id] = room
            if timer:
                room.start_timer()
            out.append(room)
        return out

    @staticmethod
    def _room_of(session: Session, path: Path) -> Room:
        clients = session.clients()
        setting = session.notes().get("room", {})
        room_id = (
            path.stem.rsplit("-", 1)[-1] if path.stem.count("-") >= 3 else secrets.token_hex(4)
        )
        room = Room(
            room_id,
            session,
            clients.get(FACILITATOR, ""),
            path,
            int(setting.get("round_seconds", DEFAULT_ROUND_SECONDS)),
            bool(setting.get("auto_close", True)),
        )
        room.pending = {
            digest: who
            for who, digest in clients.items()
            if who != FACILITATOR
            and who in session.participants
            and not session.participants[who].removed
        }
        return room

    # ------------------------------------------------------------------ the console key
    def unlock(self, client: str, typed: Any) -> bool:
        """Check a typed console key under the key limits; True (and the browser remembered as
        the facilitator's) if it is right. Refusals raise a RoomError saying when to retry."""
        if not client:
            raise RoomError("this browser has no session cookie; allow cookies", "no_cookie")
        if not self.keys.allow(client):
            wait = self.keys.retry_after(client)
            raise RoomError(
                f"too many attempts; try again in {wait:.0f} s", "rate", seconds=round(wait)
            )
        wait = self.failed.retry_after(SERVER)
        if wait > 0:
            raise RoomError(
                f"too many wrong attempts on this server; try again in {wait:.0f} s",
                "rate",
                seconds=round(wait),
            )
        if not isinstance(typed, str) or not console_key_ok(typed.strip()):
            self.failed.allow(SERVER)
            raise RoomError(
                "wrong console key; it is printed in the terminal where `trustsim app` runs",
                "wrong_key",
            )
        with self._lock:
            self.authorised.add(client_digest(client))
        return True

    def may_run(self, client: str) -> bool:
        """Whether this browser may start or take over rooms (no key needed on a loopback
        server; else the key was given once from this browser)."""
        if not console_key_needed():
            return True
        with self._lock:
            return bool(client) and client_digest(client) in self.authorised

    def orphans(self, client: str) -> list[Room]:
        """Rooms this browser does not run, for the key holder to take over."""
        with self._lock:
            return [r for r in self.rooms.values() if not r.is_owner(client)]

    def reclaim(self, client: str, room_id: str) -> Room:
        """The key holder's browser takes over room `room_id` (one room per browser)."""
        if not self.may_run(client):
            raise RoomError("taking over a room needs the console key", "key_needed")
        with self._lock:
            if self.owned_by(client) is not None:
                raise RoomError(
                    "this browser already runs a session; end it first", "already_running"
                )
            room = self.rooms.get(room_id)
            if room is None:
                raise RoomError(f"no room {room_id!r} on this server", "no_room")
            room.take_over(client)
            return room

    # ------------------------------------------------------------------ participants
    def seat_of(self, client: str) -> tuple[Room, Participant] | None:
        """The room and seat this client holds, if any (a reloaded page finds its seat here)."""
        with self._lock:
            rooms = list(self.rooms.values())
        for room in rooms:
            p = room.participant(client)
            if p is not None:
                return room, p
        return None

    def room_by_code(self, code: str) -> Room | None:
        typed = normalise_join_code(code).encode()
        found = None
        with self._lock:
            for room in self.rooms.values():  # compare with every room: time does not tell
                if secrets.compare_digest(typed, room.session.join_code.encode()):
                    found = room
        return found

    def check_code(self, client: str, code: str) -> Room:
        """The room whose join code `code` is, within the rate limits."""
        if not self.joins.allow(client):
            wait = self.joins.retry_after(client)
            raise RoomError(
                f"too many attempts; try again in {wait:.0f} s", "rate", seconds=round(wait)
            )
        wait = self.failed.retry_after(SERVER)
        if wait > 0:
            raise RoomError(
                f"too many wrong codes on this server; try again in {wait:.0f} s",
                "rate",
                seconds=round(wait),
            )
        room = self.room_by_code(code)
        if room is None:
            self.failed.allow(SERVER)
            raise RoomError(
                "wrong join code; ask the facilitator for the code on the projector", "wrong_code"
            )
        return room

    def join(
        self, client: str, code: str, name: str, role: str, agency: int | None = None
    ) -> tuple[Room, Participant]:
        """Take a seat in the session whose code is `code` (a client holds one seat at most)."""
        if not client:
            raise RoomError("this browser has no session cookie; allow cookies", "no_cookie")
        held = self.seat_of(client)
        if held is not None:
            return held
        room = self.check_code(client, code)
        p = room.session.join(code, name, role, agency)
        room.seats[client] = p.token
        room.session.remember_client(p.id, client_digest(client))
        room.bump()
        return room, p

    def reconnect(self, client: str) -> tuple[Room, Participant] | None:
        """A page (re)loaded by a client that holds a seat: logged as a reconnect."""
        held = self.seat_of(client)
        if held is not None:
            room = held[0]
            with contextlib.suppress(ParticipatoryError):
                room.session.reconnect(room.seats[client])
        return held

    def submit(
        self, client: str, decisions: Mapping[str, Any], base: int | None = None
    ) -> dict[str, float]:
        held = self.seat_of(client)
        if held is None:
            raise RoomError("this browser holds no seat in a session; join first", "no_seat")
        if not self.submits.allow(client):
            wait = self.submits.retry_after(client)
            raise RoomError(
                f"too many submissions; try again in {wait:.0f} s", "rate", seconds=round(wait)
            )
        return held[0].submit(client, decisions, base)


def decides(role: str) -> bool:
    """Whether a role makes decisions (observers only watch)."""
    return role != OBSERVER and bool(DECISIONS.get(role))


ROOMS = Rooms()  # the server's registry (one per process; Solara serves all pages from one)
