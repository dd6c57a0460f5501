"""`run`: one scenario, one seed, a DataFrame of quarterly outputs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .model import TrustModel
from .params import ParameterError
from .scenarios import Scenario, load_scenario


def check_years(years: Any) -> int:
    if isinstance(years, bool) or not isinstance(years, int) or not (1 <= years <= 100):
        raise ParameterError(f"years {years!r} is not allowed; allowed is an integer in [1, 100]")
    return years


def run(
    scenario: str | os.PathLike | Scenario = "baseline-control",
    *,
    world: str = "teaching",
    scale: float = 1.0,
    years: int = 10,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run `scenario` for `years` years (4 quarters each) and return one row per quarter.

    Columns: the outputs in `trustsim.OUTPUTS` (and diagnostics); index `quarter` (0 = initial
    state). `overrides` change parameters on top of the scenario's.
    """
    sc = load_scenario(scenario)
    years = check_years(years)
    model = TrustModel(
        world=world, scale=scale, rng=seed, params={**sc.params, **(overrides or {})}
    )
    quarters = 4 * years
    for q in range(quarters):
        model.step()
        if progress is not None:
            progress(q + 1, quarters)
    df = model.outputs()
    df.insert(0, "year", df.index / 4.0)
    return df
