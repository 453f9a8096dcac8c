"""Observed intervals resample whole days: worked out by hand on logs whose days differ."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from journeys.compare import MIN_CLUSTER_DAYS, compare_logs


def _days_log(day_waits: list[float], per_day: int, prefix: str) -> pl.DataFrame:
    """``per_day`` one-ticket visits on each of ``len(day_waits)`` days; every resident of day
    d waits exactly ``day_waits[d]`` minutes (the day's crowding), served 5 min."""
    rows = []
    start = np.datetime64("2025-03-03T09:00:00")
    for d, wait in enumerate(day_waits):
        for i in range(per_day):
            issued = start + np.timedelta64(d, "D") + np.timedelta64(i, "m")
            called = issued + np.timedelta64(int(wait * 60), "s")
            rows.append(
                {
                    "visit_id": f"{prefix}{d}-{i}",
                    "ticket_id": f"{prefix}t{d}-{i}",
                    "counter_id": "A",
                    "issued_at": issued.astype("datetime64[us]").item(),
                    "called_at": called.astype("datetime64[us]").item(),
                    "ended_at": (called + np.timedelta64(5, "m")).astype("datetime64[us]").item(),
                    "staff_id": "S1",
                    "outcome": "served",
                    "forms_written": 0,
                }
            )
    return pl.DataFrame(rows)


def test_whole_days_are_resampled_when_days_differ() -> None:
    """Ten days of 40 residents; within a day every wait is the same, days differ a lot. The
    pooled mean wait is the mean of the day means, and its bootstrap spread is that of the
    mean of ten day means: sd(day means)/√10 in each log — over visits it would be far
    narrower (each day's 40 residents counted as 40 independent draws)."""
    rng = np.random.default_rng(5)
    base_days = list(np.round(rng.uniform(5, 45, 10)))
    alt_days = list(np.round(rng.uniform(5, 45, 10)))
    base, alt = _days_log(base_days, 40, "b"), _days_log(alt_days, 40, "a")
    c = compare_logs(base, alt, n_boot=2000, seed=1)
    row = c.filter(pl.col("kpi") == "wait_min_mean").row(0, named=True)
    assert row["baseline"] == pytest.approx(np.mean(base_days))
    assert row["difference"] == pytest.approx(np.mean(alt_days) - np.mean(base_days))
    assert (row["baseline_days"], row["alternative_days"], row["resampled"]) == (10, 10, "days")
    se = np.sqrt(np.var(base_days) / 10 + np.var(alt_days) / 10)  # resampling: ddof 0
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert half == pytest.approx(1.96 * se, rel=0.15)
    assert row["ci_low"] < row["difference"] < row["ci_high"]
    # Ten days drawn with replacement: visits per day is the same in every replicate (40).
    per_day = c.filter(pl.col("kpi") == "visits_per_day").row(0, named=True)
    assert per_day["ci_low"] == per_day["ci_high"] == 0.0


def test_a_log_of_few_days_resamples_visits_and_says_so() -> None:
    base = _days_log([10.0, 20.0], 30, "b")
    alt = _days_log([10.0] * MIN_CLUSTER_DAYS, 30, "a")
    c = compare_logs(base, alt, n_boot=200, seed=1)
    row = c.filter(pl.col("kpi") == "wait_min_mean").row(0, named=True)
    assert row["resampled"] == "visits / days"
    assert (row["baseline_days"], row["alternative_days"]) == (2, MIN_CLUSTER_DAYS)


def test_share_intervals_stay_in_bounds_near_zero_and_one() -> None:
    """Nobody abandons in either log (share 0) and everyone is called within 15 min (share
    1): the intervals of the differences are exactly [0, 0], never below −0 or above 1."""
    base = _days_log([3.0] * 6, 20, "b")
    alt = _days_log([4.0] * 6, 20, "a")
    c = compare_logs(base, alt, n_boot=300, seed=2)
    rows = {r["kpi"]: r for r in c.iter_rows(named=True)}
    assert rows["abandon_share"]["baseline"] == 0.0
    assert rows["abandon_share"]["ci_low"] == rows["abandon_share"]["ci_high"] == 0.0
    assert rows["service_level"]["alternative"] == 1.0
    assert rows["service_level"]["ci_low"] == rows["service_level"]["ci_high"] == 0.0


def test_the_overview_and_report_state_the_day_counts() -> None:
    from dashboards.data import interval_note

    c = compare_logs(_days_log([5.0] * 6, 5, "b"), _days_log([4.0] * 7, 5, "a"), n_boot=50)
    assert interval_note(c, "en") == "Intervals: whole days resampled (as-is 6 days, reform 7 days)"
    assert "現状 6 日・改革後 7 日" in interval_note(c, "ja")
