"""``madoguchi calibrate`` end to end: a simulated log in, a study that loads and a fit table out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from journeys.paths import SAMPLE_DIR
from madoguchi.cli import main
from simulation.calibrate import FIT_TABLE_COLUMNS
from simulation.model import load_study

SAMPLE = SAMPLE_DIR / "study.toml"


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_calibrate_command_writes_study_and_fit_table(tmp_path: Path) -> None:
    engine = pytest.importorskip("simulation.engine")
    study = load_study(SAMPLE)
    start = study.study.start_date
    days = [
        start + dt.timedelta(days=i)
        for i in range(7)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ]
    log = engine.simulate_days(study, "as_is", days=days, replication=0, seed=3).log
    log_path = tmp_path / "log.parquet"
    log.write_parquet(log_path)
    out = tmp_path / "calibrated.toml"
    table = tmp_path / "fit.csv"
    code = _run(
        [
            "calibrate",
            str(log_path),
            "--study",
            str(SAMPLE),
            "--out",
            str(out),
            "--fit-table",
            str(table),
        ]
    )
    assert code == 0
    calibrated = load_study(out)
    assert calibrated.scenario_ids == study.scenario_ids
    fit = pl.read_csv(table)
    assert tuple(fit.columns) == FIT_TABLE_COLUMNS
    chosen = fit.filter(pl.col("chosen"))
    assert chosen.height >= 10
    # every chosen model is in the written study
    for proc_id, dist in zip(chosen["procedure"], chosen["dist"], strict=True):
        assert calibrated.procedure(proc_id).service.by_department.dist == dist


def test_calibrate_command_refuses_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run(
        [
            "calibrate",
            str(tmp_path / "none.parquet"),
            "--study",
            str(SAMPLE),
            "--out",
            str(tmp_path / "x.toml"),
        ]
    )
    assert code == 2
    assert "LOG file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8").replace('flow = "one_stop"', 'flow = "onestop"'),
        encoding="utf-8",
    )
    log = tmp_path / "empty.parquet"
    pl.DataFrame({"visit_id": ["v"]}).write_parquet(log)
    code = _run(["calibrate", str(log), "--study", str(bad), "--out", str(tmp_path / "x.toml")])
    assert code == 2
    assert "flow" in capsys.readouterr().err
