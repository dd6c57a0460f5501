"""Mutation score of the fast test suite: does a test fail when a mechanism of the model breaks?

Each mutation below is a one-line knock-out of one mechanism (ODD §3, §7.1–7.8): exact old text in
a file of `trustsim/`, its replacement, and the mechanism it breaks. For each, the working tree's
`trustsim/` and the fast tests are copied to a temporary folder, the mutation is applied there (the
repository is never touched), and

    python -m pytest -q -x tests/mechanisms tests/test_model_properties.py

runs without golden runs or pattern tests, starting with the mechanism test that should catch it.
A mutation is caught when pytest fails (or times out). Run it before a model change lands:

    .venv/bin/python scripts/mutation.py            # all mutations, prints "N of M mutations caught"
    .venv/bin/python scripts/mutation.py --quick    # the CI subset
    .venv/bin/python scripts/mutation.py --list     # names and mechanisms
    .venv/bin/python scripts/mutation.py --only turnover-off,outcome-learning-off -j 2

Every mutation's old text must occur exactly once in its file, or the script stops before running
anything (so the list stays true to the code: when a line changes, update its mutation). The exit
status is 0 when every mutation is caught, 1 when some survive, 2 on a usage or set-up error.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST_TESTS = ("tests/mechanisms", "tests/test_model_properties.py")
# not about the model's mechanisms: whether docs/ODD.md names the tests
IGNORED = ("tests/mechanisms/test_odd_names_tests.py",)
TIMEOUT_S = 600


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # inside trustsim/
    old: str
    new: str
    breaks: str  # the mechanism it breaks, with its ODD section
    test: str  # the mechanism test that should catch it (run first)
    quick: bool = False  # in the CI subset


M = Mutation
# fmt: off
MUTATIONS: tuple[Mutation, ...] = (
    # --- §7.1 governments and the ratchets ---
    M("ratchet-never-loosens", "agents.py",
      "m.ratchet = m.ratchet * (1.0 - p.ratchet_decay) + p.ratchet_up * seen",
      "m.ratchet = m.ratchet + p.ratchet_up * seen",
      "7.1 the ratchet decays by ratchet_decay", "test_government.py"),
    M("tighten-loosen-swapped", "agents.py",
      "np.where(gap > 0, p.tighten_speed, p.loosen_speed)",
      "np.where(gap > 0, p.loosen_speed, p.tighten_speed)",
      "7.1 steering tightens fast and loosens slowly", "test_government.py"),
    M("scandal-not-seen", "agents.py",
      "seen[0] += m.injected", "seen[0] += 0.0",
      "7.1 an injected scandal counts for the state's ratchet", "test_government.py"),
    M("no-national-regulation-ratchet", "model.py",
      "ratchet = np.where(local, self.ratchet[sector] + share * state_r, state_r)",
      "ratchet = np.where(local, self.ratchet[sector], state_r)",
      "7.1 the state's ratchet reaches municipalities and regions by national_regulation_share",
      "test_government.py"),
    M("no-steering-spread", "model.py",
      "self.detail_factor = rng.uniform(1 - spread, 1 + spread, n)",
      "self.detail_factor = 1.0 + 0.0 * rng.uniform(1 - spread, 1 + spread, n)",
      "7.1 per-organisation heterogeneity of steering (steering_spread)", "test_government.py"),
    # --- §7.2 support by domain ---
    M("support-ignores-remit", "agents.py",
      "reached = (rng.random(len(trust_signal)) < self.reach / 4.0) & self.remit",
      "reached = rng.random(len(trust_signal)) < self.reach / 4.0",
      "7.2 a body supports only the organisations of its remit", "test_support.py", quick=True),
    M("support-ignores-legitimacy", "agents.py",
      "signal = abs(direction) * self.domain_mix * self.legitimacy",
      "signal = abs(direction) * self.domain_mix",
      "7.2 the signal is mix × legitimacy by domain (C7)", "test_support.py"),
    M("control-support-sent-as-trust", "agents.py",
      "            control_signal[reached] += signal",
      "            trust_signal[reached] += signal",
      "7.2 control-aligned support pushes toward control", "test_support.py"),
    M("support-memory-never-fades", "model.py",
      "self.trust_signal *= p.support_memory", "self.trust_signal *= 1.0",
      "7.2 the support memory decays by support_memory", "test_support.py"),
    M("no-reporting-relief", "model.py",
      "relief = self.p.support_reporting_effect * np.clip(net, -1.0, 1.0)",
      "relief = 0.0 * np.clip(net, -1.0, 1.0)",
      "7.2 budget and digital support change reporting demands", "test_support.py", quick=True),
    M("reporting-relief-from-leadership", "model.py",
      "net = (self.trust_signal[:, 1:] - self.control_signal[:, 1:]).sum(axis=1)",
      "net = (self.trust_signal - self.control_signal).sum(axis=1)",
      "7.2 only the budget and digital domains change reporting", "test_support.py"),
    M("digital-programme-skips-managers", "model.py",
      "self.mgr_digital[hit] += p.digital_programme_gain * (1.0 - self.mgr_digital[hit])",
      "self.mgr_digital[hit] += 0.0",
      "7.2 the digital programme trains managers (C9)", "test_support.py"),
    M("support-reach-yearly", "agents.py",
      "< self.reach / 4.0) & self.remit", "< self.reach) & self.remit",
      "7.2 a body reaches reach / 4 of its remit each quarter", "test_support.py"),
    M("training-leaves-skill", "staff.py",
      "self.skill[hit] = effective_skill(self.competence[hit], self.digital[hit])",
      "self.skill[hit] = self.skill[hit]",
      "7.2 digital training raises effective skill (C9)", "test_support.py"),
    # --- §7.3 managers ---
    M("steering-pull-ignores-detail", "model.py",
      "p.steering_pull * ((1.0 - d_wp) - o)", "p.steering_pull * (0.5 - o)",
      "7.3 orientation follows the room steering leaves", "test_managers.py"),
    M("no-conflict-blunting", "model.py",
      "net = (T - C) * (1.0 - p.conflict_blunting * conflict)", "net = (T - C) + 0.0 * conflict",
      "7.3 conflicting support signals blunt uptake (C6)", "test_managers.py"),
    M("peer-threshold-off", "model.py",
      "tipped = 1.0 / (1.0 + np.exp(-p.peer_steepness * (f - p.peer_threshold)))",
      "tipped = f",
      "7.3 the peer norm tips at peer_threshold", "test_managers.py"),
    M("outcome-learning-off", "model.py",
      "+ p.outcome_effect * (self.wp_successes - p.outcome_asymmetry * self.wp_incidents)",
      "+ 0.0 * (self.wp_successes - p.outcome_asymmetry * self.wp_incidents)",
      "7.3 successes and incidents move managers (outcome learning)", "test_managers.py",
      quick=True),
    M("outcome-asymmetry-off", "model.py",
      "p.outcome_asymmetry * self.wp_incidents)", "self.wp_incidents)",
      "7.3 an incident weighs outcome_asymmetry times a success", "test_managers.py"),
    M("no-scandal-fear", "model.py",
      "- p.scandal_fear * seen", "- 0.0 * seen",
      "7.3 a visible scandal moves managers toward control", "test_managers.py"),
    M("recruits-ignore-organisation", "model.py",
      "self.orientation[leave] = np.clip(norm[org[leave]] + noise, 0.0, 1.0)",
      "self.orientation[leave] = np.clip(norm.mean() + noise, 0.0, 1.0)",
      "7.3 a recruited manager takes her organisation's orientation", "test_managers.py",
      quick=True),
    M("manager-turnover-off", "model.py",
      "leave = np.flatnonzero(rng.random(nw) < p.manager_turnover / 4.0)",
      "leave = np.flatnonzero(rng.random(nw) < 0.0)",
      "7.3 managers turn over", "test_managers.py"),
    M("autonomy-ignores-detail", "model.py",
      "o * (1.0 - p.detail_autonomy_cut * d_wp)", "o * (1.0 - 0.0 * d_wp)",
      "7.3 steering detail cuts the autonomy granted", "test_managers.py"),
    M("safety-ignores-orientation", "model.py",
      "p.safety_base + p.safety_per_trust * o - blame", "p.safety_base + p.safety_per_trust * 0.5 - blame",
      "7.3 psychological safety rises with trust orientation", "test_managers.py", quick=True),
    M("no-blame", "model.py",
      "blame = np.minimum(p.blame_max, p.blame_per_failure * self.wp_failures * (1.0 - o))",
      "blame = 0.0 * o",
      "7.3 control-oriented managers blame failures", "test_managers.py"),
    M("no-trust-shielding", "model.py",
      "* (1.0 - p.trust_shielding * o),", "* 1.0,",
      "7.3 trust-oriented managers shield staff from the admin load", "test_managers.py"),
    # --- §7.4 staff ---
    M("staff-turnover-off", "model.py",
      "st.turnover(p.turnover / 4.0, self.stream(\"staff\"), granted, safety_target)",
      "st.turnover(0.0, self.stream(\"staff\"), granted, safety_target)",
      "7.4 staff turn over", "test_staff.py", quick=True),
    M("newcomers-keep-leavers-safety", "staff.py",
      "self.safety[leavers] = safety_target[w]", "self.safety[leavers] = self.safety[leavers]",
      "7.4 a newcomer starts at the workplace's safety", "test_staff.py"),
    M("newcomers-keep-leavers-motivation", "staff.py",
      "self.motivation_base[leavers] = rng.beta(6.0, 3.0, k)",
      "self.motivation_base[leavers] = self.motivation_base[leavers] + 0.0 * rng.beta(6.0, 3.0, k)",
      "7.4 turnover renews people's traits", "test_staff.py"),
    M("safety-at-autonomy-speed", "staff.py",
      "self.safety += safety_speed * (target_s - self.safety)",
      "self.safety += autonomy_speed * (target_s - self.safety)",
      "7.4 safety closes safety_speed of its gap", "test_staff.py"),
    M("autonomy-ignores-competence", "staff.py",
      "target_a = np.minimum(1.0, granted[self.wp] * (0.7 + 0.6 * self.competence))",
      "target_a = np.minimum(1.0, granted[self.wp])",
      "7.4 autonomy taken scales with competence", "test_staff.py"),
    M("crowding-ignores-orientation", "model.py",
      "crowding = p.crowding_out * d_wp * (1.0 - o)", "crowding = p.crowding_out * d_wp",
      "7.4 trust-oriented managers protect motivation from crowding out", "test_staff.py"),
    M("culture-ignores-threshold", "model.py",
      "z = p.culture_steepness * (climate - p.culture_threshold)",
      "z = p.culture_steepness * (climate - 0.5)",
      "7.4 perception of the culture tips at culture_threshold", "test_staff.py"),
    # --- §7.5 ideas and their sorting ---
    M("dispensation-unblocks-nothing", "model.py",
      "rule_ok = rng.binomial(rule, grant)", "rule_ok = 0 * rng.binomial(rule, grant)",
      "7.5 dispensation unblocks rule-blocked ideas", "test_ideas.py", quick=True),
    M("unfunded-dispensation-use-ignored", "model.py",
      "grant = p.dispensation_grant * (1.0 if funded else p.unfunded_dispensation_use)",
      "grant = p.dispensation_grant",
      "7.5 without funding agencies rarely use the dispensation route (C13)", "test_ideas.py"),
    M("experiments-take-no-time", "model.py",
      "busy = p.experiment_effort * running / self.wp_size",
      "busy = 0.0 * running / self.wp_size",
      "7.5 running experiments take time (experiment_effort)", "test_ideas.py", quick=True),
    M("time-gate-ignores-admin", "model.py",
      "1.0 - p.core_work_share - admin_load - busy", "1.0 - p.core_work_share - busy",
      "7.5 control and reporting take the time ideas need", "test_ideas.py"),
    M("voice-ignores-safety", "model.py",
      "0.5 * (st.autonomy + st.safety)", "st.autonomy",
      "7.5 psychological safety opens the voice gate", "test_ideas.py"),
    M("rum-takes-every-idea", "model.py",
      "cross_taken = rng.binomial(cross_ok, uptake)",
      "cross_taken = rng.binomial(cross_ok, 1.0 if uptake else 0.0)",
      "7.5 RUM takes up its share rum_uptake of cross-agency ideas", "test_ideas.py"),
    M("cross-rule-factor-ignored", "model.py",
      "np.minimum(1.0, reg * p.cross_rule_factor)", "np.minimum(1.0, reg)",
      "7.5 cross-agency ideas hit blocking rules more often", "test_ideas.py"),
    M("no-mission-co-funding", "model.py",
      "cross_started = mission + rng.binomial(cross_taken - mission, money)",
      "cross_started = rng.binomial(cross_taken, money) + 0 * mission",
      "7.5 mission-tied issues bring co-funding (C11)", "test_ideas.py", quick=True),
    M("approval-ignores-orientation", "model.py",
      "p.approval_floor + (1.0 - p.approval_floor) * o + p.leader_bonus * self.leader",
      "p.approval_floor + p.leader_bonus * self.leader",
      "7.5 trust-oriented managers approve more ideas", "test_ideas.py"),
    M("slack-ignores-horizon", "model.py",
      "p.innovation_slack + p.slack_per_horizon_year * (p.budget_horizon_years - 1)",
      "p.innovation_slack + 0.0 * (p.budget_horizon_years - 1)",
      "7.5 a longer budget horizon reserves more slack (C1, C3)", "test_ideas.py"),
    M("money-ignores-slack", "model.py",
      "money = p.money_floor + (1.0 - p.money_floor) * min(1.0, self.slack / p.slack_for_full_money)",
      "money = p.money_floor + 0.0 * self.slack",
      "7.5 approved ideas find money in the slack", "test_ideas.py"),
    M("no-quality-screening", "model.py",
      "q_local = 1.0 - approve[local_wp] * rng.random(len(local_wp))",
      "q_local = rng.random(len(local_wp))",
      "7.5 managers approve the best ideas", "test_ideas.py", quick=True),
    M("approval-blocker-misses-cross-agency", "model.py",
      "candidates - started + cross_taken - cross_started",
      "candidates - started",
      "7.5 blocker accounting: every voiced idea is counted once", "test_ideas.py"),
    # --- §7.6 experiments, incidents and the national scheme ---
    M("incidents-ignore-sector-risk", "model.py",
      "            self.risk[ag]\n", "            p.sector_risk\n",
      "7.6 incidents per failure follow the organisation's risk", "test_experiments.py",
      quick=True),
    M("control-catches-nothing", "model.py",
      "* (1.0 - p.control_catch * self.detail[ag])", "* 1.0",
      "7.6 detailed control catches errors", "test_experiments.py", quick=True),
    M("safety-catches-no-failures", "model.py",
      "* (1.0 - p.safety_catch * safety_wp[dwp])", "* 1.0",
      "7.6 safe workplaces catch failed experiments' errors", "test_experiments.py", quick=True),
    M("safety-catches-no-operational-errors", "model.py",
      "            1.0 - p.safety_catch * safety_wp\n        )", "            1.0\n        )",
      "7.6 safe workplaces catch operational errors", "test_experiments.py"),
    M("method-no-success-gain", "model.py",
      "+ p.method_success_gain * has_method", "+ 0.0 * has_method",
      "7.6 method support raises success (C8)", "test_experiments.py", quick=True),
    M("method-no-incident-reduction", "model.py",
      "* (1.0 - p.method_incident_reduction * has_method)", "* 1.0",
      "7.6 method support prevents incidents", "test_experiments.py"),
    M("quality-no-success", "model.py",
      "+ p.quality_success * (dq - 0.5)", "+ 0.0 * (dq - 0.5)",
      "7.6 better ideas succeed more often", "test_experiments.py"),
    M("skill-no-success", "model.py",
      "+ p.skill_success * (skill_wp[dwp] - 0.5)", "+ 0.0 * (skill_wp[dwp] - 0.5)",
      "7.6 skilled workplaces succeed more often", "test_experiments.py"),
    M("manager-digital-no-success", "model.py",
      "+ p.manager_digital_effect * (self.mgr_digital[dwp] - MEAN_DIGITAL)",
      "+ 0.0 * (self.mgr_digital[dwp] - MEAN_DIGITAL)",
      "7.6 managers' digital competence raises success (C9)", "test_experiments.py"),
    M("leaders-no-success", "model.py",
      "+ p.leader_success * self.leader[dwp]", "+ 0.0 * self.leader[dwp]",
      "7.6 innovation leaders raise success (C8)", "test_experiments.py"),
    M("budget-horizon-ignored", "model.py",
      "p.horizon_cut / p.budget_horizon_years", "p.horizon_cut",
      "7.6 a longer budget horizon cuts fewer experiments (C1)", "test_experiments.py"),
    M("funded-experiments-cut", "model.py",
      "exposed = (self.exp_flags & FUNDED) == 0", "exposed = self.exp_flags >= 0",
      "7.6 funded experiments are immune to budget-year cuts", "test_experiments.py"),
    M("durations-one-quarter-longer", "model.py",
      "dur = 1 + rng.poisson(p.experiment_quarters - 1.0, size=len(new_wp))",
      "dur = 1 + rng.poisson(p.experiment_quarters, size=len(new_wp))",
      "7.6 experiments last experiment_quarters on average", "test_experiments.py"),
    M("no-method-support-given", "model.py",
      "method = rng.random(len(new_wp)) < self.rise.share",
      "method = rng.random(len(new_wp)) < 0.0",
      "7.6 a share method_support of experiments gets method support", "test_experiments.py"),
    M("grassroots-unfunded", "model.py",
      "flags.append(np.full(len(g_wp), FUNDED))", "flags.append(np.full(len(g_wp), 0))",
      "7.6 grassroots experiments are funded", "test_experiments.py"),
    M("rum-relevance-ignored", "agents.py",
      "relevance = 1.0 if p.rum else p.relevance_without_rum", "relevance = 1.0",
      "7.6 national experiments modernise relevant rules only with RUM (C10–C12)",
      "test_experiments.py"),
    M("rules-change-without-dispensation", "agents.py",
      "if wins and p.dispensation:", "if wins:",
      "7.6 without dispensation national experiments change no rules", "test_experiments.py"),
    M("rules-never-drift-back", "model.py",
      "self.regulation += p.rule_obsolescence * (self.regulation0 - self.regulation)",
      "self.regulation += 0.0 * (self.regulation0 - self.regulation)",
      "7.6 rules drift back toward their initial complexity", "test_experiments.py"),
    M("scheme-ignores-method-support", "agents.py",
      "p_success = min(1.0, p.base_success + p.method_success_gain * m.rise.share)",
      "p_success = min(1.0, p.base_success)",
      "7.6 method support raises national experiments' success", "test_experiments.py"),
    M("visibility-at-model-scale", "model.py",
      "visible = rng.poisson(self.p.visible_share * incidents * factor)",
      "visible = rng.poisson(self.p.visible_share * incidents) * factor",
      "7.6 visible incidents are drawn at national scale", "test_experiments.py", quick=True),
    # --- §7.7 diffusion ---
    M("absorb-ignores-autonomy", "model.py",
      "absorb = p.absorb_floor + (1.0 - p.absorb_floor) * mean_autonomy",
      "absorb = 1.0 + 0.0 * mean_autonomy",
      "7.7 autonomy raises absorptive capacity", "test_diffusion.py"),
    M("diffusion-rate-ignored", "model.py",
      "p_adopt = 1.0 - np.exp(-p.diffusion_rate * exposure * absorb)",
      "p_adopt = 1.0 - np.exp(-exposure * absorb)",
      "7.7 adoption rises with diffusion_rate", "test_diffusion.py"),
    M("adoption-without-neighbours", "model.py",
      "exposure = self.neighbour_mean @ successes", "exposure = successes",
      "7.7 exposure comes from network neighbours", "test_diffusion.py"),
    M("adoption-has-unit-value", "model.py",
      "value_exposure, exposure, out=np.zeros(nw), where=exposure > 0",
      "exposure, exposure, out=np.zeros(nw), where=exposure > 0",
      "7.7 an adoption carries the value it copies", "test_diffusion.py"),
    # --- §7.8 outputs ---
    M("rates-unweighted", "model.py",
      "return float(_dot(self.wp_weight, counts)) * 4000.0 / self.real_staff",
      "return float(counts.sum()) * 4000.0 / self.n_staff",
      "7.8 rates are weighted to real head counts", "test_outputs.py"),
    M("sites-unweighted", "model.py",
      "_dot(self.site_weight, site_innovated) / self.site_weight.sum()",
      "site_innovated.mean()",
      "7.8 the work-site share is weighted to real sites", "test_outputs.py"),
    M("innovation-window-one-year", "model.py",
      "WINDOW_QUARTERS = 8", "WINDOW_QUARTERS = 4",
      "7.8 Innovationsbarometern's two-year window", "test_outputs.py"),
    M("developing-share-over-all-sites", "model.py",
      "idle = self.site_weight * ~site_innovated", "idle = self.site_weight + 0.0",
      "7.8 sites developing are idle sites with an experiment", "test_outputs.py"),
    M("method-cost-ignores-share", "model.py",
      "+ p.method_cost_msek * self.rise.share", "+ p.method_cost_msek",
      "7.8 the programme cost counts method support by its share", "test_outputs.py"),
    # --- §3 spin-up and the lever switch ---
    M("spin-up-under-scenario", "model.py",
      "self.p = p.baseline()  # the spin-up runs under baseline settings",
      "self.p = p",
      "§3 the spin-up runs under baseline settings", "test_spinup.py"),
    M("spin-up-cache-ignores-parameters", "model.py",
      "key = (self.world_name, self.scale, self.seed, tuple(sorted(self.p.items())))",
      "key = (self.world_name, self.scale, self.seed)",
      "§3 a cached spin-up is identical to an uncached one", "test_spinup.py", quick=True),
    M("initial-trust-share-zero-ignored", "model.py",
      "if p.initial_trust_share >= 0:", "if p.initial_trust_share > 0:",
      "§3 initial_trust_share >= 0 redraws orientations at quarter 0", "test_spinup.py"),
    M("leaders-not-redrawn", "model.py",
      "if p.innovation_leader_share != self.p.baseline().innovation_leader_share:",
      "if False:",
      "§3 a changed innovation_leader_share takes effect at quarter 0", "test_spinup.py"),
    M("scandal-a-quarter-late", "model.py",
      "if p.scandal_quarter >= 0 and t == p.scandal_quarter:",
      "if p.scandal_quarter >= 0 and t == p.scandal_quarter + 1:",
      "§3 scandal_quarter counts quarters of the reported series", "test_spinup.py"),
)
# fmt: on


def check_texts(mutations, package: Path) -> list[str]:
    """Problems with the list: unknown files, old texts not found exactly once, duplicate names."""
    problems = []
    names = [m.name for m in mutations]
    problems += [f"duplicate name {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    for m in mutations:
        path = package / m.file
        if not path.is_file():
            problems.append(f"{m.name}: no file trustsim/{m.file}")
            continue
        count = path.read_text(encoding="utf-8").count(m.old)
        if count != 1:
            problems.append(
                f"{m.name}: old text found {count} times in trustsim/{m.file}: {m.old!r}"
            )
        if m.old == m.new:
            problems.append(f"{m.name}: the new text is the old text")
        if not (ROOT / "tests/mechanisms" / m.test).is_file():
            problems.append(f"{m.name}: no test file tests/mechanisms/{m.test}")
    return problems


def copy_tree(dest: Path) -> None:
    """The working tree's package and fast tests (and what they read) under `dest`."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "_data")
    shutil.copytree(ROOT / "trustsim", dest / "trustsim", ignore=ignore)
    (dest / "tests").mkdir()
    shutil.copy2(ROOT / "tests/__init__.py", dest / "tests/__init__.py")
    for entry in FAST_TESTS:
        src = ROOT / entry
        if src.is_dir():
            shutil.copytree(src, dest / entry, ignore=ignore)
        else:
            shutil.copy2(src, dest / entry)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    for folder in ("scenarios", "experiments"):  # read by trustsim.run (property tests)
        if (ROOT / folder).exists():
            (dest / folder).symlink_to(ROOT / folder)


def _env(dest: Path) -> dict[str, str]:
    """The copy first on the path; no bytecode; no third-party pytest plugins (the app's browser
    plugins take seconds to load and the fast suite needs none of them)."""
    return {
        **os.environ,
        "PYTHONPATH": str(dest),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def pytest_command(tests: list[str], ignore: tuple[str, ...] = ()) -> list[str]:
    ignored = [f"--ignore={path}" for path in (*IGNORED, *ignore)]
    return [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *ignored, *tests]


def run_suite(dest: Path, first: str | None, timeout: float) -> tuple[bool, str, float]:
    """(failed, first failing test or reason, seconds) of the fast suite in `dest`: the mechanism
    test `first` alone, then (if it passes) the rest."""
    start = time.monotonic()
    runs = [pytest_command(list(FAST_TESTS))]
    if first:
        hint = f"tests/mechanisms/{first}"
        runs = [pytest_command([hint]), pytest_command(list(FAST_TESTS), ignore=(hint,))]
    for command in runs:
        left = timeout - (time.monotonic() - start)
        try:
            done = subprocess.run(
                command,
                check=False,
                cwd=dest,
                env=_env(dest),
                capture_output=True,
                text=True,
                timeout=max(left, 1.0),
            )
        except subprocess.TimeoutExpired:
            return True, f"timeout after {timeout:.0f} s", time.monotonic() - start
        if done.returncode != 0:
            failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
            reason = failed.group(1) if failed else f"pytest exit {done.returncode}"
            return True, reason, time.monotonic() - start
    return False, "", time.monotonic() - start


def mutate_and_run(mutation: Mutation, timeout: float) -> tuple[bool, str, float]:
    with tempfile.TemporaryDirectory(prefix=f"mutation-{mutation.name}-") as tmp:
        dest = Path(tmp)
        copy_tree(dest)
        path = dest / "trustsim" / mutation.file
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(mutation.old, mutation.new, 1), encoding="utf-8")
        return run_suite(dest, mutation.test, timeout)


def baseline(timeout: float) -> None:
    """The unmutated copy must import from the copy and pass the suite, or scores mean nothing."""
    with tempfile.TemporaryDirectory(prefix="mutation-baseline-") as tmp:
        dest = Path(tmp)
        copy_tree(dest)
        where = subprocess.run(
            [sys.executable, "-c", "import trustsim; print(trustsim.__file__)"],
            check=False,
            cwd=dest,
            env=_env(dest),
            capture_output=True,
            text=True,
        )
        if not where.stdout.strip().startswith(str(dest)):
            sys.exit(
                f"error: the copy imports trustsim from {where.stdout.strip() or where.stderr}"
                f", not from {dest}"
            )
        failed, reason, seconds = run_suite(dest, None, timeout)
        if failed:
            sys.exit(f"error: the fast suite fails without any mutation ({reason}); fix it first")
        print(f"baseline: the fast suite passes unmutated ({seconds:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the CI subset")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only these mutations (names, comma-separated; repeatable)",
    )
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutations run in parallel")
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT_S,
        help="seconds per pytest run (a timeout counts as caught)",
    )
    args = parser.parse_args(argv)

    problems = check_texts(MUTATIONS, ROOT / "trustsim")
    if problems:
        print("error: the mutation list no longer matches the code:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    chosen = [m for m in MUTATIONS if m.quick] if args.quick else list(MUTATIONS)
    only = {name.strip() for names in args.only for name in names.split(",") if name.strip()}
    if only:
        unknown = sorted(only - {m.name for m in MUTATIONS})
        if unknown:
            print(f"error: unknown mutations {unknown}; see --list", file=sys.stderr)
            return 2
        chosen = [m for m in chosen if m.name in only]
    if args.list:
        for m in chosen:
            print(f"{m.name:40s} {'quick ' if m.quick else '      '}{m.breaks}")
        print(f"{len(chosen)} mutations")
        return 0
    if args.jobs < 1:
        print("error: -j must be at least 1", file=sys.stderr)
        return 2

    start = time.monotonic()
    baseline(args.timeout)
    width = max(len(m.name) for m in chosen)
    results = {}

    def one(m: Mutation):
        results[m.name] = mutate_and_run(m, args.timeout)
        caught, reason, seconds = results[m.name]
        verdict = "caught  " if caught else "SURVIVED"
        by = f"by {reason}" if caught else f"({m.breaks})"
        print(f"{verdict} {m.name:{width}s} {seconds:5.0f} s  {by}", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, chosen))
    survivors = [m for m in chosen if not results[m.name][0]]
    print(
        f"\n{len(chosen) - len(survivors)} of {len(chosen)} mutations caught"
        f" ({time.monotonic() - start:.0f} s)"
    )
    if survivors:
        print("survivors:")
        for m in survivors:
            print(f"  {m.name}: {m.breaks} (trustsim/{m.file})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
