"""Lazy validation of counter logs and journey surveys: every failure of every row, never the first.

A frame arrives with canonical column names (after :mod:`journeys.mapping`), its values still as
the file wrote them or already typed (Parquet, pandas, the simulator). Validation

1. pseudonymises visit keys and masks personal numbers in free text (:mod:`journeys.privacy`),
2. parses every column into its canonical type (:mod:`journeys.parsing`),
3. evaluates every rule as one vectorised boolean column,
4. splits the rows: a row with any failure is rejected once, listing every reason code, the
   columns concerned and a human message; the others form the canonical frame.

``rows_in == accepted.height + rejected.height`` always holds. Rejected rows keep their values
as text (pseudonymised, masked, cut to 200 characters) and their ``source_row`` as the user
sees it in the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import polars as pl

from journeys.errors import InputError
from journeys.mapping import FrameKind, Mapping, map_values, required_roles, schema_for
from journeys.parsing import (
    DAY_SECONDS,
    clock_seconds,
    fast_clock_expr,
    fast_date_expr,
    fast_datetime_expr,
    fast_number_expr,
    fill_slow,
    parse_date,
    parse_datetime,
    parse_number,
)
from journeys.privacy import mask_text_column, pseudonymise
from journeys.schema import FrameSchema

__all__ = [
    "HIDDEN_CHARACTERS",
    "OUTCOME_INFERRED_NOTE",
    "REASONS",
    "REJECTED_LEAD_COLUMNS",
    "IngestResult",
    "Rule",
    "inferred_outcome",
    "reasons_table",
    "validate_counter_log",
    "validate_frame",
    "validate_survey",
]

#: Stable reason codes → (日本語, English) labels used by the CLI and the quarantine file.
REASONS: dict[str, tuple[str, str]] = {
    "missing_value": ("必須項目が空", "required value missing"),
    "unparseable_time": ("日付・時刻が読めない", "date or time cannot be read"),
    "not_a_number": ("数値でない", "not a number"),
    "called_before_issued": ("発券より前に呼出", "called before the ticket was issued"),
    "ended_before_called": ("呼出より前に終了", "ended before it was called"),
    "ended_without_call": ("呼出なしで終了", "ended but never called"),
    "duration_over_day": ("所要時間が1日超", "duration over one day"),
    "duplicate_ticket_id": ("受付番号の重複", "duplicate ticket id"),
    "unknown_outcome": ("不明な状態", "unknown outcome"),
    "negative_forms": ("記入枚数が負・過大", "form count negative or implausible"),
    "unknown_counter": ("カタログにない窓口", "counter not in the study catalog"),
    "value_too_long": ("値が長すぎる", "value far longer than expected"),
    "too_many_fields": ("列数が見出しより多い", "more fields than header columns"),
    "unknown_action": ("不明な行動", "unknown action"),
    "emotion_out_of_range": ("感情が−2〜+2の範囲外", "emotion outside −2..+2"),
    "negative_minutes": ("所要分が負", "negative minutes"),
    "step_not_int": ("手順が整数でない", "step is not a whole number"),
    "hidden_character": ("見えない文字・制御文字", "invisible or control character"),
}

#: Characters no id may hold: controls (NUL, BEL…), zero-width characters, direction
#: overrides and a byte-order mark inside the text — they make two ids look the same.
HIDDEN_CHARACTERS = (
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)

#: First columns of every rejected frame (then the row's values as text).
REJECTED_LEAD_COLUMNS: tuple[str, ...] = ("source_row", "reason", "column", "message")
_RAW_MAX = 200


@dataclass(frozen=True)
class IngestResult:
    """What reading one file gave: the canonical frame, the quarantined rows, and why.

    ``rows_in == accepted.height + rejected.height``; ``dropped_columns`` are the personal-data
    columns removed on read; ``notes`` say what was assumed (encoding, delimiter, visits…).
    """

    accepted: pl.DataFrame
    rejected: pl.DataFrame
    rows_in: int
    dropped_columns: tuple[str, ...]
    notes: tuple[str, ...]
    source: str

    def reasons(self) -> pl.DataFrame:
        """Rejected rows counted per reason code (a row with two reasons counts in both)."""
        return reasons_table(self.rejected)


@dataclass(frozen=True)
class Rule:
    """One row rule: reason code, the columns it concerns, failure mask and message."""

    code: str
    column: str
    bad: pl.Expr
    message: pl.Expr


def reasons_table(rejected: pl.DataFrame) -> pl.DataFrame:
    """``reason, label_ja, label_en, rows`` counted from a rejected frame, most frequent first."""
    if rejected.height == 0:
        return pl.DataFrame(
            schema={
                "reason": pl.String,
                "label_ja": pl.String,
                "label_en": pl.String,
                "rows": pl.UInt32,
            }
        )
    counts = (
        rejected.select(pl.col("reason").str.split("; ").alias("reason"))
        .explode("reason")
        .group_by("reason")
        .len("rows")
        .sort(["rows", "reason"], descending=[True, False])
    )
    return counts.with_columns(
        label_ja=pl.col("reason").replace_strict(
            {k: v[0] for k, v in REASONS.items()}, default=pl.col("reason")
        ),
        label_en=pl.col("reason").replace_strict(
            {k: v[1] for k, v in REASONS.items()}, default=pl.col("reason")
        ),
    ).select("reason", "label_ja", "label_en", "rows")


def _as_polars(frame: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return pl.from_pandas(frame)
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"expected a polars or pandas DataFrame, not {type(frame).__name__}")
    return frame


def _text(col: str) -> pl.Expr:
    """A column as stripped text, empty → null."""
    t = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)


_FEW_VALUES = 1000  # a text column with fewer distinct values in its first rows is checked whole


def _clean_columns(frame: pl.DataFrame, names: Sequence[str]) -> set[str]:
    """The text columns of ``names`` that stripping and reading empty text as null would not
    change.

    Checked on the distinct values, for columns with few of them (counters, staff, procedure
    codes): far cheaper than stripping every row, and the columns' distinct values are found
    in one parallel pass. Columns of mostly distinct values (ticket numbers) are simply
    stripped."""
    few = [
        name
        for name in names
        if frame.get_column(name).dtype == pl.String
        and frame.get_column(name).head(10 * _FEW_VALUES).n_unique() < _FEW_VALUES
    ]
    if not few:
        return set()
    distinct = frame.select(pl.col(name).unique().drop_nulls().implode() for name in few)
    clean = set()
    for name in few:
        values = distinct.get_column(name).explode()
        changed = (values.str.strip_chars().str.len_bytes() != values.str.len_bytes()).any()
        if not (changed or (values.str.len_bytes() == 0).any()):
            clean.add(name)
    return clean


def _quote(col: str) -> pl.Expr:
    """The raw value for a message: quoted, cut to 40 characters."""
    t = pl.col(col).cast(pl.String)
    cut = pl.when(t.str.len_chars() > 40).then(t.str.slice(0, 40) + "…").otherwise(t)
    return pl.lit("'") + cut.fill_null("") + pl.lit("'")


def _raw(col: str) -> str:
    return f"__raw_{col}"


def _parse_columns(
    frame: pl.DataFrame,
    schema: type[FrameSchema],
    kind: FrameKind,
    mapping: Mapping,
    notes: list[str],
) -> pl.DataFrame:
    """Typed canonical columns next to the raw text ones (``__raw_<name>``).

    Fast path: every column's common format in ONE select (polars runs the columns in
    parallel); then, per column, only the values the fast path missed go through the slow
    readers (mixed formats, 24:10, 令和, full-width digits).
    """
    present = set(frame.columns)
    has_date = "date" in present
    exprs: list[pl.Expr] = []
    clean = _clean_columns(
        frame,
        [
            f.name
            for f in schema.fields()
            if f.name in present
            and f.dtype == pl.String
            and not (f.pseudonymised or f.isin is not None)
        ],
    )
    if has_date:
        exprs.append(fast_date_expr(frame.get_column("date"), mapping.date_format).alias("__date"))
    for f in schema.fields():
        name = f.name
        if name not in present:
            if not f.optional:
                exprs.append(pl.lit(None, dtype=f.dtype).alias(name))
            continue
        col = frame.get_column(name)
        if isinstance(f.dtype, pl.Datetime):
            if has_date and col.dtype == pl.String:
                exprs.append(fast_clock_expr(col, mapping.time_format).alias(f"__secs_{name}"))
            else:
                exprs.append(fast_datetime_expr(col, mapping.datetime_format).alias(name))
        elif f.dtype == pl.String:
            if f.pseudonymised or f.isin is not None:
                # pseudonyms are clean already; closed words are normalised by map_values
                text = pl.col(name).cast(pl.String)
                exprs.append(
                    pl.when(text.str.len_bytes() == 0).then(None).otherwise(text).alias(name)
                )
            elif name in clean:
                exprs.append(pl.col(name))
            else:
                # stripped text, empty → null (``replace`` avoids a second copy of the column)
                text = pl.col(name).cast(pl.String).str.strip_chars()
                exprs.append(text.replace("", None).alias(name))
        else:
            exprs.append(fast_number_expr(col).alias(name))
    fast = frame.select(exprs)

    typed: dict[str, pl.Series] = {}
    date = None
    if has_date:
        date = fill_slow(
            fast.get_column("__date"),
            frame.get_column("date"),
            lambda s: parse_date(s, mapping.date_format),
        )
    clock: dict[str, pl.Series] = {}

    def full_stamp(s: pl.Series) -> pl.Series:
        return parse_datetime(
            s,
            datetime_format=mapping.datetime_format,
            date_format=mapping.date_format,
            time_format=mapping.time_format,
        )

    for f in schema.fields():
        name = f.name
        if name not in fast.columns and f"__secs_{name}" not in fast.columns:
            continue
        raw = frame.get_column(name) if name in present else None
        if isinstance(f.dtype, pl.Datetime) and raw is not None:
            if f"__secs_{name}" in fast.columns and date is not None:
                secs = fill_slow(
                    fast.get_column(f"__secs_{name}"),
                    raw,
                    lambda s: clock_seconds(s, mapping.time_format),
                )
                clock[name] = secs
                day_us = date.cast(pl.Datetime("us")).cast(pl.Int64)
                joined = (day_us + secs * 1_000_000).cast(pl.Datetime("us")).alias(name)
                typed[name] = fill_slow(joined, raw, full_stamp)
            else:
                typed[name] = fill_slow(fast.get_column(name), raw, full_stamp)
        elif f.dtype == pl.String and raw is not None:
            s = fast.get_column(name)
            typed[f"__set_{name}"] = s.is_not_null().alias(f"__set_{name}")
            if f.isin is not None or name in mapping.values or name == "phase":
                s = map_values(s, name, kind, mapping)
            typed[name] = s
        elif raw is not None:
            typed[name] = fill_slow(fast.get_column(name), raw, parse_number)
        else:
            typed[name] = fast.get_column(name)
    if clock and date is not None and mapping.next_day_rollover:
        typed.update(_roll_over_midnight(typed, clock, notes))
    if date is not None:
        typed["__day"] = date.alias("__day")
        late = sum(int((s >= DAY_SECONDS).sum()) for s in clock.values())
        if late:
            notes.append(f"{late} clock times of 24:00 or later read as the next day (深夜の時刻)")
    out = frame.rename({c: _raw(c) for c in frame.columns if not c.startswith("__")})
    return out.with_columns(list(typed.values()))


def _roll_over_midnight(
    typed: dict[str, pl.Series], clock: dict[str, pl.Series], notes: list[str]
) -> dict[str, pl.Series]:
    """A call (or end) whose clock time is over 12 hours before the previous time is next day."""
    half_day = DAY_SECONDS // 2
    changed: dict[str, pl.Series] = {}
    rolled = 0
    order = [c for c in ("issued_at", "called_at", "ended_at") if c in clock]
    for before, after in itertools.pairwise(order):
        prev = changed.get(before, typed[before])
        cur = changed.get(after, typed[after])
        back = (prev - cur).dt.total_seconds() > half_day
        back = back.fill_null(False)
        if back.any():
            rolled += int(back.sum())
            changed[after] = (
                pl.select(pl.when(back).then(cur + pl.duration(days=1)).otherwise(cur))
                .to_series()
                .alias(after)
            )
    if rolled:
        notes.append(
            f"{rolled} call/end times earlier on the clock than the step before were read as "
            "after midnight (翌日扱い); set [formats] next_day_rollover = false to reject them"
        )
    return changed


def _is_set(col: str, dtype: pl.DataType) -> pl.Expr:
    """A raw value is there: not null and, for text, not empty."""
    if dtype == pl.String:
        return pl.col(col).is_not_null() & (pl.col(col).str.len_bytes() > 0)
    return pl.col(col).is_not_null()


def _field_rules(
    schema: type[FrameSchema], present: set[str], dtypes: dict[str, pl.DataType]
) -> list[Rule]:
    """Missing values, unreadable values, allowed values, bounds and lengths of each field."""
    rules: list[Rule] = []
    for f in schema.fields():
        name = f.name
        raw = _raw(name)
        if name not in present:
            if not f.nullable and not f.optional:
                rules.append(
                    Rule("missing_value", name, pl.col(name).is_null(), pl.lit(f"{name} is empty"))
                )
            continue
        value = pl.col(name)
        raw_set = pl.col(f"__set_{name}") if f.dtype == pl.String else _is_set(raw, dtypes[name])
        if not f.nullable:
            rules.append(
                Rule("missing_value", name, ~raw_set & value.is_null(), pl.lit(f"{name} is empty"))
            )
        if f.max_length is not None:
            rules.append(
                Rule(
                    "value_too_long",
                    name,
                    (pl.col(raw).cast(pl.String).str.len_chars() > f.max_length).fill_null(False),
                    pl.format(
                        "{} has {} characters (limit {})",
                        pl.lit(name),
                        pl.col(raw).cast(pl.String).str.len_chars(),
                        pl.lit(f.max_length),
                    ),
                )
            )
        if isinstance(f.dtype, pl.Datetime):
            rules.append(
                Rule(
                    "unparseable_time",
                    name,
                    raw_set & value.is_null(),
                    pl.format("{} {} is not a date/time", pl.lit(name), _quote(raw)),
                )
            )
        elif f.isin is not None:
            code = "unknown_outcome" if name == "outcome" else "unknown_action"
            rules.append(
                Rule(
                    code,
                    name,
                    raw_set & value.is_null(),
                    pl.format(
                        "{} {} is not one of {}",
                        pl.lit(name),
                        _quote(raw),
                        pl.lit("/".join(f.isin)),
                    ),
                )
            )
        elif f.dtype.is_numeric():
            rules.extend(_number_rules(f.name, f.dtype.is_integer(), f.ge, f.le, raw_set))
    return rules


def _number_rules(
    name: str, integer: bool, ge: float | None, le: float | None, raw_set: pl.Expr
) -> list[Rule]:
    value = pl.col(name)
    raw = _raw(name)
    unread = raw_set & value.is_null()
    not_whole = value.is_not_null() & (value != value.round(0))
    if name == "step":
        bad = unread | not_whole | (value < 0).fill_null(False)
        return [
            Rule(
                "step_not_int",
                name,
                bad,
                pl.format("step {} is not a whole number ≥ 0", _quote(raw)),
            )
        ]
    if name == "emotion":
        bad = not_whole | ((value < -2) | (value > 2)).fill_null(False)
        return [
            Rule(
                "not_a_number", name, unread, pl.format("emotion {} is not a number", _quote(raw))
            ),
            Rule(
                "emotion_out_of_range",
                name,
                bad,
                pl.format("emotion {} is outside −2..+2", _quote(raw)),
            ),
        ]
    rules = [
        Rule(
            "not_a_number",
            name,
            unread,
            pl.format("{} {} is not a number", pl.lit(name), _quote(raw)),
        )
    ]
    if integer:
        rules.append(
            Rule(
                "not_a_number",
                name,
                not_whole,
                pl.format("{} {} is not a whole number", pl.lit(name), _quote(raw)),
            )
        )
    if name in ("forms_written", "fields_written"):
        rules.append(
            Rule(
                "negative_forms",
                name,
                ((value < 0) | (value > (le if le is not None else 1000))).fill_null(False),
                pl.format("{} {} is negative or implausible", pl.lit(name), _quote(raw)),
            )
        )
    elif name == "minutes":
        rules.append(
            Rule(
                "negative_minutes",
                name,
                (value < 0).fill_null(False),
                pl.format("minutes {} is negative", _quote(raw)),
            )
        )
        rules.append(
            Rule(
                "duration_over_day",
                name,
                (value > DAY_SECONDS / 60).fill_null(False),
                pl.format("minutes {} is over one day", _quote(raw)),
            )
        )
    elif ge is not None:
        rules.append(
            Rule(
                "not_a_number",
                name,
                (value < ge).fill_null(False),
                pl.format("{} {} is below {}", pl.lit(name), _quote(raw), pl.lit(ge)),
            )
        )
    return rules  # fmt: skip


def _counter_log_rules(present: set[str], catalog: Sequence[str] | None, dup: bool) -> list[Rule]:
    issued, called, ended = pl.col("issued_at"), pl.col("called_at"), pl.col("ended_at")
    day = pl.duration(days=1)
    rules = [
        Rule(
            "called_before_issued",
            "called_at",
            (called < issued).fill_null(False),
            pl.format("called {} before issued {}", called.dt.strftime("%Y-%m-%d %H:%M:%S"),
                      issued.dt.strftime("%Y-%m-%d %H:%M:%S")),
        ),
        Rule(
            "ended_before_called",
            "ended_at",
            (ended < called).fill_null(False),
            pl.format("ended {} before called {}", ended.dt.strftime("%Y-%m-%d %H:%M:%S"),
                      called.dt.strftime("%Y-%m-%d %H:%M:%S")),
        ),
        Rule(
            "ended_without_call",
            "ended_at",
            ended.is_not_null() & called.is_null() & pl.col("__called_raw_empty"),
            pl.lit("ended_at is set but called_at is empty"),
        ),
        Rule(
            "duration_over_day",
            "called_at; ended_at",
            ((called - issued) > day).fill_null(False) | ((ended - called) > day).fill_null(False),
            pl.lit("wait or service longer than one day"),
        ),
    ]  # fmt: skip
    if dup:
        rules.append(
            Rule(
                "duplicate_ticket_id",
                "ticket_id",
                pl.col("ticket_id").is_not_null() & ~pl.col("ticket_id").is_first_distinct(),
                pl.format(
                    "ticket_id {} already on row {}",
                    _quote("ticket_id"),
                    pl.col("__first_row"),
                ),
            )
        )
    if catalog is not None:
        known = pl.Series(list(catalog), dtype=pl.String)
        rules.append(
            Rule(
                "unknown_counter",
                "counter_id",
                pl.col("counter_id").is_not_null() & ~pl.col("counter_id").is_in(known),
                pl.format("counter_id {} is not in the study catalog", _quote("counter_id")),
            )
        )
    return rules


def _survey_minutes_from_times(
    data: pl.DataFrame, parsed: pl.DataFrame, mapping: Mapping, notes: list[str]
) -> tuple[pl.DataFrame, list[Rule]]:
    """Survey steps timed by start and end (clock or date-time): minutes = end − start."""
    stamps = {}
    for col in ("started_at", "ended_at"):
        values = data.get_column(col)
        full = parse_datetime(values, datetime_format=mapping.datetime_format)
        secs = clock_seconds(values, mapping.time_format)
        stamps[col] = full.cast(pl.Int64).fill_null(secs * 1_000_000)
    minutes = (stamps["ended_at"] - stamps["started_at"]) / 60_000_000
    notes.append("survey minutes computed from start and end times (開始・終了時刻から所要分)")
    parsed = parsed.with_columns(
        minutes.alias("minutes"),
        stamps["started_at"].is_null().alias("__bad_start"),
        stamps["ended_at"].is_null().alias("__bad_end"),
    )
    rules: list[Rule] = []
    for col, flag in (("started_at", "__bad_start"), ("ended_at", "__bad_end")):
        raw = _raw(col)
        rules.append(
            Rule(
                "unparseable_time",
                col,
                pl.col(flag) & pl.col(raw).is_not_null(),
                pl.format("{} {} is not a time", pl.lit(col), _quote(raw)),
            )
        )
        rules.append(Rule("missing_value", col, pl.col(raw).is_null(), pl.lit(f"{col} is empty")))
    rules.append(
        Rule(
            "negative_minutes",
            "minutes",
            (pl.col("minutes") < 0).fill_null(False),
            pl.lit("ended_at is before started_at"),
        )
    )
    return parsed, rules


def _has_repeats(values: pl.Series) -> bool:
    """True when a value occurs twice: cheap 64-bit hashes first, exact text only if needed."""
    values = values.drop_nulls()
    if values.is_sorted():  # e.g. ticket numbers in issue order: repeats sit side by side
        return bool((values == values.shift(1)).any())
    hashes = values.hash(seed=20260401)
    if hashes.n_unique() == hashes.len():
        return False
    return bool(values.is_duplicated().any())


def _prefix_daily_tickets(frame: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    """Ticket numbers that restart every day get the day in front (``20250303-0012``)."""
    if "__day" not in frame.columns:
        return frame
    ids = frame.filter(pl.col("ticket_id").is_not_null() & pl.col("__day").is_not_null())
    if ids.height == 0 or not _has_repeats(ids.get_column("ticket_id")):
        return frame
    days_per_id = ids.group_by("ticket_id").agg(pl.col("__day").n_unique().alias("d"))
    if int((days_per_id.get_column("d") > 1).sum()) * 2 < days_per_id.height:
        return frame
    notes.append("ticket numbers restart every day: ticket_id = day + number (e.g. 20250303-0012)")
    return frame.with_columns(
        ticket_id=pl.when(pl.col("__day").is_not_null())
        .then(pl.col("__day").dt.strftime("%Y%m%d") + "-" + pl.col("ticket_id"))
        .otherwise(pl.col("ticket_id"))
    )


def validate_frame(
    frame: pl.DataFrame | pd.DataFrame,
    kind: FrameKind,
    *,
    source: str = "<frame>",
    mapping: Mapping | None = None,
    catalog_counters: Iterable[str] | None = None,
    salt: str | None = None,
    dropped_columns: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> IngestResult:
    """Validate a frame with canonical column names (values raw or typed) — all failures.

    Optional hidden columns: ``__row`` (source row numbers; default 1..n) and ``__extra``
    (True where the file row had more fields than the header). A ``date`` column is joined to
    time-only values of issued_at/called_at/ended_at.
    """
    mapping = mapping or Mapping()
    schema = schema_for(kind)
    data = _as_polars(frame)
    all_notes = list(notes)
    if "__row" not in data.columns:
        data = data.with_row_index("__row", offset=1).with_columns(pl.col("__row").cast(pl.Int64))
    known = {f.name for f in schema.fields()} | {"date", "__row", "__extra"}
    if kind == "survey":
        known |= {"started_at", "ended_at"}
    extra_cols = [c for c in data.columns if c not in known]
    if extra_cols:
        data = data.drop(extra_cols)
    rows_in = data.height
    missing = [r for r in required_roles(kind, data.columns) if r not in data.columns]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)}; columns found: "
            + (", ".join(c for c in data.columns if not c.startswith("__")) or "none"),
            file=source,
        )

    # privacy first: nothing below may see a raw key or an unmasked number
    if kind == "counter-log" and "visit_id" not in data.columns and "ticket_id" in data.columns:
        data = data.with_columns(visit_id=pl.col("ticket_id"))
        all_notes.append(
            "no visit column: each ticket counted as its own visit (来庁者番号なし: 1枚=1来庁)"
        )
    pseudonyms: Future[pl.Series] | None = None
    columns = data.columns
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="madoguchi-pseudonyms")
    if kind == "counter-log" and "visit_id" in data.columns:
        # the keys are hashed while the other columns are read (numpy and polars release the
        # GIL); the raw keys leave the frame now, their pseudonyms join it before any check
        pseudonyms = hashing.submit(pseudonymise, data.get_column("visit_id"), salt)
        data = data.drop("visit_id")
    if kind == "counter-log":
        # a resident's key and the visit a trip returns for are pseudonymised like visit keys
        # (the same salt: return_of still names the earlier visit's pseudonym)
        linked = [c for c in ("resident_id", "return_of") if c in data.columns]
        data = data.with_columns([pseudonymise(data.get_column(c), salt) for c in linked])
    try:
        return _validate_parts(
            data, kind, schema, mapping, catalog_counters, source, rows_in, pseudonyms, columns,
            tuple(dropped_columns), all_notes,
        )  # fmt: skip
    finally:
        hashing.shutdown(wait=True, cancel_futures=True)


#: The note every output of a log without an outcome column carries.
OUTCOME_INFERRED_NOTE = (
    "no outcome column: outcome inferred from the times — no call → abandoned; called but no "
    "end time → no_show; otherwise served (結果欄なし：時刻から推定)"
)


def inferred_outcome() -> pl.Expr:
    """The outcome of a ticket from its times: never called → ``abandoned``; called but never
    ended → ``no_show``; otherwise ``served``."""
    called, ended = pl.col("called_at").is_not_null(), pl.col("ended_at").is_not_null()
    return (
        pl.when(~called)
        .then(pl.lit("abandoned"))
        .when(~ended)
        .then(pl.lit("no_show"))
        .otherwise(pl.lit("served"))
        .alias("outcome")
    )


def _validate_parts(
    data: pl.DataFrame,
    kind: FrameKind,
    schema: type[FrameSchema],
    mapping: Mapping,
    catalog_counters: Iterable[str] | None,
    source: str,
    rows_in: int,
    pseudonyms: Future[pl.Series] | None,
    columns: Sequence[str],
    dropped_columns: tuple[str, ...],
    all_notes: list[str],
) -> IngestResult:
    """Mask free text, read every column, join the visit pseudonyms, then check the rows.

    ``columns``: the frame's columns before the visit keys left it (their order is kept).
    """
    data, widths = _nfkc_ids(schema, data)
    if widths:
        all_notes.append(
            "ids in full-width or half-width forms normalised (NFKC, ０００１ = 0001, ｺｾｷ = コセキ): "
            + ", ".join(widths)
        )
    masked = 0
    for name in _scanned_text_columns(schema, data):
        col, n = mask_text_column(data.get_column(name), keep_machine_ids=name == "ticket_id")
        masked += n
        data = data.with_columns(col)
    if masked:
        all_notes.append(
            f"{masked} text values had a personal number masked (個人番号・電話番号をマスク)"
        )

    present = {c for c in data.columns if not c.startswith("__")}
    called_raw_empty = (
        ~_is_set("called_at", data.schema["called_at"]) if "called_at" in present else pl.lit(True)
    ).alias("__called_raw_empty")
    data = data.with_columns(called_raw_empty)
    parsed = _parse_columns(data, schema, kind, mapping, all_notes)
    if kind == "counter-log" and "outcome" not in present:
        parsed = parsed.with_columns(inferred_outcome())
        all_notes.append(OUTCOME_INFERRED_NOTE)
    if pseudonyms is not None:
        visit = pseudonyms.result()  # never empty text: null or v_ + 16 hex characters
        data = data.with_columns(visit)
        parsed = parsed.with_columns(
            visit.alias(_raw("visit_id")), visit.is_not_null().alias("__set_visit_id"), visit
        )
        present.add("visit_id")
        # the raw columns in the file's order (the quarantine file lists them so)
        head = [c if c.startswith("__") else _raw(c) for c in columns]
        head = [c for c in head if c in parsed.columns]
        parsed = parsed.select(head + [c for c in parsed.columns if c not in set(head)])
    rules = _field_rules(schema, present, dict(data.schema))
    rules += _hidden_character_rules(schema, present, set(parsed.columns))
    if kind == "survey" and "minutes" not in present and {"started_at", "ended_at"} <= present:
        parsed, step_rules = _survey_minutes_from_times(data, parsed, mapping, all_notes)
        rules = [r for r in rules if r.column != "minutes"] + step_rules
    if kind == "counter-log":
        parsed = _prefix_daily_tickets(parsed, all_notes)
        dup = _has_repeats(parsed.get_column("ticket_id"))
        if dup:
            parsed = parsed.with_columns(__first_row=pl.col("__row").min().over("ticket_id"))
        catalog = list(catalog_counters) if catalog_counters is not None else None
        rules += _counter_log_rules(present, catalog, dup)
        if "date" in present:
            rules.append(
                Rule(
                    "unparseable_time",
                    "date",
                    _is_set(_raw("date"), data.schema["date"]) & pl.col("__day").is_null(),
                    pl.format("date {} is not a date", _quote(_raw("date"))),
                )
            )
    if "__extra" in parsed.columns:
        rules.append(
            Rule("too_many_fields", "*", pl.col("__extra").fill_null(False),
                 pl.lit("the row has more fields than the header"))
        )  # fmt: skip
    return _split(parsed, schema, rules, rows_in, source, dropped_columns, all_notes)


def _scanned_text_columns(schema: type[FrameSchema], data: pl.DataFrame) -> list[str]:
    """Every text column that reaches the canonical frame as text: ids, counters, procedures,
    staff, scenario and free text alike (a name or a number typed into any of them is masked).

    Times and numbers are read into their types; their raw text only reaches the quarantine
    for rejected rows, which :func:`_masked_raw` scans."""
    return [
        f.name
        for f in schema.fields()
        if f.dtype == pl.String
        and not f.pseudonymised
        and f.isin is None
        and f.name in data.columns
        and data.schema[f.name] == pl.String
    ]


def _id_columns(schema: type[FrameSchema], data: pl.DataFrame) -> list[str]:
    """The text columns that name something (ids, counters, staff, phases), not free text."""
    return [n for n in _scanned_text_columns(schema, data) if not schema.field(n).free_text]


def _nfkc_ids(schema: type[FrameSchema], data: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Ids written in full-width or half-width forms, normalised (NFKC): ``０００１`` and
    ``0001`` are one ticket, ``ｺｾｷ`` and ``コセキ`` one procedure. Only columns holding
    non-ASCII text are touched, on their distinct values."""
    changed: list[str] = []
    for name in _id_columns(schema, data):
        col = data.get_column(name)
        values = col.unique() if col.head(10_000).n_unique() < 1_000 else col
        if not values.str.contains(r"[^\x00-\x7F]").fill_null(False).any():
            continue
        normal = col.str.normalize("NFKC")
        if not normal.ne_missing(col).any():
            continue
        changed.append(name)
        data = data.with_columns(normal.alias(name))
    return data, changed


def _hidden_character_rules(
    schema: type[FrameSchema], present: set[str], columns: set[str]
) -> list[Rule]:
    """A row whose id holds an invisible or control character is rejected, never merged."""
    rules = []
    for f in schema.fields():
        raw = _raw(f.name)
        if f.name not in present or f.dtype != pl.String or f.free_text or raw not in columns:
            continue
        rules.append(
            Rule(
                "hidden_character",
                f.name,
                pl.col(raw).cast(pl.String).str.contains(HIDDEN_CHARACTERS).fill_null(False),
                pl.lit(
                    f"{f.name} holds an invisible or control character (NUL, zero-width space, "
                    "direction override…)"
                ),
            )
        )
    return rules


def _masked_raw(bad: pl.DataFrame, raw_cols: Sequence[str]) -> pl.DataFrame:
    """The rejected rows' raw text with every personal number masked (any column: a phone
    number typed into a time field must not reach the quarantine or the message)."""
    masked = [mask_text_column(bad.get_column(c).cast(pl.String))[0] for c in raw_cols]
    return bad.with_columns(masked) if masked else bad


def _split(
    parsed: pl.DataFrame,
    schema: type[FrameSchema],
    rules: list[Rule],
    rows_in: int,
    source: str,
    dropped: tuple[str, ...],
    notes: list[str],
) -> IngestResult:
    flags = [r.bad.fill_null(False).alias(f"__bad{i}") for i, r in enumerate(rules)]
    checked = parsed.with_columns(flags)
    bad_cols = [f"__bad{i}" for i in range(len(rules))]
    any_bad = pl.any_horizontal(bad_cols) if bad_cols else pl.lit(False)
    checked = checked.with_columns(__any_bad=any_bad)
    if checked.get_column("__any_bad").any():
        # the raw text columns are only needed for the rejected rows: filter them there only
        kept = [c for c in checked.columns if not c.startswith(("__raw_", "__bad"))]
        ok = checked.select(kept).filter(~pl.col("__any_bad"))
        bad = checked.filter(pl.col("__any_bad"))
    else:  # nothing rejected: no copy of the table
        ok, bad = checked, checked.clear()

    accepted = schema.conform(ok)
    raw_cols = [c for c in parsed.columns if c.startswith("__raw_")]
    if bad.height:
        bad = _masked_raw(bad, raw_cols)

        # one entry per (row, reason): a reason raised by two columns is listed once
        def joined(parts: list[pl.Expr]) -> pl.Expr:
            return pl.concat_str(parts, separator="; ", ignore_nulls=True)

        codes = joined(
            [pl.when(pl.col(b)).then(pl.lit(r.code)) for b, r in zip(bad_cols, rules, strict=True)]
        )
        columns = joined(
            [
                pl.when(pl.col(b)).then(pl.lit(r.column))
                for b, r in zip(bad_cols, rules, strict=True)
            ]
        )
        messages = joined(
            [pl.when(pl.col(b)).then(r.message) for b, r in zip(bad_cols, rules, strict=True)]
        )
        rejected = bad.select(
            pl.col("__row").cast(pl.Int64).alias("source_row"),
            codes.str.split("; ").list.unique(maintain_order=True).list.join("; ").alias("reason"),
            columns.str.split("; ")
            .list.unique(maintain_order=True)
            .list.join("; ")
            .alias("column"),
            messages.alias("message"),
            *[_cut(c).alias(c.removeprefix("__raw_")) for c in raw_cols],
        )
    else:
        rejected = pl.DataFrame(
            schema={
                "source_row": pl.Int64,
                "reason": pl.String,
                "column": pl.String,
                "message": pl.String,
                **{c.removeprefix("__raw_"): pl.String for c in raw_cols},
            }
        )
    return IngestResult(
        accepted=accepted,
        rejected=rejected,
        rows_in=rows_in,
        dropped_columns=dropped,
        notes=tuple(notes),
        source=source,
    )  # fmt: skip


def _cut(col: str) -> pl.Expr:
    t = pl.col(col).cast(pl.String)
    return pl.when(t.str.len_chars() > _RAW_MAX).then(t.str.slice(0, _RAW_MAX) + "…").otherwise(t)


def validate_counter_log(
    frame: pl.DataFrame | pd.DataFrame,
    *,
    catalog_counters: Iterable[str] | None = None,
    salt: str | None = None,
    mapping: Mapping | None = None,
    source: str = "<frame>",
    **kwargs: Any,
) -> IngestResult:
    """Validate a counter log (canonical column names; values typed or as text) — all failures.

    Rejected: unreadable times, called before issued, ended before called, duplicate ticket
    ids, waits or services over a day, unknown outcomes, negative forms, counters missing from
    ``catalog_counters`` (when given), values far too long. visit_id is pseudonymised.
    """
    return validate_frame(
        frame, "counter-log", catalog_counters=catalog_counters, salt=salt, mapping=mapping,
        source=source, **kwargs,
    )  # fmt: skip


def validate_survey(
    frame: pl.DataFrame | pd.DataFrame,
    *,
    salt: str | None = None,
    mapping: Mapping | None = None,
    source: str = "<frame>",
    **kwargs: Any,
) -> IngestResult:
    """Validate a journey survey — all failures: unknown action, emotion outside −2..+2,
    negative minutes, step not a whole number, missing values; free text is masked."""
    return validate_frame(frame, "survey", salt=salt, mapping=mapping, source=source, **kwargs)
