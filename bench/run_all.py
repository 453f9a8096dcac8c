"""Run every benchmark of the workbench one after the other (not a test; nothing asserts on time).

Each benchmark prints its own times and its ratio against a baseline run in the same process
(bare SimPy, Ciw, pandas). ``--quick`` runs smaller sizes to check that the benchmarks still work;
the targets of the issues are judged on the full sizes only.

    .venv/bin/python bench/run_all.py            # full sizes (about 10–15 minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # a smoke run (about 2 minutes)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["BENCHMARKS", "main"]

HERE = Path(__file__).resolve().parent

#: (script, full-size arguments, quick arguments)
BENCHMARKS: tuple[tuple[str, list[str], list[str]], ...] = (
    ("bench_engine.py", [], ["--customers", "20000", "--repeat", "1"]),
    ("bench_peak_day.py", [], ["--replications", "4", "--repeat", "1"]),
    ("bench_year.py", [], ["--days", "20", "--replications", "2"]),
    ("bench_kpis.py", [], ["--rows", "1000000"]),
    ("bench_dashboard.py", [], ["--replications", "4"]),
    ("bench_staffing.py", [], ["--replications", "2"]),
    ("bench_replay.py", [], ["--seconds", "3", "--skip-dashboard"]),
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return the number that failed to run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", nargs="*", default=None, help="script names to run")
    args = parser.parse_args(argv)
    failed = 0
    for script, full, quick in BENCHMARKS:
        if args.only and script not in args.only:
            continue
        cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        print(f"\n=== {script} {' '.join(cmd[2:])}", flush=True)
        start = time.perf_counter()
        rc = subprocess.call(cmd)
        print(f"=== {script}: exit {rc}, {time.perf_counter() - start:.1f} s wall", flush=True)
        failed += rc != 0
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
