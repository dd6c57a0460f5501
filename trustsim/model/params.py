"""Typed model parameters: default, allowed range, unit and source for every one.

Every assumption of the model is a named parameter here. `docs/ODD.md` carries a table generated
from `PARAMETERS` (see `parameter_table_markdown`), and a test checks the two are identical.
Claims C1–C14 refer to `shared/seed/SUMMARY.md` (Vinnova's consultation response to SOU 2019:43).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ParameterError(ValueError):
    """An invalid parameter name or value. The message names the parameter, value and allowed range."""


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter: its default, allowed range [low, high], unit, group, source and meaning."""

    name: str
    default: float | int | bool
    low: float
    high: float
    unit: str
    group: str
    source: str
    doc: str
    excluded: tuple = ()  # values inside [low, high] that are refused
    why_excluded: str = ""

    @property
    def kind(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        if self.kind is bool:
            return "true or false"
        if self.kind is int:
            text = f"an integer in [{int(self.low)}, {int(self.high)}]"
        else:
            text = f"a number in [{self.low:g}, {self.high:g}]"
        if self.excluded:
            text += f" except {', '.join(f'{v:g}' for v in self.excluded)} ({self.why_excluded})"
        return text

    def check(self, value: Any) -> float | int | bool:
        """Return `value` coerced to this parameter's type, or raise ParameterError."""
        bad = ParameterError(
            f"parameter {self.name!r}: {value!r} is not allowed; allowed is {self.allowed()}"
            f" ({self.unit})"
        )
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise bad
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if self.kind is int:
            if float(value) != int(value):
                raise bad
            value = int(value)
        else:
            value = float(value)
        if not (self.low <= value <= self.high) or value in self.excluded:  # also rejects NaN
            raise bad
        return value


def _p(name, default, low, high, unit, group, source, doc, excluded=(), why="") -> ParamSpec:
    return ParamSpec(name, default, low, high, unit, group, source, doc, excluded, why)


# fmt: off
PARAMETERS: tuple[ParamSpec, ...] = (
    # --- Government steering (ODD submodel 1) ---
    _p("steering_detail", 0.6, 0.0, 1.0, "index 0–1", "government",
       "C1; Tillitsdelegationen SOU 2019:43 (detailed steering); calibrated to P1",
       "Policy level of detail in government steering of state agencies (how narrowly tasks and means are prescribed) before any ratchet; cuts the autonomy managers can grant and crowds out motivation."),
    _p("reporting_demands", 0.6, 0.0, 1.0, "index 0–1", "government",
       "Tillitsdelegationen SOU 2019:43 (återrapporteringskrav); assumption",
       "Policy level of the government's reporting demands on state agencies before any ratchet; sets staff time on control and reporting."),
    _p("steering_spread", 0.4, 0.0, 1.0, "share", "government",
       "assumption (regleringsbrev differ between agencies)",
       "Heterogeneity of steering detail and reporting demands across organisations: each organisation's levels are the policy levels times U(1 - spread, 1 + spread), drawn once."),
    _p("local_steering_detail", 0.6, 0.0, 1.0, "index 0–1", "government",
       "municipal self-government (kommunal självstyrelse); assumption",
       "Steering detail and reporting demands that municipal and regional political leaderships set for their own organisations."),
    _p("national_regulation_share", 0.3, 0.0, 1.0, "share", "government",
       "assumption (the state steers municipalities and regions through law and earmarked grants)",
       "Share of the state's steering (levels and ratchet) that reaches municipalities and regions through national regulation."),
    _p("budget_horizon_years", 1.0, 1.0, 4.0, "years", "government",
       "C1 (short budget planning); Swedish annual budget = 1 year",
       "How many years ahead an agency's budget and plans are secured."),
    _p("earmarking_share", 0.3, 0.0, 1.0, "share", "government",
       "C3 (no clarity about money for innovation); assumption",
       "Share of the appropriation that is earmarked and cannot be reserved as innovation slack."),
    _p("innovation_slack", 0.02, 0.0, 0.3, "share of time", "government",
       "C3 (document study 2019: no time or money set aside); assumption",
       "Base share of staff time and budget reserved for innovation at a one-year horizon."),
    _p("slack_per_horizon_year", 0.02, 0.0, 0.1, "share of time per year", "government",
       "C1; assumption",
       "Extra innovation slack an agency can reserve for each budget year beyond the first."),
    _p("ratchet_up", 0.25, 0.0, 5.0, "detail per visible incident per 1000 staff", "government",
       "Power 1997 (audit society); assumption",
       "How much the government raises steering detail per visible incident per 1 000 staff."),
    _p("ratchet_decay", 0.04, 0.0, 0.5, "per quarter", "government",
       "Power 1997; assumption (loosening is slow)",
       "Share of the accumulated ratchet that is relaxed each quarter."),
    _p("tighten_speed", 0.6, 0.01, 1.0, "per quarter", "government",
       "Power 1997; assumption (tightening is fast)",
       "Speed at which an agency's steering detail rises toward a higher target."),
    _p("loosen_speed", 0.08, 0.01, 1.0, "per quarter", "government",
       "Power 1997; assumption (loosening is slow)",
       "Speed at which an agency's steering detail falls toward a lower target."),
    _p("visible_share", 0.01, 0.0, 1.0, "share", "government",
       "assumption",
       "Share of incidents that become publicly visible (media, audit reports)."),
    _p("spinup_years", 20, 0, 100, "years", "government",
       "verification: the baseline is stationary after the spin-up (tests/verification)",
       "Years the model runs under baseline settings before the reported series starts (quarter 0), so every scenario starts from the baseline's steady state."),
    _p("scandal_quarter", -1, -1, 400, "quarter (-1 = none)", "government",
       "P7 stress test; assumption",
       "Quarter of the reported series in which a visible scandal is injected (-1: no scandal; 0 is refused: quarter 0 is the spun-up state the levers switch on at, so the first quarter a scandal can happen in is 1).",
       excluded=(0,), why="-1 is no scandal; quarter 0 is the spun-up state the levers switch on at, so the earliest scandal is in quarter 1"),
    _p("scandal_size", 1.0, 0.0, 20.0, "visible incidents per 1000 staff", "government",
       "P7 stress test; assumption",
       "Size of an injected scandal."),
    # --- Support bodies (ODD submodel 2) ---
    _p("agv_alignment", 0.2, 0.0, 1.0, "index 0–1", "support",
       "C4; Arbetsgivarverket's mandate for trust-based steering support (SOU 2019:43)",
       "Alignment of Arbetsgivarverket's support with trust principles (0 control, 1 trust)."),
    _p("esv_alignment", 0.2, 0.0, 1.0, "index 0–1", "support",
       "C5, C6 (ESV's support for financial steering)",
       "Alignment of ESV's budget and planning support with trust principles."),
    _p("digg_alignment", 0.2, 0.0, 1.0, "index 0–1", "support",
       "C5, C6 (DIGG's support for benefits realisation)",
       "Alignment of DIGG's digital/benefits-realisation support with trust principles."),
    _p("skr_alignment", 0.2, 0.0, 1.0, "index 0–1", "support",
       "SKR supports municipalities and regions; assumption",
       "Alignment of SKR's (Sveriges Kommuner och Regioner) support to municipalities and regions with trust principles."),
    _p("agv_reach", 0.3, 0.0, 1.0, "share of agencies per year", "support",
       "assumption", "Share of agencies Arbetsgivarverket reaches per year."),
    _p("esv_reach", 0.4, 0.0, 1.0, "share of agencies per year", "support",
       "assumption (every agency reports to ESV)", "Share of agencies ESV reaches per year."),
    _p("digg_reach", 0.3, 0.0, 1.0, "share of agencies per year", "support",
       "assumption", "Share of organisations DIGG reaches per year (DIGG supports the whole public administration)."),
    _p("skr_reach", 0.4, 0.0, 1.0, "share of organisations per year", "support",
       "assumption", "Share of municipalities and regions SKR reaches per year."),
    _p("legitimacy_agv_budget", 0.3, 0.0, 1.0, "index 0–1", "support",
       "C7 (ESV and DIGG outrank AgV on budget and planning)",
       "Legitimacy of Arbetsgivarverket in the budget/planning domain."),
    _p("legitimacy_esv_budget", 0.9, 0.0, 1.0, "index 0–1", "support",
       "C7", "Legitimacy of ESV in the budget/planning domain."),
    _p("legitimacy_digg_budget", 0.7, 0.0, 1.0, "index 0–1", "support",
       "C7", "Legitimacy of DIGG in the budget/planning domain."),
    _p("legitimacy_own_domain", 0.9, 0.0, 1.0, "index 0–1", "support",
       "assumption", "Legitimacy of a body in its own domain (AgV leadership, DIGG digital)."),
    _p("legitimacy_other_domain", 0.3, 0.0, 1.0, "index 0–1", "support",
       "assumption", "Legitimacy of a body outside its own domain and the budget domain."),
    _p("conflict_blunting", 0.8, 0.0, 1.0, "share", "support",
       "C6 (fragmentation); assumption",
       "How much conflicting trust and control signals blunt managers' uptake (1 = fully)."),
    _p("support_effect", 0.06, 0.0, 0.3, "per quarter per unit of net support", "support",
       "assumption; range: at 0.3 a manager's gap to full trust under a net support signal of 1 halves in 2 quarters, faster than any reorientation the literature reports",
       "Rate at which the net support signal N an organisation holds moves its managers' orientation: under N the gap to full trust halves every ln 2 / -ln(1 - support_effect · N) quarters. The integrated package holds N ≈ 0.73 (state world, years 2-5), so at the default 0.06 support alone halves the gap in about 15.5 quarters (3.9 years)."),
    _p("support_memory", 0.7, 0.0, 0.99, "per quarter", "support",
       "assumption", "Share of last quarter's support signal an organisation still carries (one memory per organisation and domain)."),
    _p("support_reporting_effect", 0.3, 0.0, 1.0, "share", "support",
       "C5 (ESV's support for financial steering, DIGG's for benefits realisation); assumption",
       "How much the net budget- and digital-domain support an organisation holds lowers (trust-aligned) or raises (control-aligned) what it must report."),
    _p("support_cost_msek", 10.0, 0.0, 200.0, "MSEK per body per year", "support",
       "assumption (order of a government assignment)",
       "Annual cost of one support body's trust-integration assignment."),
    _p("method_support", 0.0, 0.0, 1.0, "share of experiments", "support",
       "C8 (RISE, ISO 56002)", "Share of experiments that get innovation-management method support."),
    _p("method_success_gain", 0.2, 0.0, 0.5, "probability", "support",
       "C8; assumption", "Rise in an experiment's success probability with method support."),
    _p("method_incident_reduction", 0.6, 0.0, 1.0, "share", "support",
       "C8, C14 (safeguards); assumption",
       "Share of incidents from failed experiments that method support prevents."),
    _p("safety_catch", 0.5, 0.0, 1.0, "share at full safety", "experiments",
       "C14; Edmondson 1999 (psychologically safe teams report and learn from errors); assumption",
       "Share of errors (failed experiments and operational errors) that a workplace with full psychological safety catches before they become incidents."),
    _p("method_cost_msek", 20.0, 0.0, 200.0, "MSEK per year at full method support", "support",
       "assumption", "Annual cost of RISE method support when every experiment gets it."),
    _p("innovation_leader_share", 0.05, 0.0, 1.0, "share of managers", "support",
       "C8 (innovation-leader role gaining legitimacy); assumption",
       "Share of managers with an innovation-leader role who protect room for innovation."),
    _p("digital_programme_reach", 0.0, 0.0, 1.0, "share of staff per year", "support",
       "C9 (Digitaliseringsrådet: broad basic digital competence)",
       "Share of staff and managers reached per year by a digital competence programme."),
    _p("digital_programme_gain", 0.15, 0.0, 0.5, "competence units", "support",
       "C9; assumption", "Rise in digital competence for a person reached by the programme (times the gap to 1)."),
    _p("manager_digital_effect", 0.2, 0.0, 0.5, "probability per unit", "support",
       "C9 (leaders' competence for the digital transformation); assumption",
       "Rise in an experiment's success probability per unit of its manager's digital competence above the mean (0.4)."),
    _p("digital_cost_msek", 40.0, 0.0, 500.0, "MSEK per year at full reach", "support",
       "assumption", "Annual cost of the digital competence programme at reach 1."),
    # --- RUM and the experimentation scheme (ODD submodel 5) ---
    _p("rum", False, 0, 1, "on/off", "chain",
       "C10 (government-near development environment)",
       "Whether RUM exists to take up cross-agency issues."),
    _p("rum_uptake", 0.6, 0.0, 1.0, "share", "chain",
       "C10; assumption", "Share of cross-agency ideas RUM takes up when it exists (it takes the better ones)."),
    _p("mission_share", 0.3, 0.0, 1.0, "share", "chain",
       "C11 (RUM ties its challenges to Agenda 2030 and EU missions); assumption",
       "Share of RUM's cross-agency issues tied to Agenda 2030 / EU missions; these bring co-funding, so they never wait for local money."),
    _p("rum_cost_msek", 25.0, 0.0, 200.0, "MSEK per year", "chain",
       "assumption (order of SOU 2019:43's estimate)", "Annual cost of running RUM."),
    _p("dispensation", False, 0, 1, "on/off", "chain",
       "C12 (experimental legislation and dispensation; SOU 2020:8, Komet 2019:09)",
       "Whether a dispensation / experimental-legislation route exists."),
    _p("dispensation_grant", 0.5, 0.0, 1.0, "share", "chain",
       "C12; assumption", "Share of rule-blocked ideas granted a dispensation when the route exists."),
    _p("unfunded_dispensation_use", 0.3, 0.0, 1.0, "share", "chain",
       "C13 (funding, method support and dispensation are complements); assumption",
       "How much of the dispensation route agencies use without dedicated experimentation funding."),
    _p("experimentation_funding_msek", 0.0, 0.0, 2000.0, "MSEK per year", "chain",
       "C13: Vinnova *proposed* 30 MSEK a year from 2021 (the seed's proposal, not funding in place)",
       "Dedicated national funding for experimental development of regulation."),
    _p("cost_per_experiment_msek", 1.0, 0.05, 20.0, "MSEK", "chain",
       "assumption (Vinnova project sizes)", "Cost of one funded regulatory experiment."),
    _p("experimentation_levels", 1, 1, 3, "levels", "chain",
       "C14 (Kokeileva Suomi: strategic, cluster, grassroots)",
       "1: national experiments only; 3: funding split over strategic, cluster and grassroots."),
    _p("relevance_without_rum", 0.4, 0.0, 1.0, "share", "chain",
       "C10–C12 (RUM chooses the challenges); assumption",
       "Relevance of national experiments' rule changes when RUM does not choose the challenges."),
    _p("cross_rule_factor", 1.5, 1.0, 3.0, "ratio", "chain",
       "C10, C12; assumption",
       "How much more often a cross-agency idea hits blocking rules than a local one."),
    _p("rule_change_effect", 0.02, 0.0, 0.2, "share per successful national experiment", "chain",
       "C12, C14; assumption",
       "Share of blocking rules modernised by one successful national regulatory experiment."),
    _p("rule_obsolescence", 0.01, 0.0, 0.1, "per quarter", "chain",
       "C14 (Komet: regulation outdated by new technology); assumption",
       "Rate at which regulatory complexity drifts back toward its initial level."),
    _p("regulatory_complexity", 0.2, 0.0, 1.0, "share of ideas", "chain",
       "C12, C14 (Komet 2019:09); assumption",
       "Mean share of ideas blocked by outdated, unclear or missing rules."),
    _p("cross_agency_share", 0.15, 0.0, 1.0, "share of ideas", "chain",
       "C10 (issues between the chairs); assumption",
       "Share of ideas that cross agency borders and need an owner outside the agency."),
    # --- Managers (ODD submodel 3) ---
    _p("initial_trust_share", -1.0, -1.0, 1.0, "share of managers (-1 = as spun up)", "managers",
       "assumption; P8 sweeps it",
       "Share of managers made trust-oriented at quarter 0 of the reported series (-1: keep the spun-up orientations)."),
    _p("manager_turnover", 0.1, 0.0, 0.5, "share per year", "managers",
       "assumption (order of staff turnover); March 1991 (newcomers learn the organisation's code)",
       "Share of managers replaced per year; a recruit takes the prevailing orientation of the organisation's managers."),
    _p("span_of_control", 13, 3, 60, "staff per manager", "managers",
       "Arbetsgivarverket, Chefer i staten i tabeller: 20 245 managers of 269 410 employees in 2022 (7.5 %; 7.2 % in 2021): 269 410 / 20 245 = 13.3",
       "Staff per workplace (manager unit)."),
    _p("steering_pull", 0.05, 0.0, 1.0, "per quarter", "managers",
       "assumption", "Rate at which manager orientation follows the room that steering leaves."),
    _p("peer_influence", 0.3, 0.0, 1.0, "per quarter", "managers",
       "assumption (social influence with threshold; Granovetter 1978)",
       "Rate at which manager orientation follows the peer network."),
    _p("peer_threshold", 0.5, 0.0, 1.0, "share of peers", "managers",
       "Granovetter 1978; assumption",
       "Mean orientation of a manager's network neighbours beyond which peers pull her toward trust."),
    _p("peer_steepness", 12.0, 1.0, 50.0, "1", "managers",
       "assumption", "Steepness of the peer threshold response."),
    _p("outcome_effect", 0.04, 0.0, 0.5, "per event per workplace", "managers",
       "assumption", "How much one success moves its manager toward trust."),
    _p("outcome_asymmetry", 3.0, 1.0, 10.0, "ratio", "managers",
       "Slovic 1993 (trust asymmetry)", "How much more an incident weighs than a success in a manager's orientation."),
    _p("scandal_fear", 0.1, 0.0, 1.0, "orientation per visible incident per 1000 staff", "managers",
       "Slovic 1993; Power 1997 (blame avoidance); assumption",
       "How much a nationally visible incident moves every manager toward control."),
    _p("peer_norm_low", 0.2, 0.0, 0.5, "index 0–1", "managers",
       "assumption (Granovetter 1978 threshold model)",
       "Orientation the peer norm pulls toward when few peers are trust-oriented."),
    _p("peer_norm_high", 0.95, 0.5, 1.0, "index 0–1", "managers",
       "assumption (Granovetter 1978 threshold model)",
       "Orientation the peer norm pulls toward when most peers are trust-oriented."),
    _p("quality_success", 0.4, 0.0, 1.0, "probability per unit of quality", "managers",
       "assumption (managers screen ideas by quality)",
       "Rise in an experiment's success probability per unit of idea quality above the median (quality ~ U(0, 1); approval takes the best ideas)."),
    _p("detail_autonomy_cut", 0.6, 0.0, 1.0, "share at full detail", "managers",
       "assumption (Tillitsdelegationen: detailed steering narrows room for action)",
       "Share of the autonomy a manager would grant that full steering detail takes away."),
    _p("trust_shielding", 0.3, 0.0, 1.0, "share", "managers",
       "assumption", "Share of control and reporting load a fully trust-oriented manager keeps off staff."),
    _p("approval_floor", 0.5, 0.0, 1.0, "share of ideas", "managers",
       "assumption", "Share of ideas (the best ones) a fully control-oriented manager approves for an experiment."),
    # --- Staff (ODD submodel 4) ---
    _p("idea_rate", 1.5, 0.0, 10.0, "ideas per person per year", "staff",
       "assumption; calibrated to P1 (Innovationsbarometern 8 of 10)",
       "Ideas a fully motivated person of mid skill (0.5) with free time has per year; a fully skilled person has 1.5 times as many."),
    _p("core_work_share", 0.65, 0.0, 0.95, "share of time", "staff",
       "assumption", "Share of time taken by core duties."),
    _p("admin_base", 0.1, 0.0, 0.5, "share of time", "staff",
       "assumption (Statskontoret on reporting load)",
       "Share of time on control and reporting under no detailed steering."),
    _p("admin_per_reporting", 0.3, 0.0, 0.8, "share of time at full reporting demands", "staff",
       "assumption (Statskontoret on reporting load)",
       "Additional share of time on control and reporting at full reporting demands."),
    _p("time_needed", 0.15, 0.01, 0.5, "share of time", "staff",
       "assumption", "Free time share at which every idea can be worked on."),
    _p("crowding_out", 0.5, 0.0, 1.0, "share", "staff",
       "Frey & Jegen 2001; Falk & Kosfeld 2006",
       "How much control crowds out intrinsic motivation at full detail."),
    _p("turnover", 0.12, 0.0, 0.5, "share per year", "staff",
       "Arbetsgivarverket, Personalomsättning i staten med tabeller: 11.9 % in 2022 (9.8–12.6 % 2012–2022)",
       "Share of staff replaced per year; head counts are conserved; a newcomer starts at the workplace's granted autonomy and safety."),
    _p("voice_floor", 0.3, 0.0, 1.0, "probability", "staff",
       "Edmondson 1999 (voice needs psychological safety); assumption",
       "Probability that a person with no autonomy and no psychological safety voices an idea."),
    _p("autonomy_speed", 0.5, 0.05, 1.0, "per quarter", "staff",
       "assumption", "Share of the gap to granted autonomy closed per quarter."),
    _p("safety_speed", 0.25, 0.05, 1.0, "per quarter", "staff",
       "assumption", "Share of the gap to the workplace's psychological safety closed per quarter."),
    _p("culture_threshold", 0.55, 0.0, 1.0, "index 0–1", "staff",
       "set by hand to C2 (fewer than one fifth perceive an experimentation culture) in C2's population, the public-sector world: 0.15 at its baseline (0.3; 0.2 set 0.5 in the state world)",
       "Climate score at which half of staff perceive an experimentation culture."),
    _p("culture_steepness", 12.0, 1.0, 50.0, "1", "staff",
       "assumption", "Steepness of the perception of an experimentation culture."),
    # --- Experiments, incidents and diffusion (ODD submodels 6–7) ---
    _p("experiment_quarters", 3.0, 1.0, 12.0, "quarters", "experiments",
       "assumption", "Mean duration of an experiment."),
    _p("experiment_effort", 0.5, 0.0, 3.0, "person-years per year", "experiments",
       "assumption", "Core-work time a running experiment takes from its workplace (in persons working on it full time)."),
    _p("base_success", 0.5, 0.0, 1.0, "probability", "experiments",
       "assumption", "Success probability of an experiment on a median-quality idea in a workplace of mid skill."),
    _p("horizon_cut", 0.5, 0.0, 1.0, "probability", "experiments",
       "C1; assumption",
       "Probability that an unfunded experiment under way at a budget-year boundary is cut, at a 1-year horizon (divided by the horizon in years)."),
    _p("sector_risk", 0.3, 0.0, 1.0, "index 0–1", "experiments",
       "C14 (risk vs legal certainty); assumption",
       "Mean sector risk of agencies: how often a failed experiment becomes an incident."),
    _p("control_catch", 0.6, 0.0, 1.0, "share", "experiments",
       "assumption (control as safeguard)",
       "Share of incidents from failures that detailed control catches at full steering detail."),
    _p("operational_incidents", 2.0, 0.0, 20.0, "incidents per 1000 staff per year", "experiments",
       "assumption", "Incidents of ordinary operations at zero psychological safety, independent of experiments."),
    _p("diffusion_rate", 4.0, 0.0, 5.0, "per innovation per quarter", "experiments",
       "Rogers 2003; Innovationsbarometern (new to the workplace counts)",
       "Rate at which neighbouring workplaces adopt an innovation."),
    _p("state_site_staff", 101, 20, 300, "staff per work site", "managers",
       "Länsstyrelserna, mapping of state presence: 278 015 state employees at 2 749 work sites of 220 agencies: 278 015 / 2 749 = 101",
       "Staff of a state agency's work site (arbetsställe), the unit Innovationsbarometern asks; an agency's teams are grouped into sites of round(state_site_staff / span_of_control) teams."),
    _p("local_site_staff", 33, 5, 200, "staff per work site", "managers",
       "derived: SKL 2019 (Innovationsbarometern: a population of about 38 000 public work sites) less the state's 2 749 sites (Länsstyrelserna), for SKR's 1 175 000 municipal and regional staff (875 000 + 300 000): 1 175 000 / 35 251 = 33; an assumption where the sources' years and definitions differ",
       "Staff of a municipal or regional work site; their teams are grouped into sites of round(local_site_staff / span_of_control) teams."),
    # --- Functional-form coefficients (0.2.3's module constants; issue 21: every number that shapes
    # a result is a parameter with a range). Defaults are 0.2.3's values, so outputs are unchanged.
    _p("autonomy_base", 0.1, 0.0, 0.3, "share", "managers",
       "assumption (even a control-oriented manager leaves some room)",
       "Autonomy every workplace grants, whatever its manager's orientation."),
    _p("leader_bonus", 0.1, 0.0, 0.3, "share", "managers",
       "C8 (innovation leaders protect room for innovation); assumption",
       "Extra autonomy an innovation leader grants and extra share of ideas she approves."),
    _p("leader_success", 0.05, 0.0, 0.2, "probability", "experiments",
       "C8; assumption", "Extra success probability of an experiment in an innovation leader's workplace."),
    _p("safety_base", 0.15, 0.0, 0.5, "index 0–1", "staff",
       "Edmondson 1999; assumption",
       "Psychological safety a fully control-oriented manager's workplace tends to (before blame)."),
    _p("safety_per_trust", 0.6, 0.2, 0.85, "index per unit of orientation", "staff",
       "Edmondson 1999 (leader behaviour shapes team psychological safety); assumption",
       "Rise in a workplace's psychological safety target per unit of its manager's trust orientation."),
    _p("blame_per_failure", 0.1, 0.0, 0.3, "safety per failure", "staff",
       "Edmondson 1999 (blame for failure lowers safety); assumption",
       "Safety a fully control-oriented manager takes away per failed experiment of the last quarter."),
    _p("blame_max", 0.3, 0.0, 0.6, "index 0–1", "staff",
       "assumption", "Most safety that blame for failures can take away in a quarter."),
    _p("money_floor", 0.5, 0.0, 1.0, "probability", "experiments",
       "C3 (no money set aside for innovation); assumption",
       "Probability that an approved experiment finds money when no innovation slack is reserved."),
    _p("slack_for_full_money", 0.05, 0.01, 0.3, "share of time", "experiments",
       "C3; assumption",
       "Innovation slack at which every approved experiment finds money (money rises linearly from money_floor up to it)."),
    _p("skill_success", 0.3, 0.0, 0.6, "probability per unit of skill", "experiments",
       "assumption", "Rise in an experiment's success probability per unit of its workplace's mean skill above 0.5."),
    _p("absorb_floor", 0.3, 0.0, 1.0, "share", "experiments",
       "Cohen & Levinthal 1990 (absorptive capacity); assumption",
       "Absorptive capacity of a workplace with no autonomy (diffusion: adoption probability factor)."),
    _p("climate_autonomy", 0.35, 0.0, 0.7, "weight", "staff",
       "assumption (the climate score behind C2)", "Weight of autonomy in a person's climate score."),
    _p("climate_safety", 0.35, 0.0, 0.7, "weight", "staff",
       "assumption (the climate score behind C2)", "Weight of psychological safety in a person's climate score."),
    _p("climate_motivation", 0.15, 0.0, 0.7, "weight", "staff",
       "assumption (the climate score behind C2)", "Weight of intrinsic motivation in a person's climate score."),
    _p("climate_recent", 0.15, 0.0, 0.7, "weight", "staff",
       "assumption (the climate score behind C2)", "Weight of a recent innovation in the workplace in a person's climate score."),
    _p("recent_quarters", 4, 1, 8, "quarters", "staff",
       "assumption", "An innovation in the workplace within this many quarters colours the climate."),
    _p("spinup_trust_share", 0.2, 0.0, 0.6, "share of managers", "managers",
       "C1–C3 (today's steering and leadership are control-based); assumption",
       "Share of trust-oriented managers when the spin-up starts (the spin-up then runs under baseline settings)."),
    _p("recruit_spread", 0.1, 0.0, 0.3, "index 0–1", "managers",
       "March 1991 (newcomers learn the organisation's code); assumption",
       "A recruited manager's orientation is her organisation's mean orientation plus U(-recruit_spread, recruit_spread)."),
    _p("funded_screen", 0.5, 0.0, 1.0, "share of ideas", "chain",
       "C13; assumption",
       "Funded (grassroots) experiments come from the best share funded_screen of ideas: quality ~ U(1 - funded_screen, 1)."),
    _p("cross_link_share", 0.2, 0.05, 0.5, "links per agency tie per real team", "managers",
       "assumption (no Swedish data on cross-agency collaboration ties); decides how far trust spreads between organisations (P8)",
       "Cross-agency collaboration links per agency tie, as a share of the smaller organisation's real team count (at least one)."),
    _p("ring_neighbours", 2, 1, 4, "workplaces on each side", "managers",
       "Watts & Strogatz 1998; assumption",
       "Within an organisation each workplace collaborates with this many workplaces on each side of a ring."),
    _p("rewire", 0.1, 0.0, 0.5, "probability", "managers",
       "Watts & Strogatz 1998 (small world at 0.01–0.1); assumption",
       "Probability that a within-organisation collaboration tie is rewired to a random workplace (shortcuts)."),
    _p("kind_risk_municipality", 1.2, 0.5, 2.0, "ratio to state agencies", "experiments",
       "assumption (social services carry more operational risk than the average state agency)",
       "Sector risk of municipalities relative to state agencies."),
    _p("kind_risk_region", 1.5, 0.5, 2.5, "ratio to state agencies", "experiments",
       "assumption (health care carries more operational risk than the average state agency)",
       "Sector risk of regions relative to state agencies."),
)
# fmt: on

SPECS: dict[str, ParamSpec] = {p.name: p for p in PARAMETERS}

# Numeric module constants of the model layer that are *not* parameters, each with the reason it is
# structural (or the source of the fact it holds). tests/test_constants.py fails when a numeric
# module constant of trustsim/{model,agents,staff,networks,worlds}.py is neither here nor the
# default of the parameter of the same name (lower case). docs/ODD.md §9 lists this table.
STRUCTURAL: dict[str, str] = {
    "model.CROSS": "bit flag of an experiment (cross-agency); a code, not a quantity",
    "model.FUNDED": "bit flag of an experiment (funded: never cut); a code, not a quantity",
    "model.METHOD": "bit flag of an experiment (method support); a code, not a quantity",
    "model.MEAN_DIGITAL": "the mean of digital competence's Beta(4, 6) distribution (0.4): the point above which a manager's digital competence raises success; follows from the distribution",
    "model.WINDOW_QUARTERS": "Innovationsbarometern asks about innovation in the last two years (8 quarters): the survey's definition",
    "model.MIN_COST_MSEK": "numerical guard: below 1 000 SEK a year there is no programme to divide by",
    "model.SPINUP_CACHE_SIZE": "memory of the spin-up cache; no effect on any output",
    "model.SPINUP_CACHE_MAX_STAFF": "memory of the spin-up cache; no effect on any output",
    "worlds.STATE_AGENCY": "code of an organisation kind",
    "worlds.MUNICIPALITY": "code of an organisation kind",
    "worlds.REGION": "code of an organisation kind",
    "worlds.STATE_AGENCIES": "Statskontoret, Myndigheterna under regeringen: 340 agencies on 1 Jan 2019",
    "worlds.STATE_STAFF": "Statskontoret: 226 000-262 000 FTE 2019-2025; Länsstyrelserna: 278 015 employed people; 270 000 is within the two",
    "worlds.STATE_SIGMA": "chosen so that more than 40 % of agencies have fewer than 50 staff (Statskontoret 2019)",
    "worlds.LARGEST_AGENCY": "Polismyndigheten, the largest agency, about 35 000 employees (2022)",
    "worlds.MUNICIPALITIES": "SKR: 290 municipalities (Region Gotland among them)",
    "worlds.MUNICIPAL_STAFF": "SKR, Personalen i välfärden 2021: about 875 000 municipal employees",
    "worlds.MUNICIPAL_SIGMA": "chosen so that Stockholm has about 45 000 staff and the smallest a few hundred",
    "worlds.REGIONS": "SKR's 21 regions less Region Gotland, counted once among the municipalities",
    "worlds.REGIONAL_STAFF": "SKR, Personalen i välfärden 2021: about 300 000 regional employees",
    "worlds.REGIONAL_SIGMA": "chosen so that Region Stockholm has about 47 000 staff and the smallest about 2 000",
    "worlds.MIN_ORG_SIZE": "the smallest agencies have a handful of staff",
    "worlds.TEACHING_SIZES": "the teaching world is a classroom miniature of 300 staff, not the real system",
    "worlds.MIN_SCALE": "the smallest scale at which every organisation keeps at least one work site (ODD §2)",
    "agents.DOMAIN_MIX": "each support body's share of support by domain, read from its mandate (AgV leadership/HR, ESV financial steering, DIGG digital benefits realisation, SKR all three): a description of the bodies, ODD §7.2",
}

# Levers: what policy (or a scenario's stress test) chooses. The spin-up runs with every lever at
# its default (the control-based baseline); the scenario's levers switch on at quarter 0.
LEVERS: frozenset[str] = frozenset({
    "steering_detail", "reporting_demands", "local_steering_detail", "budget_horizon_years",
    "earmarking_share", "innovation_slack", "agv_alignment", "esv_alignment", "digg_alignment",
    "skr_alignment", "agv_reach", "esv_reach", "digg_reach", "skr_reach", "method_support",
    "innovation_leader_share", "digital_programme_reach", "rum", "dispensation",
    "experimentation_funding_msek", "experimentation_levels", "initial_trust_share",
    "scandal_quarter", "scandal_size",
})


def _unknown(name: str) -> ParameterError:
    close = difflib.get_close_matches(name, SPECS, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ParameterError(f"unknown parameter {name!r}{hint} (see docs/ODD.md for the list)")


class Params(Mapping[str, Any]):
    """An immutable, validated set of parameter values (defaults plus overrides)."""

    __slots__ = ("_values",)

    def __init__(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        merged = dict(overrides or {})
        merged.update(kwargs)
        values = {p.name: p.default for p in PARAMETERS}
        for name, value in merged.items():
            spec = SPECS.get(name)
            if spec is None:
                raise _unknown(name)
            values[name] = spec.check(value)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_values":  # protocol lookups (pickle, copy)
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise _unknown(name) from None

    def __reduce__(self):
        return (Params, (self._values,))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are immutable; use .replace(**changes)")

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            raise _unknown(name)
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes: Any) -> Params:
        return Params({**self._values, **changes})

    def baseline(self) -> Params:
        """These parameters with every lever at its default: the settings of the spin-up."""
        return Params({k: v for k, v in self._values.items() if k not in LEVERS})

    def changed(self) -> dict[str, Any]:
        """The values that differ from the defaults."""
        return {k: v for k, v in self._values.items() if v != SPECS[k].default}

    def __repr__(self) -> str:
        return f"Params({self.changed()!r})"


def check_name(name: str) -> ParamSpec:
    """Return the spec for `name` or raise a ParameterError suggesting the closest valid name."""
    spec = SPECS.get(name)
    if spec is None:
        raise _unknown(name)
    return spec


def parameter_table_markdown() -> str:
    """The ODD parameter table, generated from PARAMETERS."""
    lines = [
        "| group | parameter | default | range | unit | source | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS:
        if p.kind is bool:
            default, rng = str(p.default).lower(), "true / false"
        elif p.kind is int:
            default, rng = str(p.default), f"{int(p.low)} – {int(p.high)}"
        else:
            default, rng = f"{p.default:g}", f"{p.low:g} – {p.high:g}"
        group = f"{p.group} (lever)" if p.name in LEVERS else p.group
        lines.append(
            f"| {group} | `{p.name}` | {default} | {rng} | {p.unit} | {p.source} | {p.doc} |"
        )
    return "\n".join(lines) + "\n"


TABLE_BEGIN = "<!-- BEGIN PARAMETER TABLE (generated from trustsim/params.py; do not edit by hand) -->"
TABLE_END = "<!-- END PARAMETER TABLE -->"


STRUCTURAL_BEGIN = (
    "<!-- BEGIN STRUCTURAL TABLE (generated from trustsim/params.py STRUCTURAL; do not edit by hand) -->"
)
STRUCTURAL_END = "<!-- END STRUCTURAL TABLE -->"


def structural_table_markdown() -> str:
    """The ODD table of structural constants (§9), generated from STRUCTURAL."""
    lines = ["| constant | why it is structural (or its source) |", "|---|---|"]
    lines += [f"| `{name}` | {reason} |" for name, reason in STRUCTURAL.items()]
    return "\n".join(lines) + "\n"


def _between(text: str, begin: str, end: str, body: str) -> str:
    start, stop = text.index(begin) + len(begin), text.index(end)
    return text[:start] + "\n" + body + text[stop:]


def odd_with_table(text: str) -> str:
    """`text` (docs/ODD.md) with the parameter table and the structural-constant table between
    their markers regenerated."""
    text = _between(text, TABLE_BEGIN, TABLE_END, parameter_table_markdown())
    return _between(text, STRUCTURAL_BEGIN, STRUCTURAL_END, structural_table_markdown())

