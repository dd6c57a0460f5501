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

import io
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from trustsim.model import TrustModel
from trustsim.params import SPECS, ParameterError, Params
from trustsim.scenarios import Scenario, ScenarioError, list_scenario_names, load_scenario
from trustsim.worlds import WORLDS

DEFAULT_SCENARIO = "baseline-control"
DEFAULT_WORLD = "state"
DEFAULT_SCALE = 0.05  # 13 500 staff in 340 agencies: smooth curves, a step in a few ms
SCALES = (0.01, 0.02, 0.05, 0.1, 0.2)  # offered in the page; teaching is always at scale 1
MAX_SEED = 2**32 - 1
MAX_YEARS = 30
MAX_QUARTERS = 4 * MAX_YEARS  # Play stops here; replays stay short
MAX_MANAGER_NODES = 300  # above this the network view shows agencies instead of managers
RUNS = ("A", "B")


@dataclass(frozen=True)
class Lever:
    """A parameter the page offers as a control; range and type come from `trustsim.params`."""

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

    @property
    def model_scale(self) -> float:
        """The teaching world is a classroom miniature, always at scale 1."""
        return 1.0 if self.world == "teaching" else self.scale

    def params_a(self) -> dict[str, Any]:
        return {**load_scenario(self.scenario).params, **dict(self.levers)}

    def params_b(self) -> dict[str, Any]:
        return dict(load_scenario(self.compare).params) if self.compare else {}

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
        scenario_value = Params(load_scenario(self.scenario).params)[name]
        if value == scenario_value:
            levers.pop(name, None)
        else:
            levers[name] = value
        return replace(self, levers=tuple(sorted(levers.items())))

    def with_scenario(self, name: str) -> Setup:
        """Scenario A replaced; its parameters replace the lever changes."""
        load_scenario(name)
        return replace(self, scenario=name, levers=())

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


def build_models(setup: Setup) -> dict[str, TrustModel]:
    """Fresh runs at quarter 0 for `setup`: run A, and run B when comparing (same world and seed)."""
    setup.check()
    world, scale, seed = setup.world, setup.model_scale, setup.seed
    models = {"A": TrustModel(world=world, scale=scale, rng=seed, params=setup.params_a())}
    if setup.compare:
        models["B"] = TrustModel(world=world, scale=scale, rng=seed, params=setup.params_b())
    return models


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
    _lock: threading.RLock = field(init=False, repr=False, default_factory=threading.RLock)
    _layouts: dict[tuple, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.models = build_models(self.setup)

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
                done += 1
            return done

    def reset(self, setup: Setup | None = None) -> None:
        """Start over at quarter 0 (with `setup` if given); forget the scandals pressed."""
        models = build_models(setup or self.setup)  # raises before anything is replaced
        with self._lock:
            self.setup = setup or self.setup
            self.models, self.scandals = models, ()

    def change(self, setup: Setup) -> None:
        """Use `setup` from quarter 0 and replay to the current quarter (same seed, same scandals)."""
        models = build_models(setup)
        with self._lock:
            target = self.quarter
            for quarter in range(target):
                for pressed, size in self.scandals:
                    if pressed == quarter:
                        models["A"].inject_scandal(size)
                for model in models.values():
                    model.step()
            self.setup, self.models = setup, models

    def scandal(self) -> float:
        """A visible scandal in run A now (felt next quarter); run B shows what would have been."""
        with self._lock:
            size = float(self.models["A"].p.scandal_size)
            self.models["A"].inject_scandal(size)
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

    def to_csv(self) -> str:
        """The current runs as CSV, one row per run and quarter, with what defines each run."""
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
        buf = io.StringIO()
        pd.concat(parts, ignore_index=True).to_csv(buf, index=False)
        return buf.getvalue()


def csv_filename(setup: Setup, quarter: int) -> str:
    """A file name that says what the export holds."""
    runs = setup.scenario + (f"_vs_{setup.compare}" if setup.compare else "")
    return f"trustsim_{runs}_{setup.world}_seed{setup.seed}_q{quarter}.csv"


__all__ = [
    "LEVERS",
    "Lever",
    "NetworkSnapshot",
    "ParameterError",
    "ScenarioError",
    "Setup",
    "Workshop",
    "build_models",
    "csv_filename",
    "load_scenarios",
]
