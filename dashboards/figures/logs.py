"""Counter-log figures: waits by weekday × hour, people waiting, service level by hour,
staff workload, the Sankey of flows between counters and the top visit variants.

Each builder draws a frame computed by ``journeys.metrics`` / ``journeys.flows`` (or the
engine's staff log); column names are documented per function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from dashboards.figures._style import (
    as_polars,
    empty_figure,
    require_columns,
    scenario_colour,
    styled,
)
from dashboards.figures.floor import short_name
from dashboards.i18n import scenario_label, t

__all__ = [
    "ACTIVITY_COLOURS",
    "ACTIVITY_PATTERNS",
    "flows_sankey",
    "people_waiting_figure",
    "service_level_figure",
    "staff_workload_figure",
    "trend_figure",
    "variants_figure",
    "wait_heatmap",
]

#: Activity colours: each at least 3:1 against white (WCAG AA for graphics), each with its own
#: hatching so the stack reads without colour too.
ACTIVITY_PATTERNS: dict[str, str] = {
    "serve": "",
    "triage": "x",
    "back_office": "/",
    "lunch": ".",
    "idle": "-",
}
ACTIVITY_COLOURS: dict[str, str] = {
    "serve": "#2a7f62",
    "triage": "#9a7300",
    "back_office": "#3f6fae",
    "lunch": "#8c6d1f",
    "idle": "#767676",
}


def wait_heatmap(cells: pl.DataFrame | pd.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Mean wait (minutes) by weekday (rows) and hour of day (columns).

    ``cells`` columns: weekday (ISO, 1 = Monday … 7, as ``journeys.metrics.per_hour(…,
    weekday=True)`` gives it), hour (0–23), wait_min_mean.
    """
    frame = as_polars(cells)
    require_columns(frame, ("weekday", "hour", "wait_min_mean"), "wait heatmap")
    title = t("fig_heatmap", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    names = t("weekdays", lang).split(",")
    days = sorted(int(d) for d in frame["weekday"].unique().to_list())
    hours = sorted(int(h) for h in frame["hour"].unique().to_list())
    lookup = {
        (int(r["weekday"]), int(r["hour"])): r["wait_min_mean"] for r in frame.iter_rows(named=True)
    }
    z = [[lookup.get((d, h)) for h in hours] for d in days]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{h}:00" for h in hours],
            y=[names[(d - 1) % 7] for d in days],
            colorscale="YlOrRd",
            colorbar={"title": {"text": t("minutes", lang)}},
            hovertemplate="%{y} %{x}: %{z:.1f}<extra></extra>",
            text=[[f"{v:.0f}" if v is not None else "" for v in row] for row in z],
            texttemplate="%{text}",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, height=320)


def _time_of_day(values: list[object]) -> list[object]:
    """Datetimes → times on a common day (so several days overlay on one axis)."""
    out: list[object] = []
    for v in values:
        if isinstance(v, dt.datetime):
            out.append(dt.datetime.combine(dt.date(2000, 1, 3), v.time()))
        else:
            out.append(v)
    return out


def people_waiting_figure(
    waiting: pl.DataFrame | pd.DataFrame, *, lang: str = "ja", overlay_days: bool = True
) -> go.Figure:
    """People waiting over the day, one line per scenario.

    ``waiting`` columns (``journeys.metrics.people_waiting``): at (datetime), waiting (tickets
    issued and not yet called), optional scenario. With ``overlay_days`` the mean over days
    (and replications) is drawn per time of day.
    """
    frame = as_polars(waiting)
    require_columns(frame, ("at", "waiting"), "people waiting")
    frame = frame.select([c for c in ("scenario", "at", "waiting") if c in frame.columns])
    frame = frame.rename({"at": "time"})
    title = t("fig_waiting", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    if "scenario" not in frame.columns:
        frame = frame.with_columns(pl.lit("observed").alias("scenario"))
    if overlay_days and isinstance(frame.schema["time"], pl.Datetime):
        frame = (
            frame.with_columns(pl.col("time").dt.time().alias("_tod"))
            .group_by(["scenario", "_tod"])
            .agg(pl.col("waiting").mean())
            .sort("_tod")
            .with_columns(pl.lit(dt.date(2000, 1, 3)).dt.combine(pl.col("_tod")).alias("time"))
        )
    fig = go.Figure()
    for i, scenario in enumerate(dict.fromkeys(frame["scenario"].to_list())):
        part = frame.filter(pl.col("scenario") == scenario).sort("time")
        fig.add_trace(
            go.Scatter(
                x=_time_of_day(part["time"].to_list()),
                y=part["waiting"].to_list(),
                mode="lines",
                name=scenario_label(scenario, lang),
                line={"color": scenario_colour(scenario, i), "shape": "hv"},
            )
        )
    fig.update_xaxes(tickformat="%H:%M", title_text=t("time_of_day", lang))
    fig.update_yaxes(title_text=t("people_waiting", lang), rangemode="tozero")
    return styled(fig, title, height=340)


def service_level_figure(
    by_hour: pl.DataFrame | pd.DataFrame, *, lang: str = "ja", target_min: float | None = None
) -> go.Figure:
    """Share of tickets called within the target, per hour of day, one colour per scenario.

    ``by_hour`` columns: hour, service_level (0–1), optional scenario. ``target_min`` (the
    wait target the shares were computed with) is named in the title.
    """
    frame = as_polars(by_hour)
    require_columns(frame, ("hour", "service_level"), "service level by hour")
    title = t("fig_service_level", lang)
    if target_min is not None:
        target = t("target_line", lang, target=target_min)
        title = f"{title}（{target}）" if lang == "ja" else f"{title} ({target})"
    if frame.height == 0:
        return empty_figure(title, lang)
    if "scenario" not in frame.columns:
        frame = frame.with_columns(pl.lit("observed").alias("scenario"))
    fig = go.Figure()
    for i, scenario in enumerate(dict.fromkeys(frame["scenario"].to_list())):
        part = frame.filter(pl.col("scenario") == scenario).sort("hour")
        fig.add_trace(
            go.Bar(
                x=[f"{int(h)}:00" for h in part["hour"].to_list()],
                y=[100.0 * float(v) for v in part["service_level"].to_list()],
                name=scenario_label(scenario, lang),
                marker_color=scenario_colour(scenario, i),
                hovertemplate="%{x}: %{y:.0f}%<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 100], ticksuffix="%", title_text=t("share", lang))
    fig.update_xaxes(title_text=t("hour", lang))
    return styled(fig, title, height=320)


def trend_figure(
    trend: pl.DataFrame | pd.DataFrame,
    *,
    every: str,
    target_min: float,
    lang: str = "ja",
) -> go.Figure:
    """Visits (bars, right axis) and mean wait (line with markers, left axis) per day or week,
    with the wait target as a dashed line; one trace per scenario when ``scenario`` is given.

    ``trend`` columns: period (date), visits, wait_min_mean, optional scenario. ``every`` is
    "day" or "week" (named in the title).
    """
    frame = as_polars(trend)
    require_columns(frame, ("period", "visits", "wait_min_mean"), "trend")
    unit = t("by_day" if every == "day" else "by_week", lang)
    title = t("fig_trend", lang, every=unit if lang == "ja" else unit.lower())
    if frame.height == 0:
        return empty_figure(title, lang)
    if "scenario" not in frame.columns:
        frame = frame.with_columns(pl.lit("observed").alias("scenario"))
    fig = go.Figure()
    symbols = ("circle", "diamond", "square", "triangle-up")
    for i, scenario in enumerate(dict.fromkeys(frame["scenario"].to_list())):
        part = frame.filter(pl.col("scenario") == scenario).sort("period")
        colour = scenario_colour(scenario, i)
        name = scenario_label(scenario, lang)
        fig.add_trace(
            go.Bar(
                x=part["period"].to_list(),
                y=part["visits"].to_list(),
                name=f"{name}: {t('visits_axis', lang)}",
                marker_color=colour,
                opacity=0.35,
                yaxis="y2",
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part["period"].to_list(),
                y=part["wait_min_mean"].to_list(),
                name=f"{name}: {t('mean_wait_axis', lang)}",
                mode="lines+markers",
                marker={"symbol": symbols[i % len(symbols)], "size": 7},
                line={"color": colour, "width": 2},
                hovertemplate="%{x}: %{y:.1f}<extra></extra>",
            )
        )
    fig.add_hline(
        y=target_min,
        line_dash="dash",
        line_color="#444444",
        annotation_text=t("target_line", lang, target=target_min),
        annotation_position="top left",
    )
    fig.update_layout(
        yaxis={"title": {"text": t("mean_wait_axis", lang)}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": t("visits_axis", lang)},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        barmode="group",
    )
    fig.update_xaxes(title_text=t("date", lang))
    return styled(fig, title, height=360)


def staff_workload_figure(
    workload: pl.DataFrame | pd.DataFrame,
    *,
    lang: str = "ja",
    basis: str = "",
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Hours per staff member (or counter) stacked by activity (serve, back office, triage, lunch).

    ``workload`` columns: who (staff or counter id), activity, minutes; optional scenario
    (then bars are labelled "scenario · who"). ``basis`` (e.g. "whole period", "per simulated
    day") is written in the title, so hours are never read without what they add up over.
    ``names`` (counter id → "A01 市民課…", :func:`dashboards.operations.counter_names`) names
    the counters' bars.
    """
    frame = as_polars(workload)
    require_columns(frame, ("who", "activity", "minutes"), "staff workload")
    title = t("fig_staff", lang) + (f"（{basis}）" if basis and lang != "en" else "")
    title += f" ({basis})" if basis and lang == "en" else ""
    if frame.height == 0:
        return empty_figure(title, lang)
    named = {w: t(w, lang) for w in ("back_office", "triage", "floor_manager")}
    named |= {cid: _short(cid, names, lang) for cid in (names or {})}
    frame = frame.with_columns(
        pl.col("who").replace_strict(named, default=pl.col("who"), return_dtype=pl.String)
    )
    if "scenario" in frame.columns:
        frame = frame.with_columns(
            pl.format("{} · {}", pl.col("scenario"), pl.col("who")).alias("who")
        )
    totals = frame.group_by("who").agg(pl.col("minutes").sum()).sort("who")
    order = totals["who"].to_list()
    fig = go.Figure()
    activities = list(ACTIVITY_COLOURS) + [
        a for a in dict.fromkeys(frame["activity"].to_list()) if a not in ACTIVITY_COLOURS
    ]
    for activity in activities:
        part = frame.filter(pl.col("activity") == activity)
        if part.height == 0:
            continue
        by = (
            part.group_by("who")
            .agg(pl.col("minutes").sum())
            .select("who", (pl.col("minutes") / 60.0).alias("hours"))
        )
        lookup = dict(zip(by["who"].to_list(), by["hours"].to_list(), strict=True))
        label = t(activity, lang) if activity in ACTIVITY_COLOURS else activity
        fig.add_trace(
            go.Bar(
                x=order,
                y=[lookup.get(w, 0.0) for w in order],
                name=label,
                marker_color=ACTIVITY_COLOURS.get(activity, "#767676"),
                marker_pattern_shape=ACTIVITY_PATTERNS.get(activity, ""),
                hovertemplate="%{x}: %{y:.1f} h<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("hours_axis", lang))
    return styled(fig, title, height=360)


def _short(counter_id: str, names: Mapping[str, str] | None, lang: str) -> str:
    """ "A01 市民課 住民異…": the counter's code and its name cut to fit a label."""
    full = (names or {}).get(counter_id, counter_id)
    name = full[len(counter_id) :].strip() if full.startswith(counter_id) else full
    return f"{counter_id} {short_name(name, lang)}" if name else counter_id


def _node_label(node: str, lang: str, names: Mapping[str, str] | None) -> str:
    if node in ("entrance", "exit"):
        return t(node, lang)
    again = node.endswith(" ↺")
    base = node.removesuffix(" ↺")
    label = (names or {}).get(base, base)
    return f"{label} ↺" if again else label


def flows_sankey(
    flows: pl.DataFrame | pd.DataFrame,
    *,
    lang: str = "ja",
    top: int = 60,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Sankey of residents' moves between counters (entrance → counters → exit).

    ``flows`` columns: source, target, count (directly-follows pairs of ``journeys.flows``).
    Only the ``top`` largest links are drawn; a self-loop cannot be drawn and is skipped.
    ``names`` (counter id → "A01 市民課（届出）", :func:`dashboards.operations.counter_names`)
    names the counters' nodes; without it they show their codes.
    """
    frame = as_polars(flows)
    require_columns(frame, ("source", "target", "count"), "flows")
    title = t("fig_sankey", lang)
    frame = frame.filter(pl.col("source") != pl.col("target")).sort("count", descending=True)
    frame = frame.head(top)
    if frame.height == 0:
        return empty_figure(title, lang)
    # the Sankey must be acyclic: a link that goes back to an earlier node is shown as a
    # separate "(again)" node on the right.
    nodes: list[str] = []
    index: dict[str, int] = {}

    def node(name: str) -> int:
        if name not in index:
            index[name] = len(nodes)
            nodes.append(name)
        return index[name]

    node("entrance")
    sources: list[int] = []
    targets: list[int] = []
    values: list[float] = []
    seen_edges: set[tuple[str, str]] = set()
    for r in frame.iter_rows(named=True):
        s, tg = str(r["source"]), str(r["target"])
        if (tg, s) in seen_edges:
            tg = f"{tg} ↺"
        seen_edges.add((s, tg))
        sources.append(node(s))
        targets.append(node(tg))
        values.append(float(r["count"]))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [_node_label(n, lang, names) for n in nodes],
                "pad": 12,
                "thickness": 14,
                "color": ["#555555" if n in ("entrance", "exit") else "#2a7f62" for n in nodes],
            },
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "color": "rgba(79,129,189,0.30)",
            },
        )
    )
    return styled(fig, title, height=460)


def variants_figure(
    variants: pl.DataFrame | pd.DataFrame,
    *,
    lang: str = "ja",
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """The most frequent visit variants (sequence of counters), as horizontal bars of share.

    ``variants`` columns: variant (text like "C01 → C04" or a list of counter ids), count, share.
    With ``names`` (counter id → "C01 市民課（届出）") each counter of a route is written by
    its code and short name, the whole names in the hover.
    """
    frame = as_polars(variants)
    require_columns(frame, ("variant", "count", "share"), "variants")
    title = t("fig_variants", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    if frame.schema["variant"] != pl.String:
        frame = frame.with_columns(
            pl.col("variant").cast(pl.List(pl.String)).list.join(" → ").alias("variant")
        )
    frame = frame.sort("count", descending=True)
    routes = [str(v).split(" → ") for v in frame["variant"].to_list()]
    full = [" → ".join((names or {}).get(c, c) for c in route) for route in routes]
    fig = go.Figure(
        go.Bar(
            y=[" → ".join(_short(c, names, lang) for c in route) for route in routes],
            x=[100.0 * float(s) for s in frame["share"].to_list()],
            orientation="h",
            marker_color="#4f81bd",
            text=[f"{int(c):,}" for c in frame["count"].to_list()],
            textposition="auto",
            customdata=full,
            hovertemplate="%{customdata}: %{x:.1f}%<extra></extra>",
        )
    )
    fig.update_xaxes(ticksuffix="%", title_text=t("share", lang))
    fig.update_yaxes(autorange="reversed", title_text=t("variant", lang))
    return styled(fig, title, height=140 + 30 * frame.height)
