"""KPIs on a small hand-made counter log whose answers are worked out here.

The log: one Monday (2025-03-03), 3 visits, 5 tickets, counters A and B, staff S1 and S2.

| ticket | visit | counter | issued | called | ended | staff | outcome | forms |
| T1 | V1 | A | 09:00 | 09:10 | 09:20 | S1 | served    | 2 |
| T2 | V1 | B | 10:10 | 10:40 | 10:50 | S2 | served    | 1 |
| T3 | V2 | A | 09:05 | 09:25 | 09:25 | S1 | no_show   | 0 |
| T4 | V2 | A | 09:30 |   –   |   –   |  – | abandoned | 1 |
| T5 | V3 | B | 09:40 | 10:05 | 10:35 | S2 | served    | – |
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import polars as pl
import pytest

from journeys.errors import InputError
from journeys.metrics import (
    KPI_NAMES,
    OPTIONAL_KPI_NAMES,
    kpi_summary,
    kpis,
    log_notes,
    people_waiting,
    per_counter,
    per_hour,
    per_staff,
    visit_table,
)

SCHEMA = {
    "visit_id": pl.String,
    "ticket_id": pl.String,
    "counter_id": pl.String,
    "issued_at": pl.Datetime("us"),
    "called_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "staff_id": pl.String,
    "outcome": pl.String,
    "forms_written": pl.Int64,
}


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2025, 3, 3, hour, minute)


def small_log() -> pl.DataFrame:
    rows = [
        ("V1", "T1", "A", at(9, 0), at(9, 10), at(9, 20), "S1", "served", 2),
        ("V1", "T2", "B", at(10, 10), at(10, 40), at(10, 50), "S2", "served", 1),
        ("V2", "T3", "A", at(9, 5), at(9, 25), at(9, 25), "S1", "no_show", 0),
        ("V2", "T4", "A", at(9, 30), None, None, None, "abandoned", 1),
        ("V3", "T5", "B", at(9, 40), at(10, 5), at(10, 35), "S2", "served", None),
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_kpis_on_hand_made_log() -> None:
    k = kpis(small_log())
    # Called tickets' waits: T1 10, T2 30, T3 20, T5 25 -> sorted [10, 20, 25, 30].
    assert k["visits"] == 3
    assert k["tickets"] == 5
    assert k["visits_per_day"] == 3
    assert k["tickets_per_visit"] == pytest.approx(5 / 3)
    assert k["counters_per_visit_mean"] == pytest.approx((2 + 1 + 1) / 3)
    assert k["wait_min_mean"] == pytest.approx((10 + 30 + 20 + 25) / 4)
    # Linear interpolation: position (4-1)*0.5 = 1.5 -> 20 + 0.5*(25-20) = 22.5
    assert k["wait_min_p50"] == pytest.approx(22.5)
    # position (4-1)*0.9 = 2.7 -> 25 + 0.7*(30-25) = 28.5
    assert k["wait_min_p90"] == pytest.approx(28.5)
    assert k["wait_min_max"] == pytest.approx(30.0)
    # Time in hall: V1 09:00->10:50 = 110; V2 09:05 -> max(09:25 no-show end, 09:30 abandoned
    # at issue) = 25; V3 09:40->10:35 = 55.
    assert k["time_in_hall_min_mean"] == pytest.approx((110 + 25 + 55) / 3)
    # Within 15 min among the 4 called tickets: only T1 (10 min).
    assert k["service_level"] == pytest.approx(1 / 4)
    assert k["no_show_share"] == pytest.approx(1 / 5)
    assert k["abandon_share"] == pytest.approx(1 / 5)
    assert k["forms_written_per_visit"] == pytest.approx((2 + 1 + 0 + 1 + 0) / 3)
    assert k["service_min_mean"] == pytest.approx((10 + 10 + 30) / 3)
    assert k["staff_busy_min"] == pytest.approx(10 + 10 + 0 + 30)
    assert list(k) == [n for n in KPI_NAMES if n not in OPTIONAL_KPI_NAMES]


def test_service_level_target_is_inclusive_and_configurable() -> None:
    # Target 25 min: waits 10, 20, 25 are within (25 <= 25), 30 is not.
    assert kpis(small_log(), service_target_min=25.0)["service_level"] == pytest.approx(3 / 4)


def test_optional_columns_and_pandas_input() -> None:
    log = small_log().with_columns(
        walking_m=pl.Series([30.0, 60.0, 20.0, 10.0, 40.0]),
        writing_min=pl.Series([5.0, 3.0, 0.0, None, 0.0]),
    )
    k = kpis(log.to_pandas())
    assert k["walking_m_per_visit"] == pytest.approx(160 / 3)
    assert k["writing_min_per_visit"] == pytest.approx(8 / 3)
    assert k["wait_min_p90"] == pytest.approx(28.5)


def test_visits_are_keyed_within_replication() -> None:
    one = small_log().with_columns(replication=pl.lit(0, pl.Int64))
    two = pl.concat([one, one.with_columns(replication=pl.lit(1, pl.Int64))])
    k = kpis(two)
    assert k["visits"] == 6  # V1 of replication 0 and V1 of replication 1 are two visits
    assert k["visits_per_day"] == 3  # the same date in two replications counts as two days
    assert k["counters_per_visit_mean"] == pytest.approx(4 / 3)


def test_visit_table() -> None:
    v = visit_table(small_log())
    assert v["visit_id"].to_list() == ["V1", "V2", "V3"]
    assert v["tickets"].to_list() == [2, 2, 1]
    assert v["counters"].to_list() == [2, 1, 1]
    assert v["wait_min"].to_list() == pytest.approx([40.0, 20.0, 25.0])
    assert v["time_in_hall_min"].to_list() == pytest.approx([110.0, 25.0, 55.0])
    assert v["forms_written"].to_list() == [3, 1, 0]
    assert v["abandoned"].to_list() == [0, 1, 0]


def test_kpi_summary_long_format_and_scenarios() -> None:
    s = kpi_summary(small_log())
    assert s.columns == ["scenario", "kpi", "value"]
    assert set(s["scenario"]) == {"observed"}
    both = pl.concat(
        [
            small_log().with_columns(scenario=pl.lit("as_is")),
            small_log().filter(pl.col("visit_id") != "V2").with_columns(scenario=pl.lit("reform")),
        ]
    )
    s2 = kpi_summary(both)
    value = {(r["scenario"], r["kpi"]): r["value"] for r in s2.iter_rows(named=True)}
    assert value[("as_is", "visits")] == 3
    assert value[("reform", "visits")] == 2
    assert value[("reform", "no_show_share")] == 0
    assert value[("reform", "wait_min_mean")] == pytest.approx((10 + 30 + 25) / 3)


def test_empty_denominators_give_nan() -> None:
    log = small_log().filter(pl.col("outcome") == "abandoned")
    k = kpis(log)
    assert k["visits"] == 1 and k["abandon_share"] == 1.0
    assert math.isnan(k["wait_min_mean"]) and math.isnan(k["service_level"])
    assert math.isnan(k["wait_min_p90"])


def test_missing_column_is_input_error() -> None:
    with pytest.raises(InputError, match="called_at"):
        kpis(small_log().drop("called_at"))


def test_log_notes() -> None:
    assert log_notes(small_log()) == ()
    no_visits = small_log().with_columns(visit_id=pl.col("ticket_id"))
    notes = log_notes(no_visits)
    assert len(notes) == 1 and notes[0].startswith("no visit column")
    assert kpis(no_visits)["counters_per_visit_mean"] == 1.0
    single = small_log().with_columns(visit_id=pl.col("ticket_id") + "x")
    assert log_notes(single)[0].startswith("every visit has exactly one ticket")


def test_per_hour_and_weekday() -> None:
    h = per_hour(small_log())
    assert h["hour"].to_list() == [9, 10]
    assert h["tickets"].to_list() == [4, 1]  # T1, T3, T4, T5 issued 9:xx; T2 at 10:10
    nine = h.row(0, named=True)
    assert nine["wait_min_p50"] == pytest.approx(20.0)  # waits 10, 20, 25
    assert nine["wait_min_max"] == pytest.approx(25.0)
    assert nine["service_level"] == pytest.approx(1 / 3)
    assert nine["abandon_share"] == pytest.approx(1 / 4)
    assert nine["no_show_share"] == pytest.approx(1 / 4)
    assert nine["tickets_per_day"] == pytest.approx(4.0)
    w = per_hour(small_log(), weekday=True)
    assert w["weekday"].to_list() == [1, 1]  # Monday


def test_per_counter() -> None:
    c = per_counter(small_log())
    a, b = c.row(0, named=True), c.row(1, named=True)
    assert (a["counter_id"], a["tickets"], a["visits"], a["called"]) == ("A", 3, 2, 2)
    assert a["wait_min_mean"] == pytest.approx(15.0)  # T1 10, T3 20
    assert a["abandon_share"] == pytest.approx(1 / 3)
    assert a["busy_min"] == pytest.approx(10.0)
    assert (b["counter_id"], b["tickets"], b["staff"]) == ("B", 2, 1)
    assert b["wait_min_p90"] == pytest.approx(25 + 0.9 * 5)  # waits [25, 30]
    assert b["busy_min"] == pytest.approx(40.0)


def test_per_staff_utilisation() -> None:
    s = per_staff(small_log())
    s1, s2 = s.row(0, named=True), s.row(1, named=True)
    # S1: calls T1 (09:10-09:20) and T3 (no-show at 09:25): staffed 09:10-09:25 = 15, busy 10.
    assert (s1["staff_id"], s1["calls"], s1["cases"], s1["no_shows"]) == ("S1", 2, 1, 1)
    assert s1["staffed_min"] == pytest.approx(15.0)
    assert s1["utilisation"] == pytest.approx(10 / 15)
    # S2: T5 10:05-10:35 and T2 10:40-10:50: staffed 10:05-10:50 = 45, busy 40.
    assert s2["utilisation"] == pytest.approx(40 / 45)
    roster = pl.DataFrame(
        {
            "staff_id": ["S1", "S2", "S2"],
            "start": [at(8, 30), at(8, 30), at(13, 0)],
            "end": [at(12, 0), at(12, 0), at(17, 0)],
        }
    )
    r = per_staff(small_log(), roster=roster)
    assert r["staffed_min"].to_list() == pytest.approx([210.0, 450.0])
    assert r["utilisation"].to_list() == pytest.approx([10 / 210, 40 / 450])


def test_people_waiting() -> None:
    p = people_waiting(small_log(), every="15m")
    # Waiting intervals: T1 [9:00,9:10) T3 [9:05,9:25) T4 none (left at issue)
    # T5 [9:40,10:05) T2 [10:10,10:40); grid 9:00 .. 10:30 (last leave from a queue 10:40).
    assert [t.strftime("%H:%M") for t in p["time"]] == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
    ]
    assert p["waiting"].to_list() == [1, 1, 0, 1, 1, 1, 1]
    p5 = people_waiting(small_log(), every="5m")
    at_905 = p5.filter(pl.col("at") == at(9, 5))["waiting"].item()
    assert at_905 == 2  # T1 (called 9:10) and T3 (issued 9:05) both waiting at 9:05


def test_pandas_frame_accepted_everywhere() -> None:
    frame = small_log().to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert per_counter(frame).height == 2
    assert kpi_summary(frame).height == len(kpis(small_log()))


def test_counters_per_visit_for_long_visits() -> None:
    # One visit with 20 tickets cycling over 3 counters (the sort-based path for long visits),
    # plus V1..V3 of the small log: distinct counters 3, 2, 1, 1.
    start = at(8, 0)
    rows = [
        (
            "VL",
            f"L{i}",
            "ABC"[i % 3],
            start + dt.timedelta(minutes=i),
            start + dt.timedelta(minutes=i + 1),
            start + dt.timedelta(minutes=i + 2),
            "S9",
            "served",
            0,
        )
        for i in range(20)
    ]
    log = pl.concat([small_log(), pl.DataFrame(rows, schema=SCHEMA, orient="row")])
    v = visit_table(log)
    assert dict(zip(v["visit_id"], v["counters"], strict=True)) == {
        "VL": 3,
        "V1": 2,
        "V2": 1,
        "V3": 1,
    }
    assert kpis(log)["counters_per_visit_mean"] == pytest.approx(7 / 4)
    c = per_counter(log)
    # Distinct visits per counter: A ← V1, V2, VL; B ← V1, V3, VL; C ← VL.
    assert dict(zip(c["counter_id"], c["visits"], strict=True)) == {"A": 3, "B": 3, "C": 1}
    assert dict(
        zip(per_counter(small_log())["counter_id"], per_counter(small_log())["visits"], strict=True)
    ) == {"A": 2, "B": 2}


def test_prepare_log_groups_visits_in_issue_order() -> None:
    from journeys.metrics import prepare_log

    shuffled = small_log().sample(fraction=1.0, shuffle=True, seed=5)
    prepared = prepare_log(shuffled)
    runs = prepared["visit_id"].rle()
    assert runs.struct.field("len").sum() == 5 and runs.len() == 3  # each visit in one run
    for visit in ("V1", "V2", "V3"):
        issued = prepared.filter(pl.col("visit_id") == visit)["issued_at"]
        assert issued.is_sorted()
    assert visit_table(shuffled).equals(visit_table(small_log()))
    assert kpis(shuffled) == kpis(small_log())
