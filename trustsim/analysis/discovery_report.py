"""Figures and Markdown for scenario discovery and robustness (`trustsim discover`, the report's
"Where each package fails" section). matplotlib `Figure`s on the Agg canvas, no pyplot state."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .discovery import (
    PERCENTILE,
    Discovery,
    Futures,
    Robustness,
    discover,
    limits_text,
    load_targets,
    parse_failure,
    ranking_statements,
    robustness,
)

MAX_PAIRS_DIMS = 3  # the box scatter shows the pairs of at most this many restricted dimensions


# --------------------------------------------------------------------------- figures


def peeling_figure(d: Discovery) -> Figure:
    """PRIM's peeling trajectory: density against coverage (colour = restricted dimensions, the
    chosen box circled), and coverage, density and mass along the peeling steps."""
    traj = d.prim.trajectory
    fig = Figure(figsize=(11, 4.3), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    points = ax.scatter(
        traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=22, zorder=3
    )
    peeled = traj.loc[d.prim.peeled]
    ax.scatter(
        [peeled["coverage"]],
        [peeled["density"]],
        s=140,
        facecolors="none",
        edgecolors="0.3",
        linewidths=1.5,
        zorder=4,
        label=f"chosen peel {d.prim.peeled}",
    )
    chosen = d.prim.stats
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=140,
        facecolors="none",
        edgecolors="C3",
        linewidths=2,
        zorder=4,
        label="reported box (insignificant limits dropped)",
    )
    fig.colorbar(points, ax=ax, label="restricted dimensions")
    ax.set_xlabel("coverage (share of all failures inside the box)")
    ax.set_ylabel("density (share of futures in the box that fail)")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Coverage–density trade-off", fontsize=10)
    for column, colour in (("coverage", "C0"), ("density", "C1"), ("mass", "C2")):
        ax2.plot(traj["id"], traj[column], color=colour, label=column)
    ax2.axvline(d.prim.peeled, color="C3", linestyle="--", linewidth=1, label="chosen peel")
    ax2.set_xlabel("peeling step (box id)")
    ax2.set_ylabel("share")
    ax2.set_ylim(0, 1.05)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    ax2.set_title("Along the peeling trajectory", fontsize=10)
    fig.suptitle(f"PRIM peeling trajectory: {d.scenario} fails when {d.failure}", fontsize=10)
    return fig


def box_dimensions(d: Discovery, limit: int = MAX_PAIRS_DIMS) -> list[str]:
    """The dimensions to draw: the box's restricted ones (by feature score), topped up with the
    best-scoring others so there are at least two."""
    ranked = list(d.scores["uncertainty"]) if len(d.scores) else []
    restricted = list(d.prim.limits["uncertainty"]) if d.prim is not None else []
    restricted.sort(key=lambda u: ranked.index(u) if u in ranked else len(ranked))
    dims = restricted[:limit]
    for u in ranked:
        if len(dims) >= 2:
            break
        if u not in dims:
            dims.append(u)
    return dims


def box_scatter_figure(fut: Futures, d: Discovery, title: str | None = None) -> Figure:
    """Pairwise scatter of the futures over the box's dimensions, failing futures in red, the
    chosen PRIM box drawn as a rectangle."""
    dims = box_dimensions(d)
    pairs = [(a, b) for i, a in enumerate(dims) for b in dims[i + 1 :]] or [(dims[0], dims[0])]
    fig = Figure(figsize=(max(5.0, 4.2 * len(pairs)), 4.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(pairs), squeeze=False).ravel())
    fails = d.fails.loc[fut.x.index].to_numpy()
    limits = d.prim.limits.set_index("uncertainty") if d.prim is not None else pd.DataFrame()
    for ax, (a, b) in zip(axes, pairs):
        xa, xb = fut.x[a].to_numpy(), fut.x[b].to_numpy()
        ax.scatter(xa[~fails], xb[~fails], s=9, color="0.65", label="meets the definition")
        ax.scatter(xa[fails], xb[fails], s=11, color="C3", label="fails")
        (alo, ahi), (blo, bhi) = _side(limits, fut, a), _side(limits, fut, b)
        ax.add_patch(
            Rectangle(
                (alo, blo),
                ahi - alo,
                bhi - blo,
                fill=False,
                edgecolor="k",
                linewidth=2,
                label="PRIM box",
            )
        )
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(title or f"{d.scenario}: where it fails\n{d.failure}", fontsize=9)
    return fig


def _side(limits: pd.DataFrame, fut: Futures, name: str) -> tuple[float, float]:
    if name in limits.index:
        return float(limits.loc[name, "low"]), float(limits.loc[name, "high"])
    return fut.bounds[name]


def regret_figure(rob: Robustness) -> Figure:
    """Distribution of each package's regret across futures (box: quartiles, whiskers 5–95 %,
    dot: 90th percentile), most robust at the top."""
    order = list(rob.table.index)[::-1]
    reg = rob.score.dropna()
    reg = reg.max(axis=1).to_numpy()[:, None] - reg.to_numpy()
    reg = pd.DataFrame(reg, columns=rob.score.columns)
    fig = Figure(figsize=(7.5, 0.42 * len(order) + 1.6), layout="constrained")
    ax = fig.subplots()
    ax.boxplot(
        [reg[p].to_numpy() for p in order],
        orientation="horizontal",
        whis=(5, 95),
        showfliers=False,
        tick_labels=order,
    )
    ax.scatter(
        [np.percentile(reg[p], PERCENTILE) for p in order],
        np.arange(1, len(order) + 1),
        color="C3",
        zorder=3,
        label=f"{PERCENTILE}th percentile",
    )
    ax.set_xlabel(f"regret of the combined score ({rob.targets.score_text()})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(
        "Regret across futures: how far below the best package in that future", fontsize=10
    )
    return fig


# --------------------------------------------------------------------------- Markdown


def _pct(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{100 * v:.0f} %"


def _num(v: Any, digits: int = 3) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}g}"


def limits_table(d: Discovery) -> str:
    lines = [
        "| uncertainty | box low | box high | full range | quasi-p low | quasi-p high |",
        "|---|---|---|---|---|---|",
    ]
    for r in d.prim.limits.itertuples():
        lines.append(
            f"| `{r.uncertainty}` | {_num(r.low)} | {_num(r.high)} | "
            f"{_num(r.range_low)}–{_num(r.range_high)} | {_qp(r.qp_low)} | "
            f"{_qp(r.qp_high)} |"
        )
    return "\n".join(lines)


def _qp(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"**{v:.2g}**" if v > 0.05 else f"{v:.2g}"


def trajectory_table(d: Discovery, rows: int = 12) -> str:
    traj = d.prim.trajectory
    step = max(1, len(traj) // rows)
    keep = sorted(set(range(0, len(traj), step)) | {d.prim.peeled, len(traj) - 1})
    lines = ["| box | coverage | density | mass | restricted dimensions |", "|---|---|---|---|---|"]
    for i in keep:
        r = traj.loc[i]
        mark = " (chosen)" if i == d.prim.peeled else ""
        lines.append(
            f"| {i}{mark} | {_pct(r['coverage'])} | {_pct(r['density'])} | "
            f"{_pct(r['mass'])} | {int(r['res_dim'])} |"
        )
    return "\n".join(lines)


def stability_table(d: Discovery) -> str:
    s = d.prim.stability
    lines = ["| uncertainty | reproduce coverage | reproduce density |", "|---|---|---|"]
    for r in s.itertuples(index=False):
        lines.append(f"| `{r[0]}` | {r[1]:.0f} % | {r[2]:.0f} % |")
    return "\n".join(lines)


def cart_table(d: Discovery, rows: int = 5) -> str:
    if d.cart.empty:
        return "CART found no leaf where most futures fail."
    lines = ["| CART leaf (rule) | coverage | density | mass |", "|---|---|---|---|"]
    for r in d.cart.head(rows).itertuples():
        lines.append(f"| {r.rule} | {_pct(r.coverage)} | {_pct(r.density)} | {_pct(r.mass)} |")
    return "\n".join(lines)


def scores_table(d: Discovery, rows: int = 8) -> str:
    lines = ["| uncertainty | feature score |", "|---|---|"]
    for r in d.scores.head(rows).itertuples():
        lines.append(f"| `{r.uncertainty}` | {r.score:.3f} |")
    return "\n".join(lines)


def discovery_markdown(d: Discovery, peeling_png: str, box_png: str) -> list[str]:
    """The Markdown of one discovery (as `trustsim discover` writes it)."""
    lines = [f"# Where {d.scenario} fails", "", f"Failure: `{d.failure}`.", "", d.verdict(), ""]
    if d.prim is None:
        return lines
    s = d.prim.stats
    lines += [
        "## PRIM peeling trajectory",
        "",
        f"![peeling trajectory]({peeling_png})",
        "",
        (
            "Coverage: share of all failing futures inside the box. Density: share of the futures in "
            "the box that fail. Mass: share of all futures in the box. Each peel removes a slice of "
            "at most 5 % of the futures from one side of one uncertainty."
        ),
        "",
        trajectory_table(d),
        "",
        (
            f"## The box (peel {d.prim.peeled} without its insignificant limits: coverage "
            f"{_pct(s['coverage'])}, density "
            f"{_pct(s['density'])}, mass {_pct(s['mass'])})"
        ),
        "",
        f"In words: {limits_text(d.prim.limits)}.",
        "",
        limits_table(d),
        "",
        (
            "Quasi-p value (Bryant & Lempert 2010): one-sided binomial probability that lifting this "
            "limit would not lower the density; bold where above 0.05 (the limit may be noise)."
        ),
        "",
        f"![box]({box_png})",
        "",
        "## Stability under resampling",
        "",
        (
            "PRIM rerun on random halves of the futures: how often each uncertainty is restricted in "
            "the box of like coverage, and of like density."
        ),
        "",
        stability_table(d),
        "",
        "## CART (second view)",
        "",
        cart_table(d),
        "",
        "## Feature scores (extra trees)",
        "",
        scores_table(d),
        "",
    ]
    return lines


def robustness_table(rob: Robustness) -> str:
    """The ranking as Markdown (one row per package, most robust first)."""
    t = rob.table
    outputs = [c.split(".", 1)[1] for c in t.columns if c.startswith(f"p{PERCENTILE}_regret.")]
    head = (
        "| package | best in | meets targets | mean score | "
        f"p{PERCENTILE} regret | max regret | "
        + " | ".join(f"p{PERCENTILE} regret {o}" for o in outputs)
        + " |"
    )
    lines = [head, "|---" * (6 + len(outputs)) + "|"]
    for name, r in t.iterrows():
        ref = " (reference)" if name == rob.reference else ""
        cells = [
            f"`{name}`{ref}",
            _pct(r["best_share"]),
            _pct(r["satisficing"]),
            f"{r['mean_score']:+.2f}",
            f"{r[f'p{PERCENTILE}_regret']:.2f}",
            f"{r['max_regret']:.2f}",
        ]
        cells += [_num(r[f"p{PERCENTILE}_regret.{o}"]) for o in outputs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def robustness_section(
    fut: Futures, targets_path: Any = None, resamples: int = 0
) -> tuple[list[str], list[tuple[str, str, Figure]]]:
    """The report's "Which package is the safest bet" and "Where each package fails" sections:
    Markdown lines and `(filename, heading, figure)` triples."""
    targets = load_targets(targets_path)
    rob = robustness(fut, targets)
    failure = parse_failure(targets.failure_text())
    packages = [s for s in fut.scenarios if s != fut.reference]
    found = {p: discover(fut, p, failure, resamples=resamples) for p in packages}
    figs: list[tuple[str, str, Figure]] = [
        ("regret.png", "Regret across futures", regret_figure(rob))
    ]
    lines = [
        "## Which package is the safest bet?",
        "",
        (
            f"{len(rob.score.dropna())} futures (design points over the uncertainties), every package "
            f"paired with {fut.reference} in each. Combined score = {targets.score_text()} "
            f"(gain = package / {fut.reference} − 1 in the same future). Regret of a package in a "
            "future = the best package's score there − its own. Targets "
            f"({targets.path.name}): {targets.describe()}."
        ),
        "",
        robustness_table(rob),
        "",
        *[f"- {s}" for s in ranking_statements(rob, found)],
        "",
        "![Regret across futures](regret.png)",
        "",
        "## Where each package fails",
        "",
        (
            f"A package *fails* in a future when it misses a target: `{failure.text}`. PRIM "
            "(ema-workbench) finds the box of uncertainties where the failures concentrate; the "
            "figures show the futures over the box's dimensions (red: fails) with the box. Details "
            "per package, with the peeling trajectory, stability and CART: `trustsim discover "
            "RESULTS --scenario NAME`."
        ),
        "",
        "| package | fails in | where (PRIM box) | coverage | density | mass |",
        "|---|---|---|---|---|---|",
    ]
    for p, d in found.items():
        if d.prim is None:
            where, cov, den, mass = ("never" if not d.fails.any() else "everywhere"), "–", "–", "–"
        else:
            s = d.prim.stats
            where = limits_text(d.prim.limits)
            cov, den, mass = _pct(s["coverage"]), _pct(s["density"]), _pct(s["mass"])
            if not d.prim.significant:
                where, cov, den, mass = "spread: no significant box", "–", "–", "–"
        lines.append(f"| `{p}` | {_pct(d.share)} | {where} | {cov} | {den} | {mass} |")
    lines.append("")
    for p, d in found.items():
        if d.prim is None or not d.prim.significant:
            continue
        name = f"fails_{p}.png"
        figs.append((name, f"Where {p} fails", box_scatter_figure(fut, d)))
        lines += [f"### {p}", "", d.verdict(), "", f"![Where {p} fails]({name})", ""]
    return lines, figs


def report_section(results: Any) -> tuple[list[str], list[Any]]:
    """The report's robustness sections for a results folder with uncertainties, as Markdown lines
    and `plots.FigureSpec`s; a note instead when ema-workbench is not installed."""
    from .discovery import DiscoveryError, futures, workbench
    from .plots import FigureSpec

    try:
        workbench()
    except DiscoveryError as exc:
        return ["## Where each package fails", "", f"Not computed: {exc}.", ""], []
    fut = futures(results)
    if len(fut.scenarios) < 2:
        return [], []
    try:
        lines, figs = robustness_section(fut)
    except DiscoveryError as exc:  # e.g. too few futures: the rest of the report stands
        return ["## Where each package fails", "", f"Not computed: {exc}.", ""], []
    captions = {
        "regret.png": "Regret per package across the futures; the most robust package "
        "has the lowest regret."
    }
    specs = [
        FigureSpec(name, heading, captions.get(name, heading), fig) for name, heading, fig in figs
    ]
    return lines, specs
