"""The sample generator's own queue process on tiny hand-checkable halls (docs/study-format.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from journeys.samplecity.people import my_number_check_digit
from journeys.samplecity.process import VisitIn, plan_route, play_day, walk_metres
from journeys.samplecity.study_file import Point, read_study

DAY = dt.date(2025, 3, 4)  # a Tuesday

TINY = """
[study]
id = "tiny"
name_ja = "テスト"
name_en = "Test"
residents = 1000
start_date = "2025-03-03"

[[departments]]
id = "shimin"
name_ja = "市民課"
name_en = "Residents"
floor = 1

[[procedures]]
id = "p1"
name_ja = "手続1"
name_en = "Procedure 1"
department = "shimin"
forms = 1
writing_min = 5.0
sign_only_min = 0.5
back_office_min = 1.0
rpa_share = 0.5
one_stop = false
  [procedures.service.by_department]
  dist = "fixed"
  mean = 10.0

[[life_events]]
id = "only"
name_ja = "唯一"
name_en = "Only"
share = 1.0
  [life_events.procedures]
  p1 = 1.0

[arrivals]
residents_per_day = 10.0
open = "09:00"
close = "17:00"
hour_profile = [0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125]

[[scenarios]]
id = "as_is"
name_ja = "現状"
name_en = "As-is"
flow = "by_department"
walking_speed_m_per_min = 60.0
floor_change_m = 0.0
omission_rate = 0.0
no_show_rate = {no_show}
rpa = false
  [scenarios.behaviour]
  balk_queue = {balk}
  patience_mean_min = 1.0e9
  [scenarios.floor]
  entrance = {{ x = 0.0, y = 0.0, floor = 1 }}
  ticket_machine = {{ x = 0.0, y = 0.0, floor = 1 }}
  desks = []
  [[scenarios.counters]]
  id = "C1"
  name_ja = "窓口1"
  name_en = "Counter 1"
  zone = "shimin"
  kind = "department"
  floor = 1
  x = 0.0
  y = 0.0
  procedures = ["p1"]
  staff = 1
  shifts = [ {{ start = "09:00", end = "17:00", staff = 1 }} ]
  {lunch}
"""


def _tiny(tmp_path: Path, *, no_show: float = 0.0, balk: int = 100, lunch: str = "") -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(no_show=no_show, balk=balk, lunch=lunch), encoding="utf-8")
    return path


def _visits(*minutes: float) -> list[VisitIn]:
    return [VisitIn(f"V{k}", k, m, "only", ("p1",), is_return=False) for k, m in enumerate(minutes)]


def test_fifo_single_server_waits_add_up(tmp_path: Path) -> None:
    study = read_study(_tiny(tmp_path))
    scenario = study.scenario("as_is")
    # three residents at 9:00; each writes 5 min (no desks, no walking), service fixed 10 min
    tickets, returns = play_day(
        study, scenario, DAY, _visits(540.0, 540.0, 540.0), np.random.default_rng(0)
    )
    assert returns == []
    assert [t.issued_min for t in tickets] == [545.0, 545.0, 545.0]
    waits = [t.called_min - t.issued_min for t in tickets if t.called_min is not None]
    assert waits == [0.0, 10.0, 20.0]
    assert [t.outcome for t in tickets] == ["served"] * 3
    assert all(t.forms_written == 1 and t.writing_min == 5.0 for t in tickets)


def test_lunch_never_interrupts_and_closes_a_one_server_counter(tmp_path: Path) -> None:
    lunch = 'lunch = { start = "12:00", end = "13:00", minutes = 60 }'
    study = read_study(_tiny(tmp_path, lunch=lunch))
    scenario = study.scenario("as_is")
    # one resident is in service over 12:00 (11:55 → 12:05 incl. 5 min writing), one arrives 12:10
    tickets, _ = play_day(study, scenario, DAY, _visits(710.0, 730.0), np.random.default_rng(0))
    first, second = tickets
    assert (first.called_min, first.ended_min) == (715.0, 725.0)  # not interrupted
    # the server leaves for lunch at 12:05 for 60 min: the second is called at 13:05
    assert second.called_min == pytest.approx(785.0)


def test_no_show_is_called_for_zero_minutes(tmp_path: Path) -> None:
    study = read_study(_tiny(tmp_path, no_show=1.0))
    tickets, _ = play_day(
        study, study.scenario("as_is"), DAY, _visits(540.0, 541.0), np.random.default_rng(0)
    )
    assert [t.outcome for t in tickets] == ["no_show", "no_show"]
    assert all(t.ended_min == t.called_min for t in tickets)
    assert all(t.staff_id == "C1-01" for t in tickets)


def test_balking_leaves_an_abandoned_ticket_without_call(tmp_path: Path) -> None:
    study = read_study(_tiny(tmp_path, balk=1))
    tickets, _ = play_day(
        study, study.scenario("as_is"), DAY, _visits(540.0, 540.0, 540.0), np.random.default_rng(0)
    )
    # first is served, second waits (1 waiting), third finds 1 waiting >= balk_queue = 1
    assert [t.outcome for t in tickets] == ["served", "served", "abandoned"]
    assert tickets[2].called_min is None and tickets[2].staff_id is None


def test_routes_follow_the_usual_path_and_the_one_stop_takes_what_it_can() -> None:
    study = read_study(SAMPLE_DIR / "study.toml")
    bundle = ("tennyu", "hoikuen", "kokuho_kanyu", "tengaku", "jido_teate")
    as_is = plan_route(study, study.scenario("as_is"), bundle)
    assert [leg.kind for leg in as_is] == ["department"] * 4
    # resident division → insurance and pension → child-rearing → education
    assert [leg.procedures for leg in as_is] == [
        ("tennyu",),
        ("kokuho_kanyu",),
        ("hoikuen", "jido_teate"),
        ("tengaku",),
    ]
    assert as_is[2].forms == 3 + 2
    reform = plan_route(study, study.scenario("reform"), bundle)
    assert reform[0].kind == "one_stop" and reform[0].forms == 0
    assert set(reform[0].procedures) == {"tennyu", "kokuho_kanyu", "tengaku", "jido_teate"}
    assert [leg.procedures for leg in reform[1:]] == [("hoikuen",)]


def test_walking_goes_by_desk_and_ticket_machine_and_counts_floor_changes() -> None:
    study = read_study(SAMPLE_DIR / "study.toml")
    scenario = study.scenario("as_is")
    counter = next(c for c in scenario.counters if c.id == "A09")  # floor 2
    start = Point(0.0, 0.0, 1)
    without_forms = walk_metres(scenario, start, counter.point, forms=0)
    machine = scenario.ticket_machine
    expected = (
        float(np.hypot(machine.x, machine.y))
        + float(np.hypot(counter.point.x - machine.x, counter.point.y - machine.y))
        + scenario.floor_change_m
    )
    assert without_forms == pytest.approx(expected)
    assert walk_metres(scenario, start, counter.point, forms=1) > without_forms


def test_my_number_check_digit_by_hand() -> None:
    # 1 2 3 4 5 6 7 8 9 0 1: from the right p1=1, p2=0, p3=9, … weights 2..7 then 2..6
    # 1·2 + 0·3 + 9·4 + 8·5 + 7·6 + 6·7 + 5·2 + 4·3 + 3·4 + 2·5 + 1·6 = 212; 212 mod 11 = 3
    assert my_number_check_digit("12345678901") == 11 - 3
    # remainder 0 or 1 gives check digit 0
    assert my_number_check_digit("00000000000") == 0


def test_study_file_errors_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_study(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing key"):
        read_study(bad)
