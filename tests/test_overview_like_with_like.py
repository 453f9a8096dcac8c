"""The Overview compares like with like, names every significant change (worse ones too) and
shows the wait distribution when the mean wait and the service level disagree."""

from __future__ import annotations

import polars as pl

from dashboards.data import verdict
from dashboards.figures.overview import mean_and_share_disagree, wait_distribution


def _comparison(rows: list[tuple[str, float, float, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(k, b, a, a - b, lo, hi) for k, b, a, lo, hi in rows],
        schema=["kpi", "baseline", "alternative", "difference", "ci_low", "ci_high"],
        orient="row",
    )


def _wait_falls_service_level_falls() -> pl.DataFrame:
    return _comparison(
        [
            ("wait_min_mean", 30.0, 25.0, -8.0, -2.0),
            ("service_level", 0.60, 0.425, -0.25, -0.10),
            ("abandon_share", 0.10, 0.10, -0.02, 0.02),
        ]
    )


def test_the_verdict_names_a_significant_worse_change() -> None:
    comp = _wait_falls_service_level_falls()
    ja = verdict(comp, lang="ja")
    en = verdict(comp, lang="en")
    assert "平均待ち時間は30.0分→25.0分" in ja and "に減り" in ja
    assert "サービスレベル（目標時間内の呼出率）は60.0%→42.5%" in ja and "（悪化）" in ja
    assert "service level (called within target) fell from 60.0% to 42.5%" in en
    assert en.count("worse") == 1
    assert "abandon" not in en  # not significant: left to the tables


def test_the_wait_distribution_appears_when_mean_and_share_disagree() -> None:
    assert mean_and_share_disagree(_wait_falls_service_level_falls())
    agree = _comparison(
        [("wait_min_mean", 30.0, 25.0, -8.0, -2.0), ("service_level", 0.6, 0.7, 0.05, 0.15)]
    )
    assert not mean_and_share_disagree(agree)
    unclear = _comparison(
        [("wait_min_mean", 30.0, 25.0, -8.0, -2.0), ("service_level", 0.6, 0.55, -0.1, 0.02)]
    )
    assert not mean_and_share_disagree(unclear)
    waits = pl.DataFrame(
        {"scenario": ["as_is"] * 4 + ["reform"] * 4, "wait_min": [1, 2, 50, 60, 16, 17, 18, 19]}
    )
    fig = wait_distribution(waits, target_min=15, lang="en")
    assert [tr.name for tr in fig.data] == ["As-is", "Reform"]
    assert list(fig.data[0].y) == [25.0, 50.0, 75.0, 100.0]
    assert fig.layout.shapes[0].x0 == 15


def test_the_model_check_measures_both_sides_with_the_observed_columns() -> None:
    """The observed sample has no arrival times: the simulated time in hall is then counted
    from the first ticket too, not from the arrival the simulator knows."""
    import pytest

    from dashboards.data import load_dataset, peak_day
    from dashboards.results import model_check
    from journeys.metrics import kpis
    from simulation.experiments import run_experiment

    data = load_dataset()
    if data.study is None or data.as_is is None:
        pytest.skip("the bundled sample is not generated yet")
    assert "arrived_at" not in data.as_is.columns
    day = peak_day(data.study)
    result = run_experiment(data.study, replications=1, seed=2, days=[day], progress=False)
    check, _ = model_check(data.study, data.as_is, result.log, [day], n_boot=20)
    sim = result.log.filter(pl.col("scenario") == "as_is")
    row = check.filter(pl.col("kpi") == "time_in_hall_min_mean").row(0, named=True)
    from_ticket = kpis(sim.drop("arrived_at", "left_at", "resident_id", "return_of"))
    assert row["alternative"] == pytest.approx(from_ticket["time_in_hall_min_mean"])
    assert row["alternative"] < kpis(sim)["time_in_hall_min_mean"]  # arrival comes earlier
