"""Who acts: Government, support bodies, RUM, the experimentation scheme, agencies and managers.

Agencies and managers are `mesa.Agent` objects for Mesa users (inspection, the app's network view),
but their state lives in the model's arrays (one row per agency / workplace) so that a quarter of the
`public-sector` world is array code. Each class's docstring names its ODD submodel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from .model import TrustModel

# Support domains and the share of each body's support in each domain (from their mandates:
# AgV leadership/HR, ESV financial steering and planning, DIGG digital benefits realisation).
DOMAINS = ("leadership", "budget", "digital")
DOMAIN_MIX = {
    "AgV": (0.7, 0.3, 0.0),
    "ESV": (0.2, 0.8, 0.0),
    "DIGG": (0.0, 0.4, 0.6),
}
OWN_DOMAIN = {"AgV": "leadership", "ESV": "budget", "DIGG": "digital"}
FULL_NAMES = {
    "AgV": "Arbetsgivarverket (Swedish Agency for Government Employers)",
    "ESV": "Ekonomistyrningsverket (Swedish National Financial Management Authority)",
    "DIGG": "Myndigheten för digital förvaltning (Agency for Digital Government)",
    "RISE": "RISE Research Institutes of Sweden (innovation-management method support)",
    "Vinnova": "Vinnova (Sweden's Innovation Agency; experimentation funding)",
}


class Government(mesa.Agent):
    """Regeringen: sets steering detail and reacts to visible incidents (ODD submodel 1).

    ratchet_t = ratchet_{t-1} (1 - ratchet_decay) + ratchet_up · V_{t-1}
    target_a = clip(steering_detail + ratchet_t, 0, 1)
    detail_a += speed · (target_a - detail_a), speed = tighten_speed if rising else loosen_speed
    with V the visible incidents per 1 000 staff last quarter (plus any injected scandal).
    """

    def __init__(self, model: "TrustModel") -> None:
        super().__init__(model)
        self.ratchet = model.p.initial_ratchet
        self.visible_seen = 0.0  # visible incidents per 1000 staff acted on this quarter
        self.injected = 0.0  # visible incidents per 1000 staff injected this quarter

    def inject_scandal(self, size: float) -> None:
        """A visible scandal now (the app's button and the scandal-shock scenario)."""
        self.injected += float(size)

    def step(self) -> None:
        m, p = self.model, self.model.p
        visible = m.visible_last_per_1000 + self.injected
        self.visible_seen = visible
        self.injected = 0.0
        self.ratchet = self.ratchet * (1.0 - p.ratchet_decay) + p.ratchet_up * visible
        target = min(1.0, p.steering_detail + self.ratchet)
        gap = target - m.detail
        speed = np.where(gap > 0, p.tighten_speed, p.loosen_speed)
        m.detail += speed * gap


class SupportBody(mesa.Agent):
    """A central support body delivering messages by domain (ODD submodel 2).

    Each quarter it reaches each agency with probability reach/4. A reached agency receives a
    signal of strength  sigma_b = sum_dom mix_b,dom · legitimacy_b,dom  (C7), pointing toward trust
    if alignment > 0.5 and toward control if below:  direction = 2 · alignment - 1  (C4–C6).
    """

    def __init__(self, model: "TrustModel", short: str, alignment: float, reach: float) -> None:
        super().__init__(model)
        self.short = short
        self.name = FULL_NAMES[short]
        self.alignment = alignment
        self.reach = reach
        self.domain_mix = np.array(DOMAIN_MIX[short], dtype=float)
        p = model.p
        budget_legitimacy = {
            "AgV": p.legitimacy_agv_budget,
            "ESV": p.legitimacy_esv_budget,
            "DIGG": p.legitimacy_digg_budget,
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
        return float(self.domain_mix @ self.legitimacy)

    def deliver(self, trust_signal: np.ndarray, control_signal: np.ndarray) -> None:
        reached = self.model.rng.random(len(trust_signal)) < self.reach / 4.0
        direction = 2.0 * self.alignment - 1.0
        if direction > 0:
            trust_signal[reached] += direction * self.strength
        elif direction < 0:
            control_signal[reached] += -direction * self.strength


class MethodSupport(mesa.Agent):
    """RISE: innovation-management method support (ISO 56002) for a share of experiments (C8)."""

    def __init__(self, model: "TrustModel", share: float) -> None:
        super().__init__(model)
        self.short, self.name, self.share = "RISE", FULL_NAMES["RISE"], share


class Rum(mesa.Agent):
    """RUM, the government-near development environment (C10): takes up cross-agency ideas and
    chooses relevant challenges for the national experiments (C12)."""

    def __init__(self, model: "TrustModel", uptake: float) -> None:
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
    LEVELS = {
        1: (("strategic", 1.0, 1.0, "all"),),
        3: (
            ("strategic", 0.4, 1.0, "all"),
            ("cluster", 0.3, 0.5, "cluster"),
            ("grassroots", 0.3, 0.2, "local"),
        ),
    }

    def __init__(self, model: "TrustModel") -> None:
        super().__init__(model)
        self.short = "Vinnova"
        self.name = FULL_NAMES["Vinnova"]
        p = model.p
        self.funding = p.experimentation_funding_msek
        self.levels = self.LEVELS[3 if p.experimentation_levels >= 2 else 1]
        # national experiments under way: (level index, quarters left)
        self.running: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in self.levels]
        self.successes = 0

    def step(self) -> int:
        """Start, run and complete national experiments; returns grassroots experiments to fund."""
        m, p = self.model, self.model.p
        grassroots = 0
        self.successes = 0
        for k, (level, share, cost_factor, reach) in enumerate(self.levels):
            per_quarter = self.funding * share / (p.cost_per_experiment_msek * cost_factor) / 4
            if reach == "local":  # grassroots experiments are local, counted at model scale
                grassroots += m.stochastic_round(per_quarter * m.world.national_fraction)
                continue
            new = m.stochastic_round(per_quarter)
            dur = 1 + m.rng.poisson(p.experiment_quarters - 1.0, size=new)
            left = np.concatenate([self.running[k], dur]) - 1
            done = int((left <= 0).sum())
            self.running[k] = left[left > 0]
            p_success = min(1.0, p.base_success + p.method_success_gain * p.method_support)
            wins = int(m.rng.binomial(done, p_success)) if done else 0
            self.successes += wins
            if wins and p.dispensation:
                relevance = 1.0 if p.rum else p.relevance_without_rum
                factor = (1.0 - p.rule_change_effect * relevance) ** wins
                if reach == "all":
                    m.regulation *= factor
                else:  # a thematic/regional cluster: a random third of the agencies
                    cluster = m.rng.random(m.n_agencies) < 1.0 / 3.0
                    m.regulation[cluster] *= factor
        return grassroots


class Agency(mesa.Agent):
    """A state agency, municipality or region: a view on row `index` of the model's agency arrays."""

    def __init__(self, model: "TrustModel", index: int, name: str) -> None:
        super().__init__(model)
        self.index, self.name = index, name

    size = property(lambda self: int(self.model.agency_size[self.index]))
    kind = property(lambda self: int(self.model.agency_kind[self.index]))
    steering_detail = property(lambda self: float(self.model.detail[self.index]))
    sector_risk = property(lambda self: float(self.model.risk[self.index]))
    regulatory_complexity = property(lambda self: float(self.model.regulation[self.index]))
    budget_horizon_years = property(lambda self: float(self.model.p.budget_horizon_years))
    innovation_slack = property(lambda self: float(self.model.slack))


class Manager(mesa.Agent):
    """A manager and her workplace: a view on row `index` of the model's workplace arrays
    (ODD submodel 3; the update itself is `TrustModel._update_managers`)."""

    def __init__(self, model: "TrustModel", index: int) -> None:
        super().__init__(model)
        self.index = index

    agency = property(lambda self: int(self.model.wp_agency[self.index]))
    trust_orientation = property(lambda self: float(self.model.orientation[self.index]))
    innovation_leader = property(lambda self: bool(self.model.leader[self.index]))
    digital_competence = property(lambda self: float(self.model.mgr_digital[self.index]))
    span_of_control = property(lambda self: int(self.model.wp_size[self.index]))
