"""Print the figures of docs/validation.md's pattern table at the suite's seeds (offset 0).

The pattern tests assert; this script prints what they measure, with the same cases, worlds,
scales and seeds (tests/support/runs.py), so the table in the docs can be re-measured after a model
change:  .venv/bin/python scripts/validation_table.py   (about 10 minutes on 2 idle cores)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.runs import ci95, final, replicate, reported
from trustsim.model.model import BLOCKERS


def fmt(x, d=3) -> str:
    c = ci95(x)
    return f"{c.mean:.{d}f} [{c.low:.{d}f}, {c.high:.{d}f}]"


def p1() -> str:
    light = {"steering_detail": 0.1, "reporting_demands": 0.1, "local_steering_detail": 0.1}
    base, lt, few = replicate(
        [("baseline-control", {}), ("baseline-control", light),
         ("baseline-control", {"idea_rate": 0.5})],
        16, 10, world="public-sector", scale=0.01,
    )
    lost = {b: reported(base, b).mean() for b in BLOCKERS}
    return (
        f"P1 (public-sector world 1:100): culture {fmt(reported(base, 'experimentation_culture'))}; "
        f"work sites innovating in 2 years {fmt(reported(base, 'workplaces_innovating_2y'))}; "
        f"blockers per 1 000 staff per year (time and voice order-free): "
        + ", ".join(f"{k.removeprefix('blocked_by_')} {v:.0f}" for k, v in lost.items())
        + f" | light steering: culture {reported(lt, 'experimentation_culture', start=21).mean():.2f};"
        f" idea_rate 0.5: share {reported(few, 'workplaces_innovating_2y').mean():.2f}"
    )


def p2() -> str:
    runs = replicate([("baseline-control", {"budget_horizon_years": h}) for h in (1.0, 4.0)], 8, 10)
    one, four = (final(f, "innovation_rate") for f in runs)
    return f"P2: 1-year {one.mean():.1f}; 4-year adds {fmt(four - one, 1)}"


def p3() -> str:
    base, agv, integ = replicate(
        [("baseline-control", {}), ("agv-only", {}), ("integrated-esv-digg", {})], 8, 10
    )
    out = []
    for c in ("trust_orientation", "innovation_rate"):
        out.append(f"{c}: AgV {fmt(final(agv, c) - final(base, c))} vs integrated "
                   f"{(final(integ, c) - final(base, c)).mean():.3f}")
    return "P3: " + "; ".join(out)


def p6() -> str:
    res = []
    for name, extra in (("high risk", {"sector_risk": 0.9, "method_support": 0.0}),
                        ("low risk + safeguards", {"sector_risk": 0.05, "method_support": 1.0})):
        control, trust = replicate([("baseline-control", extra), ("integrated-esv-digg", extra)],
                                   12, 10)
        c, t = final(control, "incident_rate"), final(trust, "incident_rate")
        res.append(f"{name}: control {c.mean():.2f} vs trust {t.mean():.2f} ({fmt(t - c, 2)})")
    control, trust = replicate([("baseline-control", {}), ("integrated-esv-digg", {})], 12, 10)
    failed = final(trust, "experiments_failed") - final(control, "experiments_failed")
    gained = final(trust, "innovation_rate") - final(control, "innovation_rate")
    res.append(f"extra failures {failed.mean():.1f} per {gained.mean():.1f} extra innovations")
    ms = {"base_success": 0.7, "quality_success": 0.6}
    control, trust = replicate([("baseline-control", ms), ("integrated-esv-digg", ms)], 12, 10)
    f2 = final(trust, "experiments_failed") - final(control, "experiments_failed")
    g2 = final(trust, "innovation_rate") - final(control, "innovation_rate")
    res.append(f"mostly succeed: {f2.mean():.1f} per {g2.mean():.1f}")
    return "P6: " + "; ".join(res)


def secondary() -> str:
    base, slow, long = replicate(
        [("baseline-control", {}), ("baseline-control", {"diffusion_rate": 0.5}),
         ("baseline-control", {"experiment_quarters": 12.0})], 16, 10,
    )
    return (f"S1 adopted share {fmt(reported(base, 'adopted_share', start=21))} "
            f"(diffusion 0.5: {reported(slow, 'adopted_share', start=21).mean():.2f}); "
            f"S3 developing {fmt(reported(base, 'sites_developing_share', start=21))} "
            f"(12-quarter experiments: {reported(long, 'sites_developing_share', start=21).mean():.2f})")


if __name__ == "__main__":
    for part in (p1, p2, p3, p6, secondary):
        print(part(), flush=True)
