"""Quarantine: the rows validation rejected, written so a clerk can open them in Excel and fix them.

The file is CSV in UTF-8 with a byte-order mark (Excel then shows Japanese correctly), one line
per rejected row: ``source_row, reason, reason_ja, column, message`` and the row's values as
text. Personal columns were dropped on read, visit keys pseudonymised and free text masked
before validation, so nothing personal reaches this file; a value a spreadsheet would run as a
formula (``=…``, ``+…``, ``@…``) is written with a leading apostrophe.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeys.errors import InputError
from journeys.excel_export import write_csv_safe
from journeys.validation import REASONS, IngestResult

__all__ = ["quarantine_frame", "write_quarantine"]


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


def write_quarantine(result: IngestResult, path: str | Path) -> Path:
    """Write the rejected rows to ``path`` (CSV, UTF-8 with BOM); returns the path written."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv_safe(quarantine_frame(result), out, include_bom=True)
    except OSError as exc:
        raise InputError(f"cannot write the quarantine file ({exc.strerror})", file=out) from exc
    return out
