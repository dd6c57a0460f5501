"""trustsim: trust-based versus control-based steering of the Swedish public sector (Mesa ABM).

Public API: `TrustModel`, `load_scenario`, `run`, `Params`, `OUTPUTS`.

The package, layer by layer (lowest first; a layer imports only layers below it, import-linter
keeps this, see pyproject.toml and docs/architecture.md): `model` ← `sweep` ← `analysis`,
`calibrate`, `teach`, `play` ← `bench`, `app` ← `cli`.
"""

from .model import (
    OUTPUTS,
    PARAMETERS,
    ParameterError,
    Params,
    Scenario,
    ScenarioError,
    TrustModel,
    list_scenarios,
    load_scenario,
    run,
)

__version__ = "0.4.0"  # semantic versioning: a change of model behaviour bumps the minor version
__all__ = [
    "OUTPUTS",
    "PARAMETERS",
    "ParameterError",
    "Params",
    "Scenario",
    "ScenarioError",
    "TrustModel",
    "list_scenarios",
    "load_scenario",
    "run",
]
