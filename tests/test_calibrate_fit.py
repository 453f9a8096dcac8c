"""Calibration recovers known parameters: service-time distributions, arrival rates, survey minutes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from journeys.paths import SAMPLE_DIR
from simulation.calibrate import (
    FIT_TABLE_COLUMNS,
    calibrate,
    expected_ticket_mix,
    fit_arrivals,
    fit_service_times,
    fit_survey,
)
from simulation.model import Study, load_study, study_from_dict
from simulation.study_io import dump_study

SAMPLE = SAMPLE_DIR / "study.toml"


def _mini_study(**arrivals: Any) -> Study:
    """One department, two procedures; life event 'a' needs p1 for sure and p2 with 0.5."""
    data: dict[str, Any] = {
        "study": {"id": "mini", "residents": 1000, "start_date": "2026-01-05"},
        "departments": [{"id": "d"}],
        "procedures": [
            {
                "id": "p1",
                "department": "d",
                "service": {"by_department": {"dist": "exponential", "mean": 5.0}},
            },
            {
                "id": "p2",
                "department": "d",
                "service": {"by_department": {"dist": "exponential", "mean": 3.0}},
            },
        ],
        "life_events": [
            {"id": "a", "share": 0.5, "procedures": {"p1": 1.0, "p2": 0.5}},
            {"id": "b", "share": 0.5, "procedures": {"p2": 1.0}},
        ],
        "arrivals": {
            "residents_per_day": 100.0,
            "open": "09:00",
            "close": "17:00",
            "hour_profile": [0.125] * 8,
            **arrivals,
        },
        "scenarios": [
            {
                "id": "as_is",
                "flow": "by_department",
                "floor": {"entrance": {"x": 0, "y": 0}, "ticket_machine": {"x": 1, "y": 1}},
                "counters": [
                    {
                        "id": "C1",
                        "zone": "d",
                        "x": 5,
                        "y": 5,
                        "procedures": ["p1", "p2"],
                        "staff": 2,
                        "shifts": [{"start": "09:00", "end": "17:00", "staff": 2}],
                    }
                ],
            }
        ],
    }
    return study_from_dict(data)


def _log(
    n: int, service: np.ndarray, procedure: list[str] | str, day: dt.date = dt.date(2026, 1, 6)
) -> pl.DataFrame:
    issued = [dt.datetime.combine(day, dt.time(10)) + dt.timedelta(seconds=7 * i) for i in range(n)]
    called = [t + dt.timedelta(minutes=2) for t in issued]
    ended = [
        c + dt.timedelta(seconds=round(float(s) * 60)) for c, s in zip(called, service, strict=True)
    ]
    procs = procedure if isinstance(procedure, list) else [procedure] * n
    return pl.DataFrame(
        {
            "visit_id": [f"v{i}" for i in range(n)],
            "ticket_id": [f"t{i}" for i in range(n)],
            "counter_id": ["C1"] * n,
            "procedure_id": procs,
            "issued_at": issued,
            "called_at": called,
            "ended_at": ended,
            "staff_id": ["s1"] * n,
            "outcome": ["served"] * n,
            "forms_written": [0] * n,
        }
    )


def test_lognormal_recovered_within_5_percent() -> None:
    rng = np.random.default_rng(11)
    mean, cv = 8.0, 0.5
    sigma2 = np.log1p(cv**2)
    draws = rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), 3000)
    # p2 alone (life event b) so the ticket time is the procedure time; p1 tickets absent
    study = _mini_study()
    models, table, _ = fit_service_times(_log(3000, draws, "p2"), study)
    model = models[("department", "p2")]
    assert model.dist == "lognormal"
    assert model.mean == pytest.approx(mean, rel=0.05)
    assert model.cv == pytest.approx(cv, rel=0.05)
    assert table.columns == list(FIT_TABLE_COLUMNS)
    chosen = table.filter(pl.col("chosen"))
    assert chosen.height == 1 and chosen["dist"][0] == "lognormal"
    rows = table.filter(pl.col("procedure") == "p2")
    assert set(rows["dist"]) == {"exponential", "lognormal", "gamma", "empirical"}
    # the exponential is clearly rejected for a cv of 0.5
    assert rows.filter(pl.col("dist") == "exponential")["ks_p"][0] < 0.05


def test_exponential_and_empirical_choices() -> None:
    rng = np.random.default_rng(5)
    study = _mini_study()
    models, _, _ = fit_service_times(_log(2000, rng.exponential(4.0, 2000), "p2"), study)
    assert models[("department", "p2")].dist in ("exponential", "gamma")
    assert models[("department", "p2")].mean == pytest.approx(4.0, rel=0.06)
    # a two-humped mixture fails every parametric KS test: empirical, mean kept
    mixture = np.concatenate([rng.normal(2.0, 0.2, 1500), rng.normal(12.0, 0.5, 1500)])
    models, table, _ = fit_service_times(_log(3000, mixture, "p2"), study)
    model = models[("department", "p2")]
    assert model.dist == "empirical" and model.values is not None
    assert len(model.values) == 200
    assert model.mean_min == pytest.approx(float(mixture.mean()), rel=0.01)
    assert not table.filter(pl.col("dist") != "empirical")["ks_p"].gt(0.05).any()


def test_few_tickets_keep_the_study_model() -> None:
    study = _mini_study()
    models, table, _ = fit_service_times(_log(10, np.full(10, 3.0), "p2"), study, min_n=30)
    assert models == {}
    assert table["note"][0] == "n < 30: the study's model kept"


def test_bundle_mix_and_deconvolution() -> None:
    """Tickets of p1 carry p2 half of the time: A[p1][p2] = 0.5, and the means are separated."""
    study = _mini_study()
    mix = expected_ticket_mix(study, study.scenario("as_is"))
    assert mix[("department", "p1")] == {"p1": 1.0, "p2": pytest.approx(0.5)}
    # p2 is first on its ticket only when p1 is absent: alone
    assert mix[("department", "p2")] == {"p2": 1.0}
    rng = np.random.default_rng(8)
    n = 4000
    p1 = rng.exponential(5.0, n)
    has_p2 = rng.random(n) < 0.5
    p1_tickets = p1 + np.where(has_p2, rng.exponential(3.0, n), 0.0)
    p2_tickets = rng.exponential(3.0, n)
    log = pl.concat(
        [
            _log(n, p1_tickets, "p1"),
            _log(n, p2_tickets, "p2", day=dt.date(2026, 1, 7)).with_columns(
                pl.col("visit_id") + "b", pl.col("ticket_id") + "b"
            ),
        ]
    )
    models, table, _ = fit_service_times(log, study)
    assert models[("department", "p2")].mean_min == pytest.approx(3.0, rel=0.05)
    assert models[("department", "p1")].mean_min == pytest.approx(5.0, rel=0.05)
    p1_row = table.filter(pl.col("procedure") == "p1", pl.col("chosen"))
    assert p1_row["ticket_mean_min"][0] == pytest.approx(6.5, rel=0.05)


def _arrival_log(
    study: Study, weekday_true: list[float], days: list[dt.date], seed: int
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    arr = study.arrivals
    rows: dict[str, list[Any]] = {k: [] for k in ("visit_id", "issued_at")}
    for day in days:
        lam = arr.residents_per_day * weekday_true[day.weekday()]
        counts = rng.poisson(lam * np.asarray(arr.hour_profile))
        for h, count in enumerate(counts):
            for minute in np.sort(rng.random(count) * 60):
                rows["visit_id"].append(f"{day}-{len(rows['visit_id'])}")
                rows["issued_at"].append(
                    dt.datetime.combine(day, dt.time(arr.first_hour + h))
                    + dt.timedelta(minutes=float(minute))
                )
    return pl.DataFrame(rows)


def test_arrival_rates_recovered() -> None:
    profile = [0.05, 0.15, 0.15, 0.1, 0.1, 0.15, 0.2, 0.1]
    study = _mini_study(hour_profile=profile, residents_per_day=300.0)
    true_wf = [1.3, 1.0, 0.9, 0.9, 1.1]
    days = [
        dt.date(2026, 5, 4) + dt.timedelta(days=i)
        for i in range(56)
        if (dt.date(2026, 5, 4) + dt.timedelta(days=i)).weekday() < 5
    ]
    log = _arrival_log(study, true_wf, days, seed=2)
    values, table, _ = fit_arrivals(log, study)
    # weekday factors keep the study's sum (5.0), so the level is 300 × 5.2 / 5
    expected_level = 300.0 * sum(true_wf) / 5.0
    assert values["residents_per_day"] == pytest.approx(expected_level, rel=0.03)
    fitted_rate = np.array(values["weekday_factor"]) * values["residents_per_day"]
    assert np.allclose(fitted_rate, 300.0 * np.array(true_wf), rtol=0.05)
    assert np.allclose(values["hour_profile"], profile, atol=0.01)
    assert table["days"].to_list() == [8, 8, 8, 8, 8]


def test_survey_minutes_per_form_and_speed() -> None:
    survey = pl.DataFrame(
        {
            "journey_id": ["j1"] * 4,
            "phase": ["as_is"] * 4,
            "action": ["write", "write", "walk", "walk"],
            "minutes": [6.0, 3.0, 1.0, 2.0],
            "forms_written": [2, 1, 0, 0],
            "metres": [None, None, 50.0, 100.0],
        }
    )
    values, _ = fit_survey(survey, _mini_study())
    assert values == {"minutes_per_form": 3.0, "walking_speed_m_per_min": 50.0}
    without = survey.drop("metres")
    values, notes = fit_survey(without, _mini_study())
    assert values["walking_speed_m_per_min"] is None and any(
        "walking speed kept" in n for n in notes
    )


def test_calibrate_writes_a_study_that_loads(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    study = _mini_study()
    log = _log(500, rng.exponential(3.0, 500), "p2")
    survey = pl.DataFrame(
        {"action": ["write"], "minutes": [4.0], "forms_written": [2], "phase": ["as_is"]}
    )
    data = study.model_dump(mode="python", by_alias=True, exclude_none=True)
    data["procedures"][0]["forms"] = 3
    study = study_from_dict(data)
    result = calibrate(log, study, survey=survey)
    assert result.study.procedure("p1").writing_min == pytest.approx(6.0)
    path = dump_study(result.study, tmp_path / "calibrated.toml")
    assert load_study(path) == result.study


def _engine() -> Any:
    try:
        from simulation import engine
    except ImportError:  # the engine is written in parallel
        pytest.skip("simulation.engine not available")
    if not hasattr(engine, "simulate_days"):
        pytest.skip("simulation.engine.simulate_days not available")
    return engine


def _ticket_mean(study: Study, mix: dict[str, float], kind: str) -> float:
    return sum(count * _service_mean(study, kind, q) for q, count in mix.items())


def _service_mean(study: Study, kind: str, proc_id: str) -> float:
    """Mean service minutes of one procedure on a ticket of this counter kind (sign-only included)."""
    proc = study.procedure(proc_id)
    if kind == "one_stop":
        assert proc.service.one_stop is not None
        return proc.service.one_stop.mean_min + proc.sign_only_min
    return proc.service.by_department.mean_min


@pytest.mark.parametrize("scenario_id", ["as_is", "reform"])
def test_round_trip_simulate_then_calibrate(scenario_id: str) -> None:
    """Simulate the sample study 8 weeks, calibrate on its log: rates and mean service times within 10 %.

    A ticket's time is the sum over its procedures, so a procedure's own mean is only well
    determined where it makes most of its tickets' time (≥ 80 % by the study's mix); those are
    checked one by one (n ≥ 300), and the staff minutes of all fitted groups together.
    """
    from simulation.calibrate import _observed_event_weights

    engine = _engine()
    study = load_study(SAMPLE)
    start = study.study.start_date
    days = [start + dt.timedelta(days=i) for i in range(56)]
    days = [d for d in days if d.weekday() < 5 and d not in study.arrivals.holidays]
    out = engine.simulate_days(study, scenario_id, days=days, replication=0, seed=1)
    result = calibrate(out.log, study)
    fitted, base = result.study.arrivals, study.arrivals
    for w in range(5):
        assert fitted.residents_per_day * fitted.weekday_factor[w] == pytest.approx(
            base.residents_per_day * base.weekday_factor[w], rel=0.10
        )
    scenario = study.scenario(scenario_id)
    mix = expected_ticket_mix(
        study, scenario, event_weights=_observed_event_weights(out.log, study)
    )
    chosen = result.fit_table.filter(pl.col("chosen"), pl.col("n") >= 300)
    assert chosen.height >= 10
    checked = 0
    minutes_before = minutes_after = 0.0
    for proc_id, kind, n in zip(
        chosen["procedure"], chosen["counter_kind"], chosen["n"], strict=True
    ):
        before = _service_mean(study, kind, proc_id)
        after = _service_mean(result.study, kind, proc_id)
        minutes_before += n * before
        minutes_after += n * after
        if before >= 0.8 * _ticket_mean(study, mix[(kind, proc_id)], kind):
            checked += 1
            assert after == pytest.approx(before, rel=0.10), (proc_id, kind)
    assert checked >= 5
    assert minutes_after == pytest.approx(minutes_before, rel=0.05)
    assert result.study.scenario(scenario_id).no_show_rate == pytest.approx(
        scenario.no_show_rate, abs=0.01
    )
