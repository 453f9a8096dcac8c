"""Utilisation of the time on duty including overtime, and overtime as its own KPI."""

from __future__ import annotations

import polars as pl
import pytest

from simulation.staff_kpis import DutySchedule, staff_kpis


def _staff_log(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["staff_id", "activity", "minutes"], orient="row")


def test_overtime_utilisation_by_hand() -> None:
    """One clerk, shift 09:00–17:00 with a 60-minute lunch: 420 minutes on duty scheduled.
    They serve 400 minutes, 60 of them after 17:00 (overtime). Serving ÷ nominal shift would
    read 400/420 = 95 % and hide the overtime; on duty including overtime it is 400/480."""
    log = _staff_log([("C1", "serve", 340.0), ("C1", "serve", 60.0), ("C1", "lunch", 60.0),
                      ("C1", "overtime", 60.0)])  # fmt: skip
    k = staff_kpis(log, DutySchedule(minutes=420.0, staff=1), days=1)
    assert k["utilisation"] == pytest.approx(400 / 480)
    assert k["overtime_min_per_day"] == pytest.approx(60.0)
    assert k["overtime_min_per_staff_day"] == pytest.approx(60.0)


def test_back_office_and_triage_are_work_and_days_divide() -> None:
    log = _staff_log([("C1", "serve", 300.0), ("B1", "back_office", 200.0),
                      ("F1", "triage", 100.0), ("C1", "overtime", 30.0)])  # fmt: skip
    k = staff_kpis(log, DutySchedule(minutes=450.0, staff=3), days=2)
    assert k["utilisation"] == pytest.approx(600 / (900 + 30))
    assert k["overtime_min_per_day"] == pytest.approx(15.0)
    assert k["overtime_min_per_staff_day"] == pytest.approx(5.0)


def test_the_sample_peak_day_never_reads_above_full_use() -> None:
    from dashboards.data import peak_day
    from journeys.paths import SAMPLE_DIR
    from simulation.experiments import run_experiment
    from simulation.model import load_study

    study = load_study(SAMPLE_DIR / "study.toml")
    result = run_experiment(study, replications=1, seed=3, days=[peak_day(study)], progress=False)
    values = {(r["scenario"], r["kpi"]): r["mean"] for r in result.summary.iter_rows(named=True)}
    for scenario in study.scenario_ids:
        assert 0.0 < values[(scenario, "utilisation")] <= 1.0
        assert values[(scenario, "overtime_min_per_day")] >= 0.0


def test_back_office_work_after_closing_is_overtime() -> None:
    import datetime as dt

    day = dt.datetime(2026, 3, 30)
    log = pl.DataFrame(
        {
            "staff_id": ["B1", "B1"],
            "activity": ["back_office", "back_office"],
            "start": [day + dt.timedelta(hours=16), day + dt.timedelta(hours=17, minutes=30)],
            "end": [day + dt.timedelta(hours=17, minutes=30), day + dt.timedelta(hours=18)],
            "minutes": [90.0, 30.0],
        }
    )
    # closing 17:15: 15 minutes of the first row and all 30 of the second are after it
    k = staff_kpis(log, DutySchedule(minutes=480.0, staff=1, close_min=17 * 60 + 15), days=1)
    assert k["overtime_min_per_day"] == pytest.approx(45.0)
    assert k["utilisation"] == pytest.approx(120 / (480 + 45))
