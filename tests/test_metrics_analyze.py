"""``madoguchi analyze`` end to end: raw ticket export and canonical Parquet give the same KPIs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from test_metrics_kpis import small_log

from madoguchi.cli import main

HAVE_READERS = importlib.util.find_spec("journeys.readers") is not None
needs_readers = pytest.mark.skipif(not HAVE_READERS, reason="journeys.readers not built yet")


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def kpi_values(path: Path) -> dict[tuple[str, str], float]:
    table = pl.read_csv(path)
    assert table.columns == ["scenario", "kpi", "value"]
    return {(r["scenario"], r["kpi"]): r["value"] for r in table.iter_rows(named=True)}


@needs_readers
def test_raw_export_and_parquet_give_the_same_kpis(sample_dir: Path, tmp_path: Path) -> None:
    raw, parquet = sample_dir / "ticket_export_as_is.csv", sample_dir / "counter_log_as_is.parquet"
    if not (raw.exists() and parquet.exists()):
        pytest.skip("sample files not generated yet")
    out_raw, out_pq = tmp_path / "raw", tmp_path / "pq"
    assert run(["analyze", "--log", str(raw), "--scenario", "as_is", "--out", str(out_raw)]) == 0
    survey = sample_dir / "survey.parquet"
    args = ["--survey", str(survey)] if survey.exists() else []
    argv = ["analyze", "--log", str(parquet), "--scenario", "as_is", "--out", str(out_pq), *args]
    assert run(argv) == 0
    from_raw, from_pq = (
        kpi_values(out_raw / "kpi_summary.csv"),
        kpi_values(out_pq / "kpi_summary.csv"),
    )
    # The raw export has no writing/walking columns; every other KPI must agree exactly.
    assert set(from_pq) - set(from_raw) == {
        ("as_is", "walking_m_per_visit"),
        ("as_is", "writing_min_per_visit"),
    }
    for key, value in from_raw.items():
        assert from_pq[key] == pytest.approx(value, rel=1e-12), key
    # And they are the KPIs of the canonical log itself.
    direct = pl.read_parquet(parquet)
    assert from_pq[("as_is", "tickets")] == direct.height
    assert from_pq[("as_is", "visits")] == direct["visit_id"].n_unique()
    for name in ("flows.csv", "variants.csv", "per_counter.csv", "per_hour.csv"):
        assert pl.read_csv(out_raw / name).equals(pl.read_csv(out_pq / name)), name
    if args:
        # The no-writing reform: every persona writes their name/address fewer times.
        compare = pl.read_csv(out_pq / "survey_persona_comparison.csv")
        writes = compare.filter(pl.col("metric") == "fields_written")
        assert writes.height >= 6
        assert (writes["alternative"] < writes["baseline"]).all()
        book = openpyxl.load_workbook(out_pq / "analysis.xlsx", read_only=True)
        assert "ペルソナ比較 persona compare" in book.sheetnames


@needs_readers
def test_analyze_writes_every_table(tmp_path: Path) -> None:
    log = tmp_path / "small.csv"
    small_log().write_csv(log, datetime_format="%Y-%m-%d %H:%M:%S")
    out = tmp_path / "out"
    assert run(["analyze", "--log", str(log), "--out", str(out), "--target-min", "25"]) == 0
    values = kpi_values(out / "kpi_summary.csv")
    assert values[("observed", "service_level")] == pytest.approx(3 / 4)  # target 25 min
    assert values[("observed", "wait_min_p90")] == pytest.approx(28.5)
    for name in (
        "accepted.parquet",
        "rejected.csv",
        "per_hour.csv",
        "per_weekday_hour.csv",
        "per_counter.csv",
        "per_staff.csv",
        "people_waiting.csv",
        "flows.csv",
        "variants.csv",
        "event_log_xes.csv",
        "event_log_xes.parquet",
        "event_log.xes.gz",
        "analysis.xlsx",
    ):
        assert (out / name).exists(), name
    assert (out / "kpi_summary.csv").read_bytes().startswith(b"\xef\xbb\xbfscenario,kpi,value")
    accepted = pl.read_parquet(out / "accepted.parquet")
    assert accepted.height == 5 and "V1" not in set(accepted["visit_id"])  # pseudonymised
    book = openpyxl.load_workbook(out / "analysis.xlsx", read_only=True)
    assert book.sheetnames[:3] == ["注記 notes", "KPI 指標", "時間帯別 per hour"]
    assert "動線 flows" in book.sheetnames


@needs_readers
def test_analyze_notes_a_log_without_visits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "novisit.csv"
    small_log().drop("visit_id").write_csv(log, datetime_format="%Y-%m-%d %H:%M:%S")
    assert run(["analyze", "--log", str(log), "--out", str(tmp_path / "o")]) == 0
    assert "no visit column" in capsys.readouterr().out
    assert kpi_values(tmp_path / "o" / "kpi_summary.csv")[("observed", "visits")] == 5
    assert "no visit column" in (tmp_path / "o" / "notes.txt").read_text(encoding="utf-8")


@needs_readers
def test_analyze_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyze", "--log", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err
    log = tmp_path / "small.parquet"
    small_log().with_columns(scenario=pl.lit("as_is")).write_parquet(log)
    code = run(["analyze", "--log", str(log), "--scenario", "reform", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "no scenario 'reform'" in capsys.readouterr().err
