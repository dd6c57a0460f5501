"""The compact headline table: the README's one-screen summary of a comparison.

One row per scenario: the reference's final-year level of the three headline outputs, and for
every other scenario P(>0) (the share of pairs in which it beats the reference) with the middle
90 % of the paired differences, P(tips) (the share of pairs in which the reference ends in the
control state and the scenario in the trust state) and the programme's cost. A Markdown table, so
that the README can carry it as printed. `trustsim sweep ... --table compact` (and so
`bash scripts/go.sh`) ends with it; `results.format_summary` is the full table of every output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .results import decimals_for

HEADLINE_OUTPUTS = ("innovation_rate", "experimentation_culture", "incident_rate")
COST_OUTPUT = "programme_cost_msek"
HEADINGS = {
    "innovation_rate": "innovations / 1 000 staff / yr",
    "experimentation_culture": "experimentation culture",
    "incident_rate": "incidents / 1 000 staff / yr",
}


def _signed(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:+.{decimals}f}".replace("-", "−")


def _plain(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{decimals}f}"


def compact_table(
    summary: Mapping[str, Any], outputs: Sequence[str] = HEADLINE_OUTPUTS
) -> str:
    """The headline table of `summary` (from `results.summarise`/`results_summary`), as Markdown.

    Outputs missing from the summary are left out; P(tips) and cost show "n/a" when the summary
    has no trust-state or cost figures."""
    scenarios = summary["scenarios"]
    names = list(scenarios)
    reference = names[0]
    shown = [o for o in outputs if o in scenarios[reference]]
    spread = summary.get("spread", {})
    decimals = {
        o: decimals_for(
            [scenarios[reference][o]["mean"]]
            + [v for n in names[1:] for k, v in spread.get(n, {}).get(o, {}).items()
               if k in ("q05", "q95")]
        )
        for o in shown
    }
    head = ["scenario", *(f"{HEADINGS.get(o, o)}: P(>0), 90 % of pairs" for o in shown),
            "P(tips)", "cost MSEK/yr"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cost(name: str) -> str:
        entry = scenarios[name].get(COST_OUTPUT)
        return _plain(entry["mean"], 1) if entry else "n/a"

    level = [_plain(scenarios[reference][o]["mean"], decimals[o]) for o in shown]
    ref_cost = cost(reference)
    lines.append(f"| {reference} (level) | " + " | ".join([*level, "–", ref_cost]) + " |")
    for name in names[1:]:
        cells = []
        for o in shown:
            s = spread.get(name, {}).get(o) or {}
            if s.get("p_positive") is None:
                cells.append("n/a")
            else:
                cells.append(f"{s['p_positive']:.2f}, {_signed(s['q05'], decimals[o])} … "
                             f"{_signed(s['q95'], decimals[o])}")
        tips = summary.get("tips", {}).get(name)
        cells += [_plain(tips, 2), cost(name)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
