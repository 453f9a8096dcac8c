"""Export a counter log as an XES-keyed event log that PM4Py, Disco or Celonis open directly.

One event per ticket, with the standard XES attribute keys as column names:

| column | value |
| --- | --- |
| ``case:concept:name`` | the visit (``scenario``/``replication`` prefixed when present) |
| ``concept:name`` | the activity: the counter (default) or the procedure |
| ``time:timestamp`` | when the event completed: ``ended_at``, else ``called_at``, else ``issued_at`` |
| ``start_timestamp`` | when service started: ``called_at``, else the completion time |
| ``org:resource`` | the staff member (empty when not called) |
| ``lifecycle:transition`` | ``"complete"`` |

plus ``issued_at``, ``outcome``, ``ticket_id``, ``counter_id``, ``procedure_id`` and
``forms_written`` as extra event attributes. Rows are sorted by case, then time. In PM4Py:
``pm4py.format_dataframe(pd.read_csv(path), case_id="case:concept:name", activity_key=
"concept:name", timestamp_key="time:timestamp")``, or read the Parquet file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeys.errors import InputError
from journeys.metrics import Frame, as_counter_log

__all__ = ["XES_COLUMNS", "write_xes", "xes_frame"]

XES_COLUMNS: tuple[str, ...] = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "start_timestamp",
    "org:resource",
    "lifecycle:transition",
)
_EXTRA: tuple[str, ...] = (
    "issued_at",
    "outcome",
    "ticket_id",
    "counter_id",
    "procedure_id",
    "forms_written",
)


def xes_frame(log: Frame, *, activity: str = "counter") -> pl.DataFrame:
    """The log as an XES-keyed event table (module docstring); ``activity`` is ``"counter"`` or
    ``"procedure"`` (a ticket without a procedure falls back to its counter)."""
    if activity not in ("counter", "procedure"):
        raise InputError(f"activity must be 'counter' or 'procedure', not {activity!r}")
    lf = as_counter_log(log)
    names = lf.collect_schema().names()
    prefix = [pl.col(c).cast(pl.String) for c in ("scenario", "replication") if c in names]
    case = (
        pl.concat_str([*prefix, pl.col("visit_id")], separator="/")
        if prefix
        else pl.col("visit_id")
    )
    name = (
        pl.col("counter_id")
        if activity == "counter"
        else pl.coalesce(pl.col("procedure_id"), pl.col("counter_id"))
    )
    done = pl.coalesce("ended_at", "called_at", "issued_at")
    return (
        lf.select(
            case.alias("case:concept:name"),
            name.alias("concept:name"),
            done.alias("time:timestamp"),
            pl.coalesce("called_at", done).alias("start_timestamp"),
            pl.col("staff_id").alias("org:resource"),
            pl.lit("complete").alias("lifecycle:transition"),
            *[pl.col(c) for c in _EXTRA],
        )
        .sort(["case:concept:name", "time:timestamp", "start_timestamp"])
        .collect()
    )


def write_xes(
    log: Frame,
    csv_path: str | Path | None = None,
    parquet_path: str | Path | None = None,
    *,
    activity: str = "counter",
) -> pl.DataFrame:
    """Write the XES-keyed event table as CSV (UTF-8 with BOM, ``YYYY-MM-DD HH:MM:SS``
    timestamps) and/or Parquet; returns the table."""
    table = xes_frame(log, activity=activity)
    if csv_path is not None:
        table.write_csv(csv_path, include_bom=True, datetime_format="%Y-%m-%d %H:%M:%S")
    if parquet_path is not None:
        table.write_parquet(parquet_path)
    return table
