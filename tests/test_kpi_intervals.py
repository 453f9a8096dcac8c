"""Replication intervals stay where the KPI can be: shares in [0, 1], minutes never below 0."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats

from simulation.experiments import compare_scenarios, summarise


def _long(kpi: str, values: dict[str, list[float]]) -> pl.DataFrame:
    rows = [
        {"scenario": sc, "replication": r, "kpi": kpi, "value": v}
        for sc, vs in values.items()
        for r, v in enumerate(vs)
    ]
    return pl.DataFrame(rows)


def _t(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half


def test_a_share_near_zero_never_gets_a_negative_bound() -> None:
    shares = [0.0, 0.0, 0.0, 0.004]  # mean 0.001, t-interval −0.0022 … 0.0042
    row = summarise(_long("abandon_share", {"as_is": shares})).row(0, named=True)
    low, high = _t(shares)
    assert low < 0  # what a plain t-interval would say
    assert row["mean"] == pytest.approx(0.001)
    assert row["ci_low"] == 0.0 and row["ci_high"] == pytest.approx(high)


def test_a_share_near_one_never_exceeds_one() -> None:
    shares = [1.0, 1.0, 0.99, 1.0]
    row = summarise(_long("service_level", {"as_is": shares})).row(0, named=True)
    low, high = _t(shares)
    assert high > 1
    assert row["ci_high"] == 1.0 and row["ci_low"] == pytest.approx(low)


def test_a_wait_never_gets_a_negative_bound_and_a_difference_may() -> None:
    waits = [0.5, 0.1, 6.0, 0.2]
    row = summarise(_long("wait_min_mean", {"as_is": waits})).row(0, named=True)
    assert _t(waits)[0] < 0 and row["ci_low"] == 0.0
    both = _long("wait_min_mean", {"as_is": [10.0, 12.0, 11.0], "reform": [4.0, 5.0, 4.5]})
    diff = compare_scenarios(both).row(0, named=True)
    assert diff["ci_high"] < 0  # differences are not bounded at 0
    assert (diff["ci_low"], diff["ci_high"]) == pytest.approx(_t([-6.0, -7.0, -6.5]))
