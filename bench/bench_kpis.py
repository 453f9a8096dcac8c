"""Speed benchmark (not a test): counter-log CSV → every KPI table, polars workbench vs plain pandas.

Generates (once, cached) a canonical-like counter log CSV of ``--rows`` tickets with vectorised
numpy, then in ONE process times

* **workbench**: ``journeys.readers.read_counter_log`` (validation + pseudonymisation included)
  + ``kpis`` + ``per_hour`` + ``per_counter`` + ``per_staff`` + ``flows``;
* **pandas**: ``pd.read_csv`` + a straightforward pandas implementation of the same KPIs and
  tables (same definitions: see journeys/metrics.py),

and prints both times, the ratio and the peak resident memory of each phase (psutil, sampled
every 20 ms). Target: ≤ 15 s for 10 million tickets on 2 cores and ≥ 5× faster than pandas.

    .venv/bin/python bench/bench_kpis.py --rows 10000000
    .venv/bin/python bench/bench_kpis.py --rows 200000          # quick run
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journeys import metrics
from journeys.flows import flows

__all__ = ["generate_log", "main", "pandas_kpis", "workbench_kpis"]

CACHE_DIR = Path(os.environ.get("MADOGUCHI_BENCH_DIR", "/tmp/madoguchi_bench"))
N_COUNTERS = 40
KPI_RTOL = 1e-9  # workbench vs pandas KPIs: same definitions, different float summation order
START = np.datetime64("2024-04-01T00:00:00")


def generate_log(rows: int, path: Path, seed: int = 0) -> Path:
    """Write a canonical-like counter log CSV of about ``rows`` tickets (vectorised numpy)."""
    rng = np.random.default_rng(seed)
    per_visit = np.minimum(1 + rng.poisson(1.5, size=rows // 2 + 10), 6)
    cut = int(np.searchsorted(np.cumsum(per_visit), rows, side="left")) + 1
    per_visit = per_visit[:cut]
    per_visit[-1] -= int(per_visit.sum()) - rows
    per_visit = per_visit[per_visit > 0]
    n_visits = per_visit.size
    visit = np.repeat(np.arange(n_visits), per_visit)
    n = visit.size
    first = np.cumsum(per_visit) - per_visit  # index of each visit's first ticket
    days = max(1, rows // 40_000)
    weekdays = np.arange(days * 7 // 5 + 7)
    weekdays = weekdays[(weekdays % 7) < 5][:days]  # Mon..Fri from a Monday
    day = weekdays[rng.integers(0, days, n_visits)]
    arrival = day * 86_400 + 8 * 3600 + 45 * 60 + rng.integers(0, 8 * 3600 + 30 * 60, n_visits)
    wait = np.round(rng.gamma(1.5, 10.0, n) * 60)
    service = np.round(rng.lognormal(np.log(8.0), 0.5, n) * 60)
    walk = rng.integers(30, 180, n)
    outcome = rng.choice(np.array(["served", "no_show", "abandoned"]), n, p=[0.95, 0.02, 0.03])
    service = np.where(outcome == "served", service, 0)
    step = wait + service + walk
    cum = np.cumsum(step)
    offset = cum - step - (cum - step)[first][visit]
    issued = START + (arrival[visit] + offset).astype("timedelta64[s]")
    called = issued + wait.astype("timedelta64[s]")
    ended = called + service.astype("timedelta64[s]")
    counter = rng.integers(0, N_COUNTERS, n)
    staff = counter * 3 + rng.integers(0, 3, n)
    abandoned = outcome == "abandoned"
    frame = pl.DataFrame(
        {
            "visit_id": pl.Series(visit).cast(pl.String).str.zfill(9).str.replace("^", "V"),
            "ticket_id": pl.Series(np.arange(n))
            .cast(pl.String)
            .str.zfill(10)
            .str.replace("^", "T"),
            "counter_id": pl.Series(counter).cast(pl.String).str.zfill(2).str.replace("^", "C"),
            "procedure_id": pl.Series(rng.integers(0, 60, n)).cast(pl.String).str.replace("^", "P"),
            "issued_at": issued.astype("datetime64[us]"),
            "called_at": called.astype("datetime64[us]"),
            "ended_at": ended.astype("datetime64[us]"),
            "staff_id": pl.Series(staff).cast(pl.String).str.zfill(3).str.replace("^", "S"),
            "outcome": outcome,
            "forms_written": rng.integers(0, 3, n),
        }
    ).with_columns(
        pl.when(pl.Series(abandoned)).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("called_at", "ended_at", "staff_id")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
    return path


def workbench_kpis(path: Path, reader: str) -> dict[str, Any]:
    """CSV → canonical log (through the readers) → KPIs and tables, the workbench's way."""
    if reader == "readers":
        from journeys.readers import read_counter_log

        log = read_counter_log(path).accepted
    else:
        log = pl.read_csv(path, try_parse_dates=True, schema_overrides={"forms_written": pl.Int64})
    t_read = time.perf_counter()
    log = metrics.prepare_log(log)  # group each visit's tickets together once for all tables
    out = {
        "kpis": metrics.kpis(log),
        "per_hour": metrics.per_hour(log),
        "per_counter": metrics.per_counter(log),
        "per_staff": metrics.per_staff(log),
        "flows": flows(log),
        "_t_read": t_read,
    }
    return out


def pandas_kpis(path: Path, target: float = 15.0) -> dict[str, Any]:
    """The same KPIs and tables with straightforward pandas (the comparison baseline)."""
    df = pd.read_csv(
        path,
        parse_dates=["issued_at", "called_at", "ended_at"],
        dtype={"visit_id": str, "ticket_id": str, "counter_id": str, "staff_id": str},
    )
    t_read = time.perf_counter()
    df["wait_min"] = (df["called_at"] - df["issued_at"]).dt.total_seconds() / 60
    df["service_min"] = (df["ended_at"] - df["called_at"]).dt.total_seconds() / 60
    df["left_at"] = df["ended_at"].fillna(df["called_at"]).fillna(df["issued_at"])
    df["called"] = df["called_at"].notna()
    df["within"] = df["called"] & (df["wait_min"] <= target)
    df["served"] = df["outcome"] == "served"
    df["no_show"] = df["outcome"] == "no_show"
    df["abandoned"] = df["outcome"] == "abandoned"
    df["date"] = df["issued_at"].dt.date
    visits = df.groupby("visit_id").agg(
        tickets=("ticket_id", "size"),
        counters=("counter_id", "nunique"),
        first=("issued_at", "min"),
        last=("left_at", "max"),
        forms=("forms_written", "sum"),
    )
    tih = (visits["last"] - visits["first"]).dt.total_seconds() / 60
    called = df["called"].sum()
    service_days = visits["first"].dt.date.nunique()  # a visit's day: that of its first ticket
    kpis = {
        "visits": len(visits),
        "visits_per_day": len(visits) / service_days,
        "tickets": len(df),
        "tickets_per_visit": len(df) / len(visits),
        "counters_per_visit_mean": visits["counters"].mean(),
        "wait_min_mean": df["wait_min"].mean(),
        "wait_min_p50": df["wait_min"].quantile(0.5),
        "wait_min_p90": df["wait_min"].quantile(0.9),
        "wait_min_max": df["wait_min"].max(),
        "time_in_hall_min_mean": tih.mean(),
        "service_level": df["within"].sum() / called,
        "no_show_share": df["no_show"].mean(),
        "abandon_share": df["abandoned"].mean(),
        "forms_written_per_visit": visits["forms"].sum() / len(visits),
        "service_min_mean": df.loc[df["served"], "service_min"].mean(),
        "staff_busy_min": df["service_min"].sum(),
        "staff_busy_min_per_day": df["service_min"].sum() / service_days,
    }

    def stats(g: pd.core.groupby.DataFrameGroupBy) -> pd.DataFrame:  # type: ignore[name-defined]
        return g.agg(
            tickets=("ticket_id", "size"),
            called=("called", "sum"),
            wait_min_mean=("wait_min", "mean"),
            wait_min_p50=("wait_min", "median"),
            wait_min_p90=("wait_min", lambda s: s.quantile(0.9)),
            wait_min_max=("wait_min", "max"),
            within=("within", "sum"),
            no_show_share=("no_show", "mean"),
            abandon_share=("abandoned", "mean"),
        )

    df["hour"] = df["issued_at"].dt.hour
    per_hour = stats(df.groupby("hour"))
    per_hour["service_level"] = per_hour["within"] / per_hour["called"]
    per_counter = stats(df.groupby("counter_id"))
    per_counter["service_level"] = per_counter["within"] / per_counter["called"]
    per_counter["busy_min"] = df.groupby("counter_id")["service_min"].sum()
    per_counter["visits"] = df.groupby("counter_id")["visit_id"].nunique()
    staffed = df[df["called"] & df["staff_id"].notna()]
    per_staff = staffed.groupby("staff_id").agg(
        calls=("called", "sum"), cases=("served", "sum"), busy_min=("service_min", "sum")
    )
    day = staffed.groupby(["staff_id", "date"]).agg(
        first=("called_at", "min"), last=("left_at", "max")
    )
    per_staff["staffed_min"] = (
        ((day["last"] - day["first"]).dt.total_seconds() / 60).groupby("staff_id").sum()
    )
    per_staff["utilisation"] = per_staff["busy_min"] / per_staff["staffed_min"]
    ordered = df.sort_values(["visit_id", "issued_at", "called_at", "counter_id"])
    source = ordered.groupby("visit_id")["counter_id"].shift(1).fillna("entrance")
    inner = pd.DataFrame({"source": source, "target": ordered["counter_id"]})
    last = ordered.groupby("visit_id")["counter_id"].last()
    exits = pd.DataFrame({"source": last.to_numpy(), "target": "exit"})
    flows_pd = pd.concat([inner, exits]).value_counts().rename("count").reset_index()
    return {
        "kpis": kpis,
        "per_hour": per_hour,
        "per_counter": per_counter,
        "per_staff": per_staff,
        "flows": flows_pd,
        "_t_read": t_read,
    }


class PeakMemory:
    """Peak resident memory of this process while the block runs (psutil, sampled every 20 ms)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(0.02)

    def __enter__(self) -> PeakMemory:
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def timed(fn: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], float, float, float, int]:
    """Run ``fn``; return its result, wall seconds, read seconds (wall), CPU seconds (all
    threads of this process: a fairer figure when other jobs share the cores) and peak RSS."""
    gc.collect()
    with PeakMemory() as mem:
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result, total, result["_t_read"] - t0, cpu, mem.peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="tickets in the log")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reader",
        choices=("readers", "polars"),
        default="readers",
        help="workbench side reads via journeys.readers (default) or plain pl.read_csv",
    )
    parser.add_argument("--skip-pandas", action="store_true", help="time the workbench only")
    args = parser.parse_args(argv)

    path = CACHE_DIR / f"counter_log_{args.rows}_{args.seed}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        generate_log(args.rows, path, seed=args.seed)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s")
    size_mb = path.stat().st_size / 1e6
    print(f"log: {path} ({args.rows:,} tickets, {size_mb:,.0f} MB), {psutil.cpu_count()} CPUs")

    print(f"load average before: {os.getloadavg()[0]:.1f}")
    wb, wb_s, wb_read, wb_cpu, wb_mem = timed(lambda: workbench_kpis(path, args.reader))
    print(
        f"workbench ({args.reader} + polars): {wb_s:6.2f} s "
        f"(read {wb_read:.2f} s, KPIs+tables {wb_s - wb_read:.2f} s), "
        f"CPU {wb_cpu:.1f} s, peak RSS {wb_mem / 1e9:.2f} GB"
    )
    if args.skip_pandas:
        return 0
    pd_res, pd_s, pd_read, pd_cpu, pd_mem = timed(lambda: pandas_kpis(path))
    print(
        f"pandas:                  {pd_s:6.2f} s "
        f"(read {pd_read:.2f} s, KPIs+tables {pd_s - pd_read:.2f} s), "
        f"CPU {pd_cpu:.1f} s, peak RSS {pd_mem / 1e9:.2f} GB"
    )
    print(f"ratio pandas / workbench: {pd_s / wb_s:.1f}× wall, {pd_cpu / wb_cpu:.1f}× CPU")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    # The workbench sums durations as whole microseconds and divides once; pandas sums float
    # minutes: the two agree to the last few bits, hence a relative tolerance.
    diffs = {
        k: (wb["kpis"][k], float(pd_res["kpis"][k]))
        for k in pd_res["kpis"]
        if not np.isclose(
            wb["kpis"][k], float(pd_res["kpis"][k]), rtol=KPI_RTOL, atol=0.0, equal_nan=True
        )
    }
    print(
        f"KPIs agree (pandas = workbench, relative tolerance {KPI_RTOL:g})"
        if not diffs
        else f"KPIs differ (relative tolerance {KPI_RTOL:g}): {diffs}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
