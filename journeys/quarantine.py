"""Quarantine: the rows validation rejected, written so a clerk can open them in Excel and fix them.

The file is CSV in UTF-8 with a byte-order mark (Excel then shows Japanese correctly), one line
per rejected row: ``source_row, reason, reason_ja, column, message`` and the row's values as
text. Personal columns were dropped on read, visit keys pseudonymised and free text masked
before validation, so nothing personal reaches this file; a value a spreadsheet would run as a
formula (``=…``, ``+…``, ``@…``) is written with a leading apostrophe.

Next to the CSV, the same rows are written as an Excel workbook (``.xlsx``, sheet 隔離
quarantine) in which every cell is a text cell and every column is formatted as text (``@``):
Excel never turns ``0004`` into 4, a long id into ``1.2E+15`` or a date-like id into a date,
and never reads a value as a formula. A clerk fixes the rows there and re-imports the file
with ``madoguchi validate quarantine.xlsx`` (the ``source_row … message`` columns are ignored
on reading, visit pseudonyms are kept as they are).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import xlsxwriter

from journeys.errors import InputError
from journeys.excel_export import WORKBOOK_OPTIONS, write_csv_safe
from journeys.validation import REASONS, IngestResult

__all__ = ["QUARANTINE_SHEET", "quarantine_frame", "write_quarantine", "write_quarantine_xlsx"]

#: The sheet of the quarantine workbook.
QUARANTINE_SHEET = "隔離 quarantine"


def quarantine_frame(result: IngestResult) -> pl.DataFrame:
    """The rejected rows with a Japanese label of every reason next to the codes."""
    labels = {k: v[0] for k, v in REASONS.items()}
    rejected = result.rejected
    ja = (
        pl.col("reason")
        .str.split("; ")
        .list.eval(pl.element().replace_strict(labels, default=pl.element()))
        .list.join("; ")
        .alias("reason_ja")
    )
    lead = ["source_row", "reason", "reason_ja", "column", "message"]
    frame = rejected.with_columns(ja)
    return frame.select(lead + [c for c in frame.columns if c not in lead])


def write_quarantine(
    result: IngestResult, path: str | Path, *, workbook: str | Path | None = None
) -> Path:
    """Write the rejected rows to ``path`` (CSV, UTF-8 with BOM) and the same rows to the
    workbook ``workbook`` (default: beside it, ``path`` with ``.xlsx``); returns ``path``.
    When ``path`` itself ends in ``.xlsx`` only the workbook is written."""
    out = Path(path)
    frame = quarantine_frame(result)
    if out.suffix.lower() == ".xlsx":
        workbook = out
    workbook = Path(workbook) if workbook is not None else out.with_suffix(".xlsx")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if workbook != out:
            write_csv_safe(frame, out, include_bom=True)
        write_quarantine_xlsx(frame, workbook)
    except OSError as exc:
        raise InputError(f"cannot write the quarantine file ({exc.strerror})", file=out) from exc
    return out


def write_quarantine_xlsx(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as one sheet where every value is a text cell in a text column."""
    target = Path(path)
    with xlsxwriter.Workbook(str(target), WORKBOOK_OPTIONS) as book:
        book.set_properties({"created": _CREATED})
        text = book.add_format({"num_format": "@"})
        head = book.add_format({"num_format": "@", "bold": True, "bg_color": "#EEF3EF"})
        sheet = book.add_worksheet(QUARANTINE_SHEET)
        for c, name in enumerate(frame.columns):
            sheet.set_column(c, c, max(10, min(40, len(name) + 4)), text)
            sheet.write_string(0, c, name, head)
        for r, row in enumerate(frame.cast(pl.String).iter_rows(), start=1):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, value, text)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))
    return target


#: Fixed creation time of the workbook, so the same rows give the same bytes.
_CREATED = dt.datetime(2026, 1, 1)
