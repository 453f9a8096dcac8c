"""Floor figures: the floor plan of a scenario (the replay of one day is in
:mod:`dashboards.figures.replay` and stands on the same floor).

The floor is given as two small frames (built from the study by
:func:`dashboards.data.floor_frames`):

* ``counters``: counter_id, label, zone, floor, x, y, staff and optionally utilisation (0–1)
  and zone_label (the zone's readable name);
* ``landmarks``: id, kind ("entrance", "ticket_machine", "desk"), floor, x, y;

and, when the scenario is drawn on grid paper, a :class:`FloorPaper` (from
:func:`dashboards.data.floor_paper`): the figure is then the grid paper itself — walls, rooms,
stairs as drawn, points at the cells where their labels stand, flows along the engine's
shortest paths. Without grid paper the points stand at the study's x/y and the figure says
that distances are straight lines. Both keep the sheet's orientation (y grows downwards, as
rows do in Excel) and put floor 2 to the right of floor 1.

Counters are coloured by utilisation on one fixed scale (0–100 %), so the same colour means
the same load in every scenario; above 100 % a counter gets a black ring and a ▲. Each counter
is written on the floor by its code and name (窓口名, ``label``; shortened with "…" when long,
whole in the hover).
"""

from __future__ import annotations

import itertools

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from dashboards.figures._style import as_polars, require_columns, styled
from dashboards.figures.floor_paper import (
    FloorPaper,
    merge_shapes,
    paper_annotations,
    paper_shapes,
)
from dashboards.i18n import t

__all__ = [
    "COUNTER_FRAME_COLUMNS",
    "LANDMARK_FRAME_COLUMNS",
    "UTILISATION_SCALE",
    "FloorPaper",
    "counter_text",
    "floor_plan",
    "plan_summary",
    "short_name",
]

COUNTER_FRAME_COLUMNS = ("counter_id", "label", "zone", "floor", "x", "y", "staff")
LANDMARK_FRAME_COLUMNS = ("id", "kind", "floor", "x", "y")
_GAP_M = 12.0
_LANDMARK_STYLE = {
    "entrance": ("square", "#548235"),
    "ticket_machine": ("diamond", "#c55a11"),
    "desk": ("triangle-up", "#bf8f00"),
}
#: Utilisation 0 → 1 on one fixed scale in every scenario (above 1: the colour of 1 and a ring).
UTILISATION_SCALE: list[list[float | str]] = [
    [0.0, "#ffffcc"],
    [0.5, "#fecc5c"],
    [0.8, "#fd8d3c"],
    [1.0, "#d7191c"],
]
_NO_UTILISATION = "#bfbfbf"
#: Characters of a counter's name written on the floor (Japanese, English); the hover has all.
NAME_CHARS = {"ja": 8, "en": 16}
#: Width (px) of the narrowest figure the counters' texts must fit (a 1024 px screen).
_NARROW_PX = 650.0


def short_name(name: str, lang: str) -> str:
    """A counter's name cut to what fits beside it on the floor ("…" marks the cut)."""
    limit = NAME_CHARS["en" if lang == "en" else "ja"]
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def counter_text(counter_id: str, name: str, lang: str) -> str:
    """The code, and under it the (short) name, of a counter as written on the floor."""
    if not name or name == counter_id:
        return counter_id
    return f"{counter_id}<br>{short_name(name, lang)}"


def _floor_offsets(counters: pl.DataFrame, landmarks: pl.DataFrame) -> dict[int, float]:
    """x offset of each building floor so that floors sit side by side."""
    both = pl.concat(
        [counters.select("floor", "x"), landmarks.select("floor", "x")], how="vertical_relaxed"
    )
    offsets: dict[int, float] = {}
    cursor = 0.0
    for floor in sorted(int(f) for f in both["floor"].unique().to_list()):
        xs = both.filter(pl.col("floor") == floor)["x"]
        low, high = float(xs.min()), float(xs.max())  # type: ignore[arg-type]
        offsets[floor] = cursor - low
        cursor += (high - low) + _GAP_M
    return offsets


def _positions(
    counters: pl.DataFrame, landmarks: pl.DataFrame, paper: FloorPaper | None = None
) -> tuple[dict[str, tuple[float, float]], dict[int, float]]:
    offsets = paper.offsets() if paper is not None else _floor_offsets(counters, landmarks)
    pos: dict[str, tuple[float, float]] = {}
    for r in counters.iter_rows(named=True):
        off = offsets.get(int(r["floor"]), 0.0)
        pos[str(r["counter_id"])] = (float(r["x"]) + off, float(r["y"]))
    for r in landmarks.iter_rows(named=True):
        xy = (float(r["x"]) + offsets.get(int(r["floor"]), 0.0), float(r["y"]))
        pos.setdefault(str(r["id"]), xy)
        if r["kind"] == "entrance":
            pos.setdefault("entrance", xy)
            pos.setdefault("exit", xy)
    return pos, offsets


def _util(value: object) -> float | None:
    if value is None or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def _text_px(text: str) -> float:
    """Rough width in pixels of the widest line of a counter's text (10 px font)."""
    lines = text.split("<br>")
    return max(sum(10.0 if ord(ch) > 0x2E80 else 6.0 for ch in line) for line in lines)


def _raised(pos: dict[str, tuple[float, float]], texts: dict[str, str]) -> set[str]:
    """Counters whose text stands one block higher, so that neighbouring names do not
    overlap: in a row, a counter whose text would touch its left neighbour's (on a figure
    :data:`_NARROW_PX` wide) when that one stands low."""
    xs = [x for x, _y in pos.values()]
    px_per_m = _NARROW_PX / max(max(xs) - min(xs), 1.0)
    rows: dict[float, list[tuple[float, str]]] = {}
    for cid in texts:
        x, y = pos[cid]
        rows.setdefault(round(y), []).append((x, cid))
    raised: set[str] = set()
    for row in rows.values():
        row.sort()
        for (x0, left), (x1, cid) in itertools.pairwise(row):
            room = (x1 - x0) * px_per_m
            if left not in raised and room < (_text_px(texts[left]) + _text_px(texts[cid])) / 2:
                raised.add(cid)
    return raised


def _counter_trace(
    counters: pl.DataFrame, pos: dict[str, tuple[float, float]], lang: str
) -> list[go.Scatter]:
    """One marker per counter, coloured on the fixed utilisation scale, with a colour bar;
    its code, name and utilisation written above it."""
    has_util = "utilisation" in counters.columns
    traces: list[go.Scatter] = []
    texts: dict[str, str] = {}
    for row in counters.iter_rows(named=True):
        cid = str(row["counter_id"])
        u = _util(row["utilisation"]) if has_util else None
        texts[cid] = counter_text(cid, str(row["label"] or ""), lang)
        if u is not None:
            texts[cid] += f"<br>{'▲' if u > 1.0 else ''}{100 * u:.0f}%"
    raised = _raised(pos, texts)
    for row in counters.iter_rows(named=True):
        cid = str(row["counter_id"])
        u = _util(row["utilisation"]) if has_util else None
        over = u is not None and u > 1.0
        text = texts[cid]
        if cid in raised:  # blank lines under the text lift it above its neighbours'
            text += "<br>\u00a0" * (text.count("<br>") + 1)
        hover = f"{cid} {row['label']}<br>{t('staff', lang)}: {row['staff']}"
        if u is not None:
            hover += f"<br>{t('utilisation', lang)}: {100 * u:.0f}%"
        traces.append(
            go.Scatter(
                x=[pos[cid][0]],
                y=[pos[cid][1]],
                mode="markers+text",
                marker={
                    "symbol": "square",
                    "size": 18,
                    "color": [min(u, 1.0)] if u is not None else _NO_UTILISATION,
                    "colorscale": UTILISATION_SCALE,
                    "cmin": 0.0,
                    "cmax": 1.0,
                    "line": {"color": "#000000" if over else "#ffffff", "width": 3 if over else 1},
                },
                text=[text],
                textposition="top center",
                textfont={"size": 10, "color": "#c00000" if over else "#000000"},
                hovertext=[hover],
                hoverinfo="text",
                name=cid,
                showlegend=False,
                meta={"counter_id": cid, "over_capacity": over},
            )
        )
    traces.append(_colour_bar(lang))
    return traces


def _colour_bar(lang: str) -> go.Scatter:
    """An invisible trace that shows the fixed utilisation scale (0–100 %, ▲ above)."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={
            "color": [0.0],
            "colorscale": UTILISATION_SCALE,
            "cmin": 0.0,
            "cmax": 1.0,
            "showscale": True,
            "colorbar": {
                "title": {"text": t("utilisation", lang)},
                "tickvals": [0.0, 0.5, 0.8, 1.0],
                "ticktext": ["0%", "50%", "80%", "100%+ ▲"],
                "len": 0.6,
                "thickness": 12,
            },
        },
        hoverinfo="skip",
        showlegend=False,
        name=t("utilisation", lang),
    )


def _landmark_traces(
    landmarks: pl.DataFrame, pos: dict[str, tuple[float, float]], lang: str
) -> list[go.Scatter]:
    traces: list[go.Scatter] = []
    for kind, (symbol, colour) in _LANDMARK_STYLE.items():
        part = landmarks.filter(pl.col("kind") == kind)
        if part.height == 0:
            continue
        traces.append(
            go.Scatter(
                x=[pos[str(i)][0] for i in part["id"].to_list()],
                y=[pos[str(i)][1] for i in part["id"].to_list()],
                mode="markers",
                marker={"symbol": symbol, "size": 12, "color": colour},
                name=t(kind, lang),
                hovertext=[f"{t(kind, lang)} {i}" for i in part["id"].to_list()],
                hoverinfo="text",
            )
        )
    return traces


def _floor_labels(
    fig: go.Figure, offsets: dict[int, float], counters: pl.DataFrame, landmarks: pl.DataFrame
) -> None:
    """Floor names above each floor of a straight-line plan."""
    both = pl.concat(
        [counters.select("floor", "x", "y"), landmarks.select("floor", "x", "y")],
        how="vertical_relaxed",
    )
    y_top = float(both["y"].min()) - 4.0  # type: ignore[arg-type]
    notes = []
    for floor, off in offsets.items():
        xs = both.filter(pl.col("floor") == floor)["x"]
        x0 = float(xs.min()) + off if xs.len() else off  # type: ignore[arg-type]
        notes.append(
            {
                "x": x0,
                "y": y_top,
                "text": f"<b>{floor}F</b>",
                "showarrow": False,
                "font": {"size": 14},
                "xanchor": "left",
            }
        )
    fig.update_layout(annotations=[*fig.layout.annotations, *notes])


def _background(
    fig: go.Figure,
    paper: FloorPaper | None,
    offsets: dict[int, float],
    counters: pl.DataFrame,
    landmarks: pl.DataFrame,
    lang: str,
    *,
    merged: bool = False,
) -> None:
    """The grid paper (walls, rooms, stairs, room names), or the straight-line note; with
    ``merged`` the rectangles of one kind and colour are one path (:func:`merge_shapes`)."""
    if paper is None:
        _floor_labels(fig, offsets, counters, landmarks)
        fig.add_annotation(
            text=t("floor_straight_lines", lang),
            xref="paper",
            yref="paper",
            x=0.0,
            y=1.0,
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#7f7f7f"},
            name="straight lines",
        )
        return
    points = {str(c) for c in counters["counter_id"].to_list()}
    points |= {str(i) for i in landmarks["id"].to_list()}
    # set at once: adding shapes one by one re-validates every earlier one (quadratic)
    fig.update_layout(
        shapes=[*fig.layout.shapes, *(merge_shapes if merged else list)(paper_shapes(paper))],
        annotations=[*fig.layout.annotations, *paper_annotations(paper, points)],
    )


def _flow_traces(
    flows: pl.DataFrame,
    pos: dict[str, tuple[float, float]],
    paper: FloorPaper | None,
    lang: str,
    max_width: float,
    names: dict[str, str] | None = None,
) -> list[go.Scatter]:
    """Walking flows, width ∝ traffic: along the engine's paths on grid paper, else straight;
    the hover names both ends (``names``: counter id → "A01 市民課…")."""
    require_columns(flows, ("source", "target", "count"), "flows")
    ff = flows.filter(
        (pl.col("source") != pl.col("target"))
        & pl.col("source").is_in(list(pos))
        & pl.col("target").is_in(list(pos))
    )
    if ff.height == 0:
        return []
    biggest = float(ff["count"].max())  # type: ignore[arg-type]
    labels = {"entrance": t("entrance", lang), "exit": t("exit", lang)} | (names or {})
    traces: list[go.Scatter] = []
    for r in ff.sort("count", descending=True).iter_rows(named=True):
        source, target = str(r["source"]), str(r["target"])
        walk = paper.walk(source, target) if paper is not None else None
        if walk is not None and paper is not None:
            xs, ys = paper.polyline(walk)
            metres = walk.metres
        else:
            (x0, y0), (x1, y1) = pos[source], pos[target]
            xs, ys = [x0, x1], [y0, y1]
            metres = None
        hover = (
            f"{labels.get(source, source)} → {labels.get(target, target)}: {float(r['count']):,.0f}"
        )
        if metres is not None:
            hover += f" ({metres:.0f} m)"
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={
                    "width": max(0.5, max_width * float(r["count"]) / biggest),
                    "color": "rgba(79,129,189,0.45)",
                },
                connectgaps=False,
                hovertext=hover,
                hoverinfo="text",
                name=t("walking_flow", lang),
                legendgroup="flows",
                showlegend=not traces,
                meta={"source": source, "target": target, "metres": metres},
            )
        )
    return traces


def floor_plan(
    counters: pl.DataFrame | pd.DataFrame,
    landmarks: pl.DataFrame | pd.DataFrame,
    flows: pl.DataFrame | pd.DataFrame | None = None,
    *,
    paper: FloorPaper | None = None,
    scenario_name: str = "",
    lang: str = "ja",
    max_width: float = 14.0,
) -> go.Figure:
    """Floor plan of one scenario: the grid paper when given (else the study's x/y), counters
    coloured by utilisation on a fixed scale, entrance, ticket machine and writing desks, and
    walking flows as lines of width ∝ traffic.

    ``flows`` columns: source, target, count (``journeys.flows`` of that scenario).
    """
    cf = as_polars(counters)
    lf = as_polars(landmarks)
    require_columns(cf, COUNTER_FRAME_COLUMNS, "floor counters")
    require_columns(lf, LANDMARK_FRAME_COLUMNS, "floor landmarks")
    pos, offsets = _positions(cf, lf, paper)
    fig = go.Figure()
    _background(fig, paper, offsets, cf, lf, lang)
    if flows is not None:
        names = {
            str(c): f"{c} {label}".strip() if label and label != c else str(c)
            for c, label in cf.select("counter_id", "label").iter_rows()
        }
        for trace in _flow_traces(as_polars(flows), pos, paper, lang, max_width, names):
            fig.add_trace(trace)
    for trace in _landmark_traces(lf, pos, lang):
        fig.add_trace(trace)
    for trace in _counter_trace(cf, pos, lang):
        fig.add_trace(trace)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1, autorange="reversed")
    fig.update_layout(meta={"summary": plan_summary(cf, lang)})
    return styled(fig, t("fig_floor", lang, scenario=scenario_name), height=520)


def plan_summary(counters: pl.DataFrame, lang: str) -> str:
    """The floor plan's text alternative: each counter by code and name, with its
    utilisation when known ("A01 市民課（届出）99%")."""
    has_util = "utilisation" in counters.columns
    parts = []
    for row in counters.iter_rows(named=True):
        cid, label = str(row["counter_id"]), str(row["label"] or "")
        name = f"{cid} {label}" if label and label != cid else cid
        u = _util(row["utilisation"]) if has_util else None
        parts.append(f"{name} {100 * u:.0f}%" if u is not None else name)
    key = "alt_floor_util" if has_util else "alt_floor"
    return t(key, lang, counters=("、" if lang == "ja" else ", ").join(parts))
