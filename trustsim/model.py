"""TrustModel: wiring, the quarterly schedule and data collection (ODD "Process overview").

One step is one quarter. Order within a step (ODD §3):
 1. Government updates steering detail (ratchet on last quarter's visible incidents).
 2. Support bodies deliver support; the digital competence programme trains staff.
 3. Managers update trust orientation and grant autonomy.
 4. Staff update autonomy, psychological safety, motivation and admin load; turnover.
 5. Ideas arise and are sorted: local, cross-agency (needs RUM), rule-blocked (needs dispensation).
 6. Experiments start, run, may be cut at a budget-year boundary, and end as success or failure;
    failures may become incidents; national experiments may modernise rules.
 7. Innovations diffuse to neighbouring workplaces.
 8. Outputs are recorded.
"""

from __future__ import annotations

from typing import Any, Mapping

import mesa
import numpy as np

from . import networks
from .agents import (
    Agency,
    ExperimentationScheme,
    Government,
    Manager,
    MethodSupport,
    Rum,
    SupportBody,
)
from .params import Params
from .staff import StaffPopulation
from .worlds import KIND_RISK, World, build_world

# Names other tools rely on (sweep engine, app): do not rename.
OUTPUTS = (
    "innovation_rate",
    "workplaces_innovating_2y",
    "experimentation_culture",
    "admin_burden",
    "incident_rate",
    "trust_orientation",
    "steering_detail",
    "cross_agency_resolved",
    "rule_blocked_ideas",
    "programme_cost_msek",
)
# What each output means, with its unit (CLI, reports, app)
OUTPUT_LABELS = {
    "innovation_rate": "innovations per 1 000 staff per year",
    "workplaces_innovating_2y": "share of workplaces innovating in 2 years",
    "experimentation_culture": "share of staff perceiving an experimentation culture",
    "admin_burden": "share of staff time on control and reporting",
    "incident_rate": "incidents per 1 000 staff per year",
    "trust_orientation": "mean manager trust orientation (0 control, 1 trust)",
    "steering_detail": "mean detail of government steering",
    "cross_agency_resolved": "cross-agency issues resolved per 1 000 staff per year",
    "rule_blocked_ideas": "rule-blocked ideas per 1 000 staff per year",
    "programme_cost_msek": "programme cost, MSEK per year",
}
# Further diagnostics: the blocker accounting (P1) and the cost-effectiveness figure.
DIAGNOSTICS = (
    "innovations_per_msek",
    "experiments_started",
    "experiments_failed",
    "blocked_by_time",
    "blocked_by_voice",
    "blocked_by_approval",
    "blocked_by_rules",
    "stuck_cross_agency",
    "cut_by_budget_horizon",
    "time_lost_to_control",
)
BLOCKERS = (
    "blocked_by_time",
    "blocked_by_voice",
    "blocked_by_approval",
    "blocked_by_rules",
    "stuck_cross_agency",
    "cut_by_budget_horizon",
)

# Structural constants of the functional forms (documented in docs/ODD.md, "Structural constants")
AUTONOMY_BASE = 0.1  # autonomy every workplace grants, whatever the manager
LEADER_BONUS = 0.1  # innovation leaders (C8): extra autonomy granted and approval probability
LEADER_SUCCESS = 0.05  # innovation leaders (C8): extra success probability of an experiment
SAFETY_BASE, SAFETY_PER_TRUST = 0.15, 0.6  # psychological safety = base + per_trust · orientation
BLAME_PER_FAILURE, BLAME_MAX = 0.1, 0.3  # control-oriented managers blame failures
MONEY_FLOOR, SLACK_FOR_FULL_MONEY = 0.5, 0.05  # experiments find money: floor + slack / full
SKILL_SUCCESS = 0.3  # success probability per unit of workplace skill above 0.5
ABSORB_FLOOR = 0.3  # absorptive capacity of a workplace with no autonomy (diffusion)
CLIMATE_WEIGHTS = (0.35, 0.35, 0.15, 0.15)  # autonomy, safety, motivation, recent innovation
RECENT_QUARTERS = 4  # an innovation in the last year colours the climate of a workplace
WINDOW_QUARTERS = 8  # Innovationsbarometern: innovation in the last two years

MIN_COST_MSEK = 0.001  # below 1 000 SEK a year there is no programme to divide by

# Flags of an experiment
RULE, CROSS, FUNDED, METHOD = 1, 2, 4, 8


class TrustModel(mesa.Model):
    """Trust-based versus control-based steering of the Swedish public sector.

    Args:
        world: "teaching", "state" or "public-sector".
        scale: share of real head counts represented (1 = one agent per person).
        rng: seed (int) or numpy Generator; the same seed gives bit-identical outputs.
        params: a mapping or `Params` of parameter overrides.
        **overrides: further parameter overrides by name (see docs/ODD.md).
    """

    def __init__(
        self,
        world: str = "teaching",
        scale: float = 1.0,
        rng: Any = None,
        params: Mapping[str, Any] | Params | None = None,
        seed: int | None = None,
        **overrides: Any,
    ) -> None:
        # Validate everything before building anything (nothing is half-built on bad input).
        p = Params({**dict(params or {}), **overrides})
        w = build_world(world, scale)
        super().__init__(rng=rng if rng is not None else seed)
        self.p, self.world = p, w
        self.world_name, self.scale = w.name, w.scale
        self._init_agencies(w)
        self._init_workplaces(w)
        self._init_staff()
        self._init_actors()
        self._init_outputs()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: name for name in OUTPUTS + DIAGNOSTICS}
        )
        self._quarter(first=True)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ initialisation
    def _init_agencies(self, w: World) -> None:
        p, rng = self.p, self.rng
        self.n_agencies = len(w.sizes)
        self.agency_size = w.sizes
        self.agency_kind = w.kinds
        kind_risk = np.array([KIND_RISK[int(k)] for k in w.kinds])
        self.risk = np.clip(
            p.sector_risk * kind_risk * rng.uniform(0.5, 1.5, self.n_agencies), 0, 1
        )
        self.regulation0 = np.clip(
            p.regulatory_complexity * rng.uniform(0.5, 1.5, self.n_agencies), 0, 0.95
        )
        self.regulation = self.regulation0.copy()
        self.detail = np.full(self.n_agencies, min(1.0, p.steering_detail + p.initial_ratchet))
        self.trust_signal = np.zeros(self.n_agencies)  # support memory, toward trust
        self.control_signal = np.zeros(self.n_agencies)  # support memory, toward control
        # innovation slack (C1, C3): more room with a longer horizon, less with earmarking
        self.slack = (
            p.innovation_slack + p.slack_per_horizon_year * (p.budget_horizon_years - 1)
        ) * (1.0 - p.earmarking_share)
        self.agency_graph = networks.agency_graph(self.n_agencies, int(rng.integers(2**31)))
        self.agencies = [Agency(self, i, w.names[i]) for i in range(self.n_agencies)]

    def _init_workplaces(self, w: World) -> None:
        p, rng = self.p, self.rng
        n_wp = np.maximum(1, np.ceil(w.sizes / p.span_of_control).astype(np.int64))
        self.n_workplaces = int(n_wp.sum())
        self.wp_agency = np.repeat(np.arange(self.n_agencies), n_wp)
        trust = rng.random(self.n_workplaces) < p.initial_trust_share
        self.orientation = np.where(
            trust,
            rng.uniform(0.6, 0.9, self.n_workplaces),
            rng.uniform(0.1, 0.4, self.n_workplaces),
        )
        self.leader = rng.random(self.n_workplaces) < p.innovation_leader_share
        self.mgr_digital = rng.beta(4.0, 6.0, self.n_workplaces)
        self.collaboration_graph, self.adjacency = networks.workplace_graph(
            self.wp_agency, self.agency_graph, rng
        )
        self.neighbour_mean = networks.row_normalised(self.adjacency)
        self.last_innovation = np.full(self.n_workplaces, -1000, dtype=np.int64)
        self.wp_successes = np.zeros(self.n_workplaces)
        self.wp_failures = np.zeros(self.n_workplaces)
        self.wp_incidents = np.zeros(self.n_workplaces)
        self.managers = [Manager(self, i) for i in range(self.n_workplaces)]

    def _init_staff(self) -> None:
        # staff of agency a are dealt round-robin over its workplaces
        sizes = self.agency_size
        agency = np.repeat(np.arange(self.n_agencies), sizes)
        n_wp = np.bincount(self.wp_agency, minlength=self.n_agencies)
        first_wp = np.concatenate(([0], np.cumsum(n_wp)[:-1]))
        first_staff = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        rank = np.arange(len(agency)) - first_staff[agency]
        wp = first_wp[agency] + rank % n_wp[agency]
        self.staff = StaffPopulation.create(wp, agency, self.rng)
        self.n_staff = self.staff.size
        self.wp_size = np.bincount(wp, minlength=self.n_workplaces).astype(float)

    def _init_actors(self) -> None:
        p = self.p
        self.government = Government(self)
        self.support_bodies = [
            SupportBody(self, "AgV", p.agv_alignment, p.agv_reach),
            SupportBody(self, "ESV", p.esv_alignment, p.esv_reach),
            SupportBody(self, "DIGG", p.digg_alignment, p.digg_reach),
        ]
        self.rise = MethodSupport(self, p.method_support)
        self.rum = Rum(self, p.rum_uptake) if p.rum else None
        self.scheme = ExperimentationScheme(self) if p.experimentation_funding_msek > 0 else None
        self.exp_wp = np.zeros(0, dtype=np.int64)
        self.exp_left = np.zeros(0, dtype=np.int64)
        self.exp_flags = np.zeros(0, dtype=np.int64)

    def _init_outputs(self) -> None:
        for name in OUTPUTS + DIAGNOSTICS:
            setattr(self, name, 0.0)
        self.visible_last_per_1000 = 0.0
        self.innovations_total = 0
        self.programme_cost_msek = self._programme_cost()

    # ------------------------------------------------------------------ helpers
    def stochastic_round(self, x: float) -> int:
        """floor(x) plus one with probability frac(x): unbiased integer counts at any scale."""
        base = int(np.floor(x))
        return base + int(self.rng.random() < x - base)

    def per_1000_year(self, count: float) -> float:
        """A quarterly count as a rate per 1 000 staff per year."""
        return float(count) * 4000.0 / self.n_staff

    def _programme_cost(self) -> float:
        """Annual cost of the reform programmes in force, MSEK per year at full scale."""
        p = self.p
        alignment_cost = (
            sum(max(0.0, b.alignment - 0.2) / 0.8 for b in self.support_bodies)
            * p.support_cost_msek
        )
        return float(
            alignment_cost
            + p.method_cost_msek * p.method_support
            + p.digital_cost_msek * p.digital_programme_reach
            + (p.rum_cost_msek if p.rum else 0.0)
            + p.experimentation_funding_msek
        )

    def inject_scandal(self, size: float | None = None) -> None:
        """A visible scandal of `size` visible incidents per 1 000 staff, felt next step."""
        self.government.inject_scandal(self.p.scandal_size if size is None else size)

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        self._quarter()
        self.datacollector.collect(self)

    def _quarter(self, first: bool = False) -> None:
        p, rng = self.p, self.rng
        t = self.steps  # Mesa increments steps before step() runs; 0 at initialisation
        if p.scandal_quarter >= 0 and t == p.scandal_quarter:
            self.inject_scandal()
        # 1. government
        if not first:
            self.government.step()
        # 2. support
        self.trust_signal *= p.support_memory
        self.control_signal *= p.support_memory
        for body in self.support_bodies:
            body.deliver(self.trust_signal, self.control_signal)
        self.staff.train_digital(p.digital_programme_reach / 4.0, p.digital_programme_gain, rng)
        if p.digital_programme_reach > 0:
            hit = rng.random(self.n_workplaces) < p.digital_programme_reach / 4.0
            self.mgr_digital[hit] += p.digital_programme_gain * (1.0 - self.mgr_digital[hit])
        # 3. managers
        if not first:
            self._update_managers()
        d_wp = self.detail[self.wp_agency]
        o = self.orientation
        granted = np.clip(
            o * (1.0 - p.detail_autonomy_cut * d_wp) + AUTONOMY_BASE + LEADER_BONUS * self.leader,
            0.0,
            1.0,
        )
        blame = np.minimum(BLAME_MAX, BLAME_PER_FAILURE * self.wp_failures * (1.0 - o))
        safety_target = np.clip(SAFETY_BASE + SAFETY_PER_TRUST * o - blame, 0.0, 1.0)
        crowding = p.crowding_out * d_wp * (1.0 - o)
        self.wp_admin = np.minimum(
            1.0, p.admin_base + p.admin_per_detail * d_wp * (1.0 - p.trust_shielding * o)
        )
        # 4. staff
        st = self.staff
        if not first:
            st.turnover(p.turnover / 4.0, rng)
        st.update(granted, safety_target, crowding, p.autonomy_speed, p.safety_speed, first=first)
        # 5–7. ideas, experiments, diffusion
        if first:
            self._record_climate()
            return
        self._ideas_and_experiments(t)
        self._record_climate()

    def _update_managers(self) -> None:
        """Manager orientation (ODD submodel 3).

        do = steering_pull · ((1 - detail_a) - o)
           + support_effect · net · (1 - o if net > 0 else o)
           + peer_influence · (peer - o)
           + outcome_effect · (successes - outcome_asymmetry · incidents)
           - scandal_fear · V
        with peer = peer_norm_low + (peer_norm_high - peer_norm_low)
                    · logistic(peer_steepness · (f - peer_threshold)),
        f the mean orientation of network neighbours, V the visible incidents per 1 000 staff
        the government reacted to this quarter (national media), and
        net = (T - C) · (1 - conflict_blunting · 2 min(T, C) / (T + C)) from the support memory.
        """
        p, o = self.p, self.orientation
        d_wp = self.detail[self.wp_agency]
        T, C = self.trust_signal[self.wp_agency], self.control_signal[self.wp_agency]
        total = T + C
        conflict = np.divide(
            2.0 * np.minimum(T, C), total, out=np.zeros_like(total), where=total > 0
        )
        net = (T - C) * (1.0 - p.conflict_blunting * conflict)
        f = self.neighbour_mean @ o
        tipped = 1.0 / (1.0 + np.exp(-p.peer_steepness * (f - p.peer_threshold)))
        peer = p.peer_norm_low + (p.peer_norm_high - p.peer_norm_low) * tipped
        delta = (
            p.steering_pull * ((1.0 - d_wp) - o)
            + p.support_effect * net * np.where(net > 0, 1.0 - o, o)
            + p.peer_influence * (peer - o)
            + p.outcome_effect * (self.wp_successes - p.outcome_asymmetry * self.wp_incidents)
            - p.scandal_fear * self.government.visible_seen
        )
        np.clip(o + delta, 0.0, 1.0, out=o)

    def _time_gate(self, admin_load):
        """p_time = min(1, (max(0, 1 - core_work_share - admin_load) + slack) / time_needed)."""
        p = self.p
        free = np.maximum(0.0, 1.0 - p.core_work_share - admin_load) + self.slack
        return np.minimum(1.0, free / p.time_needed)

    def _ideas_and_experiments(self, t: int) -> None:
        """Ideas, experiments, incidents, national experiments and diffusion (ODD submodels 5–7)."""
        p, rng, st = self.p, self.rng, self.staff
        nw = self.n_workplaces
        wp = st.wp
        # 5. ideas: lambda_i = idea_rate/4 · motivation · (0.5 + skill); gates: time, voice
        # free time and p_time are workplace values (admin load is set per workplace), so the
        # per-person work is only lambda_i and lambda_i · p_voice_i, summed per workplace
        lam = (p.idea_rate / 4.0) * st.motivation * (0.5 + st.skill)
        p_voice = p.voice_floor + (1.0 - p.voice_floor) * 0.5 * (st.autonomy + st.safety)
        lam_wp = np.bincount(wp, weights=lam, minlength=nw)
        lam_voiced_wp = np.bincount(wp, weights=lam * p_voice, minlength=nw)
        p_time = self._time_gate(self.wp_admin)
        through_time = lam_wp * p_time
        voiced = lam_voiced_wp * p_time
        self.blocked_by_time = self.per_1000_year((lam_wp - through_time).sum())
        # the part of the time gate's losses that control causes: ideas that would pass with only
        # the reporting load of no detailed steering (admin_base) but do not pass now (P1)
        p_time_uncontrolled = self._time_gate(p.admin_base)
        self.time_lost_to_control = self.per_1000_year(
            (lam_wp * np.maximum(0.0, p_time_uncontrolled - p_time)).sum()
        )
        self.blocked_by_voice = self.per_1000_year((through_time - voiced).sum())
        ideas = rng.poisson(voiced)
        # sort ideas: cross-agency, rule-blocked, local
        wag = self.wp_agency
        reg = self.regulation[wag]
        cross = rng.binomial(ideas, p.cross_agency_share)
        rule = rng.binomial(ideas - cross, reg)
        local = ideas - cross - rule
        cross_rule = rng.binomial(cross, np.minimum(1.0, reg * p.cross_rule_factor))
        # rule-blocked ideas need dispensation (C12)
        if p.dispensation:
            # C13: without dedicated funding agencies can rarely carry a regulatory experiment
            funded = p.experimentation_funding_msek > 0
            grant = p.dispensation_grant * (1.0 if funded else p.unfunded_dispensation_use)
            rule_ok = rng.binomial(rule, grant)
            cross_rule_ok = rng.binomial(cross_rule, grant)
        else:
            rule_ok = np.zeros_like(rule)
            cross_rule_ok = np.zeros_like(cross_rule)
        # cross-agency ideas need RUM (C10)
        cross_ok = cross - cross_rule + cross_rule_ok
        if self.rum is not None:
            cross_taken = rng.binomial(cross_ok, self.rum.uptake)
        else:
            cross_taken = np.zeros_like(cross)
        self.blocked_by_rules = self.per_1000_year(
            (rule - rule_ok).sum() + (cross_rule - cross_rule_ok).sum()
        )
        self.rule_blocked_ideas = self.blocked_by_rules
        self.stuck_cross_agency = self.per_1000_year((cross_ok - cross_taken).sum())
        # 6. experiments start with approval and slack (money)
        o = self.orientation
        approve = np.minimum(
            1.0, p.approval_floor + (1.0 - p.approval_floor) * o + LEADER_BONUS * self.leader
        )
        money = MONEY_FLOOR + (1.0 - MONEY_FLOOR) * min(1.0, self.slack / SLACK_FOR_FULL_MONEY)
        candidates = local + rule_ok
        started = rng.binomial(candidates, approve * money)
        cross_started = rng.binomial(cross_taken, money)  # RUM hosts; money still needed
        self.blocked_by_approval = self.per_1000_year(
            (candidates - started).sum() + (cross_taken - cross_started).sum()
        )
        grassroots = self.scheme.step() if self.scheme is not None else 0
        share_rule = rule_ok / np.maximum(1, candidates)
        self._start_experiments(started, share_rule, cross_started, grassroots)
        self.experiments_started = self.per_1000_year(
            started.sum() + cross_started.sum() + grassroots
        )
        successes, failures, incidents, resolved = self._run_experiments(t)
        # operational incidents, independent of experiments
        incidents = incidents + rng.poisson(p.operational_incidents / 4000.0 * self.wp_size)
        # 7. diffusion: adoption by neighbours ("new to the workplace" counts, Innovationsbarometern)
        exposure = self.neighbour_mean @ successes
        mean_autonomy = np.bincount(wp, weights=st.autonomy, minlength=nw) / self.wp_size
        absorb = ABSORB_FLOOR + (1.0 - ABSORB_FLOOR) * mean_autonomy
        p_adopt = 1.0 - np.exp(-p.diffusion_rate * exposure * absorb)
        adopted = rng.random(nw) < p_adopt
        innovations = successes + adopted
        self.last_innovation[innovations > 0] = t
        self.wp_successes, self.wp_failures, self.wp_incidents = successes, failures, incidents
        # rules drift back toward their initial complexity (new technology, Komet)
        self.regulation += p.rule_obsolescence * (self.regulation0 - self.regulation)
        # 8. outputs (rates per 1 000 staff per year)
        n_innov = float(innovations.sum())
        n_inc = float(incidents.sum())
        self.innovations_total += n_innov
        self.innovation_rate = self.per_1000_year(n_innov)
        self.incident_rate = self.per_1000_year(n_inc)
        self.experiments_failed = self.per_1000_year(failures.sum())
        self.cross_agency_resolved = self.per_1000_year(resolved)
        visible = rng.binomial(int(n_inc), p.visible_share) if n_inc else 0
        self.visible_last_per_1000 = visible * 1000.0 / self.n_staff
        self.programme_cost_msek = self._programme_cost()  # support bodies' agents may be changed
        national_per_year = self.innovation_rate / 1000.0 * self.world.full_staff
        self.innovations_per_msek = (
            national_per_year / self.programme_cost_msek
            if self.programme_cost_msek >= MIN_COST_MSEK
            else 0.0
        )

    def _start_experiments(self, started, share_rule, cross_started, grassroots: int) -> None:
        p, rng = self.p, self.rng
        n_local = int(started.sum())
        n_cross = int(cross_started.sum())
        wps = [
            np.repeat(np.arange(self.n_workplaces), started),
            np.repeat(np.arange(self.n_workplaces), cross_started),
        ]
        # which of the started local experiments ride on a dispensation
        is_rule = rng.random(n_local) < share_rule[wps[0]] if n_local else np.zeros(0, bool)
        flags = [np.where(is_rule, RULE, 0), np.full(n_cross, CROSS)]
        if grassroots:
            gw = rng.choice(self.n_workplaces, size=grassroots, p=self.wp_size / self.n_staff)
            wps.append(gw)
            flags.append(np.full(grassroots, FUNDED | (RULE if p.dispensation else 0)))
        new_wp = np.concatenate(wps)
        new_flags = np.concatenate(flags).astype(np.int64)
        method = rng.random(len(new_wp)) < p.method_support
        new_flags |= np.where(method, METHOD, 0)
        dur = 1 + rng.poisson(p.experiment_quarters - 1.0, size=len(new_wp))
        self.exp_wp = np.concatenate([self.exp_wp, new_wp])
        self.exp_left = np.concatenate([self.exp_left, dur])
        self.exp_flags = np.concatenate([self.exp_flags, new_flags])

    def _run_experiments(self, t: int):
        """Advance experiments one quarter; cut at budget-year boundaries; complete (ODD 6)."""
        p, rng = self.p, self.rng
        nw = self.n_workplaces
        cut_count = 0
        if t % 4 == 0 and len(self.exp_left):
            # C1: unfunded experiments crossing the budget-year boundary risk being cut,
            # less so with a longer budget horizon: p_cut = horizon_cut / horizon_years
            exposed = (self.exp_flags & FUNDED) == 0
            cut = exposed & (
                rng.random(len(self.exp_left)) < p.horizon_cut / p.budget_horizon_years
            )
            cut_count = int(cut.sum())
            keep = ~cut
            self.exp_wp, self.exp_left, self.exp_flags = (
                self.exp_wp[keep],
                self.exp_left[keep],
                self.exp_flags[keep],
            )
        self.cut_by_budget_horizon = self.per_1000_year(cut_count)
        self.exp_left -= 1
        done = self.exp_left <= 0
        dwp, dflags = self.exp_wp[done], self.exp_flags[done]
        keep = ~done
        self.exp_wp, self.exp_left, self.exp_flags = (
            self.exp_wp[keep],
            self.exp_left[keep],
            self.exp_flags[keep],
        )
        # success probability: competence, method support (C8), innovation leaders
        skill_wp = np.bincount(self.staff.wp, weights=self.staff.skill, minlength=nw) / self.wp_size
        has_method = (dflags & METHOD) > 0
        p_success = np.clip(
            p.base_success
            + SKILL_SUCCESS * (skill_wp[dwp] - 0.5)
            + p.method_success_gain * has_method
            + LEADER_SUCCESS * self.leader[dwp],
            0.0,
            1.0,
        )
        win = rng.random(len(dwp)) < p_success
        # a failure becomes an incident with probability risk · (1 - method) · (1 - control catch)
        ag = self.wp_agency[dwp]
        p_incident = (
            self.risk[ag]
            * (1.0 - p.method_incident_reduction * has_method)
            * (1.0 - p.control_catch * self.detail[ag])
        )
        incident = ~win & (rng.random(len(dwp)) < p_incident)
        successes = np.bincount(dwp[win], minlength=nw).astype(float)
        failures = np.bincount(dwp[~win], minlength=nw).astype(float)
        incidents = np.bincount(dwp[incident], minlength=nw).astype(float)
        resolved = int((win & ((dflags & CROSS) > 0)).sum())
        return successes, failures, incidents, resolved

    def _record_climate(self) -> None:
        """Staff-level outputs: experimentation culture (C2) and admin burden."""
        p, st = self.p, self.staff
        recent = (self.steps - self.last_innovation) < RECENT_QUARTERS
        w_a, w_s, w_m, w_r = CLIMATE_WEIGHTS
        climate = w_a * st.autonomy + w_s * st.safety + w_m * st.motivation + w_r * recent[st.wp]
        # a person perceives the culture with probability logistic(steepness · (climate - threshold));
        # compared on the logit scale against the person's fixed threshold (ODD submodel 4)
        z = p.culture_steepness * (climate - p.culture_threshold)
        self.experimentation_culture = float(np.count_nonzero(st.perception < z) / self.n_staff)
        self.admin_burden = float((self.wp_admin * self.wp_size).sum() / self.n_staff)
        self.trust_orientation = float(self.orientation.mean())
        self.steering_detail = float(self.detail.mean())
        window = (self.steps - self.last_innovation) < WINDOW_QUARTERS
        self.workplaces_innovating_2y = float(window.mean())

    # ------------------------------------------------------------------ convenience
    @property
    def quarter(self) -> int:
        return int(self.steps)

    def outputs(self):
        """The collected outputs as a DataFrame, one row per quarter (quarter 0 = initial state)."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index.name = "quarter"
        return df
