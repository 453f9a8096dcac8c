"""Semantic checks: each kind of problem is caught and named by its place in the file."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from journeys.paths import SAMPLE_DIR
from simulation.checks import check_study
from simulation.model import StudyError, load_study, study_from_dict

SAMPLE = SAMPLE_DIR / "study.toml"
BASE: dict[str, Any] = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))


def _scenario(data: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in data["scenarios"] if s["id"] == sid)


def _counter(data: dict[str, Any], sid: str, cid: str) -> dict[str, Any]:
    return next(c for c in _scenario(data, sid)["counters"] if c["id"] == cid)


def _index(data: dict[str, Any], sid: str, cid: str | None = None) -> str:
    si = [s["id"] for s in data["scenarios"]].index(sid)
    if cid is None:
        return f"scenarios[{si + 1}]"
    ci = [c["id"] for c in data["scenarios"][si]["counters"]].index(cid)
    return f"scenarios[{si + 1}].counters[{ci + 1}]"


def _remove_from_one_stop(data: dict[str, Any], proc: str) -> None:
    for counter in _scenario(data, "reform")["counters"]:
        if proc in counter["procedures"]:
            counter["procedures"].remove(proc)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        keys = path.split("/")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _no_staff_after_noon(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "A03")["shifts"] = [{"start": "08:45", "end": "12:00", "staff": 6}]


def _overlap(data: dict[str, Any]) -> None:
    counter = _counter(data, "as_is", "A01")
    counter["shifts"] = [
        {"start": "08:45", "end": "17:15", "staff": 4},
        {"start": "12:00", "end": "13:00", "staff": 1},
    ]


def _long_lunch(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "A01")["lunch"] = {"start": "11:30", "end": "13:30", "minutes": 150}


def _share_sum(data: dict[str, Any]) -> None:
    data["life_events"][0]["share"] += 0.1


def _hour_profile_short(data: dict[str, Any]) -> None:
    data["arrivals"]["hour_profile"] = data["arrivals"]["hour_profile"][:-2]


def _hour_profile_sum(data: dict[str, Any]) -> None:
    data["arrivals"]["hour_profile"][0] += 0.2


def _dup_procedure(data: dict[str, Any]) -> None:
    data["procedures"][1]["id"] = data["procedures"][0]["id"]


def _dup_counter(data: dict[str, Any]) -> None:
    _scenario(data, "as_is")["counters"][1]["id"] = "A01"


def _no_floor_manager(data: dict[str, Any]) -> None:
    del _scenario(data, "reform")["floor_manager"]


def _no_one_stop_counter(data: dict[str, Any]) -> None:
    reform = _scenario(data, "reform")
    reform["counters"] = [c for c in reform["counters"] if c["kind"] != "one_stop"]


def _unknown_life_event_proc(data: dict[str, Any]) -> None:
    data["life_events"][0]["procedures"]["tennyuu"] = 1.0


def _no_sure_procedure(data: dict[str, Any]) -> None:
    event = data["life_events"][0]
    event["procedures"] = {k: min(v, 0.9) for k, v in event["procedures"].items()}


def _dept_no_counter(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "A10")["procedures"] = []


def _one_stop_no_counter(data: dict[str, Any]) -> None:
    _remove_from_one_stop(data, "tengaku")


def _one_stop_lists_dept_only(data: dict[str, Any]) -> None:
    _counter(data, "reform", "W01")["procedures"].append("hoikuen")


def _one_stop_in_by_department(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "A01")["kind"] = "one_stop"


def _peak_unknown_event(data: dict[str, Any]) -> None:
    data["arrivals"]["peaks"][0]["life_events"] = ["move_inn"]


def _proc_index(proc: str) -> int:
    return [p["id"] for p in BASE["procedures"]].index(proc) + 1


def _one_stop_flag_false(data: dict[str, Any]) -> None:
    proc = next(p for p in data["procedures"] if p["id"] == "tennyu")
    del proc["service"]["one_stop"]


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "unknown procedure in a life event",
        _unknown_life_event_proc,
        "life_events[1].procedures.tennyuu",
        "unknown procedure 'tennyuu'",
    ),
    (
        "no sure procedure",
        _no_sure_procedure,
        "life_events[1].procedures",
        "no procedure with probability 1.0",
    ),
    (
        "unknown department",
        _set("procedures/0/department", "shimn"),
        "procedures[1].department",
        "unknown department 'shimn'",
    ),
    (
        "procedure no department counter takes",
        _dept_no_counter,
        _index(BASE, "as_is") + ".counters",
        "no department counter takes procedure 'inu_toroku'",
    ),
    (
        "one-stop procedure no counter takes",
        _one_stop_no_counter,
        _index(BASE, "reform") + ".counters",
        "no counter takes procedure 'tengaku'",
    ),
    (
        "counter without staff in its hours",
        _no_staff_after_noon,
        _index(BASE, "as_is", "A03") + ".shifts",
        "no staff on duty from 12:00",
    ),
    (
        "zero mean",
        _set("procedures/0/service/by_department/mean", 0.0),
        "procedures[1].service.by_department.mean",
        "mean must be > 0",
    ),
    (
        "negative writing",
        _set("procedures/0/writing_min", -1.0),
        "procedures[1].writing_min",
        "must be ≥ 0",
    ),
    (
        "lognormal without cv",
        _set("procedures/0/service/by_department/cv", 0.0),
        "procedures[1].service.by_department.cv",
        "cv must be > 0",
    ),
    (
        "empirical without values",
        _set("procedures/0/service/by_department/dist", "empirical"),
        "procedures[1].service.by_department.values",
        "needs a non-empty list",
    ),
    (
        "probability above 1",
        _set("life_events/0/procedures/tennyu", 1.5),
        "life_events[1].procedures.tennyu",
        "probability must be between 0 and 1",
    ),
    (
        "share out of range",
        _set("life_events/0/share", -0.2),
        "life_events[1].share",
        "share must be between",
    ),
    (
        "rpa share out of range",
        _set("procedures/0/rpa_share", 1.2),
        "procedures[1].rpa_share",
        "between 0 and 1",
    ),
    (
        "omission rate out of range",
        _set("scenarios/0/omission_rate", 1.0),
        "scenarios[1].omission_rate",
        "below 1",
    ),
    (
        "walking speed zero",
        _set("scenarios/0/walking_speed_m_per_min", 0.0),
        "scenarios[1].walking_speed_m_per_min",
        "must be > 0",
    ),
    ("shares not summing to 1", _share_sum, "life_events", "shares sum to 1.1"),
    ("hour profile length", _hour_profile_short, "arrivals.hour_profile", "has 8 values"),
    ("hour profile sum", _hour_profile_sum, "arrivals.hour_profile", "sums to 1.2"),
    (
        "weekday factor length",
        _set("arrivals/weekday_factor", [1.0, 1.0]),
        "arrivals.weekday_factor",
        "needs 5 values",
    ),
    (
        "residents per day",
        _set("arrivals/residents_per_day", 0.0),
        "arrivals.residents_per_day",
        "> 0",
    ),
    ("close before open", _set("arrivals/close", "08:00"), "arrivals.close", "is not after open"),
    (
        "peak for unknown life event",
        _peak_unknown_event,
        "arrivals.peaks[1].life_events",
        "unknown life event 'move_inn'",
    ),
    (
        "overlapping shifts exceed staff",
        _overlap,
        _index(BASE, "as_is", "A01") + ".shifts",
        "shifts put 5 staff on duty 12:00–13:00",
    ),
    (
        "lunch longer than its window",
        _long_lunch,
        _index(BASE, "as_is", "A01") + ".lunch.minutes",
        "fit the 120-minute window",
    ),
    ("duplicate procedure id", _dup_procedure, "procedures[1].id", "duplicate id 'tennyu'"),
    (
        "duplicate counter id",
        _dup_counter,
        _index(BASE, "as_is", "A01") + ".id",
        "duplicate counter id 'A01'",
    ),
    (
        "one_stop without floor manager",
        _no_floor_manager,
        _index(BASE, "reform") + ".floor_manager",
        "needs [scenarios.floor_manager]",
    ),
    (
        "one_stop without one-stop counter",
        _no_one_stop_counter,
        _index(BASE, "reform") + ".counters",
        'at least one counter with kind = "one_stop"',
    ),
    (
        "one-stop counter lists a department-only procedure",
        _one_stop_lists_dept_only,
        _index(BASE, "reform", "W01") + ".procedures",
        "'hoikuen', which has one_stop = false",
    ),
    (
        "one-stop counter in a by_department scenario",
        _one_stop_in_by_department,
        _index(BASE, "as_is") + ".flow",
        "would never be used",
    ),
    (
        "unknown zone",
        _set("scenarios/0/counters/0/zone", "shimn"),
        _index(BASE, "as_is", "A01") + ".zone",
        "unknown zone 'shimn'",
    ),
    (
        "counter without staff",
        _set("scenarios/0/counters/0/staff", 0),
        _index(BASE, "as_is", "A01") + ".staff",
        "staff must be ≥ 1",
    ),
    (
        "one_stop procedure without one-stop model",
        _one_stop_flag_false,
        f"procedures[{_proc_index('tennyu')}].service.one_stop",
        "needs a [procedures.service.one_stop]",
    ),
    (
        "grid file missing",
        _set("scenarios/0/floor/grid_xlsx", "nofile.xlsx#as_is_1F"),
        _index(BASE, "as_is") + ".floor.grid_xlsx",
        "not found",
    ),
]


def test_sample_passes_every_check() -> None:
    assert check_study(load_study(SAMPLE)) == []


@pytest.mark.parametrize(("name", "edit", "place", "message"), CASES, ids=[c[0] for c in CASES])
def test_problem_caught_with_place(
    name: str, edit: Callable[[dict[str, Any]], None], place: str, message: str
) -> None:
    data = copy.deepcopy(BASE)
    edit(data)
    with pytest.raises(StudyError) as info:
        study_from_dict(data, source=SAMPLE)
    problems = info.value.problems
    hits = [p for p in problems if p.place == place and message in p.message]
    assert hits, f"{name}: expected {place}: {message}; got " + "; ".join(str(p) for p in problems)
    assert str(hits[0]).startswith(place)


def test_load_study_refuses_bad_file_with_whole_list(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        'start = "08:45", end = "17:15", staff = 4', 'start = "09:30", end = "17:15", staff = 4', 1
    )
    text = re.sub(r"residents_per_day = [0-9.]+", "residents_per_day = -5.0", text)
    text = text.replace('department = "shimin"', 'department = "shimim"', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(StudyError) as info:
        load_study(bad)
    places = [p.place for p in info.value.problems]
    assert "arrivals.residents_per_day" in places
    assert "procedures[1].department" in places
    assert any(p.endswith(".shifts") for p in places)
    text_out = str(info.value)
    assert text_out.startswith(str(bad)) and f"{len(places)} problems" in text_out
    assert "did you mean 'shimin'?" in text_out


def test_grid_points_missing_are_named(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    as_is = _scenario(data, "as_is")
    as_is["floor"]["grid_xlsx"] = "floors.xlsx#as_is_1F"
    as_is["floor"]["desks"].append({"id": "D9", "x": 1.0, "y": 1.0, "floor": 1})
    with pytest.raises(StudyError) as info:
        study_from_dict(data, source=SAMPLE)
    messages = [p.message for p in info.value.problems if p.place.endswith("floor.grid_xlsx")]
    assert any(m.startswith("D9 is not drawn") for m in messages), messages
