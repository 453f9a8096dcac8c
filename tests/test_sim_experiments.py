"""Experiments: t intervals, paired comparisons, the trial calculator, sweeps and the CLI."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from journeys.errors import InputError
from simulation.experiments import (
    compare_scenarios,
    replications_needed,
    run_experiment,
    set_parameter,
    summarise,
    sweep,
)
from simulation.model import Study, load_study


@pytest.fixture(scope="module")
def study(sample_dir: Path) -> Study:
    return load_study(sample_dir / "study.toml")


def _long(values: dict[str, list[float]], kpi: str = "wait_min_mean") -> pl.DataFrame:
    rows = [(sc, r, kpi, v) for sc, vs in values.items() for r, v in enumerate(vs)]
    return pl.DataFrame(rows, schema=["scenario", "replication", "kpi", "value"], orient="row")


def test_summary_is_a_student_t_interval() -> None:
    a = [10.0, 12.0, 11.0, 13.0, 9.0]
    out = summarise(_long({"as_is": a})).row(0, named=True)
    half = stats.t.ppf(0.975, 4) * np.std(a, ddof=1) / math.sqrt(5)
    assert out["mean"] == pytest.approx(11.0)
    assert out["ci_low"] == pytest.approx(11.0 - half)
    assert out["ci_high"] == pytest.approx(11.0 + half)


def test_comparison_is_paired_over_replications() -> None:
    base = [10.0, 20.0, 30.0, 40.0]
    alt = [8.0, 18.5, 27.5, 38.0]  # differences -2, -1.5, -2.5, -2: tight although values vary
    out = compare_scenarios(_long({"as_is": base, "reform": alt})).row(0, named=True)
    d = np.subtract(alt, base)
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2.0
    assert out["kpi"] == "wait_min_mean"
    assert (out["baseline"], out["alternative"]) == (25.0, 23.0)
    assert out["difference"] == pytest.approx(-2.0)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((-2.0 - half, -2.0 + half))
    assert out["ci_high"] < 0  # an unpaired comparison of these values would not see it


def test_replications_needed_meets_the_target() -> None:
    rng = np.random.default_rng(0)
    pilot = rng.normal(20.0, 4.0, 10)
    n = replications_needed(pilot, half_width=1.0)
    sd = pilot.std(ddof=1)
    assert stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= 1.0
    assert stats.t.ppf(0.975, n - 2) * sd / math.sqrt(n - 1) > 1.0  # and no more than needed
    assert replications_needed(pilot, relative=0.05) == replications_needed(
        pilot, half_width=0.05 * pilot.mean()
    )
    with pytest.raises(InputError):
        replications_needed([1.0], half_width=1.0)


def test_run_experiment_crn_narrows_the_difference(study: Study) -> None:
    res = run_experiment(study, replications=4, seed=3, days=2, progress=False)
    assert res.replications.height == 8
    assert list(res.summary.columns) == ["scenario", "kpi", "mean", "ci_low", "ci_high"]
    assert list(res.comparison.columns) == [
        "kpi",
        "baseline",
        "alternative",
        "difference",
        "ci_low",
        "ci_high",
    ]
    row = res.comparison.filter(pl.col("kpi") == "forms_written_per_visit").row(0, named=True)
    assert row["ci_high"] < 0  # the reform writes fewer forms, clearly
    s = res.summary.filter(pl.col("kpi") == "forms_written_per_visit")
    unpaired = (s["ci_high"] - s["ci_low"]).sum() / 2
    assert (row["ci_high"] - row["ci_low"]) / 2 < unpaired


@pytest.mark.parametrize("workers", [1, 2])
def test_run_experiment_reports_each_finished_replication(study: Study, workers: int) -> None:
    told: list[tuple[int, int]] = []
    res = run_experiment(
        study,
        replications=3,
        seed=3,
        days=1,
        workers=workers,
        progress=lambda done, total: told.append((done, total)),
    )
    assert told == [(1, 3), (2, 3), (3, 3)]
    assert res.replications.height == 6


def test_set_parameter_and_its_errors(study: Study) -> None:
    before = study.scenario("reform").counter("W01").staff
    more = set_parameter(study, "scenarios.reform.counters.W01.staff", before + 3)
    counter = more.scenario("reform").counter("W01")
    assert counter.staff == before + 3 and counter.shifts[0].staff == before + 3
    assert study.scenario("reform").counter("W01").staff == before  # the original is untouched
    busier = set_parameter(study, "arrivals.residents_per_day", 1.5, scale=True)
    assert busier.arrivals.residents_per_day == pytest.approx(
        1.5 * study.arrivals.residents_per_day
    )
    for bad in (
        "scenarios.nowhere.counters.W01.staff",
        "arrivals.hour_profile",
        "arrivals.nope",
        "",
    ):
        with pytest.raises(InputError):
            set_parameter(study, bad, 1.0)


def test_sweep_gives_a_staffing_curve_on_common_random_numbers(study: Study) -> None:
    curve = sweep(
        study,
        "scenarios.reform.counters.W01.staff",
        [1, 4],
        replications=2,
        seed=5,
        days=[__import__("datetime").date(2026, 3, 30)],
        progress=False,
    )
    assert list(curve.columns) == ["param", "value", "scenario", "kpi", "mean", "ci_low", "ci_high"]
    wait = curve.filter(pl.col("kpi") == "wait_min_mean")
    reform = dict(wait.filter(pl.col("scenario") == "reform").select("value", "mean").iter_rows())
    as_is = wait.filter(pl.col("scenario") == "as_is")["mean"].to_list()
    assert reform[1.0] > reform[4.0]  # fewer staff at W01, longer waits
    assert as_is[0] == as_is[1]  # the as-is floor does not change: identical on CRN


def test_cli_simulate_writes_every_file(sample_dir: Path, tmp_path: Path) -> None:
    from madoguchi.cli import main

    with pytest.raises(SystemExit) as done:
        main(
            [
                "simulate",
                str(sample_dir / "study.toml"),
                "--replications",
                "2",
                "--days",
                "1",
                "--start",
                "2026-03-02",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(tmp_path),
            ]
        )
    assert done.value.code == 0
    for name in (
        "log.parquet",
        "staff_log.parquet",
        "kpi_summary.csv",
        "comparison.csv",
        "replications.csv",
    ):
        assert (tmp_path / name).exists(), name
    summary = pl.read_csv(tmp_path / "kpi_summary.csv")
    assert summary.columns[:5] == ["scenario", "kpi", "mean", "ci_low", "ci_high"]
    # labels, the unit of the stored value and the basis from the KPI registry
    assert summary.columns[5:] == ["指標", "label_en", "単位", "unit", "集計単位", "basis"]
    share = summary.filter(pl.col("kpi") == "service_level").row(0, named=True)
    assert (share["label_en"], share["unit"]) == ("Service level (called within target)",
                                                  "share (0–1)")  # fmt: skip
    assert pl.read_csv(tmp_path / "comparison.csv").columns[:6] == [
        "kpi",
        "baseline",
        "alternative",
        "difference",
        "ci_low",
        "ci_high",
    ]
    log = pl.read_parquet(tmp_path / "log.parquet")
    assert log["issued_at"].dt.date().unique().to_list() == [
        __import__("datetime").date(2026, 3, 2)
    ]
    from journeys.kpi_registry import KPIS

    assert set(summary["kpi"]) <= set(KPIS)  # the counter-log KPIs and the staff KPIs


def test_cli_bad_study_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from madoguchi.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text('[study]\nid = "x"\nresidnets = 3\n', encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["simulate", str(bad), "--out", str(tmp_path / "out")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "residnets" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as done:
        main(["sweep", str(bad), "--param", "x", "--values", "1", "--out", str(tmp_path / "o")])
    assert done.value.code == 2
