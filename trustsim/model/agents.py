"""Who acts: Government, support bodies, RUM, the experimentation scheme, agencies and managers.

Agencies and managers are `mesa.Agent` objects for Mesa users (inspection, the app's network view),
but their state lives in the model's arrays (one row per agency / workplace) so that a quarter of the
`public-sector` world is array code. Each class's docstring names its ODD submodel.
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from .worlds import MUNICIPALITY, REGION, STATE_AGENCY

# Support domains and the share of each body's support in each domain (from their mandates:
# AgV leadership/HR, ESV financial steering and planning, DIGG digital benefits realisation, SKR all
# three for municipalities and regions).
DOMAINS = ("leadership", "budget", "digital")
DOMAIN_MIX = {
    "AgV": (0.7, 0.3, 0.0),
    "ESV": (0.2, 0.8, 0.0),
    "DIGG": (0.0, 0.4, 0.6),
    "SKR": (0.5, 0.3, 0.2),
}
OWN_DOMAIN = {"AgV": "leadership", "ESV": "budget", "DIGG": "digital", "SKR": "leadership"}
# Whom a body supports: AgV and ESV the state's agencies (their instructions), DIGG the whole
# public administration, SKR the municipalities and regions (its members).
REMIT = {
    "AgV": (STATE_AGENCY,),
    "ESV": (STATE_AGENCY,),
    "DIGG": (STATE_AGENCY, MUNICIPALITY, REGION),
    "SKR": (MUNICIPALITY, REGION),
}
FULL_NAMES = {
    "AgV": "Arbetsgivarverket (Swedish Agency for Government Employers)",
    "ESV": "Ekonomistyrningsverket (Swedish National Financial Management Authority)",
    "DIGG": "Myndigheten för digital förvaltning (Agency for Digital Government)",
    "SKR": "Sveriges Kommuner och Regioner (Swedish Association of Local Authorities and Regions)",
    "RISE": "RISE Research Institutes of Sweden (innovation-management method support)",
    "Vinnova": "Vinnova (Sweden's Innovation Agency; experimentation funding)",
}
SECTOR_NAMES = ("state", "municipalities", "regions")


class Government(mesa.Agent):
    """Regeringen, and the municipal and regional political leaderships (ODD submodel 7.1).

    One ratchet per sector (state agencies, municipalities, regions), each fed by the visible
    incidents per 1 000 staff of its own sector, V_s (an injected scandal counts for the state):
        ratchet_s <- ratchet_s (1 - ratchet_decay) + ratchet_up · V_s
    Each organisation's steering detail and reporting demands move toward their targets
    (`TrustModel._steering_targets`): fast when rising (tighten_speed), slow when falling
    (loosen_speed). A view on the model's arrays: `ratchet` is the one the dynamics read.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)

    ratchet = property(lambda self: self.model.ratchet)
    visible_seen = property(lambda self: self.model.visible_seen)

    def inject_scandal(self, size: float) -> None:
        """A visible scandal now (the app's button and the scandal-shock scenario)."""
        self.model.inject_scandal(size)

    def step(self) -> None:
        m, p = self.model, self.model.p
        seen = m.visible_by_sector.copy()
        seen[0] += m.injected
        m.visible_seen = seen
        m.injected = 0.0
        m.ratchet = m.ratchet * (1.0 - p.ratchet_decay) + p.ratchet_up * seen
        target_d, target_r = m._steering_targets()
        for current, target in ((m.detail, target_d), (m.reporting, target_r)):
            gap = target - current
            current += np.where(gap > 0, p.tighten_speed, p.loosen_speed) * gap


def support_bodies(model: mesa.Model) -> list[SupportBody]:
    """AgV, ESV, DIGG and (where the world has municipalities or regions) SKR."""
    p = model.p
    bodies = [
        SupportBody(model, "AgV", p.agv_alignment, p.agv_reach),
        SupportBody(model, "ESV", p.esv_alignment, p.esv_reach),
        SupportBody(model, "DIGG", p.digg_alignment, p.digg_reach),
    ]
    if (model.agency_kind != STATE_AGENCY).any():
        bodies.append(SupportBody(model, "SKR", p.skr_alignment, p.skr_reach))
    return bodies


class SupportBody(mesa.Agent):
    """A support body delivering messages by domain (ODD submodel 7.2).

    Each quarter it reaches each organisation in its remit with probability reach/4. A reached
    organisation receives, in each domain, a signal of strength |2 · alignment - 1| · mix_dom ·
    legitimacy_dom (C7), toward trust if alignment > 0.5 and toward control if below (C4–C6);
    the organisation keeps it in its memory for that domain.
    """

    def __init__(self, model: mesa.Model, short: str, alignment: float, reach: float) -> None:
        super().__init__(model)
        self.short = short
        self.name = FULL_NAMES[short]
        self.alignment = alignment
        self.reach = reach
        self.domain_mix = np.array(DOMAIN_MIX[short], dtype=float)
        self.remit = np.isin(model.agency_kind, REMIT[short])
        p = model.p
        budget_legitimacy = {
            "AgV": p.legitimacy_agv_budget,
            "ESV": p.legitimacy_esv_budget,
            "DIGG": p.legitimacy_digg_budget,
            "SKR": p.legitimacy_other_domain,
        }[short]
        self.legitimacy = np.array(
            [
                p.legitimacy_own_domain if OWN_DOMAIN[short] == d else p.legitimacy_other_domain
                for d in DOMAINS
            ]
        )
        self.legitimacy[DOMAINS.index("budget")] = budget_legitimacy

    @property
    def strength(self) -> float:
        """Total signal strength over the domains, before the direction |2 alignment - 1|."""
        return float(self.domain_mix @ self.legitimacy)

    def deliver(self, trust_signal: np.ndarray, control_signal: np.ndarray, rng) -> None:
        """Add this quarter's signals to the memories (organisations × domains)."""
        reached = (rng.random(len(trust_signal)) < self.reach / 4.0) & self.remit
        direction = 2.0 * self.alignment - 1.0
        signal = abs(direction) * self.domain_mix * self.legitimacy
        if direction > 0:
            trust_signal[reached] += signal
        elif direction < 0:
            control_signal[reached] += signal


class MethodSupport(mesa.Agent):
    """RISE: innovation-management method support (ISO 56002) for a share of experiments (C8)."""

    def __init__(self, model: mesa.Model, share: float) -> None:
        super().__init__(model)
        self.short, self.name, self.share = "RISE", FULL_NAMES["RISE"], share


class Rum(mesa.Agent):
    """RUM, the government-near development environment (C10): takes up cross-agency ideas (the
    better share `rum_uptake` of them), ties a share `mission_share` to Agenda 2030 / EU missions,
    which bring co-funding (C11), and chooses relevant challenges for the national experiments
    (C12)."""

    def __init__(self, model: mesa.Model, uptake: float) -> None:
        super().__init__(model)
        self.short, self.uptake = "RUM", uptake


class ExperimentationScheme(mesa.Agent):
    """Vinnova's experimentation scheme: dispensation route, funding, levels (ODD submodel 5).

    National experiments are counted in real numbers (independent of the model's scale):
    n = funding_level / cost_level per year. Each success modernises the blocking rules of the
    agencies in its reach:  reg_a <- reg_a · (1 - rule_change_effect · relevance)  where relevance is
    1 with RUM choosing the challenges and relevance_without_rum without; without a dispensation
    route an experiment cannot test rule changes and modernises nothing (C12–C13).
    """

    # (share of funding, cost factor, reach) per level: strategic, cluster, grassroots (C14)
    LEVELS: ClassVar[dict[int, tuple]] = {
        1: (("strategic", 1.0, 1.0, "all"),),
        3: (
            ("strategic", 0.4, 1.0, "all"),
            ("cluster", 0.3, 0.5, "cluster"),
            ("grassroots", 0.3, 0.2, "local"),
        ),
    }

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.short = "Vinnova"
        self.name = FULL_NAMES["Vinnova"]
        p = model.p
        self.funding = p.experimentation_funding_msek
        self.levels = self.LEVELS[3 if p.experimentation_levels >= 2 else 1]
        # national experiments under way, per level: quarters left of each
        self.running: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in self.levels]
        self.successes = 0

    def step(self, rng: np.random.Generator) -> float:
        """Start, run and complete national experiments; returns the national number of
        grassroots experiments to start this quarter (they run in workplaces, ODD 7.6)."""
        m, p = self.model, self.model.p
        grassroots = 0.0
        self.successes = 0
        p_success = min(1.0, p.base_success + p.method_success_gain * m.rise.share)
        for k, (level, share, cost_factor, reach) in enumerate(self.levels):
            per_quarter = self.funding * share / (p.cost_per_experiment_msek * cost_factor) / 4
            if reach == "local":
                grassroots += per_quarter
                continue
            new = int(rng.poisson(per_quarter))
            dur = 1 + rng.poisson(p.experiment_quarters - 1.0, size=new)
            left = np.concatenate([self.running[k], dur]) - 1
            done = int((left <= 0).sum())
            self.running[k] = left[left > 0]
            wins = int(rng.binomial(done, p_success)) if done else 0
            self.successes += wins
            if wins and p.dispensation:
                relevance = 1.0 if p.rum else p.relevance_without_rum
                factor = (1.0 - p.rule_change_effect * relevance) ** wins
                if reach == "all":
                    m.regulation *= factor
                else:  # a thematic/regional cluster: a random third of the organisations
                    cluster = rng.random(m.n_agencies) < 1.0 / 3.0
                    m.regulation[cluster] *= factor
        return grassroots


class Agency(mesa.Agent):
    """A state agency, municipality or region: a view on row `index` of the model's agency arrays."""

    def __init__(self, model: mesa.Model, index: int, name: str) -> None:
        super().__init__(model)
        self.index, self.name = index, name

    size = property(lambda self: int(self.model.agency_size[self.index]))
    kind = property(lambda self: int(self.model.agency_kind[self.index]))
    steering_detail = property(lambda self: float(self.model.detail[self.index]))
    sector_risk = property(lambda self: float(self.model.risk[self.index]))
    regulatory_complexity = property(lambda self: float(self.model.regulation[self.index]))
    reporting_demands = property(lambda self: float(self.model.reporting[self.index]))
    budget_horizon_years = property(lambda self: float(self.model.p.budget_horizon_years))
    innovation_slack = property(lambda self: float(self.model.slack))


class Manager(mesa.Agent):
    """A manager and her workplace: a view on row `index` of the model's workplace arrays
    (ODD submodel 3; the update itself is `TrustModel._update_managers`)."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    agency = property(lambda self: int(self.model.wp_agency[self.index]))
    trust_orientation = property(lambda self: float(self.model.orientation[self.index]))
    innovation_leader = property(lambda self: bool(self.model.leader[self.index]))
    digital_competence = property(lambda self: float(self.model.mgr_digital[self.index]))
    span_of_control = property(lambda self: int(self.model.wp_size[self.index]))
    weight = property(lambda self: float(self.model.wp_weight[self.index]))
