"""Scenario discovery and robustness over a results folder with uncertainties.

Exploratory modelling in the EMA Workbench's vocabulary: each design point of a sweep is a
*future* (one combination of the uncertainties); every scenario (policy package) is run in every
future with the same seeds, so scenario − reference is paired future by future.

- `parse_failure("incident_rate > 1.5 * ref.incident_rate")` turns a failure definition into a
  vectorised test on the futures (names: `OUTPUT` = the package's final-year value,
  `ref.OUTPUT` = the reference's at the same future, `diff.OUTPUT` = their difference,
  `gain.OUTPUT` = OUTPUT / ref.OUTPUT − 1).
- `discover(results, scenario, failure)` finds where the package fails: PRIM (Friedman & Fisher
  1999; Bryant & Lempert 2010) with the peeling trajectory, the chosen box with quasi-p values and
  a resampling stability table; CART as a second view; extra-trees feature scores. All three come
  from the ema-workbench package (the `discover` extra), imported only here and only when used.
- `robustness(futures, targets)` ranks the packages: per future, the regret of a package is the
  best package's combined score minus its own; max and 90th-percentile regret, the satisficing
  share (futures where every target of `experiments/targets/robustness.toml` is met), the share
  of futures in which each package is best, and Kendall's W of the rankings across futures.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import logging
import math
import os
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.model import OUTPUTS
from ..resources import shipped_folder
from .results import Results, ResultsError

TARGETS_FILE = shipped_folder("experiments", "TRUSTSIM_EXPERIMENTS") / "targets" / "robustness.toml"
PREFIXES = ("ref", "diff", "gain")
MIN_FUTURES = 10  # fewer design points than this are too few to search for boxes
QP_LEVEL = 0.05  # a box limit whose quasi-p value is above this may be noise
MAX_DIMS = 3  # the chosen PRIM box restricts at most this many uncertainties (see choose_box)
RESAMPLES = 10  # PRIM on this many random halves of the futures, for the stability table
PERCENTILE = 90  # the regret percentile reported next to the maximum


class DiscoveryError(ResultsError):
    """A failure expression, targets file or folder that discovery cannot use (CLI exit 2)."""


# --------------------------------------------------------------------------- ema-workbench


def workbench() -> Any:
    """Import ema_workbench's analysis modules quietly, or say how to install them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ipyparallel/altair notices on import
            import ema_workbench  # noqa: F401
            from ema_workbench.analysis import cart, feature_scoring, prim
    except ImportError as exc:
        raise DiscoveryError(
            f"scenario discovery needs the ema-workbench package ({exc.name or exc} is missing); "
            "install it with `pip install 'trustsim[discover]'` or `bash scripts/setup.sh`"
        ) from None
    logging.getLogger("EMA").setLevel(logging.WARNING)  # PRIM logs every box at INFO
    return prim, cart, feature_scoring


# --------------------------------------------------------------------------- futures


@dataclass(frozen=True)
class Futures:
    """A results folder seen as futures: `x` has one row per design point (index `point`) and one
    column per uncertainty; `values[scenario]` the final-year outputs at those points, averaged
    over the replications every scenario has (so differences stay paired)."""

    x: pd.DataFrame
    values: dict[str, pd.DataFrame]
    reference: str
    bounds: dict[str, tuple[float, float]]
    seed: int = 0

    @property
    def scenarios(self) -> list[str]:
        return list(self.values)


def futures(results: Results) -> Futures:
    """The futures of a results folder; DiscoveryError if it has no uncertainties."""
    design = results.design
    uncertainties = list(design.get("uncertainties") or [])
    if not uncertainties:
        raise DiscoveryError(
            f"{results.path}: the experiment has no [uncertainties], so there are no futures to "
            "search; run an experiment that samples them, e.g. `trustsim sweep robustness`"
        )
    finals = results.finals
    keys = ["point", "replication"]
    per_scenario = {s: finals[finals["scenario"] == s].set_index(keys) for s in results.scenarios}
    per_scenario = {s: f for s, f in per_scenario.items() if len(f)}
    reference = results.scenarios[0]
    if reference not in per_scenario:
        raise DiscoveryError(
            f"{results.path}: the reference scenario {reference!r} has no "
            "finished run; resume the sweep"
        )
    common = None
    for frame in per_scenario.values():
        common = frame.index if common is None else common.intersection(frame.index)
    if common is None or len(common) == 0:
        raise DiscoveryError(
            f"{results.path}: no design point has a finished run of every "
            "scenario; resume the sweep"
        )
    values = {
        s: f.loc[common, list(OUTPUTS)].groupby(level="point").mean().sort_index()
        for s, f in per_scenario.items()
    }
    ref_rows = per_scenario[reference].loc[common]
    x = ref_rows[[f"p.{u}" for u in uncertainties]].groupby(level="point").first().sort_index()
    x.columns = uncertainties
    x = x.astype(float)
    names = list(design.get("parameters") or [])
    bounds = {}
    for name, (low, high) in zip(names, design.get("bounds") or []):
        if name in uncertainties:
            bounds[name] = (float(low), float(high))
    for name in uncertainties:
        bounds.setdefault(name, (float(x[name].min()), float(x[name].max())))
    seed = results.manifest.get("root_seed")
    return Futures(x, values, reference, bounds, seed if isinstance(seed, int) else 0)


def check_scenario(fut: Futures, scenario: str, where: Any) -> None:
    """A scenario of the folder other than the reference, or a DiscoveryError naming the choices."""
    others = [s for s in fut.scenarios if s != fut.reference]
    if scenario == fut.reference:
        raise DiscoveryError(
            f"{where}: {scenario!r} is the reference; failure is judged against "
            f"it, so choose another scenario: {', '.join(others)}"
        )
    if scenario not in fut.values:
        close = difflib.get_close_matches(scenario, others, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DiscoveryError(
            f"{where}: scenario {scenario!r} is not in this folder{hint} "
            f"(scenarios: {', '.join(others)})"
        )


# --------------------------------------------------------------------------- failure expressions

_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_FUNCS = {"abs": np.abs, "min": np.minimum, "max": np.maximum}
EXPRESSION_HELP = (
    'write e.g. "incident_rate > 1.5 * ref.incident_rate" or "gain.innovation_rate < 0.10": '
    "OUTPUT is the package's final-year value, ref.OUTPUT the reference's in the same future, "
    "diff.OUTPUT = OUTPUT − ref.OUTPUT, gain.OUTPUT = OUTPUT / ref.OUTPUT − 1; combine with "
    "and, or, not, + - * /, abs(), min(), max()"
)


@dataclass(frozen=True)
class FailureExpression:
    """A checked failure definition; `evaluate` gives one boolean per future (True = fails)."""

    text: str
    tree: ast.Expression
    names: tuple[str, ...] = field(default=())

    def evaluate(self, package: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
        """True where the package fails; a comparison with NaN (e.g. a gain over a zero
        reference) is False."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _eval(self.tree.body, package, reference)
        return np.asarray(out, dtype=bool)


def _fail(text: str, message: str) -> DiscoveryError:
    return DiscoveryError(f"--failure {text!r}: {message}; {EXPRESSION_HELP}")


def _check_name(text: str, name: str, prefix: str | None = None) -> str:
    if name in OUTPUTS:
        return f"{prefix}.{name}" if prefix else name
    options = [*OUTPUTS, *(f"{p}.{o}" for p in PREFIXES for o in OUTPUTS)]
    full = f"{prefix}.{name}" if prefix else name
    close = difflib.get_close_matches(full, options, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise _fail(text, f"{full!r} is not an output{hint}; outputs: {', '.join(OUTPUTS)}")


def _check(text: str, node: ast.AST, names: list[str]) -> str:
    """Walk the tree, allowing only the grammar above; return 'bool' or 'number'."""
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            if _check(text, v, names) != "bool":
                raise _fail(text, "'and'/'or' join comparisons, not numbers")
        return "bool"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        if _check(text, node.operand, names) != "bool":
            raise _fail(text, "'not' applies to a comparison")
        return "bool"
    if isinstance(node, ast.Compare):
        for part in (node.left, *node.comparators):
            if _check(text, part, names) != "number":
                raise _fail(text, "a comparison compares numbers")
        if not all(type(op) in _COMPARE for op in node.ops):
            raise _fail(text, "only <, <=, >, >=, ==, != compare")
        return "bool"
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITH:
            raise _fail(text, f"operator {type(node.op).__name__} is not allowed")
        if (
            _check(text, node.left, names) != "number"
            or _check(text, node.right, names) != "number"
        ):
            raise _fail(text, "arithmetic needs numbers on both sides")
        return "number"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        if _check(text, node.operand, names) != "number":
            raise _fail(text, "a sign applies to a number")
        return "number"
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return "number"
    if isinstance(node, ast.Name):
        names.append(_check_name(text, node.id))
        return "number"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id not in PREFIXES:
            raise _fail(text, f"unknown prefix {node.value.id!r}.; allowed: ref., diff., gain.")
        names.append(_check_name(text, node.attr, node.value.id))
        return "number"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        arity = 1 if name == "abs" else 2
        if name not in _FUNCS or len(node.args) != arity:
            raise _fail(text, f"{name}() is not allowed (abs(x), min(x, y), max(x, y) are)")
        for arg in node.args:
            if _check(text, arg, names) != "number":
                raise _fail(text, f"{name}() takes numbers")
        return "number"
    raise _fail(text, f"{ast.unparse(node)!r} is not allowed here")


def parse_failure(text: str) -> FailureExpression:
    """Parse and check a failure expression; DiscoveryError naming the problem and the grammar."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(str(text), "the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _fail(
            text, f"not a valid expression ({exc.msg}, at character {exc.offset})"
        ) from None
    names: list[str] = []
    if _check(text, tree.body, names) != "bool":
        raise _fail(text, "it must be a condition (a comparison), not a number")
    return FailureExpression(text.strip(), tree, tuple(dict.fromkeys(names)))


def _eval(node: ast.AST, pkg: pd.DataFrame, ref: pd.DataFrame) -> Any:
    if isinstance(node, ast.BoolOp):
        parts = [np.asarray(_eval(v, pkg, ref), dtype=bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, pkg, ref)
        if isinstance(node.op, ast.Not):
            return np.logical_not(value)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare):
        left = _eval(node.left, pkg, ref)
        out = None
        for op, comparator in zip(node.ops, node.comparators):
            right = _eval(comparator, pkg, ref)
            part = _COMPARE[type(op)](left, right)
            out = part if out is None else np.logical_and(out, part)
            left = right
        return out
    if isinstance(node, ast.BinOp):
        return _ARITH[type(node.op)](_eval(node.left, pkg, ref), _eval(node.right, pkg, ref))
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return pkg[node.id].to_numpy(dtype=float)
    if isinstance(node, ast.Attribute):
        own = pkg[node.attr].to_numpy(dtype=float)
        base = ref[node.attr].to_numpy(dtype=float)
        if node.value.id == "gain":  # undefined (NaN) over a zero reference
            return np.where(base != 0, own / np.where(base != 0, base, 1.0) - 1.0, np.nan)
        return base if node.value.id == "ref" else own - base
    if isinstance(node, ast.Call):
        return _FUNCS[node.func.id](*(_eval(a, pkg, ref) for a in node.args))
    raise AssertionError(f"unchecked node {node!r}")  # _check refuses everything else


def failures(fut: Futures, scenario: str, failure: FailureExpression) -> pd.Series:
    """One boolean per future: does `scenario` fail by `failure` (paired with the reference)?"""
    package = fut.values[scenario].loc[fut.x.index]
    reference = fut.values[fut.reference].loc[fut.x.index]
    return pd.Series(failure.evaluate(package, reference), index=fut.x.index, name="fails")


# --------------------------------------------------------------------------- PRIM, CART, scores


@dataclass(frozen=True)
class PrimResult:
    """PRIM's peeling trajectory (`id`, `coverage`, `density`, `mass`, `res_dim`, `n`, `k`), the
    box `peeled` chosen on it and the reported box `chosen`: `peeled` with its insignificant
    limits dropped (`box_stats`: its coverage, density, mass, res_dim), its `limits`
    (uncertainty, low, high, range_low, range_high, qp_low, qp_high; restricted dimensions only),
    the `stability` table (per uncertainty: % of PRIM reruns on random halves that restrict it in a
    box of like coverage / density) and `in_box` per future. `significant`: the box keeps at least
    one limit and every limit has a quasi-p value ≤ 0.05."""

    trajectory: pd.DataFrame
    peeled: int
    chosen: int
    box_stats: dict[str, float]
    limits: pd.DataFrame
    stability: pd.DataFrame
    in_box: pd.Series
    significant: bool = True

    @property
    def stats(self) -> dict[str, float]:
        return dict(self.box_stats)


def choose_box(trajectory: pd.DataFrame, max_dims: int | None = None) -> int:
    """The box that best explains the failures: the highest coverage × lift, where lift =
    (density − d0) / (1 − d0) and d0 is the share of all futures that fail (box 0), among boxes
    restricting at most `max_dims` uncertainties (all if None). A box scores 1 when it holds every
    failure and nothing else, 0 when it is no purer than the whole space. Ties go to fewer
    restricted dimensions, then higher density."""
    ok = trajectory if max_dims is None else trajectory[trajectory["res_dim"] <= max_dims]
    if ok.empty:
        ok = trajectory
    base = float(trajectory["density"].iloc[0])
    lift = (ok["density"] - base) / (1 - base) if base < 1 else ok["density"] * 0
    ranked = ok.assign(score=(ok["coverage"] * lift).round(12)).sort_values(
        ["score", "res_dim", "density"], ascending=[False, True, False], kind="stable"
    )
    return int(ranked.index[0])


def _worst_limit(qp: Mapping[str, Sequence[float]]) -> tuple[str | None, int, float]:
    """The cut side (dimension, 0 = low / 1 = high) with the highest quasi-p value (−1/NaN:
    side not cut)."""
    worst, side, value = None, 0, -1.0
    for name, sides in qp.items():
        for j, q in enumerate(sides):
            if q >= 0 and q > value:
                worst, side, value = name, j, q
        if worst is None:  # a restricted dimension without a usable value: keep it, q = 0
            worst, side, value = name, 0, 0.0
    return worst, side, value


def _drop_side(found: Any, i: int, name: str, side: int) -> int:
    """Box i with one limit (side 0 = low, 1 = high) of `name` reset to the full range, appended
    to the trajectory with fresh statistics and quasi-p values (as PrimBox.drop_restriction does
    for both sides); the new box's id."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    lims = found.box_lims[i].copy()
    lims.loc[side, name] = found.box_lims[0].loc[side, name]
    remaining = found.prim.x.loc[found.prim.yi_remaining, :]
    found.update(lims, found.prim.yi_remaining[sdutil._in_box(remaining, lims)])
    return len(found.peeling_trajectory) - 1


def _prune(found: Any, i: int, max_dims: int) -> int:
    """Drop the least significant limit of box i, one side at a time, until every limit left
    has a quasi-p value ≤ QP_LEVEL (Bryant & Lempert 2010), then whole dimensions, least
    significant first, until at most `max_dims` remain; the final box's id."""
    while True:
        qp = found.p_values[i]
        worst, side, value = _worst_limit(qp)
        if worst is None:
            return i
        if value > QP_LEVEL:
            i = _drop_side(found, i, worst, side)
        elif len(qp) > max_dims:
            found.drop_restriction(worst, i)
            i = len(found.peeling_trajectory) - 1
        else:
            return i


def run_prim(
    x: pd.DataFrame,
    y: np.ndarray | pd.Series,
    *,
    bounds: Mapping | None = None,
    max_dims: int = MAX_DIMS,
    box: int | None = None,
    resamples: int = RESAMPLES,
    seed: int = 0,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> PrimResult:
    """PRIM (ema_workbench.analysis.prim.Prim, lenient objective) for the futures `x` where `y`
    is True. The box: `choose_box` on the peeling trajectory, then its limits with quasi-p values
    above 0.05 dropped, least significant first, down to at most `max_dims`; `box` instead takes
    that box of the trajectory as it is."""
    prim, _, _ = workbench()
    y = np.asarray(y, dtype=bool)
    bounds = dict(bounds or {c: (float(x[c].min()), float(x[c].max())) for c in x.columns})
    with _quiet():
        finder = prim.Prim(
            x.reset_index(drop=True), y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min
        )
        found = finder.find_box()
    n_peels = len(found.peeling_trajectory)
    if box is not None and not 0 <= box < n_peels:
        raise DiscoveryError(f"--box {box}: the peeling trajectory has boxes 0 to {n_peels - 1}")
    peeled = choose_box(_trajectory(found)) if box is None else box
    with _quiet():
        chosen = _prune(found, peeled, max_dims) if box is None else box
    full = _trajectory(found)
    row = full.loc[chosen]
    box_stats = {k: float(row[k]) for k in ("coverage", "density", "mass", "res_dim")}
    stability = pd.DataFrame(columns=["reproduce coverage", "reproduce density"])
    if resamples > 0:
        with _quiet():
            stability = found.resample(
                chosen, iterations=resamples, p=0.5, rng=np.random.default_rng(seed)
            )
    stability = stability.rename_axis("uncertainty").reset_index()
    share = stability.iloc[:, 1:].max(axis=1)
    stability = (
        stability.assign(_share=share)[share > 0]
        .sort_values("_share", ascending=False, kind="stable")
        .drop(columns="_share")
        .reset_index(drop=True)
    )
    lims = found.box_lims[chosen]
    inside = np.ones(len(x), dtype=bool)
    for name in x.columns:
        v = x[name].to_numpy()
        inside &= (v >= lims.loc[0, name]) & (v <= lims.loc[1, name])
    worst, _, value = _worst_limit(found.p_values[chosen])
    return PrimResult(
        full.iloc[:n_peels],
        peeled,
        chosen,
        box_stats,
        _limits(found, chosen, bounds),
        stability,
        pd.Series(inside, index=x.index, name="in_box"),
        worst is not None and value <= QP_LEVEL,
    )


def _limits(box: Any, i: int, bounds: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    lims = box.box_lims[i]
    qp = box.p_values[i]
    rows = []
    for name, (qlow, qhigh) in qp.items():
        rlow, rhigh = bounds[name]
        cut_low, cut_high = qlow >= 0, qhigh >= 0  # −1 or NaN: that side is not cut
        # an uncut side stands at the design's bound (PRIM's first box ends at the sampled extremes)
        rows.append(
            {
                "uncertainty": name,
                "low": float(lims.loc[0, name]) if cut_low else rlow,
                "high": float(lims.loc[1, name]) if cut_high else rhigh,
                "range_low": rlow,
                "range_high": rhigh,
                "qp_low": float(qlow) if cut_low else None,
                "qp_high": float(qhigh) if cut_high else None,
            }
        )
    columns = ["uncertainty", "low", "high", "range_low", "range_high", "qp_low", "qp_high"]
    return pd.DataFrame(rows, columns=columns)


def _trajectory(found: Any) -> pd.DataFrame:
    trajectory = found.peeling_trajectory.copy()
    trajectory["id"] = trajectory["id"].astype(int)
    trajectory = trajectory.set_index("id", drop=False)
    cols = ["id", "coverage", "density", "mass", "res_dim", "n", "k"]
    return trajectory[cols].astype({"res_dim": int, "n": int, "k": int})


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def run_cart(
    x: pd.DataFrame, y: np.ndarray | pd.Series, *, mass_min: float = 0.05, seed: int = 0
) -> pd.DataFrame:
    """CART (ema_workbench.analysis.cart.CART, binary) as a second view: one row per leaf where
    the package mostly fails (density ≥ 0.5), with its rule, coverage, density and mass; sorted by
    density. The tree is fitted as CART.build_tree does, with a fixed random_state."""
    _, cart, _ = workbench()
    from sklearn import tree

    y = np.asarray(y, dtype=bool).astype(int)
    model = cart.CART(x.reset_index(drop=True), y, mass_min=mass_min)
    model.clf = tree.DecisionTreeClassifier(
        min_samples_leaf=max(1, int(mass_min * len(x))), random_state=seed % 2**32
    )
    model.clf.fit(model._x, model.y)
    if model.clf.tree_.node_count < 2:  # no split: ema-workbench cannot list the leaves of a stump
        return pd.DataFrame(columns=["rule", "coverage", "density", "mass", "res_dim"])
    init = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    rows = []
    for box, stats in zip(model.boxes, model.stats):
        if not stats["density"] >= 0.5:
            continue
        rows.append(
            {
                "rule": describe_box(box, init),
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "res_dim": int(stats["res dim"]),
            }
        )
    frame = pd.DataFrame(rows, columns=["rule", "coverage", "density", "mass", "res_dim"])
    return frame.sort_values(["density", "coverage"], ascending=False).reset_index(drop=True)


def describe_box(
    box: pd.DataFrame, init: Mapping[str, tuple[float, float]], digits: int = 3
) -> str:
    """`a ≥ 0.4 and b ≤ 0.1` for the sides of `box` (rows 0 = low, 1 = high) that are inside the
    full range `init`; 'everywhere' when nothing is restricted."""
    parts = []
    for name, (rlow, rhigh) in init.items():
        low, high = float(box.loc[0, name]), float(box.loc[1, name])
        cut_low = low > rlow + 1e-12
        cut_high = high < rhigh - 1e-12
        if cut_low and cut_high:
            parts.append(f"{low:.{digits}g} ≤ {name} ≤ {high:.{digits}g}")
        elif cut_low:
            parts.append(f"{name} ≥ {low:.{digits}g}")
        elif cut_high:
            parts.append(f"{name} ≤ {high:.{digits}g}")
    return " and ".join(parts) or "everywhere"


def limits_text(limits: pd.DataFrame, digits: int = 3) -> str:
    """The chosen PRIM box in words (`describe_box` of its limits table)."""
    if limits.empty:
        return "everywhere"
    box = pd.DataFrame({r.uncertainty: [r.low, r.high] for r in limits.itertuples()})
    init = {r.uncertainty: (r.range_low, r.range_high) for r in limits.itertuples()}
    return describe_box(box, init, digits)


def feature_scores(x: pd.DataFrame, y: np.ndarray | pd.Series, *, seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores (ema_workbench.analysis.feature_scoring, classification): how
    much each uncertainty tells failing from non-failing futures; columns uncertainty, score."""
    _, _, scoring = workbench()
    y = np.asarray(y, dtype=bool).astype(int)
    with _quiet():
        scores, _ = scoring.get_ex_feature_scores(
            x.reset_index(drop=True),
            y,
            mode=scoring.RuleInductionType.CLASSIFICATION,
            random_state=seed % 2**32,
        )
    frame = scores.reset_index()
    frame.columns = ["uncertainty", "score"]
    return frame


@dataclass(frozen=True)
class Discovery:
    """Where one package fails: the failure test per future and the three views."""

    scenario: str
    failure: str
    fails: pd.Series
    prim: PrimResult | None
    cart: pd.DataFrame
    scores: pd.DataFrame

    @property
    def share(self) -> float:
        return float(self.fails.mean()) if len(self.fails) else math.nan

    def verdict(self) -> str:
        """One sentence: how often, and where, the package fails."""
        n, k = len(self.fails), int(self.fails.sum())
        if k == 0:
            return f"{self.scenario} never fails by `{self.failure}` in these {n} futures."
        if k == n:
            return f"{self.scenario} fails by `{self.failure}` in every one of these {n} futures."
        text = f"{self.scenario} fails in {k} of {n} futures ({100 * k / n:.0f} %)"
        if self.prim is None:
            return text + "."
        s = self.prim.stats
        if not self.prim.significant:
            return (
                f"{text}, spread over the futures: no box holds them beyond chance (no PRIM "
                "limit with a quasi-p value ≤ 0.05)."
            )
        return (
            f"{text}; mostly when {limits_text(self.prim.limits)} (PRIM box: "
            f"{100 * s['coverage']:.0f} % of the failures lie in it, {100 * s['density']:.0f} % "
            f"of the futures in it fail, it holds {100 * s['mass']:.0f} % of all futures)."
        )


def discover(
    fut: Futures,
    scenario: str,
    failure: str | FailureExpression,
    *,
    max_dims: int = MAX_DIMS,
    box: int | None = None,
    resamples: int = RESAMPLES,
) -> Discovery:
    """Scenario discovery for one package: where does it fail by `failure`?"""
    expr = failure if isinstance(failure, FailureExpression) else parse_failure(failure)
    check_scenario(fut, scenario, "--scenario")
    if len(fut.x) < MIN_FUTURES:
        raise DiscoveryError(
            f"only {len(fut.x)} futures (design points with every scenario finished); scenario "
            f"discovery needs at least {MIN_FUTURES}: sample more points or resume the sweep"
        )
    y = failures(fut, scenario, expr)
    empty_scores = pd.DataFrame(columns=["uncertainty", "score"])
    if y.all() or not y.any():  # nothing to separate: PRIM, CART and scores have no contrast
        return Discovery(
            scenario,
            expr.text,
            y,
            None,
            pd.DataFrame(columns=["rule", "coverage", "density", "mass", "res_dim"]),
            empty_scores,
        )
    prim_result = run_prim(
        fut.x, y, bounds=fut.bounds, max_dims=max_dims, box=box, resamples=resamples, seed=fut.seed
    )
    return Discovery(
        scenario,
        expr.text,
        y,
        prim_result,
        run_cart(fut.x, y, seed=fut.seed),
        feature_scores(fut.x, y, seed=fut.seed),
    )


# --------------------------------------------------------------------------- targets, regret


@dataclass(frozen=True)
class Targets:
    """The satisficing targets and the combined score (weights on the gains over the reference)."""

    path: Path
    min_gain: dict[str, float]
    max_gain: dict[str, float]
    weights: dict[str, float]

    def failure_text(self) -> str:
        """The failure expression 'misses a target' (for `trustsim discover`)."""
        parts = [f"gain.{o} < {v:g}" for o, v in self.min_gain.items()]
        parts += [f"gain.{o} > {v:g}" for o, v in self.max_gain.items()]
        return " or ".join(parts)

    def describe(self) -> str:
        parts = [f"{o} ≥ {100 * v:+.0f} %" for o, v in self.min_gain.items()]
        parts += [f"{o} ≤ {100 * v:+.0f} %" for o, v in self.max_gain.items()]
        return ", ".join(parts) + " over the reference"

    def score_text(self) -> str:
        return " ".join(
            f"{'+' if w >= 0 else '−'} {abs(w):g} × gain.{o}" for o, w in self.weights.items()
        ).lstrip("+ ")


def _targets_error(path: Path, message: str) -> DiscoveryError:
    return DiscoveryError(f"{path}: {message}")


def load_targets(path: str | os.PathLike | None = None) -> Targets:
    """Read a targets file (default `experiments/targets/robustness.toml`)."""
    path = Path(path) if path is not None else TARGETS_FILE
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise _targets_error(
            path,
            "targets file not found; give a TOML file like experiments/targets/robustness.toml",
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _targets_error(path, f"cannot read the targets ({exc})") from None
    for key in data:
        if key not in ("targets", "score"):
            raise _targets_error(path, f"unknown key {key!r}; allowed: [targets], [score]")
    min_gain: dict[str, float] = {}
    max_gain: dict[str, float] = {}
    for output, rule in (data.get("targets") or {}).items():
        _check_output(path, f"targets.{output}", output)
        if not isinstance(rule, dict) or set(rule) - {"min_gain", "max_gain"} or not rule:
            raise _targets_error(
                path,
                f"key targets.{output} must be {{ min_gain = 0.1 }} or "
                "{ max_gain = 0.1 } (a share: 0.1 = +10 % over the reference)",
            )
        for kind, value in rule.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _targets_error(path, f"key targets.{output}.{kind} must be a number")
            (min_gain if kind == "min_gain" else max_gain)[output] = float(value)
    weights = {}
    for output, w in (data.get("score") or {}).items():
        _check_output(path, f"score.{output}", output)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
            raise _targets_error(path, f"key score.{output} must be a number (a weight)")
        weights[output] = float(w)
    if not min_gain and not max_gain:
        raise _targets_error(path, "no [targets]; give e.g. innovation_rate = { min_gain = 0.1 }")
    if not weights or all(w == 0 for w in weights.values()):
        raise _targets_error(
            path, "no [score] weights; give e.g. innovation_rate = 1.0, incident_rate = -1.0"
        )
    return Targets(path, min_gain, max_gain, weights)


def _check_output(path: Path, key: str, output: str) -> None:
    if output not in OUTPUTS:
        close = difflib.get_close_matches(output, OUTPUTS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _targets_error(path, f"key {key}: {output!r} is not an output{hint}")


def gains(fut: Futures, output: str) -> pd.DataFrame:
    """value / reference − 1 per future (rows) and scenario (columns); NaN over a zero reference."""
    ref = fut.values[fut.reference][output]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame({s: v[output] / ref - 1.0 for s, v in fut.values.items()})
    return out.replace([np.inf, -np.inf], np.nan)


def scores(fut: Futures, targets: Targets) -> pd.DataFrame:
    """The combined score per future and scenario: Σ weight × gain (the reference scores 0)."""
    total = None
    for output, w in targets.weights.items():
        part = w * gains(fut, output)
        total = part if total is None else total + part
    return total


def regret(table: pd.DataFrame, maximise: bool = True) -> pd.DataFrame:
    """Regret per future (rows) and package (columns): the best package's value in that future
    minus this package's (or this minus the best, when smaller is better). Futures with a missing
    value are dropped."""
    table = table.dropna()
    best = table.max(axis=1) if maximise else table.min(axis=1)
    return (table.rsub(best, axis=0) if maximise else table.sub(best, axis=0)).clip(lower=0)


def satisficing(fut: Futures, targets: Targets) -> pd.DataFrame:
    """True per future and scenario where every target is met."""
    ok = None
    for output, v in targets.min_gain.items():
        part = gains(fut, output) >= v
        ok = part if ok is None else ok & part
    for output, v in targets.max_gain.items():
        part = gains(fut, output) <= v
        ok = part if ok is None else ok & part
    return ok


def kendall_w(table: pd.DataFrame) -> float:
    """Kendall's coefficient of concordance of the rankings of the columns across the rows
    (W = 12 S / (m² (n³ − n)), S = Σ (R_j − R̄)², no tie correction): 1 = every future ranks
    the packages alike, 0 = no agreement."""
    table = table.dropna()
    m, n = table.shape
    if m < 1 or n < 2:
        return math.nan
    ranks = table.rank(axis=1, ascending=False).sum(axis=0)
    s = float(((ranks - ranks.mean()) ** 2).sum())
    return 12 * s / (m**2 * (n**3 - n))


@dataclass(frozen=True)
class Robustness:
    """The ranking table (one row per package, best first by 90th-percentile regret), with
    Kendall's W and the per-future score and satisficing tables behind it."""

    table: pd.DataFrame
    kendall_w: float
    score: pd.DataFrame
    satisfied: pd.DataFrame
    targets: Targets
    reference: str

    def best_by(self, column: str, ascending: bool) -> str:
        return str(self.table.sort_values(column, ascending=ascending, kind="stable").index[0])


def robustness(fut: Futures, targets: Targets) -> Robustness:
    """Per package: max and 90th-percentile regret of the combined score, per-output p90 regret,
    the satisficing share and the share of futures in which it is best."""
    score = scores(fut, targets)
    reg = regret(score)
    sat = satisficing(fut, targets)
    best = score.dropna().idxmax(axis=1).value_counts() / len(score.dropna())
    table = pd.DataFrame(
        {
            "mean_score": score.mean(),
            "max_regret": reg.max(),
            f"p{PERCENTILE}_regret": reg.quantile(PERCENTILE / 100),
            "satisficing": sat.mean(),
            "best_share": best.reindex(score.columns).fillna(0.0),
        }
    )
    for output, w in targets.weights.items():
        if w == 0:
            continue
        values = pd.DataFrame({s: v[output] for s, v in fut.values.items()})
        table[f"p{PERCENTILE}_regret.{output}"] = regret(values, maximise=w > 0).quantile(
            PERCENTILE / 100
        )
    table.index.name = "package"
    table = table.sort_values([f"p{PERCENTILE}_regret", "max_regret"], kind="stable")
    return Robustness(table, kendall_w(score), score, sat, targets, fut.reference)


def ranking_statements(
    rob: Robustness,
    discoveries: Mapping[str, Discovery] | None = None,
    packages: Sequence[str] | None = None,
) -> list[str]:
    """Plain-language statements on the ranking and where the most robust package fails."""
    t = rob.table
    n = len(rob.score.dropna())
    col = f"p{PERCENTILE}_regret"
    top = rob.best_by("best_share", ascending=False)
    robust = str(t.index[0])
    most_sat = rob.best_by("satisficing", ascending=False)
    lines = [
        (
            f"**{top}** is the best package (highest combined score, {rob.targets.score_text()}) in "
            f"{100 * t.loc[top, 'best_share']:.0f} % of the {n} futures."
        ),
        (
            f"By regret, the safest bet is **{robust}**: its score is at most "
            f"{t.loc[robust, col]:.2f} below the best package's in {PERCENTILE} % of futures "
            f"(at most {t.loc[robust, 'max_regret']:.2f} in any)."
        ),
        (
            f"**{most_sat}** meets the targets ({rob.targets.describe()}) most often: in "
            f"{100 * t.loc[most_sat, 'satisficing']:.0f} % of futures."
        ),
    ]
    w = rob.kendall_w
    stable = "stable" if w >= 0.7 else "fairly stable" if w >= 0.5 else "not stable"
    lines.append(
        f"The ranking of the packages is {stable} across the uncertainty space "
        f"(Kendall's W = {w:.2f}; 1 = every future ranks them alike)."
    )
    for name in packages or [robust, top]:
        d = (discoveries or {}).get(name)
        if d is not None:
            lines.append(
                d.verdict()
                .replace(f"{name} fails", f"**{name}** misses the targets")
                .replace(f"{name} never fails", f"**{name}** never misses the targets")
            )
    return list(dict.fromkeys(lines))
