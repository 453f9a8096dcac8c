"""Round trip: simulate the sample study, keep only what a ticket machine exports, calibrate,
and get back the study's residents per day and hour profile (the last part hour included)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from journeys.paths import SAMPLE_DIR
from simulation.arrivals import is_working_day
from simulation.calibrate import fit_arrivals
from simulation.experiments import run_experiment
from simulation.model import load_study

#: Columns only the simulator writes: an observed export has none of them.
SIMULATOR_ONLY = ("scenario", "replication", "writing_min", "walking_m", "arrived_at",
                  "left_at", "abandon_reason", "resident_id", "return_of")  # fmt: skip
WARM_UP = 5  # working days dropped at the start: a real log has the return trips of before


@pytest.fixture(scope="module")
def simulated() -> tuple[object, pl.DataFrame]:
    study = load_study(SAMPLE_DIR / "study.toml")
    days: list[dt.date] = []
    day = dt.date(2026, 6, 1)  # no moving peak: month factor and weekdays only
    while len(days) < 25:
        if is_working_day(study, day):
            days.append(day)
        day += dt.timedelta(days=1)
    result = run_experiment(study, replications=1, seed=11, days=days, progress=False)
    log = result.log.filter(pl.col("scenario") == "as_is")
    kept = log.filter(pl.col("issued_at").dt.date() >= days[WARM_UP])
    return study, kept


def test_an_observed_like_export_recovers_residents_and_hours(simulated) -> None:  # type: ignore[no-untyped-def]
    study, log = simulated
    export = log.drop([c for c in SIMULATOR_ONLY if c in log.columns])
    values, _, _ = fit_arrivals(export, study, scenario_id="as_is")
    true_profile = np.asarray(study.arrivals.hour_profile)
    fitted = np.asarray(values["hour_profile"])
    assert values["residents_per_day"] == pytest.approx(study.arrivals.residents_per_day, rel=0.03)
    # the first ticket comes a few minutes after arrival: shares move by under 3 points
    assert np.abs(fitted - true_profile).max() <= 0.03
    # 17:00–17:15 keeps its share (the old model lost three quarters of it)
    assert fitted[-1] >= 0.75 * true_profile[-1]


def test_with_arrival_times_the_hour_profile_is_recovered_closely(simulated) -> None:  # type: ignore[no-untyped-def]
    study, log = simulated
    values, _, notes = fit_arrivals(log, study, scenario_id="as_is")
    true_profile = np.asarray(study.arrivals.hour_profile)
    fitted = np.asarray(values["hour_profile"])
    assert np.abs(fitted - true_profile).max() <= 0.01
    assert fitted[-1] == pytest.approx(true_profile[-1], rel=0.25)
    assert values["residents_per_day"] == pytest.approx(study.arrivals.residents_per_day, rel=0.03)
    assert any("first trips counted" in n for n in notes)
