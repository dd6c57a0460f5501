"""In what share of the uncertainty set each pattern holds (issue 21, "patterns that can be wrong").

The pattern tests (tests/patterns, tests/verification) check each pattern at the default
parameters, over replications. This module asks the other question: over N parameter sets drawn
from an uncertainty set (default: the `[uncertainties]` of experiments/robustness.toml as a Latin
hypercube, with the sweep package's design code; or any experiment file's uncertainties and
posterior, or a posterior Parquet file written by `trustsim calibrate`), in what share does the
pattern still hold?

Each draw is run once: one seed per draw, the same seed for every scenario of the draw (common
random numbers, so the paired differences P2, P3, P6 and P7 compare like with like), in the state
world at the given scale and years. The draw's parameters are set on top of each scenario's; a
pattern's own condition (e.g. P6's high-risk sector, P2's 4-year horizon) is set on top of the
draw. Each pattern's predicate is the criterion its test asserts at the defaults, applied to one run
instead of to a confidence interval over replications (the per-pattern definitions are in
PATTERNS and in docs/patterns.md). One run is noisier than a mean over 8–40 replications, so the
same predicate is also applied to `default_runs` seeds at the default parameters: that column says
how often the per-run criterion holds where the test says the pattern holds, the ceiling the share
over the uncertainty set should be read against.

The share is reported with a Wilson 95 % score interval (Wilson 1927), which stays inside [0, 1]
and is sensible for shares near 0 or 1 and for small N.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.model import BLOCKERS, TrustModel
from ..model.params import SPECS, ParameterError
from ..model.scenarios import load_scenario
from ..model.worlds import scale_problem

WORLD = "state"
DEFAULT_UNCERTAINTIES = "robustness"  # experiments/robustness.toml
DEFAULT_SEED = 20260110  # robustness.toml's root seed (used when the file has none, e.g. a parquet)
DEFAULT_STREAM = 0xDEF  # the default-parameter runs' seeds: SeedSequence([seed, DEFAULT_STREAM])
Z95 = 1.959963984540054
MAX_DRAWS = 100_000

# P6's conditions (tests/patterns/test_p6_tradeoff.py): a high-risk sector without safeguards
HIGH_RISK = {"sector_risk": 0.9, "method_support": 0.0}
P2_HORIZONS = (1.0, 4.0)  # tests/patterns/test_p2_short_termism.py compares 1 with 4 years
P8_SHARES = (0.3, 0.7)  # initial_trust_share below and above the default threshold (0.5)
P7_YEARS = 20  # tests/verification/test_p7_hysteresis.py: a scandal in year 5, 15 years after it
FINAL = 8  # quarters averaged by the tests' `final` (the last two years)
SITE_EVERY = 8  # quarters between the site tables S2 reads (every two years, as its test)
SMALL_SITE, LARGE_SITE = 15, 30  # staff (S2)


class PatternError(ParameterError):
    """A bad argument or input file for the pattern shares; the message says what is allowed."""


# The runs of one draw: name -> (scenario, the pattern's own condition on top of the draw)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "base": ("baseline-control", {}),
    "horizon4": ("baseline-control", {"budget_horizon_years": P2_HORIZONS[1]}),
    "agv": ("agv-only", {}),
    "integrated": ("integrated-esv-digg", {}),
    "shock": ("scandal-shock", {}),
    "high_risk_control": ("baseline-control", HIGH_RISK),
    "high_risk_trust": ("integrated-esv-digg", HIGH_RISK),
    "tip_low": ("baseline-control", {"initial_trust_share": P8_SHARES[0]}),
    "tip_high": ("baseline-control", {"initial_trust_share": P8_SHARES[1]}),
    "tip_low_own": ("baseline-control", {"initial_trust_share": "own-threshold-low"}),
    "tip_high_own": ("baseline-control", {"initial_trust_share": "own-threshold-high"}),
}
P8_MARGIN = 0.2  # of initial_trust_share either side of the threshold (0.1 of mean orientation)


def own_threshold_shares(draw: Mapping[str, Any]) -> tuple[float, float]:
    """initial_trust_share 0.2 either side of where the mean starting orientation 0.25 + 0.5 s
    crosses the draw's `peer_threshold` (test_p8: s = 0.5 at the default 0.5, so 0.3 and 0.7)."""
    theta = float(draw.get("peer_threshold", SPECS["peer_threshold"].default))
    centre = (theta - 0.25) / 0.5
    return (min(1.0, max(0.0, centre - P8_MARGIN)), min(1.0, max(0.0, centre + P8_MARGIN)))


def condition(case: str, draw: Mapping[str, Any]) -> dict[str, Any]:
    """The case's own settings for this draw (P8t's shares follow the draw's peer_threshold)."""
    cond = dict(CASES[case][1])
    if cond.get("initial_trust_share") == "own-threshold-low":
        cond["initial_trust_share"] = own_threshold_shares(draw)[0]
    elif cond.get("initial_trust_share") == "own-threshold-high":
        cond["initial_trust_share"] = own_threshold_shares(draw)[1]
    return cond
LONG_CASES = ("integrated", "shock")  # run for max(years, P7_YEARS); P3 and P6 read the first years


# --------------------------------------------------------------------------------------- measures
def reported(frame: pd.DataFrame, column: str, start: int = 1) -> float:
    """Mean of `column` over the reported quarters from `start` (quarter 0 is the spun-up state)."""
    return float(frame[column].iloc[start:].mean())


def final(frame: pd.DataFrame, column: str, quarters: int = FINAL) -> float:
    """Mean of `column` over the final `quarters` (the tests' `final`)."""
    return float(frame[column].iloc[-quarters:].mean())


def _first_years(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    return frame.iloc[: 4 * years + 1]


# ------------------------------------------------------------------------------------- predicates
def p1a_culture(runs: Mapping[str, Any]) -> bool:
    """0.05 < experimentation culture < 0.20 (test_p1: CI below 0.20, 'low, not absent' above 0.05)."""
    c = reported(runs["base"], "experimentation_culture")
    return 0.05 < c < 0.20


def p1b_work_sites(runs: Mapping[str, Any]) -> bool:
    """0.70 < work sites innovating in two years < 0.90 (test_p1: the CI inside (0.70, 0.90))."""
    w = reported(runs["base"], "workplaces_innovating_2y")
    return 0.70 < w < 0.90


def p1c_time_blocker(runs: Mapping[str, Any]) -> bool:
    """blocked_by_time is the largest of model.BLOCKERS, by its mean over the reported quarters
    (test_p1: largest, with the paired gap to the next above zero; per run the gap is > 0)."""
    lost = {b: reported(runs["base"], b) for b in BLOCKERS}
    others = max(v for b, v in lost.items() if b != "blocked_by_time")
    return lost["blocked_by_time"] > others


def p2_horizon(runs: Mapping[str, Any]) -> bool:
    """A 4-year budget horizon raises innovation by more than 30 % over the 1-year horizon and at
    least halves the share of experiments cut at a budget-year boundary (test_p2; the test's
    monotonicity over 2 and 3 years is not checked per run)."""
    one, four = runs["base"], runs["horizon4"]
    gain = final(four, "innovation_rate") - final(one, "innovation_rate")
    if not gain > 0.3 * final(one, "innovation_rate"):
        return False

    def cut(frame: pd.DataFrame) -> float:
        started = final(frame, "experiments_started")
        return final(frame, "cut_by_budget_horizon") / started if started > 0 else 0.0

    return cut(four) < 0.5 * cut(one) or cut(one) == 0.0 == cut(four)


P3_COLUMNS = ("trust_orientation", "innovation_rate", "experimentation_culture")


def p3_fragmentation(runs: Mapping[str, Any]) -> bool:
    """For trust orientation, innovation and culture: the integrated gain over the baseline is
    positive and AgV-only gains less than a third of it (test_p3's "clearly less")."""
    base, agv, integrated = runs["base"], runs["agv"], runs["integrated"]
    for column in P3_COLUMNS:
        gain_agv = final(agv, column) - final(base, column)
        gain_int = final(integrated, column) - final(base, column)
        if not (gain_int > 0 and gain_agv < gain_int / 3):
            return False
    return True


def p6a_failures(runs: Mapping[str, Any]) -> bool:
    """Integrated trust vs the control baseline: more failed experiments, at least one extra
    failure per four extra innovations, and more innovations (test_p6)."""
    base, trust = runs["base"], runs["integrated"]
    failed = final(trust, "experiments_failed") - final(base, "experiments_failed")
    gained = final(trust, "innovation_rate") - final(base, "innovation_rate")
    return failed > 0 and failed > 0.25 * gained > 0


def p6b_high_risk(runs: Mapping[str, Any]) -> bool:
    """High-risk sector without safeguards (sector_risk 0.9, method_support 0): the trust reform
    raises trust orientation by more than 0.2 and incidents by more than half of control's, i.e.
    control has clearly fewer incidents (test_p6)."""
    control, trust = runs["high_risk_control"], runs["high_risk_trust"]
    moved = final(trust, "trust_orientation") - final(control, "trust_orientation")
    more = final(trust, "incident_rate") - final(control, "incident_rate")
    return moved > 0.2 and more > 0.5 * final(control, "incident_rate")


def p6_tradeoff(runs: Mapping[str, Any]) -> bool:
    """Both sides of P6's brief: P6a and P6b."""
    return p6a_failures(runs) and p6b_high_risk(runs)


P7_COLUMNS = ("trust_orientation", "experimentation_culture")
P7_MIN_PEAK, P7_YEARS_NOT_QUARTERS = 0.05, 12


def fall_and_recovery(gap: np.ndarray) -> tuple[int, int | None, float]:
    """test_p7's definitions on a gap series (calm minus shocked, from the scandal's quarter):
    fall = quarters until the gap first reaches 90 % of its peak; recovery = quarters from the
    peak until it is below a quarter of the peak (None if it never is); the peak."""
    peak = int(np.argmax(gap))
    fall = int(np.argmax(gap >= 0.9 * gap[peak])) + 1
    back = np.flatnonzero(gap[peak:] < 0.25 * gap[peak])
    return fall, (int(back[0]) if len(back) else None), float(gap[peak])


def scandal_quarter() -> int:
    return int(load_scenario("scandal-shock").params["scandal_quarter"])


def p7_hysteresis(runs: Mapping[str, Any]) -> bool | None:
    """Scandal-shock vs its calm twin (integrated, same seed), on the gap calm minus shocked from
    the scandal's quarter, for trust orientation and culture each: peak > 0.05, the gap falls back
    below a quarter of its peak within the run, recovery ≥ 12 quarters and > 2 × the fall time, and
    steering detail reaches 80 % of its rise within a quarter of the recovery time (test_p7, there
    on the mean gap over 8 seeds, here on one run's). None if the run ends before the scandal."""
    shocked, calm = runs["shock"], runs["calm"]
    q = scandal_quarter()
    if len(shocked) <= q + 1:
        return None
    rise = (shocked["steering_detail"].to_numpy() - calm["steering_detail"].to_numpy())[q:]
    detail_rise = int(np.argmax(rise >= 0.8 * rise.max())) + 1
    for column in P7_COLUMNS:
        gap = (calm[column].to_numpy() - shocked[column].to_numpy())[q:]
        fall, recovery, peak = fall_and_recovery(gap)
        if not (peak > P7_MIN_PEAK and recovery is not None):
            return False
        if not (recovery >= P7_YEARS_NOT_QUARTERS and recovery > 2 * fall):
            return False
        if not detail_rise <= recovery / 4:
            return False
    return True


def p8_tipping(runs: Mapping[str, Any]) -> bool:
    """initial_trust_share 0.3 ends in control and 0.7 in trust: mean trust orientation over the
    last 4 quarters below 0.5 and above 0.5 (test_p8's 'tipped'; per draw the test's sweep is
    reduced to the two shares either side of the default threshold)."""
    low = final(runs["tip_low"], "trust_orientation", quarters=4)
    high = final(runs["tip_high"], "trust_orientation", quarters=4)
    return low < 0.5 < high


def p8t_tipping_own(runs: Mapping[str, Any]) -> bool:
    """As P8, with the two starting shares placed 0.2 either side of the draw's own threshold (the
    share at which the mean starting orientation 0.25 + 0.5 s equals `peer_threshold`; 0.3 and 0.7
    at the default): does a threshold exist, wherever `peer_threshold` puts it?"""
    low = final(runs["tip_low_own"], "trust_orientation", quarters=4)
    high = final(runs["tip_high_own"], "trust_orientation", quarters=4)
    return low < 0.5 < high


def s1_adopted(runs: Mapping[str, Any]) -> bool:
    """Adopted share of innovations > 0.5 in the baseline (test_secondary S1)."""
    return reported(runs["base"], "adopted_share") > 0.5


def s2_site_size(runs: Mapping[str, Any]) -> bool | None:
    """Work sites of ≥ 30 staff innovate more often than sites of ≤ 15 by more than 0.15
    (test_secondary S2; site tables every two years). None if the run is shorter than two years."""
    sites = runs.get("sites")
    if sites is None:
        return None
    small, large = sites
    return large - small > 0.15


def s3_developing(runs: Mapping[str, Any]) -> bool:
    """0.15 < share of non-innovating work sites with an experiment under way < 0.48 (S3)."""
    d = reported(runs["base"], "sites_developing_share")
    return 0.15 < d < 0.48


@dataclass(frozen=True)
class Pattern:
    id: str
    claim: str
    test: str
    cases: tuple[str, ...]
    predicate: Callable[[Mapping[str, Any]], bool | None]

    @property
    def criterion(self) -> str:
        return " ".join((self.predicate.__doc__ or "").split())


PATTERNS: dict[str, Pattern] = {
    p.id: p
    for p in (
        Pattern("P1a", "baseline: fewer than 1/5 perceive an experimentation culture",
                "tests/patterns/test_p1_baseline.py", ("base",), p1a_culture),
        Pattern("P1b", "baseline: about 8 in 10 work sites innovate in two years",
                "tests/patterns/test_p1_baseline.py", ("base",), p1b_work_sites),
        Pattern("P1c", "baseline: time is the largest blocker",
                "tests/patterns/test_p1_baseline.py", ("base",), p1c_time_blocker),
        Pattern("P2", "innovation rises with the budget horizon",
                "tests/patterns/test_p2_short_termism.py", ("base", "horizon4"), p2_horizon),
        Pattern("P3", "AgV alone gains clearly less than integrated support",
                "tests/patterns/test_p3_fragmentation.py", ("base", "agv", "integrated"),
                p3_fragmentation),
        Pattern("P6a", "more autonomy, more failed experiments",
                "tests/patterns/test_p6_tradeoff.py", ("base", "integrated"), p6a_failures),
        Pattern("P6b", "high risk, no safeguards: control has fewer incidents",
                "tests/patterns/test_p6_tradeoff.py", ("high_risk_control", "high_risk_trust"),
                p6b_high_risk),
        Pattern("P6", "P6a and P6b",
                "tests/patterns/test_p6_tradeoff.py",
                ("base", "integrated", "high_risk_control", "high_risk_trust"), p6_tradeoff),
        Pattern("P7", "control tightens within quarters, trust takes years",
                "tests/verification/test_p7_hysteresis.py", ("integrated", "shock"),
                p7_hysteresis),
        Pattern("P8", "tipping: 0.3 trust-oriented ends in control, 0.7 in trust",
                "tests/verification/test_p8_tipping.py", ("tip_low", "tip_high"), p8_tipping),
        Pattern("P8t", "tipping exists around the draw's own peer_threshold",
                "tests/verification/test_p8_tipping.py", ("tip_low_own", "tip_high_own"),
                p8t_tipping_own),
        Pattern("S1", "most innovations are adopted from elsewhere",
                "tests/patterns/test_secondary.py", ("base",), s1_adopted),
        Pattern("S2", "larger work sites innovate more often",
                "tests/patterns/test_secondary.py", ("base",), s2_site_size),
        Pattern("S3", "about one in four idle work sites is developing one",
                "tests/patterns/test_secondary.py", ("base",), s3_developing),
    )
}


def select_patterns(names: str | Sequence[str] | None) -> tuple[str, ...]:
    """Pattern ids from a comma-separated text or list (None: all); PatternError on an unknown."""
    if names is None:
        return tuple(PATTERNS)
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = []
    for item in (str(i).strip() for i in items):
        match = next((p for p in PATTERNS if p.lower() == item.lower()), None)
        if match is None:
            raise PatternError(f"--patterns: unknown pattern {item!r}; allowed: "
                               f"{', '.join(PATTERNS)}")
        if match not in chosen:
            chosen.append(match)
    if not chosen:
        raise PatternError(f"--patterns: no pattern named; allowed: {', '.join(PATTERNS)}")
    return tuple(chosen)


def evaluate(runs: Mapping[str, Any], patterns: Sequence[str] | None = None) -> dict[str, Any]:
    """Each pattern's verdict on one draw's runs: True, False or None (not evaluable)."""
    out: dict[str, Any] = {}
    for pid in patterns or PATTERNS:
        verdict = PATTERNS[pid].predicate(runs)
        out[pid] = None if verdict is None else bool(verdict)
    return out


# ------------------------------------------------------------------------------------ statistics
@dataclass(frozen=True)
class Share:
    holds: int
    n: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.holds / self.n if self.n else math.nan


def wilson(holds: int, n: int, z: float = Z95) -> Share:
    """The share holds/n with its Wilson score interval (z = 1.96: 95 %)."""
    if n == 0:
        return Share(0, 0, math.nan, math.nan)
    p = holds / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Share(holds, n, max(0.0, centre - half), min(1.0, centre + half))


def share_of(verdicts: Sequence[bool | None]) -> Share:
    """Wilson share over the evaluable verdicts (None is left out of n)."""
    known = [v for v in verdicts if v is not None]
    return wilson(sum(bool(v) for v in known), len(known))


# ------------------------------------------------------------------------------------- the draws
@dataclass(frozen=True)
class UncertaintySet:
    """Where the draws come from: a description and N parameter sets."""

    source: str
    parameters: tuple[str, ...]
    draws: tuple[dict[str, float], ...]
    seed: int


def load_draws(path: str | os.PathLike | None, n: int, seed: int | None) -> UncertaintySet:
    """N parameter sets from an experiment file's [uncertainties] (a Latin hypercube over its
    ranges, by the sweep package's design code; plus, if it names one, draws from its posterior) or
    from a posterior Parquet file (drawn with replacement by weight)."""
    from ..sweep.design import build_design
    from ..sweep.experiment import DesignSpec, ExperimentError, load_experiment
    from ..sweep.posterior import PosteriorError, load_posterior

    check_draws(n)
    text = str(path) if path is not None else DEFAULT_UNCERTAINTIES
    if text.endswith(".parquet"):
        if not Path(text).is_file():
            raise PatternError(f"--uncertainties {text!r}: no such file; give an experiment "
                               "file (.toml) or a posterior written by `trustsim calibrate` "
                               "(.parquet)")
        try:
            posterior = load_posterior(Path(text), "--uncertainties")
        except PosteriorError as exc:
            raise PatternError(str(exc)) from None
        root = DEFAULT_SEED if seed is None else seed
        return UncertaintySet(f"posterior {text} (drawn by weight)", posterior.parameters,
                              tuple(posterior.draws(root, n)), root)
    if not (text.endswith(".toml") or "/" not in text and "." not in text):
        raise PatternError(f"--uncertainties {text!r}: allowed is an experiment file (.toml, or "
                           "the name of one in experiments/) or a posterior (.parquet)")
    try:
        experiment = load_experiment(text)
    except ExperimentError as exc:
        raise PatternError(f"--uncertainties: {exc}") from None
    root = experiment.root_seed if seed is None else seed
    ranged = [f for f in experiment.uncertainties if f.values is None]
    listed = [f for f in experiment.uncertainties if f.values is not None]
    if not ranged and not listed and experiment.posterior is None:
        raise PatternError(f"--uncertainties {experiment.path}: the file has no [uncertainties] "
                           "(ranges or a posterior) to draw from")
    draws: list[dict[str, float]] = [{} for _ in range(n)]
    names: list[str] = []
    factors = tuple(ranged) + tuple(listed)
    if factors:
        # a Latin hypercube over the ranges; a list of values is sampled uniformly among them
        spec = DesignSpec(kind="lhs", samples=n)
        unit = dataclasses.replace(
            experiment, levers=(), design=spec, root_seed=root,
            uncertainties=tuple(dataclasses.replace(f, values=None, low=0.0, high=1.0)
                                if f.values is not None else f for f in factors),
        )
        for draw, point in zip(draws, build_design(unit).points):
            for f in factors:
                u = point[f.name]
                if f.values is not None:
                    draw[f.name] = f.values[min(int(u * len(f.values)), len(f.values) - 1)]
                elif SPECS[f.name].kind is int:
                    draw[f.name] = round(u)
                else:
                    draw[f.name] = float(u)
        names += [f.name for f in factors]
    if experiment.posterior is not None:
        for draw, post in zip(draws, experiment.posterior.draws(root, n)):
            draw.update(post)
        names += list(experiment.posterior.parameters)
    kind = "Latin hypercube" if factors else ""
    if experiment.posterior is not None:
        kind += (" and " if kind else "") + f"posterior {experiment.posterior.path.name}"
    return UncertaintySet(f"{experiment.path.name} [uncertainties] ({kind})", tuple(names),
                          tuple(draws), root)


def draw_seeds(root: int, n: int, stream: int | None = None) -> list[int]:
    """One seed per draw: `SeedSequence(root).spawn(n)[k]`, as the sweep's replication seeds."""
    entropy = root if stream is None else [root, stream]
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(entropy).spawn(n)]


# --------------------------------------------------------------------------------------- running
def _site_shares(tables: list[pd.DataFrame]) -> tuple[float, float]:
    staff, weight = tables[0]["staff"].to_numpy(), tables[0]["weight"].to_numpy()
    innovated = np.mean([t["innovated_2y"].to_numpy() for t in tables], axis=0)
    small, large = staff <= SMALL_SITE, staff >= LARGE_SITE
    if not small.any() or not large.any():
        return (math.nan, math.nan)
    return (float(np.average(innovated[small], weights=weight[small])),
            float(np.average(innovated[large], weights=weight[large])))


def _run_case(case: str, draw: Mapping[str, Any], seed: int, scale: float, years: int,
              want_sites: bool) -> tuple[pd.DataFrame, tuple[float, float] | None]:
    sc = load_scenario(CASES[case][0])
    model = TrustModel(world=WORLD, scale=scale, rng=seed,
                       params={**sc.params, **draw, **condition(case, draw)})
    tables = []
    for quarter in range(1, 4 * years + 1):
        model.step()
        if want_sites and quarter % SITE_EVERY == 0:
            tables.append(model.site_table())
    sites = _site_shares(tables) if tables else None
    if sites is not None and not all(np.isfinite(sites)):
        sites = None
    return model.outputs(), sites


def cases_for(patterns: Sequence[str]) -> tuple[str, ...]:
    needed = {c for p in patterns for c in PATTERNS[p].cases}
    return tuple(c for c in CASES if c in needed)


def run_draw(job: tuple) -> dict[str, Any]:
    """Run one draw's cases with one seed and evaluate the patterns (a worker's unit of work: the
    draw's spin-ups are cached in the worker, so its scenarios share them)."""
    kind, index, seed, draw, scale, years, patterns = job
    start = time.perf_counter()
    runs: dict[str, Any] = {}
    for case in cases_for(patterns):
        long = case in LONG_CASES and "P7" in patterns
        n_years = max(years, P7_YEARS) if long else years
        frame, sites = _run_case(case, draw, seed, scale, n_years,
                                 want_sites=case == "base" and "S2" in patterns)
        if case == "base":
            runs["sites"] = sites
        if case == "integrated":
            runs["calm"] = frame
        runs[case] = _first_years(frame, years) if long and case != "shock" else frame
    verdicts = evaluate(runs, patterns)
    measures = {}
    if "base" in runs:
        measures = {
            "culture": reported(runs["base"], "experimentation_culture"),
            "work_sites_2y": reported(runs["base"], "workplaces_innovating_2y"),
            "innovation_rate": final(runs["base"], "innovation_rate"),
        }
    return {"kind": kind, "draw": index, "seed": seed, **draw, **measures,
            **{f"holds.{p}": v for p, v in verdicts.items()},
            "seconds": time.perf_counter() - start}


def check_draws(n: Any, what: str = "--draws") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DRAWS:
        raise PatternError(f"{what} {n!r} is not allowed; allowed is an integer in "
                           f"[1, {MAX_DRAWS}]")
    return n


def check_settings(scale: Any, years: Any, workers: Any, default_runs: Any) -> None:
    problem = scale_problem(WORLD, scale)
    if problem:
        raise PatternError(f"--scale: {problem}")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
        raise PatternError(f"--years {years!r} is not allowed; allowed is an integer in [1, 100]")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise PatternError(f"--workers {workers!r} is not allowed; allowed is an integer in "
                           "[1, 64]")
    if isinstance(default_runs, bool) or not isinstance(default_runs, int) or not (
        0 <= default_runs <= 1000
    ):
        raise PatternError(f"--default-runs {default_runs!r} is not allowed; allowed is an "
                           "integer in [0, 1000]")


@dataclass
class PatternShares:
    """The result: per-draw rows (kind 'draw' or 'default') and the settings that made them."""

    rows: pd.DataFrame
    patterns: tuple[str, ...]
    source: str
    draws: int
    default_runs: int
    scale: float
    years: int
    seed: int
    seconds: float
    command: str = ""

    def share(self, pattern: str, kind: str = "draw") -> Share:
        column = self.rows.loc[self.rows["kind"] == kind, f"holds.{pattern}"]
        return share_of([None if pd.isna(v) else bool(v) for v in column])


def compute(
    *,
    draws: int = 100,
    uncertainties: str | os.PathLike | None = None,
    scale: float = 0.01,
    years: int = 10,
    seed: int | None = None,
    workers: int = 1,
    default_runs: int = 8,
    patterns: str | Sequence[str] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> PatternShares:
    """Run every draw (and `default_runs` seeds at the default parameters) and evaluate."""
    chosen = select_patterns(patterns)
    check_settings(scale, years, workers, default_runs)
    uset = load_draws(uncertainties, draws, seed)
    jobs = [("draw", k, s, d, scale, years, chosen)
            for k, (s, d) in enumerate(zip(draw_seeds(uset.seed, draws), uset.draws))]
    jobs += [("default", k, s, {}, scale, years, chosen)
             for k, s in enumerate(draw_seeds(uset.seed, default_runs, DEFAULT_STREAM))]
    start = time.perf_counter()
    rows = []
    if workers == 1:
        for job in jobs:
            rows.append(run_draw(job))
            if progress:
                progress(len(rows), len(jobs), time.perf_counter() - start)
    else:
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(run_draw, job) for job in jobs]
            for fut in as_completed(futures):
                rows.append(fut.result())
                if progress:
                    progress(len(rows), len(jobs), time.perf_counter() - start)
    frame = pd.DataFrame(rows).sort_values(["kind", "draw"], ascending=[False, True])
    return PatternShares(frame.reset_index(drop=True), chosen, uset.source, draws, default_runs,
                         scale, years, uset.seed, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------- report
def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{100 * x:.0f} %"


def verdict_text(share: Share, default: Share) -> str:
    """Plain words for one pattern: robust, mostly, at the defaults only, or fails."""
    if share.n == 0:
        return "not evaluated"
    if share.low >= 0.8:
        return "holds in most of the set"
    if share.share >= 0.5:
        return "holds in more than half"
    if default.n and default.share >= 0.5:
        return "mainly at the defaults"
    return "rarely holds"


def table(result: PatternShares) -> list[str]:
    """The markdown table: pattern, share holding [Wilson 95 %], default verdict."""
    lines = [
        ("| pattern | claim | holds in (share of draws) [Wilson 95 %] | n | at the defaults "
         "(runs holding) | reading |"),
        "|---|---|---|---|---|---|",
    ]
    for pid in result.patterns:
        s, d = result.share(pid), result.share(pid, "default")
        interval = f"{_pct(s.share)} [{_pct(s.low)}–{_pct(s.high)}]" if s.n else "–"
        default = f"{d.holds}/{d.n}" if d.n else "–"
        lines.append(f"| {pid} | {PATTERNS[pid].claim} | {interval} | {s.n} | {default} | "
                     f"{verdict_text(s, d)} |")
    return lines


def markdown(result: PatternShares) -> list[str]:
    minutes = result.seconds / 60
    lines = [
        "# In what share of the uncertainty set each pattern holds",
        "",
        (f"Made by `{result.command or 'trustsim patterns'}` "
         f"({result.draws} draws from {result.source}; state world at scale {result.scale:g}; "
         f"{result.years} years after the spin-up (P7: {max(result.years, P7_YEARS)} years); "
         f"seed {result.seed}; {result.default_runs} runs at the default parameters; "
         f"runtime {minutes:.1f} min)."),
        "",
        *table(result),
        "",
        ("Each draw is one run per scenario (one seed, shared by the draw's scenarios). *At the "
         "defaults* applies the same per-run criterion to runs at the default parameters with "
         "different seeds: it shows how often one run passes where the test (over 8–40 "
         "replications) says the pattern holds. *Reading*: holds in most of the set = the "
         "Wilson interval's lower end is at least 80 %; more than half = the share is at least "
         "50 %; mainly at the defaults = below 50 % of the draws while at least half of the "
         "default runs pass."),
        "",
        "## Criteria (per run, from each pattern's test)",
        "",
    ]
    for pid in result.patterns:
        p = PATTERNS[pid]
        lines.append(f"- **{pid}** ({p.test}): {p.criterion}")
    return lines


def check_out(out: str | os.PathLike) -> None:
    """Make OUT's folder if needed; PatternError if it cannot be made or is not writable."""
    folder = Path(out).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PatternError(f"--out {str(out)!r}: cannot make its folder ({exc.strerror or exc}); "
                           "choose another --out") from None
    if Path(out).is_dir() or not os.access(folder, os.W_OK):
        raise PatternError(f"--out {str(out)!r}: not a writable file path; choose another --out")


def write(result: PatternShares, out: str | os.PathLike, extra: Sequence[str] = ()) -> Path:
    """Write OUT (markdown) and OUT with .csv (the per-draw rows), both or neither."""
    out = Path(out)
    csv = out.with_suffix(".csv")
    tmp_md, tmp_csv = (Path(f"{p}.tmp-{os.getpid()}") for p in (out, csv))
    try:
        tmp_md.write_text("\n".join([*markdown(result), *extra]) + "\n", encoding="utf-8")
        result.rows.to_csv(tmp_csv, index=False)
        os.replace(tmp_csv, csv)
        os.replace(tmp_md, out)
    except OSError as exc:
        for tmp in (tmp_md, tmp_csv):
            if tmp.exists():
                tmp.unlink()
        raise PatternError(f"--out {str(out)!r}: cannot write ({exc.strerror or exc})") from None
    return out
