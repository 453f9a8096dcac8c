"""Flows, variants, bootstrap comparison and the XES / Excel exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest
from test_metrics_kpis import small_log

from journeys.compare import compare_logs, visit_arrays, weighted_kpis
from journeys.excel_export import excel_sheet_name, write_workbook
from journeys.flows import flows, variants
from journeys.metrics import kpis
from journeys.xes import XES_COLUMNS, write_xes, xes_frame


def test_flows_directly_follows_with_entrance_and_exit() -> None:
    f = flows(small_log())
    got = {(r["source"], r["target"]): r["count"] for r in f.iter_rows(named=True)}
    # V1: entrance→A→B→exit; V2: entrance→A→A→exit; V3: entrance→B→exit.
    assert got == {
        ("entrance", "A"): 2,
        ("entrance", "B"): 1,
        ("A", "B"): 1,
        ("A", "A"): 1,
        ("A", "exit"): 1,
        ("B", "exit"): 2,
    }
    assert f["count"].to_list()[0] == 2  # sorted by count, descending


def test_flows_order_by_issue_time_not_row_order() -> None:
    reversed_rows = small_log().reverse()
    assert (
        flows(reversed_rows)
        .sort(["source", "target"])
        .equals(flows(small_log()).sort(["source", "target"]))
    )


def test_variants_counts_and_shares() -> None:
    extra = small_log().filter(pl.col("visit_id") == "V1").with_columns(visit_id=pl.lit("V4"))
    v = variants(pl.concat([small_log(), extra]))
    assert v["variant"].to_list() == ["A → B", "A → A", "B"]
    assert v["count"].to_list() == [2, 1, 1]
    assert v["share"].to_list() == pytest.approx([0.5, 0.25, 0.25])
    assert v["counters"].to_list() == [2, 2, 1]
    assert v["rank"].to_list() == [1, 2, 3]
    assert variants(pl.concat([small_log(), extra]), top=1).height == 1


def test_flows_per_scenario() -> None:
    both = pl.concat(
        [
            small_log().with_columns(scenario=pl.lit("as_is")),
            small_log().filter(pl.col("visit_id") == "V3").with_columns(scenario=pl.lit("reform")),
        ]
    )
    reform = flows(both).filter(pl.col("scenario") == "reform")
    assert sorted(zip(reform["source"], reform["target"], reform["count"], strict=True)) == [
        ("B", "exit", 1),
        ("entrance", "B", 1),
    ]


def _synthetic_log(waits: np.ndarray, prefix: str) -> pl.DataFrame:
    """One ticket per visit at counter A, issued every minute from 09:00, served 5 min."""
    n = waits.size
    issued = np.datetime64("2025-03-03T09:00:00") + np.arange(n) * np.timedelta64(60, "s")
    called = issued + (waits * 60).astype("timedelta64[s]")
    return pl.DataFrame(
        {
            "visit_id": [f"{prefix}{i}" for i in range(n)],
            "ticket_id": [f"{prefix}t{i}" for i in range(n)],
            "counter_id": ["A"] * n,
            "issued_at": issued.astype("datetime64[us]"),
            "called_at": called.astype("datetime64[us]"),
            "ended_at": (called + np.timedelta64(300, "s")).astype("datetime64[us]"),
            "staff_id": ["S1"] * n,
            "outcome": ["served"] * n,
            "forms_written": [1] * n,
        }
    )


def test_weighted_kpis_equal_kpis_and_replicated_visits() -> None:
    log = small_log()
    arrays = visit_arrays(log)
    ones = weighted_kpis(arrays, np.ones((1, 3)))
    for name, value in kpis(log).items():
        assert ones[name][0] == pytest.approx(value, nan_ok=True), name
    # Weights (2, 0, 1) over visits (V1, V2, V3 by first ticket) = the log with V1 twice, V3 once.
    twice = pl.concat(
        [
            log.filter(pl.col("visit_id") == "V1"),
            log.filter(pl.col("visit_id") == "V1").with_columns(visit_id=pl.lit("V1b")),
            log.filter(pl.col("visit_id") == "V3"),
        ]
    )
    weighted = weighted_kpis(arrays, np.array([[2.0, 0.0, 1.0]]))
    for name, value in kpis(twice).items():
        if name != "visits_per_day":
            assert weighted[name][0] == pytest.approx(value), name


def test_compare_logs_ci_contains_true_difference() -> None:
    rng = np.random.default_rng(7)
    base_waits = np.round(rng.exponential(20.0, 1500) + 5.0)
    baseline = _synthetic_log(base_waits, "b")
    alternative = _synthetic_log(base_waits - 5.0, "a")  # every wait exactly 5 min shorter
    c = compare_logs(baseline, alternative, n_boot=400, seed=3)
    assert c.columns == ["kpi", "baseline", "alternative", "difference", "ci_low", "ci_high",
                         "baseline_days", "alternative_days", "resampled"]  # fmt: skip
    assert set(c["resampled"]) == {"visits"}  # 1500 minutes: two service days only
    row = {r["kpi"]: r for r in c.iter_rows(named=True)}
    mean = row["wait_min_mean"]
    assert mean["difference"] == pytest.approx(-5.0)
    assert mean["ci_low"] < -5.0 < mean["ci_high"]
    # Independent resampling: the half-width is about 1.96 × sqrt(2 var / n).
    se = np.sqrt(2 * base_waits.var() / base_waits.size)
    half = (mean["ci_high"] - mean["ci_low"]) / 2
    assert half == pytest.approx(1.96 * se, rel=0.2)
    p90 = row["wait_min_p90"]
    assert p90["difference"] == pytest.approx(-5.0)
    assert p90["ci_low"] <= -5.0 <= p90["ci_high"]
    # Poisson bootstrap: the count of visits varies with sd sqrt(n) in each log.
    visits = row["visits"]
    assert visits["difference"] == 0
    assert (visits["ci_high"] - visits["ci_low"]) / 2 == pytest.approx(
        1.96 * np.sqrt(3000), rel=0.2
    )
    assert (
        row["forms_written_per_visit"]["ci_low"] == row["forms_written_per_visit"]["ci_high"] == 0
    )


def test_compare_logs_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(1)
    a = _synthetic_log(np.round(rng.exponential(15.0, 300)), "a")
    b = _synthetic_log(np.round(rng.exponential(12.0, 300)), "b")
    first = compare_logs(a, b, n_boot=200, seed=11)
    assert first.equals(compare_logs(a, b, n_boot=200, seed=11))
    assert not first.equals(compare_logs(a, b, n_boot=200, seed=12))
    assert first.filter(pl.col("kpi") == "wait_min_mean")["baseline"].item() == pytest.approx(
        kpis(a)["wait_min_mean"]
    )


def test_xes_columns_and_values(tmp_path: Path) -> None:
    x = xes_frame(small_log())
    assert tuple(x.columns[:6]) == XES_COLUMNS
    assert x.height == 5
    t4 = x.filter(pl.col("ticket_id") == "T4").row(0, named=True)
    # Abandoned without times: completed (and started) at issue.
    assert t4["time:timestamp"] == t4["start_timestamp"] == dt.datetime(2025, 3, 3, 9, 30)
    t1 = x.filter(pl.col("ticket_id") == "T1").row(0, named=True)
    assert (t1["case:concept:name"], t1["concept:name"], t1["org:resource"]) == ("V1", "A", "S1")
    assert t1["time:timestamp"] == dt.datetime(2025, 3, 3, 9, 20)
    assert t1["start_timestamp"] == dt.datetime(2025, 3, 3, 9, 10)
    assert set(x["lifecycle:transition"]) == {"complete"}
    csv, parquet = tmp_path / "x.csv", tmp_path / "x.parquet"
    write_xes(small_log().with_columns(scenario=pl.lit("as_is")), csv, parquet)
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\n", 1)[0].decode()
    assert header.split(",")[:6] == list(XES_COLUMNS)
    back = pl.read_parquet(parquet)
    assert back["case:concept:name"][0].startswith("as_is/")
    by_proc = xes_frame(
        small_log().with_columns(procedure_id=pl.lit("tennyu")), activity="procedure"
    )
    assert set(by_proc["concept:name"]) == {"tennyu"}


def test_workbook_one_sheet_per_table(tmp_path: Path) -> None:
    path = write_workbook(
        {"KPI 指標": pl.DataFrame({"a": [1.5]}), "動線 flows/図": flows(small_log())},
        tmp_path / "w.xlsx",
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["KPI 指標", "動線 flows_図"]
    assert book["動線 flows_図"]["A1"].value == "scenario"
    assert excel_sheet_name("x" * 40) == "x" * 31
    used: set[str] = set()
    assert [excel_sheet_name("a", used), excel_sheet_name("A", used)] == ["a", "A~2"]
