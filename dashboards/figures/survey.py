"""Journey-survey figures (体験調査): emotion curves, minutes by action, writes, pain points.

Each builder takes the small frame that ``journeys.survey_metrics`` computes (column names
documented per function) and only draws it.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboards.figures._style import (
    as_polars,
    empty_figure,
    require_columns,
    scenario_colour,
    styled,
    wrap_label,
)
from dashboards.i18n import ACTION_COLOURS, action_label, scenario_label, t

__all__ = [
    "emotion_curves",
    "minutes_by_action",
    "pain_points_figure",
    "writes_figure",
]


def emotion_curves(curve: pl.DataFrame | pd.DataFrame, *, lang: str = "ja") -> go.Figure:
    """A journey map: the emotion (−2..+2) at each step of each surveyed journey on the time
    axis, one panel per persona, coloured (and marked) by phase; pain points marked at their
    step with a red ✕.

    ``curve`` is ``journeys.survey_metrics.emotion_curve``: phase, persona, step, emotion and,
    when present, journey_id (one line per journey), cum_minutes (x = minutes elapsed, else
    x = step), action (named on hover) and pain_category (a pain point at that step).
    """
    frame = as_polars(curve)
    require_columns(frame, ("persona", "phase", "step", "emotion"), "emotion curve")
    title = t("fig_emotion", lang)
    frame = frame.filter(pl.col("emotion").is_not_null())
    if frame.height == 0:
        return empty_figure(title, lang)
    if "journey_id" not in frame.columns:
        frame = frame.with_columns(pl.format("{}·{}", "persona", "phase").alias("journey_id"))
    x_col = "cum_minutes" if "cum_minutes" in frame.columns else "step"
    personas = list(dict.fromkeys(frame.sort("persona")["persona"].to_list()))
    phases = list(dict.fromkeys(frame["phase"].to_list()))
    cols = min(3, len(personas))
    rows = -(-len(personas) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=personas,
        shared_yaxes=True,
        vertical_spacing=0.16 if rows > 1 else 0.1,
        horizontal_spacing=0.05,
    )
    shown: set[str] = set()
    for n, persona in enumerate(personas):
        r, c = n // cols + 1, n % cols + 1
        for i, phase in enumerate(phases):
            part = frame.filter((pl.col("persona") == persona) & (pl.col("phase") == phase))
            for journey in dict.fromkeys(part["journey_id"].to_list()):
                one = part.filter(pl.col("journey_id") == journey).sort("step")
                steps = (
                    [action_label(str(a), lang) for a in one["action"].to_list()]
                    if "action" in one.columns
                    else [str(s) for s in one["step"].to_list()]
                )
                fig.add_trace(
                    go.Scatter(
                        x=one[x_col].to_list(),
                        y=one["emotion"].to_list(),
                        mode="lines+markers",
                        name=scenario_label(phase, lang),
                        legendgroup=phase,
                        showlegend=phase not in shown,
                        line={"color": scenario_colour(phase, i), "width": 1.5},
                        marker={"size": 5, "symbol": "circle" if i == 0 else "diamond"},
                        customdata=steps,
                        hovertemplate=f"{journey} · %{{customdata}}: %{{y}}<extra></extra>",
                    ),
                    row=r,
                    col=c,
                )
                shown.add(phase)
                if "pain_category" in one.columns:
                    pains = one.filter(pl.col("pain_category").is_not_null())
                    if pains.height:
                        fig.add_trace(
                            go.Scatter(
                                x=pains[x_col].to_list(),
                                y=pains["emotion"].to_list(),
                                mode="markers",
                                name=t("pain_points", lang),
                                legendgroup="pain",
                                showlegend="pain" not in shown,
                                marker={"symbol": "x", "size": 10, "color": "#a50e0e"},
                                customdata=pains["pain_category"].to_list(),
                                hovertemplate=f"{journey} · %{{customdata}}<extra></extra>",
                            ),
                            row=r,
                            col=c,
                        )
                        shown.add("pain")
    fig.update_yaxes(range=[-2.3, 2.3], zeroline=True, zerolinecolor="#bbbbbb")
    fig.update_yaxes(title_text=t("emotion", lang), col=1)
    x_title = t("minutes", lang) if x_col == "cum_minutes" else t("step", lang)
    fig.update_xaxes(title_text=x_title, row=rows)
    fig.update_annotations(font_size=11)
    return styled(fig, title, height=240 * rows + 100)


def minutes_by_action(minutes: pl.DataFrame | pd.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Stacked minutes by action (walk, wait, write, …) per persona and phase.

    ``minutes`` is ``journeys.survey_metrics.minutes_by_action(per="journey")``: persona, phase,
    action, minutes per journey; bars show the mean over the journeys of a persona and phase.
    """
    frame = as_polars(minutes)
    require_columns(frame, ("persona", "phase", "action", "minutes"), "minutes by action")
    title = t("fig_minutes_action", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    frame = frame.group_by(["persona", "phase", "action"]).agg(pl.col("minutes").mean())
    frame = frame.with_columns(
        pl.format("{} · {}", pl.col("persona"), pl.col("phase")).alias("_row")
    ).sort(["persona", "phase"])
    rows = list(dict.fromkeys(frame["_row"].to_list()))
    labels = {
        row: f"{p} · {scenario_label(ph, lang)}"
        for row, p, ph in zip(frame["_row"], frame["persona"], frame["phase"], strict=True)
    }
    fig = go.Figure()
    for action, colour in ACTION_COLOURS.items():
        part = frame.filter(pl.col("action") == action)
        if part.height == 0:
            continue
        values = dict(zip(part["_row"].to_list(), part["minutes"].to_list(), strict=True))
        fig.add_trace(
            go.Bar(
                y=[labels[r] for r in rows],
                x=[values.get(r, 0.0) for r in rows],
                name=action_label(action, lang),
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: %{x:.1f}<extra>" + action_label(action, lang) + "</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("minutes", lang))
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, height=120 + 28 * len(rows))


def writes_figure(writes: pl.DataFrame | pd.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Forms written and times name/address were written per journey, per persona and phase.

    ``writes`` is ``journeys.survey_metrics.writes_per_journey``: persona, phase, forms_written,
    fields_written per journey; bars show the mean over the journeys of a persona and phase.
    """
    frame = as_polars(writes)
    require_columns(
        frame, ("persona", "phase", "forms_written", "fields_written"), "writes per journey"
    )
    title = t("fig_writes", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    frame = frame.group_by(["persona", "phase"], maintain_order=True).agg(
        pl.col("forms_written", "fields_written").cast(pl.Float64).mean()
    )
    fig = make_subplots(
        rows=1,
        cols=2,
        # wrapped: the two titles stay apart when long persona names narrow the panels
        subplot_titles=[
            wrap_label(t(key, lang), 8 if lang == "ja" else 16)
            for key in ("forms_written", "fields_written")
        ],
        shared_yaxes=True,
    )
    personas = list(dict.fromkeys(frame.sort("persona")["persona"].to_list()))
    for i, phase in enumerate(dict.fromkeys(frame["phase"].to_list())):
        part = frame.filter(pl.col("phase") == phase)
        by = {r["persona"]: r for r in part.iter_rows(named=True)}
        for col, measure in enumerate(("forms_written", "fields_written"), start=1):
            fig.add_trace(
                go.Bar(
                    y=personas,
                    x=[float(by[p][measure]) if p in by else 0.0 for p in personas],
                    orientation="h",
                    name=scenario_label(phase, lang),
                    legendgroup=phase,
                    showlegend=col == 1,
                    marker_color=scenario_colour(phase, i),
                ),
                row=1,
                col=col,
            )
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, height=140 + 40 * len(personas))


def pain_points_figure(pain: pl.DataFrame | pd.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Pain points per category (bars, one colour per phase).

    ``pain`` columns: pain_category, count, and optionally phase.
    """
    frame = as_polars(pain)
    require_columns(frame, ("pain_category", "count"), "pain points")
    title = t("fig_pain", lang)
    if frame.height == 0:
        return empty_figure(title, lang)
    if "phase" not in frame.columns:
        frame = frame.with_columns(pl.lit("observed").alias("phase"))
    totals = frame.group_by("pain_category").agg(pl.col("count").sum()).sort("count")
    order = totals["pain_category"].to_list()
    fig = go.Figure()
    for i, phase in enumerate(dict.fromkeys(frame["phase"].to_list())):
        part = frame.filter(pl.col("phase") == phase)
        by = dict(zip(part["pain_category"].to_list(), part["count"].to_list(), strict=True))
        fig.add_trace(
            go.Bar(
                y=order,
                x=[by.get(c, 0) for c in order],
                orientation="h",
                name=scenario_label(phase, lang),
                marker_color=scenario_colour(phase, i),
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text=t("count", lang))
    return styled(fig, title, height=140 + 32 * len(order))
