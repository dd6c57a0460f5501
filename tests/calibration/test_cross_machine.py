"""The calibration gives the same posterior on every CPU.

OpenBLAS chooses its kernels per CPU, and they differ in the last bits; the proposal's mean,
Cholesky factor and product go through them, and a particle's seeds hash its exact parameter
values. Before proposals were rounded (`PROPOSAL_DECIMALS`), the shipped calibration made on an
Intel Xeon did not reproduce on an AMD EPYC. `OPENBLAS_CORETYPE` forces a kernel family, so two
subprocesses on this one machine stand in for two machines: Prescott (SSE3) and Sandybridge (AVX)
run on any x86-64 CPU that CI may get. The second also turns off numpy's CPU-dispatched SIMD loops
(`NPY_DISABLE_CPU_FEATURES`; measured: no effect on the posterior, which the test keeps so).
Without the rounding the end-to-end test below fails (measured: the posteriors differ from the
second generation on). About 30-50 s on two cores.
"""

from __future__ import annotations

import os
import platform

import numpy as np
import pandas as pd
import pytest

from trustsim.calibrate.calibration import (
    PROPOSAL_DECIMALS,
    compare_posteriors,
    student_t_transition,
)

from .conftest import ROOT, tiny_config, trustsim


def numpy_dispatched_features() -> list[str]:
    """The SIMD features numpy dispatches to on this CPU (beyond its compiled baseline)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy's layout changed: disable nothing
        return []
    found = getattr(umath, "__cpu_features__", {})
    return [f for f in getattr(umath, "__cpu_dispatch__", []) if found.get(f)]


PARAMS = ["idea_rate", "culture_threshold", "peer_threshold", "support_effect", "voice_floor"]


def fitted(columns: list[str], seed: int = 3):
    """A defensive-t transition fitted to a weighted population of 40 particles."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 0.5, size=(40, len(columns)))
    w = rng.random(40)
    t = student_t_transition()
    t.fit(pd.DataFrame(x, columns=columns), w / w.sum())
    return t


def draws(t, n: int = 400, seed: int = 11) -> np.ndarray:
    np.random.seed(seed)
    return np.array([[p[c] for c in t.X.columns] for p in (t.rvs_single() for _ in range(n))])


def test_proposals_do_not_depend_on_last_bit_differences_in_the_fitted_transition():
    t = fitted(PARAMS)
    before = draws(t)
    # what another CPU's BLAS would hand over: the same mean and factor, a few ULPs apart
    t.loc = np.nextafter(np.nextafter(t.loc, np.inf), np.inf)
    t.chol = np.where(t.chol != 0.0, np.nextafter(t.chol, -np.inf), 0.0)
    after = draws(t)
    assert np.array_equal(before, after)
    # the proposals sit on the documented grid, and they are real, distinct draws
    assert np.array_equal(before, np.round(before, PROPOSAL_DECIMALS))
    assert np.abs(before).max() > 0.5
    assert len(np.unique(before[:, 0])) > 300


def test_the_proposal_grid_is_far_below_any_posterior_width():
    shipped = pd.read_csv(ROOT / "calibration" / "identifiability.csv")
    # posterior / prior 90 % width of each parameter; the prior is N(0, 1) in probit space
    narrowest = float(shipped["width_ratio"].min())
    assert 10.0**-PROPOSAL_DECIMALS < narrowest * 1e-4


@pytest.mark.slow  # a reproduction across CPUs: .ci/run runs it after the suite
@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 BLAS kernels")
def test_calibration_is_identical_under_two_blas_kernel_families(tmp_path, write_config):
    priors = "".join(f'{p} = {{ source = "test" }}\n' for p in PARAMS)
    config = write_config(tiny_config(population=24, generations=3, root_seed=5, priors=priors))
    machines = {
        "Prescott": {"OPENBLAS_CORETYPE": "Prescott"},
        # and numpy's own SIMD loops (exp, log, ...) at their baseline, as on a CPU without AVX2
        # or AVX-512: those are chosen per CPU too
        "Sandybridge": {
            "OPENBLAS_CORETYPE": "Sandybridge",
            "NPY_DISABLE_CPU_FEATURES": " ".join(numpy_dispatched_features()),
        },
    }
    frames = {}
    for core, machine in machines.items():
        env = {**os.environ, **machine}
        out = tmp_path / core
        run = trustsim("calibrate", config, "--out", out, "--workers", "2", cwd=ROOT, env=env)
        assert run.returncode == 0, run.stderr
        frames[core] = pd.read_parquet(out / "posterior.parquet")
    assert len(frames["Prescott"]) == 24
    assert compare_posteriors(frames["Sandybridge"], frames["Prescott"]) == []
