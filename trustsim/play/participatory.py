"""Participatory sessions: the room plays the system (issue 11, the headless core; no UI here).

A facilitator starts a `Session` (world, scale, seed, number of rounds); participants join with the
session's join code and a display name and take a role: the government, ESV, DIGG, Arbetsgivarverket
(AgV), an agency head, or an observer. One round is one budget year (four quarters of the model).
The facilitator opens a round with a timer, participants submit their decisions, the facilitator
(or the timer, checked with an explicit `now`) closes it, and the model runs the year with every
decision applied. Each participant's `view` returns the slice of the system their role would see.

Every event is logged to a SQLite session file in the order it happened; `replay(path)` rebuilds the
session from the log and gives bit-identical model outputs (same seed, same decisions, same order).
`Session.debrief()` sets each role's decisions beside the outcomes, and re-runs the same years with
the control-based baseline and the integrated reform (`integrated-esv-digg`) for comparison.

How decisions reach the model (see docs/participatory.md for the table):
- government and support bodies: parameters of `model.p` (and the support bodies' own `alignment`
  and `reach`), set between years the way `TrustModel._switch_levers` sets levers at quarter 0;
- an agency head: per-workplace state of her agency, re-imposed before each quarter of the year
  (managers' trust orientation, the innovation-leader role, rule-blocked ideas passing by
  dispensation). All other agencies follow the model's own rules.

Secrets: the join code (45 bits from an unambiguous alphabet), the facilitator token and each
participant's reconnect token come from `secrets`; none of them is written to the session file.
The file is created owner-only (0600): it holds display names and, for `resume`, the SHA-256 digest
of each seat's browser (`remember_client`), never the browser's cookie itself.

A room survives a restart: `Session.resume(path)` reads the file, re-applies its events and goes on
logging to it (a round that was open is paused with the time it had left at its last event, and
gets a fresh join code: the old one is not stored). Decisions carry a version (`submit(..., base=)`):
a page that sends from an older version than the one in force is refused, so a stale tab cannot
overwrite a newer decision.
`RateLimiter` is the per-client token bucket the web layer puts in front of joins and submissions.
"""

from __future__ import annotations

import html
import json
import math
import os
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.model import OUTPUTS, TrustModel
from ..model.params import SPECS, Params
from ..model.scenarios import load_scenario
from ..model.worlds import STATE_AGENCY

FORMAT_VERSION = 2  # 2: decision versions, restart/end events, the clients table
READABLE_FORMATS = (1, 2)
RESTART_MIN_SECONDS = 30.0  # a round paused by a restart keeps at least this much time
QUARTERS_PER_ROUND = 4  # one round is one budget year
JOIN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O, 1/I
JOIN_CODE_LENGTH = 9  # 9 · log2(32) = 45 bits
MAX_NAME_LENGTH = 24
MAX_MESSAGE_LENGTH = 280
MAX_ROUNDS = 30
BASELINE_SCENARIO = "baseline-control"
REFORM_SCENARIO = "integrated-esv-digg"

GOVERNMENT, ESV, DIGG, AGV, AGENCY_HEAD, OBSERVER = (
    "government",
    "esv",
    "digg",
    "agv",
    "agency_head",
    "observer",
)
ROLES = (GOVERNMENT, ESV, DIGG, AGV, AGENCY_HEAD, OBSERVER)
GLOBAL_ROLES = (GOVERNMENT, ESV, DIGG, AGV)  # one shared choice per role (last submission wins)
DEFAULT_CAPS = {GOVERNMENT: 1, ESV: 1, DIGG: 1, AGV: 1, AGENCY_HEAD: 30, OBSERVER: 60}
BODY_OF_ROLE = {ESV: "ESV", DIGG: "DIGG", AGV: "AgV"}  # the support body's short name in the model


class ParticipatoryError(ValueError):
    """A refused participatory action; the message says what is wrong and what is allowed.

    `key` (with `values`) names the refusal for a page that shows it in the participant's
    language (`trustsim/app/strings.json`, keys `pe.KEY`); None where only the English text exists.
    """

    def __init__(self, message: str, key: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Decision:
    """One decision a role may make: its name, the model parameter or state it sets, its range."""

    name: str
    target: str  # a parameter of params.SPECS, or "agency:<state>" for per-agency state
    low: float
    high: float
    doc: str

    def check(self, value: Any) -> float:
        """`value` as a float within [low, high], or a ParticipatoryError naming the range."""
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value) and self.low <= value <= self.high
        if not ok:
            raise ParticipatoryError(
                f"decision {self.name!r}: {value!r} is not allowed; allowed is a number in "
                f"[{self.low:g}, {self.high:g}]",
                "range",
                low=self.low,
                high=self.high,
            )
        return value


def _param(
    name: str, target: str, doc: str, low: float | None = None, high: float | None = None
) -> Decision:
    spec = SPECS[target]
    return Decision(
        name, target, spec.low if low is None else low, spec.high if high is None else high, doc
    )


# What each role decides. Ranges are the parameter's range in params.SPECS unless narrowed here.
DECISIONS: dict[str, dict[str, Decision]] = {
    GOVERNMENT: {
        d.name: d
        for d in (
            _param(
                "steering_detail",
                "steering_detail",
                "policy level of detail in steering the state's agencies",
            ),
            _param(
                "reporting_demands",
                "reporting_demands",
                "policy level of reporting demands on the state's agencies",
            ),
            _param(
                "budget_horizon_years",
                "budget_horizon_years",
                "years ahead an agency's budget is secured",
            ),
            _param(
                "incident_reaction",
                "ratchet_up",
                "how much steering is tightened per visible incident per 1 000 staff "
                "(narrowed from 0–5 to 0–1; the default 0.25 is mid-range)",
                0.0,
                1.0,
            ),
        )
    },
    **{
        role: {
            "alignment": _param(
                "alignment",
                f"{role}_alignment",
                f"alignment of {BODY_OF_ROLE[role]}'s support with trust principles",
            ),
            "reach": _param(
                "reach", f"{role}_reach", f"share of agencies {BODY_OF_ROLE[role]} reaches per year"
            ),
        }
        for role in (ESV, DIGG, AGV)
    },
    AGENCY_HEAD: {
        "autonomy_granted": Decision(
            "autonomy_granted",
            "agency:orientation",
            0.0,
            1.0,
            "trust orientation the head asks of her managers; it sets the autonomy they grant "
            "(o · (1 - detail_autonomy_cut · detail) + 0.1), and with it approval and safety",
        ),
        "experiments_approved": Decision(
            "experiments_approved",
            "agency:leader",
            0.0,
            1.0,
            "share of her workplaces whose manager holds the innovation-leader role (approves "
            "0.1 more of the ideas, grants 0.1 more autonomy, +0.05 success)",
        ),
        "use_of_dispensation": Decision(
            "use_of_dispensation",
            "agency:dispensation_use",
            0.0,
            1.0,
            "share of the dispensation route's grants her agency uses: a rule-blocked idea "
            "gets through with probability dispensation_grant · use (the model's own use is "
            "unfunded_dispensation_use without experimentation funding and 1 with it); no effect "
            "where the scenario has no dispensation route",
        ),
    },
    OBSERVER: {},
}


def allowed_decisions(role: str) -> dict[str, tuple[float, float]]:
    """The decisions `role` may make, each with its allowed range (for a UI's controls)."""
    _check_role(role)
    return {name: (d.low, d.high) for name, d in DECISIONS[role].items()}


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ParticipatoryError(f"role {role!r} is unknown; allowed: {', '.join(ROLES)}")


def escape(text: str) -> str:
    """`text` safe to place in HTML (names and messages are stored raw, escaped on output)."""
    return html.escape(text, quote=True)


def new_join_code() -> str:
    """A fresh join code: JOIN_CODE_LENGTH symbols of JOIN_ALPHABET (45 bits), from `secrets`."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def format_join_code(code: str) -> str:
    """The code as shown on the projector: groups of three (ABC-DEF-GHJ)."""
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


def normalise_join_code(text: str) -> str:
    """What a participant typed, upper-cased without spaces or dashes."""
    return "".join(ch for ch in str(text).upper() if ch not in " -\t")


def check_name(name: Any) -> str:
    """A display name as given (stripped), or a ParticipatoryError saying what is allowed."""
    if not isinstance(name, str):
        raise ParticipatoryError("a display name must be text", "name_length", most=MAX_NAME_LENGTH)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ParticipatoryError(
            f"a display name must have 1 to {MAX_NAME_LENGTH} characters (got {len(name)})",
            "name_length",
            most=MAX_NAME_LENGTH,
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ParticipatoryError(
            "a display name must not contain control characters", "name_control"
        )
    return name


@dataclass
class Participant:
    """One seat: who sits in it, in which role (and agency), and the token that reclaims it."""

    id: str
    name: str  # raw; use `name_html` on any page
    role: str
    agency: int | None = None
    token: str = field(default="", repr=False)
    removed: bool = False

    @property
    def name_html(self) -> str:
        return escape(self.name)


class Session:
    """One participatory session: participants, rounds, the model, and the log.

    Args:
        world, scale, seed: the model's world and seed (the teaching world always runs at scale 1).
        rounds: budget years to play (1–MAX_ROUNDS).
        scenario: the scenario the session starts from (default the control-based baseline).
        path: the SQLite session file (None: an in-memory log, lost with the session).
        caps: seats per role, overriding DEFAULT_CAPS.
        clock: wall clock for event times when no `now` is passed (tests pass `now`).
    """

    def __init__(
        self,
        world: str = "teaching",
        scale: float = 1.0,
        seed: int = 0,
        rounds: int = 5,
        scenario: str = BASELINE_SCENARIO,
        path: str | PathLike | None = None,
        caps: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
        _resume_db: sqlite3.Connection | None = None,
    ) -> None:
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
            raise ParticipatoryError(
                f"rounds {rounds!r}: allowed is an integer in [1, {MAX_ROUNDS}]"
            )
        caps = {**DEFAULT_CAPS, **dict(caps or {})}
        for role, cap in caps.items():
            _check_role(role)
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
                raise ParticipatoryError(f"cap of {role!r}: allowed is an integer >= 0")
        scale = 1.0 if world == "teaching" else float(scale)
        self.config = {
            "world": world,
            "scale": scale,
            "seed": int(seed),
            "rounds": rounds,
            "scenario": scenario,
            "caps": caps,
            "format_version": FORMAT_VERSION,
        }
        self.scenario_params = dict(load_scenario(scenario).params)
        self._clock = clock
        self._lock = threading.RLock()
        self.join_code = new_join_code()
        self._facilitator_token = secrets.token_urlsafe(32)
        self.participants: dict[str, Participant] = {}
        self.messages: list[dict[str, Any]] = []
        self.restarts = 0  # server restarts this session has survived
        self.ended = False
        self.last_time: float | None = None  # time of the last event
        self._reset_state()
        # no more agency heads than the world has state agencies
        caps[AGENCY_HEAD] = min(caps[AGENCY_HEAD], len(self.agencies()))
        self._db = _resume_db if _resume_db is not None else _open_log(path, self.config)

    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        """The model at quarter 0 and every choice back to the scenario's (participants stay)."""
        c = self.config
        self.model = TrustModel(
            world=c["world"], scale=c["scale"], rng=c["seed"], params=self.scenario_params
        )
        self.round = 0
        self.state = "waiting"  # waiting | open | paused | closed | finished
        self.deadline: float | None = None
        self.remaining: float | None = None
        self.decided: set[str] = set()
        p = self.model.p
        self.choices: dict[str, dict[str, float]] = {
            role: {name: float(p[d.target]) for name, d in DECISIONS[role].items()}
            for role in GLOBAL_ROLES
        }
        self.head_choices: dict[str, dict[str, float]] = {}  # participant id -> choices
        self.history: list[dict[str, Any]] = []  # choices in force each round
        self.news: list[dict[str, Any]] = []
        self.agency_years: list[dict[int, dict[str, float]]] = []  # per round: agency -> numbers
        self.scandals: list[tuple[int, float]] = []  # (model quarter when injected, size)
        self.versions: dict[str, int] = {}  # role (global roles) or participant id -> version

    @property
    def facilitator_token(self) -> str:
        return self._facilitator_token

    @property
    def display_code(self) -> str:
        return format_join_code(self.join_code)

    def _now(self, now: float | None) -> float:
        return float(self._clock() if now is None else now)

    # ------------------------------------------------------------------ authentication
    def _facilitator(self, token: str) -> None:
        if isinstance(token, str) and secrets.compare_digest(
            token.encode(), self._facilitator_token.encode()
        ):
            return
        if self._participant_by_token(token) is not None:
            raise ParticipatoryError(
                "a participant's token cannot do facilitator actions; use the facilitator token"
            )
        raise ParticipatoryError(
            "wrong facilitator token; facilitator actions need the "
            "token the session was started with"
        )

    def _participant_by_token(self, token: Any) -> Participant | None:
        if not isinstance(token, str) or not token:
            return None
        for p in self.participants.values():
            if p.token and secrets.compare_digest(p.token.encode(), token.encode()):
                return p
        return None

    def participant(self, token: str) -> Participant:
        """The participant holding `token` (a removed participant is refused)."""
        with self._lock:
            p = self._participant_by_token(token)
            if p is None:
                raise ParticipatoryError(
                    "unknown participant token; join with the session's code", "unknown_token"
                )
            if p.removed:
                raise ParticipatoryError(
                    "this participant was removed by the facilitator", "removed"
                )
            return p

    # ------------------------------------------------------------------ joining
    def seats(self) -> dict[str, str]:
        """Seats taken per role as "X/Y" (shown on the join page)."""
        with self._lock:
            return {role: f"{self._taken(role)}/{self.config['caps'][role]}" for role in ROLES}

    def _taken(self, role: str) -> int:
        return sum(1 for p in self.participants.values() if p.role == role and not p.removed)

    def agencies(self) -> list[tuple[int, str]]:
        """The agencies a head may take: (index, name), the state's agencies largest first."""
        m = self.model
        state = [i for i in range(m.n_agencies) if m.agency_kind[i] == STATE_AGENCY]
        state.sort(key=lambda i: (-int(m.agency_size[i]), i))
        return [(i, m.agencies[i].name) for i in state]

    def join(
        self, code: str, name: str, role: str, agency: int | None = None, now: float | None = None
    ) -> Participant:
        """Take a seat; returns the participant with the reconnect token (keep it on the device)."""
        with self._lock:
            if not secrets.compare_digest(
                normalise_join_code(code).encode(), self.join_code.encode()
            ):
                raise ParticipatoryError(
                    "wrong join code; ask the facilitator for the code on the projector",
                    "wrong_code",
                )
            name = check_name(name)
            _check_role(role)
            key = name.casefold()
            if any(p.name.casefold() == key for p in self.participants.values() if not p.removed):
                raise ParticipatoryError(
                    f"the name {name!r} is taken in this session; choose another",
                    "name_taken",
                    name=name,
                )
            cap = self.config["caps"][role]
            if self._taken(role) >= cap:
                raise ParticipatoryError(
                    f"the role {role!r} is full ({self._taken(role)}/{cap}); "
                    f"seats free: {self._free_roles()}",
                    "role_full",
                    role=role,
                    seats=f"{self._taken(role)}/{cap}",
                )
            if role == AGENCY_HEAD:
                agency = self._free_agency(agency)
            elif agency is not None:
                raise ParticipatoryError("only an agency head takes an agency")
            pid = f"p{len(self.participants) + 1}"
            self._record(
                "join",
                self._now(now),
                participant=pid,
                role=role,
                payload={"name": name, "agency": agency},
            )
            p = self.participants[pid]
            p.token = secrets.token_urlsafe(24)
            return p

    def _free_roles(self) -> str:
        free = [r for r in ROLES if self._taken(r) < self.config["caps"][r]]
        return ", ".join(free) or "none"

    def _free_agency(self, agency: int | None) -> int:
        held = {
            p.agency for p in self.participants.values() if p.role == AGENCY_HEAD and not p.removed
        }
        offered = [i for i, _ in self.agencies()]
        if agency is None:
            for i in offered:
                if i not in held:
                    return i
            raise ParticipatoryError("every state agency already has a head", "no_agency_free")
        if (
            isinstance(agency, bool)
            or not isinstance(agency, (int, np.integer))
            or int(agency) not in offered
        ):
            raise ParticipatoryError(
                f"agency {agency!r} is not a state agency of this world; "
                f"allowed: indices of agencies() ({len(offered)} agencies)"
            )
        if int(agency) in held:
            raise ParticipatoryError(
                f"agency {agency!r} already has a head; choose another", "agency_taken"
            )
        return int(agency)

    def reconnect(self, token: str, now: float | None = None) -> Participant:
        """A device that slept gets its seat back with its reconnect token."""
        with self._lock:
            p = self.participant(token)
            self._record("reconnect", self._now(now), participant=p.id, role=p.role)
            return p

    # ------------------------------------------------------------------ decisions
    def submit(
        self,
        token: str,
        decisions: Mapping[str, Any],
        now: float | None = None,
        base: int | None = None,
    ) -> dict[str, float]:
        """Submit decisions for the participant's own role in the open round; returns the
        participant's choices now in force (fields not submitted keep last year's choice).

        `base` is the decision version the sender's page showed (`view()["version"]`); if a newer
        decision has been made since (another tab, or the role's other seat), the submission is
        refused with key "stale" and nothing changes. None skips the check (scripts, tests)."""
        with self._lock:
            p = self.participant(token)
            now = self._now(now)
            if self.state != "open":
                raise ParticipatoryError(
                    f"no round is open for decisions (the session is {self.state}, round "
                    f"{self.round}); wait for the facilitator to open the next round",
                    "no_round_open",
                )
            if self.deadline is not None and now >= self.deadline:
                raise ParticipatoryError(
                    f"round {self.round}'s time is up; decisions are closed",
                    "time_up",
                    round=self.round,
                )
            allowed = DECISIONS[p.role]
            if not allowed:
                raise ParticipatoryError(f"the role {p.role!r} makes no decisions")
            if not isinstance(decisions, Mapping) or not decisions:
                raise ParticipatoryError(
                    f"submit a mapping of decisions; allowed for {p.role!r}: {', '.join(allowed)}"
                )
            values = {}
            for name, value in decisions.items():
                if name not in allowed:
                    raise ParticipatoryError(
                        f"decision {name!r} is not one of the {p.role!r} role's; allowed: "
                        f"{', '.join(f'{n} [{d.low:g}, {d.high:g}]' for n, d in allowed.items())}"
                    )
                values[name] = allowed[name].check(value)
            current = self.version_of(p)
            if base is not None and base != current:
                raise ParticipatoryError(
                    f"a newer decision (version {current}) was made since this page showed "
                    f"version {base!r}; the page now shows it: check it and send again",
                    "stale",
                    version=current,
                )
            self._record(
                "decision",
                now,
                participant=p.id,
                role=p.role,
                payload={"decisions": values, "version": current + 1},
            )
            return dict(self._choices_of(p))

    def version_of(self, p: Participant) -> int:
        """The version of the decisions in force for p's role (global roles) or p's agency."""
        with self._lock:
            return self.versions.get(p.role if p.role in GLOBAL_ROLES else p.id, 0)

    def _choices_of(self, p: Participant) -> dict[str, float | None]:
        if p.role in GLOBAL_ROLES:
            return self.choices[p.role]
        if p.role == AGENCY_HEAD:
            chosen = self.head_choices.get(p.id, {})
            return {name: chosen.get(name) for name in DECISIONS[AGENCY_HEAD]}
        return {}

    # ------------------------------------------------------------------ facilitator actions
    def open_round(self, token: str, seconds: float, now: float | None = None) -> int:
        """Open the next round (budget year) with a timer of `seconds`; returns its number."""
        with self._lock:
            self._facilitator(token)
            if self.state not in ("waiting", "closed"):
                raise ParticipatoryError(
                    f"cannot open a round while the session is {self.state}"
                    + ("; close the open round first" if self.state in ("open", "paused") else "")
                )
            if (
                not isinstance(seconds, (int, float))
                or isinstance(seconds, bool)
                or not (0 < seconds <= 3600)
            ):
                raise ParticipatoryError("the round's timer must be in (0, 3600] seconds")
            self._record("open", self._now(now), payload={"seconds": float(seconds)})
            return self.round

    def close_round(self, token: str, now: float | None = None) -> int:
        """Close the open (or paused) round and run its budget year."""
        with self._lock:
            self._facilitator(token)
            return self._close(self._now(now), "facilitator")

    def tick(self, now: float | None = None) -> bool:
        """Close the open round if its timer has run out at `now` (the web layer calls this;
        no token needed: it only does what the timer says). Returns whether it closed."""
        with self._lock:
            now = self._now(now)
            if self.state == "open" and self.deadline is not None and now >= self.deadline:
                self._close(now, "timer")
                return True
            return False

    def close_if_all_decided(self, now: float | None = None) -> bool:
        """Close the open round as soon as every seated participant who decides (everyone but
        observers) has decided in it; returns whether it closed. No token needed, like `tick`:
        the web layer calls it after each submission, so a round's results come at once."""
        with self._lock:
            if self.state != "open":
                return False
            deciders = [
                p.id
                for p in self.participants.values()
                if not p.removed and DECISIONS.get(p.role)
            ]
            if deciders and all(pid in self.decided for pid in deciders):
                self._close(self._now(now), "all-decided")
                return True
            return False

    def _close(self, now: float, reason: str) -> int:
        if self.state not in ("open", "paused"):
            raise ParticipatoryError(f"no round is open to close (the session is {self.state})")
        self._record("close", now, payload={"reason": reason})
        return self.round

    def pause(self, token: str, now: float | None = None) -> None:
        """Pause the open round: the timer stops and decisions wait."""
        with self._lock:
            self._facilitator(token)
            if self.state != "open":
                raise ParticipatoryError(
                    f"only an open round can be paused (the session is {self.state})"
                )
            self._record("pause", self._now(now))

    def resume(self, token: str, now: float | None = None) -> None:
        """Resume a paused round with the time it had left."""
        with self._lock:
            self._facilitator(token)
            if self.state != "paused":
                raise ParticipatoryError(
                    f"only a paused round can be resumed (the session is {self.state})"
                )
            self._record("resume", self._now(now))

    def inject_scandal(
        self, token: str, size: float | None = None, now: float | None = None
    ) -> float:
        """A visible scandal now, felt in the next quarter the model runs; returns its size."""
        with self._lock:
            self._facilitator(token)
            spec = SPECS["scandal_size"]
            size = float(self.model.p.scandal_size) if size is None else size
            try:
                size = float(spec.check(size))
            except ValueError as err:
                raise ParticipatoryError(str(err)) from None
            self._record("scandal", self._now(now), payload={"size": size})
            return size

    def broadcast(self, token: str, text: str, now: float | None = None) -> None:
        """A message from the facilitator to every participant (stored raw, escaped on output)."""
        with self._lock:
            self._facilitator(token)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_LENGTH:
                raise ParticipatoryError(
                    f"a message must have 1 to {MAX_MESSAGE_LENGTH} characters"
                )
            self._record("broadcast", self._now(now), payload={"text": text.strip()})

    def remove(self, token: str, participant_id: str, now: float | None = None) -> None:
        """Remove a participant: the seat is freed and the token stops working; an agency head's
        agency returns to the model's own rules."""
        with self._lock:
            self._facilitator(token)
            p = self.participants.get(participant_id)
            if p is None or p.removed:
                raise ParticipatoryError(
                    f"no participant {participant_id!r} in this session; "
                    f"present: {', '.join(self._present()) or 'none'}"
                )
            self._record("remove", self._now(now), participant=p.id, role=p.role)

    def _present(self) -> list[str]:
        return [pid for pid, p in self.participants.items() if not p.removed]

    def reset(self, token: str, now: float | None = None) -> None:
        """Back to quarter 0: the model rebuilt, rounds and choices cleared; participants stay."""
        with self._lock:
            self._facilitator(token)
            self._record("reset", self._now(now))

    # ------------------------------------------------------------------ the log
    def _record(
        self,
        kind: str,
        now: float,
        participant: str | None = None,
        role: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        """Apply an event, then append it to the log (validation happened before)."""
        event = {
            "time": now,
            "kind": kind,
            "participant": participant,
            "role": role,
            "payload": dict(payload or {}),
        }
        self._apply(event)
        self.last_time = now
        event["round"] = self.round  # the round the event belongs to (after an open: the new one)
        with self._db:
            self._db.execute(
                "INSERT INTO events (time, kind, round, participant, role, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    now,
                    kind,
                    event["round"],
                    participant,
                    role,
                    json.dumps(event["payload"], sort_keys=True),
                ),
            )

    def _apply(self, e: Mapping[str, Any]) -> None:
        """Carry out one logged event (the live session and `replay` share this path)."""
        kind, pl, now = e["kind"], e["payload"], e["time"]
        if kind == "join":
            pid = e["participant"]
            self.participants[pid] = Participant(pid, pl["name"], e["role"], pl["agency"])
        elif kind == "decision":
            p = self.participants[e["participant"]]
            if p.role in GLOBAL_ROLES:
                self.choices[p.role].update(pl["decisions"])
            else:
                self.head_choices.setdefault(p.id, {}).update(pl["decisions"])
            key = p.role if p.role in GLOBAL_ROLES else p.id
            self.versions[key] = int(pl.get("version", self.versions.get(key, 0) + 1))
            self.decided.add(p.id)
        elif kind == "open":
            self.round += 1
            self.state = "open"
            self.decided = set()
            self.deadline, self.remaining = now + pl["seconds"], None
        elif kind == "pause":
            self.remaining, self.deadline = max(0.0, self.deadline - now), None
            self.state = "paused"
        elif kind == "resume":
            self.deadline, self.remaining = now + self.remaining, None
            self.state = "open"
        elif kind == "close":
            self.deadline = self.remaining = None
            self._run_year()
            self.state = "finished" if self.round >= self.config["rounds"] else "closed"
        elif kind == "scandal":
            self.model.inject_scandal(pl["size"])
            self.scandals.append((self.model.quarter, pl["size"]))
            self.news.append(
                {
                    # the round whose year it is felt in (before round 1: round 1)
                    "round": self.model.quarter // QUARTERS_PER_ROUND + 1,
                    "kind": "scandal",
                    "size": pl["size"],
                    "quarter": self.model.quarter + 1,
                }
            )
        elif kind == "broadcast":
            self.messages.append({"round": self.round, "time": now, "text": pl["text"]})
        elif kind == "remove":
            p = self.participants[e["participant"]]
            p.removed = True  # the token is kept only to say "removed" when it is used
            self.head_choices.pop(p.id, None)
        elif kind == "reset":
            self._reset_state()
        elif kind == "reconnect":
            pass
        elif kind == "restart":
            self.restarts += 1
            if self.state == "open":  # the timer did not run while the server was down
                self.state, self.deadline, self.remaining = "paused", None, pl["remaining"]
        elif kind == "end":
            self.ended = True
        else:  # a file written by a newer version
            raise ParticipatoryError(f"unknown event {kind!r} in the session log")

    # ------------------------------------------------------------------ running a year
    def _year_params(self) -> Params:
        """The scenario's parameters with the government's and support bodies' choices."""
        values = dict(self.model.p.items())
        for role in GLOBAL_ROLES:
            for name, value in self.choices[role].items():
                target = DECISIONS[role][name].target
                values[target] = SPECS[target].kind(value) if SPECS[target].kind is int else value
        return Params(values)

    def _run_year(self) -> None:
        """Four quarters with every decision applied; the choices in force go to the history."""
        m = self.model
        set_policy(m, self._year_params())
        heads = [
            p
            for p in self.participants.values()
            if p.role == AGENCY_HEAD and not p.removed and self.head_choices.get(p.id)
        ]
        start = m.quarter
        acc = _YearAccumulator(m)
        for _ in range(QUARTERS_PER_ROUND):
            restore = [_impose_head(m, p.agency, self.head_choices[p.id]) for p in heads]
            m.step()
            for undo in restore:
                undo()
            acc.add(m)
        self.agency_years.append(acc.per_agency())
        visible = acc.visible_state
        if visible > 0:
            self.news.append(
                {
                    "round": self.round,
                    "kind": "incidents",
                    "visible_per_1000": visible,
                    "quarters": [start + 1, m.quarter],
                }
            )
        self._remember_choices()

    def _remember_choices(self) -> None:
        for role in GLOBAL_ROLES:
            pids = [p.id for p in self.participants.values() if p.role == role and not p.removed]
            for name, value in self.choices[role].items():
                self.history.append(
                    {
                        "round": self.round,
                        "role": role,
                        "participant": ",".join(pids),
                        "agency": None,
                        "decision": name,
                        "value": value,
                        "decided": any(pid in self.decided for pid in pids),
                    }
                )
        for p in self.participants.values():
            if p.role == AGENCY_HEAD and not p.removed:
                for name, value in self._choices_of(p).items():
                    self.history.append(
                        {
                            "round": self.round,
                            "role": AGENCY_HEAD,
                            "participant": p.id,
                            "agency": p.agency,
                            "decision": name,
                            "value": np.nan if value is None else value,
                            "decided": p.id in self.decided,
                        }
                    )

    # ------------------------------------------------------------------ reading
    def outputs(self) -> pd.DataFrame:
        """The model's outputs so far, one row per quarter (quarter 0 = before round 1)."""
        with self._lock:
            return self.model.outputs().copy()

    def yearly(self) -> pd.DataFrame:
        """Mean outputs of each closed round (budget year)."""
        with self._lock:
            return yearly_means(self.model.outputs())

    def seconds_left(self, now: float | None = None) -> float | None:
        with self._lock:
            if self.state == "paused":
                return self.remaining
            if self.state == "open" and self.deadline is not None:
                return max(0.0, self.deadline - self._now(now))
            return None

    def view(self, token: str, now: float | None = None) -> dict[str, Any]:
        """What this participant sees: the round, their role's decisions and ranges, their slice
        of the consequences, the news and the facilitator's messages (plain data, names and
        messages HTML-escaped)."""
        with self._lock:
            p = self.participant(token)
            out: dict[str, Any] = {
                "participant": p.id,
                "name": p.name_html,
                "role": p.role,
                "round": self.round,
                "rounds": self.config["rounds"],
                "state": self.state,
                "seconds_left": self.seconds_left(now),
                "decided": p.id in self.decided,
                "version": self.version_of(p),
                "restarts": self.restarts,
                "choices": dict(self._choices_of(p)),
                "allowed": allowed_decisions(p.role),
                "news": [dict(n) for n in self.news],
                "messages": [{**msg, "text": escape(msg["text"])} for msg in self.messages],
            }
            national = self.yearly().to_dict("records")
            if p.role == AGENCY_HEAD:
                out["agency"] = {
                    "index": p.agency,
                    "name": escape(self.model.agencies[p.agency].name),
                }
                out["agency_years"] = [years.get(p.agency, {}) for years in self.agency_years]
                out["agency_now"] = _agency_now(self.model, p.agency)
                out["dispensation_route"] = bool(self.model.p.dispensation)
            elif p.role == GOVERNMENT:
                out["years"] = _pick(
                    national,
                    (
                        "innovation_rate",
                        "incident_rate",
                        "steering_detail",
                        "reporting_demands",
                        "admin_burden",
                        "trust_orientation",
                        "programme_cost_msek",
                    ),
                )
            elif p.role in BODY_OF_ROLE:
                out["years"] = _pick(
                    national,
                    (
                        "trust_orientation",
                        "experimentation_culture",
                        "reporting_demands",
                        "admin_burden",
                        "programme_cost_msek",
                    ),
                )
            else:
                out["years"] = national
            return out

    def console(self, token: str, now: float | None = None) -> dict[str, Any]:
        """What the facilitator's console shows: round, timer, seats, who has decided."""
        with self._lock:
            self._facilitator(token)
            return {
                "code": self.display_code,
                "round": self.round,
                "rounds": self.config["rounds"],
                "state": self.state,
                "seconds_left": self.seconds_left(now),
                "seats": self.seats(),
                "participants": [
                    {
                        "id": p.id,
                        "name": p.name_html,
                        "role": p.role,
                        "agency": p.agency,
                        "decided": p.id in self.decided,
                    }
                    for p in self.participants.values()
                    if not p.removed
                ],
                "news": [dict(n) for n in self.news],
                "messages": [{**msg, "text": escape(msg["text"])} for msg in self.messages],
                "years": self.yearly().to_dict("records"),
            }

    def decisions(self) -> pd.DataFrame:
        """The choices in force in each closed round, by role (and agency), long format."""
        with self._lock:
            cols = ["round", "role", "participant", "agency", "decision", "value", "decided"]
            return pd.DataFrame(self.history, columns=cols)

    def debrief(self) -> dict[str, Any]:
        """Each role's decisions over time beside the outcomes, and the same years re-run with the
        control-based baseline and with the integrated reform (same world, seed and scandals)."""
        with self._lock:
            quarters = self.model.quarter
            frames = {"session": self.model.outputs().copy()}
            c = self.config
            for scenario in (BASELINE_SCENARIO, REFORM_SCENARIO):
                frames[scenario] = run_scenario(
                    c["world"], c["scale"], c["seed"], scenario, quarters, self.scandals
                )
            return {
                "decisions": self.decisions(),
                "frames": frames,
                "yearly": {run: yearly_means(df) for run, df in frames.items()},
            }

    # ------------------------------------------------------------------ export
    def events(self) -> pd.DataFrame:
        """The session log as a frame (one row per event; no secrets, names in join events)."""
        with self._lock:
            return read_events(self._db)

    def export_decisions(self, path: str | PathLike) -> Path:
        """The decision log for research (CSV or Parquet by suffix): one row per decision and
        field, participants by id only (no display names)."""
        with self._lock:
            return export_decisions(self._db, path)

    def close(self) -> None:
        """Close the session file (the session can be resumed from it)."""
        with self._lock:
            self._db.close()

    def end(self, now: float | None = None) -> None:
        """Log that the session ended (it will not be resumed) and close the file."""
        with self._lock:
            if not self.ended:
                self._record("end", self._now(now))
            self._db.close()

    def remember_client(self, who: str, digest: str) -> None:
        """Store which browser holds a seat ("facilitator" or a participant id), as a digest of
        its cookie, so that `resume` can hand the seat back after a restart."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO clients (who, digest) VALUES (?, ?)", (who, digest)
            )

    def note(self, key: str, value: Any) -> None:
        """Store a setting of the layer above (e.g. the room's timer) in the file's meta table,
        as "note.KEY", so that a resumed session gets it back (`notes()`)."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"note.{key}", json.dumps(value, sort_keys=True)),
            )

    def notes(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM meta WHERE key LIKE 'note.%'")
            return {k[5:]: json.loads(v) for k, v in rows}

    def clients(self) -> dict[str, str]:
        """who -> the digest of the browser that holds the seat (see `remember_client`)."""
        with self._lock:
            return dict(self._db.execute("SELECT who, digest FROM clients"))


# ---------------------------------------------------------------------- the model side
def set_policy(model: TrustModel, params: Params) -> None:
    """Put `params` in force between quarters, as `TrustModel._switch_levers` does at quarter 0
    but without rebuilding the actors (running national experiments and the innovation-leader
    draw are kept): the support bodies take their alignment and reach, and the innovation slack
    is recomputed from the budget horizon (the formula of `TrustModel._init_actors`)."""
    model.p = params
    for body in model.support_bodies:
        short = body.short.lower()
        body.alignment = float(params[f"{short}_alignment"])
        body.reach = float(params[f"{short}_reach"])
    model.slack = (
        params.innovation_slack + params.slack_per_horizon_year * (params.budget_horizon_years - 1)
    ) * (1.0 - params.earmarking_share)


def _impose_head(
    model: TrustModel, agency: int, choices: Mapping[str, float]
) -> Callable[[], None]:
    """Before a quarter: the head's choices on her agency's workplaces. Returns the undo for
    after the quarter (only the dispensation's change to effective regulation is undone)."""
    wps = np.flatnonzero(model.wp_agency == agency)
    if "autonomy_granted" in choices:
        model.orientation[wps] = choices["autonomy_granted"]
    if "experiments_approved" in choices:
        k = round(choices["experiments_approved"] * len(wps))
        model.leader[wps] = np.arange(len(wps)) < k  # the first k of her workplaces
    use = choices.get("use_of_dispensation")
    p = model.p
    if use is None or not p.dispensation:
        return lambda: None
    # The model lets a rule-blocked idea through with probability g_model (dispensation_grant
    # times unfunded_dispensation_use without funding, times 1 with it); the head's use u gives
    # g_head = dispensation_grant · u for her agency. The model applies g_model to reg, so the
    # agency's regulation is scaled for the quarter: reg · (1 - g_head) = reg_eff · (1 - g_model).
    funded = p.experimentation_funding_msek > 0
    g_model = p.dispensation_grant * (1.0 if funded else p.unfunded_dispensation_use)
    g_head = p.dispensation_grant * use
    before = float(model.regulation[agency])
    effective = min(1.0, before * (1.0 - g_head) / max(1e-9, 1.0 - g_model))
    model.regulation[agency] = effective

    def undo() -> None:
        # Within the quarter the model does reg <- f · reg (national experiments modernising
        # rules, f the product of their factors) and then reg <- reg + obs · (reg0 - reg). Both
        # are inverted exactly, so the true level moves as if the head had done nothing:
        # true = obs · reg0 + (new - obs · reg0) · before / effective.
        if effective <= 0.0:
            model.regulation[agency] = before
            return
        pull = p.rule_obsolescence * model.regulation0[agency]
        model.regulation[agency] = pull + (model.regulation[agency] - pull) * before / effective

    return undo


class _YearAccumulator:
    """Per-agency numbers of one budget year, summed over its quarters."""

    def __init__(self, model: TrustModel) -> None:
        n = model.n_agencies
        self.incidents = np.zeros(n)
        self.successes = np.zeros(n)
        self.innovating = np.zeros(n)
        self.visible_state = 0.0
        w = model.wp_weight
        self.staff = np.bincount(model.wp_agency, weights=w * model.wp_size, minlength=n)
        self.sites = np.bincount(model.wp_agency, minlength=n)

    def add(self, m: TrustModel) -> None:
        n, w = m.n_agencies, m.wp_weight
        self.incidents += np.bincount(m.wp_agency, weights=w * m.wp_incidents, minlength=n)
        self.successes += np.bincount(m.wp_agency, weights=w * m.wp_successes, minlength=n)
        self.innovating = np.maximum(
            self.innovating,
            np.bincount(m.wp_agency, weights=m.last_innovation == m.quarter, minlength=n),
        )
        self.visible_state += float(m.visible_seen[0])

    def per_agency(self) -> dict[int, dict[str, float]]:
        out = {}
        for a in range(len(self.staff)):
            staff = self.staff[a] or 1.0
            out[a] = {
                "incidents_per_1000": float(self.incidents[a] * 1000.0 / staff),
                "experiments_succeeded_per_1000": float(self.successes[a] * 1000.0 / staff),
                "workplaces_innovating_share": float(self.innovating[a] / max(1, self.sites[a])),
            }
        return out


def _agency_now(m: TrustModel, agency: int) -> dict[str, float]:
    """The agency's state now: steering received, managers' orientation, staff autonomy."""
    wps = m.wp_agency == agency
    staff = m.staff.agency == agency
    return {
        "steering_detail": float(m.detail[agency]),
        "reporting_demands": float(m.reporting[agency]),
        "trust_orientation": float(m.orientation[wps].mean()),
        "staff_autonomy": float(m.staff.autonomy[staff].mean()),
        "admin_burden": float(m.wp_admin[wps].mean()),
        "regulatory_complexity": float(m.regulation[agency]),
    }


def _pick(rows: list[dict], names: tuple[str, ...]) -> list[dict]:
    return [{k: r[k] for k in ("round", *names)} for r in rows]


def yearly_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean of each output over the quarters of each budget year (round 1 = quarters 1–4)."""
    rows = frame.loc[frame.index > 0, list(OUTPUTS)]
    if rows.empty:
        return pd.DataFrame(columns=["round", *OUTPUTS])
    rounds = (rows.index.to_numpy() - 1) // QUARTERS_PER_ROUND + 1
    out = rows.groupby(rounds).mean()
    out.index.name = "round"
    return out.reset_index()


def run_scenario(
    world: str,
    scale: float,
    seed: int,
    scenario: str,
    quarters: int,
    scandals: list[tuple[int, float]] = (),
) -> pd.DataFrame:
    """A scenario run for `quarters` quarters, with scandals injected at the same quarters."""
    m = TrustModel(world=world, scale=scale, rng=seed, params=load_scenario(scenario).params)
    for q in range(quarters + 1):
        for at, size in scandals:
            if at == q:
                m.inject_scandal(size)
        if q < quarters:
            m.step()
    return m.outputs()


# ---------------------------------------------------------------------- the session file
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (who TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    round INTEGER NOT NULL,
    participant TEXT,
    role TEXT,
    payload TEXT NOT NULL
);
"""


def _open_log(path: str | PathLike | None, config: Mapping[str, Any]) -> sqlite3.Connection:
    target = ":memory:" if path is None else str(path)
    if path is not None and Path(path).exists() and Path(path).stat().st_size > 0:
        raise ParticipatoryError(
            f"session file {path} exists; choose a new file (replay reads an existing one)"
        )
    if path is not None:  # owner-only from the first byte: the file holds display names
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(target, 0o600)
    db = sqlite3.connect(target, check_same_thread=False)
    with db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [(k, json.dumps(v, sort_keys=True)) for k, v in config.items()],
        )
    return db


def read_events(db: sqlite3.Connection) -> pd.DataFrame:
    return pd.read_sql_query("SELECT * FROM events ORDER BY seq", db)


def export_decisions(db: sqlite3.Connection, path: str | PathLike) -> Path:
    """One row per submitted decision field: seq, time, round, participant, role, decision,
    model target, value. CSV or Parquet by the suffix of `path`."""
    rows = []
    for seq, t, rnd, pid, role, payload in db.execute(
        "SELECT seq, time, round, participant, role, payload FROM events "
        "WHERE kind = 'decision' ORDER BY seq"
    ):
        for name, value in json.loads(payload)["decisions"].items():
            rows.append(
                {
                    "seq": seq,
                    "time": t,
                    "round": rnd,
                    "participant": pid,
                    "role": role,
                    "decision": name,
                    "target": DECISIONS[role][name].target,
                    "value": value,
                }
            )
    cols = ["seq", "time", "round", "participant", "role", "decision", "target", "value"]
    frame = pd.DataFrame(rows, columns=cols)
    path = Path(path)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        raise ParticipatoryError(f"export to {path.name!r}: allowed suffixes are .csv and .parquet")
    return path


def _read_log(src: sqlite3.Connection, path: Any) -> tuple[dict[str, Any], list[tuple]]:
    """The meta table and the events of a session file (a format this trustsim reads)."""
    try:
        meta = {k: json.loads(v) for k, v in src.execute("SELECT key, value FROM meta")}
        events = src.execute(
            "SELECT time, kind, round, participant, role, payload FROM events ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ParticipatoryError(f"{path}: not a trustsim session file ({exc})") from None
    if meta.get("format_version") not in READABLE_FORMATS:
        raise ParticipatoryError(
            f"{path}: session format {meta.get('format_version')!r}; "
            f"this trustsim reads formats {', '.join(map(str, READABLE_FORMATS))}"
        )
    return meta, events


def _session_of(meta: Mapping[str, Any], **kwargs: Any) -> Session:
    return Session(
        world=meta["world"],
        scale=meta["scale"],
        seed=meta["seed"],
        rounds=meta["rounds"],
        scenario=meta["scenario"],
        caps=meta["caps"],
        **kwargs,
    )


def replay(path: str | PathLike, log: str | PathLike | None = None) -> Session:
    """Rebuild a session from its file and re-run it: same seed and events → the same outputs.
    The rebuilt session has fresh secrets (none are stored) and logs to `log` (None: memory)."""
    src = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        meta, events = _read_log(src, path)
    finally:
        src.close()
    s = _session_of(meta, path=log)
    with s._lock:
        for t, kind, _rnd, pid, role, payload in events:
            s._record(kind, t, participant=pid, role=role, payload=json.loads(payload))
    return s


def resumable(path: str | PathLike) -> bool:
    """Whether `path` is a session file this trustsim can resume: format 2 or later (it has the
    clients table) and not ended."""
    try:
        src = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        meta, _ = _read_log(src, path)
        ended = src.execute("SELECT 1 FROM events WHERE kind = 'end' LIMIT 1").fetchone()
        return meta.get("format_version", 1) >= 2 and ended is None
    except (ParticipatoryError, sqlite3.Error):
        return False
    finally:
        src.close()


def resume(
    path: str | PathLike, now: float | None = None, clock: Callable[[], float] = time.time
) -> Session:
    """The session of `path` as it was at its last event, logging on to the same file.

    Every event is re-applied (the same outputs as before the restart), then a "restart" event is
    logged: a round that was open is paused with the time it had left at the last event (at least
    RESTART_MIN_SECONDS), and the facilitator resumes it. Secrets are fresh (none are stored): a
    new join code, new tokens; `clients()` gives the browsers' digests to hand seats back."""
    path = Path(path)
    if not path.is_file():
        raise ParticipatoryError(f"no session file {path}")
    db = sqlite3.connect(str(path), check_same_thread=False)
    try:
        meta, events = _read_log(db, path)
        if meta.get("format_version", 1) < 2:
            raise ParticipatoryError(
                f"{path}: session format {meta['format_version']} cannot be resumed "
                "(it does not record which browser holds which seat); replay it instead"
            )
        with db:
            db.executescript(SCHEMA)
    except (ParticipatoryError, sqlite3.Error):
        db.close()
        raise
    os.chmod(path, 0o600)
    s = _session_of(meta, _resume_db=db, clock=clock)
    with s._lock:
        for t, kind, rnd, pid, role, payload in events:
            s._apply(
                {
                    "time": t,
                    "kind": kind,
                    "round": rnd,
                    "participant": pid,
                    "role": role,
                    "payload": json.loads(payload),
                }
            )
            s.last_time = t
        if s.ended:
            db.close()
            raise ParticipatoryError(f"{path}: this session was ended; replay it instead")
        for p in s.participants.values():  # tokens are never stored: fresh ones
            p.token = secrets.token_urlsafe(24)
        left = None
        if s.state == "open" and s.deadline is not None:
            last = s.last_time if s.last_time is not None else s._now(now)
            left = max(RESTART_MIN_SECONDS, s.deadline - last)
        s._record("restart", s._now(now), payload={"remaining": left})
    return s


# ---------------------------------------------------------------------- rate limiting
class RateLimiter:
    """A token bucket per client: `capacity` actions at once, refilled at `per_minute` a minute.

    `clock` is injected (default `time.monotonic`) so tests can move time. At most `max_clients`
    buckets are kept (the least recently used is dropped; a dropped client starts full again,
    which allows at most `capacity` extra attempts per eviction cycle).
    """

    def __init__(
        self,
        capacity: float = 5,
        per_minute: float = 5,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        if capacity <= 0 or per_minute <= 0 or max_clients <= 0:
            raise ValueError("capacity, per_minute and max_clients must be positive")
        self.capacity, self.rate = float(capacity), per_minute / 60.0
        self.clock, self.max_clients = clock, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, cost: float = 1.0) -> bool:
        """Take `cost` tokens from `client`'s bucket; False (and nothing taken) if too few."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            ok = tokens >= cost
            self._buckets[client] = (tokens - cost if ok else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return ok

    def retry_after(self, client: str, cost: float = 1.0) -> float:
        """Seconds until `client` may act again (0 if now)."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            return max(0.0, (cost - tokens) / self.rate)


def guess_probability(
    attempts_per_minute: float,
    minutes: float,
    clients: int = 1,
    bits: float = JOIN_CODE_LENGTH * math.log2(len(JOIN_ALPHABET)),
) -> float:
    """Chance that `clients` rate-limited guessers find the join code within `minutes`:
    attempts / 2^bits (an upper bound; each guess rules out one code)."""
    return min(1.0, attempts_per_minute * minutes * clients / 2.0**bits)
