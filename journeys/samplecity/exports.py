"""The sample city's files: canonical Parquet, the raw ticket-machine export, the survey sheets.

Formats are those of interfaces.md: the canonical counter log (journeys.schema columns plus
``scenario``, ``writing_min``, ``walking_m``) as zstd Parquet; the same tickets as a cp932, CRLF
export with Japanese headers and fictional personal columns; the journey survey as canonical
Parquet and as the survey team's Excel sheet 「調査票」. Every writer is byte-deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from journeys.samplecity.people import Person
from journeys.samplecity.period import DayLog
from journeys.samplecity.study_file import SampleStudy
from journeys.schema import COUNTER_LOG_COLUMNS, COUNTER_LOG_OPTIONAL, SURVEY_COLUMNS

__all__ = [
    "ACTION_JA",
    "EXPORT_HEADER",
    "OUTCOME_JA",
    "PHASE_JA",
    "SURVEY_HEADER",
    "SURVEY_TITLE",
    "XLSX_CREATED",
    "canonical_log",
    "survey_frame",
    "write_parquet",
    "write_survey_xlsx",
    "write_ticket_export",
]

EXPORT_HEADER: tuple[str, ...] = (
    "受付日", "受付番号", "発券時刻", "呼出時刻", "終了時刻", "窓口", "窓口名", "業務コード",
    "業務名", "担当者", "来庁者番号", "状態", "記入枚数", "氏名", "フリガナ", "住所", "電話番号",
    "生年月日", "個人番号",
)  # fmt: skip
OUTCOME_JA: dict[str, str] = {"served": "完了", "no_show": "不在", "abandoned": "取消"}
SURVEY_TITLE = "窓口体験調査 記録票"
SURVEY_HEADER: tuple[str, ...] = (
    "調査ID", "段階", "ペルソナ", "ライフイベント", "手順", "場所", "行動", "所要分", "記入枚数",
    "氏名住所記入回数", "感情", "困りごと", "分類", "調査員氏名",
)  # fmt: skip
PHASE_JA: dict[str, str] = {"as_is": "現状", "reform": "改革後"}
ACTION_JA: dict[str, str] = {
    "walk": "移動",
    "wait": "待ち",
    "write": "記入",
    "consult": "相談",
    "serve": "手続き",
    "pay": "支払",
    "receive": "受取",
    "other": "その他",
}
#: Fixed document time of the survey workbook, so that the same seed gives the same bytes.
XLSX_CREATED = dt.datetime(2026, 4, 20, 9, 0, 0)

#: Column order of the canonical counter log written by the generator.
LOG_SCHEMA: dict[str, pl.DataType] = {
    **COUNTER_LOG_COLUMNS,
    "scenario": COUNTER_LOG_OPTIONAL["scenario"],
    "writing_min": COUNTER_LOG_OPTIONAL["writing_min"],
    "walking_m": COUNTER_LOG_OPTIONAL["walking_m"],
}


def _seconds(minute: float | None) -> int | None:
    """Whole seconds after midnight (datetimes are rounded to whole seconds)."""
    return None if minute is None else int(minute * 60.0 + 0.5)


def canonical_log(days: Sequence[DayLog], scenario_id: str) -> pl.DataFrame:
    """The canonical counter log of one scenario (one row per ticket, in issue order)."""
    cols: dict[str, list[object]] = {name: [] for name in LOG_SCHEMA}
    epoch = dt.datetime(1970, 1, 1)
    for day_log in days:
        midnight_us = (
            int((dt.datetime.combine(day_log.day, dt.time()) - epoch).total_seconds()) * 1_000_000
        )
        for t in day_log.tickets:
            issued, called, ended = (
                _seconds(t.issued_min),
                _seconds(t.called_min),
                _seconds(t.ended_min),
            )
            cols["visit_id"].append(t.visit_id)
            cols["ticket_id"].append(t.ticket_id)
            cols["counter_id"].append(t.counter_id)
            cols["procedure_id"].append(t.procedure_id)
            cols["issued_at"].append(
                midnight_us + issued * 1_000_000 if issued is not None else None
            )
            cols["called_at"].append(
                midnight_us + called * 1_000_000 if called is not None else None
            )
            cols["ended_at"].append(midnight_us + ended * 1_000_000 if ended is not None else None)
            cols["staff_id"].append(t.staff_id)
            cols["outcome"].append(t.outcome)
            cols["forms_written"].append(t.forms_written)
            cols["scenario"].append(scenario_id)
            cols["writing_min"].append(round(t.writing_min, 2))
            cols["walking_m"].append(round(t.walking_m, 1))
    frame = pl.DataFrame(
        {
            name: pl.Series(
                name,
                values,
                dtype=pl.Int64() if name in ("issued_at", "called_at", "ended_at") else dtype,
            )
            for (name, dtype), values in zip(LOG_SCHEMA.items(), cols.values(), strict=True)
        }
    )
    return frame.with_columns(
        pl.col(c).cast(pl.Datetime("us")) for c in ("issued_at", "called_at", "ended_at")
    )


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Write a canonical frame as zstd Parquet (deterministic bytes)."""
    frame.write_parquet(path, compression="zstd", compression_level=9, statistics=True)
    return path


def _hms(value: dt.datetime | None) -> str:
    return "" if value is None else f"{value:%H:%M:%S}"


def write_ticket_export(
    frame: pl.DataFrame,
    days: Sequence[DayLog],
    study: SampleStudy,
    scenario_id: str,
    people: dict[int, Person],
    path: Path,
) -> Path:
    """Write the raw ticket-machine export of one scenario (cp932, CRLF, Japanese headers)."""
    scenario = study.scenario(scenario_id)
    counter_names = {c.id: c.name_ja for c in scenario.counters}
    procedure_names = {p.id: p.name_ja for p in study.procedures}
    residents = [t.resident for d in days for t in d.tickets]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    rows = frame.select(
        "ticket_id", "counter_id", "procedure_id", "issued_at", "called_at", "ended_at",
        "staff_id", "visit_id", "outcome", "forms_written",
    ).iter_rows()  # fmt: skip
    for resident, row in zip(residents, rows, strict=True):
        ticket, counter, procedure, issued, called, ended, staff, visit, outcome, forms = row
        person = people[resident]
        writer.writerow(
            (
                f"{issued:%Y/%m/%d}",
                ticket,
                _hms(issued),
                _hms(called),
                _hms(ended),
                counter,
                counter_names[counter],
                procedure,
                procedure_names[procedure],
                staff or "",
                visit,
                OUTCOME_JA[outcome],
                forms,
                person.name,
                person.furigana,
                person.address,
                person.phone,
                person.birth_date,
                person.my_number,
            )
        )
    path.write_bytes(buffer.getvalue().encode("cp932"))
    return path


def survey_frame(rows: Sequence[dict[str, object]]) -> pl.DataFrame:
    """The canonical journey survey from step rows (keys = journeys.schema.SURVEY_COLUMNS)."""
    return pl.DataFrame(
        {
            name: pl.Series(name, [r[name] for r in rows], dtype=dtype)
            for name, dtype in SURVEY_COLUMNS.items()
        }
    )


def write_survey_xlsx(
    survey: pl.DataFrame, observers: Sequence[str], pain_texts: Sequence[str | None], path: Path
) -> Path:
    """Write the survey as the survey team fills it: sheet 「調査票」, title row, Japanese headers.

    ``observers`` and ``pain_texts`` run along the rows of ``survey``: the observer's name and
    the pain point as written on the sheet (some hold a fictional My Number the reader masks).
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties(
        {
            "title": SURVEY_TITLE,
            "author": "サンプル市 窓口改革チーム（架空）",
            "created": XLSX_CREATED,
        }
    )
    sheet = workbook.add_worksheet("調査票")
    bold = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, SURVEY_TITLE, bold)
    for c, name in enumerate(SURVEY_HEADER):
        sheet.write_string(1, c, name, bold)
    columns = (
        "journey_id", "phase", "persona", "life_event", "step", "touchpoint", "action",
        "minutes", "forms_written", "fields_written", "emotion",
    )  # fmt: skip
    for r, (row, observer, pain) in enumerate(
        zip(
            survey.select(*columns, "pain_category").iter_rows(), observers, pain_texts, strict=True
        ),
        start=2,
    ):
        (
            journey,
            phase,
            persona,
            event,
            step,
            place,
            action,
            minutes,
            forms,
            fields,
            emotion,
            category,
        ) = row
        sheet.write_string(r, 0, journey)
        sheet.write_string(r, 1, PHASE_JA[phase])
        sheet.write_string(r, 2, persona)
        sheet.write_string(r, 3, event)
        sheet.write_number(r, 4, step)
        sheet.write_string(r, 5, place)
        sheet.write_string(r, 6, ACTION_JA[action])
        sheet.write_number(r, 7, minutes)
        sheet.write_number(r, 8, forms)
        sheet.write_number(r, 9, fields)
        sheet.write_number(r, 10, emotion)
        if pain:
            sheet.write_string(r, 11, pain)
        if category:
            sheet.write_string(r, 12, category)
        sheet.write_string(r, 13, observer)
    sheet.set_column(0, 4, 10)
    sheet.set_column(5, 5, 34)
    sheet.set_column(11, 11, 48)
    workbook.close()
    return path
