"""Analysis of runs: statistics, plots, the report, scenario discovery (PRIM) and robustness.

`results` reads runs (from `compare` or a sweep's results folder) and computes final-period means,
paired differences and Morris indices; `plots` draws them; `report` writes the HTML report;
`discovery` and `discovery_report` find the futures in which a finding holds. May import the model
and sweep layers, never calibrate, teach, play, the app or the CLI.
"""

from .results import (
    Results,
    ResultsError,
    compare,
    format_summary,
    load_results,
    morris_indices,
    results_summary,
    summary_json,
    t_interval,
)

__all__ = [
    "Results",
    "ResultsError",
    "compare",
    "format_summary",
    "load_results",
    "morris_indices",
    "results_summary",
    "summary_json",
    "t_interval",
]
