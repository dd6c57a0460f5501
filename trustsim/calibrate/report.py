"""The calibration report: marginal and pairwise figures (PNG) and report.md beside the posterior.

Reads only what `trustsim.calibrate.calibration` computed (posterior particles, posterior predictive check,
identifiability, generations); draws with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PAIRWISE_MAX = 5  # the pairwise figure shows the best-identified parameters
LOW_ESS = 50  # below this effective sample size the report warns that widths are unreliable


def _figure_marginals(post: pd.DataFrame, cal, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(cal.priors)
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    w = post["weight"].to_numpy()
    for ax, prior in zip(axes.flat, cal.priors):
        bins = np.linspace(prior.low, prior.high, 21)
        ax.hist(
            post[prior.name],
            bins=bins,
            weights=w,
            density=True,
            color="#4c72b0",
            alpha=0.8,
            label="posterior",
        )
        ax.axhline(1.0 / (prior.high - prior.low), color="#555555", ls="--", lw=1, label="prior")
        ax.set_title(prior.name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Marginal posteriors: {cal.title}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _figure_pairwise(post: pd.DataFrame, cal, ident: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(ident.sort_values("width_ratio")["parameter"][:PAIRWISE_MAX])
    priors = {p.name: p for p in cal.priors}
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.2 * k, 2.2 * k), squeeze=False)
    w = post["weight"].to_numpy()
    size = 4 + 60 * w / w.max()
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i][j]
            px = priors[xj]
            if i == j:
                ax.hist(post[xj], bins=np.linspace(px.low, px.high, 16), weights=w, color="#4c72b0")
            elif i > j:
                ax.scatter(post[xj], post[yi], s=size, alpha=0.5, color="#4c72b0", lw=0)
                ax.set_ylim(priors[yi].low, priors[yi].high)
            else:
                ax.axis("off")
                continue
            ax.set_xlim(px.low, px.high)
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(xj, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(yi, fontsize=7)
    fig.suptitle("Pairwise posterior (best-identified parameters; dot size = weight)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _table(df: pd.DataFrame, columns: list[str], fmt: str = "{:.3g}") -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in df.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if isinstance(v, (bool, np.bool_)):
                cells.append("yes" if v else "**no**")
            elif isinstance(v, float):
                cells.append("–" if np.isnan(v) else fmt.format(v))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through `write(tmp)` to a temporary name beside `path`, then rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_report(folder: Path, cal, post, ppc, ident, gens, reason: str) -> Path:
    """Write marginals.png, pairwise.png and report.md into `folder`; return the report's path."""
    from .. import __version__

    try:
        from pyabc import __version__ as pyabc_version
    except ImportError:  # pragma: no cover
        pyabc_version = "?"
    _figure_marginals(post, cal, folder / "marginals.png")
    _figure_pairwise(post, cal, ident, folder / "pairwise.png")
    fit = ", ".join(f"`{t.name}`" for t in cal.fit_targets)
    held = ", ".join(f"`{t.name}`" for t in cal.targets if t.use == "holdout") or "none"
    gen_table = gens.assign(t=gens["t"] + 1)
    ess = float(gens["ess"].iloc[-1])
    caution = (
        f"\n**Caution:** the last generation's effective sample size is {ess:.1f}; below "
        f"{LOW_ESS} a few particles carry most of the weight and the widths below are not "
        "reliable (a larger population_size or more generations are needed).\n"
        if ess < LOW_ESS
        else ""
    )
    text = f"""# Calibration: {cal.title}

Config `{cal.name}`{" (--quick)" if cal.quick else ""}: world `{cal.world}` at scale {cal.scale:g},
scenario `{cal.scenario}`, {cal.years} reported year(s) after a {cal.spinup_years}-year spin-up,
{cal.replications} run(s) per particle, root seed {cal.root_seed}. ABC-SMC (pyabc {pyabc_version},
trustsim {__version__}): {cal.abc.population_size} particles per generation, at most
{cal.abc.generations} generations; generation 1 samples the prior. Stopped by: **{reason}**.

Fitted targets: {fit}. Held out: {held}. Distance: sqrt(Σ ((simulated − observed) / sd)²) over the
fitted targets, so ε = 1 means the fitted targets lie one (combined) sd away.

## Generations

{
        _table(
            gen_table,
            ["t", "epsilon", "accepted", "simulations", "acceptance_rate", "ess", "seconds"],
        )
    }

## Posterior predictive check (every target)

The accepted particles' simulated statistics (weighted) against each target; for a 0/1 indicator
the "median" column is the predictive probability that the pattern holds. "Consistent": the
predictive 90 % interval overlaps the observed band (indicators: probability ≥ 0.5).

{
        _table(
            ppc,
            [
                "target",
                "use",
                "observed",
                "band_low",
                "band_high",
                "pred_q05",
                "pred_median",
                "pred_q95",
                "z",
                "consistent",
            ],
        )
    }

## Identifiability

Posterior 90 % interval width over the prior's (uniform on the range in `priors`): near 1 the
fitted targets say nothing about the parameter; below 0.5 they pin it down.
{caution}
{
        _table(
            ident,
            [
                "parameter",
                "prior_low",
                "prior_high",
                "post_q05",
                "post_median",
                "post_q95",
                "width_ratio",
                "verdict",
            ],
        )
    }

![marginal posteriors](marginals.png)

![pairwise posterior](pairwise.png)

Files: `posterior.parquet` (weighted particles of the last generation with their simulated
statistics `s.*`), `ppc.csv`, `identifiability.csv`, `generations.csv`, `history.db` (pyabc's
record; `--resume` continues it), `config.json`.
"""
    path = folder / "report.md"
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
