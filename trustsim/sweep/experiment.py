"""Experiment files (`experiments/*.toml`): loading and validation.

An experiment names the scenarios to compare, the world and scale, the years and replications, and
in the EMA Workbench's vocabulary separates *levers* (policy choices: the scenarios and any policy
parameters swept) from *uncertainties* (assumptions nobody knows, given as ranges), plus a design:

    title = "Tipping point"
    world = "state"
    scale = 0.05
    years = 10
    replications = 10
    root_seed = 20260101
    [levers]
    scenarios = ["baseline-control", "integrated-esv-digg"]   # the first is the reference
    budget_horizon_years = [1.0, 2.0, 3.0]                     # a list: grid values
    [uncertainties]
    peer_influence = { low = 0.1, high = 0.4 }                 # a range
    [design]
    kind = "grid"                                              # grid | lhs | morris | sobol

Every problem raises an `ExperimentError` (a `ScenarioError`, so the CLI exits 2) naming the file,
the key and what is allowed. Nothing runs before the whole file has been checked.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.params import SPECS, ParameterError, Params, ParamSpec
from ..model.scenarios import (
    Scenario,
    ScenarioError,
    check_keys,
    check_no_cycle,
    load_scenario,
    read_toml,
)
from ..model.worlds import WORLDS, default_scale, scale_problem
from ..resources import shipped_folder
from .posterior import (
    Posterior,
    PosteriorError,
    UniformPrior,
    load_posterior,
    load_prior,
    resolve,
)

CALIBRATION_DIR = shipped_folder("calibration", "TRUSTSIM_CALIBRATION")

# the repository's experiments/ (or the copy in an installed wheel); $TRUSTSIM_EXPERIMENTS overrides
EXPERIMENT_DIR = shipped_folder("experiments", "TRUSTSIM_EXPERIMENTS")
TOP_KEYS = (
    "title", "description", "extends", "world", "scale", "years", "replications", "root_seed",
    "levers", "uncertainties", "design",
)
TABLE_KEYS = ("levers", "uncertainties", "design")
DESIGN_KEYS = ("kind", "samples", "levels", "second_order")
DESIGN_KINDS = ("grid", "lhs", "morris", "sobol")
RANGE_KEYS = ("low", "high")
MAX_RUNS = 1_000_000
MAX_REPLICATIONS = 100_000
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used; the message names the file, key and what is allowed."""


@dataclass(frozen=True)
class Factor:
    """One swept parameter: a lever (policy choice) or an uncertainty (unknown assumption).

    Either `values` (grid values, in the order given) or a range `low`..`high` (for sampled
    designs, or split into `levels` equal steps in a grid).
    """

    name: str
    role: str  # "lever" | "uncertainty"
    values: tuple | None = None
    low: float | None = None
    high: float | None = None

    def content(self) -> dict[str, Any]:
        if self.values is not None:
            return {"name": self.name, "role": self.role, "values": list(self.values)}
        return {"name": self.name, "role": self.role, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class DesignSpec:
    """The `[design]` table: kind, samples (N for lhs/sobol, trajectories for morris), levels."""

    kind: str = "grid"
    samples: int = 0
    levels: int | None = None
    second_order: bool = False


@dataclass(frozen=True)
class Experiment:
    """A validated experiment; `content()` is its canonical form and `content_hash()` its id."""

    name: str
    path: Path
    title: str
    description: str
    world: str
    scale: float
    years: int
    replications: int
    root_seed: int
    scenarios: tuple[Scenario, ...]
    levers: tuple[Factor, ...] = ()
    uncertainties: tuple[Factor, ...] = ()
    design: DesignSpec = DesignSpec()
    posterior: Posterior | None = None  # [uncertainties] posterior = "...parquet" (posterior.py)
    prior: UniformPrior | None = None  # [uncertainties] prior = "calibration/config.toml"
    distinct: bool = False  # [uncertainties] distinct = true: every replication its own particle

    @property
    def draw_source(self) -> Posterior | UniformPrior | None:
        """Where each replication's parameter set comes from: the posterior, the prior or none."""
        return self.posterior or self.prior

    def draws(self) -> list[dict[str, float]]:
        """One parameter set per replication (empty without a posterior or prior); an
        ExperimentError when `distinct` draws are asked for and the posterior cannot give them."""
        source = self.draw_source
        if source is None:
            return [{} for _ in range(self.replications)]
        try:
            return source.draws(self.root_seed, self.replications, distinct=self.distinct)
        except PosteriorError as exc:
            raise ExperimentError(f"{self.path}: key uncertainties.distinct: {exc}") from None

    def draws_summary(self) -> dict[str, Any] | None:
        """What the manifest records about the draws (source, method, distinct count)."""
        source = self.draw_source
        return source.summary(self.root_seed, self.replications) if source else None

    @property
    def factors(self) -> tuple[Factor, ...]:
        """Swept parameters: levers first, then uncertainties."""
        return self.levers + self.uncertainties

    def content(self) -> dict[str, Any]:
        """Everything that determines the results, in a canonical JSON-able form."""
        return {
            "title": self.title,
            "description": self.description,
            "world": self.world,
            "scale": self.scale,
            "years": self.years,
            "replications": self.replications,
            "root_seed": self.root_seed,
            "scenarios": [{"name": s.name, "params": dict(sorted(s.params.items()))}
                          for s in self.scenarios],
            "factors": [f.content() for f in self.factors],
            "design": dataclasses.asdict(self.design),
            **({"posterior": self.posterior.content()} if self.posterior else {}),
            **({"prior": self.prior.content()} if self.prior else {}),
            **({"distinct": True} if self.distinct else {}),
        }

    def content_hash(self) -> str:
        return content_hash(self.content())

    def with_overrides(
        self, *, replications: int | None = None, scale: float | None = None,
        years: int | None = None,
    ) -> Experiment:
        """A copy with command-line overrides applied (each checked like the file's value)."""
        changes: dict[str, Any] = {}
        where = f"{self.path}: command-line override"
        if replications is not None:
            changes["replications"] = _int_in(where, "replications", replications, 1,
                                               MAX_REPLICATIONS)
        if scale is not None:
            changes["scale"] = _scale(where, scale, self.world)
        if years is not None:
            changes["years"] = _int_in(where, "years", years, 1, 100)
        experiment = dataclasses.replace(self, **changes)
        check_size(experiment)
        return experiment


def content_hash(content: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an experiment's content."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _closest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _int_in(where: Any, key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise ExperimentError(
            f"{where}: key {key!r} is {value!r}; allowed is an integer in [{low}, {high}]"
        )
    return value


def _scale(where: Any, value: Any, world: str) -> float:
    problem = scale_problem(world, value)
    if problem:
        raise ExperimentError(f"{where}: key 'scale': {problem}")
    return float(value)


def _text(path: Path, data: dict, key: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ExperimentError(f"{path}: key {key!r} must be a string, got {_type_name(value)}")
    return value


def experiment_path(name_or_path: str | os.PathLike, base: Path | None = None) -> Path:
    """An experiment name (looked up in `experiments/`) or a path to a TOML file."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or os.sep in text:
        path = Path(text)
        if not path.is_absolute() and base is not None:
            path = base / path
    elif NAME.match(text):
        path = EXPERIMENT_DIR / f"{text}.toml"
    else:
        path = EXPERIMENT_DIR / text
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        known = list_experiment_names()
        listing = f" Known experiments: {', '.join(known)}." if known else ""
        raise ExperimentError(
            f"{path}: experiment file not found{_closest(path.stem, known)}.{listing}"
        )
    return path


def list_experiment_names(folder: Path | None = None) -> list[str]:
    folder = folder or EXPERIMENT_DIR
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def _read(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except ExperimentError:
        raise
    except ScenarioError as exc:
        raise ExperimentError(str(exc)) from None


def _raw_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's table merged over the experiment it `extends` (tables merged key by key)."""
    resolved = path.resolve()
    check_no_cycle(path, resolved, seen, ExperimentError)
    data = _read(path)
    check_keys(path, data, TOP_KEYS, ExperimentError)
    for key in TABLE_KEYS:
        if key in data and not isinstance(data[key], dict):
            raise ExperimentError(
                f"{path}: key {key!r} must be a table ([{key}]), got {_type_name(data[key])}"
            )
    extends = data.get("extends")
    if extends is None:
        return data
    if not isinstance(extends, str) or not extends:
        raise ExperimentError(
            f"{path}: key 'extends' must be an experiment name or path, got {extends!r}"
        )
    try:
        parent_path = experiment_path(extends, base=path.parent)
    except ExperimentError as exc:
        raise ExperimentError(f"{path}: key 'extends': {exc}") from None
    merged = _raw_with_extends(parent_path, (*seen, resolved))
    for key, value in data.items():
        if key in TABLE_KEYS:
            merged[key] = {**merged.get(key, {}), **value}
        elif key != "extends":
            merged[key] = value
    return merged


def _scenario(path: Path, index: int, ref: Any) -> Scenario:
    key = f"levers.scenarios[{index}]"
    if not isinstance(ref, str) or not ref.strip():
        raise ExperimentError(
            f"{path}: key {key} must be a scenario name (see `trustsim scenarios`) or a path "
            f"to a .toml file, got {ref!r}"
        )
    is_path = ref.endswith(".toml") or "/" in ref or os.sep in ref
    if not is_path and not NAME.match(ref):
        raise ExperimentError(f"{path}: key {key}: {ref!r} is not a scenario name "
                              "(letters, digits, '-', '_', '.'; see `trustsim scenarios`)")
    target: str | Path = ref
    if is_path and not Path(ref).is_absolute():
        target = path.parent / ref
    try:
        return load_scenario(target)
    except ScenarioError as exc:
        raise ExperimentError(f"{path}: key {key}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"{path}: key {key}: cannot read scenario {ref!r} ({exc})") from None


def _scenarios(path: Path, levers: dict) -> tuple[Scenario, ...]:
    refs = levers.get("scenarios")
    if refs is None:
        raise ExperimentError(
            f"{path}: key 'levers.scenarios' is missing; give a list of scenario names, "
            'e.g. scenarios = ["baseline-control", "integrated-esv-digg"]'
        )
    if not isinstance(refs, list) or not refs:
        raise ExperimentError(
            f"{path}: key 'levers.scenarios' must be a non-empty list of scenario names, "
            f"got {refs!r}"
        )
    scenarios = tuple(_scenario(path, i, ref) for i, ref in enumerate(refs))
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise ExperimentError(f"{path}: key 'levers.scenarios' names {name!r} twice; "
                                  "each scenario may appear once")
    return scenarios


def _spec(path: Path, key: str, name: str) -> ParamSpec:
    spec = SPECS.get(name)
    if spec is None:
        raise ExperimentError(
            f"{path}: key {key} is not a parameter{_closest(name, SPECS)} "
            "(the list is in docs/ODD.md)"
        )
    return spec


def _check_value(path: Path, key: str, spec: ParamSpec, value: Any) -> Any:
    try:
        return spec.check(value)
    except ParameterError as exc:
        raise ExperimentError(f"{path}: key {key}: {exc}") from None


def _factor(path: Path, table: str, name: str, raw: Any, kind: str) -> Factor:
    key = f"{table}.{name}"
    spec = _spec(path, key, name)
    role = "lever" if table == "levers" else "uncertainty"
    if isinstance(raw, list):
        if kind != "grid":
            raise ExperimentError(
                f"{path}: key {key} is a list, but a {kind} design samples ranges; "
                f"give {{ low = ..., high = ... }} within {spec.allowed()}, or use kind = \"grid\""
            )
        if not raw:
            raise ExperimentError(f"{path}: key {key} is an empty list; give at least one value")
        values = tuple(_check_value(path, key, spec, v) for v in raw)
        if len(set(values)) != len(values):
            raise ExperimentError(f"{path}: key {key} repeats a value in {raw!r}; "
                                  "give each value once")
        return Factor(name, role, values=values)
    if isinstance(raw, dict):
        for k in raw:
            if k not in RANGE_KEYS:
                raise ExperimentError(f"{path}: unknown key {key}.{k}{_closest(k, RANGE_KEYS)}; "
                                      "allowed: low, high")
        if spec.kind is bool:
            raise ExperimentError(
                f"{path}: key {key} is a true/false parameter; it can only be swept in a grid "
                "design as a list, e.g. [false, true]"
            )
        if spec.kind is int and kind != "grid":
            raise ExperimentError(
                f"{path}: key {key} is an integer parameter; sampled designs ({kind}) need "
                "continuous parameters, so sweep it in a grid design as a list of values"
            )
        if set(raw) != set(RANGE_KEYS):
            raise ExperimentError(f"{path}: key {key} needs both low and high, got {raw!r}")
        low = _check_value(path, f"{key}.low", spec, raw["low"])
        high = _check_value(path, f"{key}.high", spec, raw["high"])
        if not low < high:
            raise ExperimentError(f"{path}: key {key}: low {low!r} must be below high {high!r}")
        return Factor(name, role, low=float(low), high=float(high))
    raise ExperimentError(
        f"{path}: key {key} must be a list of values (grid) or {{ low = ..., high = ... }}, "
        f"got {_type_name(raw)}; allowed values: {spec.allowed()}"
    )


def _design(path: Path, table: dict) -> DesignSpec:
    for key in table:
        if key not in DESIGN_KEYS:
            raise ExperimentError(f"{path}: unknown key design.{key}{_closest(key, DESIGN_KEYS)}; "
                                  f"allowed: {', '.join(DESIGN_KEYS)}")
    kind = table.get("kind", "grid")
    if kind not in DESIGN_KINDS:
        hint = _closest(kind, DESIGN_KINDS) if isinstance(kind, str) else ""
        raise ExperimentError(f"{path}: key design.kind is {kind!r}{hint}; "
                              f"allowed: {', '.join(DESIGN_KINDS)}")
    where = f"{path}"
    samples = table.get("samples", 0)
    if kind == "grid":
        _int_in(where, "design.samples", samples, 0, 0)
    else:
        _int_in(where, "design.samples", samples, 1, 100_000)
    if kind == "sobol" and samples & (samples - 1):
        raise ExperimentError(f"{path}: key design.samples is {samples}; a sobol design needs a "
                              "power of two (e.g. 64, 128, 256)")
    levels = table.get("levels")
    if levels is not None:
        if kind not in ("grid", "morris"):
            raise ExperimentError(f"{path}: key design.levels applies only to grid and morris "
                                  f"designs, not {kind}; remove it")
        _int_in(where, "design.levels", levels, 2, 1000)
        if kind == "morris" and levels % 2:
            raise ExperimentError(f"{path}: key design.levels is {levels}; a morris design needs "
                                  "an even number of levels (e.g. 4 or 6)")
    elif kind == "morris":
        levels = 4
    second_order = table.get("second_order", False)
    if not isinstance(second_order, bool):
        raise ExperimentError(f"{path}: key design.second_order must be true or false, "
                              f"got {second_order!r}")
    if second_order and kind != "sobol":
        raise ExperimentError(f"{path}: key design.second_order applies only to sobol designs")
    return DesignSpec(kind=kind, samples=samples, levels=levels, second_order=second_order)


def _factors(path: Path, data: dict, design: DesignSpec) -> tuple[tuple[Factor, ...], ...]:
    levers = tuple(_factor(path, "levers", name, raw, design.kind)
                   for name, raw in data.get("levers", {}).items() if name != "scenarios")
    uncertainties = tuple(_factor(path, "uncertainties", name, raw, design.kind)
                          for name, raw in data.get("uncertainties", {}).items()
                          if name not in DRAW_KEYS)
    lever_names = {f.name for f in levers}
    for f in uncertainties:
        if f.name in lever_names:
            raise ExperimentError(f"{path}: key uncertainties.{f.name} is also a lever; "
                                  "a parameter is either a lever or an uncertainty")
    ranged = [f for f in levers + uncertainties if f.values is None]
    if design.kind == "grid" and ranged and design.levels is None:
        raise ExperimentError(
            f"{path}: key {ranged[0].role}s.{ranged[0].name} is a range, so a grid design needs "
            "design.levels (number of equally spaced values), or give a list of values"
        )
    if design.kind != "grid" and not ranged:
        raise ExperimentError(f"{path}: a {design.kind} design needs at least one parameter with "
                              "{ low = ..., high = ... } under [levers] or [uncertainties]")
    return levers, uncertainties


POSTERIOR_KEY = "posterior"
PRIOR_KEY = "prior"
DISTINCT_KEY = "distinct"
DRAW_KEYS = (POSTERIOR_KEY, PRIOR_KEY, DISTINCT_KEY)


def _posterior(path: Path, data: dict, scenarios: tuple[Scenario, ...],
               factors: tuple[Factor, ...]) -> Posterior | None:
    """`[uncertainties] posterior = "file.parquet"`: the weighted particles every replication
    draws its parameters from (see trustsim/sweep/posterior.py)."""
    raw = data.get("uncertainties", {}).get(POSTERIOR_KEY)
    if raw is None:
        return None
    key = f"uncertainties.{POSTERIOR_KEY}"
    if not isinstance(raw, str) or not raw.endswith(".parquet"):
        raise ExperimentError(f"{path}: key {key} must be the path of a .parquet file written by "
                              f"`trustsim calibrate`, e.g. \"calibration/posterior.parquet\"; "
                              f"got {raw!r}")
    found = resolve(path.parent, raw, CALIBRATION_DIR)
    if found is None:
        raise ExperimentError(f"{path}: key {key}: no file {raw!r} beside the experiment or in "
                              "the project root; run `trustsim calibrate config` to make one")
    try:
        posterior = load_posterior(found, f"{path}: key {key}")
    except PosteriorError as exc:
        raise ExperimentError(str(exc)) from None
    _check_drawn(path, key, posterior.parameters, scenarios, factors)
    return posterior


def _check_drawn(path: Path, key: str, names: tuple[str, ...], scenarios: tuple[Scenario, ...],
                 factors: tuple[Factor, ...]) -> None:
    """A drawn parameter may be neither swept nor set by a scenario."""
    for name in names:
        if any(f.name == name for f in factors):
            raise ExperimentError(f"{path}: {name} is both swept and drawn ({key}); "
                                  "remove it from one of them")
        for scenario in scenarios:
            if name in scenario.params:
                raise ExperimentError(
                    f"{path}: scenario {scenario.name!r} sets {name}, which {key} draws; a drawn "
                    "parameter cannot also be a scenario setting")


def _prior(path: Path, data: dict, scenarios: tuple[Scenario, ...],
           factors: tuple[Factor, ...]) -> UniformPrior | None:
    """`[uncertainties] prior = "calibration/config.toml"`: draw the calibrated parameters from
    the calibration's uniform priors instead of its posterior (see trustsim/sweep/posterior.py)."""
    table = data.get("uncertainties", {})
    raw = table.get(PRIOR_KEY)
    if raw is None:
        return None
    key = f"uncertainties.{PRIOR_KEY}"
    if POSTERIOR_KEY in table:
        raise ExperimentError(f"{path}: keys uncertainties.posterior and {key} are both given; "
                              "an experiment draws from one of them (run it twice to compare)")
    if not isinstance(raw, str) or not raw.endswith(".toml"):
        raise ExperimentError(f"{path}: key {key} must be the path of a calibration file (.toml) "
                              f"with a [priors] table, e.g. \"calibration/config.toml\"; got {raw!r}")
    found = resolve(path.parent, raw, CALIBRATION_DIR)
    if found is None:
        raise ExperimentError(f"{path}: key {key}: no file {raw!r} beside the experiment or in "
                              "the project root")
    try:
        prior = load_prior(found, f"{path}: key {key}")
    except PosteriorError as exc:
        raise ExperimentError(str(exc)) from None
    _check_drawn(path, key, prior.parameters, scenarios, factors)
    return prior


def _distinct(path: Path, data: dict) -> bool:
    table = data.get("uncertainties", {})
    raw = table.get(DISTINCT_KEY, False)
    if not isinstance(raw, bool):
        raise ExperimentError(f"{path}: key uncertainties.{DISTINCT_KEY} must be true or false, "
                              f"got {raw!r}")
    if raw and POSTERIOR_KEY not in table and PRIOR_KEY not in table:
        raise ExperimentError(f"{path}: key uncertainties.{DISTINCT_KEY} applies only with "
                              "uncertainties.posterior (or prior); remove it or add one")
    return raw


def _check_combinations(path: Path, scenarios: tuple[Scenario, ...],
                        factors: tuple[Factor, ...]) -> None:
    """Every scenario combined with every swept value must give valid parameters."""
    for scenario in scenarios:
        for factor in factors:
            for value in factor.values if factor.values is not None else (factor.low, factor.high):
                try:
                    Params({**scenario.params, factor.name: value})
                except ParameterError as exc:
                    raise ExperimentError(
                        f"{path}: scenario {scenario.name!r} with {factor.name} = {value!r}: {exc}"
                    ) from None


def load_experiment(name_or_path: str | os.PathLike) -> Experiment:
    """Load and validate an experiment by name (from `experiments/`) or path."""
    path = experiment_path(name_or_path)
    data = _raw_with_extends(path)
    where = f"{path}"
    world = data.get("world", "state")
    if world not in WORLDS:
        hint = _closest(world, WORLDS) if isinstance(world, str) else ""
        raise ExperimentError(f"{path}: key 'world' is {world!r}{hint}; "
                              f"allowed: {', '.join(WORLDS)}")
    levers_table = data.get("levers", {})
    design = _design(path, data.get("design", {}))
    scenarios = _scenarios(path, levers_table)
    levers, uncertainties = _factors(path, data, design)
    _check_combinations(path, scenarios, levers + uncertainties)
    posterior = _posterior(path, data, scenarios, levers + uncertainties)
    prior = _prior(path, data, scenarios, levers + uncertainties)
    distinct = _distinct(path, data)
    replications = _int_in(where, "replications", data.get("replications", 10), 1,
                           MAX_REPLICATIONS)
    root_seed = data.get("root_seed")
    if root_seed is None:
        raise ExperimentError(f"{path}: key 'root_seed' is missing; give an integer in "
                              f"[0, {2**32 - 1}], e.g. root_seed = 20260101")
    experiment = Experiment(
        name=path.stem,
        path=path,
        title=_text(path, data, "title", path.stem),
        description=_text(path, data, "description"),
        world=world,
        scale=_scale(where, data.get("scale", default_scale(world)), world),
        years=_int_in(where, "years", data.get("years", 10), 1, 100),
        replications=replications,
        root_seed=_int_in(where, "root_seed", root_seed, 0, 2**32 - 1),
        scenarios=scenarios,
        levers=levers,
        uncertainties=uncertainties,
        design=design,
        posterior=posterior,
        prior=prior,
        distinct=distinct,
    )
    check_size(experiment)
    return experiment


def count_points(experiment: Experiment) -> int:
    """Number of design points (without building the design)."""
    d = experiment.design
    k = len([f for f in experiment.factors if f.values is None])
    if d.kind == "grid":
        return math.prod(len(f.values) if f.values is not None else d.levels
                         for f in experiment.factors)
    if d.kind == "morris":
        return d.samples * (k + 1)
    if d.kind == "sobol":
        return d.samples * (2 * k + 2 if d.second_order else k + 2)
    return d.samples


def check_size(experiment: Experiment) -> None:
    """Refuse sweeps too large to be meant (more than MAX_RUNS runs)."""
    runs = count_points(experiment) * len(experiment.scenarios) * experiment.replications
    if runs > MAX_RUNS:
        raise ExperimentError(
            f"{experiment.path}: the experiment has {runs:,} runs (points × scenarios × "
            f"replications); allowed is at most {MAX_RUNS:,}"
        )
