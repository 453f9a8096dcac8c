"""Extensions run on Dask workers too: a local cluster gives the serial results, extension
rows included (the study folder, with the extension's file, is on the workers' filesystem)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from simulation.experiments import run_experiment
from simulation.model import load_study

ROOT = Path(__file__).resolve().parents[1]
CONCIERGE = ROOT / "data" / "examples" / "concierge" / "study.toml"


@pytest.mark.slow
def test_the_concierge_example_on_a_dask_local_cluster_gives_the_serial_results() -> None:
    pytest.importorskip("dask.distributed")
    study = load_study(CONCIERGE)
    days = [dt.date(2026, 3, 30)]
    kwargs = {"replications": 2, "seed": 11, "days": days, "progress": False}
    serial = run_experiment(study, workers=1, **kwargs)  # type: ignore[arg-type]
    dask = run_experiment(study, workers=2, scheduler="local", **kwargs)  # type: ignore[arg-type]
    concierge = serial.staff_log.filter(pl.col("activity") == "concierge")
    assert concierge.height > 0  # the extension ran, and its rows are in the staff log
    assert dask.staff_log.filter(pl.col("activity") == "concierge").height == concierge.height
    assert serial.log.equals(dask.log)
    assert serial.staff_log.equals(dask.staff_log)
    assert serial.visits.equals(dask.visits)
