"""`write_report(dir)`: a Markdown report with PNG figures for a `trustsim sweep` results folder.

Everything is computed in memory first; files are written into a temporary folder next to the
results and renamed to `DIR/report/` at the end, so a failure never leaves a half-written report
(an older report is replaced only once the new one is complete).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ..model.model import OUTPUTS
from . import plots
from .plots import FigureSpec
from .results import (
    FINAL_QUARTERS,
    TIP_LEVEL,
    TIP_OUTPUT,
    Results,
    decimals_for,
    describe,
    excludes_zero,
    format_interval,
    load_results,
    morris_all,
    morris_conclusions,
    results_summary,
    sign_conclusions,
)

REPORT_DIR = "report"
SPREAD_OUTPUTS = ("innovation_rate", "experimentation_culture", "incident_rate",
                  "workplaces_innovating_2y", "admin_burden")
REPORT_FILE = "report.md"


def markdown_table(summary: Mapping[str, Any], key: str) -> str:
    """Rows = outputs, columns = scenarios, cells `mean [ci_low, ci_high]` (`key` = "scenarios"
    or "differences"; significant differences in bold)."""
    block = summary[key]
    names = list(block)
    lines = ["| output | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for output in OUTPUTS:
        cells = [block[n][output] for n in names]
        dec = decimals_for(v for c in cells for v in c.values())
        texts = []
        for cell in cells:
            text = format_interval(cell, dec, sign=key == "differences")
            texts.append(f"**{text}**" if key == "differences" and excludes_zero(cell) else text)
        lines.append(f"| {output} | " + " | ".join(texts) + " |")
    return "\n".join(lines)


CAPTIONS = {
    "time_series.png": (
        "Mean across all runs of each scenario per quarter, with the 95 % confidence band of "
        "the mean. The dashed line in experimentation culture is Innovationsbarometern's one "
        "fifth."
    ),
    "forest.png": (
        "Final-year difference scenario − {reference}, paired by design point and seed, with "
        "95 % confidence interval. An interval not crossing 0 is a difference the runs support. "
        "The pale bar behind is the middle 90 % of the pairs' differences: what the scenario does "
        "from one pair (seed, and posterior draw) to the next."
    ),
    "budget_horizon.png": (
        "Final-year innovation rate against the budget horizon, averaged over the other swept "
        "parameters and the replications, with 95 % band."
    ),
    "tipping.png": (
        "Final-year trust orientation and experimentation culture against the initial share of "
        "trust-oriented managers, averaged over the other swept parameters and the "
        "replications, with 95 % band."
    ),
    "morris.png": (
        "μ* is the mean absolute elementary effect of a parameter over its range (with 95 % "
        "bootstrap interval), σ the spread of the effects: σ large next to μ* means the "
        "effect depends on the other parameters."
    ),
}


def _spec(filename: str, heading: str, figure: Figure, **fields: str) -> FigureSpec:
    return FigureSpec(filename, heading, CAPTIONS[filename].format(**fields), figure)


def build_figures(results: Results, summary: Mapping[str, Any]) -> list[FigureSpec]:
    """The figures that apply to this folder (see docs/analysis.md); Morris is separate."""
    figs = [_spec("time_series.png", "Outputs over time", plots.time_series_figure(results))]
    if summary["differences"]:
        fig = plots.forest_figure(summary)
        heading = "Paired differences to the reference"
        figs.append(_spec("forest.png", heading, fig, reference=results.scenarios[0]))
    if "budget_horizon_years" in results.parameters:
        fig = plots.budget_horizon_figure(results)
        figs.append(_spec("budget_horizon.png", "Budget horizon", fig))
    if "initial_trust_share" in results.parameters:
        figs.append(_spec("tipping.png", "Tipping curve", plots.tipping_figure(results)))
    return figs


def _morris_section(results: Results) -> tuple[list[str], list[FigureSpec]]:
    morris, skipped = morris_all(results)
    lines = ["## Sensitivity (Morris screening)", ""]
    figs = []
    if morris:
        spec = _spec("morris.png", "Morris μ* and σ", plots.morris_figure(morris))
        figs.append(spec)
        lines += [f"![{spec.heading}]({spec.filename})", "", spec.caption, ""]
        lines += ["What the screening supports:", ""]
        lines += [
            f"- {line}" if not line.startswith("  ") else line
            for line in morris_conclusions(morris)
        ]
    for reason in skipped:
        lines.append(f"- Skipped: {reason}")
    return lines, figs


def _names(items: Any) -> str:
    return ", ".join(f"`{i}`" for i in items) if items else "none"


def header_lines(results: Results) -> list[str]:
    """Title, settings, provenance and run counts."""
    m = results.manifest
    design = m["design"]
    counts = results.status_counts()
    provenance = (
        f"- Provenance: trustsim {m.get('trustsim_version', '?')}, model hash "
        f"{(m.get('model_hash') or 'unknown')[:12]}, git commit "
        f"{m.get('git_commit') or 'unknown'}, Python {m.get('python', '?')}, "
        f"content hash {m.get('content_hash', '?')}"
    )
    return [
        f"# {m.get('title') or m.get('experiment', 'trustsim experiment')}",
        "",
        describe(m) + ".",
        "",
        f"- Scenarios (the first is the reference): {_names(results.scenarios)}",
        (
            f"- Levers swept: {_names(design.get('levers'))}; "
            f"uncertainties swept: {_names(design.get('uncertainties'))}"
        ),
        f"- Runs: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending",
        provenance,
        "",
    ]


def table_lines(results: Results, summary: Mapping[str, Any]) -> list[str]:
    """The means table and, with several scenarios, the paired-differences table."""
    reference = results.scenarios[0]
    means_note = (
        f"Mean of the last {FINAL_QUARTERS} quarters of each run, averaged over all finished runs "
        "of a scenario (design points × replications), with a t-based 95 % confidence interval."
    )
    lines = ["## Final-year means", "", means_note, "", markdown_table(summary, "scenarios"), ""]
    if not summary["differences"]:
        return lines
    diff_note = (
        f"Scenario − {reference} per (design point, replication) pair — the same seed, so "
        "shared noise cancels — then mean and 95 % CI. Bold: the interval excludes 0."
    )
    lines += [f"## Paired differences to {reference}", "", diff_note, ""]
    lines += [markdown_table(summary, "differences"), ""]
    lines += spread_lines(results, summary)
    same = identical_to_reference(summary)
    if same:
        lines += [
            (
                f"Note: {_names(same)} gave exactly the same outputs as {reference} in every pair; "
                "the swept parameters probably override what distinguishes them."
            ),
            "",
        ]
    return lines


def spread_lines(results: Results, summary: Mapping[str, Any]) -> list[str]:
    """What the reform does across the runs, not only on average: per scenario the middle 90 %
    of the paired differences, P(difference > 0), and the share of runs that tipped."""
    reference = results.scenarios[0]
    posterior = results.manifest.get("content", {}).get("posterior")
    what = ("a posterior draw of the calibrated parameters and a seed"
            if posterior else "a seed")
    lines = [
        f"## How sure: the spread of the differences to {reference}",
        "",
        (f"Each pair of runs is one possible world ({what}), shared by every scenario. Cells: "
         "P(difference > 0), the share of pairs in which the scenario is higher than "
         f"{reference}, and the 5–95 % range of the pairs' differences."),
        "",
    ]
    if posterior:
        lines += [(f"Posterior: `{posterior['file']}` (sha256 {posterior['sha256'][:12]}…), "
                   f"parameters {', '.join(posterior['parameters'])}."), ""]
    names = list(summary["spread"])
    lines += ["| output | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for output in SPREAD_OUTPUTS:
        cells = [summary["spread"][n][output] for n in names]
        dec = decimals_for(v for c in cells for k, v in c.items() if k != "p_positive")
        texts = [f"{c['p_positive']:.2f} [{c['q05']:+.{dec}f}, {c['q95']:+.{dec}f}]"
                 if c["p_positive"] is not None else "n/a" for c in cells]
        lines.append(f"| {output} | " + " | ".join(texts) + " |")
    if summary.get("tipped"):
        everyone = [reference, *names]
        tips = summary.get("tips", {})
        lines += [
            "",
            (
                f"Trust state: final-year {TIP_OUTPUT} above {TIP_LEVEL}. P(tips): the share of "
                f"pairs in which {reference} ends outside the trust state and the scenario inside it."
            ),
            "",
            "| | " + " | ".join(everyone) + " |", "|---|" + "---|" * len(everyone),
            "| share of runs in the trust state | "
            + " | ".join(f"{summary['tipped'][n]:.2f}" for n in everyone) + " |",
            "| P(tips) | – | " + " | ".join(f"{tips[n]:.2f}" if tips.get(n) is not None else "n/a"
                                           for n in names) + " |",
        ]
    return [*lines, ""]


def identical_to_reference(summary: Mapping[str, Any]) -> list[str]:
    """Scenarios whose paired differences are exactly zero for every output."""
    return [
        name
        for name, diffs in summary["differences"].items()
        if all(d["mean"] == 0 and d["ci_low"] == 0 and d["ci_high"] == 0 for d in diffs.values())
    ]


def channel_lines(results: Results) -> list[str]:
    """Each reform's effect by channel (`trustsim channels`, docs/channels.md): from the folder's
    own `channels.json` if `trustsim channels --out DIR` wrote one, else from the decomposition
    shipped with trustsim (state 1:50, 10 years; too slow to run inside the report: 27 runs per
    scenario and replication). Only the folder's scenarios are shown."""
    from .channels import for_report, markdown_lines

    data, source = for_report(results.path, results.scenarios)
    names = [n for n in results.scenarios if data and n in data["packages"]]
    if not names:
        return []
    reference = data["settings"]["reference"]
    lines = ["## Each reform's effect by channel", "", f"From {source}."]
    if reference != results.scenarios[0]:
        lines[-1] += f" Its reference is {reference}, not this folder's {results.scenarios[0]}."
    return [*lines, "", *markdown_lines(data, names), ""]


def failed_lines(results: Results, limit: int = 50) -> list[str]:
    """The failed runs with the last line of their traceback."""
    failed = results.failed_runs()
    if not failed:
        return []
    lines = ["## Failed runs", ""]
    for rid in failed[:limit]:
        tb = (results.manifest["runs"][rid].get("traceback") or "").strip().splitlines()
        lines.append(f"- `{rid}`: {tb[-1] if tb else 'no traceback recorded'}")
    if len(failed) > limit:
        lines.append(f"- … and {len(failed) - limit} more (see manifest.json)")
    return [*lines, ""]


def render(results: Results) -> tuple[str, list[FigureSpec]]:
    """The report text and its figures (nothing written yet)."""
    summary = results_summary(results)
    figs = build_figures(results, summary)
    lines = header_lines(results) + table_lines(results, summary) + channel_lines(results)
    for fig in figs:
        lines += [f"## {fig.heading}", "", f"![{fig.heading}]({fig.filename})", "", fig.caption, ""]
    if results.design["kind"] == "morris":
        more, morris_figs = _morris_section(results)
        lines += [*more, ""]
        figs += morris_figs
    if summary["differences"] and int(results.design.get("points") or 1) > 1:
        lines += ["## Do the differences hold across the uncertainty range?", ""]
        lines += [f"- {line}" for line in sign_conclusions(results)] + [""]
    if results.design.get("uncertainties"):  # futures to search: where does each package fail?
        from .discovery_report import report_section

        more, more_figs = report_section(results)
        lines += more
        figs += more_figs
    lines += failed_lines(results)
    return "\n".join(lines), figs


def write_report(results_dir: str | os.PathLike) -> Path:
    """Write `DIR/report/report.md` and its PNGs atomically; return the path of report.md.

    Raises `ResultsError` (nothing written) if the folder cannot be analysed."""
    results = load_results(results_dir)
    text, figs = render(results)
    folder = Path(results_dir)
    tmp = folder / f".report-tmp-{uuid.uuid4().hex}"
    tmp.mkdir()  # not mkdtemp: the report gets the usual permissions (umask), not 0700
    try:
        for fig in figs:
            plots.save(fig.figure, tmp / fig.filename)
        (tmp / REPORT_FILE).write_text(text, encoding="utf-8")
        _replace_dir(tmp, folder / REPORT_DIR)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder / REPORT_DIR / REPORT_FILE


def _replace_dir(new: Path, target: Path) -> None:
    """Rename `new` to `target`, replacing an existing `target` only after the rename worked."""
    if not target.exists():
        new.rename(target)
        return
    old = target.parent / f".report-old-{uuid.uuid4().hex}"
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
