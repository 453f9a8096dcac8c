"""Schema classes and lazy validation on hand-made frames: every failure kind is rejected with
its reason code, a row with several failures is rejected once listing all, and the
reconciliation rows_in = accepted + rejected is exact."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

from journeys.errors import InputError
from journeys.privacy import pseudonymise
from journeys.schema import (
    COUNTER_LOG_COLUMNS,
    COUNTER_LOG_OPTIONAL,
    COUNTER_LOG_WHOLE_VISIT,
    SURVEY_COLUMNS,
    CounterLogSchema,
    SurveySchema,
)
from journeys.validation import validate_counter_log, validate_survey

T0 = dt.datetime(2025, 3, 3, 9, 0)


def minutes(m: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=m)


def good_row(i: int) -> dict[str, object]:
    return {
        "visit_id": f"V{i}",
        "ticket_id": f"T{i}",
        "counter_id": "A1",
        "procedure_id": "tennyu",
        "issued_at": minutes(i),
        "called_at": minutes(i + 5),
        "ended_at": minutes(i + 12),
        "staff_id": "S1",
        "outcome": "served",
        "forms_written": 1,
    }


def test_schema_classes_match_the_column_contract() -> None:
    assert CounterLogSchema.columns() == COUNTER_LOG_COLUMNS
    assert CounterLogSchema.columns(optional=True) == {
        **COUNTER_LOG_COLUMNS,
        **COUNTER_LOG_OPTIONAL,
        **COUNTER_LOG_WHOLE_VISIT,
    }
    assert SurveySchema.columns() == SURVEY_COLUMNS
    assert CounterLogSchema.field("ticket_id").unique
    assert SurveySchema.field("emotion").ge == -2 and SurveySchema.field("emotion").le == 2
    assert CounterLogSchema.empty().schema == pl.Schema(COUNTER_LOG_COLUMNS)


def test_each_counter_log_failure_is_rejected_with_its_reason() -> None:
    rows = [good_row(i) for i in range(12)]
    rows[1]["called_at"] = minutes(-10)  # called before issued
    rows[2]["ended_at"] = minutes(2)  # ended before called (called at +7)
    rows[3]["ticket_id"] = "T0"  # duplicate of row 1
    rows[4]["ended_at"] = minutes(4 + 5 + 60 * 25)  # service over a day
    rows[5]["outcome"] = "lost"  # unknown outcome
    rows[6]["forms_written"] = -1  # negative forms
    rows[7]["counter_id"] = "Z9"  # not in the catalog
    rows[8]["outcome"] = None  # missing
    rows[9]["called_at"] = None  # ended without call
    rows[10]["outcome"] = "no_show"
    rows[10]["ended_at"] = None
    frame = pl.DataFrame(rows)
    result = validate_counter_log(frame, catalog_counters=["A1", "A2"], salt="s")
    assert result.rows_in == 12
    assert result.accepted.height + result.rejected.height == 12
    got = dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))
    assert got == {
        2: "called_before_issued",
        3: "ended_before_called",
        4: "duplicate_ticket_id",
        5: "duration_over_day",
        6: "unknown_outcome",
        7: "negative_forms",
        8: "unknown_counter",
        9: "missing_value",
        10: "ended_without_call",
    }
    assert result.accepted["ticket_id"].to_list() == ["T0", "T10", "T11"]
    assert result.accepted.schema == pl.Schema(COUNTER_LOG_COLUMNS)
    assert "already on row 1" in result.rejected.filter(pl.col("source_row") == 4)["message"][0]


def test_a_row_with_several_failures_is_rejected_once_listing_all() -> None:
    frame = pl.DataFrame(
        {
            "ticket_id": ["T1", "T2"],
            "counter_id": ["A1", "A1"],
            "issued_at": ["2025-03-03 09:00:00", "09:99"],
            "called_at": ["2025-03-03 08:00:00", None],
            "ended_at": [None, None],
            "outcome": ["served", "gone"],
            "forms_written": ["-3", "two"],
        }
    )
    result = validate_counter_log(frame)
    assert result.rows_in == 2 and result.accepted.height == 0 and result.rejected.height == 2
    reasons = result.rejected["reason"].to_list()
    assert reasons == [
        "negative_forms; called_before_issued",
        "unparseable_time; unknown_outcome; not_a_number",
    ]
    assert result.rejected["column"][1] == "issued_at; outcome; forms_written"
    assert "issued_at '09:99' is not a date/time" in result.rejected["message"][1]
    assert any("each ticket counted as its own visit" in n for n in result.notes)


def test_each_survey_failure_is_rejected_with_its_reason() -> None:
    base = {
        "journey_id": "J1", "phase": "現状", "persona": "family", "life_event": "move_in",
        "touchpoint": "市民課", "forms_written": 0, "fields_written": 0, "pain_point": None,
        "pain_category": None,
    }  # fmt: skip
    steps = [
        {"step": 1, "action": "記入", "minutes": 5.0, "emotion": -1},
        {"step": 2, "action": "dance", "minutes": 5.0, "emotion": 0},
        {"step": 3, "action": "wait", "minutes": 5.0, "emotion": 3},
        {"step": 4, "action": "wait", "minutes": -1.0, "emotion": 0},
        {"step": 4.5, "action": "wait", "minutes": 1.0, "emotion": 0},
        {"step": 6, "action": "pay", "minutes": 2.0, "emotion": -3},
    ]
    frame = pd.DataFrame([{**base, **s} for s in steps])  # pandas accepted at the entry
    result = validate_survey(frame)
    got = dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))
    assert got == {
        2: "unknown_action",
        3: "emotion_out_of_range",
        4: "negative_minutes",
        5: "step_not_int",
        6: "emotion_out_of_range",
    }
    assert result.accepted.schema == pl.Schema(SURVEY_COLUMNS)
    assert result.accepted.row(0, named=True) | {} == {
        **base, "phase": "as_is", "step": 1, "action": "write", "minutes": 5.0, "emotion": -1,
    }  # fmt: skip


def test_visit_ids_are_pseudonymised_the_same_way_as_the_privacy_module() -> None:
    frame = pl.DataFrame([good_row(1), good_row(2)])
    result = validate_counter_log(frame, salt="pepper")
    expected = pseudonymise(pl.Series(["V1", "V2"]), "pepper").to_list()
    assert result.accepted["visit_id"].to_list() == expected
    assert all(len(v) == 18 and v.startswith("v_") and int(v[2:], 16) >= 0 for v in expected)


def test_missing_required_column_is_an_input_error() -> None:
    frame = pl.DataFrame([good_row(1)]).drop("counter_id")
    with pytest.raises(InputError, match="missing required column"):
        validate_counter_log(frame)


def test_canonical_optional_columns_are_kept() -> None:
    frame = pl.DataFrame([good_row(1)]).with_columns(
        scenario=pl.lit("reform"), writing_min=pl.lit(1.5), walking_m=pl.lit(20.0)
    )
    result = validate_counter_log(frame)
    assert result.accepted.columns[-3:] == ["scenario", "writing_min", "walking_m"]
    assert result.accepted["walking_m"].to_list() == [20.0]


def test_schema_class_validates_lazily() -> None:
    rows = [good_row(1), good_row(2) | {"outcome": "?", "forms_written": -1}]
    result = CounterLogSchema.validate(pl.DataFrame(rows))
    assert result.rows_in == 2 and result.accepted.height == 1
    assert result.rejected["reason"].to_list() == ["unknown_outcome; negative_forms"]
