"""What an operations manager reads: the period filter, trends by day and week, the wait
target in every service level, counters by name and per-staff performance — each number
equal to ``journeys.metrics`` on the same tickets."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.operations import (
    Period,
    counter_names,
    log_period,
    restrict_to_period,
    staff_performance,
    trend,
)
from journeys.paths import SAMPLE_DIR

LOG = SAMPLE_DIR / "counter_log_as_is.parquet"
APP = SAMPLE_DIR.parents[1] / "dashboards" / "app.py"

pytestmark = pytest.mark.skipif(not LOG.exists(), reason="the bundled sample is not generated")


@pytest.fixture(scope="module")
def log() -> pl.DataFrame:
    from journeys.readers import read_counter_log

    return read_counter_log(LOG).accepted


def test_period_restriction_keeps_whole_visits(log: pl.DataFrame) -> None:
    whole = log_period(log)
    assert whole is not None and whole.start < whole.end
    week = Period(whole.start, whole.start + dt.timedelta(days=6))
    part = restrict_to_period(log, week)
    days = part.group_by("visit_id").agg(pl.col("issued_at").dt.date().min())["issued_at"]
    assert days.min() >= week.start and days.max() <= week.end
    visits = set(part["visit_id"].to_list())
    assert part.height == log.filter(pl.col("visit_id").is_in(list(visits))).height


def test_daily_and_weekly_trends_equal_kpis_per_period(log: pl.DataFrame) -> None:
    from journeys.metrics import kpis

    whole = log_period(log)
    assert whole is not None
    two_weeks = restrict_to_period(log, Period(whole.start, whole.start + dt.timedelta(days=13)))
    daily = trend(two_weeks, every="day", service_target_min=20.0)
    weekly = trend(two_weeks, every="week", service_target_min=20.0)
    assert daily.height == two_weeks["issued_at"].dt.date().n_unique()
    assert weekly.height in (2, 3)
    first_day = daily.row(0, named=True)
    one = restrict_to_period(two_weeks, Period(first_day["period"], first_day["period"]))
    expected = kpis(one, service_target_min=20.0)
    for kpi in ("visits", "wait_min_mean", "service_level", "no_show_share", "abandon_share"):
        assert first_day[kpi] == pytest.approx(expected[kpi])
    assert weekly["visits"].sum() == pytest.approx(daily["visits"].sum())
    assert all(d.weekday() == 0 for d in weekly["period"].to_list()[1:])  # weeks start Monday


def test_staff_performance_shares_add_up(log: pl.DataFrame) -> None:
    from journeys.metrics import per_staff
    from simulation.model import load_study

    study = load_study(SAMPLE_DIR / "study.toml")
    names = counter_names(study, "en")
    assert names["A01"].startswith("A01 ") and len(names["A01"]) > 4
    table = staff_performance(log, names=names, close=dt.time(17, 15), lang="en")
    reference = per_staff(log, by=()).sort("staff_id")
    assert table["Staff"].to_list() == reference["staff_id"].to_list()
    assert table["Cases"].to_list() == reference["cases"].to_list()
    assert (table["Busy (%)"] + table["Idle (%)"]).to_list() == pytest.approx(
        [100.0] * table.height, abs=1.0
    )
    assert table["After closing (%)"].min() >= 0 and table["After closing (%)"].max() <= 100
    assert all(name.startswith("A") and " " in name for name in table["Counter"].to_list())


def test_the_wait_target_sets_every_service_level_on_the_page(
    monkeypatch: pytest.MonkeyPatch, log: pl.DataFrame
) -> None:
    from dashboards.i18n import format_kpi, kpi_label
    from journeys.metrics import kpis

    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", "off")
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    at.switch_page("views/counter_logs.py").run()
    at.sidebar.number_input(key="wait_target_min").set_value(30.0).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    expected = kpis(log, service_target_min=30.0)["service_level"]
    assert shown[kpi_label("service_level", "ja", target_min=30.0)] == format_kpi(
        "service_level", expected, "ja"
    )
    assert any("目標 30 分" in c.value for c in at.caption)
    assert any("期間：" in c.value for c in at.caption)
