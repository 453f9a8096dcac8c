"""Shared look of every figure: colours per scenario and zone, fonts available offline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from dashboards.i18n import t

__all__ = [
    "FONT_FAMILY",
    "SCENARIO_COLOURS",
    "ZONE_PALETTE",
    "as_polars",
    "empty_figure",
    "figure_summary",
    "require_columns",
    "scenario_colour",
    "styled",
    "wrap_label",
    "zone_colours",
]

#: Local fonts only: the offline report must not fetch web fonts.
FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Meiryo, Yu Gothic, sans-serif"

SCENARIO_COLOURS: dict[str, str] = {
    "as_is": "#9a6b4f",
    "reform": "#2a7f62",
    "observed": "#4a5a8c",
}
_EXTRA = ["#c0504d", "#4f81bd", "#8064a2", "#f79646", "#4bacc6", "#9bbb59", "#7f7f7f"]
ZONE_PALETTE: list[str] = [
    "#2a7f62",
    "#4f81bd",
    "#c0504d",
    "#8064a2",
    "#f79646",
    "#4bacc6",
    "#9bbb59",
    "#9a6b4f",
    "#d4a017",
    "#7f7f7f",
]


def scenario_colour(scenario: str, index: int = 0) -> str:
    """Colour of a scenario: fixed for as-is/reform/observed, else from a palette."""
    return SCENARIO_COLOURS.get(scenario, _EXTRA[index % len(_EXTRA)])


def zone_colours(zones: Sequence[str]) -> dict[str, str]:
    """One stable colour per zone, the one-stop zone always green."""
    colours: dict[str, str] = {}
    others = [c for c in ZONE_PALETTE if c != "#2a7f62"]
    i = 0
    for zone in sorted(set(zones)):
        if zone == "one_stop":
            colours[zone] = "#2a7f62"
        elif zone == "floor_manager":
            colours[zone] = "#d4a017"
        else:
            colours[zone] = others[i % len(others)]
            i += 1
    return colours


def as_polars(frame: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    """Accept pandas at the public entry, work in polars."""
    if isinstance(frame, pl.DataFrame):
        return frame
    return pl.from_pandas(frame)


def require_columns(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` naming the missing columns of a frame given to a figure builder."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; got {frame.columns}")


#: Breaks after which a Japanese label may wrap (and before which: an opening bracket).
_BREAK_AFTER = "、，・＋）"
_BREAK_BEFORE = "（"


def wrap_label(text: str, width: int) -> str:
    """``text`` in lines of about ``width`` characters joined by ``<br>`` (plotly's line
    break): at spaces in English, after 、＋・） or before （ in Japanese, else at ``width``."""
    if len(text) <= width:
        return text
    if " " in text:
        import textwrap

        return "<br>".join(textwrap.wrap(text, width))
    lines, line = [], ""
    for ch in text:
        if ch in _BREAK_BEFORE and len(line) >= width // 2:
            lines.append(line)
            line = ""
        line += ch
        if len(line) >= width or (ch in _BREAK_AFTER and len(line) >= width // 2):
            lines.append(line)
            line = ""
    if line:
        lines.append(line)
    return "<br>".join(lines)


def _has_top_annotations(fig: go.Figure) -> bool:
    """Whether annotations stand above the plotting area (subplot titles, line labels)."""
    return any(
        a.yref == "paper" and a.y is not None and a.y >= 0.999 for a in fig.layout.annotations or ()
    )


def styled(fig: go.Figure, title: str, **layout: Any) -> go.Figure:
    """Apply the common layout (white background, local fonts, compact margins). A figure with
    annotations above its plotting area (subplot titles) gets a taller top margin and its title
    at the very top, so the two never overlap."""
    top = {"t": 96} if _has_top_annotations(fig) else {}
    heading = {"y": 0.99, "yref": "container", "yanchor": "top"} if top else {}
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", **heading},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 13},
        margin={"l": 60, "r": 20, "t": 60, "b": 50, **top},
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.3, "x": 0.0},
        **layout,
    )
    return fig


def empty_figure(title: str, lang: str) -> go.Figure:
    """A figure that says there is nothing to show (instead of an error)."""
    fig = go.Figure()
    fig.add_annotation(
        text=t("no_data", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, title)


def _number(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"


def figure_summary(fig: go.Figure, lang: str) -> str:
    """A text alternative of a figure for screen readers: its title, then the figure's own
    message when it has one (``layout.meta["summary"]``, as the floor replay), else each
    series with its number of points and the range of its values (the axis they are read on)."""
    title = fig.layout.title.text or ""
    parts = [str(title)] if title else []
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("summary"):  # the figure says its message itself
        return ("。" if lang == "ja" else ". ").join([*parts, str(meta["summary"])])
    for trace in fig.data:
        values = getattr(trace, "y", None)
        if getattr(trace, "orientation", None) == "h":
            values = getattr(trace, "x", None)
        if values is None:
            values = getattr(trace, "z", None)
        numbers: list[float] = []
        for value in values if values is not None else ():
            rows = value if isinstance(value, (list, tuple)) else [value]
            numbers += [float(v) for v in rows if isinstance(v, (int, float)) and v == v]
        name = str(getattr(trace, "name", "") or "")
        if numbers:
            low, high = _number(min(numbers)), _number(max(numbers))
            parts.append(
                t("alt_series", lang, name=name or "—", n=len(numbers), low=low, high=high)
            )
        elif name:
            parts.append(name)
    return ("。" if lang == "ja" else ". ").join(parts)
