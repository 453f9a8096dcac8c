"""The engine against queueing theory: M/M/c mean waits (Erlang C) and Little's law.

Each simulated day is a 24-hour terminating run that starts empty; the first 4 hours of every
day are deleted as warm-up and the per-day means are the (independent) replications of a
Student-t confidence interval.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from simulation.engine import default_days, simulate_days
from simulation.queueing import erlang_c_wait, mmc_study

WARM_UP_MIN = 240.0


def _tickets(lam: float, mean_service: float, servers: int, days: int, seed: int) -> pl.DataFrame:
    study = mmc_study(lam, mean_service, servers)
    out = simulate_days(study, "base", days=default_days(study, days), replication=0, seed=seed)
    midnight = pl.col("issued_at").dt.truncate("1d")
    return out.log.with_columns(
        day=pl.col("issued_at").dt.date(),
        issued=(pl.col("issued_at") - midnight).dt.total_seconds() / 60.0,
        called=(pl.col("called_at") - midnight).dt.total_seconds() / 60.0,
        ended=(pl.col("ended_at") - midnight).dt.total_seconds() / 60.0,
    ).with_columns(wait=pl.col("called") - pl.col("issued"))


def _ci(values: np.ndarray) -> tuple[float, float]:
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return float(values.mean() - half), float(values.mean() + half)


@pytest.mark.parametrize(
    ("lam", "mean_service", "servers", "days"),
    [
        (0.5, 1.0, 1, 12),  # M/M/1, ρ = 0.5
        (0.8, 1.0, 1, 16),  # M/M/1, ρ = 0.8
        (0.9, 2.0, 2, 20),  # M/M/2, ρ = 0.9
        (2.0, 3.0, 8, 10),  # M/M/8, ρ = 0.75
    ],
)
def test_mmc_mean_wait_matches_erlang_c(
    lam: float, mean_service: float, servers: int, days: int
) -> None:
    log = _tickets(lam, mean_service, servers, days, seed=11)
    # no balking, reneging or no-shows in this study; no hall serves past midnight, so the few
    # tickets still waiting at 24:00 are sent home ("closed"), never earlier ones
    gone = log.filter(pl.col("outcome") != "served")
    assert (gone["abandon_reason"] == "closed").all()
    assert (log.filter(pl.col("issued") < 1380.0)["outcome"] == "served").all()
    per_day = (
        log.filter(pl.col("issued") >= WARM_UP_MIN)
        .group_by("day")
        .agg(pl.col("wait").mean())
        .sort("day")
    )["wait"].to_numpy()
    low, high = _ci(per_day)
    expected = erlang_c_wait(lam, 1.0 / mean_service, servers)
    assert low <= expected <= high, (expected, low, high)
    # and the arrivals are Poisson at rate λ: tickets per day within 4 standard deviations
    per_day_n = log.group_by("day").len()["len"].to_numpy()
    assert abs(per_day_n.mean() - lam * 1440) < 4 * math.sqrt(lam * 1440 / per_day_n.size)


def test_mmc_service_times_are_exponential_with_the_mean() -> None:
    log = _tickets(0.5, 2.0, 2, 4, seed=3).filter(pl.col("outcome") == "served")
    service = (log["ended"] - log["called"]).to_numpy()
    assert abs(service.mean() - 2.0) < 4 * 2.0 / math.sqrt(service.size)
    # exponential: coefficient of variation 1
    assert abs(service.std() / service.mean() - 1.0) < 0.05


def test_littles_law_time_average_waiting_equals_lambda_w() -> None:
    """L (time-average number waiting, sampled every 15 s) = λ·W over a window inside each day."""
    log = _tickets(0.9, 2.0, 2, 12, seed=5)
    t0, t1 = WARM_UP_MIN, 1380.0
    grid = np.arange(t0, t1, 0.25)
    diffs, rel = [], []
    for _, day in log.group_by("day"):
        issued, called = day["issued"].to_numpy(), day["called"].to_numpy()
        # number waiting at each grid time: issued ≤ t < called
        n_waiting = np.searchsorted(np.sort(issued), grid, side="right") - np.searchsorted(
            np.sort(called), grid, side="right"
        )
        big_l = n_waiting.mean()
        inside = (issued >= t0) & (issued < t1)
        lam = inside.sum() / (t1 - t0)
        w = (called[inside] - issued[inside]).mean()
        diffs.append(big_l - lam * w)
        rel.append(big_l / (lam * w))
    low, high = _ci(np.asarray(diffs))
    assert low <= 0.0 <= high, (low, high)
    assert abs(np.mean(rel) - 1.0) < 0.05
