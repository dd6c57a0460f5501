"""What one browser session looks at: its setup and its runs (plain Python, no Solara).

A `Workshop` holds run A (a scenario plus the lever changes made in the room) and, when comparing,
run B (another scenario, same world and seed). Every session creates its own `Workshop`, so one
person's Step never moves another person's model. The model itself lives in the library; this
module only builds, steps and reads `trustsim.TrustModel`s.

Moving a lever re-runs the same history with the new setting: the runs are rebuilt from quarter 0
with the same seed and replayed to the current quarter, re-injecting the scandals pressed so far.
That answers the workshop's question "what if we had done this instead?" without changing the
model while it runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import io
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from trustsim.model.model import TrustModel
from trustsim.model.params import SPECS, ParameterError, Params
from trustsim.model.scenarios import Scenario, ScenarioError, list_scenario_names, load_scenario
from trustsim.model.worlds import WORLDS

DEFAULT_SCENARIO = "baseline-control"
DEFAULT_WORLD = "state"
DEFAULT_SCALE = 0.05  # 13 500 staff in 340 agencies: smooth curves, a step in a few ms
SCALES = (0.01, 0.02, 0.05, 0.1, 0.2)  # offered in the page; teaching is always at scale 1
MAX_SEED = 2**32 - 1
MAX_YEARS = 30
MAX_QUARTERS = 4 * MAX_YEARS  # Play stops here; replays stay short
MAX_MANAGER_NODES = 300  # above this the network view shows agencies instead of managers
RUNS = ("A", "B")
MAX_GHOSTS = 3  # earlier versions of run A kept as faint lines after a lever change
BAND_SEEDS = 5  # runs (seeds) behind the uncertainty band, the shown seed included
PLAY_TO_YEARS = (1, 2, 3, 4, 5, 8, 10, 15, 20, 30)  # "Play to year N" choices


@dataclass(frozen=True)
class Lever:
    """A parameter the page offers as a control; range and type come from `trustsim.model.params`."""

    name: str
    step: float = 0.05  # slider step; ignored for on/off levers
    main: bool = True  # main levers are always shown, the others under "more levers"

    @property
    def low(self) -> float:
        return SPECS[self.name].low

    @property
    def high(self) -> float:
        return SPECS[self.name].high

    @property
    def kind(self) -> type:
        return SPECS[self.name].kind


LEVERS: tuple[Lever, ...] = (
    Lever("steering_detail", 0.05),
    Lever("reporting_demands", 0.05),
    Lever("budget_horizon_years", 0.5),
    Lever("agv_alignment", 0.05),
    Lever("esv_alignment", 0.05),
    Lever("digg_alignment", 0.05),
    Lever("rum"),
    Lever("experimentation_funding_msek", 10.0),
    Lever("method_support", 0.05),
    Lever("dispensation", main=False),
    Lever("experimentation_levels", 1, main=False),
    Lever("digital_programme_reach", 0.05, main=False),
    Lever("innovation_leader_share", 0.05, main=False),
    Lever("earmarking_share", 0.05, main=False),
    Lever("initial_trust_share", 0.05, main=False),
    Lever("sector_risk", 0.05, main=False),
    Lever("scandal_size", 0.5, main=False),
)
LEVER_NAMES = tuple(lever.name for lever in LEVERS)


def load_scenarios() -> tuple[list[Scenario], list[str]]:
    """The scenarios that load (the control-based baseline first) and a message per broken file."""
    found, problems = [], []
    for name in list_scenario_names():
        try:
            found.append(load_scenario(name))
        except ScenarioError as exc:
            problems.append(str(exc))
    found.sort(key=lambda sc: (sc.name != DEFAULT_SCENARIO, sc.name))
    return found, problems


@dataclass(frozen=True)
class Setup:
    """Everything that defines the runs of a session, apart from how far they have run."""

    scenario: str = DEFAULT_SCENARIO
    levers: tuple[tuple[str, Any], ...] = ()  # lever changes on top of the scenario (run A only)
    compare: str = ""  # scenario of run B; "" = no comparison
    world: str = DEFAULT_WORLD
    scale: float = DEFAULT_SCALE
    seed: int = 0
    # parameters an exercise fixes on top of the scenarios (any parameter, not only the levers)
    fixed_a: tuple[tuple[str, Any], ...] = ()
    fixed_b: tuple[tuple[str, Any], ...] = ()

    @property
    def model_scale(self) -> float:
        """The teaching world is a classroom miniature, always at scale 1."""
        return 1.0 if self.world == "teaching" else self.scale

    def params_a(self) -> dict[str, Any]:
        return {**load_scenario(self.scenario).params, **dict(self.fixed_a), **dict(self.levers)}

    def params_b(self) -> dict[str, Any]:
        if not self.compare:
            return {}
        return {**load_scenario(self.compare).params, **dict(self.fixed_b)}

    def lever_values(self) -> Params:
        """The values the controls show: scenario A's parameters plus the lever changes."""
        return Params(self.params_a())

    def with_lever(self, name: str, value: Any) -> Setup:
        """This setup with lever `name` set to `value` (validated; no-op changes are dropped)."""
        if name not in LEVER_NAMES:
            raise ParameterError(
                f"{name!r} is not a lever of the page; allowed: {', '.join(LEVER_NAMES)}"
            )
        value = SPECS[name].check(value)
        levers = dict(self.levers)
        scenario_value = Params({**load_scenario(self.scenario).params, **dict(self.fixed_a)})[name]
        if value == scenario_value:
            levers.pop(name, None)
        else:
            levers[name] = value
        return replace(self, levers=tuple(sorted(levers.items())))

    def with_scenario(self, name: str) -> Setup:
        """Scenario A replaced; its parameters replace the lever changes (and an exercise's)."""
        load_scenario(name)
        return replace(self, scenario=name, levers=(), fixed_a=())

    def band_seeds(self, n: int = BAND_SEEDS) -> tuple[int, ...]:
        """The seeds behind the uncertainty band: this setup's seed and the next n - 1."""
        return tuple((self.seed + k) % (MAX_SEED + 1) for k in range(n))

    def check(self) -> None:
        """Raise ParameterError / ScenarioError with a clear message if this setup cannot run."""
        if self.world not in WORLDS:
            raise ParameterError(f"world {self.world!r} is unknown; allowed: {', '.join(WORLDS)}")
        if self.world != "teaching" and self.scale not in SCALES:
            allowed = ", ".join(f"{s:g}" for s in SCALES)
            raise ParameterError(f"scale {self.scale!r} is not offered here; allowed: {allowed}")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not (0 <= self.seed <= MAX_SEED)
        ):
            raise ParameterError(
                f"seed {self.seed!r} is not allowed; allowed is an integer in [0, {MAX_SEED}]"
            )
        Params(self.params_a())
        if self.compare:
            Params(self.params_b())


def build_models(setup: Setup, seed: int | None = None) -> dict[str, TrustModel]:
    """Fresh runs at quarter 0 for `setup`: run A, and run B when comparing (same world and seed).

    `seed` overrides the setup's seed (the uncertainty band's extra runs).
    """
    setup.check()
    world, scale = setup.world, setup.model_scale
    seed = setup.seed if seed is None else seed
    models = {"A": TrustModel(world=world, scale=scale, rng=seed, params=setup.params_a())}
    if setup.compare:
        models["B"] = TrustModel(world=world, scale=scale, rng=seed, params=setup.params_b())
    return models


def run_a_key(setup: Setup) -> tuple:
    """What run A depends on (run B's scenario does not change it)."""
    return (setup.scenario, setup.levers, setup.world, setup.model_scale, setup.seed)


def replay(models: dict[str, TrustModel], quarters: int, scandals) -> None:
    """Step `models` from quarter 0 to `quarters`, injecting run A's pressed scandals as before."""
    for quarter in range(quarters + 1):
        for pressed, size in scandals:
            if pressed == quarter:  # pressed now (quarter == quarters): felt at the next step
                models["A"].inject_scandal(size)
        if quarter < quarters:
            for model in models.values():
                model.step()


@dataclass(frozen=True)
class Band:
    """Several seeds of one run: mean, low and high of every output per quarter."""

    run: str
    seeds: int
    mean: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame


def band_of(run: str, frames: list[pd.DataFrame]) -> Band:
    """Mean and range (min..max) over the frames of one run's seeds."""
    stack = np.stack([df.to_numpy(dtype=float) for df in frames])
    like = frames[0]

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=like.index, columns=like.columns)

    return Band(run, len(frames), frame(stack.mean(0)), frame(stack.min(0)), frame(stack.max(0)))


@dataclass(frozen=True)
class NetworkSnapshot:
    """What the network view draws for one run: nodes, edges and each node's trust orientation."""

    kind: str  # "managers" or "agencies"
    edges: np.ndarray  # (m, 2) node indices
    orientation: np.ndarray  # (n,) mean manager trust orientation, 0 control .. 1 trust
    size: np.ndarray  # (n,) head count per node


def network_snapshot(model: TrustModel) -> NetworkSnapshot:
    """Managers (workplaces) in small worlds, agencies coloured by their managers' mean otherwise."""
    if model.n_workplaces <= MAX_MANAGER_NODES:
        adj = model.adjacency.tocoo()
        keep = adj.row < adj.col
        edges = np.column_stack([adj.row[keep], adj.col[keep]]).astype(np.int64)
        return NetworkSnapshot("managers", edges, model.orientation.copy(), model.wp_size.copy())
    n = model.n_agencies
    count = np.bincount(model.wp_agency, minlength=n)
    total = np.bincount(model.wp_agency, weights=model.orientation, minlength=n)
    mean = np.divide(total, count, out=np.zeros(n), where=count > 0)
    edges = np.array(list(model.agency_graph.edges()), dtype=np.int64).reshape(-1, 2)
    return NetworkSnapshot("agencies", edges, mean, np.asarray(model.agency_size, dtype=float))


def network_layout(n_nodes: int, edges: np.ndarray, seed: int) -> np.ndarray:
    """A fixed networkx spring layout, (n, 2) in [-1, 1]."""
    graph = nx.Graph()
    graph.add_nodes_from(range(n_nodes))
    graph.add_edges_from(map(tuple, edges))
    iterations = 50 if n_nodes <= 400 else 25
    pos = nx.spring_layout(graph, seed=seed, iterations=iterations)
    return np.array([pos[i] for i in range(n_nodes)])


@dataclass
class Workshop:
    """The runs of one browser session. Thread-safe: Play steps from a worker thread."""

    setup: Setup = field(default_factory=Setup)
    scandals: tuple[tuple[int, float], ...] = ()  # (quarter pressed, size) for run A
    models: dict[str, TrustModel] = field(init=False)
    ghosts: tuple[pd.DataFrame, ...] = field(init=False, default=())  # earlier run A, newest last
    band_models: list[dict[str, TrustModel]] = field(init=False, default_factory=list)
    _lock: threading.RLock = field(init=False, repr=False, default_factory=threading.RLock)
    _layouts: dict[tuple, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.models = build_models(self.setup)

    @property
    def band_on(self) -> bool:
        return bool(self.band_models)

    def identical(self) -> bool:
        """True while runs A and B are the same run (same scenario, no lever changes, no scandal)."""
        setup = self.setup
        return setup.compare == setup.scenario and not setup.levers and not self.scandals

    def split_by_scandal(self) -> bool:
        """Same scenario, no lever changes, but a scandal pressed in A: the curves split there."""
        setup = self.setup
        return setup.compare == setup.scenario and not setup.levers and bool(self.scandals)

    @property
    def quarter(self) -> int:
        return int(self.models["A"].steps)

    @property
    def comparing(self) -> bool:
        return "B" in self.models

    def at_end(self) -> bool:
        return self.quarter >= MAX_QUARTERS

    def step(self, n: int = 1) -> int:
        """Advance every run by up to `n` quarters (not beyond MAX_QUARTERS); return quarters done."""
        with self._lock:
            done = 0
            while done < n and not self.at_end():
                for model in self.models.values():
                    model.step()
                for models in self.band_models:
                    for model in models.values():
                        model.step()
                done += 1
            return done

    def reset(self, setup: Setup | None = None) -> None:
        """Start over at quarter 0 (with `setup` if given); forget scandals and earlier runs."""
        setup = setup or self.setup
        models = build_models(setup)  # raises before anything is replaced
        bands = self._build_band(setup, 0, ()) if self.band_on else []
        with self._lock:
            self.setup = setup
            self.models, self.scandals, self.ghosts, self.band_models = models, (), (), bands

    def change(self, setup: Setup) -> None:
        """Use `setup` from quarter 0 and replay to the current quarter (same seed, same scandals).

        The run A shown so far is kept as a ghost (a faint line), so the charts show that the past
        was re-run rather than silently replaced.
        """
        models = build_models(setup)
        with self._lock:
            target = self.quarter
            replay(models, target, self.scandals)
            bands = self._build_band(setup, target, self.scandals) if self.band_on else []
            if target > 0 and run_a_key(setup) != run_a_key(self.setup):
                old = self.models["A"].outputs().copy()
                self.ghosts = (*self.ghosts, old)[-MAX_GHOSTS:]
            self.setup, self.models, self.band_models = setup, models, bands

    def forget_ghosts(self) -> None:
        with self._lock:
            self.ghosts = ()

    def _build_band(self, setup: Setup, quarters: int, scandals) -> list[dict[str, TrustModel]]:
        """The extra seeds' runs of `setup`, replayed to `quarters` with the same scandals."""
        out = []
        for seed in setup.band_seeds()[1:]:
            models = build_models(setup, seed=seed)
            replay(models, quarters, scandals)
            out.append(models)
        return out

    def set_band(self, on: bool) -> None:
        """Switch the uncertainty band (several seeds of runs A and B) on or off."""
        with self._lock:
            self.band_models = (
                self._build_band(self.setup, self.quarter, self.scandals) if on else []
            )

    def bands(self) -> dict[str, Band]:
        """Mean and range per run over the band's seeds (empty when the band is off)."""
        with self._lock:
            if not self.band_models:
                return {}
            return {
                run: band_of(
                    run,
                    [model.outputs()] + [models[run].outputs() for models in self.band_models],
                )
                for run, model in self.models.items()
            }

    def scandal(self) -> float:
        """A visible scandal in run A now (felt next quarter); run B shows what would have been."""
        with self._lock:
            size = float(self.models["A"].p.scandal_size)
            self.models["A"].inject_scandal(size)
            for models in self.band_models:
                models["A"].inject_scandal(size)
            self.scandals = (*self.scandals, (self.quarter, size))
            return size

    def frames(self) -> dict[str, pd.DataFrame]:
        """Outputs so far per run ("A", "B"), one row per quarter."""
        with self._lock:
            return {run: model.outputs().copy() for run, model in self.models.items()}

    def scandal_quarters(self) -> dict[str, list[int]]:
        """Quarters in which each run felt a scandal (pressed or from the scenario)."""
        with self._lock:
            out = {}
            for run, model in self.models.items():
                felt = {q + 1 for q, _ in self.scandals} if run == "A" else set()
                if model.p.scandal_quarter >= 0:
                    felt.add(int(model.p.scandal_quarter))
                out[run] = sorted(felt)
            return out

    def networks(self) -> tuple[dict[str, NetworkSnapshot], np.ndarray]:
        """Network snapshot per run and one shared layout (both runs share world and seed)."""
        with self._lock:
            snaps = {run: network_snapshot(model) for run, model in self.models.items()}
        first = snaps["A"]
        n = len(first.orientation)
        key = (first.kind, n, first.edges.tobytes())
        if key not in self._layouts:
            self._layouts.clear()
            self._layouts[key] = network_layout(n, first.edges, self.setup.seed)
        return snaps, self._layouts[key]

    def to_csv(self, excel_sv: bool = False) -> str | bytes:
        """The current runs as CSV, one row per run and quarter, with what defines each run.

        `excel_sv`: for Swedish Excel (semicolons, decimal comma, UTF-8 with a byte-order mark),
        as bytes; otherwise plain CSV text.
        """
        setup, scandals = self.setup, self.scandals
        names = {"A": setup.scenario, "B": setup.compare}
        parts = []
        for run, df in self.frames().items():
            df = df.reset_index()
            df.insert(1, "year", df["quarter"] / 4.0)
            df.insert(0, "seed", setup.seed)
            df.insert(0, "scale", setup.model_scale)
            df.insert(0, "world", setup.world)
            df.insert(0, "scenario", names[run])
            df.insert(0, "run", run)
            pressed = {q + 1 for q, _ in scandals} if run == "A" else set()
            df["scandal_pressed"] = df["quarter"].isin(pressed).astype(int)
            changes = "; ".join(f"{k}={v}" for k, v in setup.levers) if run == "A" else ""
            df["lever_changes"] = changes
            parts.append(df)
        table = pd.concat(parts, ignore_index=True)
        buf = io.StringIO()
        if excel_sv:
            table.to_csv(buf, index=False, sep=";", decimal=",")
            return buf.getvalue().encode("utf-8-sig")
        table.to_csv(buf, index=False)
        return buf.getvalue()


# ---------------------------------------------------------------------------- exercises
def list_exercises() -> tuple[list[Any], list[str]]:
    """The exercises of `trustsim.teach.exercises` and a message per problem ([] if there are none)."""
    try:
        from trustsim.teach import exercises
    except ImportError as exc:
        return [], [f"trustsim.teach.exercises is not available ({exc})"]
    try:
        return list(exercises.list_exercises()), []
    except Exception as exc:  # noqa: BLE001 - a broken exercise file: a message in the page
        return [], [str(exc)]


def exercise_setup(exercise: Any) -> Setup:
    """The runs an exercise asks for: scenarios, world, scale, seed and its fixed parameters."""
    fixed_b = exercise.overrides("b") if exercise.run_b is not None else {}
    return Setup(
        scenario=exercise.run_a.scenario,
        compare=exercise.run_b.scenario if exercise.run_b is not None else "",
        world=exercise.world,
        scale=exercise.scale,
        seed=exercise.seed,
        fixed_a=tuple(sorted(exercise.overrides("a").items())),
        fixed_b=tuple(sorted(fixed_b.items())),
    )


@dataclass
class ExerciseProgress:
    """A student's way through one exercise: the step shown and the answers given.

    Plain Python; the answers are checked by `trustsim.teach.exercises.check_answer` against the answer
    key the model computed (`answer_key`), never against numbers typed into the page.
    """

    exercise: Any
    key: dict[str, Any] | None = None  # question ident -> Answer; None: no key yet
    key_problem: str = ""
    step: int = 0
    responses: dict[str, str] = field(default_factory=dict)  # question ident -> response text
    results: dict[str, bool | None] = field(default_factory=dict)  # None: not checkable

    @classmethod
    def start(cls, exercise: Any) -> ExerciseProgress:
        from trustsim.teach import exercises

        try:
            return cls(exercise, key=exercises.answer_key(exercise))
        except Exception as exc:  # noqa: BLE001 - no key yet: the page works, answers unchecked
            return cls(exercise, key=None, key_problem=str(exc))

    @property
    def steps(self) -> tuple:
        return self.exercise.steps

    @property
    def current(self) -> Any:
        return self.steps[self.step]

    @property
    def last(self) -> bool:
        return self.step >= len(self.steps) - 1

    def target_quarter(self) -> int | None:
        """The quarter the current run step plays to, if it is a run step."""
        year = self.current.play_to_year
        return 4 * int(year) if year is not None else None

    def can_advance(self, quarter: int) -> bool:
        """Predictions must be given before going on; a run step must have been run."""
        step = self.current
        if step.kind == "predict" and step.question is not None:
            return step.question.ident in self.responses
        target = self.target_quarter()
        if step.kind == "run" and target is not None:
            return quarter >= target
        return True

    def go(self, delta: int, quarter: int) -> None:
        if delta > 0 and not self.can_advance(quarter):
            return
        self.step = max(0, min(len(self.steps) - 1, self.step + delta))

    def answer(self, question: Any, response: Any) -> bool | None:
        """Record a response; True/False if the key can check it, None if it cannot."""
        from trustsim.teach.exercises import check_answer

        text = "" if response is None else str(response).strip()
        if not text:
            raise ParameterError("an empty answer: write or choose one first")
        self.responses[question.ident] = text
        answer = (self.key or {}).get(question.ident)
        if answer is None or answer.kind == "open":
            result = None
        else:
            value = int(text) if question.kind == "choice" else text
            result = check_answer(answer, value)
        self.results[question.ident] = result
        return result

    def predictions(self) -> list[Any]:
        """The predict questions answered so far, in step order."""
        return [
            s.question
            for s in self.steps
            if s.kind == "predict" and s.question is not None and s.question.ident in self.responses
        ]

    def response_text(self, question: Any, lang: str) -> str:
        """A response as the student sees it (the option's text for a choice)."""
        text = self.responses.get(question.ident, "")
        if question.kind == "choice" and text.isdigit() and int(text) < len(question.options):
            return question.options[int(text)].get(lang, text)
        return text

    def handin_rows(self, lang: str) -> list[dict[str, str]]:
        """One row per question: step, kind, question, answer, checked by the model."""
        rows = []
        for i, step in enumerate(self.steps, 1):
            q = step.question
            if q is None:
                continue
            result = self.results.get(q.ident)
            rows.append(
                {
                    "step": str(i),
                    "kind": step.kind,
                    "question": q.ident,
                    "text": q.text.get(lang, ""),
                    "answer": self.response_text(q, lang),
                    "correct": "" if result is None else ("yes" if result else "no"),
                }
            )
        return rows

    def handin_csv(self, lang: str, name: str) -> bytes:
        """The answers for Swedish Excel: semicolons, UTF-8 with a byte-order mark."""
        table = pd.DataFrame(self.handin_rows(lang))
        table.insert(0, "exercise", self.exercise.ident)
        table.insert(0, "name", name)
        buf = io.StringIO()
        table.to_csv(buf, index=False, sep=";")
        return buf.getvalue().encode("utf-8-sig")

    def handin_markdown(self, lang: str, name: str, labels: dict[str, str]) -> str:
        """The answers as a Markdown page to hand in; `labels` are the page's words for it."""
        title = self.exercise.title.get(lang, self.exercise.ident)
        lines = [f"# {title}", "", f"**{labels['name']}:** {name or '-'}", ""]
        for row in self.handin_rows(lang):
            mark = {"yes": labels["yes"], "no": labels["no"]}.get(row["correct"], "")
            lines += [f"**{row['step']}. {row['text']}**", "", f"{row['answer'] or '-'}"]
            lines += [f"*{mark}*" if mark else "", ""]
        return "\n".join(lines)


def release_memory() -> None:
    """Give the memory of closed sessions back: collect cycles, then return freed heap to the OS.

    Called when a page's session ends. Without `malloc_trim`, glibc keeps the freed arenas of the
    session's worker threads, and the server's resident memory never goes down.
    """
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc: nothing to trim
            pass


def csv_filename(setup: Setup, quarter: int, excel_sv: bool = False) -> str:
    """A file name that says what the export holds."""
    runs = setup.scenario + (f"_vs_{setup.compare}" if setup.compare else "")
    suffix = "_excel-sv" if excel_sv else ""
    return f"trustsim_{runs}_{setup.world}_seed{setup.seed}_q{quarter}{suffix}.csv"


__all__ = [
    "BAND_SEEDS",
    "LEVERS",
    "Band",
    "ExerciseProgress",
    "Lever",
    "NetworkSnapshot",
    "ParameterError",
    "ScenarioError",
    "Setup",
    "Workshop",
    "band_of",
    "build_models",
    "csv_filename",
    "exercise_setup",
    "list_exercises",
    "load_scenarios",
    "release_memory",
    "replay",
]
