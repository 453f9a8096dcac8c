"""Replication intervals stay where the KPI can be: shares inside (0, 1) on the logit scale,
minutes never below 0."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulation.experiments import compare_scenarios, summarise
from simulation.intervals import ratio_share_interval, share_interval


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


def _logit_t(values: list[float]) -> tuple[float, float]:
    """By hand: logit(p̄) ± t · (s/√n) / (p̄ (1 − p̄)), mapped back with 1 / (1 + e^−x)."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) / (mean * (1 - mean))
    centre = math.log(mean / (1 - mean))
    return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


def test_a_share_interval_is_a_t_interval_on_the_logit_scale() -> None:
    # 0.8, 0.85, 0.9: p̄ = 0.85, s = 0.05, t(2) = 4.3027, half-width on the logit scale
    # 4.3027 · 0.028868 / 0.1275 = 0.97420 around logit 0.85 = 1.73460 → 0.6814 … 0.9375
    row = summarise(_long("service_level", {"reform": [0.8, 0.85, 0.9]})).row(0, named=True)
    assert row["mean"] == pytest.approx(0.85)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.68144, 0.93752), abs=5e-5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_logit_t([0.8, 0.85, 0.9]))
    assert 0.0 < row["ci_low"] < 0.8 and 0.9 < row["ci_high"] < 1.0  # never [0, 1]


def test_a_share_near_zero_never_gets_a_zero_or_negative_bound() -> None:
    shares = [0.0, 0.0, 0.0, 0.004]  # mean 0.001, plain t-interval −0.0022 … 0.0042
    row = summarise(_long("abandon_share", {"as_is": shares})).row(0, named=True)
    assert _t(shares)[0] < 0  # what a plain t-interval would say
    assert row["mean"] == pytest.approx(0.001)
    assert 0.0 < row["ci_low"] < 0.001 < row["ci_high"] < 1.0
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_logit_t(shares))


def test_a_share_near_one_never_exceeds_one() -> None:
    shares = [1.0, 1.0, 0.99, 1.0]
    row = summarise(_long("service_level", {"as_is": shares})).row(0, named=True)
    assert _t(shares)[1] > 1
    assert 0.0 < row["ci_low"] < row["mean"] < row["ci_high"] < 1.0
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_logit_t(shares))


def test_every_replication_at_one_gives_the_point_and_one_replication_no_interval() -> None:
    row = summarise(_long("service_level", {"as_is": [1.0, 1.0, 1.0]})).row(0, named=True)
    assert (row["mean"], row["ci_low"], row["ci_high"]) == (1.0, 1.0, 1.0)
    one = summarise(_long("service_level", {"as_is": [0.7]})).row(0, named=True)
    assert one["mean"] == 0.7 and math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 1000).map(lambda k: k / 1000), min_size=2, max_size=12),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_a_share_interval_never_leaves_zero_one_and_holds_its_mean(
    shares: list[float], confidence: float
) -> None:
    mean, low, high = share_interval(shares, confidence)
    assert 0.0 <= low <= mean <= high <= 1.0
    assert (low, high) != (0.0, 1.0)


def test_a_pooled_share_weighs_replications_by_tickets() -> None:
    # 9 of 10, 10 of 10, 0 of 0: p̂ = 19/20; ratio-estimator variance
    # ((9 − 9.5)² + (10 − 9.5)² + 0²) / (3 · 2 · (20/3)²) = 0.5 / 266.67 → se 0.043301
    share, low, high = ratio_share_interval(np.array([9, 10, 0]), np.array([10, 10, 0]), 0.95)
    half = stats.t.ppf(0.975, 2) * math.sqrt(0.5 / (6 * (20 / 3) ** 2)) / (0.95 * 0.05)
    centre = math.log(0.95 / 0.05)
    assert share == pytest.approx(19 / 20)
    assert low == pytest.approx(1 / (1 + math.exp(-(centre - half))))
    assert high == pytest.approx(1 / (1 + math.exp(-(centre + half))))
    assert 0.0 < low < share < high < 1.0
    assert ratio_share_interval(np.array([5, 5]), np.array([5, 5]), 0.95) == (1.0, 1.0, 1.0)
    one = ratio_share_interval(np.array([4]), np.array([5]), 0.95)  # one replication: no spread
    assert one.estimate == 0.8 and math.isnan(one.low) and math.isnan(one.high)


def test_a_wait_never_gets_a_negative_bound_and_a_difference_may() -> None:
    waits = [0.5, 0.1, 6.0, 0.2]
    row = summarise(_long("wait_min_mean", {"as_is": waits})).row(0, named=True)
    assert _t(waits)[0] < 0 and row["ci_low"] == 0.0
    both = _long("wait_min_mean", {"as_is": [10.0, 12.0, 11.0], "reform": [4.0, 5.0, 4.5]})
    diff = compare_scenarios(both).row(0, named=True)
    assert diff["ci_high"] < 0  # differences are not bounded at 0
    assert (diff["ci_low"], diff["ci_high"]) == pytest.approx(_t([-6.0, -7.0, -6.5]))
