"""TrustModel: wiring, the spin-up, the quarterly schedule and data collection (ODD §3).

One step is one quarter. A run first spins up under baseline settings (every lever at its default)
for `spinup_years`, so that it starts from the baseline's steady state; the scenario's levers switch
on at quarter 0 of the reported series. Order within a quarter (ODD §3):
 1. Governments update steering detail and reporting demands (ratchets on last quarter's visible
    incidents): the state's for agencies; municipal and regional leaderships for their own
    organisations, with a share of the state's steering reaching them through national regulation.
 2. Support bodies deliver support by domain (leadership, budget, digital); the digital competence
    programme trains staff and managers.
 3. Managers turn over, update trust orientation, grant autonomy.
 4. Staff turn over, then update autonomy, psychological safety, motivation and admin load.
 5. Ideas arise and are sorted: local, cross-agency (needs RUM), rule-blocked (needs dispensation).
 6. Experiments start (managers screen ideas by quality), run, may be cut at a budget-year boundary,
    and end as success or failure; errors may become incidents unless caught; national experiments
    may modernise rules.
 7. Innovations diffuse to neighbouring workplaces.
 8. Outputs are recorded, weighted to real head counts.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import networks
from .agents import (
    Agency,
    ExperimentationScheme,
    Government,
    Manager,
    MethodSupport,
    Rum,
    support_bodies,
)
from .params import ParameterError, Params
from .staff import StaffPopulation
from .worlds import MUNICIPALITY, REGION, STATE_AGENCY, World, build_teams, build_world

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
    "innovation_value",
    "reporting_demands",
)
# What each output means, with its unit (CLI, reports, app)
OUTPUT_LABELS = {
    "innovation_rate": "innovations per 1 000 staff per year",
    "workplaces_innovating_2y": "share of work sites innovating in 2 years",
    "experimentation_culture": "share of staff perceiving an experimentation culture",
    "admin_burden": "share of staff time on control and reporting",
    "incident_rate": "incidents per 1 000 staff per year",
    "trust_orientation": "mean manager trust orientation (0 control, 1 trust)",
    "steering_detail": "mean detail of steering received by organisations",
    "cross_agency_resolved": "cross-agency issues resolved per 1 000 staff per year",
    "rule_blocked_ideas": "rule-blocked ideas per 1 000 staff per year",
    "programme_cost_msek": "programme cost, MSEK per year",
    "innovation_value": "value of innovations per 1 000 staff per year (1 = a median idea)",
    "reporting_demands": "mean reporting demands on organisations",
}
# Further diagnostics: the blocker accounting (P1) and the experiment counts. (Innovations per MSEK
# is a paired figure, the increment over a baseline run: `trustsim.analysis.summarise`.)
DIAGNOSTICS = (
    "experiments_started",
    "experiments_failed",
    "blocked_by_time",
    "blocked_by_voice",
    "blocked_by_approval",
    "blocked_by_rules",
    "stuck_cross_agency",
    "cut_by_budget_horizon",
    "time_lost_to_control",
    "time_lost_to_experiments",
    "adopted_share",
    "success_share",
    "sites_developing_share",
)
BLOCKERS = (
    "blocked_by_time",
    "blocked_by_voice",
    "blocked_by_approval",
    "blocked_by_rules",
    "stuck_cross_agency",
    "cut_by_budget_horizon",
)

# Structural constants (each with the reason it is structural; the functional-form coefficients
# of 0.2.3 are parameters now, see params.py and docs/ODD.md §8-9)
MEAN_DIGITAL = 0.4  # the mean of digital competence's Beta(4, 6): managers above it raise success
WINDOW_QUARTERS = 8  # Innovationsbarometern's question: innovation in the last two years
MIN_COST_MSEK = 0.001  # below 1 000 SEK a year there is no programme to divide by (analysis)

# Flags of an experiment
CROSS, FUNDED, METHOD = 2, 4, 8
# Sectors with their own steering (ratchet): state agencies, municipalities, regions
SECTORS = (STATE_AGENCY, MUNICIPALITY, REGION)
# Random streams: one per submodel and quarter (common random numbers between scenarios)
STREAMS = (
    "world", "managers0", "staff0", "government", "support", "digital", "managers", "staff",
    "ideas", "experiments", "incidents", "scheme", "diffusion", "switch",
)
# Channels through which a reform's change can reach the outcomes (docs/channels.md). A channel
# that is "off" holds its input at the spun-up baseline's value when the levers switch on (quarter
# 0), so the reform's change cannot pass through it; everything else runs as usual.
CHANNEL_GROUPS = {
    # where the managers' trust orientation acts (ODD 7.3-7.6)
    "orientation": ("autonomy", "safety", "approval", "crowding_out", "shielding", "blame"),
    # innovation slack and the budget horizon (C1, C3)
    "slack": ("free_time", "money", "budget_cuts"),
    # the support bodies' signals (C4-C7)
    "support": ("support_orientation", "reporting_relief"),
    # the government's steering as workplaces and managers meet it
    "steering": ("detail", "reporting", "steering_pull"),
    # recruited managers copy their organisation's prevailing orientation (March 1991)
    "norm": ("recruit_norm",),
}
CHANNELS = tuple(c for group in CHANNEL_GROUPS.values() for c in group)
SPINUP_CACHE_SIZE = 8  # spin-ups kept per process (each a pickled state)
SPINUP_CACHE_MAX_STAFF = 400_000  # larger worlds are spun up every time (memory)


class _SpinupCache:
    """Spun-up states by (world, scale, seed, non-lever parameters), shared by every scenario of a
    sweep in one process; values are immutable pickles, so sessions and threads cannot interfere."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value: bytes) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


SPINUPS = _SpinupCache(SPINUP_CACHE_SIZE)

# Model state that the dynamics read and write (everything a spin-up must hand on)
STATE = (
    "regulation", "detail", "reporting", "ratchet", "trust_signal", "control_signal",
    "orientation", "leader", "mgr_digital", "last_innovation", "wp_successes", "wp_failures",
    "wp_incidents", "staff", "exp_wp", "exp_left", "exp_flags", "exp_quality", "visible_by_sector",
    "injected", "t", "spinup_rows", "visible_seen", "wp_admin",
)


class TrustModel(mesa.Model):
    """Trust-based versus control-based steering of the Swedish public sector.

    Args:
        world: "teaching", "state" or "public-sector".
        scale: share of each organisation's teams represented (1 = one agent per person).
        rng: seed (int) or numpy Generator; the same seed gives bit-identical outputs.
        params: a mapping or `Params` of parameter overrides.
        show_spinup: keep the spin-up's quarters in `outputs()` (negative quarters).
        channels_off: channels (names in `CHANNELS`) whose input is held at its quarter-0 value,
            the spun-up baseline's, for the channel decomposition (docs/channels.md).
        **overrides: further parameter overrides by name (see docs/ODD.md).
    """

    def __init__(
        self,
        world: str = "teaching",
        scale: float = 1.0,
        rng: Any = None,
        params: Mapping[str, Any] | Params | None = None,
        seed: int | None = None,
        show_spinup: bool = False,
        channels_off: Any = (),
        **overrides: Any,
    ) -> None:
        # Validate everything before building anything (nothing is half-built on bad input).
        channels_off = check_channels(channels_off)
        p = Params({**dict(params or {}), **overrides})
        w = build_world(world, scale)
        rng = rng if rng is not None else seed
        super().__init__(rng=rng)
        self.seed = _root_seed(rng)
        self.world, self.world_name, self.scale = w, w.name, w.scale
        self.show_spinup = show_spinup
        self.channels_off = frozenset()  # the spin-up runs with every channel on
        self.p = p.baseline()  # the spin-up runs under baseline settings
        self._init_structure(w)
        self._spin_up()
        self.held = self._channel_inputs() if channels_off else {}
        self.channels_off = channels_off
        self.p = p  # quarter 0: the scenario's levers switch on
        self._switch_levers()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: name for name in OUTPUTS + DIAGNOSTICS}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ random streams
    def stream(self, name: str) -> np.random.Generator:
        """The generator of submodel `name` in the current quarter: SeedSequence((seed, submodel,
        quarter)). A change in one submodel or quarter never shifts another's draws."""
        return np.random.default_rng([self.seed, STREAMS.index(name), self.t + 100_000])

    # ------------------------------------------------------------------ initialisation
    def _init_structure(self, w: World) -> None:
        """Organisations, teams, work sites, networks: fixed for the run (ODD §5)."""
        p = self.p
        self.t = -4 * p.spinup_years  # quarter of the reported series (negative in the spin-up)
        rng = self.stream("world")
        n = self.n_agencies = len(w.sizes)
        self.agency_size, self.agency_kind = w.sizes, w.kinds
        kind_risk = np.select(
            [w.kinds == MUNICIPALITY, w.kinds == REGION],
            [p.kind_risk_municipality, p.kind_risk_region],
            1.0,
        )
        self.risk = np.clip(p.sector_risk * kind_risk * rng.uniform(0.5, 1.5, n), 0, 1)
        self.regulation0 = np.clip(p.regulatory_complexity * rng.uniform(0.5, 1.5, n), 0, 0.95)
        spread = p.steering_spread
        self.detail_factor = rng.uniform(1 - spread, 1 + spread, n)
        self.reporting_factor = rng.uniform(1 - spread, 1 + spread, n)
        self.agency_graph = networks.agency_graph(n, int(rng.integers(2**31)))
        # teams (workplaces) and work sites, weighted back to real head counts
        teams = build_teams(w, p.span_of_control, self.teams_per_site())
        self.teams = teams
        self.n_workplaces = nw = len(teams.org)
        self.wp_agency = teams.org
        self.wp_size = teams.size.astype(float)
        self.wp_weight = teams.org_weight[teams.org]  # real people per modelled person
        self.wp_real = self.wp_weight * self.wp_size  # real staff each modelled team stands for
        self.real_staff = float(self.wp_real.sum())  # = the world's real head count
        self.n_staff = int(teams.size.sum())  # modelled people
        self.wp_site, self.site_weight = teams.site, teams.site_weight
        self.n_sites = len(teams.site_weight)
        real_teams = np.maximum(1, np.ceil(w.sizes / p.span_of_control)).astype(np.int64)
        self.collaboration_graph, self.adjacency, influence = networks.workplace_graph(
            self.wp_agency, self.agency_graph, rng, real_teams,
            ring_neighbours=p.ring_neighbours, rewire=p.rewire, cross_link_share=p.cross_link_share,
        )
        self.neighbour_mean = networks.row_normalised(influence)
        self.wp_kind = w.kinds[self.wp_agency]
        self.agencies = [Agency(self, i, w.names[i]) for i in range(n)]
        self.managers = [Manager(self, i) for i in range(nw)]
        self.government = Government(self)
        self.programme_cost_msek = 0.0

    def teams_per_site(self) -> np.ndarray:
        """Teams per work site of each organisation, by its kind: round(site staff /
        span_of_control), at least 1; state_site_staff for state agencies, local_site_staff for
        municipalities and regions."""
        p = self.p
        staff = np.where(
            self.world.kinds == STATE_AGENCY, p.state_site_staff, p.local_site_staff
        )
        return np.maximum(1, np.round(staff / p.span_of_control)).astype(np.int64)

    def _init_state(self) -> None:
        """Dynamic state at the start of the spin-up (ODD §5)."""
        p, nw = self.p, self.n_workplaces
        self.regulation = self.regulation0.copy()
        self.ratchet = np.zeros(len(SECTORS))
        self.visible_by_sector = np.zeros(len(SECTORS))
        self.visible_seen = np.zeros(len(SECTORS))  # what the governments reacted to (7.1)
        self.injected = 0.0
        self.detail, self.reporting = self._steering_targets()
        self.trust_signal = np.zeros((self.n_agencies, 3))  # support memory by domain, toward trust
        self.control_signal = np.zeros((self.n_agencies, 3))  # ... toward control
        rng = self.stream("managers0")
        trust = rng.random(nw) < p.spinup_trust_share
        self.orientation = np.where(trust, rng.uniform(0.6, 0.9, nw), rng.uniform(0.1, 0.4, nw))
        self.leader = rng.random(nw) < p.innovation_leader_share
        self.mgr_digital = rng.beta(4.0, 6.0, nw)
        self.last_innovation = np.full(nw, -10**6, dtype=np.int64)
        self.wp_successes = np.zeros(nw)
        self.wp_failures = np.zeros(nw)
        self.wp_incidents = np.zeros(nw)
        wp = np.repeat(np.arange(nw), self.teams.size)
        self.staff = StaffPopulation.create(wp, self.wp_agency[wp], self.stream("staff0"))
        self.exp_wp = np.zeros(0, dtype=np.int64)
        self.exp_left = np.zeros(0, dtype=np.int64)
        self.exp_flags = np.zeros(0, dtype=np.int64)
        self.exp_quality = np.zeros(0)
        self.spinup_rows: list[dict] = []
        self._init_actors()
        self._outputs_to_zero()
        self._quarter(first=True)

    def _spin_up(self) -> None:
        """Run `spinup_years` under baseline settings, or restore the same spin-up from the cache."""
        key = (self.world_name, self.scale, self.seed, tuple(sorted(self.p.items())))
        cached = SPINUPS.get(key) if self.world.staff <= SPINUP_CACHE_MAX_STAFF else None
        if cached is not None:
            for name, value in pickle.loads(cached).items():
                setattr(self, name, value)
            self._init_actors()
            return
        self._init_state()
        while self.t < 0:
            self.t += 1
            self._quarter()
            if self.t < 0:  # quarter 0 is the reported series' first row; rows are kept (and
                self.spinup_rows.append(self._row())  # cached) whether or not they are shown
        if self.world.staff <= SPINUP_CACHE_MAX_STAFF:
            state = {name: getattr(self, name) for name in STATE}
            state.update({name: getattr(self, name) for name in OUTPUTS + DIAGNOSTICS})
            SPINUPS.put(key, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))

    def _init_actors(self) -> None:
        """The support bodies, RISE, RUM and Vinnova's scheme, as the parameters in force say.
        (The spin-up runs with every lever at its default, so it never has national experiments
        under way to hand on: experimentation funding is a lever.)"""
        p = self.p
        self.support_bodies = support_bodies(self)
        self.rise = MethodSupport(self, p.method_support)
        self.rum = Rum(self, p.rum_uptake) if p.rum else None
        self.scheme = ExperimentationScheme(self) if p.experimentation_funding_msek > 0 else None
        self.slack = (
            p.innovation_slack + p.slack_per_horizon_year * (p.budget_horizon_years - 1)
        ) * (1.0 - p.earmarking_share)

    def _switch_levers(self) -> None:
        """Quarter 0: the scenario's levers take effect on the spun-up system."""
        p, nw = self.p, self.n_workplaces
        for agent in (*self.support_bodies, self.rise, self.rum, self.scheme):
            if agent is not None:
                agent.remove()
        self._init_actors()
        rng = self.stream("switch")
        if p.innovation_leader_share != self.p.baseline().innovation_leader_share:
            self.leader = rng.random(nw) < p.innovation_leader_share
        if p.initial_trust_share >= 0:  # P8: set the share of trust-oriented managers now
            trust = rng.random(nw) < p.initial_trust_share
            self.orientation = np.where(
                trust, rng.uniform(0.6, 0.9, nw), rng.uniform(0.1, 0.4, nw)
            )
            self.trust_orientation = self._weighted_mean(self.orientation)
        self.programme_cost_msek = self._programme_cost()

    def _outputs_to_zero(self) -> None:
        for name in OUTPUTS + DIAGNOSTICS:
            setattr(self, name, 0.0)

    # ------------------------------------------------------------------ channels (docs/channels.md)
    def _channel_inputs(self) -> dict[str, Any]:
        """Each channel's input in the spun-up baseline state, before the levers switch on."""
        o, org = self.orientation.copy(), self.wp_agency
        norm = np.bincount(org, weights=o, minlength=self.n_agencies) / np.bincount(
            org, minlength=self.n_agencies
        )
        relief = self._relief()
        held = dict.fromkeys(CHANNEL_GROUPS["orientation"], o)
        held.update(
            free_time=self.slack, money=self.slack, budget_cuts=self.p.budget_horizon_years,
            support_orientation=(self.trust_signal.copy(), self.control_signal.copy()),
            reporting_relief=relief, detail=self.detail.copy(), reporting=self.reporting.copy(),
            steering_pull=self.detail.copy(), recruit_norm=norm,
        )
        return held

    def _held(self, channel: str, value: Any) -> Any:
        """`value`, or the channel's quarter-0 input when the channel is off."""
        return self.held[channel] if channel in self.channels_off else value

    # ------------------------------------------------------------------ helpers
    def per_1000_year(self, counts: np.ndarray) -> float:
        """Per-workplace quarterly counts as a rate per 1 000 real staff per year."""
        return float(_dot(self.wp_weight, counts)) * 4000.0 / self.real_staff

    def _weighted_mean(self, values: np.ndarray) -> float:
        """Mean over workplaces weighted by the real teams each stands for."""
        return float(_dot(self.wp_weight * self.wp_size, values) / self.real_staff)

    def _steering_targets(self) -> tuple[np.ndarray, np.ndarray]:
        """Steering detail and reporting demands each organisation's steerer aims at (ODD 7.1)."""
        p, kinds = self.p, self.agency_kind
        share = p.national_regulation_share
        sector = np.array([SECTORS.index(int(k)) for k in kinds]) if len(set(kinds)) > 1 else None
        state_r = self.ratchet[0]
        local = kinds != STATE_AGENCY
        base_d = np.where(local, (1 - share) * p.local_steering_detail + share * p.steering_detail,
                          p.steering_detail)
        base_r = np.where(local, (1 - share) * p.local_steering_detail + share * p.reporting_demands,
                          p.reporting_demands)
        ratchet = np.full(len(kinds), state_r)
        if sector is not None:
            ratchet = np.where(local, self.ratchet[sector] + share * state_r, state_r)
        detail = np.clip(base_d * self.detail_factor + ratchet, 0.0, 1.0)
        reporting = np.clip(base_r * self.reporting_factor + ratchet, 0.0, 1.0)
        return detail, reporting

    def _programme_cost(self) -> float:
        """Annual cost of the reform programmes in force, MSEK per year at full scale."""
        p = self.p
        alignment_cost = (
            sum(max(0.0, b.alignment - 0.2) / 0.8 for b in self.support_bodies)
            * p.support_cost_msek
        )
        return float(
            alignment_cost
            + p.method_cost_msek * self.rise.share
            + p.digital_cost_msek * p.digital_programme_reach
            + (p.rum_cost_msek if p.rum else 0.0)
            + p.experimentation_funding_msek
        )

    def inject_scandal(self, size: float | None = None) -> None:
        """A visible scandal of `size` visible incidents per 1 000 staff, felt next step."""
        self.injected += self.p.scandal_size if size is None else float(size)

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        self.t += 1
        self._quarter()
        self.datacollector.collect(self)

    def _quarter(self, first: bool = False) -> None:
        p, t = self.p, self.t
        if p.scandal_quarter > 0 and t == p.scandal_quarter:
            self.inject_scandal()
        # 1. governments
        if not first:
            self.government.step()
        # 2. support by domain; digital competence programme (C9)
        self.trust_signal *= p.support_memory
        self.control_signal *= p.support_memory
        rng = self.stream("support")
        for body in self.support_bodies:
            body.deliver(self.trust_signal, self.control_signal, rng)
        if p.digital_programme_reach > 0:
            rng = self.stream("digital")
            self.staff.train_digital(p.digital_programme_reach / 4.0, p.digital_programme_gain, rng)
            hit = rng.random(self.n_workplaces) < p.digital_programme_reach / 4.0
            self.mgr_digital[hit] += p.digital_programme_gain * (1.0 - self.mgr_digital[hit])
        # 3. managers
        if not first:
            self._manager_turnover()
            self._update_managers()
        d_wp = self._held("detail", self.detail)[self.wp_agency]
        o, held = self.orientation, self._held  # held: the channel's quarter-0 input if it is off
        granted = np.clip(
            held("autonomy", o) * (1.0 - p.detail_autonomy_cut * d_wp)
            + p.autonomy_base + p.leader_bonus * self.leader,
            0.0,
            1.0,
        )
        blame = np.minimum(
            p.blame_max, p.blame_per_failure * self.wp_failures * (1.0 - held("blame", o))
        )
        safety_target = np.clip(
            p.safety_base + p.safety_per_trust * held("safety", o) - blame, 0.0, 1.0
        )
        crowding = p.crowding_out * d_wp * (1.0 - held("crowding_out", o))
        self.wp_admin = np.minimum(
            1.0,
            p.admin_base
            + p.admin_per_reporting * self._reporting_load()[self.wp_agency]
            * (1.0 - p.trust_shielding * held("shielding", o)),
        )
        # 4. staff: turnover (newcomers start at the workplace's targets), then the update
        st = self.staff
        if not first:
            st.turnover(p.turnover / 4.0, self.stream("staff"), granted, safety_target)
        st.update(granted, safety_target, crowding, p.autonomy_speed, p.safety_speed, first=first)
        # 5–7. ideas, experiments, diffusion
        if not first:
            self._ideas_and_experiments(t)
        self._record_climate()

    def _reporting_load(self) -> np.ndarray:
        """Reporting demands as organisations meet them: budget- and digital-domain support
        changes what they must report (C5): r · (1 - support_reporting_effect · clip(net, -1, 1)),
        net = trust minus control signal held in the budget and digital domains."""
        reporting = self._held("reporting", self.reporting)  # docs/channels.md
        return np.clip(reporting * self._held("reporting_relief", self._relief()), 0.0, 1.0)

    def _relief(self) -> np.ndarray:
        """The factor support puts on reporting demands: 1 - support_reporting_effect ·
        clip(net, -1, 1), net the trust minus control signal in the budget and digital domains."""
        net = (self.trust_signal[:, 1:] - self.control_signal[:, 1:]).sum(axis=1)
        return 1.0 - self.p.support_reporting_effect * np.clip(net, -1.0, 1.0)

    def _manager_turnover(self) -> None:
        """A share manager_turnover / 4 of managers leave each quarter; a recruit takes the
        prevailing orientation of the organisation's managers + U(-recruit_spread, recruit_spread)
        (March 1991), a fresh digital competence and the innovation-leader role with its share.
        The recruit inherits the workplace's record of last quarter (successes, failures,
        incidents), which the outcome and blame terms read in the next update (ODD 7.3)."""
        p, nw = self.p, self.n_workplaces
        rng = self.stream("managers")
        leave = np.flatnonzero(rng.random(nw) < p.manager_turnover / 4.0)
        if not len(leave):
            return
        org = self.wp_agency
        norm = np.bincount(org, weights=self.orientation, minlength=self.n_agencies) / np.bincount(
            org, minlength=self.n_agencies
        )
        norm = self._held("recruit_norm", norm)
        k = len(leave)
        noise = rng.uniform(-p.recruit_spread, p.recruit_spread, k)
        self.orientation[leave] = np.clip(norm[org[leave]] + noise, 0.0, 1.0)
        self.mgr_digital[leave] = rng.beta(4.0, 6.0, k)
        self.leader[leave] = rng.random(k) < p.innovation_leader_share

    def _update_managers(self) -> None:
        """Manager orientation (ODD submodel 7.3).

        do = steering_pull · ((1 - detail_a) - o)
           + support_effect · net · (1 - o if net > 0 else o)
           + peer_influence · (peer - o)
           + outcome_effect · (successes - outcome_asymmetry · incidents)
           - scandal_fear · V_sector
        with peer = peer_norm_low + (peer_norm_high - peer_norm_low)
                    · logistic(peer_steepness · (f - peer_threshold)),
        f the mean orientation of network neighbours, V the visible incidents per 1 000 staff of
        the workplace's sector that its steerer reacted to this quarter, and
        net = (T - C) · (1 - conflict_blunting · 2 min(T, C) / (T + C)), T and C the support memory
        summed over domains.
        """
        p, o = self.p, self.orientation
        wag = self.wp_agency
        d_wp = self._held("steering_pull", self.detail)[wag]
        trust_signal, control_signal = self._held(
            "support_orientation", (self.trust_signal, self.control_signal)
        )
        T = trust_signal.sum(axis=1)[wag]
        C = control_signal.sum(axis=1)[wag]
        total = T + C
        conflict = np.divide(
            2.0 * np.minimum(T, C), total, out=np.zeros_like(total), where=total > 0
        )
        net = (T - C) * (1.0 - p.conflict_blunting * conflict)
        f = self.neighbour_mean @ o
        tipped = 1.0 / (1.0 + np.exp(-p.peer_steepness * (f - p.peer_threshold)))
        peer = p.peer_norm_low + (p.peer_norm_high - p.peer_norm_low) * tipped
        seen = self.government.visible_seen[self._wp_sector()]
        delta = (
            p.steering_pull * ((1.0 - d_wp) - o)
            + p.support_effect * net * np.where(net > 0, 1.0 - o, o)
            + p.peer_influence * (peer - o)
            + p.outcome_effect * (self.wp_successes - p.outcome_asymmetry * self.wp_incidents)
            - p.scandal_fear * seen
        )
        np.clip(o + delta, 0.0, 1.0, out=o)

    def _wp_sector(self) -> np.ndarray:
        return np.searchsorted(SECTORS, self.wp_kind)

    def _time_gate(self, admin_load, busy):
        """p_time = min(1, (max(0, 1 - core_work_share - admin_load - busy) + slack) / time_needed),
        busy = experiment_effort · running experiments / staff of the workplace."""
        p = self.p
        free = np.maximum(0.0, 1.0 - p.core_work_share - admin_load - busy) + self._held(
            "free_time", self.slack
        )
        return np.minimum(1.0, free / p.time_needed)

    def _ideas_and_experiments(self, t: int) -> None:
        """Ideas, experiments, incidents, national experiments and diffusion (ODD submodels 5–7)."""
        p, st = self.p, self.staff
        nw = self.n_workplaces
        wp = st.wp
        rng = self.stream("ideas")
        # 5. ideas: lambda_i = idea_rate/4 · motivation · (0.5 + skill); gates: time, voice
        lam = (p.idea_rate / 4.0) * st.motivation * (0.5 + st.skill)
        p_voice = p.voice_floor + (1.0 - p.voice_floor) * 0.5 * (st.autonomy + st.safety)
        # kept for the survey statistics (trustsim.calibrate.survey): ideas a person does not voice
        self.staff_unvoiced = lam * (1.0 - p_voice)
        self.staff_p_voice = p_voice
        lam_wp = np.bincount(wp, weights=lam, minlength=nw)
        lam_voiced_wp = np.bincount(wp, weights=lam * p_voice, minlength=nw)
        running = np.bincount(self.exp_wp, minlength=nw)
        busy = p.experiment_effort * running / self.wp_size
        p_time = self._time_gate(self.wp_admin, busy)
        voiced = lam_voiced_wp * p_time
        # blocker accounting: expected ideas lost at each gate (ODD 7.5). Time and voice are two
        # gates every idea passes, in no natural order, so their losses are the order-free
        # (Shapley) shares of the joint loss lam (1 - p_time p_voice): the mean of the two orders,
        #   time  = (1 - p_time) (lam + lam_voiced) / 2,  voice = (1 + p_time) (lam - lam_voiced) / 2
        # (0.2.3 charged time first, which made it the largest blocker by construction, P1)
        time_share = 0.5 * (lam_wp + lam_voiced_wp)  # ideas the time gate's Shapley loss acts on
        self.blocked_by_time = self.per_1000_year((1.0 - p_time) * time_share)
        self.blocked_by_voice = self.per_1000_year(0.5 * (1.0 + p_time) * (lam_wp - lam_voiced_wp))
        # the part of the time gate's loss that control causes: what would pass with only the
        # reporting load of no detailed steering (admin_base) but does not pass now (P1); and the
        # part that running experiments take (both on the same Shapley footing as blocked_by_time)
        p_time_uncontrolled = self._time_gate(p.admin_base, busy)
        self.time_lost_to_control = self.per_1000_year(
            time_share * np.maximum(0.0, p_time_uncontrolled - p_time)
        )
        p_time_idle = self._time_gate(self.wp_admin, 0.0)
        self.time_lost_to_experiments = self.per_1000_year(
            time_share * np.maximum(0.0, p_time_idle - p_time)
        )
        ideas = rng.poisson(voiced)
        # sort ideas: cross-agency, rule-blocked, local
        reg = self.regulation[self.wp_agency]
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
        uptake = self.rum.uptake if self.rum is not None else 0.0
        cross_taken = rng.binomial(cross_ok, uptake)
        self.blocked_by_rules = self.per_1000_year(rule - rule_ok + cross_rule - cross_rule_ok)
        self.rule_blocked_ideas = self.blocked_by_rules
        self.stuck_cross_agency = self.per_1000_year(cross_ok - cross_taken)
        # 6. experiments start: managers approve the best ideas (a share approve_w), money permitting
        o = self.orientation
        o_approve = self._held("approval", o)
        approve = np.minimum(
            1.0, p.approval_floor + (1.0 - p.approval_floor) * o_approve + p.leader_bonus * self.leader
        )
        slack_money = self._held("money", self.slack)
        money = p.money_floor + (1.0 - p.money_floor) * min(1.0, slack_money / p.slack_for_full_money)
        candidates = local + rule_ok
        started = rng.binomial(candidates, approve * money)
        # RUM hosts cross-agency ideas; mission-tied ones (C11) bring co-funding, others need money
        mission = rng.binomial(cross_taken, p.mission_share)
        cross_started = mission + rng.binomial(cross_taken - mission, money)
        self.blocked_by_approval = self.per_1000_year(
            candidates - started + cross_taken - cross_started
        )
        rng_exp = self.stream("experiments")
        # C1: the budget-year cut meets the experiments under way at the boundary, before this
        # quarter's new ones start (an experiment started in a boundary quarter has spent no time)
        self._cut_at_budget_year(t, rng_exp)
        grassroots = self.scheme.step(rng_exp) if self.scheme is not None else 0.0
        self._start_experiments(started, approve, cross_started, uptake, grassroots, rng_exp)
        self.experiments_started = self.per_1000_year(started + cross_started) + (
            grassroots * 4000.0 / self.world.full_staff
        )
        successes, value, failures, incidents, expected, resolved = self._run_experiments(
            t, rng_exp
        )
        # operational incidents, independent of experiments; safe workplaces catch errors (C14)
        rng_inc = self.stream("incidents")
        safety_wp = np.bincount(wp, weights=st.safety, minlength=nw) / self.wp_size
        # operational errors are caught like failed experiments' errors: by control (detail of
        # the organisation's steering) and by psychological safety (ODD 7.6)
        detail_wp = self._held("detail", self.detail)[self.wp_agency]
        operational = p.operational_incidents / 4000.0 * self.wp_size * (
            (1.0 - p.control_catch * detail_wp) * (1.0 - p.safety_catch * safety_wp)
        )
        incidents = incidents + rng_inc.poisson(operational)
        expected = expected + operational
        # 7. diffusion: adoption by neighbours ("new to the workplace" counts, Innovationsbarometern)
        rng_dif = self.stream("diffusion")
        exposure = self.neighbour_mean @ successes
        value_exposure = self.neighbour_mean @ value
        mean_autonomy = np.bincount(wp, weights=st.autonomy, minlength=nw) / self.wp_size
        absorb = p.absorb_floor + (1.0 - p.absorb_floor) * mean_autonomy
        p_adopt = 1.0 - np.exp(-p.diffusion_rate * exposure * absorb)
        adopted = rng_dif.random(nw) < p_adopt
        adopted_value = np.divide(
            value_exposure, exposure, out=np.zeros(nw), where=exposure > 0
        ) * adopted
        innovations = successes + adopted
        self.last_innovation[innovations > 0] = t
        self.wp_successes, self.wp_failures, self.wp_incidents = successes, failures, incidents
        # rules drift back toward their initial complexity (new technology, Komet)
        self.regulation += p.rule_obsolescence * (self.regulation0 - self.regulation)
        # 8. outputs (rates per 1 000 real staff per year)
        self.innovation_rate = self.per_1000_year(innovations)
        n_innov = float(_dot(self.wp_weight, innovations))
        self.adopted_share = float(_dot(self.wp_weight, adopted)) / n_innov if n_innov else 0.0
        self.innovation_value = self.per_1000_year(value + adopted_value)
        self.incident_rate = self.per_1000_year(incidents)
        self.experiments_failed = self.per_1000_year(failures)
        done = float(_dot(self.wp_weight, successes + failures))
        self.success_share = float(_dot(self.wp_weight, successes)) / done if done else 0.0
        self.cross_agency_resolved = self.per_1000_year(resolved)
        self._national_visibility(expected, rng_inc)
        self.programme_cost_msek = self._programme_cost()  # support bodies' agents may be changed

    def _national_visibility(self, expected: np.ndarray, rng) -> None:
        """Visible incidents per 1 000 staff of each sector, drawn at national scale:
        Poisson(visible_share · national expected incidents of the sector), so the ratchet's
        noise does not depend on the model's scale."""
        sector = self._wp_sector()
        factor = self.world.national_factor
        incidents = np.bincount(sector, weights=self.wp_weight * expected, minlength=len(SECTORS))
        staff = np.bincount(sector, weights=self.wp_real, minlength=len(SECTORS))
        visible = rng.poisson(self.p.visible_share * incidents * factor)
        self.visible_by_sector = np.divide(
            visible * 1000.0, staff * factor, out=np.zeros(len(SECTORS)), where=staff > 0
        )

    def _start_experiments(self, started, approve, cross_started, uptake, grassroots, rng) -> None:
        """New experiments with their idea quality: approved ideas are the best share `approve_w`
        of a workplace's ideas, q ~ U(1 - approve_w, 1); RUM takes the best share `rum_uptake`."""
        p, nw = self.p, self.n_workplaces
        ids = np.arange(nw)
        local_wp = np.repeat(ids, started)
        cross_wp = np.repeat(ids, cross_started)
        q_local = 1.0 - approve[local_wp] * rng.random(len(local_wp))
        q_cross = 1.0 - uptake * rng.random(len(cross_wp))
        wps = [local_wp, cross_wp]
        flags = [np.zeros(len(local_wp), np.int64), np.full(len(cross_wp), CROSS)]
        quality = [q_local, q_cross]
        if grassroots > 0:
            # national grassroots experiments land in real workplaces in proportion to their staff
            n_g = rng.poisson(grassroots * self.wp_size / self.world.full_staff)
            g_wp = np.repeat(ids, n_g)
            wps.append(g_wp)
            flags.append(np.full(len(g_wp), FUNDED))
            quality.append(1.0 - p.funded_screen * rng.random(len(g_wp)))
        new_wp = np.concatenate(wps)
        new_flags = np.concatenate(flags).astype(np.int64)
        method = rng.random(len(new_wp)) < self.rise.share
        new_flags |= np.where(method, METHOD, 0)
        dur = 1 + rng.poisson(p.experiment_quarters - 1.0, size=len(new_wp))
        self.exp_wp = np.concatenate([self.exp_wp, new_wp])
        self.exp_left = np.concatenate([self.exp_left, dur])
        self.exp_flags = np.concatenate([self.exp_flags, new_flags])
        self.exp_quality = np.concatenate([self.exp_quality, *quality])

    def _keep_experiments(self, keep: np.ndarray) -> None:
        self.exp_wp, self.exp_left = self.exp_wp[keep], self.exp_left[keep]
        self.exp_flags, self.exp_quality = self.exp_flags[keep], self.exp_quality[keep]

    def _cut_at_budget_year(self, t: int, rng) -> None:
        """C1: at a budget-year boundary (t % 4 == 0) each unfunded experiment under way is cut
        with p_cut = horizon_cut / budget_horizon_years. A cut experiment ends without a result
        (neither success nor failure); the time spent on it is lost. Runs before the quarter's new
        experiments start: an experiment of D quarters is exposed at the boundaries among its
        quarters 2..D, (D - 1) / 4 of them on average, never in its first quarter (ODD 7.6)."""
        p, nw = self.p, self.n_workplaces
        cut = np.zeros(len(self.exp_wp), dtype=bool)
        if t % 4 == 0 and len(self.exp_left):
            exposed = (self.exp_flags & FUNDED) == 0
            horizon = self._held("budget_cuts", p.budget_horizon_years)
            cut = exposed & (rng.random(len(self.exp_left)) < p.horizon_cut / horizon)
        self.cut_by_budget_horizon = self.per_1000_year(
            np.bincount(self.exp_wp[cut], minlength=nw)
        )
        self._keep_experiments(~cut)

    def _run_experiments(self, t: int, rng):
        """Advance experiments one quarter and complete those that end (ODD 7.6)."""
        p = self.p
        nw = self.n_workplaces
        self.exp_left -= 1
        done = self.exp_left <= 0
        dwp, dflags, dq = self.exp_wp[done], self.exp_flags[done], self.exp_quality[done]
        self._keep_experiments(~done)
        # success probability: idea quality, competence, method support (C8), leaders, digital (C9)
        skill_wp = np.bincount(self.staff.wp, weights=self.staff.skill, minlength=nw) / self.wp_size
        has_method = (dflags & METHOD) > 0
        p_success = np.clip(
            p.base_success
            + p.quality_success * (dq - 0.5)
            + p.skill_success * (skill_wp[dwp] - 0.5)
            + p.method_success_gain * has_method
            + p.leader_success * self.leader[dwp]
            + p.manager_digital_effect * (self.mgr_digital[dwp] - MEAN_DIGITAL),
            0.0,
            1.0,
        )
        win = rng.random(len(dwp)) < p_success
        # a failure becomes an incident with probability
        # risk · (1 - method) · (1 - control catch · detail) · (1 - safety catch · safety)
        ag = self.wp_agency[dwp]
        safety_wp = np.bincount(self.staff.wp, weights=self.staff.safety, minlength=nw) / self.wp_size
        p_incident = (
            self.risk[ag]
            * (1.0 - p.method_incident_reduction * has_method)
            * (1.0 - p.control_catch * self._held("detail", self.detail)[ag])
            * (1.0 - p.safety_catch * safety_wp[dwp])
        )
        incident = ~win & (rng.random(len(dwp)) < p_incident)
        successes = np.bincount(dwp[win], minlength=nw).astype(float)
        value = np.bincount(dwp[win], weights=2.0 * dq[win], minlength=nw)  # 1 = a median idea
        failures = np.bincount(dwp[~win], minlength=nw).astype(float)
        incidents = np.bincount(dwp[incident], minlength=nw).astype(float)
        expected = np.bincount(dwp[~win], weights=p_incident[~win], minlength=nw)
        resolved = np.bincount(dwp[win & ((dflags & CROSS) > 0)], minlength=nw)
        return successes, value, failures, incidents, expected, resolved

    def _record_climate(self) -> None:
        """Staff-level outputs: experimentation culture (C2) and admin burden; work-site share."""
        p, st = self.p, self.staff
        recent = (self.t - self.last_innovation) < p.recent_quarters
        w_a, w_s, w_m, w_r = p.climate_autonomy, p.climate_safety, p.climate_motivation, p.climate_recent
        climate = w_a * st.autonomy + w_s * st.safety + w_m * st.motivation + w_r * recent[st.wp]
        # a person perceives the culture with probability logistic(steepness · (climate - threshold));
        # compared on the logit scale against the person's fixed threshold (ODD submodel 7.4)
        z = p.culture_steepness * (climate - p.culture_threshold)
        self.staff_perceives = st.perception < z  # kept for the survey statistics
        perceives = np.bincount(st.wp, weights=self.staff_perceives, minlength=self.n_workplaces)
        self.experimentation_culture = self.per_1000_year(perceives) / 4000.0
        self.admin_burden = self._weighted_mean(self.wp_admin)
        self.trust_orientation = self._weighted_mean(self.orientation)
        # organisation-level outputs weighted by real staff, like every other output
        self.steering_detail = _dot(self.agency_size, self.detail) / self.real_staff
        self.reporting_demands = _dot(self.agency_size, self._reporting_load()) / self.real_staff
        # Innovationsbarometern asks work sites: a site innovated if any of its teams did
        window = (self.t - self.last_innovation) < WINDOW_QUARTERS
        site_innovated = np.bincount(self.wp_site, weights=window, minlength=self.n_sites) > 0
        self.workplaces_innovating_2y = float(
            _dot(self.site_weight, site_innovated) / self.site_weight.sum()
        )
        # of the sites with no innovation in two years, the share with an experiment under way
        running = np.bincount(self.wp_site[self.exp_wp], minlength=self.n_sites) > 0
        idle = self.site_weight * ~site_innovated
        self.sites_developing_share = _dot(idle, running) / idle.sum() if idle.sum() else 0.0

    def site_table(self) -> pd.DataFrame:
        """One row per modelled work site: its staff, the real sites it stands for (weight), its
        organisation's kind and whether it innovated in the last two years (for analysis)."""
        window = (self.t - self.last_innovation) < WINDOW_QUARTERS
        innovated = np.bincount(self.wp_site, weights=window, minlength=self.n_sites) > 0
        staff = np.bincount(self.wp_site, weights=self.wp_size, minlength=self.n_sites)
        kind = np.zeros(self.n_sites, dtype=np.int64)
        kind[self.wp_site] = self.wp_kind
        return pd.DataFrame(
            {"staff": staff, "weight": self.site_weight, "kind": kind, "innovated_2y": innovated}
        )

    def _row(self) -> dict:
        return {name: getattr(self, name) for name in OUTPUTS + DIAGNOSTICS}

    # ------------------------------------------------------------------ convenience
    @property
    def quarter(self) -> int:
        return int(self.t)

    def outputs(self) -> pd.DataFrame:
        """The collected outputs, one row per quarter (quarter 0 = the spun-up state when the
        levers switch on; with show_spinup=True the spin-up's quarters come first, negative)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.index = pd.RangeIndex(0, len(df))
        if self.show_spinup and self.spinup_rows:
            spin = pd.DataFrame(self.spinup_rows)
            spin.index = pd.RangeIndex(-len(spin), 0)
            df = pd.concat([spin, df])
        df.index.name = "quarter"
        return df


def check_channels(channels: Any) -> frozenset[str]:
    """The channel names as a frozenset; an unknown name is refused with the allowed ones."""
    if isinstance(channels, str):
        channels = (channels,)
    try:
        names = frozenset(channels or ())
    except TypeError:
        raise ParameterError(
            f"channels_off {channels!r} is not allowed; give a collection of channel names "
            f"from: {', '.join(CHANNELS)}"
        ) from None
    unknown = sorted(str(c) for c in names if c not in CHANNELS)
    if unknown:
        raise ParameterError(
            f"unknown channel(s) {', '.join(map(repr, unknown))}; allowed are: "
            f"{', '.join(CHANNELS)} (groups: "
            + "; ".join(f"{g}: {', '.join(cs)}" for g, cs in CHANNEL_GROUPS.items())
            + ")"
        )
    return names


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a·b without BLAS (numpy's dot is slow on this kind of vector under some OpenBLAS cores)."""
    return float((a * b).sum())


def _root_seed(rng: Any) -> int:
    """The integer root of the model's random streams."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if rng is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    return int(rng)
