"""Benchmark: a year of the sample city (245 working days), both scenarios, 10 replications.

Times the whole :func:`simulation.experiments.run_experiment` on 2 worker processes: residents
drawn day by day on common random numbers, both floors played, the canonical logs and KPIs of
every replication, summary and paired comparison (by default the logs are kept in memory, as
``madoguchi simulate`` does; ``--no-logs`` keeps only the KPIs and says so in its headline).
Target: ≤ 60 s wall-clock on 2 cores.

Besides wall-clock time it prints the CPU seconds of this process and of the worker processes
(sampled with psutil every 0.2 s), and what they mean on idle cores: on a shared machine the
wall-clock time depends on the load average, the CPU seconds much less.

Run: ``.venv/bin/python bench/bench_year.py [--replications 10] [--workers 2] [--days 245]
[--no-logs] [--cpu-check]`` (``--cpu-check`` first times one replication in this process, in
CPU seconds).
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time

import polars as pl
import psutil

from journeys.paths import sample_file
from simulation.engine import default_days
from simulation.experiments import _replication_task, run_experiment
from simulation.model import load_study


class ChildCpu:
    """CPU seconds used by this process's children (worker processes), sampled in a thread.

    The process tree is walked (all of ``/proc``) only every ``rescan_s``; in between, only the
    children already known are read, so that measuring costs this process little CPU.
    """

    def __init__(self, every_s: float = 0.2, rescan_s: float = 1.0) -> None:
        self.every_s = every_s
        self.rescan_s = rescan_s
        self.seen: dict[int, float] = {}
        self._known: dict[int, psutil.Process] = {}
        self._scanned = -math.inf
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, rescan: bool = False) -> None:
        now = time.monotonic()
        if rescan or now - self._scanned >= self.rescan_s:
            self._scanned = now
            for child in psutil.Process().children(recursive=True):
                self._known.setdefault(child.pid, child)
        for pid, child in list(self._known.items()):
            try:
                t = child.cpu_times()
            except psutil.Error:
                del self._known[pid]
                continue
            self.seen[pid] = max(self.seen.get(pid, 0.0), t.user + t.system)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._sample()

    def __enter__(self) -> ChildCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample(rescan=True)
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> float:
        """CPU seconds of every child seen (up to one sampling interval lost per child)."""
        return sum(self.seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--days", type=int, default=245)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--no-logs", action="store_true", help="keep only the KPIs")
    parser.add_argument(
        "--cpu-check", action="store_true", help="also time one replication in this process (CPU s)"
    )
    args = parser.parse_args()
    study = load_study(sample_file("study.toml"))
    days = default_days(study, args.days)
    if args.cpu_check:
        cpu0 = time.process_time()
        _replication_task(study, study.scenario_ids, days, 0, args.seed, None, 15.0, True)
        per_rep = time.process_time() - cpu0
        print(
            f"one replication in this process: {per_rep:.1f} CPU s → {args.replications} replications "
            f"need {per_rep * args.replications / args.workers:.1f} s on {args.workers} idle cores"
        )
    load_before = os.getloadavg()
    start = time.perf_counter()
    cpu = time.process_time()
    with ChildCpu() as children:
        res = run_experiment(
            study,
            replications=args.replications,
            seed=args.seed,
            days=days,
            workers=args.workers,
            progress=False,
            keep_logs=not args.no_logs,
        )
    wall = time.perf_counter() - start
    parent_cpu = time.process_time() - cpu
    worker_cpu = children.total
    total_cpu = parent_cpu + worker_cpu
    visits = float(res.kpis.filter(pl.col("kpi") == "visits")["value"].sum())
    tickets = float(res.kpis.filter(pl.col("kpi") == "tickets")["value"].sum())
    mode = (
        "KPIs only (--no-logs: no counter log kept)"
        if args.no_logs
        else "canonical logs kept in memory + KPIs"
    )
    print(
        f"{len(days)} working days ({days[0]} … {days[-1]}) × {len(study.scenarios)} scenarios "
        f"× {args.replications} replications — {mode}"
    )
    print(
        f"visits played: {visits:,.0f}; tickets: {tickets:,.0f}; log rows kept: {res.log.height:,}"
    )
    print(
        f"wall-clock {wall:.1f} s on {args.workers} workers (target ≤ 60 s); CPU: parent "
        f"{parent_cpu:.1f} s + workers {worker_cpu:.1f} s = {total_cpu:.1f} s "
        f"(→ {total_cpu / args.workers:.1f} s on {args.workers} idle cores)"
    )
    print(
        f"load average before {tuple(round(x, 2) for x in load_before)}, "
        f"after {tuple(round(x, 2) for x in os.getloadavg())} (other processes compete for the cores)"
    )
    print(f"{total_cpu / visits * 1e6:.1f} µs of CPU per visit played")
    cmp = res.comparison.filter(
        pl.col("kpi").is_in(["wait_min_mean", "time_in_hall_min_mean", "counters_per_visit_mean"])
    )
    print(cmp)


if __name__ == "__main__":
    main()
