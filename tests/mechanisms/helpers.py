"""Small models and hand-built states for the mechanism tests (one test file per ODD submodel).

Every mechanism test checks one submodel's own signature: a unit test of its update on a state set
by hand, or a paired knock-out (same seed, one parameter changed) in a small world. Seeds are fixed
and margins are set from the binomial / Poisson spread of the quantity compared (about 5 standard
deviations), so a test is deterministic and fails only when the mechanism changes.
"""

from __future__ import annotations

import math

import numpy as np

from trustsim.model.model import TrustModel

# Parameters that silence the manager-update terms a test is not about (ODD 7.3).
MANAGER_TERMS_OFF = {
    "steering_pull": 0.0,
    "support_effect": 0.0,
    "peer_influence": 0.0,
    "outcome_effect": 0.0,
    "scandal_fear": 0.0,
}


def small(
    world: str = "teaching", seed: int = 1, scale: float | None = None, **params
) -> TrustModel:
    """A model with no spin-up (unless `spinup_years` is given): the teaching world, or the state
    world at `scale` (default 0.02)."""
    params.setdefault("spinup_years", 0)
    if world != "teaching" and scale is None:
        scale = 0.02
    return TrustModel(world=world, scale=scale or 1.0, rng=seed, **params)


def binomial_margin(p: float, n: float, sds: float = 5.0) -> float:
    """`sds` standard deviations of a share estimated from n Bernoulli(p) trials."""
    return sds * math.sqrt(max(p * (1.0 - p), 1e-12) / max(n, 1.0))


def wp_mean(model: TrustModel, values: np.ndarray) -> np.ndarray:
    """Mean of a per-person array over each workplace."""
    st = model.staff
    return np.bincount(st.wp, weights=values, minlength=model.n_workplaces) / model.wp_size


def set_kinds(model: TrustModel, kinds) -> None:
    """Give the model's organisations the kinds `kinds` (state agency, municipality, region)."""
    model.agency_kind = np.asarray(kinds)
    model.wp_kind = model.agency_kind[model.wp_agency]


def frozen_quarters(model: TrustModel, quarters: int = 24) -> dict[str, float]:
    """Run the ideas, experiments and diffusion submodels (`_ideas_and_experiments`) `quarters`
    times on a frozen state: each time in a new quarter (its own random streams), with no
    experiments under way and the initial rules. Two models that differ only in a lever of these
    submodels then see the same ideas. Returns each output and diagnostic summed over the quarters.
    """
    from trustsim.model.model import DIAGNOSTICS, OUTPUTS

    totals = dict.fromkeys(OUTPUTS + DIAGNOSTICS, 0.0)
    rules = model.regulation.copy()
    for k in range(1, quarters + 1):
        model.t = k
        model._keep_experiments(np.zeros(len(model.exp_wp), dtype=bool))
        model.regulation = rules.copy()
        model._ideas_and_experiments(k)
        for name in totals:
            totals[name] += getattr(model, name)
    return totals


def spy_starts(model: TrustModel) -> dict[str, float]:
    """Record, weighted to real staff, the local and cross-agency experiments that
    `_start_experiments` is asked to start (updated in place as the model runs)."""
    record = {"started": 0.0, "cross_started": 0.0}
    original = model._start_experiments

    def spy(started, approve, cross_started, uptake, grassroots, rng):
        record["started"] += float(model.wp_weight @ started)
        record["cross_started"] += float(model.wp_weight @ cross_started)
        return original(started, approve, cross_started, uptake, grassroots, rng)

    model._start_experiments = spy
    return record


def structural(model: TrustModel, name: str):
    """A constant of the functional forms by its parameter name (`autonomy_base`): the model's
    parameter when it is one, else the constant of that name in capitals in trustsim.model or
    trustsim.networks (ODD §9; constants are becoming parameters one by one)."""
    import trustsim.model.model as model_module
    import trustsim.model.networks as networks_module
    from trustsim.model.params import PARAMETERS

    if name in {spec.name for spec in PARAMETERS}:
        return model.p[name]
    for module in (model_module, networks_module):
        if hasattr(module, name.upper()):
            return getattr(module, name.upper())
    raise AttributeError(f"no parameter or structural constant {name!r}")


def granted_autonomy(model: TrustModel) -> np.ndarray:
    """Autonomy each workplace grants (ODD 7.3): clip(o (1 - cut · detail) + base + bonus · leader)."""
    d = model.detail[model.wp_agency]
    return np.clip(
        model.orientation * (1 - model.p.detail_autonomy_cut * d)
        + structural(model, "autonomy_base")
        + structural(model, "leader_bonus") * model.leader,
        0.0,
        1.0,
    )


def safety_target(model: TrustModel) -> np.ndarray:
    """Each workplace's safety target (ODD 7.3): base + per_trust · o - blame, clipped."""
    o = model.orientation
    blame = np.minimum(
        structural(model, "blame_max"),
        structural(model, "blame_per_failure") * model.wp_failures * (1 - o),
    )
    return np.clip(
        structural(model, "safety_base") + structural(model, "safety_per_trust") * o - blame, 0, 1
    )


def climate_weights(model: TrustModel) -> tuple[float, float, float, float]:
    """Weights of autonomy, safety, motivation and recent innovation in the climate (ODD 7.4)."""
    names = ("climate_autonomy", "climate_safety", "climate_motivation", "climate_recent")
    try:
        return tuple(structural(model, name) for name in names)
    except AttributeError:
        return tuple(structural(model, "climate_weights"))
