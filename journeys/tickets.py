"""The numbers of every ticket of a counter log as numpy arrays, read once for all KPI tables.

A counter log of ten million tickets is read into these arrays once — wait, service and leave
time in whole microseconds, the outcome flags, small integer codes of hours, days, counters and
staff — and every KPI table (:mod:`journeys.metrics`, :mod:`journeys.flows`) aggregates them
with :mod:`journeys.groupstats`. Durations stay integers until a table divides a sum by a count,
so a KPI is the same number whatever order the tickets came in.

Nulls follow the KPI definitions: a ticket never called has no wait; a ticket without an end (or
a call) has no service; the leave time is ``ended_at``, else ``called_at``, else ``issued_at``.
Hours, weekdays and dates are those of the wall clock where the log was written (a log with a
time zone is read in that zone); a ticket's date and weekday are those of its visit's service
day (the day the visit arrived, even past midnight), its hour the clock hour of issue.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
import polars as pl

from journeys import groupstats as gs

__all__ = [
    "F_ABANDONED",
    "F_CALLED",
    "F_NO_SHOW",
    "F_OUTCOME",
    "F_SERVED",
    "F_SERVICED",
    "F_STAFFED",
    "F_WAITED",
    "MINUTE_US",
    "TicketArrays",
    "key_codes",
]

#: Bits of :attr:`TicketArrays.flags`.
F_CALLED, F_WAITED, F_OUTCOME, F_NO_SHOW, F_ABANDONED, F_SERVED, F_SERVICED, F_STAFFED = (
    1 << i for i in range(8)
)

#: Microseconds in a minute: durations are summed in µs and divided once.
MINUTE_US = 60_000_000.0
_HOUR_US = 3_600_000_000
_DAY_US = 86_400_000_000
_DENSE_MAX = 10_000_000  # an integer key spanning more values than this is coded by sorting
_PARALLEL_ROWS = 500_000  # logs this long compute independent arrays side by side
_WORKERS = min(2, os.cpu_count() or 1)


def key_codes(series: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """A small integer code (``0 … k−1``) for each value and the ``k`` values they stand for.

    Values are numbered in sorted order, null (when there is one) last. For text every value
    is present; for integers the codes span the range ``min … max`` (a value of the range may
    be absent: its group is empty).
    """
    if series.dtype == pl.Categorical or isinstance(series.dtype, pl.Enum):
        series = series.cast(pl.String)
    if series.len() == 0:
        return np.zeros(0, dtype=np.int64), series.clear()
    nulls = series.null_count() > 0
    if series.dtype == pl.String:
        span = series.drop_nulls().unique().sort()
        physical = series.cast(pl.Enum(span)).to_physical()
        codes = (physical.fill_null(span.len()) if nulls else physical).to_numpy()
    else:
        present = series.is_not_null().to_numpy() if nulls else None
        codes, values = _dense(series.cast(pl.Int64).fill_null(0).to_numpy(), present)
        span = pl.Series(values).cast(series.dtype)
    labels = pl.concat([span, pl.Series([None], dtype=span.dtype)]) if nulls else span
    return codes.astype(np.int64, copy=False), labels.alias(series.name)


def _dense(values: np.ndarray, present: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Codes of integer ``values`` (``value − min`` when the range is small, else the rank
    among the distinct values) and the value of each code; absent values (``present`` False)
    get the code after the last."""
    known = values if present is None else values[present]
    if known.size == 0:
        return np.zeros(values.size, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(known.min()), int(known.max())
    if hi - lo < _DENSE_MAX:
        codes = values - lo
        labels = np.arange(lo, hi + 1, dtype=np.int64)
    else:
        labels = np.unique(known)
        codes = np.searchsorted(labels, values)
    if present is not None:
        codes = np.where(present, codes, labels.size)
    return codes.astype(np.int64, copy=False), labels


def _masked(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``values`` with 0 where not ``present`` (in place when the array may be written)."""
    if present.all():
        return values
    if not values.flags.writeable:
        values = values.copy()
    np.copyto(values, 0, where=~present)
    return values


def _microseconds(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """A datetime column as µs since 1970 (0 where null) and a mask of the values present."""
    values = series.dt.cast_time_unit("us").to_numpy().view(np.int64)
    present = values != np.iinfo(np.int64).min  # NaT
    return _masked(values, present), present


def _numbers(series: pl.Series, everywhere: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values (nulls as 0) and a mask of the values present, as numpy arrays."""
    if series.null_count() == 0:
        return series.to_numpy(), everywhere
    return series.fill_null(0).to_numpy(), series.is_not_null().to_numpy()


class TicketArrays:
    """The tickets of one counter log (or one scenario of it) as numpy arrays.

    ``frame`` has the canonical counter-log columns. ``visit`` (optional) gives the visit code
    of each row of a log whose visits are contiguous runs of rows
    (:func:`journeys.metrics.prepare_log`); the visit-level arrays need it. Arrays are computed
    on first use and kept. With ``weak`` the arrays hold ``frame`` by a weak reference only,
    so a cache of arrays kept while their frame lives (:func:`journeys.metrics._ticket_arrays`)
    does not itself keep the frame alive.
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        visit: Callable[[], np.ndarray] | None = None,
        *,
        weak: bool = False,
    ) -> None:
        self._frame: pl.DataFrame | None = None if weak else frame
        self._frame_ref = weakref.ref(frame) if weak else None
        self.n = frame.height
        self._visit_of = visit

    @property
    def frame(self) -> pl.DataFrame:
        """The counter log the arrays describe."""
        if self._frame is not None:
            return self._frame
        frame = self._frame_ref() if self._frame_ref is not None else None
        if frame is None:
            raise ReferenceError("the counter log of these ticket arrays no longer exists")
        return frame

    def compute(self, *chains: Sequence[str]) -> None:
        """Compute the named arrays (attributes) now; each chain in order, the chains side by
        side in threads for a long log (polars and numpy let go of the interpreter while they
        work, so the two cores share the job). The arrays are the same either way."""
        if self.n < _PARALLEL_ROWS or _WORKERS < 2 or len(chains) < 2:
            for chain in chains:
                for name in chain:
                    getattr(self, name)
            return

        def run(chain: Sequence[str]) -> None:
            for name in chain:
                getattr(self, name)

        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            for done in [pool.submit(run, chain) for chain in chains]:
                done.result()

    # --- times and outcomes -----------------------------------------------------------------

    @cached_property
    def _times(self) -> dict[str, np.ndarray]:
        frame = self.frame
        dtypes = [frame.schema[c] for c in ("issued_at", "called_at", "ended_at")]
        units = {getattr(d, "time_unit", None) for d in dtypes}
        out: dict[str, np.ndarray] = {}
        if units <= {"us", "ms"}:
            # µs since 1970 in numpy; durations are exact differences of whole microseconds
            for name, column in (
                ("issued", "issued_at"),
                ("call", "called_at"),
                ("ended", "ended_at"),
            ):
                out[name], out[f"{name}_set"] = _microseconds(frame.get_column(column))
            issued, call, ended = out["issued"], out["call"], out["ended"]
            # few big temporaries: each new array of ten million rows costs page faults
            out["wait_set"] = out["call_set"] & out["issued_set"]
            out["wait"] = _masked(np.subtract(call, issued), out["wait_set"])
            out["service_set"] = out["ended_set"] & out["call_set"]
            out["service"] = _masked(np.subtract(ended, call), out["service_set"])
            left = issued.copy()
            np.copyto(left, call, where=out["call_set"])
            np.copyto(left, ended, where=out["ended_set"])
            out["left"] = left
            out["left_set"] = out["ended_set"] | out["call_set"] | out["issued_set"]
        else:  # nanoseconds: differences in ns, then whole µs, as the KPI definitions say
            everywhere = np.ones(self.n, dtype=bool)

            def us(expr: pl.Expr) -> pl.Expr:
                return expr.dt.cast_time_unit("us").cast(pl.Int64)

            t = frame.select(
                us(pl.col("issued_at")).alias("issued"),
                us(pl.col("called_at")).alias("call"),
                (pl.col("called_at") - pl.col("issued_at")).dt.total_microseconds().alias("wait"),
                (pl.col("ended_at") - pl.col("called_at")).dt.total_microseconds().alias("service"),
                us(pl.coalesce("ended_at", "called_at", "issued_at")).alias("left"),
            )
            for name in t.columns:
                out[name], out[f"{name}_set"] = _numbers(t.get_column(name), everywhere)
        if getattr(dtypes[0], "time_zone", None):  # hours and days on the local clock
            local = frame.select(pl.col("issued_at").dt.replace_time_zone(None)).to_series()
            out["local"], out["local_set"] = _microseconds(local)
        else:
            out["local"], out["local_set"] = out["issued"], out["issued_set"]
        outcome = pl.col("outcome")
        codes = frame.select(
            pl.when(outcome == "served")
            .then(pl.lit(1, pl.UInt8))
            .when(outcome == "no_show")
            .then(pl.lit(2, pl.UInt8))
            .when(outcome == "abandoned")
            .then(pl.lit(3, pl.UInt8))
            .when(outcome.is_null())
            .then(pl.lit(0, pl.UInt8))
            .otherwise(pl.lit(4, pl.UInt8))
            .alias("outcome"),
        ).to_series()
        code = codes.to_numpy()
        out["called"] = out["call_set"]
        out["served"] = code == 1
        out["no_show"] = code == 2
        out["abandoned"] = code == 3
        out["outcome_set"] = code != 0
        forms = frame.get_column("forms_written").cast(pl.Int64)
        out["forms"] = (forms.fill_null(0) if forms.null_count() else forms).to_numpy()
        return out

    def _t(self, name: str) -> np.ndarray:
        return self._times[name]

    @property
    def issued(self) -> np.ndarray:
        """Issue time (µs since 1970; 0 where missing, see :attr:`issued_set`)."""
        return self._t("issued")

    @property
    def issued_set(self) -> np.ndarray:
        """True where the ticket has an issue time."""
        return self._t("issued_set")

    @property
    def call(self) -> np.ndarray:
        """Call time (µs since 1970; valid where :attr:`called`)."""
        return self._t("call")

    @property
    def wait(self) -> np.ndarray:
        """Wait in µs (``called_at − issued_at``; valid where :attr:`waited`)."""
        return self._t("wait")

    @property
    def waited(self) -> np.ndarray:
        """True where the ticket has a wait (it was called and has an issue time)."""
        return self._t("wait_set")

    @property
    def service(self) -> np.ndarray:
        """Service in µs (``ended_at − called_at``; valid where :attr:`serviced`)."""
        return self._t("service")

    @property
    def serviced(self) -> np.ndarray:
        """True where the ticket has a service time (called and ended)."""
        return self._t("service_set")

    @property
    def left(self) -> np.ndarray:
        """Leave time in µs: ended, else called, else issued (valid where :attr:`left_set`)."""
        return self._t("left")

    @property
    def left_set(self) -> np.ndarray:
        """True where the ticket has a leave time."""
        return self._t("left_set")

    @property
    def called(self) -> np.ndarray:
        """True where the ticket was called (``called_at`` present)."""
        return self._t("called")

    @property
    def served(self) -> np.ndarray:
        """True for outcome ``served``."""
        return self._t("served")

    @property
    def no_show(self) -> np.ndarray:
        """True for outcome ``no_show``."""
        return self._t("no_show")

    @property
    def abandoned(self) -> np.ndarray:
        """True for outcome ``abandoned``."""
        return self._t("abandoned")

    @property
    def outcome_set(self) -> np.ndarray:
        """True where the ticket has an outcome."""
        return self._t("outcome_set")

    @property
    def forms(self) -> np.ndarray:
        """Forms written by hand (0 where not recorded)."""
        return self._t("forms")

    @cached_property
    def flags(self) -> np.ndarray:
        """The flags of each ticket packed in one byte (see the ``F_*`` bits), for counting any
        combination of them per group in one pass (:func:`journeys.groupstats.flag_table`)."""
        return gs.pack_flags(
            [
                self.called,
                self.waited,
                self.outcome_set,
                self.no_show,
                self.abandoned,
                self.served,
                self.serviced,
                self.staff_set,
            ]
        )

    @cached_property
    def waits(self) -> gs.Ranked:
        """The waits of the tickets that have one, ready to be ordered within groups."""
        return gs.Ranked(self.wait, self.waited)

    @cached_property
    def served_service(self) -> np.ndarray:
        """Service in µs of served tickets (0 for the others or without a service time)."""
        return np.where(self.served, self.service, 0)

    def within(self, target_min: float) -> np.ndarray:
        """True where the ticket was called within ``target_min`` minutes (inclusive)."""
        return self.waited & (self.wait / MINUTE_US <= target_min)

    # --- grouping codes -----------------------------------------------------------------------

    def _clock(
        self, number: np.ndarray, labels: np.ndarray, name: str
    ) -> tuple[np.ndarray, pl.Series]:
        """Codes ``number`` (0 … len(labels)−1) of a clock field, null (no issue time) last."""
        present = self._t("local_set")
        values = pl.Series(name, labels, dtype=pl.Int8)
        if present.all():
            return number, values
        codes = np.where(present, number, labels.size)
        return codes, pl.concat([values, pl.Series(name, [None], dtype=pl.Int8)])

    @cached_property
    def _own_day(self) -> tuple[np.ndarray, np.ndarray]:
        """Each ticket's own date (days since 1970 on the log's clock): that of ``arrived_at``
        when the log has it, else of ``issued_at``; and where one of them is known."""
        if "arrived_at" not in self.frame.columns:
            return self._t("local") // _DAY_US, self._t("local_set")
        start = self.frame.select(pl.coalesce("arrived_at", "issued_at")).to_series()
        if getattr(start.dtype, "time_zone", None):
            start = start.dt.replace_time_zone(None)
        values, present = _microseconds(start)
        return values // _DAY_US, present

    @cached_property
    def _day_number(self) -> np.ndarray:
        """The service day of each ticket: the day its visit arrived (the earliest own date of
        the visit's tickets, :attr:`_own_day`), even when a ticket of it is issued after
        midnight. Without visits (a log that is not prepared) each ticket's own date."""
        own, present = self._own_day
        if self._visit_of is None or self.n == 0:
            return own
        starts = self.visit_starts
        missing = np.iinfo(np.int64).max
        first = np.minimum.reduceat(np.where(present, own, missing), starts)
        service = np.repeat(first, np.diff(np.r_[starts, self.n]))
        return np.where(service == missing, own, service)

    @cached_property
    def hour(self) -> tuple[np.ndarray, pl.Series]:
        """Hour of issue: codes 0–23 (24 = no issue time) and the hours as Int8."""
        number = self._t("local") // _HOUR_US
        np.remainder(number, 24, out=number)
        return self._clock(number, np.arange(24), "hour")

    @cached_property
    def weekday(self) -> tuple[np.ndarray, pl.Series]:
        """ISO weekday of the service day (1 = Monday; :attr:`day`): codes 0–6 (7 = no issue
        time), labels as Int8."""
        number = self._day_number + 3  # 1970-01-01 was a Thursday (ISO 4)
        np.remainder(number, 7, out=number)
        return self._clock(number, np.arange(1, 8), "weekday")

    @cached_property
    def day(self) -> tuple[np.ndarray, int]:
        """Code of the service day (within ``replication`` when the log has one) and the number
        of codes; two tickets share a code exactly when they share (replication, service day).
        A visit's service day is the day it arrived (``arrived_at``, else its first ticket's
        issue), even when the hall works past midnight; without visits (a log not prepared by
        :func:`journeys.metrics.prepare_log`) each ticket's own date."""
        present = self._t("local_set")
        date_codes, dates = _dense(self._day_number, None if present.all() else present)
        k = dates.size + (0 if present.all() else 1)
        if "replication" not in self.frame.columns:
            return date_codes, max(k, 1)
        rep_codes, reps = key_codes(self.frame.get_column("replication"))
        k_rep = max(reps.len(), 1)
        if k * k_rep <= _DENSE_MAX:
            return rep_codes * k + date_codes, k * k_rep
        _, combined = np.unique(rep_codes * k + date_codes, return_inverse=True)
        combined = combined.astype(np.int64).ravel()
        return combined, int(combined.max()) + 1 if combined.size else 1

    @cached_property
    def days(self) -> int:
        """Number of distinct service days (within replication) in the log (:attr:`day`)."""
        codes, k = self.day
        if codes.size == 0:
            return 0
        return int(np.count_nonzero(np.bincount(codes, minlength=k)))

    @cached_property
    def counter(self) -> tuple[np.ndarray, pl.Series]:
        """Counter of each ticket (codes, labels in sorted order, null last if any)."""
        return key_codes(self.frame.get_column("counter_id"))

    @cached_property
    def staff(self) -> tuple[np.ndarray, pl.Series]:
        """Staff member of each ticket (codes, labels in sorted order, null last if any)."""
        return key_codes(self.frame.get_column("staff_id"))

    @cached_property
    def staff_set(self) -> np.ndarray:
        """True where the ticket has a ``staff_id``."""
        return self.frame.get_column("staff_id").is_not_null().to_numpy()

    # --- visits (contiguous runs of rows) -----------------------------------------------------

    @cached_property
    def visit(self) -> np.ndarray:
        """Visit code of each row (a prepared log only)."""
        if self._visit_of is None:
            raise ValueError("visit arrays need a prepared log (journeys.metrics.prepare_log)")
        return self._visit_of()

    @cached_property
    def visit_starts(self) -> np.ndarray:
        """First row of each visit (visits are contiguous runs of rows)."""
        visit = self.visit
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.r_[True, visit[1:] != visit[:-1]])

    @cached_property
    def first_at_counter(self) -> np.ndarray:
        """True on the first ticket of each (visit, counter) pair: a visit counts once at a
        counter however many tickets it drew there."""
        visit = self.visit
        n = self.n
        counter = self.counter[0]
        starts = self.visit_starts
        longest = int(np.diff(np.r_[starts, n]).max()) if n else 0
        if longest <= 16:  # compare with the few tickets before it in the same visit
            pair = visit.astype(np.int64)
            pair *= (int(counter.max()) + 1) if n else 1
            pair += counter
            repeat = np.zeros(n, dtype=bool)
            for lag in range(1, longest):
                repeat[lag:] |= pair[lag:] == pair[:-lag]
            return ~repeat
        return gs.first_of_pair(visit, counter)
