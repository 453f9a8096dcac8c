"""What the committed sample city holds: sizes, calendar, peak, waits, exports and the survey."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from journeys.paths import SAMPLE_DIR
from journeys.samplecity.exports import EXPORT_HEADER, SURVEY_HEADER, SURVEY_TITLE
from journeys.schema import COUNTER_LOG_COLUMNS, SURVEY_COLUMNS

PERIODS = {
    "as_is": (dt.date(2025, 2, 24), dt.date(2025, 4, 18), dt.date(2025, 3, 20)),
    "reform": (dt.date(2026, 2, 23), dt.date(2026, 4, 17), dt.date(2026, 3, 20)),
}


@pytest.fixture(scope="module")
def logs() -> dict[str, pl.DataFrame]:
    return {s: pl.read_parquet(SAMPLE_DIR / f"counter_log_{s}.parquet") for s in PERIODS}


def _visits(log: pl.DataFrame) -> pl.DataFrame:
    return log.group_by("visit_id").agg(
        day=pl.col("issued_at").min().dt.date(),
        tickets=pl.len(),
        time_in_hall=(
            pl.max_horizontal(pl.col("ended_at").max(), pl.col("issued_at").max())
            - pl.col("issued_at").min()
        ).dt.total_seconds()
        / 60.0,
    )


def _num(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def _peak(day: pl.Expr) -> pl.Expr:
    return day.dt.strftime("%m-%d").is_between(pl.lit("03-21"), pl.lit("04-07"))


@pytest.mark.parametrize("scenario", list(PERIODS))
def test_log_schema_size_and_invariants(logs: dict[str, pl.DataFrame], scenario: str) -> None:
    log = logs[scenario]
    for name, dtype in COUNTER_LOG_COLUMNS.items():
        assert log.schema[name] == dtype, name
    assert log.columns[-3:] == ["scenario", "writing_min", "walking_m"]
    assert log.height >= 30_000
    assert log["ticket_id"].n_unique() == log.height
    assert log["scenario"].unique().to_list() == [scenario]
    called = log.filter(pl.col("called_at").is_not_null())
    assert (called["called_at"] >= called["issued_at"]).all()
    assert (called["ended_at"] >= called["called_at"]).all()
    assert set(log["outcome"].unique()) == {"served", "no_show", "abandoned"}
    abandoned = log.filter(pl.col("outcome") == "abandoned")
    assert abandoned["called_at"].null_count() == abandoned.height
    no_show = log.filter(pl.col("outcome") == "no_show")
    assert (no_show["ended_at"] == no_show["called_at"]).all()
    # whole seconds
    for col in ("issued_at", "called_at", "ended_at"):
        assert (log[col].drop_nulls().dt.microsecond() == 0).all()


@pytest.mark.parametrize("scenario", list(PERIODS))
def test_eight_weeks_of_weekdays_without_the_holiday(
    logs: dict[str, pl.DataFrame], scenario: str
) -> None:
    first, last, holiday = PERIODS[scenario]
    days = set(logs[scenario]["issued_at"].dt.date().unique().to_list())
    expected = {
        first + dt.timedelta(days=k)
        for k in range((last - first).days + 1)
        if (first + dt.timedelta(days=k)).weekday() < 5
    } - {holiday}
    assert days == expected
    assert len(days) == 8 * 5 - 1


@pytest.mark.parametrize("scenario", list(PERIODS))
def test_late_march_moving_peak_is_visible(logs: dict[str, pl.DataFrame], scenario: str) -> None:
    daily = _visits(logs[scenario]).group_by("day").agg(visits=pl.len())
    in_peak = _num(daily.filter(_peak(pl.col("day")))["visits"].mean())
    rest = _num(daily.filter(~_peak(pl.col("day")))["visits"].mean())
    assert in_peak > 1.3 * rest


def test_waits_counters_and_time_in_hall_are_realistic(logs: dict[str, pl.DataFrame]) -> None:
    figures: dict[str, dict[str, float]] = {}
    for scenario, log in logs.items():
        log = log.with_columns(
            wait=(pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60.0,
            peak=_peak(pl.col("issued_at")),
        )
        visits = _visits(log)
        figures[scenario] = {
            "ordinary_wait": _num(log.filter(~pl.col("peak"))["wait"].mean()),
            "peak_wait": _num(log.filter(pl.col("peak"))["wait"].mean()),
            "tickets_per_visit": log.height / visits.height,
            "multi": visits.filter(pl.col("tickets") >= 3).height / visits.height,
            "long_multi": _num(visits.filter(pl.col("tickets") >= 3)["time_in_hall"].mean()),
            "time_in_hall": _num(visits["time_in_hall"].mean()),
        }
    as_is, reform = figures["as_is"], figures["reform"]
    assert 10.0 <= as_is["ordinary_wait"] <= 25.0
    assert as_is["peak_wait"] > 2.0 * as_is["ordinary_wait"]
    assert reform["ordinary_wait"] < 0.5 * as_is["ordinary_wait"]
    assert reform["peak_wait"] < 0.75 * as_is["peak_wait"]
    assert as_is["tickets_per_visit"] > 1.2 > reform["tickets_per_visit"]
    assert as_is["multi"] > 0.03
    assert 90.0 <= as_is["long_multi"] <= 180.0  # multi-counter families: 1.5–3 h in the hall
    assert reform["time_in_hall"] < 0.6 * as_is["time_in_hall"]


@pytest.mark.parametrize("scenario", list(PERIODS))
def test_raw_export_is_cp932_crlf_with_the_same_tickets(
    logs: dict[str, pl.DataFrame], scenario: str
) -> None:
    raw = (SAMPLE_DIR / f"ticket_export_{scenario}.csv").read_bytes()
    text = raw.decode("cp932")
    lines = text.split("\r\n")
    assert lines[-1] == ""  # every line ends with CRLF
    assert "\n" not in text.replace("\r\n", "")
    assert tuple(lines[0].split(",")) == EXPORT_HEADER
    rows = [line.split(",") for line in lines[1:-1]]
    log = logs[scenario]
    assert len(rows) == log.height
    assert [r[1] for r in rows[:50]] == log["ticket_id"].head(50).to_list()
    assert {r[11] for r in rows} == {"完了", "不在", "取消"}
    my_numbers = [r[18] for r in rows[:500]]
    assert all(re.fullmatch(r"\d{12}", n) for n in my_numbers)


def test_my_numbers_carry_a_valid_check_digit() -> None:
    privacy = pytest.importorskip("journeys.privacy")
    text = (SAMPLE_DIR / "ticket_export_reform.csv").read_bytes().decode("cp932")
    numbers = [line.split(",")[18] for line in text.split("\r\n")[1:2001]]
    assert all(privacy.is_valid_my_number(n) for n in numbers)


@pytest.mark.parametrize("scenario", list(PERIODS))
def test_logs_pass_ingestion_with_zero_rejects(scenario: str) -> None:
    readers = pytest.importorskip("journeys.readers")
    from_raw = readers.read_counter_log(SAMPLE_DIR / f"ticket_export_{scenario}.csv")
    from_parquet = readers.read_counter_log(SAMPLE_DIR / f"counter_log_{scenario}.parquet")
    for result in (from_raw, from_parquet):
        assert result.rejected.height == 0
        assert result.accepted.height == result.rows_in
    assert {"氏名", "個人番号"} <= set(from_raw.dropped_columns)
    common = [c for c in COUNTER_LOG_COLUMNS if c in from_raw.accepted.columns]
    assert from_raw.accepted.select(common).equals(from_parquet.accepted.select(common))


def test_survey_has_personas_in_both_phases() -> None:
    survey = pl.read_parquet(SAMPLE_DIR / "survey.parquet")
    assert dict(survey.schema) == SURVEY_COLUMNS
    assert set(survey["phase"].unique()) == {"as_is", "reform"}
    personas = survey.group_by("phase").agg(pl.col("persona").n_unique())
    assert _num(personas["persona"].min()) >= 6
    assert {"move_in", "death", "birth", "move_within", "certificates", "foreign_move_in"} <= set(
        survey["life_event"].unique()
    )
    fields = survey.group_by("phase").agg(pl.col("fields_written").sum()).sort("phase")
    as_is_fields, reform_fields = fields["fields_written"].to_list()
    assert reform_fields < as_is_fields
    assert not survey["pain_point"].drop_nulls().str.contains(r"\d{4} \d{4} \d{4}").any()


def test_survey_sheet_layout_and_reading() -> None:
    import openpyxl

    book = openpyxl.load_workbook(SAMPLE_DIR / "survey_sheets.xlsx", read_only=True)
    assert book.sheetnames == ["調査票"]
    rows = list(book["調査票"].iter_rows(values_only=True))
    assert rows[0][0] == SURVEY_TITLE
    assert tuple(rows[1]) == SURVEY_HEADER
    survey = pl.read_parquet(SAMPLE_DIR / "survey.parquet")
    assert len(rows) - 2 == survey.height
    assert {r[1] for r in rows[2:]} == {"現状", "改革後"}
    assert any(r[11] and re.search(r"\d{4} \d{4} \d{4}", r[11]) for r in rows[2:])
    readers = pytest.importorskip("journeys.readers")
    result = readers.read_survey(SAMPLE_DIR / "survey_sheets.xlsx")
    assert result.rejected.height == 0 and result.accepted.height == survey.height
    assert "調査員氏名" in result.dropped_columns
    assert result.accepted["pain_point"].equals(survey["pain_point"])


def test_study_file_shape() -> None:
    with (SAMPLE_DIR / "study.toml").open("rb") as handle:
        study = tomllib.load(handle)
    assert len(study["procedures"]) >= 25
    assert len(study["departments"]) >= 8
    events = {e["id"]: e["share"] for e in study["life_events"]}
    assert len(events) >= 7
    assert max(events, key=lambda k: events[k]) == "certificates"
    assert sum(events.values()) == pytest.approx(1.0)
    assert {s["id"]: s["flow"] for s in study["scenarios"]} == {
        "as_is": "by_department",
        "reform": "one_stop",
    }


def test_whole_sample_folder_is_small() -> None:
    size = sum(p.stat().st_size for p in Path(SAMPLE_DIR).iterdir() if p.is_file())
    assert size < 20_000_000
