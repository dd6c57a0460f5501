"""`trustsim session`: read, replay and export the SQLite file of a participatory session.

    trustsim session show FILE                       # world, seed, rounds, roles, decisions, events
    trustsim session replay FILE [--out OUT] [--force]   # re-run it; yearly means; quarterly outputs
    trustsim session export FILE OUT [--force]       # the decision log for research (no names)

OUT is .csv or .parquet. Nothing is written to FILE (it is opened read-only), and OUT is written
to a temporary file beside it and renamed, so it is never half-written. Bad input prints one line
to stderr and exits 2.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

SQLITE_HEADER = b"SQLite format 3\x00"
OUT_SUFFIXES = (".csv", ".parquet")
META_KEYS = ("world", "scale", "seed", "rounds", "scenario", "caps", "format_version")
EVENT_KINDS = (  # the order `show` lists them in (docs/participatory.md, "The session file")
    "join",
    "reconnect",
    "decision",
    "open",
    "pause",
    "resume",
    "close",
    "scandal",
    "broadcast",
    "remove",
    "reset",
    "restart",
    "end",
)
YEARLY_COLUMNS = ("innovation_rate", "incident_rate", "trust_orientation", "steering_detail")
WHAT_IS_A_SESSION_FILE = "a session file is the SQLite file a participatory session writes"


def _error(message: str) -> int:
    print(f"trustsim: error: {message}", file=sys.stderr)
    return 2


def _guarded(func: Callable[[Any], int]) -> Callable[[Any], int]:
    """Run `func(args)`; a ParticipatoryError is one clear line and exit 2."""

    def run(args) -> int:
        from ..play.participatory import ParticipatoryError

        try:
            return func(args)
        except ParticipatoryError as exc:
            return _error(str(exc))

    return run


# ---------------------------------------------------------------------- reading the file
def _read_only_uri(path: Path) -> str:
    """An SQLite URI that opens `path` read-only, whatever characters its name has (? # %)."""
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def read_session_file(path: Path) -> tuple[dict[str, Any], list[tuple]]:
    """The `meta` and the events (seq, time, kind, round, participant, role, payload) of a
    session file, opened read-only; a ParticipatoryError says what is wrong with it."""
    from ..play.participatory import READABLE_FORMATS, ParticipatoryError

    if not path.exists():
        raise ParticipatoryError(f"{path}: no such file; {WHAT_IS_A_SESSION_FILE}")
    if not path.is_file():
        raise ParticipatoryError(f"{path}: is a folder, not a file; {WHAT_IS_A_SESSION_FILE}")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ParticipatoryError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not header:
        raise ParticipatoryError(f"{path}: the file is empty; {WHAT_IS_A_SESSION_FILE}")
    if header != SQLITE_HEADER:
        raise ParticipatoryError(f"{path}: not an SQLite file; {WHAT_IS_A_SESSION_FILE}")
    not_ours = f"{path}: an SQLite file but not a trustsim session file"
    try:
        db = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"meta", "events"} <= tables:
                raise ParticipatoryError(f"{not_ours} (no meta and events tables)")
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
            events = db.execute(
                "SELECT seq, time, kind, round, participant, role, payload FROM events ORDER BY seq"
            ).fetchall()
        finally:
            db.close()
    except (sqlite3.Error, ValueError, TypeError) as exc:
        if isinstance(exc, ParticipatoryError):
            raise
        raise ParticipatoryError(f"{not_ours} ({exc})") from None
    version = meta.get("format_version")
    if version not in READABLE_FORMATS:
        raise ParticipatoryError(
            f"{path}: session format {version!r}; this trustsim reads formats "
            f"{', '.join(map(str, READABLE_FORMATS))}"
        )
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        raise ParticipatoryError(f"{not_ours} (meta lacks {', '.join(missing)})")
    return meta, events


def summarise(meta: dict[str, Any], events: list[tuple]) -> dict[str, Any]:
    """Rounds played and the state at the end of the log, seats taken per role, decisions and
    events counted (the session's own state machine, read from the log without the model)."""
    played, state, current = 0, "waiting", 0
    joined: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    submissions = fields = 0
    for _seq, _time, kind, rnd, _pid, role, payload in events:
        if kind == "join":
            joined[role] += 1
        elif kind == "remove":
            removed[role] += 1
        elif kind == "decision":
            submissions += 1
            fields += len(json.loads(payload).get("decisions", {}))
        elif kind == "open":
            state, current = "open", rnd
        elif kind == "pause":
            state = "paused"
        elif kind == "resume":
            state = "open"
        elif kind == "close":
            played = current = rnd
            state = "finished" if rnd >= meta["rounds"] else "closed"
        elif kind == "reset":
            played, state, current = 0, "waiting", 0
        elif kind == "restart" and state == "open":
            state = "paused"  # a round open when the server stopped waits for the facilitator
    kinds = Counter(e[2] for e in events)
    order = [k for k in EVENT_KINDS if k in kinds] + sorted(set(kinds) - set(EVENT_KINDS))
    return {
        "played": played,
        "state": state,
        "current": current,
        "joined": joined,
        "removed": removed,
        "submissions": submissions,
        "fields": fields,
        "kinds": [(k, kinds[k]) for k in order],
        "span": (events[-1][1] - events[0][1]) if events else 0.0,
    }


# ---------------------------------------------------------------------- writing output
def _check_out(out: Path, source: Path, force: bool) -> None:
    """Refuse an output path before any work is done: suffix, folder, existing file."""
    from ..play.participatory import ParticipatoryError

    if out.suffix not in OUT_SUFFIXES:
        raise ParticipatoryError(
            f"{out}: unknown output type {out.suffix or '(no suffix)'!r}; "
            "allowed suffixes are .csv and .parquet"
        )
    if not out.parent.is_dir():
        raise ParticipatoryError(f"{out}: the folder {out.parent} does not exist; create it first")
    if out.is_dir():
        raise ParticipatoryError(f"{out}: is a folder; give a file name ending .csv or .parquet")
    if out.exists():
        if out.resolve() == source.resolve() or out.samefile(source):
            raise ParticipatoryError(f"{out}: is the session file itself; choose another name")
        if not force:
            raise ParticipatoryError(
                f"{out} exists; choose a new name, or pass --force to overwrite it"
            )


def _write_atomically(out: Path, write: Callable[[Path], Any]) -> None:
    """`write(tmp)` to a temporary file beside `out` (same suffix), then rename it to `out`."""
    from ..play.participatory import ParticipatoryError

    tmp = out.with_name(f".{out.stem}.tmp-{os.getpid()}{out.suffix}")
    try:
        write(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise ParticipatoryError(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_frame(frame, out: Path) -> None:
    """A frame with its index (the quarter) as CSV or Parquet by the suffix of `out`."""
    if out.suffix == ".parquet":
        _write_atomically(out, frame.to_parquet)
    else:
        _write_atomically(out, frame.to_csv)


# ---------------------------------------------------------------------- the commands
def cmd_show(args) -> int:
    from ..play.participatory import ROLES

    path = Path(args.file)
    meta, events = read_session_file(path)
    s = summarise(meta, events)
    state = {
        "waiting": "not started" if not s["played"] else "reset, not started again",
        "open": f"round {s['current']} open",
        "paused": f"round {s['current']} paused",
        "closed": "between rounds",
        "finished": "finished",
    }[s["state"]]
    seats = []
    for role in ROLES:
        if s["joined"][role]:
            gone = f" ({s['removed'][role]} removed)" if s["removed"][role] else ""
            seats.append(f"{role} {s['joined'][role]}{gone}")
    print(f"session file   {path}")
    print(f"world          {meta['world']} (scale {meta['scale']:g})")
    print(f"seed           {meta['seed']}")
    print(f"scenario       {meta['scenario']}")
    print(f"rounds         {s['played']} played of {meta['rounds']} ({state})")
    print(f"participants   {sum(s['joined'].values())}: {', '.join(seats) or 'none'}")
    print(f"decisions      {s['submissions']} submissions ({s['fields']} fields)")
    print(f"events         {len(events)}: {', '.join(f'{k} {n}' for k, n in s['kinds']) or '-'}")
    print(f"logged over    {s['span'] / 60:.1f} min")
    return 0


def cmd_replay(args) -> int:
    from ..play.participatory import replay

    path = Path(args.file)
    out = Path(args.out) if args.out else None
    meta, _ = read_session_file(path)
    if out is not None:
        _check_out(out, path, args.force)
    # read-only, the rebuilt session logs to memory (log=None): the file is not touched
    session = replay(path.resolve())
    try:
        years = session.yearly()
        outputs = session.outputs()
    finally:
        session.close()
    quarters = len(outputs) - 1
    print(
        f"replayed {path}: world {meta['world']}, seed {meta['seed']}, "
        f"{len(years)} of {meta['rounds']} rounds ({quarters} quarters)"
    )
    if years.empty:
        print("no round was closed; no yearly means")
    else:
        print("yearly means (mean of each round's four quarters):")
        print(format_table(years, ("round", *YEARLY_COLUMNS)))
    if out is not None:
        write_frame(outputs, out)
        print(f"wrote {out} (quarterly outputs, {len(outputs)} rows)")
    return 0


def format_table(frame, columns: tuple[str, ...]) -> str:
    """A compact right-aligned text table: the round as an integer, the rest to four decimals."""
    widths = [max(len(c), 8) for c in columns]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    for _, row in frame.iterrows():
        cells = [f"{int(row[columns[0]])}".rjust(widths[0])]
        cells += [f"{row[c]:.4f}".rjust(w) for c, w in zip(columns[1:], widths[1:])]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def cmd_export(args) -> int:
    from ..play.participatory import ParticipatoryError, export_decisions

    path, out = Path(args.file), Path(args.out)
    _, events = read_session_file(path)
    _check_out(out, path, args.force)
    db = sqlite3.connect(_read_only_uri(path), uri=True)
    try:
        _write_atomically(out, lambda tmp: export_decisions(db, tmp))
    except (KeyError, ValueError, sqlite3.Error) as exc:
        if isinstance(exc, ParticipatoryError):
            raise
        raise ParticipatoryError(
            f"{path}: a decision in the log cannot be read ({exc!r}); the file is damaged"
        ) from None
    finally:
        db.close()
    rows = sum(len(json.loads(e[6])["decisions"]) for e in events if e[2] == "decision")
    print(f"wrote {out} ({rows} decisions, one row per submitted field; no display names)")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "session",
        help="participatory session files: show, replay, export for research",
        description="Read the SQLite file a participatory session writes: a summary, an exact "
        "replay (same seed and decisions, the same outputs) and the decision log for research. "
        "See docs/participatory.md.",
    )
    inner = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    inner.required = True

    q = inner.add_parser("show", help="world, seed, rounds, roles, decisions and events")
    q.add_argument("file", metavar="FILE", help="the session file (SQLite)")
    q.set_defaults(func=_guarded(cmd_show))

    q = inner.add_parser(
        "replay", help="re-run the session from its log and print the yearly means"
    )
    q.add_argument("file", metavar="FILE", help="the session file (SQLite; opened read-only)")
    q.add_argument(
        "--out", metavar="OUT", help="also write the quarterly outputs to OUT (.csv or .parquet)"
    )
    q.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    q.set_defaults(func=_guarded(cmd_replay))

    q = inner.add_parser(
        "export", help="the decision log for research (one row per decision; no names)"
    )
    q.add_argument("file", metavar="FILE", help="the session file (SQLite; opened read-only)")
    q.add_argument("out", metavar="OUT", help="the export file (.csv or .parquet)")
    q.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    q.set_defaults(func=_guarded(cmd_export))
