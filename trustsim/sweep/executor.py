"""One execution path behind `concurrent.futures.Executor`: a local process pool or Dask.

`open_executor(None, workers)` gives a local `ProcessPoolExecutor` (no server needed);
`open_executor("tcp://host:8786")` connects to a Dask distributed scheduler and gives its
`concurrent.futures`-compatible executor with `pure=False` (every run is a distinct task; the
seed is an argument, so Dask never merges or caches runs).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .experiment import ExperimentError

WORKER_MODULES = ["trustsim.sweep.runs"]  # imported once in the fork server, shared by workers


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def _exit_with_sweep(sweep_pid: int) -> None:
    """Worker initializer: exit when the sweep process is gone (e.g. after `kill -9` of it alone).

    Without this an orphaned worker would wait forever for its next task: it holds both ends of
    the task queue, and the fork server stays alive for as long as any worker does.
    """

    def watch() -> None:
        while _alive(sweep_pid):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="trustsim-sweep-watch").start()


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid now belongs to another user
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # no /proc (not Linux): trust os.kill
        return True


def _local_pool(workers: int) -> cf.Executor:
    """A process pool whose workers share the imports of a fork server (fast start)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(WORKER_MODULES)
    else:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                  initializer=_exit_with_sweep, initargs=(os.getpid(),))


@contextmanager
def open_executor(scheduler: str | None = None, workers: int | None = None
                  ) -> Iterator[tuple[cf.Executor, str]]:
    """Yield `(executor, description)`; the executor is shut down (pending runs cancelled) on exit."""
    if scheduler is None:
        n = workers or default_workers()
        pool = _local_pool(n)
        try:
            yield pool, f"local process pool, {n} worker{'s' if n != 1 else ''}"
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    client = _dask_client(scheduler)
    try:
        n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        yield client.get_executor(pure=False), f"Dask scheduler {scheduler}, {n} workers"
    finally:
        client.close()


def _dask_client(address: str, timeout: str = "10s"):
    try:
        from distributed import Client
    except ImportError:
        raise ExperimentError(
            "--scheduler needs Dask distributed; install it with "
            "`pip install 'trustsim[dask]'`"
        ) from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExperimentError(
            f"--scheduler {address!r}: cannot connect to a Dask scheduler ({exc}); give an "
            "address such as tcp://127.0.0.1:8786"
        ) from None
