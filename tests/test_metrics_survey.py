"""Survey metrics on a hand-made journey survey whose answers are worked out here.

J1 (as-is, move-in family): walk 3 · write 12 (2 forms, name/address 4×) · wait 20 at 市民課 ·
serve 10 at 市民課 · walk 2 · serve 8 at 保険年金課 (1 form, 2×) = 55 min.
J2 (reform, move-in family): wait 5 · serve 15 at one-stop · pay 2 at cashier = 22 min.
J3 (as-is, certificates only): minutes empty, times given: wait 09:00–09:10, receive 09:10–09:13.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from journeys.errors import InputError
from journeys.survey_metrics import (
    emotion_curve,
    minutes_by_action,
    pain_points,
    persona_comparison,
    writes_per_journey,
)

FAMILY, CERTS = "move-in family", "certificates only"


def hand_made_survey() -> pl.DataFrame:
    t = dt.datetime(2025, 3, 3, 9, 0)
    rows = [
        ("J1", "as_is", FAMILY, "move_in", 1, "entrance", "walk", 3.0, 0, 0, 0, None, None),
        (
            "J1",
            "as_is",
            FAMILY,
            "move_in",
            2,
            "desk",
            "write",
            12.0,
            2,
            4,
            -1,
            "住所を何度も書く",
            "writing",
        ),
        (
            "J1",
            "as_is",
            FAMILY,
            "move_in",
            3,
            "市民課",
            "wait",
            20.0,
            0,
            0,
            -2,
            "待ちが長い",
            "waiting",
        ),
        ("J1", "as_is", FAMILY, "move_in", 4, "市民課", "serve", 10.0, 0, 0, 0, None, None),
        ("J1", "as_is", FAMILY, "move_in", 5, "保険年金課", "walk", 2.0, 0, 0, 0, None, None),
        ("J1", "as_is", FAMILY, "move_in", 6, "保険年金課", "serve", 8.0, 1, 2, 1, None, None),
        ("J2", "reform", FAMILY, "move_in", 1, "one_stop", "wait", 5.0, 0, 0, 0, None, None),
        ("J2", "reform", FAMILY, "move_in", 2, "one_stop", "serve", 15.0, 0, 0, 1, None, None),
        ("J2", "reform", FAMILY, "move_in", 3, "cashier", "pay", 2.0, 0, 0, 1, None, None),
        ("J3", "as_is", CERTS, "certificate", 1, "証明", "wait", None, 0, 0, -1, None, "waiting"),
        ("J3", "as_is", CERTS, "certificate", 2, "証明", "receive", None, 0, 0, 0, None, None),
    ]
    columns = [
        "journey_id", "phase", "persona", "life_event", "step", "touchpoint", "action",
        "minutes", "forms_written", "fields_written", "emotion", "pain_point", "pain_category",
    ]  # fmt: skip
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    starts = [None] * 9 + [t, t + dt.timedelta(minutes=10)]
    ends = [None] * 9 + [t + dt.timedelta(minutes=10), t + dt.timedelta(minutes=13)]
    return frame.with_columns(
        started_at=pl.Series(starts, dtype=pl.Datetime("us")),
        ended_at=pl.Series(ends, dtype=pl.Datetime("us")),
    )


def test_minutes_by_action_per_journey() -> None:
    m = minutes_by_action(hand_made_survey())
    j1 = {
        r["action"]: r["minutes"]
        for r in m.filter(pl.col("journey_id") == "J1").iter_rows(named=True)
    }
    assert j1 == {
        "walk": 5.0, "wait": 20.0, "write": 12.0, "consult": 0.0,
        "serve": 18.0, "pay": 0.0, "receive": 0.0, "other": 0.0,
    }  # fmt: skip
    share = m.filter((pl.col("journey_id") == "J1") & (pl.col("action") == "serve"))["share"]
    assert share.item() == pytest.approx(18 / 55)
    j3 = m.filter((pl.col("journey_id") == "J3") & (pl.col("action") == "receive"))
    assert j3["minutes"].item() == pytest.approx(3.0)  # from started_at/ended_at


def test_minutes_by_action_per_phase() -> None:
    p = minutes_by_action(hand_made_survey(), per="phase").filter(pl.col("phase") == "as_is")
    row = {r["action"]: r for r in p.iter_rows(named=True)}
    assert row["wait"]["journeys"] == 2
    assert row["wait"]["minutes_per_journey"] == pytest.approx((20 + 10) / 2)
    assert row["walk"]["minutes_per_journey"] == pytest.approx(5 / 2)
    assert sum(r["share"] for r in row.values()) == pytest.approx(1.0)
    with pytest.raises(InputError):
        minutes_by_action(hand_made_survey(), per="persona")


def test_writes_per_journey() -> None:
    w = writes_per_journey(hand_made_survey())
    j = {r["journey_id"]: r for r in w.iter_rows(named=True)}
    assert (j["J1"]["steps"], j["J1"]["minutes"]) == (6, pytest.approx(55.0))
    assert (j["J1"]["touchpoints"], j["J1"]["counters"]) == (4, 2)
    assert (j["J1"]["forms_written"], j["J1"]["fields_written"]) == (3, 6)
    assert (j["J1"]["wait_min"], j["J1"]["write_min"]) == (20.0, 12.0)
    assert (j["J2"]["touchpoints"], j["J2"]["counters"], j["J2"]["fields_written"]) == (2, 2, 0)
    assert (j["J3"]["minutes"], j["J3"]["counters"]) == (pytest.approx(13.0), 1)


def test_emotion_curve() -> None:
    e = emotion_curve(hand_made_survey()).filter(pl.col("journey_id") == "J1")
    assert e["cum_minutes"].to_list() == pytest.approx([3, 15, 35, 45, 47, 55])
    assert e["start_min"].to_list() == pytest.approx([0, 3, 15, 35, 45, 47])
    assert e["emotion"].to_list() == [0, -1, -2, 0, 0, 1]


def test_pain_points_by_category() -> None:
    p = pain_points(hand_made_survey())
    assert p["phase"].to_list() == ["as_is", "as_is"]
    waiting, writing = p.row(0, named=True), p.row(1, named=True)
    assert (waiting["pain_category"], waiting["count"], waiting["journeys"]) == ("waiting", 2, 2)
    assert waiting["minutes"] == pytest.approx(30.0)
    assert waiting["examples"] == "待ちが長い"
    assert (writing["pain_category"], writing["count"], writing["minutes"]) == ("writing", 1, 12.0)


def test_persona_comparison() -> None:
    c = persona_comparison(hand_made_survey())
    fam = {r["metric"]: r for r in c.filter(pl.col("persona") == FAMILY).iter_rows(named=True)}
    assert (fam["minutes"]["baseline"], fam["minutes"]["alternative"]) == (55.0, 22.0)
    assert fam["minutes"]["difference"] == pytest.approx(-33.0)
    assert fam["minutes"]["change"] == pytest.approx(-0.6)
    assert (fam["fields_written"]["baseline"], fam["fields_written"]["alternative"]) == (6.0, 0.0)
    assert (fam["forms_written"]["baseline"], fam["forms_written"]["alternative"]) == (3.0, 0.0)
    assert (fam["counters"]["baseline"], fam["counters"]["alternative"]) == (2.0, 2.0)
    certs = c.filter((pl.col("persona") == CERTS) & (pl.col("metric") == "minutes")).row(
        0, named=True
    )
    assert certs["baseline"] == pytest.approx(13.0) and certs["alternative"] is None
    with pytest.raises(InputError, match="no phase 'after'"):
        persona_comparison(hand_made_survey(), alternative="after")
