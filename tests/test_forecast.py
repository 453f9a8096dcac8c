"""The congestion forecast: calendar effects, the offline calendar page, the CSV, the backtest."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from dashboards.calendar import calendar_html, forecast_csv
from journeys.paths import SAMPLE_DIR
from madoguchi.cli import main
from simulation.forecast import (
    CROWDING,
    Forecast,
    HallCalendar,
    backtest,
    crowding_level,
    fit_forecast_model,
    forecast,
)
from simulation.model import load_study

LOG = SAMPLE_DIR / "counter_log_as_is.parquet"
STUDY = SAMPLE_DIR / "study.toml"


@pytest.fixture(scope="module")
def peak_forecast() -> Forecast:
    study = load_study(STUDY)
    model = fit_forecast_model(pl.read_parquet(LOG), study)
    return forecast(model, study, dt.date(2027, 3, 1), dt.date(2027, 4, 30), replications=1, seed=3)


def test_calendar_flags_follow_the_hall_calendar() -> None:
    # 2027-03-22 (振替休日) closed: the 23rd is the day after a holiday
    cal = HallCalendar(frozenset({dt.date(2027, 3, 22), dt.date(2027, 4, 29)}))
    assert cal.flags(dt.date(2027, 3, 23))["after_holiday"]
    assert not cal.flags(dt.date(2027, 3, 29))["after_holiday"]  # a plain weekend before
    assert cal.flags(dt.date(2027, 3, 1))["first_working_day"]
    assert cal.flags(dt.date(2027, 4, 30))["last_working_day"]
    assert cal.flags(dt.date(2027, 4, 28))["last_working_day"] is False
    assert crowding_level(3.0) == 0 and crowding_level(15.0) == 1 and crowding_level(45.0) == 2


def test_forecast_closes_national_holidays_and_sees_the_peak(peak_forecast: Forecast) -> None:
    fc = peak_forecast
    assert dt.date(2027, 3, 22) in fc.closed and dt.date(2027, 4, 29) in fc.closed
    assert dt.date(2027, 3, 22) not in fc.days
    assert len(fc.days) == 43
    per_day = fc.hours.group_by("date").agg(pl.col("expected_residents").sum())
    visits = dict(per_day.iter_rows())
    # the moving peak (03-26 … 04-02 in the study) brings far more residents than early March
    assert visits[dt.date(2027, 3, 29)] > 1.5 * visits[dt.date(2027, 3, 3)]
    busy = fc.half_days.filter(pl.col("date") == dt.date(2027, 3, 29))["level"].to_list()
    calm = fc.half_days.filter(pl.col("date") == dt.date(2027, 3, 3))["level"].to_list()
    assert min(busy) > max(calm)


def test_calendar_page_is_offline_bilingual_and_has_hour_tables(peak_forecast: Forecast) -> None:
    page = calendar_html(peak_forecast)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, re.I)
    assert "<link" not in page and "src=" not in page
    assert page.count('<section class="month">') == 2
    for _, ja, en in CROWDING:
        assert ja in page and en in page
    assert '<html lang="ja">' in page and "setLang('en')" in page
    assert page.count('<details class="hours">') == 43
    assert "閉庁" in page


def test_forecast_csv_has_a_row_per_open_day_and_hour(peak_forecast: Forecast) -> None:
    table = forecast_csv(peak_forecast)
    hours = len(load_study(STUDY).arrivals.hour_profile)
    assert table.height == 43 * hours
    assert table["crowding_ja"].is_in([c[1] for c in CROWDING]).all()


def test_backtest_on_the_sample_finds_the_busiest_days() -> None:
    result = backtest(pl.read_parquet(LOG), load_study(STUDY), replications=2, seed=5)
    assert result.fit_days + result.test_days == 39
    assert result.busiest_found >= 7
    assert result.mae_wait_min < result.naive_mae_wait_min


def test_backtest_command_prints_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(
            [
                "forecast",
                "--log",
                str(LOG),
                "--study",
                str(STUDY),
                "--backtest",
                "--replications",
                "1",
            ]
        )
    assert done.value.code == 0
    out = capsys.readouterr().out
    found = re.search(r"busiest days found: (\d+) of 10", out)
    assert found is not None and int(found.group(1)) >= 7
    assert "naive" in out


def test_forecast_without_period_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as done:
        main(
            [
                "forecast",
                "--log",
                str(LOG),
                "--study",
                str(STUDY),
                "--out",
                str(tmp_path / "c.html"),
            ]
        )
    assert done.value.code == 2
    assert "needs --from, --to and --out" in capsys.readouterr().err


def test_same_seed_same_calendar_bytes(peak_forecast: Forecast) -> None:
    study = load_study(STUDY)
    model = fit_forecast_model(pl.read_parquet(LOG), study)
    again = forecast(
        model, study, dt.date(2027, 3, 1), dt.date(2027, 4, 30), replications=1, seed=3
    )
    assert calendar_html(again) == calendar_html(peak_forecast)
    assert forecast_csv(again).equals(forecast_csv(peak_forecast))
