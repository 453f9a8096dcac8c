"""The full analysis of one counter log (and optionally a survey): every table, written to a folder.

This is what ``madoguchi analyze`` does after reading the files; notebooks and dashboards can
call :func:`analysis_tables` directly on a canonical frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeys import kpi_registry as registry
from journeys.excel_export import write_csv_bom, write_workbook
from journeys.flows import flows, variants
from journeys.metrics import (
    kpi_summary,
    people_waiting,
    per_counter,
    per_hour,
    per_staff,
    prepare_log,
)
from journeys.survey_metrics import (
    emotion_curve,
    minutes_by_action,
    pain_points,
    persona_comparison,
    writes_per_journey,
)
from journeys.xes import DEFAULT_UTC_OFFSET, XesNames, write_xes_file, xes_frame

__all__ = [
    "LOG_TABLES",
    "SURVEY_TABLES",
    "AnalysisOutput",
    "analysis_tables",
    "survey_tables",
    "write_analysis",
]

#: Counter-log tables: file stem → bilingual sheet name.
LOG_TABLES: dict[str, str] = {
    "kpi_summary": "KPI 指標",
    "per_hour": "時間帯別 per hour",
    "per_weekday_hour": "曜日×時間帯 weekday-hour",
    "per_counter": "窓口別 per counter",
    "per_staff": "職員別 per staff",
    "people_waiting": "待ち人数 people waiting",
    "flows": "動線 flows",
    "variants": "経路 variants",
}
#: Survey tables: file stem → bilingual sheet name.
SURVEY_TABLES: dict[str, str] = {
    "survey_journeys": "調査 journeys",
    "survey_minutes_by_action": "行動別時間 minutes by action",
    "survey_minutes_by_phase": "段階別時間 minutes by phase",
    "survey_emotion_curve": "感情曲線 emotion curve",
    "survey_pain_points": "困りごと pain points",
    "survey_persona_comparison": "ペルソナ比較 persona compare",
}


def analysis_tables(
    log: pl.DataFrame, *, service_target_min: float = 15.0, top_variants: int = 20
) -> dict[str, pl.DataFrame]:
    """Every counter-log table of :data:`LOG_TABLES`, keyed by file stem."""
    log = prepare_log(log)  # group each visit's tickets once for all tables
    return {
        "kpi_summary": kpi_summary(log, service_target_min=service_target_min),
        "per_hour": per_hour(log, service_target_min=service_target_min),
        "per_weekday_hour": per_hour(log, weekday=True, service_target_min=service_target_min),
        "per_counter": per_counter(log, service_target_min=service_target_min),
        "per_staff": per_staff(log),
        "people_waiting": people_waiting(log),
        "flows": flows(log),
        "variants": variants(log, top=top_variants),
    }


def survey_tables(
    survey: pl.DataFrame, *, baseline: str = "as_is", alternative: str = "reform"
) -> dict[str, pl.DataFrame]:
    """Every survey table of :data:`SURVEY_TABLES` (the persona comparison only when the
    survey has both the ``baseline`` and ``alternative`` phases)."""
    tables = {
        "survey_journeys": writes_per_journey(survey),
        "survey_minutes_by_action": minutes_by_action(survey),
        "survey_minutes_by_phase": minutes_by_action(survey, per="phase"),
        "survey_emotion_curve": emotion_curve(survey),
        "survey_pain_points": pain_points(survey),
    }
    phases = set(survey["phase"].unique().to_list()) if "phase" in survey.columns else set()
    if {baseline, alternative} <= phases:
        tables["survey_persona_comparison"] = persona_comparison(
            survey, baseline=baseline, alternative=alternative
        )
    return tables


@dataclass
class AnalysisOutput:
    """What :func:`write_analysis` wrote: table name → file, the workbook and the tables."""

    files: dict[str, Path] = field(default_factory=dict)
    workbook: Path | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def write_analysis(
    log: pl.DataFrame,
    out: str | Path,
    *,
    survey: pl.DataFrame | None = None,
    service_target_min: float = 15.0,
    extra_sheets: Mapping[str, pl.DataFrame] | None = None,
    utc_offset: str = DEFAULT_UTC_OFFSET,
    xes_names: XesNames | None = None,
) -> AnalysisOutput:
    """Write every table as CSV (UTF-8 with BOM) under ``out``, the event log as an XES file
    (``event_log.xes.gz``, times with ``utc_offset``, names from ``xes_names``) and as an
    XES-keyed table (CSV and Parquet), and the same tables as ONE workbook
    ``out/analysis.xlsx`` (one sheet each, bilingual names). ``extra_sheets`` (sheet name →
    table) go first in the workbook."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = AnalysisOutput()
    tables = analysis_tables(log, service_target_min=service_target_min)
    names: dict[str, str] = dict(LOG_TABLES)
    if survey is not None:
        tables.update(survey_tables(survey))
        names.update(SURVEY_TABLES)
    for stem, table in tables.items():
        result.files[stem] = write_csv_bom(table, folder / f"{stem}.csv")
    result.files["event_log_xes_file"] = write_xes_file(
        log, folder / "event_log.xes.gz", utc_offset=utc_offset, names=xes_names
    )
    xes = xes_frame(log)
    result.files["event_log_xes"] = write_csv_bom(xes, folder / "event_log_xes.csv")
    xes.write_parquet(folder / "event_log_xes.parquet")
    result.files["event_log_xes_parquet"] = folder / "event_log_xes.parquet"
    sheets: dict[str, Any] = dict(extra_sheets or {})
    for stem, table in tables.items():
        sheets[names[stem]] = registry.labelled(table) if stem == "kpi_summary" else table
    result.workbook = write_workbook(sheets, folder / "analysis.xlsx")
    result.tables = tables
    return result
