"""Calibration (issue 8): ABC-SMC with pyabc against sourced targets.

Data flow: a config file (`calibration/config.toml`: world, scale, years, spin-up, priors, ABC
settings, root seed, the targets file) → `simulate` the summary statistics of one parameter set →
a distance weighted by each fitted target's sd, d = sqrt(Σ ((s_k - y_k) / sd_k)²) → ABC-SMC
(pyabc; its SQLite history is the record, so a killed run continues from its last finished
generation) → the weighted posterior particles (Parquet), a posterior predictive check against
every target (fitted and held out) and the identifiability of each parameter (posterior / prior
width). `trustsim.calibrate.report` turns these into figures and Markdown.

Execution: every simulation goes through `trustsim.sweep.executor.open_executor` (a local process
pool or Dask), fed to pyabc's `ConcurrentFutureSampler`. Determinism: a particle's model runs are
seeded from (root seed, its parameter values) through `replication_seeds`, so its statistics are a
function of its parameters; pyabc's own draws (proposals, perturbations) are seeded per (root
seed, generation, job id) in the worker, so the accepted population of each generation does not
depend on timing or on the number of workers. Across machines: the proposal's fitted mean and
Cholesky factor come from BLAS, whose kernels differ per CPU in the last bits, and a last-bit change
in a particle's parameters changes its seeds; proposals are therefore rounded to
`PROPOSAL_DECIMALS` (see there), so an Intel and an AMD machine accept the same particles. Not
deterministic: how many simulations were started but cancelled when a generation filled up
(pyabc's reported acceptance rate counts them).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import math
import os
import random
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.model import BLOCKERS, DIAGNOSTICS, OUTPUTS
from ..model.params import LEVERS, SPECS, ParameterError, Params
from ..model.scenarios import ScenarioError, load_scenario
from ..model.worlds import WORLDS, scale_problem
from ..resources import shipped_folder
from ..sweep.runs import replication_seeds
from .report import write_atomically
from .survey import INDICATORS as SURVEY_INDICATORS
from .survey import STATISTICS as SURVEY_STATISTICS
from .survey import size_gradient, survey_run

# A proposal is rounded to this many decimals in probit space (z ~ N(0, 1) per parameter) before it
# is simulated. Why: the proposal x = loc + chol @ z comes out of BLAS (the weighted covariance, its
# Cholesky factor, the product), and OpenBLAS picks kernels per CPU (Haswell, SkylakeX, Zen, ...)
# that differ in the last bits; particle_seeds hashes the exact parameter values, so a one-ULP
# difference gave a different seed, a different distance and, within two generations, a different
# posterior (measured: the shipped calibration did not reproduce on an AMD EPYC after being made on
# an Intel Xeon). Rounding to 1e-6 maps last-bit neighbours to the same value unless one lies within
# a few 1e-16 of a rounding boundary: ~2e-9 per coordinate, ~3e-4 for a whole shipped calibration
# (≈ 10 000 proposals × 17 parameters). The grid, 1e-6 of a prior sd, is far below any posterior
# width (the narrowest 90 % interval is 0.64 of its prior's, about 2 sd in probit space), so the
# sampler is unchanged in any way that matters.
PROPOSAL_DECIMALS = 6

CALIBRATION_DIR = shipped_folder("calibration", "TRUSTSIM_CALIBRATION")

# Derived statistics besides the model's outputs and diagnostics (means over the reported quarters)
DERIVED = {
    "time_largest_blocker": "1 if blocked_by_time is the largest of the blockers (SKL 2019), else 0",
    "size_gradient": "share of work sites innovating in 2 years among sites above the median staff "
    "minus the share among the others (site_table(), last quarter)",
    "size_gradient_positive": "1 if size_gradient > 0, else 0",
}
RUN_STATISTICS = (*OUTPUTS, *DIAGNOSTICS, *DERIVED)  # means over a run's reported quarters
STATISTICS = (*RUN_STATISTICS, *SURVEY_STATISTICS)  # or the survey's way (survey.py, issue 24)
INDICATORS = ("time_largest_blocker", "size_gradient_positive", *SURVEY_INDICATORS)
USES = ("fit", "holdout")
# How a target constrains its statistic: a point with an sd, a one-sided bound or an interval
# (each with a soft edge sd), or a 0/1 pattern scored as a predictive probability (held out only)
KINDS = ("point", "upper", "lower", "interval", "indicator")

TOP_KEYS = {
    "title": "a short description",
    "scenario": "the scenario the targets observe (e.g. baseline-control)",
    "world": f"one of {', '.join(WORLDS)}",
    "scale": "the scale of the world, e.g. 0.02",
    "years": "reported years per simulation (statistics are means over them)",
    "spinup_years": "years of spin-up before the reported series",
    "replications": "model runs per particle (their statistics are averaged)",
    "root_seed": "the root of every seed",
    "targets": "the targets file, relative to this file",
    "fixed": "parameter values held fixed (not calibrated)",
    "priors": "the calibrated parameters",
    "abc": "population size and stopping rules (method = \"abc\")",
    "method": "abc (ABC-SMC with pyabc, the default) or history-matching (emulators, issue 24)",
    "history_matching": "waves, runs, cutoff and posterior size (method = \"history-matching\")",
}
METHODS = ("abc", "history-matching")
ABC_KEYS = {
    "population_size": "accepted particles per generation",
    "generations": "the most generations (generation 0 samples the prior)",
    "min_epsilon": "stop once ε (in sd units) is at most this",
    "min_acceptance_rate": "stop once a generation's acceptance rate is below this",
    "min_ess": "stop once a generation's effective sample size is below this (the sample would "
    "degenerate if ε shrank further)",
    "max_minutes": "stop after this many minutes of this call (optional)",
}
PRIOR_KEYS = ("low", "high", "source")
TARGET_KEYS = (
    "name",
    "statistic",
    "value",
    "sd",
    "interval",
    "uncertainty",
    "unit",
    "year",
    "source",
    "use",
    "note",
    "kind",
    "respondent",
    "population",
    "dynamic",
    "discrepancy",
)
RESPONDENTS = ("site", "staff", "organisation", "documents")
TARGET_FILE_KEYS = ("target", "missing", "parameter_sources", "notes")

# --quick: a calibration small enough for CI (about a minute on two cores)
QUICK = {
    "scale_world_min": True,
    "years": 1,
    "spinup_years": 2,
    "population_size": 12,
    "generations": 2,
}


class CalibrationError(ValueError):
    """A calibration config or targets file that cannot be used; names the file and the key."""


@dataclass(frozen=True)
class Prior:
    name: str
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Target:
    name: str
    statistic: str
    value: float
    use: str
    year: int
    source: str
    uncertainty: str
    sd: float | None = None
    interval: tuple[float, float] | None = None
    unit: str = ""
    note: str = ""
    kind: str = "point"
    respondent: str = ""
    population: str = ""
    dynamic: bool = False
    discrepancy: float | None = None  # absolute sd; None: the config's scale discrepancy

    @property
    def indicator(self) -> bool:
        return self.kind == "indicator" or self.statistic in INDICATORS

    def miss(self, value):
        """How far `value` (a number or an array) lies outside what the target allows, signed
        (0 inside a bound or an interval; value - target for a point)."""
        x = np.asarray(value, dtype=float)
        if self.kind == "upper":
            return np.maximum(0.0, x - self.value)
        if self.kind == "lower":
            return np.minimum(0.0, x - self.value)
        if self.kind == "interval":
            low, high = self.interval
            return np.where(x < low, x - low, np.where(x > high, x - high, 0.0))
        return x - self.value

    def band(self) -> tuple[float, float]:
        """The observed range: the interval if given, else value ± 2 sd, else the value."""
        if self.interval is not None:
            return self.interval
        if self.sd is not None:
            return (self.value - 2 * self.sd, self.value + 2 * self.sd)
        return (self.value, self.value)


@dataclass(frozen=True)
class AbcSettings:
    population_size: int
    generations: int
    min_epsilon: float = 0.0
    min_acceptance_rate: float = 0.0
    min_ess: float = 0.0
    max_minutes: float | None = None


@dataclass(frozen=True)
class HmSettings:
    waves: int = 3
    runs_per_wave: int = 600
    cutoff: float = 3.0
    active_inputs: int = 8
    scale_discrepancy: float = 0.05
    proposals: int = 4000
    resimulate: int = 500
    candidates: int = 20_000_000  # most uniform candidates drawn to find NROY points
    noise_pairs: int = 60  # wave-1 points run at a second seed to measure the seed noise


HM_KEYS = {
    "waves": "number of waves (each: runs, emulators, a smaller NROY)",
    "runs_per_wave": "simulator runs per wave",
    "cutoff": "implausibility above which a point is ruled out (3: three-sigma rule)",
    "active_inputs": "inputs each emulator's Gaussian process uses (the rest act as noise)",
    "scale_discrepancy": "the model's discrepancy at its simulated scale, a share of each "
    "target's value (from the scale-equivalence tests, docs/calibration.md)",
    "proposals": "posterior proposals drawn from the final NROY (the weighted posterior sample)",
    "resimulate": "posterior particles re-simulated at fresh seeds (the check on the simulator)",
    "candidates": "most uniform candidates drawn per wave to find NROY points",
    "noise_pairs": "wave-1 points run again at other seeds to measure each statistic's seed noise",
}


@dataclass(frozen=True)
class Calibration:
    name: str
    title: str
    scenario: str
    world: str
    scale: float
    years: int
    spinup_years: int
    replications: int
    root_seed: int
    fixed: dict[str, Any]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    abc: AbcSettings | None
    path: Path | None = None
    quick: bool = False
    method: str = "abc"
    hm: Any = None  # history_matching.HmSettings when method = "history-matching"

    @property
    def fit_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.use == "fit")

    def setup(self) -> SimSetup:
        scenario = load_scenario(self.scenario)
        params = {**scenario.params, **self.fixed, "spinup_years": self.spinup_years}
        stats = tuple(dict.fromkeys(t.statistic for t in self.targets))
        return SimSetup(
            self.world, self.scale, self.years, self.replications, self.root_seed, params, stats
        )

    def canonical(self) -> dict[str, Any]:
        """What defines the calibration's particles (a resumed run must match it)."""
        d = asdict(self)
        d.pop("path")
        d.pop("abc")
        d.pop("hm")
        d["targets"] = [asdict(t) for t in self.targets if t.use == "fit"]
        return json.loads(json.dumps(d, default=str))


# ---------------------------------------------------------------------------------- loading
def _closest(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def config_path(name_or_path: str | os.PathLike) -> Path:
    """A shipped calibration name (e.g. "config", "quick") or a path to a .toml file."""
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or "/" in text or os.sep in text):
        path = CALIBRATION_DIR / f"{text}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in CALIBRATION_DIR.glob("*.toml") if p.stem != "targets")
        raise CalibrationError(
            f"{text}: calibration config not found{_closest(path.stem, known) or '.'}"
            + (f" Shipped configs: {', '.join(known)}." if known else "")
        )
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise CalibrationError(f"{path}: cannot read ({exc.strerror})") from None


def _number(path, key, value, low=-math.inf, high=math.inf, kind=float, what=None):
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if ok and kind is int:
        ok = float(value) == int(value)
    if not ok or not (low <= value <= high):
        allowed = what or (f"{'an integer' if kind is int else 'a number'} in [{low:g}, {high:g}]")
        raise CalibrationError(f"{path}: {key} = {value!r} is not allowed; allowed is {allowed}")
    return kind(value)


def _text(path, key, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CalibrationError(f"{path}: {key} must be a non-empty string")
    return value


def _unknown_keys(path, where: str, table: dict, allowed) -> None:
    for key in table:
        if key not in allowed:
            raise CalibrationError(
                f"{path}: unknown key {where}{key!r}{_closest(key, allowed)}; allowed: "
                f"{', '.join(allowed)}"
            )


def load_calibration(name_or_path: str | os.PathLike, quick: bool = False) -> Calibration:
    """Load and validate a calibration config and its targets file (CalibrationError on problems)."""
    path = config_path(name_or_path)
    raw = _read_toml(path)
    _unknown_keys(path, "", raw, TOP_KEYS)
    method = raw.get("method", "abc")
    if method not in METHODS:
        raise CalibrationError(f"{path}: method = {method!r}; allowed: {', '.join(METHODS)}")
    settings_key = "abc" if method == "abc" else "history_matching"
    for key in (
        "scenario",
        "world",
        "scale",
        "years",
        "spinup_years",
        "root_seed",
        "targets",
        "priors",
        settings_key,
    ):
        if key not in raw:
            raise CalibrationError(f"{path}: missing key {key!r} ({TOP_KEYS[key]})")
    world = raw["world"]
    if world not in WORLDS:
        raise CalibrationError(
            f"{path}: world = {world!r} is unknown{_closest(world, WORLDS)}; allowed: "
            f"{', '.join(WORLDS)}"
        )
    problem = scale_problem(world, raw["scale"])
    if problem:
        raise CalibrationError(f"{path}: scale: {problem}")
    scenario = _text(path, "scenario", raw["scenario"])
    try:
        load_scenario(scenario)
    except ScenarioError as exc:
        raise CalibrationError(f"{path}: scenario: {exc}") from None
    years = _number(path, "years", raw["years"], 1, 100, int)
    spin_spec = SPECS["spinup_years"]
    spinup = _number(path, "spinup_years", raw["spinup_years"], spin_spec.low, spin_spec.high, int)
    replications = _number(path, "replications", raw.get("replications", 1), 1, 100, int)
    root_seed = _number(path, "root_seed", raw["root_seed"], 0, 2**63 - 1, int)
    fixed = _fixed(path, raw.get("fixed", {}))
    priors = _priors(path, raw["priors"], fixed)
    abc = _abc(path, raw["abc"]) if method == "abc" else None
    hm = _hm(path, raw["history_matching"]) if method != "abc" else None
    targets_file = Path(_text(path, "targets", raw["targets"]))
    if not targets_file.is_absolute():
        targets_file = path.parent / targets_file
    if not targets_file.is_file():
        raise CalibrationError(
            f"{path}: targets = {raw['targets']!r}: file not found (a path relative to this file)"
        )
    targets = load_targets(targets_file)
    stats = {t.statistic for t in targets}
    if stats & set(SURVEY_STATISTICS) and stats - set(SURVEY_STATISTICS):
        raise CalibrationError(
            f"{targets_file}: mixes survey statistics ({', '.join(sorted(stats & set(SURVEY_STATISTICS)))}) "
            f"with run statistics ({', '.join(sorted(stats - set(SURVEY_STATISTICS)))}); a targets "
            "file uses one kind"
        )
    if stats & set(SURVEY_STATISTICS) and world != "public-sector":
        raise CalibrationError(
            f"{path}: world = {world!r}: the survey statistics cover state, municipal and all "
            "public work sites, so they need world = \"public-sector\""
        )
    cal = Calibration(
        name=path.stem,
        title=str(raw.get("title", path.stem)),
        scenario=scenario,
        world=world,
        scale=float(raw["scale"]),
        years=years,
        spinup_years=spinup,
        replications=replications,
        root_seed=root_seed,
        fixed=fixed,
        priors=priors,
        targets=targets,
        abc=abc,
        path=path,
        method=method,
        hm=hm,
    )
    return quick_version(cal) if quick else cal


def _hm(path, table):
    if not isinstance(table, dict):
        raise CalibrationError(f"{path}: [history_matching] must be a table")
    _unknown_keys(path, "history_matching.", table, HM_KEYS)
    d = HmSettings()
    kw = {
        "waves": _number(path, "history_matching.waves", table.get("waves", d.waves), 1, 20, int),
        "runs_per_wave": _number(path, "history_matching.runs_per_wave",
                                 table.get("runs_per_wave", d.runs_per_wave), 20, 100_000, int),
        "cutoff": _number(path, "history_matching.cutoff", table.get("cutoff", d.cutoff), 1.0, 10.0),
        "active_inputs": _number(path, "history_matching.active_inputs",
                                 table.get("active_inputs", d.active_inputs), 1, 100, int),
        "scale_discrepancy": _number(path, "history_matching.scale_discrepancy",
                                     table.get("scale_discrepancy", d.scale_discrepancy), 0.0, 1.0),
        "proposals": _number(path, "history_matching.proposals",
                             table.get("proposals", d.proposals), 10, 10**6, int),
        "resimulate": _number(path, "history_matching.resimulate",
                              table.get("resimulate", d.resimulate), 1, 10**5, int),
        "candidates": _number(path, "history_matching.candidates",
                              table.get("candidates", d.candidates), 1000, 10**9, int),
        "noise_pairs": _number(path, "history_matching.noise_pairs",
                               table.get("noise_pairs", d.noise_pairs), 2, 10**5, int),
    }
    return HmSettings(**kw)


def _fixed(path, table) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise CalibrationError(f"{path}: [fixed] must be a table of parameter = value")
    for name, value in table.items():
        if name == "spinup_years":
            raise CalibrationError(
                f"{path}: fixed.spinup_years: set it as the top-level key spinup_years"
            )
        try:
            Params({name: value})
        except ParameterError as exc:
            raise CalibrationError(f"{path}: fixed.{name}: {exc}") from None
    return dict(table)


def _priors(path, table, fixed) -> tuple[Prior, ...]:
    if not isinstance(table, dict) or not table:
        raise CalibrationError(f"{path}: [priors] must name at least one parameter")
    priors = []
    for name, spec in table.items():
        key = f"priors.{name}"
        if name not in SPECS:
            raise CalibrationError(f"{path}: {key}: unknown parameter{_closest(name, SPECS)}")
        ps = SPECS[name]
        if name in LEVERS:
            raise CalibrationError(
                f"{path}: {key}: {name!r} is a lever (a policy choice the scenario sets); "
                "calibrate uncertainties only"
            )
        if ps.kind is not float:
            raise CalibrationError(
                f"{path}: {key}: only real-valued parameters can be calibrated "
                f"({name!r} is {ps.kind.__name__})"
            )
        if name in fixed:
            raise CalibrationError(f"{path}: {key}: {name!r} is also in [fixed]; keep one")
        if not isinstance(spec, dict):
            raise CalibrationError(f"{path}: {key} must be a table with low, high, source")
        _unknown_keys(path, f"{key}.", spec, PRIOR_KEYS)
        if "source" not in spec:
            raise CalibrationError(f"{path}: {key}: missing key 'source' (where the range is from)")
        source = _text(path, f"{key}.source", spec["source"])
        low = _number(
            path,
            f"{key}.low",
            spec.get("low", ps.low),
            ps.low,
            ps.high,
            what=f"a number in the parameter's range [{ps.low:g}, {ps.high:g}]",
        )
        high = _number(
            path,
            f"{key}.high",
            spec.get("high", ps.high),
            ps.low,
            ps.high,
            what=f"a number in the parameter's range [{ps.low:g}, {ps.high:g}]",
        )
        if not low < high:
            raise CalibrationError(f"{path}: {key}: low ({low:g}) must be below high ({high:g})")
        narrowed = (low, high) != (ps.low, ps.high)
        if narrowed and "range" in source.lower() and "params.py" in source.lower():
            raise CalibrationError(f"{path}: {key}: a range narrower than params.py needs a source")
        priors.append(Prior(name, float(low), float(high), source))
    return tuple(priors)


def _abc(path, table) -> AbcSettings:
    if not isinstance(table, dict):
        raise CalibrationError(f"{path}: [abc] must be a table")
    _unknown_keys(path, "abc.", table, ABC_KEYS)
    for key in ("population_size", "generations"):
        if key not in table:
            raise CalibrationError(f"{path}: missing key 'abc.{key}' ({ABC_KEYS[key]})")
    minutes = table.get("max_minutes")
    return AbcSettings(
        population_size=_number(
            path, "abc.population_size", table["population_size"], 2, 100_000, int
        ),
        generations=_number(path, "abc.generations", table["generations"], 1, 100, int),
        min_epsilon=_number(path, "abc.min_epsilon", table.get("min_epsilon", 0.0), 0.0),
        min_acceptance_rate=_number(
            path, "abc.min_acceptance_rate", table.get("min_acceptance_rate", 0.0), 0.0, 1.0
        ),
        max_minutes=None if minutes is None else _number(path, "abc.max_minutes", minutes, 0.01),
        min_ess=_number(path, "abc.min_ess", table.get("min_ess", 0.0), 0.0,
                        float(table["population_size"])),
    )


def load_targets(path: Path) -> tuple[Target, ...]:
    """The `[[target]]` entries of a targets file, validated (CalibrationError names the key)."""
    if not path.is_file():
        raise CalibrationError(f"{path}: targets file not found (the config's key 'targets')")
    raw = _read_toml(path)
    _unknown_keys(path, "", raw, TARGET_FILE_KEYS)
    entries = raw.get("target")
    if not isinstance(entries, list) or not entries:
        raise CalibrationError(f"{path}: no [[target]] entries")
    targets, names = [], set()
    for i, entry in enumerate(entries):
        where = f"target[{i}]"
        _unknown_keys(path, f"{where}.", entry, TARGET_KEYS)
        for key in ("name", "statistic", "value", "use", "year", "source", "uncertainty"):
            if key not in entry:
                raise CalibrationError(f"{path}: {where}: missing key {key!r}")
        name = _text(path, f"{where}.name", entry["name"])
        where = f"target {name!r}"
        if name in names:
            raise CalibrationError(f"{path}: {where}: the name is used twice")
        names.add(name)
        stat = entry["statistic"]
        if stat not in STATISTICS:
            raise CalibrationError(
                f"{path}: {where}.statistic = {stat!r} is unknown{_closest(stat, STATISTICS)}"
            )
        use = entry["use"]
        if use not in USES:
            raise CalibrationError(f"{path}: {where}.use = {use!r}; allowed: fit, holdout")
        value = _number(path, f"{where}.value", entry["value"])
        kind = entry.get("kind", "indicator" if stat in INDICATORS else "point")
        if kind not in KINDS:
            raise CalibrationError(
                f"{path}: {where}.kind = {kind!r}; allowed: {', '.join(KINDS)}"
            )
        if kind == "indicator" and (use == "fit" or value not in (0, 1)):
            raise CalibrationError(
                f"{path}: {where}: an indicator target has value 0 or 1 and use = \"holdout\" "
                "(a 0/1 pattern is scored as a predictive probability, not fitted)"
            )
        respondent = str(entry.get("respondent", ""))
        if respondent and respondent not in RESPONDENTS:
            raise CalibrationError(
                f"{path}: {where}.respondent = {respondent!r}; allowed: {', '.join(RESPONDENTS)}"
            )
        dynamic = entry.get("dynamic", False)
        if not isinstance(dynamic, bool):
            raise CalibrationError(f"{path}: {where}.dynamic must be true or false")
        sd = entry.get("sd")
        if sd is not None:
            sd = _number(path, f"{where}.sd", sd, 1e-9, what="a positive number")
        if use == "fit" and sd is None:
            raise CalibrationError(
                f"{path}: {where}: a fitted target needs 'sd' (the distance "
                "weights each target by 1 / sd)"
            )
        interval = entry.get("interval")
        if interval is not None:
            ok = (
                isinstance(interval, list)
                and len(interval) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in interval)
                and interval[0] <= interval[1]
            )
            if not ok:
                raise CalibrationError(f"{path}: {where}.interval must be [low, high]")
            interval = (float(interval[0]), float(interval[1]))
        if kind == "interval" and interval is None:
            raise CalibrationError(f"{path}: {where}: kind = \"interval\" needs interval = [low, high]")
        if kind in ("point", "upper", "lower", "interval") and use == "holdout" and sd is None \
                and stat in SURVEY_STATISTICS:
            raise CalibrationError(
                f"{path}: {where}: a {kind} target needs 'sd' (its score is a z-score)"
            )
        targets.append(
            Target(
                name=name,
                statistic=stat,
                value=value,
                use=use,
                year=_number(path, f"{where}.year", entry["year"], 1900, 2100, int),
                source=_text(path, f"{where}.source", entry["source"]),
                uncertainty=_text(path, f"{where}.uncertainty", entry["uncertainty"]),
                sd=sd,
                interval=interval,
                unit=str(entry.get("unit", "")),
                note=str(entry.get("note", "")),
                kind=kind,
                respondent=respondent,
                population=str(entry.get("population", "")),
                dynamic=dynamic,
                discrepancy=None if entry.get("discrepancy") is None else _number(
                    path, f"{where}.discrepancy", entry["discrepancy"], 0.0),
            )
        )
    if not any(t.use == "fit" for t in targets):
        raise CalibrationError(f'{path}: no target has use = "fit"')
    return tuple(targets)


def quick_version(cal: Calibration) -> Calibration:
    """The same calibration shrunk for CI: smallest scale, 1 year, short spin-up, tiny population."""
    from ..model.worlds import MIN_SCALE

    abc = hm = None
    if cal.abc is not None:
        abc = replace(
            cal.abc,
            population_size=min(cal.abc.population_size, QUICK["population_size"]),
            generations=min(cal.abc.generations, QUICK["generations"]),
        )
    if cal.hm is not None:
        hm = replace(cal.hm, waves=min(cal.hm.waves, 2), runs_per_wave=min(cal.hm.runs_per_wave, 60),
                     noise_pairs=min(cal.hm.noise_pairs, 10),
                     proposals=min(cal.hm.proposals, 200), resimulate=min(cal.hm.resimulate, 20))
    return replace(
        cal,
        scale=MIN_SCALE[cal.world],
        years=QUICK["years"],
        spinup_years=min(cal.spinup_years, QUICK["spinup_years"]),
        abc=abc,
        hm=hm,
        quick=True,
    )


# ---------------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class SimSetup:
    """What a worker needs to simulate one particle (picklable)."""

    world: str
    scale: float
    years: int
    replications: int
    root_seed: int
    params: dict[str, Any] = field(default_factory=dict)  # scenario + fixed + spin-up
    statistics: tuple[str, ...] = ()


def particle_seeds(root_seed: int, values: dict[str, float], replications: int) -> list[int]:
    """The model seeds of a particle: replication_seeds of a key hashed from the root seed and the
    particle's parameter values, so a particle's statistics depend on its parameters only."""
    text = json.dumps(
        {"root": root_seed, "values": {k: float(v) for k, v in values.items()}}, sort_keys=True
    )
    key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1
    return replication_seeds(key, replications)


def statistics_of(model, frame: pd.DataFrame, names) -> dict[str, float]:
    """Summary statistics of one run: means over the reported quarters 1..4·years, derived ones."""
    rows = frame.iloc[1:]
    out = {}
    for name in names:
        if name in frame.columns:
            out[name] = float(rows[name].mean())
    if "time_largest_blocker" in names:
        blockers = {b: float(rows[b].mean()) for b in BLOCKERS}
        out["time_largest_blocker"] = float(max(blockers, key=blockers.get) == "blocked_by_time")
    if "size_gradient" in names or "size_gradient_positive" in names:
        gradient = size_gradient(model.site_table())
        out["size_gradient"] = gradient
        out["size_gradient_positive"] = float(gradient > 0)
    return {k: out[k] for k in names}


def simulate(setup: SimSetup, values: dict[str, float]) -> dict[str, float]:
    """The summary statistics of a parameter set: averaged over `replications` seeded runs."""
    from ..model.model import TrustModel

    values = {k: float(v) for k, v in values.items()}
    params = {**setup.params, **values}
    runs = []
    if set(setup.statistics) <= set(SURVEY_STATISTICS):  # the survey's way (survey.py)
        for seed in particle_seeds(setup.root_seed, values, setup.replications):
            runs.append(survey_run(setup.world, setup.scale, seed, params, setup.statistics,
                                   setup.years))
        return {k: float(np.mean([r[k] for r in runs])) for k in setup.statistics}
    for seed in particle_seeds(setup.root_seed, values, setup.replications):
        model = TrustModel(world=setup.world, scale=setup.scale, rng=seed, params=params)
        for _ in range(4 * setup.years):
            model.step()
        runs.append(statistics_of(model, model.outputs(), setup.statistics))
    return {k: float(np.mean([r[k] for r in runs])) for k in setup.statistics}


def to_parameters(priors, z: dict[str, float]) -> dict[str, float]:
    """θ = low + (high - low) · Φ(z): pyabc samples each calibrated parameter as z ~ N(0, 1), and
    this probit map makes θ exactly uniform on [low, high] (the prior of the config). Why: in a
    box of 15 uniform dimensions, pyabc's Gaussian kernel proposal is a blob that underweights the
    corners, so the importance weights of particles far from the centre explode (ESS fell to 2 of
    200 by the third generation); in z-space the prior is itself Gaussian and the weights stay even."""
    from scipy.special import ndtr

    return {p.name: float(p.low + (p.high - p.low) * ndtr(float(z[p.name]))) for p in priors}


class Simulator:
    """pyabc's model: z → parameters → summary statistics (picklable, runs in the workers)."""

    def __init__(self, setup: SimSetup, priors: tuple[Prior, ...] = ()) -> None:
        self.setup, self.priors = setup, priors

    def __call__(self, parameter) -> dict[str, float]:
        z = dict(parameter)
        return simulate(self.setup, to_parameters(self.priors, z) if self.priors else z)


class WeightedDistance:
    """d(s, y) = sqrt(Σ_k (miss_k(s_k) / sd_k)²) over the fitted targets: 1 = one sd (a bound or an
    interval misses by nothing inside it)."""

    def __init__(self, targets) -> None:
        self.terms = tuple(t for t in targets if t.use == "fit")

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        total = 0.0
        for t in self.terms:
            total += float(t.miss(x[t.statistic]) / t.sd) ** 2
        return math.sqrt(total)


def observed(cal: Calibration) -> dict[str, float]:
    """The fitted targets as pyabc's observed statistics (the distance reads the targets itself)."""
    return {t.statistic: t.value for t in cal.fit_targets}


# ---------------------------------------------------------------------------------- ABC-SMC
def _seeded_batch(
    simulate_one_pickle: bytes, batch_size: int, job_ids: list[int], root_seed: int, generation: int
):
    """Worker: pyabc's simulate-one, with numpy's and Python's global generators seeded per
    (root seed, generation, job id) instead of from the OS (pyabc's own worker function)."""
    import cloudpickle

    simulate_one = cloudpickle.loads(simulate_one_pickle)
    out = []
    for job in job_ids:
        seq = np.random.SeedSequence([root_seed, generation + 2, job])  # generation ≥ -1
        np.random.seed(seq.generate_state(4))
        random.seed(int(seq.generate_state(1)[0]))
        result = simulate_one()
        out.append((result, result.accepted, job))
    return out


class _SeededSubmit:
    """What pyabc submits goes to the project's executor, through `_seeded_batch`."""

    def __init__(self, executor, root_seed: int) -> None:
        self.executor, self.root_seed, self.generation = executor, root_seed, 0

    def submit(self, _fn, simulate_one_pickle, batch_size, job_ids):
        return self.executor.submit(
            _seeded_batch, simulate_one_pickle, batch_size, job_ids, self.root_seed, self.generation
        )


def make_sampler(executor, root_seed: int, max_jobs: int):
    """pyabc's ConcurrentFutureSampler over `executor` with seeded workers."""
    from pyabc.sampler import ConcurrentFutureSampler

    class SeededSampler(ConcurrentFutureSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
            self.client.generation = t
            return super().sample_until_n_accepted(n, simulate_one, t, **kwargs)

    return SeededSampler(
        cfuture_executor=_SeededSubmit(executor, root_seed),
        client_max_jobs=max_jobs,
        default_pickle=True,
        batch_size=1,
    )


@dataclass
class Generation:
    t: int
    epsilon: float
    accepted: int
    simulations: int
    ess: float
    seconds: float

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.simulations if self.simulations else 0.0

    def line(self, total: int) -> str:
        eps = "inf (prior)" if math.isinf(self.epsilon) else f"{self.epsilon:.3f}"
        return (
            f"generation {self.t + 1}/{total}: ε = {eps}, acceptance {self.acceptance_rate:.3f} "
            f"({self.accepted}/{self.simulations}), ESS {self.ess:.1f}, {self.seconds:.1f} s"
        )


def student_t_transition(df: float = 5.0, scaling: float = 1.5, defensive: float = 0.2):
    """pyabc's proposal for the next generation: a *defensive mixture* (Hesterberg 1995) of one
    multivariate Student t (df 5) fitted to the weighted population (its mean, and its covariance
    × `scaling`) with weight 1 - `defensive`, and the prior (z ~ N(0, I), see to_parameters) with
    weight `defensive` — not pyabc's default Gaussian kernel density around each particle.

    Why: with 15 or more parameters and 200 particles the kernel density is lumpy (every particle
    sits far from its neighbours), so a particle's importance weight prior / proposal swings with
    its chance distance from its parent: the weights collapsed (ESS 9 of 200 in the second
    generation, 2 by the third). A single fitted t alone kept them even for two generations, then
    a covariance estimated from uneven weights came out too narrow in a few unidentified
    directions and particles out in the prior's tails took most of the weight (ESS 12 by the
    fourth). With the prior in the mixture, prior / proposal ≤ 1 / `defensive`, so no particle can
    carry more than five times the weight of a prior draw."""
    import scipy.stats as st
    from pyabc.parameters import Parameter
    from pyabc.transition import Transition

    class DefensiveTTransition(Transition):
        def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
            x = X.to_numpy(float)
            mean = (w[:, None] * x).sum(axis=0)
            centred = x - mean
            cov = (w[:, None] * centred).T @ centred / (1.0 - (w**2).sum())
            cov = cov * scaling * (df - 2.0) / df  # the t's covariance is shape · df / (df - 2)
            cov += np.eye(len(mean)) * 1e-9
            self.t = st.multivariate_t(loc=mean, shape=cov, df=df, allow_singular=True)
            self.prior = st.multivariate_normal(mean=np.zeros(len(mean)))
            self.loc, self.chol = mean, np.linalg.cholesky(cov)

        def rvs_single(self) -> Parameter:
            # drawn from numpy's global generator, which the worker seeds per job: a frozen scipy
            # distribution would carry its own copy of the generator through pickling, so every
            # job of a batch would propose the same point
            if np.random.random_sample() < defensive:
                x = np.random.standard_normal(len(self.loc))
            else:
                z = np.random.standard_normal(len(self.loc))
                g = np.random.chisquare(df) / df
                x = self.loc + self.chol @ z / math.sqrt(g)
            x = np.round(x, PROPOSAL_DECIMALS)  # the same particle on every CPU: see there
            return Parameter(dict(zip(self.X.columns, x)))

        def _density(self, x: np.ndarray):
            return (1.0 - defensive) * self.t.pdf(x) + defensive * self.prior.pdf(x)

        def pdf(self, x):
            if isinstance(x, pd.DataFrame):
                return np.atleast_1d(self._density(x[self.X.columns].to_numpy(float)))
            return float(self._density(np.array([x[k] for k in self.X.columns], float)))

    return DefensiveTTransition()


def build_abc(cal: Calibration, sampler, resumed: bool = False):
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    # z ~ N(0, 1) per parameter; Simulator maps z to θ uniform on [low, high] (see to_parameters)
    prior = pyabc.Distribution(**{p.name: pyabc.RV("norm", 0.0, 1.0) for p in cal.priors})
    return pyabc.ABCSMC(
        Simulator(cal.setup(), cal.priors),
        prior,
        WeightedDistance(cal.targets),
        population_size=cal.abc.population_size,
        transitions=student_t_transition(),
        sampler=sampler,
        # generation 0 accepts every prior draw (it is stored, so a kill loses no calibration
        # sample); later thresholds are the median distance of the previous generation, also
        # for the first generation of a resumed run (computed from the history's last one)
        eps=pyabc.MedianEpsilon(initial_epsilon="from_sample" if resumed else math.inf),
    )


def history_generations(history) -> list[Generation]:
    """The finished generations in a history, with ESS and wall time."""
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    out = []
    for _, row in pops.iterrows():
        t = int(row["t"])
        _, w = history.get_distribution(m=0, t=t)
        seconds = float(row["wall_time"]) if pd.notna(row.get("wall_time")) else 0.0
        out.append(
            Generation(
                t,
                float(row["epsilon"]),
                int(row["particles"]),
                int(row["samples"]),
                float(effective_sample_size(w)),
                seconds,
            )
        )
    return out


def stop_reason(cal: Calibration, gens: list[Generation]) -> str | None:
    """Why the calibration is complete, or None if it should go on."""
    if not gens:
        return None
    last = gens[-1]
    if len(gens) >= cal.abc.generations:
        return "generations"
    if last.epsilon <= cal.abc.min_epsilon:
        return "epsilon"
    if last.t > 0 and last.acceptance_rate < cal.abc.min_acceptance_rate:
        return "acceptance rate"
    if last.t > 0 and last.ess < cal.abc.min_ess:
        return "effective sample size"
    return None


def run_abc(
    cal: Calibration,
    db: Path,
    executor,
    max_jobs: int,
    resume: bool,
    progress: Callable[[Generation], None] | None = None,
) -> tuple[Any, str]:
    """Run (or continue) ABC-SMC into the SQLite history `db`; return (history, stop reason)."""
    import time

    url = f"sqlite:///{db}"
    resumed = resume and _finished_generations(db) > 0
    abc = build_abc(cal, make_sampler(executor, cal.root_seed, max_jobs), resumed)
    if resume:
        abc.load(url, 1)
    else:
        abc.new(url, observed(cal), meta_info={"trustsim_calibration": json.dumps(cal.canonical())})
    done = history_generations(abc.history)
    reason = stop_reason(cal, done)
    if reason:
        return abc.history, reason
    remaining = cal.abc.generations - len(done)
    walltime = timedelta(minutes=cal.abc.max_minutes) if cal.abc.max_minutes else None
    t = abc.initialize_components_before_run(
        minimum_epsilon=cal.abc.min_epsilon,
        max_nr_populations=remaining,
        min_acceptance_rate=cal.abc.min_acceptance_rate,
        max_total_nr_simulations=np.inf,
        max_walltime=walltime,
        min_eps_diff=0.0,
    )
    reason = "walltime"
    try:
        while True:
            start = time.perf_counter()
            ret = abc.run_generation(t=t)
            if not ret["successful"]:
                reason = "sample not ok"
                break
            gens = history_generations(abc.history)
            gens[-1].seconds = time.perf_counter() - start
            if progress:
                progress(gens[-1])
            reason = stop_reason(cal, gens)
            with np.errstate(invalid="ignore"):  # pyabc subtracts ε's: inf - inf after the prior
                stop = abc.check_terminate(t=t, acceptance_rate=ret["acceptance_rate"])
            if reason or stop:
                reason = reason or "walltime"
                break
            t += 1
    finally:
        abc.history.done(end_time=datetime.now())
        abc.sampler.stop()
    return abc.history, reason


def _finished_generations(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0]


# ---------------------------------------------------------------------------------- results
def posterior_frame(history, cal: Calibration, t: int | None = None) -> pd.DataFrame:
    """The weighted particles of generation `t` (default: the last): one column per calibrated
    parameter, `weight` (summing to 1), `distance`, and `s.<statistic>` for every target's
    statistic (the particle's simulated statistics)."""
    pop = history.get_population(t=t)
    rows = []
    for particle in pop.particles:
        row = to_parameters(cal.priors, particle.parameter)
        row["weight"] = float(particle.weight)
        row["distance"] = float(particle.distance)
        for name, value in particle.sum_stat.items():
            row[f"s.{name}"] = float(value)
        rows.append(row)
    df = pd.DataFrame(rows)
    df["weight"] = df["weight"] / df["weight"].sum()
    df.insert(0, "generation", int(history.max_t if t is None else t))
    return df


def weighted_quantile(values, weights, q) -> np.ndarray:
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, v)


def ppc_table(post: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """Posterior predictive check against every target: the accepted particles' simulated
    statistics (one run set per particle, weighted) against the observed value and band."""
    rows = []
    w = post["weight"].to_numpy()
    for t in cal.targets:
        s = post[f"s.{t.statistic}"].to_numpy()
        lo, hi = t.band()
        if t.indicator:
            prob = float((w * s).sum())
            rows.append(
                {
                    "target": t.name,
                    "use": t.use,
                    "statistic": t.statistic,
                    "observed": t.value,
                    "band_low": lo,
                    "band_high": hi,
                    "pred_median": prob,
                    "pred_q05": np.nan,
                    "pred_q95": np.nan,
                    "z": np.nan,
                    "consistent": bool(prob >= 0.5) if t.value == 1 else bool(prob < 0.5),
                    "note": f"predictive probability of {t.statistic} = 1",
                }
            )
            continue
        q05, q50, q95 = weighted_quantile(s, w, [0.05, 0.5, 0.95])
        z = (q50 - t.value) / t.sd if t.sd else np.nan
        rows.append(
            {
                "target": t.name,
                "use": t.use,
                "statistic": t.statistic,
                "observed": t.value,
                "band_low": lo,
                "band_high": hi,
                "pred_median": float(q50),
                "pred_q05": float(q05),
                "pred_q95": float(q95),
                "z": float(z),
                "consistent": bool(q05 <= hi and lo <= q95),
                "note": "predictive 90 % interval overlaps the observed band",
            }
        )
    return pd.DataFrame(rows)


PIN_RHO = 0.2  # |Spearman ρ| over the prior draws above which a fitted target "pins" a parameter


def pinned_by(prior: pd.DataFrame, cal: Calibration) -> dict[str, str]:
    """Which fitted targets inform each parameter: those whose simulated statistic has a rank
    correlation |ρ| ≥ PIN_RHO with the parameter over the prior draws (generation 1; with 200
    draws, |ρ| ≥ 0.2 is far outside what independence gives, sd ≈ 0.07)."""
    out = {}
    for p in cal.priors:
        names = []
        for t in cal.fit_targets:
            stat = prior[f"s.{t.statistic}"]
            if stat.nunique() < 2:  # constant over the draws (e.g. a ten-year drift in a 1-year run)
                continue
            rho = prior[p.name].corr(stat, method="spearman")
            if np.isfinite(rho) and abs(rho) >= PIN_RHO:
                names.append(f"{t.name} (ρ {rho:+.2f})")
        out[p.name] = "; ".join(names) if names else "none"
    return out


def identifiability_table(post: pd.DataFrame, cal: Calibration,
                          pins: dict[str, str] | None = None) -> pd.DataFrame:
    """Per parameter: prior and posterior 90 % intervals and their width ratio (1 = the targets
    say nothing about it; small = identified), and which fitted targets inform it (`pinned_by`)."""
    rows = []
    w = post["weight"].to_numpy()
    for p in cal.priors:
        q05, q50, q95 = weighted_quantile(post[p.name], w, [0.05, 0.5, 0.95])
        prior_width = 0.9 * (p.high - p.low)
        ratio = (q95 - q05) / prior_width
        verdict = (
            "identified"
            if ratio < 0.5
            else "weakly identified"
            if ratio < 0.8
            else "not identified"
        )
        rows.append(
            {
                "parameter": p.name,
                "prior_low": p.low,
                "prior_high": p.high,
                "post_median": float(q50),
                "post_q05": float(q05),
                "post_q95": float(q95),
                "width_ratio": float(ratio),
                "verdict": verdict,
                "pinned_by": (pins or {}).get(p.name, ""),
            }
        )
    return pd.DataFrame(rows)


CALIBRATION_TABLE_BEGIN = (
    "<!-- BEGIN CALIBRATION TABLE (generated from calibration/identifiability.csv; do not edit) -->"
)
CALIBRATION_TABLE_END = "<!-- END CALIBRATION TABLE -->"
IDENTIFIABILITY = "identifiability.csv"


def calibration_table_markdown(path: Path | None = None) -> str:
    """docs/ODD.md's calibration table: per calibrated parameter its prior, the posterior median
    and 90 % interval, the width ratio, and the fitted targets that pin it (from the shipped
    calibration/identifiability.csv, which `trustsim calibrate config` writes)."""
    path = path or CALIBRATION_DIR / IDENTIFIABILITY
    if not path.is_file():
        return "(no shipped calibration: run `trustsim calibrate config`)\n"
    ident = pd.read_csv(path, keep_default_na=False)
    lines = [
        (
            "| parameter | default | prior (uniform) | posterior median | 90 % interval | "
            "width ratio | pinned by (ρ over prior draws) |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for row in ident.itertuples():
        spec = SPECS[row.parameter]
        outside = "" if row.post_q05 <= spec.default <= row.post_q95 else " (outside)"
        lines.append(
            f"| `{row.parameter}` | {spec.default:g}{outside} | "
            f"{row.prior_low:g} – {row.prior_high:g} | "
            f"{row.post_median:.3g} | {row.post_q05:.3g} – {row.post_q95:.3g} | "
            f"{row.width_ratio:.2f} ({row.verdict}) | {row.pinned_by or 'none'} |"
        )
    return "\n".join(lines) + "\n"


def odd_with_calibration_table(text: str, path: Path | None = None) -> str:
    """`text` (docs/ODD.md) with the calibration table between its markers regenerated."""
    start = text.index(CALIBRATION_TABLE_BEGIN) + len(CALIBRATION_TABLE_BEGIN)
    end = text.index(CALIBRATION_TABLE_END)
    return text[:start] + "\n" + calibration_table_markdown(path) + text[end:]


def compare_posteriors(new: pd.DataFrame, old: pd.DataFrame, atol: float = 1e-12) -> list[str]:
    """What differs between two posterior frames (every column: parameters, weights, distances,
    statistics) beyond `atol`; empty if they agree."""
    if list(new.columns) != list(old.columns):
        return [f"columns differ: {list(new.columns)} vs {list(old.columns)}"]
    if len(new) != len(old):
        return [f"{len(new)} particles vs {len(old)}"]
    out = []
    for col in new.columns:
        a, b = new[col].to_numpy(float), old[col].to_numpy(float)
        same = np.isclose(a, b, rtol=0.0, atol=atol, equal_nan=True)
        if not same.all():
            i = int(np.argmin(same))
            out.append(f"column {col!r} differs first at particle {i}: {a[i]!r} vs {b[i]!r}")
    return out


# ---------------------------------------------------------------------------------- one call
HISTORY = "history.db"
POSTERIOR = "posterior.parquet"


@dataclass
class CalibrationResult:
    folder: Path
    reason: str
    generations: list[Generation]
    seconds: float
    executor: str
    posterior: Path | None


def default_folder(cal: Calibration) -> Path:
    return Path("results") / f"calibration-{cal.name}{'-quick' if cal.quick else ''}"


def choose_folder(cal: Calibration, out: Path, resume: bool, new: bool) -> Path:
    """The folder to write to: refuse to overwrite a history without --resume or --new; a resumed
    history must have been made by the same calibration (priors, targets, settings, seeds)."""
    has_history = (out / HISTORY).exists()
    if resume:
        if not has_history:
            raise CalibrationError(
                f"--resume: {out} holds no calibration history ({HISTORY}); "
                "run without --resume to start one"
            )
        stored = _read_json(out / "config.json")
        now = cal.canonical()
        changed = sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))
        if changed:
            raise CalibrationError(
                f"--resume: {out} holds a calibration with different {', '.join(changed)}; "
                "use --new (or another --out) for this config"
            )
        return out
    if has_history:
        if not new:
            raise CalibrationError(
                f"{out} already holds a calibration history; add --resume to continue it or --new "
                "to start a new folder beside it"
            )
        i = 2
        while Path(f"{out}-{i}").exists():
            i += 1
        out = Path(f"{out}-{i}")
    return out


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _max_jobs(executor, workers: int | None, scheduler: str | None) -> int:
    """Simulations in flight: the local workers, or the Dask cluster's threads."""
    from ..sweep.executor import default_workers

    if scheduler is None:
        return workers or default_workers()
    client = getattr(executor, "_client", None)
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # noqa: BLE001 - an executor without a client: a modest default
        return workers or 16


def run_calibration(
    cal: Calibration,
    out: Path,
    *,
    resume: bool = False,
    new: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[Generation], None] | None = None,
) -> CalibrationResult:
    """Run or continue `cal` into `out`, then write the posterior, the check tables and the report."""
    import time

    from ..sweep.executor import open_executor

    folder = choose_folder(cal, out, resume, new)
    folder.mkdir(parents=True, exist_ok=True)
    if not resume:
        write_atomically(
            folder / "config.json",
            lambda p: p.write_text(
                json.dumps(cal.canonical(), indent=2, ensure_ascii=False), encoding="utf-8"
            ),
        )
    start = time.perf_counter()
    with open_executor(scheduler, workers) as (executor, description):
        history, reason = run_abc(
            cal,
            folder / HISTORY,
            executor,
            _max_jobs(executor, workers, scheduler),
            resume,
            progress,
        )
    gens = history_generations(history)
    result = CalibrationResult(folder, reason, gens, time.perf_counter() - start, description, None)
    if gens:
        result.posterior = write_results(cal, history, folder, result)
    return result


def write_results(cal: Calibration, history, folder: Path, result: CalibrationResult) -> Path:
    """posterior.parquet, ppc.csv, identifiability.csv, generations.csv and the report."""
    from .report import write_report

    post = posterior_frame(history, cal)
    ppc = ppc_table(post, cal)
    ident = identifiability_table(post, cal, pinned_by(posterior_frame(history, cal, t=0), cal))
    gens = pd.DataFrame(
        [{**asdict(g), "acceptance_rate": g.acceptance_rate} for g in result.generations]
    )
    path = folder / POSTERIOR
    write_atomically(path, lambda p: post.to_parquet(p, index=False))
    for name, df in (("ppc.csv", ppc), ("identifiability.csv", ident), ("generations.csv", gens)):
        write_atomically(folder / name, lambda p, df=df: df.to_csv(p, index=False))
    write_report(folder, cal, post, ppc, ident, gens, result.reason)
    return path
