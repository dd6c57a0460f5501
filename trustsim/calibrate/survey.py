"""Survey statistics: the model observed the way each survey observed the world (issue 24).

A survey asks a particular respondent (a work site's manager, a member of staff, an organisation)
in a particular population (all public work sites, state employees, municipalities) about a
particular window (the last two years, the last three years). The statistics here compute each
target's model counterpart at that unit, over that population and window, from one run of the
control-based baseline in the public-sector world (which holds the state agencies, the
municipalities and the regions, so every population is a subset of one run):

    quarter 0       the spun-up system ("today", the surveys' years 2016-2021)
    quarters 1-8    the two years a two-year survey question covers (means over the window)
    quarters 1-40   ten years of the baseline: the premise (control-oriented and stationary)

Weights: staff statistics weigh each modelled person by the real people she stands for
(`wp_weight`); site statistics weigh each modelled site by the real sites it stands for
(`site_weight`); organisation statistics count organisations. `STATISTICS` says what each is;
docs/calibration.md says which survey item each stands for and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.model import BLOCKERS, WINDOW_QUARTERS, TrustModel
from ..model.worlds import MUNICIPALITY, REGION, STATE_AGENCY

# What each survey statistic is: unit (who answers), population and window.
STATISTICS = {
    "sites_innovating_2y": "share of all public work sites (site-weighted) with an innovation in "
    "the last 8 quarters; mean over quarters 1-8",
    "sites_culture_majority": "share of all public work sites where more than half of the staff "
    "perceive an experimentation culture (the site's manager answers for the site); quarters 1-8",
    "municipal_admin_burden": "share of working time on control and reporting, municipal staff "
    "(staff-weighted); quarters 1-8",
    "orientation_max": "the highest yearly mean of managers' trust orientation over the 10 "
    "baseline years (staff-weighted; 0.5 divides control from trust)",
    "orientation_drift": "mean trust orientation in year 10 minus year 1 of the baseline",
    "municipal_sites_innovating_2y": "share of municipal work sites with an innovation in the last "
    "8 quarters; quarters 1-8",
    "municipal_sites_innovating_change": "municipal sites innovating, mean over quarters 9-16 "
    "minus mean over quarters 1-8 (the next survey wave two years on)",
    "state_sites_innovating_or_developing": "share of state work sites with an innovation in 8 "
    "quarters or an experiment under way; quarters 1-8",
    "state_staff_culture": "share of state staff perceiving an experimentation culture; "
    "quarters 1-8",
    "public_admin_burden": "share of working time on control and reporting, all public staff; "
    "quarters 1-8",
    "staff_admin_rising_3y": "share of public staff (staff-weighted, by workplace) whose "
    "control-and-reporting load at quarter 12 exceeds that at quarter 0",
    "state_reporting_rising": "1 if the state agencies' mean reporting load in year 3 exceeds "
    "year 1, else 0",
    "local_detail_not_falling": "1 if the municipalities' and regions' mean steering detail in "
    "year 4 is at least that in year 1, else 0",
    "state_staff_safety_agree": "share of state staff who agree they trust each other at work, "
    "each agreeing with probability equal to her psychological safety (0-1): the staff-weighted "
    "mean safety of state staff; quarters 1-8",
    "state_staff_autonomy_agree": "share of state staff who agree their manager shows them trust, "
    "each agreeing with probability equal to her autonomy (0-1); quarters 1-8",
    "state_staff_refrained_3y": "share of state staff who kept at least one idea to themselves "
    "(the voice gate) in quarters 1-12: 1 - exp(-sum of unvoiced ideas), per person",
    "municipal_orgs_failed_2y": "share of municipalities with at least one failed experiment in "
    "quarters 1-8: 1 - exp(-expected real failures), per municipality (scale-free)",
    "innovations_adopted_share": "share of innovations adopted from a collaborator; quarters 1-8",
    "time_blocks_most": "1 if time blocks more ideas than any other gate over quarters 1-8",
    "larger_sites_innovate_more": "1 if work sites above the median staff innovate more often than the "
    "rest (quarter 8)",
}
INDICATORS = (
    "state_reporting_rising", "local_detail_not_falling", "time_blocks_most",
    "larger_sites_innovate_more",
)
SURVEY_YEARS = 10  # the premise is judged over ten baseline years (MODEL.md's horizon)


def size_gradient(sites: pd.DataFrame) -> float:
    """Share of (real) work sites innovating among sites above the median staff minus the share
    among the rest (KS Innovasjonsbarometeret: the share rises with the number of employees)."""
    big = sites["staff"] > sites["staff"].median()
    if big.all() or not big.any():
        return 0.0

    def share(mask):
        w = sites["weight"][mask]
        return float((w * sites["innovated_2y"][mask]).sum() / w.sum())

    return share(big) - share(~big)


@dataclass
class _Record:
    """Per-quarter figures of a run (index = reported quarter 0..40)."""

    series: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.series.setdefault(name, []).append(float(value))

    def window(self, name: str, first: int, last: int) -> np.ndarray:
        return np.asarray(self.series[name][first : last + 1])


def _share(mask: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float((weights * mask).sum() / total) if total > 0 else math.nan


class SurveyView:
    """Masks and weights of one model's populations (fixed for a run)."""

    def __init__(self, model: TrustModel) -> None:
        m = self.model = model
        kind_wp = m.wp_kind
        self.staff_kind = kind_wp[m.staff.wp]
        self.staff_w = m.wp_weight[m.staff.wp]  # real people per modelled person
        self.state_staff = self.staff_kind == STATE_AGENCY
        site_kind = np.zeros(m.n_sites, dtype=np.int64)
        site_kind[m.wp_site] = kind_wp
        self.site_kind = site_kind
        self.site_staff = np.bincount(m.wp_site, weights=m.wp_size, minlength=m.n_sites)
        self.municipal_wp = kind_wp == MUNICIPALITY
        self.local_org = np.isin(m.agency_kind, (MUNICIPALITY, REGION))
        self.state_org = m.agency_kind == STATE_AGENCY
        self.municipality = m.agency_kind == MUNICIPALITY

    def quarter(self, rec: _Record) -> None:
        """Record this quarter's survey figures."""
        m, st = self.model, self.model.staff
        window = (m.t - m.last_innovation) < WINDOW_QUARTERS
        site_innov = np.bincount(m.wp_site, weights=window, minlength=m.n_sites) > 0
        sw = m.site_weight
        rec.add("sites_innovating_2y", _share(site_innov, sw))
        rec.add("municipal_sites_innovating_2y",
                _share(site_innov, sw * (self.site_kind == MUNICIPALITY)))
        running = np.bincount(m.wp_site[m.exp_wp], minlength=m.n_sites) > 0
        rec.add("state_sites_innovating_or_developing",
                _share(site_innov | running, sw * (self.site_kind == STATE_AGENCY)))
        perceivers = np.bincount(m.staff.wp, weights=m.staff_perceives, minlength=m.n_workplaces)
        site_perc = np.bincount(m.wp_site, weights=perceivers, minlength=m.n_sites)
        rec.add("sites_culture_majority", _share(site_perc > 0.5 * self.site_staff, sw))
        rec.add("state_staff_culture",
                _share(m.staff_perceives, self.staff_w * self.state_staff))
        wp_real = m.wp_real
        rec.add("municipal_admin_burden", _share(m.wp_admin, wp_real * self.municipal_wp))
        rec.add("admin_burden", _share(m.wp_admin, wp_real))
        rec.add("trust_orientation", m.trust_orientation)
        load = m._reporting_load()
        rec.add("state_reporting", _share(load, m.agency_size * self.state_org))
        rec.add("local_detail", _share(m.detail, m.agency_size * self.local_org))
        state_w = self.staff_w * self.state_staff
        rec.add("state_staff_safety_agree", _share(st.safety, state_w))
        rec.add("state_staff_autonomy_agree", _share(st.autonomy, state_w))
        rec.add("adopted_share", m.adopted_share)
        for name in BLOCKERS:
            rec.add(name, getattr(m, name))


def survey_run(world: str, scale: float, seed: int, params: dict[str, Any],
               names: tuple[str, ...] | None = None, years: int = SURVEY_YEARS) -> dict[str, float]:
    """Run the baseline the survey way and return the survey statistics `names` (all by default).

    The run needs 16 quarters for the two-wave statistics and 40 for the premise; `years` below 10
    is for tests and quick checks (orientation_* then cover the years run)."""
    names = tuple(STATISTICS) if names is None else tuple(names)
    model = TrustModel(world=world, scale=scale, rng=seed, params=params)
    view, rec = SurveyView(model), _Record()
    admin0 = model.wp_admin.copy()
    admin12 = admin0
    unvoiced = np.zeros(model.staff.size)
    failures = np.zeros(model.n_agencies)
    gradient = math.nan
    view.quarter(rec)  # quarter 0
    for q in range(1, 4 * years + 1):
        model.step()
        view.quarter(rec)
        if q <= 12:
            # the staff table keeps its rows (a leaver's row is her successor's)
            unvoiced += model.staff_unvoiced
        if q == 12:
            admin12 = model.wp_admin.copy()
        if q <= 8:
            failures += np.bincount(model.wp_agency, weights=model.wp_weight * model.wp_failures,
                                    minlength=model.n_agencies)
        if q == 8:
            gradient = size_gradient(model.site_table())
    last = 4 * years
    mean18 = {k: float(np.mean(rec.window(k, 1, min(8, last)))) for k in rec.series}
    yearly = [float(np.mean(rec.window("trust_orientation", 4 * y + 1, 4 * y + 4)))
              for y in range(years)]
    out = {k: mean18[k] for k in (
        "sites_innovating_2y", "sites_culture_majority", "municipal_admin_burden",
        "municipal_sites_innovating_2y", "state_sites_innovating_or_developing",
        "state_staff_culture", "state_staff_safety_agree", "state_staff_autonomy_agree")}
    out["public_admin_burden"] = mean18["admin_burden"]
    out["innovations_adopted_share"] = mean18["adopted_share"]
    out["orientation_max"] = max(yearly)
    out["orientation_drift"] = yearly[-1] - yearly[0]
    if last >= 16:
        out["municipal_sites_innovating_change"] = float(
            np.mean(rec.window("municipal_sites_innovating_2y", 9, 16))
            - np.mean(rec.window("municipal_sites_innovating_2y", 1, 8)))
    else:
        out["municipal_sites_innovating_change"] = math.nan
    wp_real = model.wp_real
    out["staff_admin_rising_3y"] = _share(admin12 > admin0 + 1e-12, wp_real)
    rep = rec.series["state_reporting"]
    det = rec.series["local_detail"]
    out["state_reporting_rising"] = float(
        last >= 12 and np.mean(rep[9:13]) > np.mean(rep[1:5]))
    out["local_detail_not_falling"] = float(
        last >= 16 and np.mean(det[13:17]) >= np.mean(det[1:5]) - 1e-12)
    state_w = view.staff_w * view.state_staff
    out["state_staff_refrained_3y"] = _share(1.0 - np.exp(-unvoiced), state_w)
    muni = view.municipality
    out["municipal_orgs_failed_2y"] = (
        float(np.mean(1.0 - np.exp(-failures[muni]))) if muni.any() else math.nan)
    blockers = {b: mean18[b] for b in BLOCKERS}
    out["time_blocks_most"] = float(max(blockers, key=blockers.get) == "blocked_by_time")
    out["larger_sites_innovate_more"] = float(gradient > 0)
    return {k: out[k] for k in names}
