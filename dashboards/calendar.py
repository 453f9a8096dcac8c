"""窓口混雑予想カレンダー: the residents' congestion calendar as one self-contained HTML file.

One section per month: a Monday-to-Sunday calendar whose open days show the morning (午前) and
afternoon (午後) crowding of :mod:`simulation.forecast` in words (空いています / やや混雑 /
混雑), a symbol (○ △ ●) and a colour from the Okabe–Ito colour-blind-safe palette, so the level
reads in greyscale print and without colour vision alike. Each day has an hour table (expected
residents, typical and long waits) that opens on screen; printed, each month fills one A4 page
and the hour tables stay on screen. Japanese by default, an English switch at the top (both
texts are in the page; a few lines of inline script swap them). No external URL: no font, no
script, no style sheet is fetched.

:func:`forecast_csv` is the table for the city's website: one row per open day and hour.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import html
import math
from collections.abc import Iterable

import polars as pl

from simulation.forecast import CROWDING, Forecast

__all__ = ["calendar_html", "forecast_csv"]

#: Background, text colour and symbol per crowding level (Okabe–Ito: sky blue, orange, vermillion).
LEVEL_STYLE: tuple[tuple[str, str, str], ...] = (
    ("#cfe9f8", "#08304a", "○"),
    ("#f7d38a", "#3d2600", "△"),
    ("#d55e00", "#ffffff", "●"),
)
_WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_CSS = """
:root { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif; }
body { margin: 0 auto; max-width: 980px; padding: 12px; color: #111; }
html[lang="ja"] .en, html[lang="en"] .ja { display: none; }
.switch { text-align: right; }
.switch button { font-size: 1rem; padding: 4px 12px; margin-left: 4px; cursor: pointer; }
h1 { font-size: 1.4rem; margin: 8px 0; }
h2 { font-size: 1.25rem; margin: 4px 0 8px; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; margin: 6px 0 10px; font-size: 0.95rem; }
.legend span.box { padding: 2px 8px; border-radius: 4px; border: 1px solid #555; }
table.cal { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.cal th { background: #eee; border: 1px solid #999; padding: 4px; font-size: 0.95rem; }
table.cal td { border: 1px solid #999; vertical-align: top; height: 92px; padding: 3px; }
td.other { background: #fafafa; }
td.closed { background: #e6e6e6; color: #444; }
.day { font-weight: bold; font-size: 1.05rem; }
.half { display: block; margin-top: 3px; padding: 1px 3px; border-radius: 4px; font-size: 0.78rem;
  line-height: 1.25;
  border: 1px solid #555; }
.note { font-size: 0.85rem; color: #333; margin-top: 8px; }
details.hours { margin: 6px 0; }
details.hours table { border-collapse: collapse; margin: 4px 0 8px; }
details.hours td, details.hours th { border: 1px solid #bbb; padding: 2px 8px; text-align: right; }
section.month { margin-bottom: 28px; }
@page { size: A4 portrait; margin: 10mm; }
@media print {
  .switch, details.hours, .screen-only { display: none !important; }
  body { max-width: none; padding: 0; }
  section.month { break-after: page; page-break-after: always; margin: 0; }
  section.month:last-of-type { break-after: auto; page-break-after: auto; }
  table.cal td { height: 30mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_SCRIPT = """
function setLang(lang) { document.documentElement.lang = lang; }
"""


def _both(ja: str, en: str) -> str:
    return f'<span class="ja">{html.escape(ja)}</span><span class="en">{html.escape(en)}</span>'


def _minutes(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.0f}"


def _months(days: Iterable[dt.date]) -> list[tuple[int, int]]:
    return sorted({(d.year, d.month) for d in days})


def _half_box(level: int, ja: str, en: str) -> str:
    background, colour, symbol = LEVEL_STYLE[level]
    _, word_ja, word_en = CROWDING[level]
    return (
        f'<span class="half" style="background:{background};color:{colour}">'
        f"{_both(f'{ja} {symbol} {word_ja}', f'{en} {symbol} {word_en}')}</span>"
    )


def _legend() -> str:
    items = []
    for level, (upper, ja, en) in enumerate(CROWDING):
        background, colour, symbol = LEVEL_STYLE[level]
        lower = CROWDING[level - 1][0] if level else 0.0
        span_ja = f"平均待ち時間 {lower:.0f}分以上" + (
            f"{upper:.0f}分未満" if math.isfinite(upper) else ""
        )
        span_en = f"mean wait {lower:.0f}" + (
            f"–{upper:.0f} min" if math.isfinite(upper) else "+ min"
        )
        items.append(
            f'<span><span class="box" style="background:{background};color:{colour}">'
            f"{symbol} {_both(ja, en)}</span> {_both(span_ja, span_en)}</span>"
        )
    return '<div class="legend">' + "".join(items) + "</div>"


def _month_grid(year: int, month: int, levels: dict[tuple[dt.date, str], int], fc: Forecast) -> str:
    open_days = set(fc.days)
    closed = set(fc.closed)
    head = "".join(
        f"<th>{_both(j, e)}</th>" for j, e in zip(_WEEKDAYS_JA, _WEEKDAYS_EN, strict=True)
    )
    rows = []
    for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append('<td class="other"></td>')
                continue
            number = f'<span class="day">{day.day}</span>'
            if day in open_days:
                am = _half_box(levels.get((day, "am"), 0), "午前", "AM")
                pm = _half_box(levels.get((day, "pm"), 0), "午後", "PM")
                cells.append(f"<td>{number}{am}{pm}</td>")
            elif day in closed or day.weekday() >= 5:
                cells.append(f'<td class="closed">{number} {_both("閉庁", "closed")}</td>')
            else:
                cells.append(f'<td class="other">{number}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="cal"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _hour_tables(year: int, month: int, fc: Forecast) -> str:
    parts = []
    for day in [d for d in fc.days if (d.year, d.month) == (year, month)]:
        rows = fc.hours.filter(pl.col("date") == day).sort("hour")
        body = "".join(
            f"<tr><td>{hour:02d}:00–</td><td>{expected:.0f}</td><td>{_minutes(p50)}</td>"
            f"<td>{_minutes(p90)}</td></tr>"
            for hour, expected, p50, p90 in rows.select(
                "hour", "expected_residents", "wait_min_p50", "wait_min_p90"
            ).iter_rows()
        )
        weekday = _WEEKDAYS_JA[day.weekday()]
        summary = _both(
            f"{day.month}月{day.day}日（{weekday}）の時間帯別",
            f"{day.strftime('%a %d %b')}: hour by hour",
        )
        head = (
            f"<tr><th>{_both('時間帯', 'hour')}</th><th>{_both('来庁見込み（人）', 'residents expected')}</th>"
            f"<th>{_both('待ち時間の目安（分）', 'typical wait (min)')}</th>"
            f"<th>{_both('長い場合（分, 9割）', 'long wait (min, 90 %)')}</th></tr>"
        )
        parts.append(
            f'<details class="hours"><summary>{summary}</summary><table>{head}{body}</table></details>'
        )
    return "".join(parts)


def calendar_html(fc: Forecast, *, title_ja: str = "", title_en: str = "") -> str:
    """The whole calendar page (UTF-8 HTML text, no external URL)."""
    levels = {
        (d, h): int(level)
        for d, h, level in fc.half_days.select("date", "half", "level").iter_rows()
    }
    title_ja = title_ja or "窓口混雑予想カレンダー"
    title_en = title_en or "Counter congestion forecast"
    sections = []
    for year, month in _months(fc.days):
        heading = _both(
            f"{year}年{month}月 {title_ja}", f"{_calendar.month_name[month]} {year}: {title_en}"
        )
        note = _both(
            "午前は12時まで、午後は12時から閉庁まで。色は発券から呼出しまでの予測の平均待ち時間で決めています。"
            "混雑が予想される日は、空いている時間帯のご来庁をおすすめします。",
            "Morning until 12:00, afternoon from 12:00 to closing. The colour follows the forecast mean "
            "wait from ticket to call. On days expected to be busy, please come at a quieter time if you can.",
        )
        sections.append(
            f'<section class="month"><h2>{heading}</h2>{_legend()}'
            f'{_month_grid(year, month, levels, fc)}<p class="note">{note}</p>'
            f'<div class="screen-only">{_hour_tables(year, month, fc)}</div></section>'
        )
    first, last = fc.days[0], fc.days[-1]
    intro = _both(
        f"{first.isoformat()}〜{last.isoformat()} の開庁日ごとの混雑予想（過去の発券記録から推計した来庁者数と、"
        "現在の職員配置でのシミュレーションによる）。",
        f"Expected crowding on each open day from {first.isoformat()} to {last.isoformat()} "
        "(residents estimated from past ticket records; waits simulated with the current staffing).",
    )
    return (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title_ja)} / {html.escape(title_en)}</title>"
        f"<style>{_CSS}</style><script>{_SCRIPT}</script></head><body>"
        '<div class="switch"><button type="button" onclick="setLang(\'ja\')">日本語</button>'
        '<button type="button" onclick="setLang(\'en\')">English</button></div>'
        f"<h1>{_both(title_ja, title_en)}</h1><p>{intro}</p>"
        + "".join(sections)
        + "</body></html>\n"
    )


def forecast_csv(fc: Forecast) -> pl.DataFrame:
    """One row per open day and hour: date, weekday, hour, expected residents, waits, crowding."""
    half = fc.half_days.select("date", "half", "level", "label_ja", "label_en")
    return (
        fc.hours.with_columns(
            weekday=pl.col("date").dt.strftime("%a"),
            half=pl.when(pl.col("hour") < 12).then(pl.lit("am")).otherwise(pl.lit("pm")),
        )
        .join(half, on=["date", "half"], how="left")
        .select(
            "date",
            "weekday",
            "hour",
            pl.col("expected_residents").round(1),
            pl.col("wait_min_mean").round(1),
            pl.col("wait_min_p50").round(1),
            pl.col("wait_min_p90").round(1),
            pl.col("level").alias("crowding_level"),
            pl.col("label_ja").alias("crowding_ja"),
            pl.col("label_en").alias("crowding_en"),
        )
        .sort("date", "hour")
    )
