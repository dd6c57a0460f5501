"""Guided exercises (`exercises/*.toml`): loading, validation and the model-computed answer key.

An exercise is a lesson for a class: a learning goal, a setup (world, scale, seed, years, run A
and optionally run B, optionally a visible scandal on run A), ordered steps of kind *predict →
run → explain* (and *question*), questions (choice, numeric, open), what students should see, and
debrief notes. Every text is in English and Swedish in the same file (`{ en = "...", sv = "..." }`).

Answers are never typed into the files. A question names a `Statistic` — what the model computes
for the answer (an output, run "a", "b" or the paired difference "b-a", a window of years and a
measure) — and `compute_answer_key` runs the exercise's setup over common-random-number
replications (replication k of run A and run B share a seed, `replication_seeds` as sweeps use,
through the project's one executor) and derives:

- numeric answers: the mean over the replications and a tolerance band. For `summary = "runs"`
  (what one run on the page shows) the band is the central 90 % of the replications' values
  (5th to 95th percentile), widened if needed to include the exercise's own seed, the run students
  see; for `summary = "mean"` (what the average over many seeds shows) it is the t-based 95 %
  confidence interval of the mean. Either band is widened, if narrower, to the value ± 5 % of its
  size (`READING`: the precision of reading a chart; it matters for quantities that do not vary
  between seeds, such as a programme's cost);
- choice answers: the option whose rule (`when = "above" | "below" | "unclear"`, relative to the
  statistic's `reference`, default 0) the band satisfies: above if the whole band lies above the
  reference, below if it lies below, unclear otherwise.

The key is written once to `exercises/answers.json` (`trustsim exercises key --write`) and read by
`answer_key`, so the page and the printed guide never compute live. A test checks that the file
equals a fresh computation and that every exercise's machine-checkable "should see" claims hold.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from ..model.model import OUTPUTS
from ..model.params import ParameterError
from ..model.scenarios import ScenarioError, load_scenario, validate_params
from ..model.worlds import WORLDS, build_world
from ..resources import shipped_folder

# the repository's exercises/ (or the copy in an installed wheel); $TRUSTSIM_EXERCISES overrides
EXERCISE_DIR = shipped_folder("exercises", "TRUSTSIM_EXERCISES")
ANSWERS_FILE = "answers.json"
LANGS = ("en", "sv")
LEVELS = ("intro", "intermediate", "advanced")
STEP_KINDS = ("predict", "run", "explain", "question")
QUESTION_KINDS = ("choice", "numeric", "open")
RUNS = ("a", "b", "b-a")
MEASURES = ("mean", "peak", "trough", "time_to_peak_years", "half_life_years")
SUMMARIES = ("runs", "mean")
WHEN = ("above", "below", "unclear")
SIGNS = ("positive", "negative")
DEFAULT_REPLICATIONS = 12
BAND = (5.0, 95.0)  # percentiles of the replications for summary = "runs"
READING = 0.05  # numeric bands are at least the value ± 5 % of its size (reading a chart)
SIGNIFICANT = 6  # digits kept in the key, so that a recomputation compares exactly

TOP_KEYS = ("id", "minutes", "level", "title", "goal", "claims", "setup", "steps", "should_see",
            "debrief")
SETUP_KEYS = ("world", "scale", "seed", "years", "run_a", "run_b", "scandal_quarter")
RUN_KEYS = ("scenario", "levers")
STEP_KEYS = ("kind", "text", "play_to_year", "question")
QUESTION_KEYS = ("id", "kind", "text", "options", "statistic", "unit")
OPTION_KEYS = ("en", "sv", "when")
STATISTIC_KEYS = ("output", "run", "years", "measure", "summary", "reference")
SHOULD_SEE_KEYS = ("en", "sv", "checks")
CHECK_KEYS = (*STATISTIC_KEYS, "sign", "at_least", "at_most", "share", "straddles")


class ExerciseError(ValueError):
    """An exercise file that cannot be used; the message names the file, key and what is allowed."""


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Statistic:
    """What the model computes for an answer, per replication.

    `output` (one of trustsim.OUTPUTS) of run "a", "b" or the paired difference "b-a", over the
    quarters q with 4·start < q ≤ 4·end (`years = (start, end)`; (9, 10) is the tenth year), as a
    `measure`: "mean", "peak" (largest value), "trough" (smallest), "time_to_peak_years" (years
    from the scandal to the largest |b − a|) or "half_life_years" (years from that peak until |b − a|
    is first at most half of it; counted to the window's end if it never is); these two look at
    the quarters from the scandal to the window's end. `summary` says
    whether the answer is what one run shows ("runs") or the mean over many ("mean"); `reference`
    is the value choice rules compare with.
    """

    output: str
    run: str
    years: tuple[float, float]
    measure: str = "mean"
    summary: str = "runs"
    reference: float = 0.0


@dataclass(frozen=True)
class Question:
    ident: str
    kind: str  # "choice" | "numeric" | "open"
    text: dict[str, str]
    options: tuple[dict[str, str], ...] = ()  # choice: {en, sv} texts
    statistic: Statistic | None = None
    unit: dict[str, str] = field(default_factory=dict)
    when: tuple[str, ...] = ()  # choice: the rule of each option ("above", "below", "unclear")


@dataclass(frozen=True)
class Step:
    kind: str  # "predict" | "run" | "explain" | "question"
    text: dict[str, str]
    play_to_year: int | None = None
    question: Question | None = None


@dataclass(frozen=True)
class RunSetup:
    scenario: str
    levers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """A machine-checkable "should see": the statistic over several seeds has `sign` in at least
    `share` of them (with summary = "mean": the 95 % CI of the mean lies on that side of zero),
    its mean over the seeds lies in [at_least, at_most], and (`straddles`) the central 90 % of
    the seeds' values contains the statistic's reference: one run can go either way."""

    statistic: Statistic
    sign: str | None = None
    at_least: float | None = None
    at_most: float | None = None
    share: float = 0.8
    straddles: bool = False  # the central 90 % of the seeds' values contains the reference


@dataclass(frozen=True)
class Exercise:
    ident: str
    minutes: int
    level: str
    title: dict[str, str]
    goal: dict[str, str]
    claims: tuple[str, ...]
    world: str
    scale: float
    seed: int
    years: int
    run_a: RunSetup
    run_b: RunSetup | None
    scandal_quarter: int | None
    steps: tuple[Step, ...]
    should_see: dict[str, str]
    debrief: dict[str, str]
    checks: tuple[Check, ...] = ()
    path: Path | None = None

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(s.question for s in self.steps if s.question is not None)

    def overrides(self, which: str) -> dict[str, Any]:
        """The parameter overrides of run "a" or "b" (run A carries the scandal)."""
        setup = self.run_a if which == "a" else self.run_b
        if setup is None:
            raise ExerciseError(f"exercise {self.ident!r} has no run B")
        levers = dict(setup.levers)
        if which == "a" and self.scandal_quarter is not None:
            levers["scandal_quarter"] = self.scandal_quarter
        return levers


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str
    value: float | None
    low: float | None
    high: float | None
    correct: int | None
    replications: int


# --------------------------------------------------------------------------- loading


def _closest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _keys(path: Path, where: str, table: Any, allowed: Sequence[str]) -> dict:
    if not isinstance(table, dict):
        raise ExerciseError(f"{path}: key {where!r} must be a table, got {table!r}")
    for key in table:
        if key not in allowed:
            raise ExerciseError(
                f"{path}: unknown key {_join(where, key)!r}{_closest(key, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )
    return table


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _need(path: Path, table: dict, where: str, key: str) -> Any:
    if key not in table:
        raise ExerciseError(f"{path}: key {_join(where, key)!r} is missing")
    return table[key]


def _texts(path: Path, value: Any, where: str) -> dict[str, str]:
    if (
        not isinstance(value, dict)
        or set(value) != set(LANGS)
        or not all(isinstance(v, str) and v.strip() for v in value.values())
    ):
        raise ExerciseError(
            f'{path}: key {where!r} must be {{ en = "...", sv = "..." }} with non-empty texts, '
            f"got {value!r}"
        )
    return {lang: value[lang].strip() for lang in LANGS}


def _choice(path: Path, value: Any, where: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ExerciseError(
            f"{path}: key {where!r}: {value!r} is not allowed{_closest(str(value), allowed)}; "
            f"allowed: {', '.join(allowed)}"
        )
    return value


def _int(path: Path, value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise ExerciseError(
            f"{path}: key {where!r}: {value!r} is not allowed; allowed is an integer in "
            f"[{low}, {high}]"
        )
    return value


def _number(path: Path, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ExerciseError(f"{path}: key {where!r}: {value!r} is not a number")
    return float(value)


def _statistic(path: Path, table: Any, where: str, years: int, keys=STATISTIC_KEYS) -> Statistic:
    table = _keys(path, where, table, keys)
    output = _need(path, table, where, "output")
    if output not in OUTPUTS:
        raise ExerciseError(
            f"{path}: key {where}.output: {output!r} is not an output{_closest(output, OUTPUTS)}; "
            f"allowed: {', '.join(OUTPUTS)}"
        )
    run = _choice(path, _need(path, table, where, "run"), f"{where}.run", RUNS)
    window = table.get("years", [years - 1, years])
    if (
        not isinstance(window, list)
        or len(window) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in window)
        or not (0 <= window[0] < window[1] <= years)
    ):
        raise ExerciseError(
            f"{path}: key {where}.years: {window!r} is not allowed; allowed is [start, end] with "
            f"0 <= start < end <= {years} (the setup's years)"
        )
    return Statistic(
        output=output,
        run=run,
        years=(float(window[0]), float(window[1])),
        measure=_choice(path, table.get("measure", "mean"), f"{where}.measure", MEASURES),
        summary=_choice(path, table.get("summary", "runs"), f"{where}.summary", SUMMARIES),
        reference=_number(path, table.get("reference", 0.0), f"{where}.reference"),
    )


def _run_setup(path: Path, table: Any, where: str) -> RunSetup:
    table = _keys(path, where, table, RUN_KEYS)
    name = _need(path, table, where, "scenario")
    try:
        scenario = load_scenario(name)
    except ScenarioError as exc:
        raise ExerciseError(f"{path}: key {where}.scenario: {exc}") from None
    levers = table.get("levers", {})
    try:
        checked = validate_params(path, levers, f"{where}.levers")
    except ScenarioError as exc:
        raise ExerciseError(str(exc)) from None
    return RunSetup(scenario=scenario.name, levers=checked)


def _question(path: Path, table: Any, where: str, setup: dict) -> Question:
    table = _keys(path, where, table, QUESTION_KEYS)
    ident = _need(path, table, where, "id")
    if not isinstance(ident, str) or not ident.replace("-", "").isalnum():
        raise ExerciseError(
            f"{path}: key {where}.id: {ident!r} is not allowed; allowed is a name of letters, "
            "digits and '-'"
        )
    kind = _choice(path, _need(path, table, where, "kind"), f"{where}.kind", QUESTION_KINDS)
    text = _texts(path, _need(path, table, where, "text"), f"{where}.text")
    statistic = None
    if "statistic" in table:
        statistic = _statistic(path, table["statistic"], f"{where}.statistic", setup["years"])
        _check_statistic_setup(path, statistic, f"{where}.statistic", setup)
    elif kind != "open":
        raise ExerciseError(
            f"{path}: key {where}.statistic is missing; a {kind} question needs the statistic the "
            "model computes its answer from"
        )
    options: list[dict[str, str]] = []
    when: list[str] = []
    raw_options = table.get("options", [])
    if kind == "choice":
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ExerciseError(f"{path}: key {where}.options must list at least two options")
        for i, option in enumerate(raw_options):
            at = f"{where}.options[{i}]"
            option = _keys(path, at, option, OPTION_KEYS)
            options.append(_texts(path, {k: option.get(k) for k in LANGS}, at))
            when.append(_choice(path, _need(path, option, at, "when"), f"{at}.when", WHEN))
        if len(set(when)) != len(when):
            raise ExerciseError(
                f"{path}: key {where}.options: two options have the same 'when' ({when}); each "
                "rule (above, below, unclear) may be used once"
            )
    elif raw_options:
        raise ExerciseError(f"{path}: key {where}.options is only allowed for choice questions")
    unit = _texts(path, table["unit"], f"{where}.unit") if "unit" in table else {}
    if kind == "numeric" and not unit:
        raise ExerciseError(f"{path}: key {where}.unit is missing; a numeric answer needs a unit")
    return Question(ident, kind, text, tuple(options), statistic, unit, tuple(when))


def _check_statistic_setup(path: Path, stat: Statistic, where: str, setup: dict) -> None:
    if stat.run != "a" and setup["run_b"] is None:
        raise ExerciseError(
            f"{path}: key {where}.run: {stat.run!r} needs a run B; add [setup.run_b] or use 'a'"
        )
    gap_measure = stat.measure in ("time_to_peak_years", "half_life_years")
    if gap_measure and (stat.run != "b-a" or setup["scandal_quarter"] is None):
        raise ExerciseError(
            f"{path}: key {where}.measure: {stat.measure!r} measures the gap after the scandal; "
            "it needs run = 'b-a' and setup.scandal_quarter"
        )


def _step(path: Path, table: Any, where: str, setup: dict) -> Step:
    table = _keys(path, where, table, STEP_KEYS)
    kind = _choice(path, _need(path, table, where, "kind"), f"{where}.kind", STEP_KINDS)
    text = _texts(path, _need(path, table, where, "text"), f"{where}.text")
    play = table.get("play_to_year")
    if kind == "run":
        play = _int(path, _need(path, table, where, "play_to_year"), f"{where}.play_to_year", 1,
                    setup["years"])
    elif play is not None:
        raise ExerciseError(f"{path}: key {where}.play_to_year is only allowed in a run step")
    question = None
    if "question" in table:
        if kind not in ("predict", "question"):
            raise ExerciseError(
                f"{path}: key {where}.question is only allowed in predict and question steps"
            )
        question = _question(path, table["question"], f"{where}.question", setup)
    elif kind == "question":
        raise ExerciseError(f"{path}: key {where}.question is missing in a question step")
    return Step(kind, text, play, question)


def _check(path: Path, table: Any, where: str, setup: dict) -> Check:
    table = _keys(path, where, table, CHECK_KEYS)
    stat = _statistic(path, {k: v for k, v in table.items() if k in STATISTIC_KEYS}, where,
                      setup["years"])
    _check_statistic_setup(path, stat, where, setup)
    sign = table.get("sign")
    if sign is not None:
        _choice(path, sign, f"{where}.sign", SIGNS)
    low = _number(path, table["at_least"], f"{where}.at_least") if "at_least" in table else None
    high = _number(path, table["at_most"], f"{where}.at_most") if "at_most" in table else None
    straddles = table.get("straddles", False)
    if not isinstance(straddles, bool):
        raise ExerciseError(f"{path}: key {where}.straddles must be true or false")
    if sign is None and low is None and high is None and not straddles:
        raise ExerciseError(f"{path}: key {where} needs sign, at_least, at_most or straddles")
    share = _number(path, table.get("share", 0.8), f"{where}.share")
    if not 0 <= share <= 1:
        raise ExerciseError(f"{path}: key {where}.share: {share!r} is not in [0, 1]")
    return Check(stat, sign, low, high, share, straddles)


def exercise_path(ident: str | os.PathLike) -> Path:
    """An exercise id (looked up in `exercises/`) or a path to a TOML file."""
    text = str(ident)
    if text.endswith(".toml") or "/" in text or os.sep in text:
        path = Path(text)
    else:
        path = EXERCISE_DIR / f"{text}.toml"
    if not path.is_file():
        known = list_exercise_ids()
        raise ExerciseError(
            f"{path}: exercise not found{_closest(path.stem, known) or '.'}"
            + (f" Known exercises: {', '.join(known)}." if known else "")
        )
    return path


def list_exercise_ids(folder: Path | None = None) -> list[str]:
    folder = EXERCISE_DIR if folder is None else folder
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def load_exercise(ident: str | os.PathLike) -> Exercise:
    """Load and validate an exercise by id (from `exercises/`) or path."""
    path = exercise_path(ident)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ExerciseError(f"{path}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ExerciseError(f"{path}: not a UTF-8 text file ({exc.reason})") from None
    _keys(path, "", data, TOP_KEYS)
    ident_ = _need(path, data, "", "id")
    if ident_ != path.stem:
        raise ExerciseError(
            f"{path}: key 'id': {ident_!r} must equal the file name without .toml ({path.stem!r})"
        )
    minutes = _int(path, _need(path, data, "", "minutes"), "minutes", 5, 180)
    level = _choice(path, _need(path, data, "", "level"), "level", LEVELS)
    claims = _need(path, data, "", "claims")
    valid = {f"C{i}" for i in range(1, 15)}
    if not isinstance(claims, list) or not claims or not all(c in valid for c in claims):
        raise ExerciseError(
            f"{path}: key 'claims' must be a non-empty list of claim ids C1 … C14, got {claims!r}"
        )
    setup = _setup(path, _need(path, data, "", "setup"))
    raw_steps = _need(path, data, "", "steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ExerciseError(f"{path}: key 'steps' must be a non-empty list of [[steps]] tables")
    steps = tuple(_step(path, s, f"steps[{i}]", setup) for i, s in enumerate(raw_steps))
    _check_order(path, steps)
    should = _keys(path, "should_see", _need(path, data, "", "should_see"), SHOULD_SEE_KEYS)
    should_see = _texts(path, {k: should.get(k) for k in LANGS}, "should_see")
    raw_checks = should.get("checks", [])
    if not isinstance(raw_checks, list) or not raw_checks:
        raise ExerciseError(
            f"{path}: key 'should_see.checks' must list at least one machine-checkable claim "
            "({ output = ..., run = ..., sign = ... }) so that a model change that breaks the "
            "lesson fails the tests"
        )
    checks = tuple(
        _check(path, c, f"should_see.checks[{i}]", setup) for i, c in enumerate(raw_checks)
    )
    return Exercise(
        ident=ident_,
        minutes=minutes,
        level=level,
        title=_texts(path, _need(path, data, "", "title"), "title"),
        goal=_texts(path, _need(path, data, "", "goal"), "goal"),
        claims=tuple(claims),
        world=setup["world"],
        scale=setup["scale"],
        seed=setup["seed"],
        years=setup["years"],
        run_a=setup["run_a"],
        run_b=setup["run_b"],
        scandal_quarter=setup["scandal_quarter"],
        steps=steps,
        should_see=should_see,
        debrief=_texts(path, _need(path, data, "", "debrief"), "debrief"),
        checks=checks,
        path=path,
    )


def _setup(path: Path, table: Any) -> dict[str, Any]:
    table = _keys(path, "setup", table, SETUP_KEYS)
    world = _choice(path, _need(path, table, "setup", "world"), "setup.world", WORLDS)
    scale = table.get("scale", 1.0)
    try:
        build_world(world, scale)
    except ParameterError as exc:
        raise ExerciseError(f"{path}: key 'setup.scale': {exc}") from None
    seed = _int(path, _need(path, table, "setup", "seed"), "setup.seed", 0, 2**32 - 1)
    years = _int(path, _need(path, table, "setup", "years"), "setup.years", 1, 30)
    run_a = _run_setup(path, _need(path, table, "setup", "run_a"), "setup.run_a")
    run_b = _run_setup(path, table["run_b"], "setup.run_b") if "run_b" in table else None
    scandal = table.get("scandal_quarter")
    if scandal is not None:
        scandal = _int(path, scandal, "setup.scandal_quarter", 0, 4 * years - 1)
    return {"world": world, "scale": float(scale), "seed": seed, "years": years,
            "run_a": run_a, "run_b": run_b, "scandal_quarter": scandal}


def _check_order(path: Path, steps: tuple[Step, ...]) -> None:
    """Runs play forward (each run step to a later year), question ids are unique, and there is at
    least one predict, one run and one explain step, with a prediction before the last run."""
    kinds = [s.kind for s in steps]
    for needed in ("predict", "run", "explain"):
        if needed not in kinds:
            raise ExerciseError(f"{path}: key 'steps' has no {needed} step; the lesson is "
                                "predict → run → explain")
    if kinds.index("predict") > len(kinds) - 1 - kinds[::-1].index("run"):
        raise ExerciseError(f"{path}: key 'steps': every run comes before the first prediction")
    years = [s.play_to_year for s in steps if s.kind == "run"]
    if any(b <= a for a, b in pairwise(years)):
        raise ExerciseError(
            f"{path}: key 'steps': run steps must play to later and later years, got {years}"
        )
    seen: set[str] = set()
    for q in (s.question for s in steps if s.question is not None):
        if q.ident in seen:
            raise ExerciseError(f"{path}: key 'steps': question id {q.ident!r} is used twice")
        seen.add(q.ident)


def list_exercises(folder: Path | None = None) -> list[Exercise]:
    """All exercises, validated, shortest first (then by id)."""
    folder = EXERCISE_DIR if folder is None else folder
    found = [load_exercise(folder / f"{n}.toml") for n in list_exercise_ids(folder)]
    return sorted(found, key=lambda e: (e.minutes, e.ident))


# --------------------------------------------------------------------------- computing


def _run_frame(task: tuple) -> np.ndarray:
    """Worker: one run of (scenario, overrides, world, scale, years, seed); the outputs per quarter
    as an array (quarters × OUTPUTS)."""
    from ..model.runner import run

    scenario, overrides, world, scale, years, seed = task
    frame = run(scenario, world=world, scale=scale, years=years, seed=seed, overrides=overrides)
    return frame[list(OUTPUTS)].to_numpy(dtype=float)


def exercise_runs(
    exercise: Exercise, seeds: Sequence[int], workers: int | None = None
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Run A (and B) of `exercise` at each seed (paired: the same seed for A and B), in seed order.
    Each run is an array quarters × trustsim.OUTPUTS. See `many_exercise_runs`."""
    return many_exercise_runs([(exercise, seeds)], workers)[0]


def many_exercise_runs(
    items: Sequence[tuple[Exercise, Sequence[int]]], workers: int | None = None
) -> list[list[tuple[np.ndarray, np.ndarray | None]]]:
    """`exercise_runs` for several (exercise, seeds) at once, in one pool: the project's one
    execution path (`trustsim.sweep.executor.open_executor`; in this process if `workers` is 1)."""
    from ..sweep.executor import default_workers, open_executor

    tasks, where = [], []
    for i, (exercise, seeds) in enumerate(items):
        runs = ("a", "b") if exercise.run_b is not None else ("a",)
        setups = {"a": exercise.run_a, "b": exercise.run_b}
        for k, seed in enumerate(seeds):
            for r in runs:
                tasks.append((setups[r].scenario, exercise.overrides(r), exercise.world,
                              exercise.scale, exercise.years, int(seed)))
                where.append((i, k, r))
    # seed-major across exercises: a worker spins a seed up once and reuses it (the model's
    # spin-up cache) for every exercise and run that shares the seed, world and assumptions
    order = sorted(range(len(tasks)), key=lambda t: tasks[t][5])
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(tasks) <= 2:
        done = [_run_frame(tasks[t]) for t in order]
    else:
        with open_executor(None, min(workers, len(tasks))) as (executor, _):
            done = list(executor.map(_run_frame, [tasks[t] for t in order]))
    frames: dict[tuple[int, int, str], np.ndarray] = {}
    for t, frame in zip(order, done, strict=True):
        frames[where[t]] = frame
    out = []
    for i, (_, seeds) in enumerate(items):
        out.append([(frames[(i, k, "a")], frames.get((i, k, "b"))) for k in range(len(seeds))])
    return out


def statistic_value(
    stat: Statistic, a: np.ndarray, b: np.ndarray | None, scandal_quarter: int | None = None
) -> float:
    """The statistic of one paired replication (run A's and run B's quarterly outputs)."""
    col = OUTPUTS.index(stat.output)
    if stat.run == "a":
        series = a[:, col]
    elif b is None:
        raise ExerciseError(f"statistic on run {stat.run!r} needs a run B")
    elif stat.run == "b":
        series = b[:, col]
    else:
        series = b[:, col] - a[:, col]
    start, end = round(4 * stat.years[0]) + 1, round(4 * stat.years[1])  # quarters (start, end]
    window = series[start : end + 1]
    if stat.measure == "mean":
        return float(window.mean())
    if stat.measure == "peak":
        return float(window.max())
    if stat.measure == "trough":
        return float(window.min())
    origin = scandal_quarter if scandal_quarter is not None else start - 1
    gap = np.abs(series[origin : end + 1])  # from the scandal's quarter to the window's end
    peak = int(np.argmax(gap))
    if stat.measure == "time_to_peak_years":
        return peak / 4.0
    closed = np.flatnonzero(gap[peak:] <= 0.5 * gap[peak])
    return float(closed[0] if len(closed) else len(gap) - peak) / 4.0


def _round(x: float, direction: int = 0) -> float:
    """`x` to SIGNIFICANT digits: nearest, or outward (down for -1, up for +1) for band edges,
    so that rounding never moves a value from inside a band to outside it."""
    if direction == 0 or x == 0 or not math.isfinite(x):
        return float(f"{x:.{SIGNIFICANT}g}")
    step = 10.0 ** (math.floor(math.log10(abs(x))) - SIGNIFICANT + 1)
    edge = (math.floor if direction < 0 else math.ceil)(x / step) * step
    return float(f"{edge:.{SIGNIFICANT}g}")


def _band(stat: Statistic, values: np.ndarray, own: float) -> tuple[float, float, float]:
    """(value, low, high) per the rule in the module docstring."""
    from ..analysis.results import t_interval

    if stat.summary == "mean":
        ci = t_interval(values)
        return ci.mean, ci.ci_low, ci.ci_high
    low, high = np.percentile(values, BAND)
    return float(values.mean()), float(min(low, own)), float(max(high, own))


def _judge(stat: Statistic, low: float, high: float) -> str:
    if low > stat.reference:
        return "above"
    if high < stat.reference:
        return "below"
    return "unclear"


def compute_answer_key(
    exercise: Exercise,
    replications: int = DEFAULT_REPLICATIONS,
    workers: int | None = None,
    runs: list[tuple[np.ndarray, np.ndarray | None]] | None = None,
) -> dict[str, Answer]:
    """The answers of `exercise`'s questions, computed by the model (see the module docstring).

    Uses the exercise's own seed and `replication_seeds(exercise.seed, replications)`; `runs` may
    pass those runs precomputed (`exercise_runs(exercise, key_seeds(exercise, replications))`).
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 5:
        raise ExerciseError(
            f"replications {replications!r} is not allowed; allowed is an integer >= 5 "
            "(a tolerance band needs several paired runs)"
        )
    if runs is None:
        runs = exercise_runs(exercise, key_seeds(exercise, replications), workers)
    own, reps = runs[0], runs[1:]
    key: dict[str, Answer] = {}
    for q in exercise.questions:
        if q.statistic is None:
            key[q.ident] = Answer(q.ident, q.kind, None, None, None, None, 0)
            continue
        values = np.array(
            [statistic_value(q.statistic, a, b, exercise.scandal_quarter) for a, b in reps]
        )
        own_value = statistic_value(q.statistic, *own, exercise.scandal_quarter)
        value, low, high = _band(q.statistic, values, own_value)
        if q.kind == "numeric":  # a reading tolerance: nobody reads a chart to the third digit
            low = min(low, value - READING * abs(value))
            high = max(high, value + READING * abs(value))
        value, low, high = _round(value), _round(low, -1), _round(high, +1)
        correct = None
        if q.kind == "choice":
            verdict = _judge(q.statistic, low, high)
            if verdict not in q.when:
                where = exercise.path or exercise.ident
                raise ExerciseError(
                    f"{where}: question {q.ident!r}: the model's answer is {verdict!r} "
                    f"(band [{low:g}, {high:g}] against {q.statistic.reference:g}) but no option "
                    f"has when = {verdict!r}; the lesson no longer holds, or add that option"
                )
            correct = q.when.index(verdict)
        key[q.ident] = Answer(q.ident, q.kind, value, low, high, correct, len(reps))
    return key


def key_seeds(exercise: Exercise, replications: int = DEFAULT_REPLICATIONS) -> list[int]:
    """The exercise's own seed (the run on the page), then `replications` paired seeds."""
    from ..sweep.runs import replication_seeds

    return [exercise.seed, *replication_seeds(exercise.seed, replications)]


def check_answer(answer: Answer, response: Any) -> bool:
    """Whether a student's `response` is right: a number inside [low, high] (numeric), the index
    of the correct option (choice). Open questions have no key: any non-empty text is accepted."""
    if answer.kind == "open":
        return isinstance(response, str) and bool(response.strip())
    if answer.kind == "choice":
        if isinstance(response, bool):
            return False
        try:
            return answer.correct is not None and int(response) == answer.correct
        except (TypeError, ValueError):
            return False
    if answer.low is None or answer.high is None:
        return False
    try:
        value = float(str(response).replace(",", ".").replace("\u2212", "-"))
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and answer.low <= value <= answer.high


def check_should_see(
    exercise: Exercise, runs: list[tuple[np.ndarray, np.ndarray | None]]
) -> list[str]:
    """The should-see checks that fail on `runs` (one paired run per seed); [] if all hold."""
    failures = []
    for i, check in enumerate(exercise.checks):
        values = np.array(
            [statistic_value(check.statistic, a, b, exercise.scandal_quarter) for a, b in runs]
        )
        mean = float(values.mean())
        problems = []
        if check.sign is not None and check.statistic.summary == "mean":
            from ..analysis.results import t_interval

            ci = t_interval(values)  # the claim is about the mean: its 95 % CI must exclude 0
            if (ci.ci_low <= 0) if check.sign == "positive" else (ci.ci_high >= 0):
                problems.append(
                    f"95 % CI of the mean [{ci.ci_low:.4g}, {ci.ci_high:.4g}] is not {check.sign}"
                )
        elif check.sign is not None:
            share = float((values > 0).mean() if check.sign == "positive" else (values < 0).mean())
            if share < check.share:
                problems.append(f"{check.sign} in {share:.0%} of seeds, needs {check.share:.0%}")
        if check.straddles:
            low, high = np.percentile(values, BAND)
            if not low < check.statistic.reference < high:
                problems.append(
                    f"the central 90 % [{low:.4g}, {high:.4g}] does not contain "
                    f"{check.statistic.reference:g}"
                )
        if check.at_least is not None and mean < check.at_least:
            problems.append(f"mean {mean:.4g} < at_least {check.at_least:g}")
        if check.at_most is not None and mean > check.at_most:
            problems.append(f"mean {mean:.4g} > at_most {check.at_most:g}")
        if problems:
            s = check.statistic
            failures.append(
                f"{exercise.ident}: should_see.checks[{i}] ({s.measure} of {s.output}, run "
                f"{s.run}, years {s.years[0]:g}–{s.years[1]:g}): {'; '.join(problems)} "
                f"(values {np.round(values, 4).tolist()})"
            )
    return failures


# --------------------------------------------------------------------------- the key file


def answers_path(folder: Path | None = None) -> Path:
    return (EXERCISE_DIR if folder is None else folder) / ANSWERS_FILE


def key_document(
    keys: Mapping[str, Mapping[str, Answer]], replications: int
) -> dict[str, Any]:
    """The JSON document of `exercises/answers.json`."""
    from .. import __version__
    from ..sweep.storage import model_hash

    return {
        "about": "Generated by `trustsim exercises key --write` from the model; do not edit. "
        "Tolerance bands: docs/teaching.md.",
        "trustsim_version": __version__,
        "model_hash": model_hash(),
        "replications": replications,
        "exercises": {
            ident: {q: _answer_dict(a) for q, a in answers.items()}
            for ident, answers in sorted(keys.items())
        },
    }


def _answer_dict(a: Answer) -> dict[str, Any]:
    return {"kind": a.kind, "value": a.value, "low": a.low, "high": a.high,
            "correct": a.correct, "replications": a.replications}


def write_answer_key(document: Mapping[str, Any], path: Path | None = None) -> Path:
    """Write the key atomically (a temporary file beside it, then a rename)."""
    path = answers_path() if path is None else path
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExerciseError(f"{path}: cannot write the answer key ({exc.strerror})") from None
    return path


def read_answer_document(path: Path | None = None) -> dict[str, Any]:
    path = answers_path() if path is None else path
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExerciseError(
            f"{path}: the answer key is missing; generate it with `trustsim exercises key --write`"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ExerciseError(f"{path}: cannot read the answer key ({exc})") from None


def answer_key(exercise: Exercise | str, path: Path | None = None) -> dict[str, Answer]:
    """The answers of `exercise` from the generated key file (fast; never runs the model)."""
    exercise = exercise if isinstance(exercise, Exercise) else load_exercise(exercise)
    document = read_answer_document(path)
    entries = document.get("exercises", {}).get(exercise.ident)
    file = answers_path() if path is None else path
    if entries is None:
        raise ExerciseError(
            f"{file}: no answers for exercise {exercise.ident!r}; regenerate the key with "
            "`trustsim exercises key --write`"
        )
    key = {}
    for q in exercise.questions:
        if q.ident not in entries:
            raise ExerciseError(
                f"{file}: no answer for question {q.ident!r} of {exercise.ident!r}; regenerate "
                "the key with `trustsim exercises key --write`"
            )
        e = entries[q.ident]
        key[q.ident] = Answer(q.ident, e["kind"], e["value"], e["low"], e["high"], e["correct"],
                              e["replications"])
    return key
