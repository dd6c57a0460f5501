"""Experiments and reproducible, resumable sweeps (`trustsim sweep`).

    from trustsim.sweep import load_experiment, run_sweep, load_results
    exp = load_experiment("headline")
    run_sweep(exp, "results/headline")
    manifest, frame = load_results("results/headline")

See docs/sweeps.md for the experiment file format and the results folder. The layer above the
model: it imports `trustsim.model` (and `trustsim.resources`) only; the `trustsim sweep` command
line is `trustsim.cli.sweep`.
"""

from .design import Design, build_design
from .engine import SweepResult, run_sweep
from .experiment import Experiment, ExperimentError, list_experiment_names, load_experiment
from .runs import RunTask, replication_seeds
from .storage import load_results

__all__ = [
    "Design",
    "Experiment",
    "ExperimentError",
    "RunTask",
    "SweepResult",
    "build_design",
    "list_experiment_names",
    "load_experiment",
    "load_results",
    "replication_seeds",
    "run_sweep",
]
