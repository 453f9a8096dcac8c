"""Spread replications over cores (process pool) or a Dask cluster — same results as serial.

A replication is a pure function of ``(study, seed, replication)``, so where it runs never
changes what it returns; results are put back in replication order. Worker processes start from
a *fork server* that has imported the simulator and polars once (``multiprocessing``
"forkserver"): new workers start in milliseconds, and none is forked from a process whose polars
thread pool is running (polars' pool does not survive ``fork``). As with any non-``fork`` start
method, a script that runs replications on several workers needs the usual
``if __name__ == "__main__":`` guard (the CLI, notebooks and pytest are fine).
``scheduler="local"`` starts a Dask ``LocalCluster``; any other string is the address of a
running Dask scheduler.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from journeys.errors import InputError

__all__ = ["ProgressCallback", "available_workers", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")
#: Told (tasks done, tasks in all) in the calling process after each task.
ProgressCallback = Callable[[int, int], None]

#: Modules the fork server imports once, so that workers start ready.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "polars",
    "scipy.special",
    "simpy",
    "simulation.experiments",
    "journeys.metrics",
)


def available_workers() -> int:
    """CPU cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def _progress(total: int, description: str, enabled: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=True,
    )
    return progress


def run_tasks(
    func: Callable[..., T],
    args: Sequence[tuple[Any, ...]],
    then: Callable[[T], R],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | ProgressCallback = False,
    description: str = "replications",
) -> list[R]:
    """``[then(func(*a)) for a in args]``, in that order, serially or spread over processes / Dask.

    ``func`` must be a module-level function (it is sent to other processes by name);
    ``then`` runs in this process as each result arrives. ``progress``: True draws a bar on
    the terminal; a function is called in this process with (tasks done, tasks in all) after
    each task, e.g. to move a dashboard's progress bar.
    """
    n = len(args)
    bar = _progress(n, description, progress is True)
    report = progress if callable(progress) else None
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        bar.advance(task)
        if report is not None:
            report(done, n)

    with bar:
        task = bar.add_task(description, total=n)
        if scheduler:
            return [then(r) for r in _run_dask(func, args, scheduler, workers, tick)]
        if workers <= 1 or n <= 1:
            out: list[R] = []
            for a in args:
                out.append(then(func(*a)))
                tick()
            return out
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        results: dict[int, R] = {}
        with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=ctx) as pool:
            pending: dict[Future[T], int] = {
                pool.submit(_in_worker, func, *a): k for k, a in enumerate(args)
            }
            while pending:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in finished:
                    results[pending.pop(fut)] = then(fut.result())
                    tick()
        return [results[k] for k in range(n)]


def _in_worker(func: Callable[..., T], *args: Any) -> T:
    """Run one task in a worker process of this pool, the cyclic garbage collector paused.

    The pool's processes run nothing but these tasks, so the pause never reaches a caller's
    process (a dashboard server, a notebook): a simulated day breaks its own reference
    cycles (``Hall.release``) and reference counting frees it; the collector is on again
    between tasks.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return func(*args)
    finally:
        if enabled:
            gc.enable()


def _run_dask(
    func: Callable[..., T],
    args: Sequence[tuple[Any, ...]],
    scheduler: str,
    workers: int,
    tick: Callable[[], None],
) -> list[T]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is an optional extra
        raise InputError(
            "Dask is not installed",
            hint="pip install 'madoguchi[cluster]' or run without --scheduler",
        ) from exc
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=max(workers, 1), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler!r}", hint=str(exc)
            ) from exc
    try:
        futures = [client.submit(func, *a, pure=False) for a in args]
        index = {f.key: k for k, f in enumerate(futures)}
        results: dict[int, T] = {}
        for fut in as_completed(futures):
            results[index[fut.key]] = fut.result()
            tick()
        return [results[k] for k in range(len(args))]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
