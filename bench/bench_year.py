"""Benchmark: a year of the sample city (245 working days), both scenarios, 10 replications.

Times the whole :func:`simulation.experiments.run_experiment` on 2 worker processes: residents
drawn day by day on common random numbers, both floors played, the canonical logs and KPIs of
every replication, summary and paired comparison (logs kept in memory, as ``madoguchi
simulate`` does). Target: ≤ 60 s wall-clock on 2 cores.

Run: ``.venv/bin/python bench/bench_year.py [--replications 10] [--workers 2] [--days 245]
[--cpu-check]`` (``--cpu-check`` first times one replication in this process, in CPU seconds,
which a busy machine distorts less than wall-clock time).
"""

from __future__ import annotations

import argparse
import os
import time

import polars as pl

from journeys.paths import sample_file
from simulation.engine import default_days
from simulation.experiments import _replication_task, run_experiment
from simulation.model import load_study


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
    start = time.perf_counter()
    cpu = time.process_time()
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
    visits = res.kpis.filter(pl.col("kpi") == "visits")["value"].sum()
    tickets = res.kpis.filter(pl.col("kpi") == "tickets")["value"].sum()
    print(
        f"{len(days)} working days ({days[0]} … {days[-1]}) × {len(study.scenarios)} scenarios × {args.replications} replications"
    )
    print(
        f"visits played: {visits:,.0f}; tickets: {tickets:,.0f}; log rows kept: {res.log.height:,}"
    )
    print(
        f"wall-clock {wall:.1f} s on {args.workers} workers (target ≤ 60 s); parent CPU {parent_cpu:.1f} s"
    )
    print(f"load average (other processes compete for the cores): {os.getloadavg()}")
    print(f"{wall / visits * 1e6 * args.workers:.1f} µs of a core per visit played")
    cmp = res.comparison.filter(
        pl.col("kpi").is_in(["wait_min_mean", "time_in_hall_min_mean", "counters_per_visit_mean"])
    )
    print(cmp)


if __name__ == "__main__":
    main()
