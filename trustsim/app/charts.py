"""Matplotlib figures of the workshop page: outputs over time and the network view.

Plain functions from data to a `matplotlib.figure.Figure` (no pyplot, so they are safe to call
from several sessions at once); all text comes from `i18n`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .i18n import t
from .session import NetworkSnapshot

# The outputs shown over time, in reading order (two rows of three).
CHARTS = (
    "innovation_rate",
    "experimentation_culture",
    "admin_burden",
    "incident_rate",
    "trust_orientation",
    "steering_detail",
)
# flows: noisy per quarter, shown with an annual mean (rule-blocked ideas: an exercise's chart)
RATES = {"innovation_rate", "incident_rate", "rule_blocked_ideas"}
UNIT_RANGE = {"experimentation_culture", "trust_orientation", "steering_detail"}  # fixed 0..1 axis
CULTURE_REFERENCE = 0.2  # Innovationsbarometern (C2): fewer than one fifth perceive the culture
MIN_YEARS_SHOWN = 10
COLOURS = {"A": "#1f5fa8", "B": "#d9822b"}
STYLES = {"A": "-", "B": "--"}
SCANDAL_COLOUR = "#c0392b"
REFERENCE_COLOUR = "#555555"
ORIENTATION_CMAP = "RdYlBu"  # 0 control (red) .. 1 trust (blue)


def _years_shown(frames: Mapping[str, pd.DataFrame]) -> float:
    last = max(len(df) - 1 for df in frames.values()) / 4.0
    return max(MIN_YEARS_SHOWN, math.ceil(last))


def plot_output(ax, name: str, frames: Mapping[str, pd.DataFrame]) -> None:
    for run, df in frames.items():
        colour, style = COLOURS[run], STYLES[run]
        series = df[name]
        if name in RATES:
            series = series.iloc[1:]  # quarter 0 is the initial state: no flows yet
            ax.plot(
                series.index.to_numpy() / 4.0,
                series.to_numpy(),
                color=colour,
                alpha=0.25,
                lw=0.8,
                ls=style,
            )
            series = series.rolling(4, min_periods=1).mean()  # annual mean
        year, values = series.index.to_numpy() / 4.0, series.to_numpy()
        ax.plot(year, values, color=colour, lw=2.0, ls=style)
        ax.plot(year[-1:], values[-1:], "o", color=colour, ms=5)  # where the run is now


def draw_culture_reference(ax, lang: str) -> None:
    """Innovationsbarometern's "fewer than one fifth" as a dashed, labelled line (C2)."""
    ax.axhline(CULTURE_REFERENCE, color=REFERENCE_COLOUR, ls=(0, (5, 3)), lw=1.2)
    ax.annotate(
        t("chart.reference", lang),
        xy=(0.01, CULTURE_REFERENCE),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=8,
        color=REFERENCE_COLOUR,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1},
    )


def decorate_axes(ax, name: str, lang: str, years: float, top: float) -> None:
    ax.set_title(t(f"chart.{name}.title", lang), loc="left", fontsize=11, fontweight="bold", pad=16)
    ax.annotate(
        t(f"chart.{name}.unit", lang),
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 4),
        textcoords="offset points",
        fontsize=8.5,
        color="#444444",
    )
    ax.set_xlim(0, years)
    ax.set_xlabel(t("chart.year", lang), fontsize=9)
    if name in UNIT_RANGE:
        ax.set_ylim(0, 1)
    else:
        ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def timeseries_figure(
    frames: Mapping[str, pd.DataFrame],
    run_labels: Mapping[str, str],
    scandals: Mapping[str, list[int]],
    lang: str,
) -> Figure:
    """Six outputs over time; run A solid, run B dashed, scandals as red dotted lines.

    `frames`: outputs per run ("A", "B") indexed by quarter; `run_labels`: legend text per run;
    `scandals`: quarters in which each run felt a scandal.
    """
    fig = Figure(figsize=(13, 6.6))  # fixed margins: constrained layout would double render time
    fig.subplots_adjust(left=0.045, right=0.99, top=0.85, bottom=0.075, hspace=0.62, wspace=0.16)
    axes = fig.subplots(2, 3).ravel()
    years = _years_shown(frames)
    for ax, name in zip(axes, CHARTS):
        plot_output(ax, name, frames)
        top = max(float(np.nanmax(df[name].to_numpy())) for df in frames.values())
        if name == "experimentation_culture":
            draw_culture_reference(ax, lang)
        for quarters in scandals.values():
            for quarter in quarters:
                ax.axvline(quarter / 4.0, color=SCANDAL_COLOUR, ls=":", lw=1.5)
        decorate_axes(ax, name, lang, years, top)
    handles = [Line2D([], [], color=COLOURS[run], ls=STYLES[run], lw=2.5) for run in frames]
    labels = [run_labels[run] for run in frames]
    if any(scandals.values()):
        handles.append(Line2D([], [], color=SCANDAL_COLOUR, ls=":", lw=1.5))
        labels.append(t("chart.scandal", lang))
    handles.append(Line2D([], [], color="#888888", lw=0.8, alpha=0.5))
    labels.append(f"{t('chart.quarterly', lang)} / {t('chart.annual', lang)}")
    fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=min(4, len(handles)),
        fontsize=10,
        frameon=False,
    )
    return fig


def network_figure(
    snapshots: Mapping[str, NetworkSnapshot],
    layout: np.ndarray,
    run_labels: Mapping[str, str],
    lang: str,
) -> Figure:
    """The collaboration network of each run on one shared layout, coloured by trust orientation."""
    runs = list(snapshots)
    fig = Figure(figsize=(6.5 if len(runs) == 1 else 9.0, 5.4))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.84, bottom=0.17, wspace=0.04)
    axes = np.atleast_1d(fig.subplots(1, len(runs)))
    points = None
    for ax, run in zip(axes, runs):
        snap = snapshots[run]
        segments = layout[snap.edges] if len(snap.edges) else np.zeros((0, 2, 2))
        ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.5, alpha=0.35))
        if snap.kind == "agencies":
            sizes = 6 + 220 * np.sqrt(snap.size / snap.size.max())
        else:
            sizes = np.full(len(snap.size), 70.0)
        points = ax.scatter(
            layout[:, 0],
            layout[:, 1],
            c=snap.orientation,
            s=sizes,
            cmap=ORIENTATION_CMAP,
            vmin=0.0,
            vmax=1.0,
            edgecolors="#333333",
            linewidths=0.4,
            zorder=2,
        )
        label = textwrap.fill(run_labels[run], 70 if len(runs) == 1 else 48)
        ax.set_title(label, fontsize=10, color=COLOURS[run], loc="left")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
        for spine in ax.spines.values():
            spine.set_visible(False)
    kind = snapshots[runs[0]].kind
    title = textwrap.fill(t(f"network.title.{kind}", lang), width=60 if len(runs) == 1 else 80)
    fig.suptitle(title, fontsize=11, fontweight="bold")
    bar = fig.colorbar(points, cax=fig.add_axes((0.3, 0.09, 0.4, 0.03)), orientation="horizontal")
    bar.set_ticks([0.0, 0.5, 1.0])
    bar.set_ticklabels(
        [t("network.control", lang), "0,5" if lang == "sv" else "0.5", t("network.trust", lang)]
    )
    bar.set_label(t("network.colour", lang), fontsize=9)
    return fig
