"""trustsim: trust-based versus control-based steering of the Swedish public sector (Mesa ABM).

Public API: `TrustModel`, `load_scenario`, `run`, `Params`, `OUTPUTS`.
"""

from .model import OUTPUTS, TrustModel
from .params import PARAMETERS, ParameterError, Params
from .runner import run
from .scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

__version__ = "0.3.0"  # semantic versioning: a change of model behaviour bumps the minor version
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
