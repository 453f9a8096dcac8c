"""Benchmark: a peak day of the sample city, both scenarios, 20 replications (not a test).

The day is the working day of the study's year with the most expected visits (the late-March
moving peak, about 1,000 residents). The whole :func:`simulation.experiments.run_experiment` is
timed — worker start-up, simulation, canonical logs and KPIs of every replication, summary and
paired comparison. Target: ≤ 1.5 s wall-clock on 2 cores.

Run: ``.venv/bin/python bench/bench_peak_day.py [--replications 20] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from journeys.paths import sample_file
from simulation.arrivals import event_rates
from simulation.engine import default_days
from simulation.experiments import run_experiment
from simulation.model import Study, load_study


def peak_day(study: Study) -> tuple[dt.date, float]:
    """The working day of the year from ``start_date`` with the most expected visits."""
    days = default_days(study, 245)
    best = max(days, key=lambda d: float(event_rates(study, d).sum()))
    return best, float(event_rates(study, best).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    study = load_study(sample_file("study.toml"))
    day, expected = peak_day(study)
    start = time.perf_counter()
    run_experiment(study, replications=2, seed=0, days=[day], workers=args.workers, progress=False)
    cold = time.perf_counter() - start  # first use: starts the fork server (imports) once
    cpu0 = time.process_time()
    run_experiment(
        study, replications=args.replications, seed=args.seed, days=[day], workers=1, progress=False
    )
    serial_cpu = time.process_time() - cpu0
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        res = run_experiment(
            study,
            replications=args.replications,
            seed=args.seed,
            days=[day],
            workers=args.workers,
            progress=False,
        )
        times.append(time.perf_counter() - start)
    visits = res.summary.filter(res.summary["kpi"] == "visits")
    print(f"peak day {day} ({day:%a}): {expected:.0f} expected visits")
    for row in visits.iter_rows(named=True):
        print(f"  {row['scenario']}: {row['mean']:.0f} visits simulated per replication")
    print(f"tickets simulated in total: {res.log.height}")
    print(
        f"{args.replications} replications × {len(study.scenarios)} scenarios on {args.workers} workers: "
        f"best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s wall-clock (target ≤ 1.5 s)"
    )
    print(f"first run of the process (starts the fork server, 2 replications): {cold:.2f} s")
    print(
        f"the same {args.replications} replications serially in this process: {serial_cpu:.2f} CPU s "
        f"(→ {serial_cpu / args.workers:.2f} s on {args.workers} idle cores)"
    )
    print(f"load average (other processes compete for the cores): {os.getloadavg()}")


if __name__ == "__main__":
    main()
