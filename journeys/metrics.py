"""KPIs of a canonical counter log — the SAME code for observed logs and simulated replications.

Every number a manager sees about residents' visits (counters per visit, waits, time in the hall,
forms written, service level, staff workload) comes from this module, whether the log came from a
ticket machine (after :mod:`journeys.readers`) or from the simulator.

Definitions (one ticket = one row of the log; a visit = the tickets sharing ``visit_id``, within
``scenario`` and ``replication`` when those columns exist):

* **wait** of a ticket = ``called_at − issued_at`` in minutes, for *called* tickets only
  (``called_at`` present: outcomes ``served`` and ``no_show``). An abandoned ticket has no wait.
* **service** of a ticket = ``ended_at − called_at`` in minutes (0 for a no-show).
* **leave time** of a ticket = ``ended_at``, else ``called_at``, else ``issued_at`` (an abandoned
  ticket without a recorded leave time counts as leaving when it was issued).
* **time in hall** of a visit = last leave time − first ``issued_at`` of its tickets. Walking from
  the entrance and writing forms *before the first ticket* are not in a counter log and are not
  counted here (see ``writing_min_per_visit`` / ``walking_m_per_visit``).
* **service level** = share of *called* tickets whose wait ≤ the target (default 15 min). The
  denominator is the called tickets (served + no-show); abandoned tickets are in
  ``abandon_share``, not in the service level.
* ``no_show_share`` and ``abandon_share`` are shares of *all* tickets.
* ``staff_busy_min`` = sum of service minutes of all called tickets.
* Quantiles (``wait_min_p50``, ``wait_min_p90``) use linear interpolation between order
  statistics (numpy's default, Hyndman–Fan type 7): for n sorted waits the p-quantile sits at
  0-based position ``(n − 1)·p``.
* A **day** is a service day (within ``replication`` when present): a visit belongs to the day
  it arrived (``arrived_at``, else its first ticket's issue date), even when the hall works past
  midnight, and so do all its tickets. ``*_per_day`` and the ``days`` of the per-hour,
  per-counter and per-staff tables count such days; the per-weekday table's weekday is the
  service day's (the hour stays the clock hour of issue).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from journeys import groupstats as gs
from journeys.errors import InputError
from journeys.tickets import (
    F_ABANDONED,
    F_CALLED,
    F_NO_SHOW,
    F_OUTCOME,
    F_SERVED,
    F_SERVICED,
    TicketArrays,
)

__all__ = [
    "KPI_NAMES",
    "OPTIONAL_KPI_NAMES",
    "REQUIRED_LOG_COLUMNS",
    "VISIT_SUM_COLUMNS",
    "WHOLE_VISIT_COLUMNS",
    "Frame",
    "VisitExtras",
    "as_counter_log",
    "kpi_notes",
    "kpi_summary",
    "kpis",
    "kpis_from_sums",
    "log_links_trips",
    "log_notes",
    "people_waiting",
    "per_counter",
    "per_hour",
    "per_staff",
    "prepare_log",
    "sum_columns",
    "ticket_table",
    "visit_extras",
    "visit_keys",
    "visit_table",
    "with_group_columns",
]

#: Columns a counter log must have for the KPIs; ``procedure_id``, ``staff_id`` and
#: ``forms_written`` are added as nulls when absent.
REQUIRED_LOG_COLUMNS: tuple[str, ...] = (
    "visit_id",
    "ticket_id",
    "counter_id",
    "issued_at",
    "called_at",
    "ended_at",
    "outcome",
)

#: Every KPI :func:`kpis` can return, in report order. Those in :data:`OPTIONAL_KPI_NAMES`
#: appear only when the log has the columns they need (``journeys.kpi_registry.KPI.needs``).
KPI_NAMES: tuple[str, ...] = (
    "visits",
    "visits_per_day",
    "tickets",
    "tickets_per_visit",
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p50",
    "wait_min_p90",
    "wait_min_max",
    "queue_min_mean",
    "time_in_hall_min_mean",
    "arrival_to_ticket_min_mean",
    "service_level",
    "no_show_share",
    "abandon_share",
    "forms_written_per_visit",
    "service_min_mean",
    "staff_busy_min",
    "staff_busy_min_per_day",
    "visits_per_resident",
    "return_visit_share",
    "walking_m_per_visit",
    "writing_min_per_visit",
)
OPTIONAL_KPI_NAMES: tuple[str, ...] = (
    "queue_min_mean",
    "arrival_to_ticket_min_mean",
    "visits_per_resident",
    "return_visit_share",
    "walking_m_per_visit",
    "writing_min_per_visit",
)

_MINUTE_US = 60_000_000.0
_OPTIONAL_SUMS: tuple[tuple[str, str], ...] = (
    ("walking_m", "walking_m_per_visit"),
    ("writing_min", "writing_min_per_visit"),
)

Frame = pl.DataFrame | pl.LazyFrame | Any  # pandas accepted at the public entry points


def _minutes(end: str, start: str) -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_microseconds() / _MINUTE_US


def as_counter_log(log: Frame) -> pl.LazyFrame:
    """The counter log as a polars LazyFrame, checked for the columns the KPIs need.

    Accepts a polars DataFrame/LazyFrame or a pandas DataFrame (converted once). Missing
    ``procedure_id``/``staff_id``/``forms_written`` are added as nulls; a missing required column
    raises :class:`InputError`.
    """
    if isinstance(log, pl.LazyFrame):
        lf = log
    elif isinstance(log, pl.DataFrame):
        lf = log.lazy()
    else:
        try:
            lf = pl.from_pandas(log).lazy()
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"expected a counter log as a polars or pandas DataFrame, got {type(log).__name__}"
            ) from exc
    schema = lf.collect_schema()
    missing = [c for c in REQUIRED_LOG_COLUMNS if c not in schema]
    if missing:
        raise InputError(
            f"the counter log lacks column(s) {', '.join(missing)}",
            hint="read the file with journeys.readers.read_counter_log or map its columns",
        )
    extra: list[pl.Expr] = []
    if "procedure_id" not in schema:
        extra.append(pl.lit(None, pl.String).alias("procedure_id"))
    if "staff_id" not in schema:
        extra.append(pl.lit(None, pl.String).alias("staff_id"))
    if "forms_written" not in schema:
        extra.append(pl.lit(None, pl.Int64).alias("forms_written"))
    return lf.with_columns(extra) if extra else lf


def visit_keys(log: Frame) -> list[str]:
    """Columns that identify one visit: ``scenario``/``replication`` when present, then ``visit_id``."""
    return _keys(as_counter_log(log).collect_schema().names())


def _keys(names: Sequence[str]) -> list[str]:
    return [c for c in ("scenario", "replication") if c in names] + ["visit_id"]


_V = "_visit"


#: Frames returned by :func:`prepare_log` (by id, with a weak reference to tell reused ids apart).
_PREPARED: dict[int, weakref.ref[pl.DataFrame]] = {}


def _mark_prepared(frame: pl.DataFrame) -> pl.DataFrame:
    for key in [k for k, ref in _PREPARED.items() if ref() is None]:
        del _PREPARED[key]
    _PREPARED[id(frame)] = weakref.ref(frame)
    return frame


def _is_marked(frame: pl.DataFrame) -> bool:
    ref = _PREPARED.get(id(frame))
    return ref is not None and ref() is frame


def _visit_order(frame: pl.DataFrame, outer: Sequence[str], hashed: pl.Expr) -> pl.Series:
    """Row order by (``outer``, visit hash, ``issued_at``), ties kept in log order.

    Most logs list each visit's tickets in issue order already (sorted by time, or visit by
    visit): then a stable sort by the visit hash alone gives exactly that order and is about
    twice as fast as sorting by two keys. Checked on the result; otherwise sorts by both.
    """
    if not outer and frame.get_column("issued_at").null_count() == 0:
        order = frame.select(pl.arg_sort_by(hashed, maintain_order=True)).to_series()
        check = frame.select(hashed.alias("h"), pl.col("issued_at").alias("t"))[order]
        same_visit = pl.col("h") == pl.col("h").shift(1)
        in_issue_order = check.select(
            (~same_visit | (pl.col("t") >= pl.col("t").shift(1))).fill_null(True).all()
        ).item()
        if in_issue_order:
            return order
    return frame.select(
        pl.arg_sort_by([*outer, hashed, "issued_at"], maintain_order=True)
    ).to_series()


def _contiguous_in_issue_order(frame: pl.DataFrame, keys: Sequence[str], code: pl.Series) -> bool:
    """True when every visit is one run of rows and its tickets are in issue order.

    ``code`` numbers the runs of equal visit keys. The runs are distinct visits when the
    64-bit hashes of their keys are all different (a hash collision only answers False)."""
    if frame.get_column("issued_at").null_count():
        return False
    run = pl.col(_V)
    in_order = (
        frame.select(pl.col("issued_at"), code)
        .select(
            ((pl.col("issued_at") >= pl.col("issued_at").shift(1)) | (run != run.shift(1)))
            .fill_null(True)
            .all()
        )
        .item()
    )
    if not in_order:
        return False
    runs = code.to_numpy()
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    key = pl.struct(keys) if len(keys) > 1 else pl.col(keys[0])
    hashes = frame.select(keys)[starts].select(key.hash().n_unique()).item()
    return bool(hashes == starts.size)


def prepare_log(log: Frame) -> pl.DataFrame:
    """The counter log as a polars DataFrame with each visit's tickets together, in issue order.

    Visits are contiguous (grouped by ``scenario``, ``replication`` when present, and
    ``visit_id``) and a visit's tickets are ordered by ``issued_at`` (tickets issued in the same
    second keep the order they had in the log). A log already sorted by (keys, ``issued_at``),
    or whose visits are already contiguous runs of rows in issue order (a log written visit by
    visit), is kept as is; otherwise the visits are ordered by a 64-bit hash of ``visit_id``
    (much faster than sorting text; exact — on a hash collision between two visits it falls
    back to sorting by the text). Every metric function prepares its input; call this once and
    pass the result to several functions to do it only once.
    """
    if isinstance(log, pl.DataFrame) and _is_marked(log):
        return log
    frame = as_counter_log(log).collect()
    if frame.height < 2:
        return _mark_prepared(frame)
    keys = _keys(frame.columns)
    first_key = frame.get_column(keys[0])
    # (keys, issued_at) can only be sorted when the first key is: a cheap test first
    maybe_sorted = first_key.null_count() > 0 or first_key.is_sorted()
    if maybe_sorted and frame.select(pl.struct([*keys, "issued_at"]).is_sorted()).item():
        return _mark_prepared(frame)
    code = frame.select(_visit_code(keys)).to_series()
    if _contiguous_in_issue_order(frame, keys, code):  # e.g. a log written visit by visit
        _mark_prepared(frame)
        _keep_coded(frame, frame.with_columns(code))
        return frame
    frame = frame.rechunk()  # the gather below is several times faster on one chunk
    outer = [
        k
        for k in keys[:-1]
        if not frame.select(pl.col(k).eq_missing(pl.col(k).first()).all()).item()
    ]
    hashed = pl.col("visit_id").hash()
    order = _visit_order(frame, outer, hashed)
    ordered = frame[order]
    code, hashes = ordered.select(
        _visit_code(keys), pl.struct([*outer, hashed]).rle_id().max().alias("hashes")
    ).get_columns()
    if code.max() != hashes[0]:  # two visits share a hash: sort by the text instead
        ordered = frame.sort([*keys, "issued_at"], maintain_order=True)
        return _mark_prepared(ordered)
    _mark_prepared(ordered)
    _keep_coded(ordered, ordered.with_columns(code))
    return ordered


#: Prepared frames with their ``_visit`` code, kept while the prepared frame lives (by id).
_CODED: dict[int, pl.DataFrame] = {}


def _prepared(log: Frame) -> tuple[pl.LazyFrame, list[str], list[str]]:
    """The prepared log (lazy) with ``_visit``: a sorted integer code of the visit keys.

    The code is computed once per prepared frame and reused by the next metric function."""
    frame = prepare_log(log)
    keys = _keys(frame.columns)
    coded = _CODED.get(id(frame))
    if coded is None:
        coded = frame.with_columns(_visit_code(keys))
        if _is_marked(frame):
            _keep_coded(frame, coded)
    return coded.lazy(), keys, coded.columns


def _visit_code(keys: Sequence[str]) -> pl.Expr:
    """``_visit``: the run number of the visit keys in a prepared log (sorted integer code)."""
    code = pl.struct(keys).rle_id() if len(keys) > 1 else pl.col("visit_id").rle_id()
    return code.cast(pl.UInt32).set_sorted().alias(_V)


def _keep_coded(frame: pl.DataFrame, coded: pl.DataFrame) -> None:
    """Remember ``coded`` (``frame`` with ``_visit``) for as long as ``frame`` lives."""
    _CODED[id(frame)] = coded
    weakref.finalize(frame, _CODED.pop, id(frame), None)


def _day_keys(names: Sequence[str]) -> list[str]:
    return (["replication"] if "replication" in names else []) + ["date"]


def _ticket_lazy(lf: pl.LazyFrame, service_target_min: float) -> pl.LazyFrame:
    """Add the derived per-ticket columns (minutes, flags, leave time) to a checked log."""
    return lf.with_columns(
        wait_min=_minutes("called_at", "issued_at"),
        service_min=_minutes("ended_at", "called_at"),
        left_at=pl.coalesce("ended_at", "called_at", "issued_at"),
        called=pl.col("called_at").is_not_null(),
        served=pl.col("outcome") == "served",
        no_show=pl.col("outcome") == "no_show",
        abandoned=pl.col("outcome") == "abandoned",
        date=pl.col("issued_at").dt.date(),
    ).with_columns(
        within_target=pl.col("called") & (pl.col("wait_min") <= service_target_min),
    )


def ticket_table(log: Frame, *, service_target_min: float = 15.0) -> pl.DataFrame:
    """The log with per-ticket derived columns: ``wait_min``, ``service_min``, ``left_at``,
    ``called``, ``served``, ``no_show``, ``abandoned``, ``within_target`` and ``date``."""
    return _ticket_lazy(as_counter_log(log), service_target_min).collect()


def _first_of_pair_expr(longest: int) -> pl.Expr:
    """True on the first ticket of each (visit, counter) pair of a visit-sorted log whose
    longest visit has ``longest`` tickets: compare with the tickets just before it."""
    repeat = pl.lit(False)
    for lag in range(1, longest):
        same = (pl.col("counter_id") == pl.col("counter_id").shift(lag)) & (
            pl.col(_V) == pl.col(_V).shift(lag)
        )
        repeat = repeat | same.fill_null(False)
    return ~repeat


_VISIT_COUNTS: tuple[str, ...] = (
    "called",
    "served",
    "no_shows",
    "abandoned",
    "called_within_target",
    "forms_written",
)
_VISIT_MINUTES: tuple[str, ...] = ("wait_min", "service_min", "served_service_min")


#: Optional columns of the whole visit (ARCHITECTURE.md's canonical log); the KPIs that need
#: them appear only when the log has them.
WHOLE_VISIT_COLUMNS: tuple[str, ...] = (
    "arrived_at",
    "left_at",
    "abandon_reason",
    "resident_id",
    "return_of",
)


@dataclass(frozen=True)
class VisitExtras:
    """Per-visit numbers of the whole visit, one entry per visit of a prepared log.

    ``start_us`` is the arrival in the hall when known, else the first issue (µs since 1970);
    ``last_us`` the last leave (``ended_at``, else ``left_at``, else ``called_at``, else
    ``issued_at``); ``to_ticket_us`` first issue − arrival (0 for visits without an arrival,
    see ``arrived``); ``date_number`` the service day (days since 1970 on the log's clock);
    ``day`` the code of the visit's service day (the day it arrived, within
    ``replication``), ``days`` the number of service days; ``queue_us``/``queued`` the summed
    queue time and the tickets with one (``None`` without ``left_at``); ``first_trip`` 1 on a
    resident's first visit (``None`` without ``resident_id``); ``returns`` 1 on a visit that
    returns for an earlier one (``None`` without ``return_of``).
    """

    start_us: np.ndarray
    first_us: np.ndarray
    last_us: np.ndarray
    arrived: np.ndarray | None
    to_ticket_us: np.ndarray
    date_number: np.ndarray
    day: np.ndarray
    days: int
    queue_us: np.ndarray | None
    queued: np.ndarray | None
    first_trip: np.ndarray | None
    returns: np.ndarray | None
    complete: bool


def _us(expr: pl.Expr) -> pl.Expr:
    return expr.dt.cast_time_unit("us").cast(pl.Int64)


def _reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return ufunc.reduceat(values, starts) if values.size else values[:0]


def visit_extras(frame: pl.DataFrame, starts: np.ndarray) -> VisitExtras:
    """The whole-visit numbers of a prepared log whose visits start at rows ``starts``."""
    names = frame.columns
    has = {c: c in names for c in WHOLE_VISIT_COLUMNS}
    dtype = frame.schema["issued_at"]
    local = (
        (lambda e: e.dt.replace_time_zone(None))
        if getattr(dtype, "time_zone", None)
        else (lambda e: e)
    )
    arrived = pl.col("arrived_at") if has["arrived_at"] else pl.lit(None, dtype)
    leave = ["ended_at", *(["left_at"] if has["left_at"] else []), "called_at", "issued_at"]
    exprs = [
        _us(pl.col("issued_at")).alias("issued"),
        _us(pl.coalesce(arrived, "issued_at")).alias("start"),
        _us(pl.coalesce(*leave)).alias("last"),
        (_us(local(pl.coalesce(arrived, "issued_at"))) // 86_400_000_000).alias("day"),
        pl.col("issued_at").is_not_null().alias("complete"),
    ]
    if has["arrived_at"]:
        exprs.append(pl.col("arrived_at").is_not_null().alias("arrived"))
    if has["left_at"]:
        gone = (pl.col("outcome") == "abandoned") & pl.col("called_at").is_null()
        queue = (
            pl.when(pl.col("called_at").is_not_null())
            .then(pl.col("called_at") - pl.col("issued_at"))
            .when(gone)
            .then(pl.col("left_at") - pl.col("issued_at"))
        )
        exprs.append(queue.dt.total_microseconds().alias("queue"))
    if has["return_of"]:
        exprs.append(pl.col("return_of").is_not_null().alias("returns"))
    t = frame.select(exprs)
    n = frame.height
    issued = t["issued"].fill_null(0).to_numpy()
    start = t["start"].fill_null(0).to_numpy()
    first = _reduce(np.minimum, issued, starts)
    begin = _reduce(np.minimum, start, starts)
    last = _reduce(np.maximum, t["last"].fill_null(0).to_numpy(), starts)
    day_number = _reduce(np.minimum, t["day"].fill_null(0).to_numpy(), starts)
    any_arrival: np.ndarray | None = None
    to_ticket = np.zeros(starts.size, dtype=np.int64)
    if has["arrived_at"]:
        mark = t["arrived"].to_numpy().astype(np.int64)
        any_arrival = _reduce(np.maximum, mark, starts).astype(bool)
        to_ticket = np.where(any_arrival, first - begin, 0)
    day_codes, day_count = _service_days(frame, starts, day_number)
    queue_us = queued = None
    if has["left_at"]:
        q = t["queue"]
        queue_us = _reduce(np.add, q.fill_null(0).to_numpy(), starts)
        queued = _reduce(np.add, q.is_not_null().to_numpy().astype(np.int64), starts)
    first_trip = _first_trips(frame, starts) if has["resident_id"] else None
    returns = (
        _reduce(np.add, t["returns"].to_numpy().astype(np.int64), starts)
        if has["return_of"]
        else None
    )
    if returns is not None:
        returns = np.minimum(returns, 1)
    return VisitExtras(
        start_us=begin,
        first_us=first,
        last_us=last,
        arrived=any_arrival,
        to_ticket_us=to_ticket,
        date_number=day_number,
        day=day_codes,
        days=day_count,
        queue_us=queue_us,
        queued=queued,
        first_trip=first_trip,
        returns=returns,
        complete=bool(t["complete"].all()) if n else True,
    )


def _service_days(
    frame: pl.DataFrame, starts: np.ndarray, day_number: np.ndarray
) -> tuple[np.ndarray, int]:
    """Code of each visit's service day within ``replication`` (and ``scenario``) and the
    number of distinct service days."""
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    outer = [c for c in ("scenario", "replication") if c in frame.columns]
    keys = pl.DataFrame({"day": day_number}).with_columns(
        [frame.get_column(c).gather(starts) for c in outer]
    )
    codes = keys.select(pl.struct(["day", *outer]).rank("dense") - 1).to_series()
    code = codes.to_numpy().astype(np.int64)
    return code, int(code.max()) + 1


def _first_trips(frame: pl.DataFrame, starts: np.ndarray) -> np.ndarray:
    """1 on each resident's first visit (within scenario and replication), else 0; a visit
    without a resident key counts as a resident of its own."""
    outer = [c for c in ("scenario", "replication") if c in frame.columns]
    firsts = frame.select([*outer, "resident_id", "issued_at"])[starts]
    known = firsts.get_column("resident_id").is_not_null()
    order = firsts.with_row_index("_i").sort([*outer, "resident_id", "issued_at", "_i"])
    first = order.select(
        pl.col("_i"),
        pl.struct([*outer, "resident_id"]).is_first_distinct().alias("first"),
    ).sort("_i")
    flag = first.get_column("first").to_numpy() | ~known.to_numpy()
    return flag.astype(np.int64)


def log_links_trips(log: Frame) -> bool:
    """True when the log links a resident's trips (a ``resident_id`` with values)."""
    names = as_counter_log(log).collect_schema().names()
    if "resident_id" not in names:
        return False
    return bool(
        as_counter_log(log).select(pl.col("resident_id").is_not_null().any()).collect().item()
    )


def _visit_frame(
    lf: pl.LazyFrame, keys: Sequence[str], names: Sequence[str], service_target_min: float
) -> pl.DataFrame:
    """One row per visit of a prepared log (with ``_visit``), in visit-code order.

    The log is sorted by visit, so every visit is one contiguous run of rows and its sums are
    numpy ``reduceat`` over the runs — an order of magnitude faster than a hash group-by.
    """
    optional = [c for c, _ in _OPTIONAL_SUMS if c in names]
    served = pl.col("served")
    base = lf.collect()
    visit = base[_V].to_numpy()
    n = base.height
    starts = np.flatnonzero(np.r_[True, visit[1:] != visit[:-1]]) if n else np.zeros(0, np.int64)
    longest = int(np.diff(np.r_[starts, n]).max()) if n else 0
    short = longest <= 16
    t = (
        _ticket_lazy(base.lazy(), service_target_min)
        .select(
            _V,
            *keys,
            pl.col("issued_at").dt.cast_time_unit("us").cast(pl.Int64).alias("issued_us"),
            pl.col("left_at").dt.cast_time_unit("us").cast(pl.Int64).alias("left_us"),
            (
                _first_of_pair_expr(longest)
                if short
                else pl.col("counter_id").cast(pl.Categorical).to_physical().cast(pl.Int64)
            ).alias("pair"),
            pl.col("called").cast(pl.Int64),
            served.cast(pl.Int64),
            pl.col("no_show").cast(pl.Int64).alias("no_shows"),
            pl.col("abandoned").cast(pl.Int64),
            pl.col("within_target").cast(pl.Int64).alias("called_within_target"),
            pl.col("forms_written").cast(pl.Int64).fill_null(0),
            pl.col("wait_min").fill_null(0.0),
            pl.col("service_min").fill_null(0.0),
            pl.when(served)
            .then(pl.col("service_min"))
            .otherwise(0.0)
            .fill_null(0.0)
            .alias("served_service_min"),
            *[pl.col(c).cast(pl.Float64).fill_null(0.0) for c in optional],
        )
        .collect()
    )

    def run_sum(column: str) -> np.ndarray:
        values = t[column].to_numpy()
        return np.add.reduceat(values, starts) if n else values[:0]

    out: dict[str, Any] = {
        _V: visit[starts],
    }
    e = visit_extras(base, starts)
    first_us, last_us = e.first_us, e.last_us
    pair = t["pair"].to_numpy()
    first_pair = pair if short else gs.first_of_pair(visit.astype(np.int64), pair.astype(np.int64))
    out["tickets"] = np.diff(np.r_[starts, n]).astype(np.int64)
    out["counters"] = (
        np.add.reduceat(first_pair.astype(np.int64), starts) if n else np.zeros(0, np.int64)
    )
    for column in _VISIT_COUNTS:
        out[column] = run_sum(column).astype(np.int64, copy=False)
    for column in (*_VISIT_MINUTES, *optional):
        out[column] = run_sum(column).astype(np.float64, copy=False)
    whole = _whole_visit_columns(e)
    visits = pl.DataFrame(out).with_columns(
        pl.Series("first_issued_at", first_us, dtype=pl.Int64).cast(pl.Datetime("us")),
        pl.Series("last_left_at", last_us, dtype=pl.Int64).cast(pl.Datetime("us")),
        pl.Series("time_in_hall_min", (last_us - e.start_us) / _MINUTE_US, dtype=pl.Float64),
        pl.Series("day", e.day, dtype=pl.Int64),
        pl.Series("date", e.date_number, dtype=pl.Int32).cast(pl.Date),
        *whole,
    )
    keys_frame = t.select(keys)[starts] if n else t.select(keys).clear()
    return pl.concat([keys_frame, visits], how="horizontal").select(
        _V,
        *keys,
        "date",
        "day",
        "first_issued_at",
        "last_left_at",
        "tickets",
        "counters",
        *_VISIT_COUNTS[:5],
        "wait_min",
        "service_min",
        "served_service_min",
        "forms_written",
        *optional,
        "time_in_hall_min",
        *[c.name for c in whole],
    )


def _whole_visit_columns(e: VisitExtras) -> list[pl.Series]:
    """Per-visit columns of the whole visit (only those the log's columns allow)."""
    out: list[pl.Series] = []
    if e.arrived is not None:
        out.append(pl.Series("arrived", e.arrived.astype(np.int64)))
        out.append(pl.Series("to_ticket_min", e.to_ticket_us / _MINUTE_US, dtype=pl.Float64))
    if e.queue_us is not None and e.queued is not None:
        out.append(pl.Series("queue_min", e.queue_us / _MINUTE_US, dtype=pl.Float64))
        out.append(pl.Series("queued", e.queued, dtype=pl.Int64))
    if e.first_trip is not None:
        out.append(pl.Series("first_trip", e.first_trip, dtype=pl.Int64))
    if e.returns is not None:
        out.append(pl.Series("returns", e.returns, dtype=pl.Int64))
    return out


#: Per-visit columns of the whole visit that bootstrap weights sum (when present).
WHOLE_VISIT_SUMS: tuple[str, ...] = (
    "arrived",
    "to_ticket_min",
    "queue_min",
    "queued",
    "first_trip",
    "returns",
)


def visit_table(log: Frame, *, service_target_min: float = 15.0) -> pl.DataFrame:
    """One row per visit (sorted by first ticket time).

    Columns: the visit keys, ``date``, ``first_issued_at``, ``last_left_at``, ``tickets``,
    ``counters`` (distinct counters), ``called``, ``served``, ``no_shows``, ``abandoned``,
    ``called_within_target``, ``wait_min`` (total wait of its called tickets), ``service_min``,
    ``served_service_min``, ``forms_written``, ``time_in_hall_min`` and, when the log has them,
    ``walking_m`` and ``writing_min`` (sums over its tickets).
    """
    lf, keys, names = _prepared(log)
    visits = _visit_frame(lf, keys, names, service_target_min)
    return visits.sort(["first_issued_at", *keys]).drop(_V)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


#: Per-visit columns whose sums over visits make the KPIs (shared with the bootstrap).
VISIT_SUM_COLUMNS: tuple[str, ...] = (
    "tickets",
    "counters",
    "called",
    "served",
    "no_shows",
    "abandoned",
    "called_within_target",
    "wait_min",
    "service_min",
    "served_service_min",
    "forms_written",
    "time_in_hall_min",
)


def kpis_from_sums(
    col: dict[str, np.ndarray], n: np.ndarray, days: float, quantiles: np.ndarray
) -> dict[str, np.ndarray]:
    """Every KPI from per-visit column sums ``col`` (one array entry per replicate: a
    bootstrap replicate, or the log itself), the visit counts ``n``, the number of service
    days and the wait quantiles (rows p50, p90, max). The same definitions as :func:`kpis`."""

    def ratio(num: np.ndarray, den: np.ndarray | float) -> np.ndarray:
        den_a = np.broadcast_to(np.asarray(den, dtype=np.float64), np.shape(num))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den_a > 0, num / np.where(den_a > 0, den_a, 1.0), np.nan)

    out: dict[str, np.ndarray] = {
        "visits": n,
        "visits_per_day": ratio(n, days),
        "tickets": col["tickets"],
        "tickets_per_visit": ratio(col["tickets"], n),
        "counters_per_visit_mean": ratio(col["counters"], n),
        "wait_min_mean": ratio(col["wait_min"], col["called"]),
        "wait_min_p50": quantiles[0],
        "wait_min_p90": quantiles[1],
        "wait_min_max": quantiles[2],
        "time_in_hall_min_mean": ratio(col["time_in_hall_min"], n),
        "service_level": ratio(col["called_within_target"], col["called"]),
        "no_show_share": ratio(col["no_shows"], col["tickets"]),
        "abandon_share": ratio(col["abandoned"], col["tickets"]),
        "forms_written_per_visit": ratio(col["forms_written"], n),
        "service_min_mean": ratio(col["served_service_min"], col["served"]),
        "staff_busy_min": col["service_min"],
        "staff_busy_min_per_day": ratio(col["service_min"], days),
    }
    if "queue_min" in col:
        out["queue_min_mean"] = ratio(col["queue_min"], col["queued"])
    if "to_ticket_min" in col:
        out["arrival_to_ticket_min_mean"] = ratio(col["to_ticket_min"], col["arrived"])
    if "first_trip" in col:
        out["visits_per_resident"] = ratio(n, col["first_trip"])
    if "returns" in col:
        out["return_visit_share"] = ratio(col["returns"], n)
    for column, kpi in _OPTIONAL_SUMS:
        if column in col:
            out[kpi] = ratio(col[column], n)
    return {k: out[k] for k in KPI_NAMES if k in out}


def sum_columns(names: Sequence[str]) -> list[str]:
    """The per-visit columns of a visit frame whose sums make the KPIs."""
    extra = [c for c in (*WHOLE_VISIT_SUMS, *(c for c, _ in _OPTIONAL_SUMS)) if c in names]
    return [*VISIT_SUM_COLUMNS, *extra]


def _kpis_from_parts(visits: pl.DataFrame, waits: pl.DataFrame, days: int) -> dict[str, float]:
    """KPIs from the per-visit sums and the ticket-wait quantiles (see the module docstring)."""
    columns = sum_columns(visits.columns)
    sums = visits.select(pl.col(columns).sum().cast(pl.Float64)).row(0, named=True)
    w = waits.row(0, named=True)
    q = np.array([[math.nan if w[k] is None else float(w[k])] for k in ("p50", "p90", "max")])
    col = {k: np.array([v]) for k, v in sums.items()}
    values = kpis_from_sums(col, np.array([float(visits.height)]), float(days), q)
    return {k: float(v[0]) for k, v in values.items()}


def _kpi_parts(log: Frame, service_target_min: float) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Per-visit sums (with ``_visit``), wait quantiles and the number of days of a log."""
    lf, keys, names = _prepared(log)
    tickets = _ticket_lazy(lf, service_target_min)
    visits = _visit_frame(lf, keys, names, service_target_min)
    waits_q = tickets.select(
        pl.col("wait_min").quantile(0.5, "linear").alias("p50"),
        pl.col("wait_min").quantile(0.9, "linear").alias("p90"),
        pl.col("wait_min").max().alias("max"),
    )
    waits = waits_q.collect()
    return visits, waits, visits.get_column("day").n_unique() if visits.height else 0


def _whole_visit_kpis(extras: VisitExtras, visits: int) -> dict[str, float]:
    """Time in hall, arrival to first ticket, queue minutes (incl. abandoned), visits per
    resident and the return-visit share — those the log's columns allow."""
    e = extras
    if not e.complete:  # a ticket without an issue time: no time in hall
        in_hall = math.nan
    else:
        in_hall = _ratio(int((e.last_us - e.start_us).sum()) / _MINUTE_US, visits)
    out = {"time_in_hall_min_mean": in_hall}
    if e.arrived is not None:
        out["arrival_to_ticket_min_mean"] = _ratio(
            int(e.to_ticket_us.sum()) / _MINUTE_US, int(np.count_nonzero(e.arrived))
        )
    if e.queue_us is not None and e.queued is not None:
        out["queue_min_mean"] = _ratio(int(e.queue_us.sum()) / _MINUTE_US, int(e.queued.sum()))
    if e.first_trip is not None:
        out["visits_per_resident"] = _ratio(visits, int(e.first_trip.sum()))
    if e.returns is not None:
        out["return_visit_share"] = _ratio(int(e.returns.sum()), visits)
    return out


def kpis(log: Frame, *, service_target_min: float = 15.0) -> dict[str, float]:
    """All KPIs of one counter log (one scenario, one replication) as ``{kpi: value}``.

    Names and order follow :data:`KPI_NAMES`; definitions are in the module docstring. Ratios
    with an empty denominator are NaN. The simulator calls this per replication, unchanged.
    Durations are summed as whole microseconds and divided once, so the KPIs do not depend on
    the order of the log's rows.
    """
    frame = prepare_log(log)
    t = _ticket_arrays(frame)
    t.compute(
        ["visit_starts", "counter", "first_at_counter"],
        ["_times", "day", "flags", "waits", "served_service"],
    )
    n = t.n
    starts = t.visit_starts
    visits = starts.size
    flags = gs.flag_table(None, 1, t.flags)
    waits = t.waits.by(None, 1)
    p50, p90, longest = waits.quantiles((0.5, 0.9, 1.0))[:, 0]
    within = int(waits.count_where(lambda wait: wait / _MINUTE_US <= service_target_min)[0])
    extras = visit_extras(frame, starts)

    def count(bits: int) -> int:
        return int(gs.flag_count(flags, bits)[0])

    called = count(F_CALLED)
    tickets = float(n)
    out: dict[str, float] = {
        "visits": float(visits),
        "visits_per_day": _ratio(visits, extras.days),
        "tickets": tickets,
        "tickets_per_visit": _ratio(tickets, visits),
        "counters_per_visit_mean": _ratio(int(np.count_nonzero(t.first_at_counter)), visits),
        "wait_min_mean": _ratio(int(t.wait.sum()) / _MINUTE_US, called),
        "wait_min_p50": float(p50 / _MINUTE_US),
        "wait_min_p90": float(p90 / _MINUTE_US),
        "wait_min_max": float(longest / _MINUTE_US),
        **_whole_visit_kpis(extras, visits),
        "service_level": _ratio(within, called),
        "no_show_share": _ratio(count(F_NO_SHOW), tickets),
        "abandon_share": _ratio(count(F_ABANDONED), tickets),
        "forms_written_per_visit": _ratio(int(t.forms.sum()), visits),
        "service_min_mean": _ratio(int(t.served_service.sum()) / _MINUTE_US, count(F_SERVED)),
        "staff_busy_min": int(t.service.sum()) / _MINUTE_US,
        "staff_busy_min_per_day": _ratio(int(t.service.sum()) / _MINUTE_US, extras.days),
    }
    for column, kpi in _OPTIONAL_SUMS:
        if column in frame.columns:
            values = frame.get_column(column).cast(pl.Float64).fill_null(0.0)
            # an exactly rounded sum: the same whatever the order of the rows
            out[kpi] = _ratio(math.fsum(values.to_list()), visits)
    return {k: out[k] for k in KPI_NAMES if k in out}


def with_group_columns(lf: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    """The log ready to group by ``by``: adds ``scenario = "observed"`` when the log has no
    scenario column; any other missing grouping column is an :class:`InputError`."""
    names = lf.collect_schema().names()
    for column in by:
        if column not in names:
            if column == "scenario":
                lf = lf.with_columns(pl.lit("observed").alias("scenario"))
            else:
                raise InputError(f"cannot group KPIs by '{column}': the log has no such column")
    return lf


def kpi_summary(
    log: Frame, *, by: Sequence[str] = ("scenario",), service_target_min: float = 15.0
) -> pl.DataFrame:
    """KPIs in long format: ``*by, kpi, value`` — one row per group and KPI.

    A log without a ``scenario`` column is reported as scenario ``"observed"``.
    """
    frame = with_group_columns(prepare_log(log).lazy(), by).collect()
    by = list(by)
    rows: list[dict[str, Any]] = []
    groups = frame.partition_by(by, as_dict=True, maintain_order=True) if by else {(): frame}
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        # A part of a prepared log keeps its order: no need to prepare it again.
        values = kpis(_mark_prepared(groups[key]), service_target_min=service_target_min)
        for kpi, value in values.items():
            rows.append({**dict(zip(by, key, strict=True)), "kpi": kpi, "value": value})
    schema: dict[str, Any] = {c: frame.schema[c] for c in by}
    schema.update({"kpi": pl.String, "value": pl.Float64})
    return pl.DataFrame(rows, schema=schema)


def log_notes(log: Frame) -> tuple[str, ...]:
    """Caveats every KPI report of this log must show (empty when there are none).

    * visit_id equals ticket_id on every row → the log has no visit column: each ticket is
      counted as its own visit, so counters per visit is 1 by construction;
    * otherwise, every visit has exactly one ticket → same consequence, said so;
    * the log has no rows.
    """
    lf, _, _ = _prepared(log)
    stats = lf.select(
        pl.len().alias("rows"),
        (pl.col("visit_id") == pl.col("ticket_id")).all().alias("same"),
        pl.col(_V).n_unique().alias("visits"),
    ).collect()
    rows, same, visits = stats.row(0)
    if rows == 0:
        return ("the counter log has no tickets: every KPI is empty",)
    if same:
        return (
            "no visit column: each ticket counted as its own visit "
            "(来庁者番号なし: 発券1件を1来庁として集計), so counters per visit is 1 by construction",
        )
    if visits == rows:
        return (
            "every visit has exactly one ticket: counters per visit is 1 — check that the log "
            "links the tickets of one trip (来庁者番号)",
        )
    return ()


def kpi_notes(log: Frame) -> tuple[str, ...]:
    """Which definition each whole-visit KPI used for this log, for every KPI report to show
    (the basis of time in hall; whether trips are linked; queue time of abandoned tickets)."""
    lf = as_counter_log(log)
    names = lf.collect_schema().names()
    known = {
        c: bool(lf.select(pl.col(c).is_not_null().any()).collect().item())
        for c in ("arrived_at", "left_at", "resident_id")
        if c in names
    }
    notes = []
    if known.get("arrived_at"):
        notes.append(
            "time in hall counted from arrival in the hall (arrived_at) "
            "(庁舎内の滞在時間は入館時刻から)"
        )
    else:
        notes.append(
            "time in hall counted from the first ticket: the log has no arrival time (arrived_at),"
            " so walking, writing and waiting before the first ticket are not included "
            "(庁舎内の滞在時間は最初の発券から：発券前の時間は含まれません)"
        )
    if not known.get("left_at"):
        notes.append(
            "queue time of abandoned tickets unknown (no left_at): queue_min_mean not measured "
            "(離脱時刻がないため、離脱者を含む待ち時間は測れません)"
        )
    if not known.get("resident_id"):
        notes.append(
            "the log cannot link a resident's trips (no resident_id): visits_per_resident not "
            "measured (住民の識別子がないため、1人あたりの来庁回数は測れません)"
        )
    notes.append(
        "days are service days: a visit counts on the day it arrived (or of its first ticket), "
        "also when the hall works past midnight (日は来庁日で数えます)"
    )
    return tuple(notes)


def _by_group(
    lf: pl.LazyFrame, by: Sequence[str], table: Callable[[pl.LazyFrame], pl.LazyFrame]
) -> pl.DataFrame:
    """Build ``table`` for each group of ``by`` separately and put the ``by`` columns in front.

    Grouping by one integer or short key inside each scenario is several times faster than a
    group-by on (scenario, key) strings; a log of one scenario is not split at all.
    """
    frame = lf.collect()
    by = list(by)
    if not by:
        return table(frame.lazy()).collect()
    constant = frame.height == 0 or all(
        frame.select([pl.col(c).eq_missing(pl.col(c).first()).all() for c in by]).row(0)
    )
    if constant:
        first = frame.head(1)
        parts = [(tuple(first[c][0] if first.height else None for c in by), frame)]
    else:
        groups = frame.partition_by(by, as_dict=True, maintain_order=True)
        parts = [(k, groups[k]) for k in sorted(groups, key=lambda k: tuple(map(str, k)))]
    out = []
    for key, part in parts:
        built = table(part.lazy()).collect()
        labels = [
            pl.lit(value, dtype=frame.schema[c]).alias(c) for c, value in zip(by, key, strict=True)
        ]
        out.append(built.select([*labels, *built.columns]))
    return pl.concat(out, how="vertical_relaxed")


#: Ticket arrays of prepared frames, kept while the prepared frame lives (by id).
_ARRAYS: dict[int, TicketArrays] = {}


def _ticket_arrays(frame: pl.DataFrame) -> TicketArrays:
    """The numbers of every ticket of ``frame``; computed once for a prepared log (which also
    knows its visits) and shared by every table built from it."""
    if not _is_marked(frame):
        return TicketArrays(frame)
    arrays = _ARRAYS.get(id(frame))
    if arrays is None:
        # the cached arrays hold the frame weakly: a strong reference from this module's
        # dict would keep it (and its coded copy in _CODED) alive for ever
        ref = weakref.ref(frame)

        def visit() -> np.ndarray:
            alive = ref()
            if alive is None:
                raise ReferenceError("the counter log of these ticket arrays no longer exists")
            lf, _, _ = _prepared(alive)
            return lf.select(_V).collect().to_series().to_numpy()

        arrays = TicketArrays(frame, visit, weak=True)
        _ARRAYS[id(frame)] = arrays
        weakref.finalize(frame, _ARRAYS.pop, id(frame), None)
    return arrays


def _parts(
    frame: pl.DataFrame, by: Sequence[str]
) -> tuple[dict[str, pl.DataType], list[tuple[tuple[Any, ...], pl.DataFrame]]]:
    """The log split by the ``by`` columns (parts ordered by the text of their values, each in
    log order), with the type of each ``by`` column.

    A log without a ``scenario`` column is scenario ``"observed"``; a log with one value of
    every ``by`` column is one part — the frame itself. Parts of a prepared log are prepared.
    """
    by = list(by)
    for column in by:
        if column not in frame.columns and column != "scenario":
            raise InputError(f"cannot group KPIs by '{column}': the log has no such column")
    dtypes = {c: frame.schema[c] if c in frame.columns else pl.String() for c in by}
    present = [c for c in by if c in frame.columns]

    def full(values: tuple[Any, ...]) -> tuple[Any, ...]:
        given = dict(zip(present, values, strict=True))
        return tuple(given.get(c, "observed") for c in by)

    if frame.height == 0:
        return dtypes, [(tuple(None for _ in by), frame)]
    constant = not present or all(
        frame.select([pl.col(c).eq_missing(pl.col(c).first()).all() for c in present]).row(0)
    )
    if constant:
        return dtypes, [(full(tuple(frame.get_column(c)[0] for c in present)), frame)]
    groups = frame.partition_by(present, as_dict=True, maintain_order=True)
    prepared = _is_marked(frame)
    parts = []
    for key in sorted(groups, key=lambda k: tuple(map(str, full(k)))):
        part = groups[key]
        parts.append((full(key), _mark_prepared(part) if prepared else part))
    return dtypes, parts


def _each_part(
    frame: pl.DataFrame, by: Sequence[str], table: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """``table`` of each part of the log (see :func:`_parts`), the ``by`` columns in front."""
    dtypes, parts = _parts(frame, by)
    if not by:
        return table(frame)
    out = []
    for key, part in parts:
        built = table(part)
        labels = [pl.lit(v, dtype=dtypes[c]).alias(c) for c, v in zip(by, key, strict=True)]
        out.append(built.select([*labels, *built.columns]))
    return pl.concat(out, how="vertical_relaxed")


def _minutes_or_null(values: np.ndarray) -> pl.Series:
    """Minutes from µs (float), null where NaN (an aggregate over no values)."""
    return pl.Series(values / _MINUTE_US, dtype=pl.Float64).fill_nan(None)


def _mean_or_null(total: np.ndarray, count: np.ndarray, scale: float = 1.0) -> pl.Series:
    """``total / count`` (divided by ``scale``), null where ``count`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, total / scale / np.where(count > 0, count, 1), np.nan)
    return pl.Series(mean, dtype=pl.Float64).fill_nan(None)


def _ticket_stats(
    t: TicketArrays, codes: np.ndarray, k: int, service_target_min: float
) -> dict[str, pl.Series]:
    """Per group: tickets, called, waits (mean, p50, p90, max), service level, no-show and
    abandon shares, mean service of served tickets (shared by the per-hour and per-counter
    tables). Means of no values are null; a service level without calls is NaN.

    One pass counts every flag combination per group, one histogram (or sort) of the waits
    gives their quantiles and the calls within the target."""
    flags = gs.flag_table(codes, k, t.flags)
    waits = t.waits.by(codes, k)
    q50, q90, longest = waits.quantiles((0.5, 0.9, 1.0))
    called = gs.flag_count(flags, F_CALLED)
    answered = gs.flag_count(flags, F_OUTCOME)
    within = waits.count_where(lambda wait: wait / _MINUTE_US <= service_target_min)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = within / called
    return {
        "tickets": pl.Series(flags.sum(axis=1), dtype=pl.Int64),
        "called": pl.Series(called, dtype=pl.Int64),
        "wait_min_mean": _mean_or_null(gs.group_sum(codes, t.wait, k), waits.counts, _MINUTE_US),
        "wait_min_p50": _minutes_or_null(q50),
        "wait_min_p90": _minutes_or_null(q90),
        "wait_min_max": _minutes_or_null(longest),
        "service_level": pl.Series(level, dtype=pl.Float64),
        "no_show_share": _mean_or_null(gs.flag_count(flags, F_NO_SHOW), answered),
        "abandon_share": _mean_or_null(gs.flag_count(flags, F_ABANDONED), answered),
        "service_min_mean": _mean_or_null(
            gs.group_sum(codes, t.served_service, k),
            gs.flag_count(flags, F_SERVED | F_SERVICED),
            _MINUTE_US,
        ),
    }


def per_hour(
    log: Frame,
    *,
    by: Sequence[str] = ("scenario",),
    weekday: bool = False,
    service_target_min: float = 15.0,
) -> pl.DataFrame:
    """Tickets and waits by hour of issue (and ISO weekday 1 = Monday when ``weekday``).

    Columns: ``*by, [weekday], hour, days, tickets, tickets_per_day, called, wait_min_mean,
    wait_min_p50, wait_min_p90, wait_min_max, service_level, no_show_share, abandon_share,
    service_min_mean``. ``days`` counts the service days (of that weekday) in the group's log —
    the day a visit arrived, also for its tickets issued after midnight — so
    ``tickets_per_day`` is the mean arrivals in that hour on such a day.
    """

    def table(part: pl.DataFrame) -> pl.DataFrame:
        t = _ticket_arrays(part)
        t.compute(["_times", "hour", "day"], ["flags", "waits", "served_service"])
        hour_codes, hours = t.hour
        k_hour = hours.len()
        columns: dict[str, pl.Series] = {}
        if weekday:
            day_codes, k_day = t.day
            wd_codes, weekdays = t.weekday
            k_wd = weekdays.len()
            codes = wd_codes * k_hour + hour_codes
            k = k_wd * k_hour
            days_of_weekday = gs.group_distinct(wd_codes, day_codes, k_wd, k_day)
            columns["weekday"] = weekdays.gather(np.arange(k) // k_hour)
            columns["hour"] = hours.gather(np.arange(k) % k_hour)
            days = days_of_weekday[np.arange(k) // k_hour]
        else:
            codes, k = hour_codes, k_hour
            columns["hour"] = hours
            days = np.full(k, t.days, dtype=np.int64)
        stats = _ticket_stats(t, codes, k, service_target_min)
        tickets = stats.pop("tickets")
        columns["days"] = pl.Series(days, dtype=pl.Int64)
        columns["tickets"] = tickets
        columns["tickets_per_day"] = tickets / columns["days"]
        built = pl.DataFrame({**columns, **stats})
        return built.filter(tickets > 0).sort(["weekday", "hour"] if weekday else "hour")

    return _each_part(prepare_log(log), by, table)


def per_counter(
    log: Frame, *, by: Sequence[str] = ("scenario",), service_target_min: float = 15.0
) -> pl.DataFrame:
    """Tickets, waits, shares and workload per counter.

    Columns: ``*by, counter_id, days, tickets, tickets_per_day, visits, staff, called,
    wait_min_mean, wait_min_p50, wait_min_p90, wait_min_max, service_level, no_show_share,
    abandon_share, service_min_mean, busy_min, forms_written``. ``days`` = service days in the
    group's log (the day a visit arrived; so ``tickets_per_day`` averages over open days,
    including days without that counter, and a visit past midnight adds no day).
    A visit counts once at a counter, however many tickets it drew there.
    """

    def table(part: pl.DataFrame) -> pl.DataFrame:
        t = _ticket_arrays(part)
        t.compute(
            ["staff", "counter", "first_at_counter"],
            ["_times", "day", "flags", "waits", "served_service"],
        )
        codes, counters = t.counter
        k = counters.len()
        staff_codes, staff = t.staff
        stats = _ticket_stats(t, codes, k, service_target_min)
        visits = gs.group_count(codes, k, t.first_at_counter)
        tickets = stats.pop("tickets")
        days = pl.Series(np.full(k, t.days, dtype=np.int64), dtype=pl.Int64)
        n_staff = gs.group_distinct(codes, staff_codes, k, max(staff.len(), 1), t.staff_set)
        busy = gs.group_sum(codes, t.service, k) / _MINUTE_US
        return pl.DataFrame(
            {
                "counter_id": counters.cast(pl.String),
                "days": days,
                "tickets": tickets,
                "tickets_per_day": tickets / days,
                "visits": pl.Series(visits, dtype=pl.Int64),
                "staff": pl.Series(n_staff, dtype=pl.Int64),
                **stats,
                "busy_min": pl.Series(busy, dtype=pl.Float64),
                "forms_written": pl.Series(gs.group_sum(codes, t.forms, k), dtype=pl.Int64),
            }
        ).sort("counter_id")

    return _each_part(prepare_log(log), by, table)


_STAFF_SCHEMA: dict[str, pl.DataType] = {
    "staff_id": pl.String(),
    "counters": pl.String(),
    "days": pl.Int64(),
    "calls": pl.Int64(),
    "cases": pl.Int64(),
    "no_shows": pl.Int64(),
    "busy_min": pl.Float64(),
    "service_min_mean": pl.Float64(),
    "staffed_min": pl.Float64(),
    "utilisation": pl.Float64(),
}


def _pairs(
    a: np.ndarray, b: np.ndarray, k_a: int, k_b: int, mask: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """The code of the (a, b) pair of each row where ``mask`` holds (the others get the code
    after the last), the number of pair codes, and the a and the b of each pair code. Codes
    follow the order of (a, b)."""
    if k_a * k_b <= 50_000_000:
        every = np.arange(k_a * k_b, dtype=np.int64)
        code = np.where(mask, a * k_b + b, k_a * k_b)
        return code, k_a * k_b, every // k_b, every % k_b
    distinct, inverse = np.unique(a[mask] * k_b + b[mask], return_inverse=True)
    code = np.full(a.size, distinct.size, dtype=np.int64)
    code[mask] = inverse.ravel()
    return code, distinct.size, distinct // k_b, distinct % k_b


def _staffed_minutes(
    t: TicketArrays, staff_day: np.ndarray, k_pairs: int, staff_of_pair: np.ndarray, k: int
) -> np.ndarray:
    """Per staff member: sum over their days of (last leave time − first call), in minutes;
    NaN for a staff member who never called anyone. ``staff_day`` codes (staff, day) pairs."""
    calls = np.where(t.called, staff_day, k_pairs)
    first = gs.group_min(calls, t.call, k_pairs + 1)[:k_pairs]
    last = gs.group_max(calls, t.left, k_pairs + 1)[:k_pairs]
    span = last - first  # µs, exact in float64; NaN for pairs without a call
    worked = ~np.isnan(span)
    total = gs.group_sum(staff_of_pair[worked], span[worked], k)
    called = np.bincount(staff_of_pair[worked], minlength=k)[:k]
    return np.where(called > 0, total / _MINUTE_US, np.nan)


def per_staff(
    log: Frame,
    *,
    by: Sequence[str] = ("scenario",),
    roster: Frame | None = None,
) -> pl.DataFrame:
    """Workload and utilisation per staff member (tickets with a ``staff_id`` only).

    Columns: ``*by, staff_id, counters`` (the counters they called at, space-separated),
    ``days, calls, cases, no_shows, busy_min, service_min_mean, staffed_min, utilisation``.
    ``busy_min`` = sum of service minutes of the calls the staff member made; ``cases`` = served
    tickets; ``calls`` = called tickets (served + no-show).

    **Staffed time** (the utilisation denominator): without a roster, for each staff member and
    service day (and replication; the day the visits they served arrived), from their first call to their last leave time that day — so breaks
    inside the day count as staffed time and the time before the first call does not. With
    ``roster`` (columns ``staff_id``, ``start``, ``end`` as datetimes, plus any ``by`` columns it
    shares with the log; one row per staffed interval, e.g. the simulator's staff log filtered to
    serving), staffed time = sum of ``end − start`` of that staff member's rows.
    ``utilisation`` = busy_min / staffed_min.
    """

    def table(part: pl.DataFrame) -> pl.DataFrame:
        t = _ticket_arrays(part)
        t.compute(["staff", "counter"], ["_times", "day", "flags", "served_service"])
        codes, staff = t.staff
        k = staff.len()
        mask = t.staff_set
        counter_codes, counters = t.counter
        k_counter = max(counters.len(), 1)
        day_codes, k_day = t.day
        pair, k_pairs, staff_of_pair, counter_of_pair = _pairs(
            codes, counter_codes, k, k_counter, mask
        )
        names = counters.to_list()
        lists: list[list[str]] = [[] for _ in range(k)]
        for p in np.flatnonzero(np.bincount(pair, minlength=k_pairs + 1)[:k_pairs]).tolist():
            name = names[counter_of_pair[p]]
            if name is not None:
                lists[staff_of_pair[p]].append(name)
        staff_day, k_days, staff_of_day, _ = _pairs(codes, day_codes, k, k_day, mask)
        worked = np.flatnonzero(np.bincount(staff_day, minlength=k_days + 1)[:k_days])
        days = np.bincount(staff_of_day[worked], minlength=k)[:k]
        # rows without a staff member have the last code (null), dropped below
        flags = gs.flag_table(codes, k, t.flags)
        calls, cases, no_shows, served_n = (
            gs.flag_count(flags, bits)
            for bits in (F_CALLED, F_SERVED, F_NO_SHOW, F_SERVED | F_SERVICED)
        )
        busy = gs.group_sum(codes, t.service, k) / _MINUTE_US
        built = pl.DataFrame(
            {
                "staff_id": staff.cast(pl.String),
                "counters": pl.Series([" ".join(x) for x in lists], dtype=pl.String),
                "days": pl.Series(days, dtype=pl.Int64),
                "calls": pl.Series(calls, dtype=pl.Int64),
                "cases": pl.Series(cases, dtype=pl.Int64),
                "no_shows": pl.Series(no_shows, dtype=pl.Int64),
                "busy_min": pl.Series(busy, dtype=pl.Float64),
                "service_min_mean": _mean_or_null(
                    gs.group_sum(codes, t.served_service, k), served_n, _MINUTE_US
                ),
            }
        ).filter(pl.col("staff_id").is_not_null())
        if roster is None:
            staffed = pl.DataFrame(
                {
                    "staff_id": staff.cast(pl.String),
                    "staffed_min": pl.Series(
                        _staffed_minutes(t, staff_day, k_days, staff_of_day, k), dtype=pl.Float64
                    ),
                }
            ).with_columns(pl.col("staffed_min").fill_nan(None))
        else:
            part_lf = with_group_columns(part.lazy(), by)
            staffed = _roster_minutes(roster, part_lf, by).collect()
        return (
            built.join(
                staffed.with_columns(pl.col("staff_id").cast(pl.String)), on="staff_id", how="left"
            )
            .with_columns(utilisation=pl.col("busy_min") / pl.col("staffed_min"))
            .select(list(_STAFF_SCHEMA))
            .sort("staff_id")
        )

    return _each_part(prepare_log(log), by, table)


def _roster_minutes(roster: Frame, part: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    """Staffed minutes per staff member from a roster, restricted to ``part``'s ``by`` values."""
    rf = roster if isinstance(roster, pl.LazyFrame | pl.DataFrame) else pl.from_pandas(roster)
    rl = rf.lazy()
    rnames = rl.collect_schema().names()
    lacking = [c for c in ("staff_id", "start", "end") if c not in rnames]
    if lacking:
        raise InputError(f"the staff roster lacks column(s) {', '.join(lacking)}")
    shared = [c for c in by if c in rnames]
    if shared:
        values = part.select(shared).unique()
        rl = rl.join(values, on=shared, how="semi")
    return rl.group_by("staff_id").agg(_minutes("end", "start").sum().alias("staffed_min"))


def people_waiting(
    log: Frame, *, every: str = "15m", by: Sequence[str] = ("scenario",)
) -> pl.DataFrame:
    """People waiting in the hall over each day: the live count a congestion board shows.

    At each instant ``at`` of a grid of step ``every`` (from the day's first ticket, truncated to
    ``every``, to the last time anyone leaves a queue), ``waiting`` = tickets issued at or before
    ``at`` and not yet called (nor abandoned) at ``at``. A ticket leaves the queue when called;
    an abandoned ticket when it ended, else at ``left_at`` (when the resident left), or at issue
    when no time was recorded.
    Columns: ``*by, [replication], date, time, at, waiting``.
    """
    lf = with_group_columns(as_counter_log(log), by)
    names = lf.collect_schema().names()
    group = _day_keys(names)

    def table(part: pl.LazyFrame) -> pl.LazyFrame:
        base = part.select(
            *[pl.col(c) for c in group if c != "date"],
            date=pl.col("issued_at").dt.date(),
            issued_at=pl.col("issued_at"),
            left_queue=pl.coalesce(
                "called_at", "ended_at", *(["left_at"] if "left_at" in names else []), "issued_at"
            ),
        )
        events = (
            pl.concat(
                [
                    base.select([*group, pl.col("issued_at").alias("t"), pl.lit(1).alias("delta")]),
                    base.select(
                        [*group, pl.col("left_queue").alias("t"), pl.lit(-1).alias("delta")]
                    ),
                ]
            )
            .group_by([*group, "t"])
            .agg(pl.col("delta").sum())
            .sort([*group, "t"])
            .with_columns(level=pl.col("delta").cum_sum().over(group))
            .select([*group, "t", "level"])
            .sort("t")
        )
        grid = (
            base.group_by(group)
            .agg(
                pl.col("issued_at").min().dt.truncate(every).alias("start"),
                pl.col("left_queue").max().alias("end"),
            )
            .with_columns(at=pl.datetime_ranges("start", "end", every, closed="both"))
            .explode("at")
            .select([*group, "at"])
            .sort("at")
        )
        return (
            grid.join_asof(
                events,
                left_on="at",
                right_on="t",
                by=group,
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(
                waiting=pl.col("level").fill_null(0).cast(pl.Int64),
                time=pl.col("at").dt.time(),
            )
            .select([*group, "time", "at", "waiting"])
            .sort([*group, "at"])
        )

    return _by_group(lf, by, table)
