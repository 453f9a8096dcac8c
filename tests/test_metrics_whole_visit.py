"""The whole visit, worked out by hand on small logs: time in hall from arrival, queue minutes
of reneged residents, a visit crossing midnight, trips per resident — by ``kpis`` and by the
per-visit sums the bootstrap weights (both must agree)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from journeys.compare import visit_arrays, weighted_kpis
from journeys.metrics import kpi_notes, kpis, per_counter, per_hour, per_staff, visit_table
from journeys.readers import read_counter_log

DAY = dt.datetime(2025, 3, 3)
_COLUMNS = ["visit_id", "ticket_id", "counter_id", "issued_at", "called_at", "ended_at"]
_COLUMNS += ["staff_id", "outcome", "forms_written"]


def at(minutes: float | None, day: dt.datetime = DAY) -> dt.datetime | None:
    """``day`` 09:00 + ``minutes`` (None stays None)."""
    return None if minutes is None else day + dt.timedelta(hours=9, minutes=minutes)


def frame(
    rows: list[tuple[object, ...]], extra: dict[str, list[object]] | None = None
) -> pl.DataFrame:
    log = pl.DataFrame(rows, schema=_COLUMNS, orient="row").with_columns(
        pl.col("issued_at", "called_at", "ended_at").cast(pl.Datetime("us"))
    )
    for name, values in (extra or {}).items():
        log = log.with_columns(pl.Series(name, values))
    return log.with_columns(
        pl.col(c).cast(pl.Datetime("us")) for c in ("arrived_at", "left_at") if c in log.columns
    )


def whole_visit_log() -> pl.DataFrame:
    """V1 arrives 08:50, tickets at 09:00 (wait 10, serve 10) and 09:25 (wait 20, serve 10):
    leaves 10:05. V2 arrives 09:00, ticket 09:05, reneges at 09:35. V3 arrives 09:10, ticket
    09:12, called 09:20, no-show."""
    rows = [
        ("V1", "T1", "A", at(0), at(10), at(20), "S1", "served", 1),
        ("V1", "T2", "B", at(25), at(45), at(65), "S2", "served", 0),
        ("V2", "T3", "A", at(5), None, None, None, "abandoned", 0),
        ("V3", "T4", "B", at(12), at(20), None, "S2", "no_show", 0),
    ]
    return frame(
        rows,
        {
            "arrived_at": [at(-10), at(-10), at(0), at(10)],
            "left_at": [None, None, at(35), None],
            "abandon_reason": [None, None, "reneged", None],
        },
    )


def _both_paths(log: pl.DataFrame) -> list[dict[str, float]]:
    arrays = visit_arrays(log)
    ones = weighted_kpis(arrays, np.ones((1, arrays.sums.shape[0])))
    return [kpis(log), {k: float(v[0]) for k, v in ones.items()}, arrays.point]


def test_time_in_hall_counts_from_arrival() -> None:
    for k in _both_paths(whole_visit_log()):
        # V1 08:50 → 10:05 = 75; V2 09:00 → 09:35 = 35; V3 09:10 → 09:20 (called) = 10
        assert k["time_in_hall_min_mean"] == pytest.approx((75 + 35 + 10) / 3)
        # first ticket − arrival: V1 10, V2 5, V3 2
        assert k["arrival_to_ticket_min_mean"] == pytest.approx((10 + 5 + 2) / 3)


def test_queue_minutes_include_the_reneged_resident() -> None:
    for k in _both_paths(whole_visit_log()):
        # waits of called tickets 10, 20, 8; the reneged ticket queued 09:05 → 09:35 = 30
        assert k["wait_min_mean"] == pytest.approx((10 + 20 + 8) / 3)
        assert k["queue_min_mean"] == pytest.approx((10 + 20 + 8 + 30) / 4)


def test_without_arrival_the_hall_time_starts_at_the_first_ticket_and_notes_say_so() -> None:
    log = whole_visit_log().drop("arrived_at", "left_at", "abandon_reason")
    k = kpis(log)
    # V1 09:00 → 10:05 = 65; V2 09:05 → 09:05 (no leave time) = 0; V3 09:12 → 09:20 = 8
    assert k["time_in_hall_min_mean"] == pytest.approx((65 + 0 + 8) / 3)
    assert "queue_min_mean" not in k and "arrival_to_ticket_min_mean" not in k
    notes = " ".join(kpi_notes(log))
    assert "from the first ticket" in notes and "cannot link a resident's trips" in notes
    assert "from arrival" in " ".join(kpi_notes(whole_visit_log()))


def midnight_log() -> pl.DataFrame:
    """Day 1 (Monday 2025-03-03): V1 arrives 23:30, served 23:40–23:55, second ticket 00:05 on
    Tuesday, served until 00:30. V2 at 10:00. Day 2 (Tuesday): V3 at 10:00."""
    late = dt.datetime(2025, 3, 3, 23, 30)
    m = dt.timedelta(minutes=1)
    rows = [
        ("V1", "T1", "A", late + 10 * m, late + 10 * m, late + 25 * m, "S1", "served", 0),
        ("V1", "T2", "B", late + 35 * m, late + 40 * m, late + 60 * m, "S2", "served", 0),
        ("V2", "T3", "A", at(60), at(65), at(70), "S1", "served", 0),
        ("V3", "T4", "A", at(60, DAY + dt.timedelta(days=1)), at(61, DAY + dt.timedelta(days=1)),
         at(70, DAY + dt.timedelta(days=1)), "S1", "served", 0),
    ]  # fmt: skip
    return frame(rows, {"arrived_at": [late, late, at(59), at(59, DAY + dt.timedelta(days=1))]})


def test_a_visit_crossing_midnight_stays_on_its_service_day() -> None:
    """Two service days, three visits: 1.5 a day (the calendar dates of the tickets would give
    three days)."""
    log = midnight_log()
    for k in _both_paths(log):
        assert k["visits_per_day"] == pytest.approx(1.5)
        assert k["time_in_hall_min_mean"] == pytest.approx((60 + 11 + 11) / 3)
    visits = visit_table(log)
    assert visits.filter(pl.col("visit_id") == "V1")["date"].item() == dt.date(2025, 3, 3)
    # without arrival times the first ticket (23:40) decides the day, still not the second one
    assert kpis(log.drop("arrived_at"))["visits_per_day"] == pytest.approx(1.5)


def test_per_hour_counter_and_staff_tables_count_service_days() -> None:
    """Tables by hour, counter and staff count service days: V1's ticket at 00:05 on Tuesday
    belongs to Monday, the day V1 arrived. Without V3 the log has one service day (its tickets'
    calendar dates would give two), and Tuesday 00:05 is Monday's hour 0."""
    log = midnight_log()
    one_night = log.filter(pl.col("visit_id") != "V3")
    hours = per_hour(one_night)
    assert hours["days"].unique().to_list() == [1]
    midnight = hours.filter(pl.col("hour") == 0).row(0, named=True)
    assert (midnight["tickets"], midnight["tickets_per_day"]) == (1, 1.0)
    counters = per_counter(one_night)
    assert counters["days"].to_list() == [1, 1]
    assert counters.filter(pl.col("counter_id") == "B")["tickets_per_day"].item() == 1.0
    # S2 served only past midnight: one service day (Monday)
    assert per_staff(one_night).filter(pl.col("staff_id") == "S2")["days"].item() == 1
    # without arrival times the first ticket (23:40) decides the day
    assert per_hour(one_night.drop("arrived_at"))["days"].unique().to_list() == [1]
    # by weekday: T2 (Tuesday 00:05) is in Monday's row for hour 0; Tuesday has V3 only
    by_weekday = per_hour(log, weekday=True)
    monday = by_weekday.filter(pl.col("weekday") == 1)
    assert sorted(monday["hour"].to_list()) == [0, 10, 23]
    assert monday["days"].unique().to_list() == [1]
    tuesday = by_weekday.filter(pl.col("weekday") == 2)
    assert tuesday["hour"].to_list() == [10] and tuesday["days"].to_list() == [1]
    assert per_hour(log)["days"].unique().to_list() == [2]


def test_visits_per_resident_and_return_share() -> None:
    """R1 comes twice (V3 returns for V1, a missing document), R2 once."""
    rows = [
        ("V1", "T1", "A", at(0), at(5), at(15), "S1", "served", 1),
        ("V2", "T2", "A", at(10), at(15), at(25), "S1", "served", 1),
        ("V3", "T3", "A", at(0, DAY + dt.timedelta(days=1)), at(2, DAY + dt.timedelta(days=1)),
         at(9, DAY + dt.timedelta(days=1)), "S1", "served", 0),
    ]  # fmt: skip
    log = frame(rows, {"resident_id": ["R1", "R2", "R1"], "return_of": [None, None, "V1"]})
    for k in _both_paths(log):
        assert k["visits_per_resident"] == pytest.approx(3 / 2)
        assert k["return_visit_share"] == pytest.approx(1 / 3)
    assert "cannot link" not in " ".join(kpi_notes(log))
    assert "visits_per_resident" not in kpis(log.drop("resident_id", "return_of"))


def test_staff_serving_time_per_day() -> None:
    k = kpis(whole_visit_log())
    assert k["staff_busy_min"] == pytest.approx(10 + 20 + 0)
    assert k["staff_busy_min_per_day"] == pytest.approx(30.0)  # one service day


def test_an_observed_log_with_whole_visit_columns_reads_and_links(tmp_path: Path) -> None:
    """Headers in Japanese, keys pseudonymised with one salt: return_of still finds its visit."""
    csv = tmp_path / "log.csv"
    csv.write_text(
        "来庁者番号,受付番号,窓口,発券時刻,呼出時刻,終了時刻,状態,入館時刻,離脱時刻,離脱理由,住民キー,再来庁元\n"
        "V1,1,A,2025-03-03 09:00,2025-03-03 09:10,2025-03-03 09:20,完了,2025-03-03 08:55,,,R1,\n"
        "V2,2,A,2025-03-03 09:05,,,取消,2025-03-03 09:00,2025-03-03 09:35,途中離脱,R2,\n"
        "V3,3,A,2025-03-04 09:00,2025-03-04 09:02,2025-03-04 09:09,完了,2025-03-04 08:58,,,R1,V1\n",
        encoding="utf-8",
    )
    result = read_counter_log(csv, salt="test-salt")
    log = result.accepted
    assert result.rejected.height == 0
    assert {"arrived_at", "left_at", "abandon_reason", "resident_id", "return_of"} <= set(
        log.columns
    )
    assert log["abandon_reason"].to_list() == [None, "reneged", None]
    v1 = log.filter(pl.col("ticket_id").str.ends_with("1"))["visit_id"].item()
    assert log["return_of"].drop_nulls().to_list() == [v1]
    assert not any("R1" in str(v) or "V1" in str(v) for v in [*log["resident_id"].to_list(), v1])
    k = kpis(log)
    assert k["visits_per_resident"] == pytest.approx(1.5)
    assert k["return_visit_share"] == pytest.approx(1 / 3)
    assert k["queue_min_mean"] == pytest.approx((10 + 30 + 2) / 3)


def test_a_log_without_an_outcome_column_has_it_inferred_and_says_so(tmp_path: Path) -> None:
    from journeys.validation import OUTCOME_INFERRED_NOTE

    csv = tmp_path / "no_outcome.csv"
    csv.write_text(
        "受付番号,窓口,発券時刻,呼出時刻,終了時刻\n"
        "1,A,2025-03-03 09:00,2025-03-03 09:10,2025-03-03 09:20\n"
        "2,A,2025-03-03 09:05,2025-03-03 09:15,\n"
        "3,A,2025-03-03 09:06,,\n",
        encoding="utf-8",
    )
    result = read_counter_log(csv)
    assert result.rejected.height == 0 and result.accepted.height == 3
    assert result.accepted["outcome"].to_list() == ["served", "no_show", "abandoned"]
    assert OUTCOME_INFERRED_NOTE in result.notes
    assert "no call → abandoned" in OUTCOME_INFERRED_NOTE


def test_people_waiting_counts_a_reneged_resident_until_they_left() -> None:
    from journeys.metrics import people_waiting

    log = whole_visit_log()
    board = people_waiting(log, every="5m", by=())
    at = {r["at"]: r["waiting"] for r in board.iter_rows(named=True)}
    # at 09:30: T2 (09:25 → called 09:45) and the reneging V2 (09:05 → left 09:35) wait
    assert at[at_(30)] == 2 and at[at_(35)] == 1
    # without left_at the abandoned ticket leaves the queue when issued
    without = people_waiting(log.drop("left_at"), every="5m", by=())
    assert {r["at"]: r["waiting"] for r in without.iter_rows(named=True)}[at_(30)] == 1


def at_(minutes: float) -> dt.datetime:
    value = at(minutes)
    assert value is not None
    return value
