"""Figures for reports (matplotlib, Agg backend, no pyplot global state).

Every function returns a `matplotlib.figure.Figure`; `save(fig, path)` writes a PNG. Colours follow
the scenario order (the first scenario, the reference, is always C0). Experimentation culture has
a reference line at 0.2: Innovationsbarometern finds that about one fifth of public-sector staff
perceive a culture of experimentation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..model.model import OUTPUTS
from ..model.params import SPECS
from .results import Results, curve, time_series


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report: file name, heading, caption and the figure itself."""

    filename: str
    heading: str
    caption: str
    figure: Figure


# Short axis labels with units (long explanations live in `trustsim run`'s output and docs/).
OUTPUT_TITLES = {
    "innovation_rate": "Innovation rate",
    "workplaces_innovating_2y": "Work sites innovating (2 y)",
    "experimentation_culture": "Experimentation culture",
    "admin_burden": "Administrative burden",
    "incident_rate": "Incident rate",
    "trust_orientation": "Trust orientation",
    "steering_detail": "Steering detail",
    "cross_agency_resolved": "Cross-agency issues resolved",
    "rule_blocked_ideas": "Rule-blocked ideas",
    "programme_cost_msek": "Programme cost",
    "innovation_value": "Innovation value",
    "reporting_demands": "Reporting demands",
}
OUTPUT_UNITS = {
    "innovation_rate": "innovations / 1 000 staff / year",
    "workplaces_innovating_2y": "share of work sites",
    "experimentation_culture": "share of staff",
    "admin_burden": "share of working time",
    "incident_rate": "incidents / 1 000 staff / year",
    "trust_orientation": "0 = control, 1 = trust",
    "steering_detail": "index 0–1",
    "cross_agency_resolved": "issues / 1 000 staff / year",
    "rule_blocked_ideas": "ideas / 1 000 staff / year",
    "programme_cost_msek": "MSEK / year",
    "innovation_value": "value / 1 000 staff / year (1 = a median idea)",
    "reporting_demands": "index 0–1",
}
TIME_SERIES_OUTPUTS = (
    "innovation_rate",
    "experimentation_culture",
    "incident_rate",
    "trust_orientation",
    "admin_burden",
    "steering_detail",
)
CULTURE_REFERENCE = 0.2  # Innovationsbarometern: one fifth perceive an experimentation culture
DPI = 110


def save(fig: Figure, path: str | os.PathLike) -> None:
    """Write `fig` as PNG via the Agg canvas."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI, format="png")


def _colour(index: int) -> str:
    """Scenario colours: the reference (index 0) near-black, the others matplotlib's cycle."""
    return "0.1" if index == 0 else f"C{(index - 1) % 10}"


def _band_alpha(n_scenarios: int) -> float:
    """Fainter bands when many scenarios overlap."""
    return 0.2 if n_scenarios <= 3 else 0.08


def _axis_label(output: str) -> str:
    return f"{OUTPUT_TITLES.get(output, output)} ({OUTPUT_UNITS.get(output, '')})"


def _param_label(name: str) -> str:
    spec = SPECS.get(name)
    return f"{name} ({spec.unit})" if spec else name


def _culture_reference(ax: Any, output: str) -> None:
    if output == "experimentation_culture":
        ax.axhline(
            CULTURE_REFERENCE,
            color="0.35",
            linestyle="--",
            linewidth=1,
            label="Innovationsbarometern: one fifth",
        )


def _grid(n: int, cols: int, width: float, height: float) -> tuple[Figure, np.ndarray]:
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def time_series_figure(results: Results, outputs: Sequence[str] = TIME_SERIES_OUTPUTS) -> Figure:
    """Mean of each output per quarter and scenario with a 95 % confidence band across runs."""
    fig, axes = _grid(len(outputs), 3, 4.6, 3.3)
    alpha = _band_alpha(len(results.scenarios))
    for ax, output in zip(axes, outputs):
        data = time_series(results, output)
        for i, name in enumerate(results.scenarios):
            d = data[data["scenario"] == name]
            if d.empty:
                continue
            ax.plot(d["year"], d["mean"], color=_colour(i), label=name, linewidth=1.6)
            ax.fill_between(
                d["year"], d["ci_low"], d["ci_high"], color=_colour(i), alpha=alpha, linewidth=0
            )
        _culture_reference(ax, output)
        ax.set_title(OUTPUT_TITLES.get(output, output))
        ax.set_xlabel("year")
        ax.set_ylabel(OUTPUT_UNITS.get(output, ""))
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)))
    fig.suptitle("Outputs over time: mean across runs with 95 % confidence band")
    return fig


def forest_figure(summary: Mapping[str, Any], outputs: Sequence[str] = OUTPUTS) -> Figure:
    """Paired difference to the reference per output and scenario: mean and 95 % CI, and behind it
    (a wide pale bar) the middle 90 % of the pairs' differences, where the summary has them."""
    names = list(summary["scenarios"])
    others = [n for n in names[1:] if n in summary["differences"]]
    reference = names[0]
    fig, axes = _grid(len(outputs), 2, 5.2, 0.45 * len(others) + 1.4)
    ys = np.arange(len(others))[::-1]
    for ax, output in zip(axes, outputs):
        for y, name in zip(ys, others):
            d = summary["differences"][name][output]
            if d["mean"] is None:
                continue
            low = d["mean"] - d["ci_low"] if d["ci_low"] is not None else 0
            high = d["ci_high"] - d["mean"] if d["ci_high"] is not None else 0
            spread = summary.get("spread", {}).get(name, {}).get(output)
            if spread and spread["q05"] is not None:  # the middle 90 % of the pairs, behind
                ax.plot([spread["q05"], spread["q95"]], [y, y], color=_colour(names.index(name)),
                        alpha=0.35, linewidth=5, solid_capstyle="butt")
            ax.errorbar(
                d["mean"],
                y,
                xerr=[[low], [high]],
                fmt="o",
                color=_colour(names.index(name)),
                capsize=3,
            )
        ax.axvline(0, color="0.3", linewidth=1)
        ax.set_yticks(ys, others)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.set_title(OUTPUT_TITLES.get(output, output), fontsize=10)
        ax.set_xlabel(f"difference ({OUTPUT_UNITS.get(output, '')})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Paired difference to {reference} (final year): mean and 95 % CI; pale bar: "
                 "middle 90 % of the pairs")
    return fig


def _curve_panel(ax: Any, results: Results, parameter: str, output: str) -> None:
    data = curve(results, parameter, output)
    alpha = _band_alpha(len(results.scenarios))
    for i, name in enumerate(results.scenarios):
        d = data[data["scenario"] == name]
        if d.empty:
            continue
        ax.plot(d["x"], d["mean"], marker="o", color=_colour(i), label=name)
        ax.fill_between(
            d["x"], d["ci_low"], d["ci_high"], color=_colour(i), alpha=alpha, linewidth=0
        )
    _culture_reference(ax, output)
    ax.set_xlabel(_param_label(parameter))
    ax.set_ylabel(_axis_label(output))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def budget_horizon_figure(results: Results) -> Figure:
    """Final-year innovation rate against the budget horizon, one line per scenario."""
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.subplots()
    _curve_panel(ax, results, "budget_horizon_years", "innovation_rate")
    ax.set_title(
        "Budget horizon and innovation\n(final year; mean over other parameters "
        "and runs, 95 % band)",
        fontsize=10,
    )
    return fig


def tipping_figure(results: Results) -> Figure:
    """Final-year trust orientation and experimentation culture against the initial share of
    trust-oriented managers: where does the culture tip?"""
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, output in zip(axes, ("trust_orientation", "experimentation_culture")):
        _curve_panel(ax, results, "initial_trust_share", output)
        ax.set_title(f"{OUTPUT_TITLES[output]} in the final year", fontsize=10)
    fig.suptitle(
        "Tipping curve: initial share of trust-oriented managers "
        "(mean over other parameters and runs, 95 % band)"
    )
    return fig


def morris_figure(morris: Mapping[tuple[str, str], pd.DataFrame]) -> Figure:
    """Morris μ* (with 95 % bootstrap interval) and σ per parameter; one panel per
    (scenario, output)."""
    keys = list(morris)
    outputs = list(dict.fromkeys(o for _, o in keys))
    n_params = max(len(f) for f in morris.values())
    fig, axes = _grid(len(keys), len(outputs), 5.2, 0.42 * n_params + 1.5)
    for ax, key in zip(axes, keys):
        frame = morris[key].iloc[::-1]  # largest μ* at the top
        y = np.arange(len(frame))
        ax.barh(
            y + 0.2,
            frame["mu_star"],
            height=0.4,
            xerr=frame["mu_star_conf"],
            color="C0",
            label="μ* (mean |elementary effect|)",
            capsize=2,
        )
        ax.barh(
            y - 0.2,
            frame["sigma"],
            height=0.4,
            color="C1",
            alpha=0.8,
            label="σ (spread: non-linearity, interactions)",
        )
        ax.set_yticks(y, frame["parameter"], fontsize=8)
        scenario, output = key
        ax.set_title(f"{scenario}: {OUTPUT_TITLES.get(output, output)}", fontsize=10)
        ax.set_xlabel(f"effect ({OUTPUT_UNITS.get(output, '')})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    fig.suptitle("Morris screening: which parameters move the final-year outputs")
    return fig
