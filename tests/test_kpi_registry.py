"""The KPI registry: every KPI any output shows is declared once, and every output (CLI,
workbook, dashboard card and figure, HTML report, notebooks) takes its label from it."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from journeys import kpi_registry as registry
from journeys.kpi_registry import KPIS

ROOT = Path(__file__).resolve().parents[1]


def _log() -> pl.DataFrame:
    """Two visits on one day: V1 served at two counters, V2 abandoned at one."""
    t0 = dt.datetime(2025, 3, 3, 9, 0)

    def at(minutes: float | None) -> dt.datetime | None:
        return None if minutes is None else t0 + dt.timedelta(minutes=minutes)

    rows = [
        ("V1", "T1", "A", at(0), at(10), at(20), "S1", "served", 1),
        ("V1", "T2", "B", at(25), at(45), at(55), "S2", "served", 2),
        ("V2", "T3", "A", at(5), None, None, None, "abandoned", 0),
    ]
    cols = ["visit_id", "ticket_id", "counter_id", "issued_at", "called_at", "ended_at"]
    cols += ["staff_id", "outcome", "forms_written"]
    return pl.DataFrame(rows, schema=cols, orient="row").with_columns(
        pl.col("issued_at", "called_at", "ended_at").cast(pl.Datetime("us"))
    )


def test_every_kpi_is_complete_and_its_computing_function_exists() -> None:
    for key, k in KPIS.items():
        assert k.key == key
        assert k.label_ja and k.label_en and k.definition_ja and k.definition_en
        assert k.basis in registry.BASES
        assert k.direction in ("lower", "higher", "neutral")
        assert 0 <= k.decimals <= 3
        module, _, name = k.computed_by.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), k.computed_by
    labels_ja = [k.label_ja for k in KPIS.values()]
    labels_en = [k.label_en for k in KPIS.values()]
    assert len(set(labels_ja)) == len(labels_ja) and len(set(labels_en)) == len(labels_en)


def test_unknown_key_is_an_error_naming_the_registry() -> None:
    with pytest.raises(KeyError, match="kpi_registry"):
        registry.label("wait_min_avg", "ja")


def test_formatting_by_hand() -> None:
    assert registry.fmt("wait_min_mean", 12.34, "ja") == "12.3分"
    assert registry.fmt("wait_min_mean", 12.34, "en") == "12.3 min"
    assert registry.fmt("service_level", 0.8134, "en") == "81.3%"
    assert registry.fmt("service_level", 0.05, "ja", signed=True) == "+5.0 pt"
    assert registry.fmt("staff_busy_min", 600.0, "ja") == "10時間"  # minutes shown in hours
    assert registry.fmt("walking_m_per_visit", 120.4, "ja") == "120 m"
    assert registry.fmt("visits", float("nan"), "ja") == "–"
    assert registry.better("wait_min_mean", -1.0) is True
    assert registry.better("service_level", -0.1) is False
    assert registry.better("visits", 10.0) is None
    assert registry.better("wait_min_mean", 0.0) is None


def test_every_kpi_the_metrics_compute_is_declared() -> None:
    from journeys.compare import compare_logs
    from journeys.metrics import KPI_NAMES, kpi_summary, kpis

    assert set(KPI_NAMES) <= set(KPIS)
    assert set(kpis(_log())) <= set(KPIS)
    assert set(kpi_summary(_log())["kpi"]) <= set(KPIS)
    comparison = compare_logs(_log(), _log(), n_boot=20, seed=1)
    assert set(comparison["kpi"]) <= set(KPIS)


def test_every_kpi_list_of_an_output_is_declared() -> None:
    from dashboards.data import VERDICT_KPIS
    from dashboards.figures.overview import OBSERVED_KPIS, OVERVIEW_KPIS
    from madoguchi.commands.simulate import SHOWN_KPIS

    for keys in (VERDICT_KPIS, OBSERVED_KPIS, OVERVIEW_KPIS, SHOWN_KPIS):
        assert set(keys) <= set(KPIS), set(keys) - set(KPIS)


#: A string that names a KPI (the shapes of the registry's keys).
_KPI_SHAPED = re.compile(
    r"^[a-z]+(_[a-z0-9]+)*_(mean|share|per_visit|per_day|per_resident|p50|p90|max)$|^service_level$"
)


def test_no_output_source_names_an_undeclared_kpi() -> None:
    """Pages, figures, the report, the CLI, notebooks and benchmarks: every KPI-shaped string
    they hold is a registered KPI (a page script cannot be imported, so its source is read)."""
    from dashboards.i18n import LABELS

    study_parameters = {"residents_per_day", "rpa_share"}  # inputs of a study, not KPIs
    study_parameters |= set(LABELS)  # keys of the dashboard's text catalog (column headers)
    outputs = [
        p for f in ("dashboards", "madoguchi", "notebooks") for p in (ROOT / f).rglob("*.py")
    ]
    outputs += [ROOT / "journeys" / f"{m}.py" for m in ("metrics", "compare", "analysis")]
    outputs += [ROOT / "simulation" / f"{m}.py" for m in ("experiments", "engine")]
    offenders = []
    for path in outputs:
        for value in _string_constants(path) - study_parameters - _widget_keys(path):
            if _KPI_SHAPED.match(value) and value not in KPIS:
                offenders.append(f"{path.relative_to(ROOT)}: {value}")
    assert not offenders, offenders


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _widget_keys(path: Path) -> set[str]:
    """Strings passed as ``key=`` (Streamlit widget keys such as ``plan_share``): not KPIs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value.value
        for n in ast.walk(tree)
        if isinstance(n, ast.keyword)
        and n.arg == "key"
        and isinstance(n.value, ast.Constant)
        and isinstance(n.value.value, str)
    }


def test_no_kpi_label_is_written_outside_the_registry() -> None:
    """No other source file spells a KPI's Japanese or English label: they ask the registry."""
    labels = {k.label_ja for k in KPIS.values()} | {k.label_en for k in KPIS.values()}
    labels -= {"Visits", "Tickets"}  # common words that also name other things
    offenders = []
    for folder in ("journeys", "dashboards", "madoguchi", "simulation", "notebooks", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "kpi_registry.py":
                continue
            hits = labels & _string_constants(path)
            offenders += [f"{path.relative_to(ROOT)}: {h}" for h in sorted(hits)]
    assert not offenders, offenders


def test_dashboard_workbook_and_report_show_identical_labels(tmp_path: Path) -> None:
    from dashboards.figures.overview import kpi_cards
    from dashboards.report import _kpi_table
    from journeys.analysis import write_analysis
    from journeys.compare import compare_logs

    log = _log()
    comparison = compare_logs(log, log, n_boot=20, seed=1)
    written = write_analysis(log, tmp_path)
    assert written.workbook is not None
    book = openpyxl.load_workbook(written.workbook, read_only=True)
    sheet = next(book[name] for name in book.sheetnames if name.startswith("KPI"))
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    at = {name: head.index(name) for name in ("kpi", "指標", "label_en")}
    in_workbook = {r[at["kpi"]]: r[at["指標"]] for r in rows[1:]}
    in_workbook_en = {r[at["kpi"]]: r[at["label_en"]] for r in rows[1:]}
    shown = ("counters_per_visit_mean", "wait_min_mean", "service_level", "abandon_share")
    cards = {c.kpi: c.label for c in kpi_cards(comparison, kpis=shown, lang="ja")}
    cards_en = {c.kpi: c.label for c in kpi_cards(comparison, kpis=shown, lang="en")}
    report = _kpi_table(comparison, "ja", head=("a", "b"), kpis=shown)
    for key in shown:
        ja, en = registry.label(key, "ja"), registry.label(key, "en")
        assert in_workbook[key] == cards[key] == ja
        assert in_workbook_en[key] == cards_en[key] == en
        assert f"<td>{ja}<br><span class='en'>{en}</span></td>" in report
    assert in_workbook["visits"] == "来庁件数"
    assert in_workbook["service_level"] == "サービスレベル（目標時間内の呼出率）"
    assert in_workbook["abandon_share"] == "途中離脱率"


def test_notebook_kpi_table_takes_the_registry_labels() -> None:
    from journeys.metrics import kpis

    shown = registry.table(kpis(_log()), lang="en")
    row = shown.filter(pl.col("kpi") == "wait_min_mean").row(0, named=True)
    assert row == {"kpi": "wait_min_mean", "label": "Mean wait", "value": "15.0 min",
                   "basis": "per called ticket"}  # fmt: skip
    from dashboards.notebook import kpi_table

    # the notebooks show KPIs through dashboards.notebook.kpi_table, i.e. the registry's table
    assert kpi_table(kpis(_log()), lang="en").row(0) == shown.select("label", "value", "basis").row(
        0
    )
    assert "kpi_table(" in (ROOT / "notebooks" / "02-counter-logs.ipynb").read_text(
        encoding="utf-8"
    )


def test_the_documented_kpi_table_is_the_registry() -> None:
    docs = (ROOT / "docs" / "study-format.md").read_text(encoding="utf-8")
    start = docs.index("<!-- KPI table: generated by journeys.kpi_registry.markdown_table()")
    body = docs[docs.index("\n", start) + 1 : docs.index("<!-- end of KPI table -->")]
    assert body == registry.markdown_table()
