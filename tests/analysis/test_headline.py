"""The compact headline table (`trustsim sweep ... --table compact`, the end of scripts/go.sh)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustsim.analysis.headline import HEADLINE_OUTPUTS, compact_table
from trustsim.analysis.results import summarise


def _finals(shift: float, n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "innovation_rate": 40 + shift + rng.normal(0, 1, n),
        "experimentation_culture": 0.15 + shift / 100 + rng.normal(0, 0.01, n),
        "incident_rate": 3.0 + rng.normal(0, 0.1, n),
        "trust_orientation": np.full(n, 0.4 if shift == 0 else 0.6),
        "programme_cost_msek": np.full(n, 0.0 if shift == 0 else 25.0),
    })
    return frame.rename_axis("replication")


def test_one_row_per_scenario_with_level_p_positive_spread_tips_and_cost() -> None:
    outputs = [*HEADLINE_OUTPUTS, "trust_orientation", "programme_cost_msek"]
    summary = summarise({"baseline": _finals(0), "reform": _finals(10)}, outputs=outputs)
    lines = compact_table(summary).splitlines()
    assert len(lines) == 4  # heading, rule, the reference's levels, one scenario
    assert lines[0].startswith("| scenario | innovations / 1 000 staff / yr: P(>0), 90 % of pairs")
    assert lines[0].endswith("| P(tips) | cost MSEK/yr |")
    assert lines[2].startswith("| baseline (level) | 40.") and "| – |" in lines[2]
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[0] == "reform"
    assert cells[1].startswith("1.00, +") and " … +" in cells[1]  # always higher, by about 10
    assert cells[4] == "1.00"  # every pair tips: the reference stays below 0.5, the reform above
    assert cells[5] == "25.0"


def test_missing_figures_show_n_a() -> None:
    summary = summarise({"a": _finals(0), "b": _finals(1)}, outputs=["innovation_rate"])
    lines = compact_table(summary).splitlines()
    assert lines[0].count("P(>0)") == 1  # only the output the summary has
    assert lines[3].endswith("| n/a | n/a |")


def test_sweep_table_compact_ends_on_the_headline_table_and_the_report_path(cli, tmp_path) -> None:
    from tests.sweep.test_posterior import posterior_experiment

    path = posterior_experiment(tmp_path, replications=3)
    code, out, err = cli("sweep", path, "--out", tmp_path / "r", "--quiet", "--workers", "1",
                         "--table", "compact")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("| scenario | innovations / 1 000 staff / yr: P(>0)")
    assert lines[-1] == f"report (every output, figures): {tmp_path / 'r/report/report.md'}"
    assert len(lines) <= 20  # one screen, not every output of every scenario
