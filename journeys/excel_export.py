"""Tables for people who open them in Excel: CSV with a BOM and one workbook of many sheets.

Excel reads a UTF-8 CSV as Shift-JIS unless it starts with a byte-order mark, which garbles
Japanese text; every CSV written here has one. The workbook has one sheet per table with a
bilingual sheet name (Excel allows 31 characters and no ``[]:*?/\\``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import xlsxwriter

__all__ = ["excel_sheet_name", "write_csv_bom", "write_workbook"]

_BAD = re.compile(r"[\[\]:*?/\\]")


def write_csv_bom(table: pl.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as UTF-8 CSV with a BOM (datetimes ``YYYY-MM-DD HH:MM:SS``, times
    ``HH:MM:SS``)."""
    target = Path(path)
    table.write_csv(
        target,
        include_bom=True,
        datetime_format="%Y-%m-%d %H:%M:%S",
        time_format="%H:%M:%S",
    )
    return target


def excel_sheet_name(name: str, used: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name for ``name`` (bad characters replaced, ≤ 31 characters)."""
    base = _BAD.sub("_", name).strip("'")[:31] or "sheet"
    candidate, i = base, 2
    used = used if used is not None else set()
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f"~{i}"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(candidate)
    return candidate


def _excel_ready(table: pl.DataFrame) -> pl.DataFrame:
    """Columns Excel cannot hold (lists, structs, durations) become text."""
    casts = [
        pl.col(name).cast(pl.String)
        if not isinstance(dtype, pl.List | pl.Struct | pl.Array | pl.Duration | pl.Object)
        else pl.col(name).map_elements(str, return_dtype=pl.String)
        for name, dtype in table.schema.items()
        if isinstance(
            dtype, pl.List | pl.Struct | pl.Array | pl.Duration | pl.Object | pl.Categorical
        )
    ]
    return table.with_columns(casts) if casts else table


def write_workbook(tables: Mapping[str, pl.DataFrame], path: str | Path) -> Path:
    """Write each table to its own sheet of ONE workbook, in the mapping's order.

    Keys are sheet names (e.g. ``"KPI 指標"``), made valid and unique. Floats show 3 decimals,
    datetimes as ``yyyy-mm-dd hh:mm:ss``; headers are frozen and filterable.
    """
    target = Path(path)
    used: set[str] = set()
    with xlsxwriter.Workbook(str(target)) as workbook:
        for name, table in tables.items():
            sheet = excel_sheet_name(name, used)
            _excel_ready(table).write_excel(
                workbook=workbook,
                worksheet=sheet,
                autofit=table.height <= 5000,
                freeze_panes=(1, 0),
                float_precision=3,
                dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss", pl.Date: "yyyy-mm-dd"},
                table_style="Table Style Light 9",
            )
    return target
