"""Tables for people who open them in Excel: CSV with a BOM and one workbook of many sheets.

Excel reads a UTF-8 CSV as Shift-JIS unless it starts with a byte-order mark, which garbles
Japanese text; every CSV written here has one. The workbook has one sheet per table with a
bilingual sheet name (Excel allows 31 characters and no ``[]:*?/\\``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

__all__ = [
    "FORMULA_STARTS",
    "ID_COLUMNS",
    "WORKBOOK_OPTIONS",
    "excel_sheet_name",
    "neutralise_formulas",
    "write_csv_bom",
    "write_csv_safe",
    "write_workbook",
]

#: Columns holding ids: written as text cells in text-formatted columns (``@``), so Excel never
#: turns ``0004`` into 4 or a long number-like id into ``1.2E+15``.
ID_COLUMNS: frozenset[str] = frozenset(
    {
        "visit_id",
        "ticket_id",
        "counter_id",
        "procedure_id",
        "staff_id",
        "resident_id",
        "return_of",
        "journey_id",
        "source",
        "target",
    }
)

_BAD = re.compile(r"[\[\]:*?/\\]")

#: A text cell starting with one of these is run as a formula by a spreadsheet (OWASP CSV
#: injection): ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, ``@SUM(...)``, a tab or a CR.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_REGEX = r"^[=+\-@\t\r]"
# a plain number written as text ("-2", "+3.5") is no formula and stays as it is
_PLAIN_NUMBER_REGEX = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
#: xlsxwriter options of every workbook written here: text stays text (never a live formula,
#: link or number), and no creation time is stamped into the file.
WORKBOOK_OPTIONS: dict[str, object] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
#: Fixed document properties: the same tables give the same bytes.
_FIXED_CREATED = dt.datetime(2000, 1, 1, 0, 0, 0)


def neutralise_formulas(table: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (``=1+1`` → ``'=1+1``), so opening a CSV in Excel never runs what a resident typed."""
    exprs = []
    for name, dtype in table.schema.items():
        if not (dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)):
            continue
        text = pl.col(name).cast(pl.String)
        risky = text.str.contains(_FORMULA_REGEX) & ~text.str.contains(_PLAIN_NUMBER_REGEX)
        exprs.append(pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(name))
    return table.with_columns(exprs) if exprs else table


def write_csv_safe(table: pl.DataFrame, path: str | Path, **options: Any) -> Path:
    """``table.write_csv(path, **options)`` with formula-like text neutralised."""
    target = Path(path)
    neutralise_formulas(table).write_csv(target, **options)
    return target


def write_csv_bom(table: pl.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as UTF-8 CSV with a BOM (datetimes ``YYYY-MM-DD HH:MM:SS``, times
    ``HH:MM:SS``); formula-like text is neutralised (:func:`neutralise_formulas`)."""
    return write_csv_safe(
        table,
        path,
        include_bom=True,
        datetime_format="%Y-%m-%d %H:%M:%S",
        time_format="%H:%M:%S",
    )


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
    table = table.with_columns(casts) if casts else table
    # NaN and ±inf cannot be stored in a cell (xlsxwriter refuses them): an empty cell
    finite = [
        pl.when(pl.col(n).is_finite()).then(pl.col(n)).otherwise(None).alias(n)
        for n, dtype in table.schema.items()
        if dtype.is_float()
    ]
    return table.with_columns(finite) if finite else table


def write_workbook(tables: Mapping[str, pl.DataFrame], path: str | Path) -> Path:
    """Write each table to its own sheet of ONE workbook, in the mapping's order.

    Keys are sheet names (e.g. ``"KPI 指標"``), made valid and unique. Floats show 3 decimals
    (NaN and infinity as empty cells), datetimes as ``yyyy-mm-dd hh:mm:ss``; id columns
    (:data:`ID_COLUMNS`) are text cells in text-formatted columns; headers are frozen and
    filterable. Text is stored as text, never as a live formula (:data:`WORKBOOK_OPTIONS`),
    and the document properties are fixed, so the same tables give the same bytes.
    """
    target = Path(path)
    used: set[str] = set()
    with xlsxwriter.Workbook(str(target), WORKBOOK_OPTIONS) as workbook:
        workbook.set_properties({"created": _FIXED_CREATED})
        for name, table in tables.items():
            sheet = excel_sheet_name(name, used)
            ids = [c for c in table.columns if c in ID_COLUMNS]
            ready = _excel_ready(table).with_columns([pl.col(c).cast(pl.String) for c in ids])
            ready.write_excel(
                workbook=workbook,
                worksheet=sheet,
                autofit=table.height <= 5000,
                freeze_panes=(1, 0),
                float_precision=3,
                dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss", pl.Date: "yyyy-mm-dd"},
                table_style="Table Style Light 9",
                column_formats=dict.fromkeys(ids, "@"),
            )
    return target
