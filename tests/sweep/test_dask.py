"""The same sweep on the local process pool and on a Dask LocalCluster gives identical results."""

from __future__ import annotations

import pandas as pd
import pytest

from trustsim.sweep import ExperimentError, load_experiment, load_results, run_sweep

from .helpers import shard_tables, write_experiment

distributed = pytest.importorskip("distributed")


def test_local_pool_and_dask_cluster_agree(tmp_path):
    exp = load_experiment(write_experiment(
        tmp_path, uncertainties={"peer_influence": {"low": 0.1, "high": 0.3}},
        levers={"budget_horizon_years": {"low": 1.0, "high": 3.0}},
        design={"kind": "lhs", "samples": 3}))
    local = run_sweep(exp, tmp_path / "local", quiet=True, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        remote = run_sweep(exp, tmp_path / "dask", quiet=True,
                           scheduler=cluster.scheduler_address)
    assert "Dask scheduler" in remote.executor and "local process pool" in local.executor
    assert (local.done, remote.done, remote.failed) == (12, 12, 0)
    a, b = shard_tables(tmp_path / "local"), shard_tables(tmp_path / "dask")
    assert a.keys() == b.keys() and all(a[r].equals(b[r]) for r in a)
    pd.testing.assert_frame_equal(load_results(tmp_path / "local")[1],
                                  load_results(tmp_path / "dask")[1])


def test_unreachable_scheduler_is_a_clear_error():
    from trustsim.sweep.executor import _dask_client

    with pytest.raises(ExperimentError, match="cannot connect to a Dask scheduler"):
        _dask_client("tcp://127.0.0.1:9", timeout="1s")
