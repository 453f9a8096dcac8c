"""Export a counter log for process mining: a real IEEE 1849 XES file, and an XES-keyed table.

**The XES file** (:func:`write_xes_file`, ``event_log.xes``) is what ProM, PM4Py
(``pm4py.read_xes``), Disco and Celonis open. One trace per visit; per ticket:

| ticket | events (``lifecycle:transition`` at ``time:timestamp``) |
| --- | --- |
| served | ``start`` when called, ``complete`` when service ended |
| no_show (called, nobody came) | ``ate_abort`` when called |
| abandoned (left before being called) | ``withdraw`` when the resident left (``left_at``, else the issue time) |

so every ticket has exactly one closing event (``complete``, ``ate_abort`` or ``withdraw``),
and the closing events of a trace give the visit's route. Timestamps carry the hall's UTC
offset (``+09:00`` for Japan; a tool reading a naive time would take it as UTC and shift it
by nine hours). ``org:resource`` is never empty: a ticket nobody served has
:data:`UNSERVED` (an empty resource breaks handover-of-work analysis). The counter's and
procedure's names stand beside their codes (``counter_name``, ``procedure_name``) when the
caller gives them (``madoguchi analyze --study``).

Why the standard library and not ``pm4py.write_xes``: XES is a small, fixed XML vocabulary,
and :class:`xml.sax.saxutils.XMLGenerator` (the standard library's streaming XML writer, which
escapes every attribute value) writes it trace by trace in constant memory. PM4Py's writer
needs the whole log as a pandas frame in memory and would make PM4Py (AGPL-3.0, with
matplotlib, cvxopt and lxml) a runtime dependency of an MIT-licensed workbench that must
install in a closed network; PM4Py stays in the ``dev`` extra, where the tests read the file
back with ``pm4py.read_xes`` and check it against :mod:`journeys.flows`.

**The XES-keyed table** (:func:`xes_frame`, ``event_log_xes.csv``/``.parquet``): one event per
ticket, with the standard XES attribute keys as column names:

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

import gzip
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

import polars as pl

from journeys.errors import InputError
from journeys.excel_export import write_csv_safe
from journeys.metrics import Frame, as_counter_log, prepare_log

__all__ = [
    "DEFAULT_UTC_OFFSET",
    "UNSERVED",
    "XES_COLUMNS",
    "XesNames",
    "check_utc_offset",
    "write_xes",
    "write_xes_file",
    "xes_events",
    "xes_frame",
]

#: The UTC offset of a Japanese city hall (JST).
DEFAULT_UTC_OFFSET = "+09:00"
#: ``org:resource`` of a ticket that no staff member served (abandoned, or no staff recorded).
UNSERVED = "unserved"

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
        write_csv_safe(table, csv_path, include_bom=True, datetime_format="%Y-%m-%d %H:%M:%S")
    if parquet_path is not None:
        table.write_parquet(parquet_path)
    return table


_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
_XES_NS = "http://www.xes-standard.org/"
_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("Concept", "concept"),
    ("Lifecycle", "lifecycle"),
    ("Time", "time"),
    ("Organizational", "org"),
)


@dataclass(frozen=True)
class XesNames:
    """Readable names written beside the codes: counter id → name, procedure id → name."""

    counters: Mapping[str, str]
    procedures: Mapping[str, str]


def check_utc_offset(value: str) -> str:
    """``value`` if it is a UTC offset (``+09:00``, ``-03:30``, ``Z``) or a time-zone name
    (``Asia/Tokyo``); otherwise an :class:`InputError` saying how to write it."""
    if value == "Z" or _OFFSET.match(value):
        return value
    try:
        pl.Series([], dtype=pl.Datetime("us")).dt.replace_time_zone(value)
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            f"'{value}' is not a UTC offset or a time-zone name",
            column="utc_offset",
            hint="write it as +09:00 (Japan) or a name such as Asia/Tokyo",
        ) from exc
    return value


def _stamp(column: str, zone: str) -> pl.Expr:
    """``column`` as XES ``xs:dateTime`` text with the offset (milliseconds)."""
    if zone == "Z" or _OFFSET.match(zone):
        suffix = "+00:00" if zone == "Z" else zone
        return pl.col(column).dt.strftime("%Y-%m-%dT%H:%M:%S%.3f") + pl.lit(suffix)
    return (
        pl.col(column)
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
    )


def xes_events(
    log: Frame, *, activity: str = "counter", utc_offset: str = DEFAULT_UTC_OFFSET
) -> pl.DataFrame:
    """The events of the XES file as a table, in file order (by case, then time).

    Columns: ``case``, ``concept:name``, ``lifecycle:transition``, ``time:timestamp`` (text with
    the offset), ``org:resource``, ``ticket_id``, ``counter_id``, ``procedure_id``, ``outcome``,
    ``forms_written`` and the trace attributes ``scenario``/``replication``/``visit_id``.
    """
    zone = check_utc_offset(utc_offset)
    if activity not in ("counter", "procedure"):
        raise InputError(f"activity must be 'counter' or 'procedure', not {activity!r}")
    frame = prepare_log(log)
    names = frame.columns
    keys = [c for c in ("scenario", "replication") if c in names]
    case = (
        pl.concat_str(
            [*[pl.col(c).cast(pl.String) for c in keys], pl.col("visit_id")], separator="/"
        )
        if keys
        else pl.col("visit_id")
    )
    left = pl.col("left_at") if "left_at" in names else pl.lit(None, pl.Datetime("us"))
    served = pl.col("outcome") == "served"
    closing = (
        pl.when(served)
        .then(pl.coalesce("ended_at", "called_at", "issued_at"))
        .when(pl.col("outcome") == "no_show")
        .then(pl.coalesce("called_at", "issued_at"))
        .otherwise(pl.coalesce(left, "issued_at"))
    )
    base = frame.lazy().with_columns(
        case.alias("case"),
        pl.int_range(pl.len()).alias("_seq"),
        (
            pl.coalesce(pl.col("procedure_id"), pl.col("counter_id"))
            if activity == "procedure"
            else pl.col("counter_id")
        ).alias("concept:name"),
        pl.col("staff_id").fill_null(UNSERVED).alias("org:resource"),
    )
    start = base.filter(served & pl.col("called_at").is_not_null()).with_columns(
        pl.col("called_at").alias("_at"), pl.lit("start").alias("lifecycle:transition"), _rank=0
    )
    close = base.with_columns(
        closing.alias("_at"),
        pl.when(served)
        .then(pl.lit("complete"))
        .when(pl.col("outcome") == "no_show")
        .then(pl.lit("ate_abort"))
        .otherwise(pl.lit("withdraw"))
        .alias("lifecycle:transition"),
        _rank=1,
    )
    trace = [c for c in (*keys, "visit_id") if c in names]
    return (
        pl.concat([start, close], how="diagonal_relaxed")
        .sort(["case", "_at", "_seq", "_rank"])
        .select(
            "case",
            "concept:name",
            "lifecycle:transition",
            _stamp("_at", zone).alias("time:timestamp"),
            "org:resource",
            "ticket_id",
            "counter_id",
            "procedure_id",
            "outcome",
            "forms_written",
            *[pl.col(c).alias(f"trace:{c}") for c in trace],
        )
        .collect()
    )


def _header(out: XMLGenerator) -> None:
    """Extensions, global defaults and classifiers of the log (IEEE 1849-2016, section 5)."""
    for name, prefix in _EXTENSIONS:
        _empty(out, "extension", name=name, prefix=prefix, uri=f"{_XES_NS}{prefix}.xesext")
    out.startElement("global", AttributesImpl({"scope": "trace"}))
    _empty(out, "string", key="concept:name", value="__INVALID__")
    out.endElement("global")
    out.startElement("global", AttributesImpl({"scope": "event"}))
    _empty(out, "string", key="concept:name", value="__INVALID__")
    _empty(out, "string", key="lifecycle:transition", value="complete")
    _empty(out, "date", key="time:timestamp", value="1970-01-01T00:00:00.000+00:00")
    _empty(out, "string", key="org:resource", value=UNSERVED)
    out.endElement("global")
    _empty(out, "classifier", name="Activity", keys="concept:name")
    _empty(
        out, "classifier", name="Activity and lifecycle", keys="concept:name lifecycle:transition"
    )
    _empty(out, "string", key="concept:name", value="madoguchi counter log")
    _empty(out, "string", key="lifecycle:model", value="standard")


def _empty(out: XMLGenerator, tag: str, **attrs: str) -> None:
    out.startElement(tag, AttributesImpl(attrs))
    out.endElement(tag)


def _attr(out: XMLGenerator, kind: str, key: str, value: object) -> None:
    if value is not None and value != "":
        _empty(out, kind, key=key, value=str(value))


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    """The file to write, gzip-compressed (reproducibly: no name, time 0) for ``*.gz``."""
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0
            ) as packed:
                yield cast(BinaryIO, packed)
        else:
            yield raw


def write_xes_file(
    log: Frame,
    path: str | Path,
    *,
    activity: str = "counter",
    utc_offset: str = DEFAULT_UTC_OFFSET,
    names: XesNames | None = None,
) -> Path:
    """Write the log as an XES file (module docstring; gzip when ``path`` ends in ``.gz``).

    ``utc_offset`` is the hall's offset (``+09:00``) or time-zone name (``Asia/Tokyo``); the
    log's times are the hall's wall-clock times. Returns the path written.
    """
    events = xes_events(log, activity=activity, utc_offset=utc_offset)
    counters = dict(names.counters) if names else {}
    procedures = dict(names.procedures) if names else {}
    trace_cols = [c for c in events.columns if c.startswith("trace:")]
    target = Path(path)
    try:
        with _opened(target) as stream:
            out = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
            out.startDocument()
            out.startElement(
                "log",
                AttributesImpl(
                    {
                        "xes.version": "1849-2016",
                        "xes.features": "nested-attributes",
                        "xmlns": _XES_NS,
                    }
                ),
            )
            _header(out)
            for part in events.partition_by("case", maintain_order=True):
                _trace(out, part, trace_cols, counters, procedures)
            out.endElement("log")
            out.endDocument()
    except OSError as exc:
        raise InputError(f"cannot write the XES file ({exc.strerror})", file=target) from exc
    return target


def _trace(
    out: XMLGenerator,
    part: pl.DataFrame,
    trace_cols: list[str],
    counters: Mapping[str, str],
    procedures: Mapping[str, str],
) -> None:
    """One ``<trace>``: the visit's attributes, then its events in time order."""
    first = part.row(0, named=True)
    out.startElement("trace", AttributesImpl({}))
    _attr(out, "string", "concept:name", first["case"])
    for col in trace_cols:
        kind = "int" if col == "trace:replication" else "string"
        _attr(out, kind, col.removeprefix("trace:"), first[col])
    for row in part.iter_rows(named=True):
        out.startElement("event", AttributesImpl({}))
        _attr(out, "string", "concept:name", row["concept:name"])
        _attr(out, "string", "lifecycle:transition", row["lifecycle:transition"])
        _attr(out, "date", "time:timestamp", row["time:timestamp"])
        _attr(out, "string", "org:resource", row["org:resource"])
        _attr(out, "string", "ticket_id", row["ticket_id"])
        _attr(out, "string", "counter_id", row["counter_id"])
        _attr(out, "string", "counter_name", counters.get(row["counter_id"]))
        _attr(out, "string", "procedure_id", row["procedure_id"])
        _attr(out, "string", "procedure_name", procedures.get(row["procedure_id"] or ""))
        _attr(out, "string", "outcome", row["outcome"])
        _attr(out, "int", "forms_written", row["forms_written"])
        out.endElement("event")
    out.endElement("trace")
