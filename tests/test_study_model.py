"""The study model: the sample loads, ids resolve, typos and misplaced keys are reported with their place."""

from __future__ import annotations

import copy
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from simulation.model import (
    Study,
    StudyError,
    UnknownIdError,
    load_study,
    minutes_to_time,
    study_from_dict,
    time_to_minutes,
)
from simulation.study_io import dump_study, study_to_toml

SAMPLE = SAMPLE_DIR / "study.toml"


@pytest.fixture(scope="module")
def sample_dict() -> dict[str, Any]:
    return tomllib.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample() -> Study:
    return load_study(SAMPLE)


def _problems(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(StudyError) as info:
        study_from_dict(data, check=False)
    return list(info.value.problems)


def test_sample_loads_with_spec_names(sample: Study) -> None:
    assert sample.scenario_ids[:2] == ["as_is", "reform"]
    as_is = sample.scenario("as_is")
    # attribute names are the TOML keys
    counter = as_is.counters[0]
    assert (counter.id, counter.kind, counter.staff) == ("A01", "department", 4)
    assert counter.shifts[0].start_min == 8 * 60 + 45
    assert sample.arrivals.open_min == 525 and sample.arrivals.close_min == 1035
    assert sample.arrivals.first_hour == 8
    assert sample.procedure("tennyu").department == "shimin"
    assert [c.id for c in as_is.counters_for("tennyu")] == ["A01", "A02"]
    reform = sample.scenario("reform")
    assert [c.id for c in reform.counters_for("tennyu", kind="one_stop")] == ["W01", "W02", "W03"]
    assert reform.counters_for("tennyu", kind="department") == []


def test_unknown_ids_raise_with_suggestion(sample: Study) -> None:
    with pytest.raises(UnknownIdError) as info:
        sample.scenario("reforn")
    assert "did you mean 'reform'" in str(info.value)
    assert isinstance(info.value, InputError) and isinstance(info.value, KeyError)
    with pytest.raises(UnknownIdError):
        sample.procedure("nope")


def test_time_helpers() -> None:
    assert time_to_minutes("08:45") == 525
    assert time_to_minutes("8:05") == 485
    assert minutes_to_time(1035) == "17:15"
    with pytest.raises(ValueError):
        time_to_minutes("8.45")


def test_typo_gets_close_match_and_place(sample_dict: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_dict)
    data["scenarios"][1]["counters"][2]["staf"] = 3
    data["procedures"][0]["service"]["by_department"]["mena"] = 3.0
    problems = _problems(data)
    by_place = {p.place: p for p in problems}
    staf = by_place["scenarios[2].counters[3].staf"]
    assert "unknown key 'staf'" in staf.message and staf.hint == "did you mean 'staff'?"
    assert "counter 'W03'" in staf.where and "scenario 'reform'" in staf.where
    assert "[[scenarios.counters]]" in staf.where
    mena = by_place["procedures[1].service.by_department.mena"]
    assert mena.hint == "did you mean 'mean'?"
    assert "procedure 'tennyu'" in mena.where


def test_every_problem_listed_at_once(sample_dict: dict[str, Any]) -> None:
    data = copy.deepcopy(sample_dict)
    data["arrivals"]["open"] = "8.45"
    data["scenarios"][0]["flow"] = "onestop"
    data["scenarios"][0]["counters"][0]["staff"] = "four"
    del data["procedures"][2]["department"]
    problems = _problems(data)
    places = {p.place for p in problems}
    assert {
        "arrivals.open",
        "scenarios[1].flow",
        "scenarios[1].counters[1].staff",
        "procedures[3].department",
    } <= places
    assert len(problems) == 4
    missing = next(p for p in problems if p.place == "procedures[3].department")
    assert missing.message == "missing key 'department'"


def test_key_below_array_of_tables_is_explained(sample_dict: dict[str, Any]) -> None:
    """`holidays` written after [[arrivals.peaks]] lands in the peak: the hint says so."""
    data = copy.deepcopy(sample_dict)
    data["arrivals"]["peaks"][-1]["holidays"] = data["arrivals"].pop("holidays")
    (problem,) = _problems(data)
    assert problem.place == "arrivals.peaks[2].holidays"
    assert "[arrivals]" in problem.hint and "move it above" in problem.hint


def test_toml_round_trip(sample: Study, tmp_path: Path) -> None:
    shutil.copy(SAMPLE_DIR / "floors.xlsx", tmp_path)  # the sample walks on this grid paper
    path = dump_study(sample, tmp_path / "copy.toml", header="copy\nof the sample")
    again = load_study(path)
    assert again == sample
    assert again.model_dump() == sample.model_dump()
    # deterministic text; comments do not change the content
    assert study_to_toml(again) == study_to_toml(sample)
    annotated = dump_study(sample, tmp_path / "annotated.toml", annotate=True)
    assert "# 人口 / residents" in annotated.read_text(encoding="utf-8")
    assert load_study(annotated) == sample


def test_load_study_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_study(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nid = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_study(bad)
    other = tmp_path / "study.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="unknown study file type"):
        load_study(other)


def test_service_time_sampling_matches_mean_and_cv() -> None:
    import numpy as np

    from simulation.model import ServiceTime

    rng = np.random.default_rng(3)
    for dist in ("lognormal", "gamma"):
        model = ServiceTime(dist=dist, mean=8.0, cv=0.5)
        draws = model.sample(rng, 40_000)
        assert abs(draws.mean() - 8.0) < 0.1
        assert abs(draws.std() / draws.mean() - 0.5) < 0.02
    assert ServiceTime(dist="fixed", mean=2.0).sample(rng) == 2.0
    assert ServiceTime(dist="empirical", values=[1.0, 3.0]).mean_min == 2.0
