"""The model: parameters, worlds, networks, staff, agents, the TrustModel, scenarios and one run.

The bottom layer of trustsim. A run's way through it: `params` (every parameter with range and
source) → `scenarios` (named parameter sets) → `worlds` (the organisations, `networks`, `staff`) →
`agents` and `model` (the TrustModel and its schedule) → `runner.run` (one run, a table per
quarter). It imports nothing else from trustsim but `trustsim.resources` (where the shipped
folders are); every other layer builds on it (import-linter keeps this, see pyproject.toml).
"""

from .model import OUTPUTS, TrustModel
from .params import PARAMETERS, ParameterError, Params
from .runner import run
from .scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

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
