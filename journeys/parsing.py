"""Reading dates, clock times and numbers as ticket machines and survey teams write them.

Every parser is vectorised: a fast path with one strict format over the whole column, then a
regular-expression path only for the values the fast path could not read (mixed formats,
``24:10:00`` past midnight, ``2025年3月1日``, ``令和7年3月1日``, full-width digits). A value that
no path can read comes back null, and the caller reports it with its row.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

__all__ = [
    "DAY_SECONDS",
    "clock_seconds",
    "fast_clock_expr",
    "fast_date_expr",
    "fast_datetime_expr",
    "fast_number_expr",
    "fill_slow",
    "parse_date",
    "parse_datetime",
    "parse_number",
]

DAY_SECONDS = 86_400

_DATE_RE = (
    r"^(?:(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2}))"
    r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$"
)
_ERA_RE = r"^(令和|平成|昭和|R|H|S)\s*(\d{1,2}|元)[年/\-.](\d{1,2})[月/\-.](\d{1,2})日?$"
_ERA_BASE = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925}
#: First and last day of each era: 令和0年, 令和元年4月30日 or 平成31年5月1日 are no real day.
_ERA_DAYS = {
    "令和": ("2019-05-01", "9999-12-31"),
    "平成": ("1989-01-08", "2019-04-30"),
    "昭和": ("1926-12-25", "1989-01-07"),
}
_ERA_DAYS.update({"R": _ERA_DAYS["令和"], "H": _ERA_DAYS["平成"], "S": _ERA_DAYS["昭和"]})
_CLOCK_RE = r"^(\d{1,2})(?::|時)(\d{1,2})(?:(?::|分)(\d{1,2})(?:\.\d+)?秒?)?分?$"
_DATETIME_RE = (
    r"^(\S+?)(?:[ T]+|日\s*)(\d{1,2}(?::|時)\d{1,2}(?:(?::|分)\d{1,2}(?:\.\d+)?秒?)?分?)$"
)
_YEAR1_US = -62_135_596_800 * 1_000_000  # 0001-01-01 00:00 in µs since 1970
_FAST_DATE = ("%Y/%m/%d", "%Y-%m-%d")
_FAST_DATETIME = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def _nulls(name: str, n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, n, dtype=dtype, eager=True).alias(name)


def _clean(series: pl.Series) -> pl.Series:
    text = series.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(text.str.len_bytes() == 0).then(None).otherwise(text)).to_series()


def _sample(text: pl.Series, n: int = 500) -> pl.Series:
    """The first ``n`` non-null values (looked for in the first rows before the whole column:
    dropping the nulls of a long column copies all of it)."""
    first = text.head(20 * n).drop_nulls().head(n)
    if first.len() == n or text.len() <= 20 * n:
        return first
    return text.drop_nulls().head(n)


def _working_formats(text: pl.Series, formats: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """The formats that read at least one of the first values (tried on the whole column)."""
    sample = _sample(text)
    if sample.len() == 0:
        return ()
    keep = []
    for f in formats:
        if kind == "date":
            parsed = sample.str.to_date(f, strict=False)
        else:
            parsed = sample.str.to_datetime(f, strict=False, time_unit="us")
        if parsed.is_not_null().any():
            keep.append(f)
    return tuple(keep)


def _needs_nfkc(series: pl.Series) -> bool:
    return bool(series.str.contains(r"[^\x00-\x7F]").fill_null(False).any())


def parse_date(series: pl.Series, fmt: str | None = None) -> pl.Series:
    """Calendar days from text (``2025/03/01``, ``2025-3-1``, ``20250301``, ``2025年3月1日``,
    ``令和7年3月1日``, a midnight datetime); null where unreadable or not a real day."""
    if series.dtype == pl.Date:
        return series
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.date()
    text = series.cast(pl.String)
    out = _nulls(series.name, len(text), pl.Date())
    for f in _working_formats(text, ((fmt,) if fmt else ()) + _FAST_DATE, "date"):
        todo = out.is_null() & text.is_not_null()
        if not todo.any():
            return out
        out = out.fill_null(text.str.to_date(f, strict=False))
    todo = out.is_null() & text.is_not_null()
    if not todo.any():
        return out
    rest = _clean(text.filter(todo))
    if _needs_nfkc(rest):
        rest = rest.str.normalize("NFKC")
    frame = rest.to_frame("t").with_columns(
        g=pl.col("t").str.extract_groups(_DATE_RE), e=pl.col("t").str.extract_groups(_ERA_RE)
    )
    g = [pl.col("g").struct.field(str(i)) for i in range(1, 7)]
    e = [pl.col("e").struct.field(str(i)) for i in range(1, 5)]
    era_year = pl.col("e").struct.field("1").replace_strict(
        _ERA_BASE, default=None, return_dtype=pl.Int64
    ) + pl.when(e[1] == "元").then(1).otherwise(e[1].cast(pl.Int64, strict=False))
    year = pl.coalesce(g[0], g[3]).cast(pl.Int64, strict=False).fill_null(era_year)
    month = pl.coalesce(g[1], g[4], e[2]).cast(pl.Int64, strict=False)
    day = pl.coalesce(g[2], g[5], e[3]).cast(pl.Int64, strict=False)
    iso = pl.format(
        "{}-{}-{}",
        year.cast(pl.String).str.zfill(4),
        month.cast(pl.String).str.zfill(2),
        day.cast(pl.String).str.zfill(2),
    )
    era = pl.col("e").struct.field("1")
    first = era.replace_strict({k: v[0] for k, v in _ERA_DAYS.items()}, default=None)
    last = era.replace_strict({k: v[1] for k, v in _ERA_DAYS.items()}, default=None)
    day_of = iso.str.to_date("%Y-%m-%d", strict=False)
    in_era = ((e[1] == "元") | (e[1].cast(pl.Int64, strict=False) >= 1)) & day_of.is_between(
        first.str.to_date("%Y-%m-%d"), last.str.to_date("%Y-%m-%d")
    )
    checked = pl.when(era.is_null() | in_era).then(day_of).otherwise(None)
    parsed = frame.select(checked).to_series()
    return out.scatter(todo.arg_true(), parsed)


def clock_seconds(series: pl.Series, fmt: str | None = None) -> pl.Series:
    """Seconds after midnight from clock text (``9:05``, ``09:05:30``, ``24:10:00``, ``9時5分``).

    Hours up to 47 are accepted — ticket machines write ``24:10`` for ten past midnight of the
    same business day. Null where unreadable (minutes or seconds over 59, hours over 47).
    """
    text = series.cast(pl.String)
    out = _nulls(series.name, len(text), pl.Int64())
    for f in _working_formats(text, ((fmt,) if fmt else ()) + ("%H:%M:%S", "%H:%M"), "time"):
        todo = out.is_null() & text.is_not_null()
        if not todo.any():
            return out
        stamp = text.str.to_datetime(f, strict=False, time_unit="us")
        # a time-only format gives that time on 0001-01-01; keep the seconds after midnight
        secs = (stamp.cast(pl.Int64) - _YEAR1_US) // 1_000_000
        out = out.fill_null(secs)
    todo = out.is_null() & text.is_not_null()
    if not todo.any():
        return out.alias(series.name)
    rest = _clean(text.filter(todo))
    if _needs_nfkc(rest):
        rest = rest.str.normalize("NFKC")
    parts = rest.str.extract_groups(_CLOCK_RE).struct.unnest()
    h, m, s = (parts.get_column(c).cast(pl.Int64, strict=False) for c in ("1", "2", "3"))
    s = s.fill_null(0)
    ok = (h <= 47) & (m <= 59) & (s <= 59)
    secs = pl.select(pl.when(ok).then(h * 3600 + m * 60 + s).otherwise(None)).to_series()
    return out.scatter(todo.arg_true(), secs).alias(series.name)


def parse_datetime(
    series: pl.Series,
    *,
    datetime_format: str | None = None,
    date_format: str | None = None,
    time_format: str | None = None,
) -> pl.Series:
    """Timestamps (µs) from full date-and-time text; null where unreadable or time-only.

    ``24:10`` after a date is read as 00:10 of the next day.
    """
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.replace_time_zone(None).cast(pl.Datetime("us"))
    if series.dtype == pl.Date:
        return series.cast(pl.Datetime("us"))
    text = series.cast(pl.String)
    out = _nulls(series.name, len(text), pl.Datetime("us"))
    formats = ((datetime_format,) if datetime_format else ()) + _FAST_DATETIME
    for f in _working_formats(text, formats, "datetime"):
        todo = out.is_null() & text.is_not_null()
        if not todo.any():
            return out
        out = out.fill_null(text.str.to_datetime(f, strict=False, time_unit="us", cache=False))
    todo = out.is_null() & text.is_not_null()
    if not todo.any():
        return out
    rest = _clean(text.filter(todo))
    if _needs_nfkc(rest):
        rest = rest.str.normalize("NFKC")
    parts = rest.str.extract_groups(_DATETIME_RE).struct.unnest()
    day = parse_date(parts.get_column("1"), date_format)
    secs = clock_seconds(parts.get_column("2"), time_format)
    stamp = (day.cast(pl.Datetime("us")).cast(pl.Int64) + secs * 1_000_000).cast(pl.Datetime("us"))
    return out.scatter(todo.arg_true(), stamp)


def parse_number(series: pl.Series) -> pl.Series:
    """Float64 from numbers written as text (full-width digits, thousands commas); null if not."""
    if series.dtype.is_numeric():
        return series.cast(pl.Float64)
    text = series.cast(pl.String)
    out = text.cast(pl.Float64, strict=False)
    todo = out.is_null() & text.is_not_null()
    if not todo.any():
        return out
    rest = _clean(text.filter(todo))
    if _needs_nfkc(rest):
        rest = rest.str.normalize("NFKC")
    rest = rest.str.replace_all(r"[,\s]", "").str.replace(r"^\+", "").str.replace("−", "-")
    return out.scatter(todo.arg_true(), rest.cast(pl.Float64, strict=False))


# --- fast-path expressions: evaluated together in one parallel select -----------------------


def _coalesce(parts: list[pl.Expr], dtype: pl.DataType) -> pl.Expr:
    if not parts:
        return pl.lit(None, dtype=dtype)
    return parts[0] if len(parts) == 1 else pl.coalesce(parts)


def fast_date_expr(series: pl.Series, fmt: str | None = None) -> pl.Expr:
    """Expression reading ``series`` as days with the formats its first values use (fast path)."""
    col = pl.col(series.name)
    if series.dtype == pl.Date:
        return col
    if isinstance(series.dtype, pl.Datetime):
        return col.dt.date()
    if series.dtype != pl.String:
        return pl.lit(None, dtype=pl.Date())
    fmts = _working_formats(series, ((fmt,) if fmt else ()) + _FAST_DATE, "date")
    return _coalesce([col.str.to_date(f, strict=False) for f in fmts], pl.Date())


def fast_clock_expr(series: pl.Series, fmt: str | None = None) -> pl.Expr:
    """Expression reading ``series`` as seconds after midnight (fast path; no 24:xx)."""
    col = pl.col(series.name)
    if series.dtype != pl.String:
        return pl.lit(None, dtype=pl.Int64())
    fmts = _working_formats(series, ((fmt,) if fmt else ()) + ("%H:%M:%S", "%H:%M"), "time")
    parts = [
        (col.str.to_datetime(f, strict=False, time_unit="us").cast(pl.Int64) - _YEAR1_US)
        // 1_000_000
        for f in fmts
    ]
    return _coalesce(parts, pl.Int64())


def fast_datetime_expr(series: pl.Series, fmt: str | None = None) -> pl.Expr:
    """Expression reading ``series`` as timestamps (µs) with the formats its first values use."""
    col = pl.col(series.name)
    if isinstance(series.dtype, pl.Datetime):
        return col.dt.replace_time_zone(None).cast(pl.Datetime("us"))
    if series.dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    if series.dtype != pl.String:
        return pl.lit(None, dtype=pl.Datetime("us"))
    fmts = _working_formats(series, ((fmt,) if fmt else ()) + _FAST_DATETIME, "datetime")
    # no cache: date-times are mostly distinct, and the cache halves the speed
    parts = [col.str.to_datetime(f, strict=False, time_unit="us", cache=False) for f in fmts]
    return _coalesce(parts, pl.Datetime("us"))


def fast_number_expr(series: pl.Series) -> pl.Expr:
    """Expression reading ``series`` as Float64 (fast path: plain ASCII numbers)."""
    return pl.col(series.name).cast(pl.Float64, strict=False)


def fill_slow(fast: pl.Series, raw: pl.Series, slow: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``fast`` with the values it missed (raw text set, fast result null) read by ``slow``."""
    todo = fast.is_null() & raw.is_not_null()
    if raw.dtype == pl.String:
        todo = todo & (raw.str.len_bytes() > 0)
    if not todo.any():
        return fast
    return fast.scatter(todo.arg_true(), slow(raw.filter(todo)).cast(fast.dtype))
