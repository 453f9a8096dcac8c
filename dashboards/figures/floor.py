"""Floor figures: the floor plan of a scenario and an animated replay of one simulated day.

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
the same load in every scenario; above 100 % a counter gets a black ring and a ▲.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboards.figures._style import as_polars, require_columns, styled
from dashboards.figures.floor_paper import FloorPaper, paper_annotations, paper_shapes
from dashboards.i18n import t
from simulation.floorplan import WalkPath

__all__ = [
    "COUNTER_FRAME_COLUMNS",
    "LANDMARK_FRAME_COLUMNS",
    "UTILISATION_SCALE",
    "FloorPaper",
    "day_replay",
    "floor_plan",
    "replay_positions",
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


def _counter_trace(
    counters: pl.DataFrame, pos: dict[str, tuple[float, float]], lang: str
) -> list[go.Scatter]:
    """One marker per counter, coloured on the fixed utilisation scale, with a colour bar."""
    has_util = "utilisation" in counters.columns
    traces: list[go.Scatter] = []
    for row in counters.iter_rows(named=True):
        cid = str(row["counter_id"])
        u = _util(row["utilisation"]) if has_util else None
        over = u is not None and u > 1.0
        text = cid + (f"<br>{'▲' if over else ''}{100 * u:.0f}%" if u is not None else "")
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
    for floor, off in offsets.items():
        xs = both.filter(pl.col("floor") == floor)["x"]
        x0 = float(xs.min()) + off if xs.len() else off  # type: ignore[arg-type]
        fig.add_annotation(
            x=x0,
            y=y_top,
            text=f"<b>{floor}F</b>",
            showarrow=False,
            font={"size": 14},
            xanchor="left",
        )


def _background(
    fig: go.Figure,
    paper: FloorPaper | None,
    offsets: dict[int, float],
    counters: pl.DataFrame,
    landmarks: pl.DataFrame,
    lang: str,
) -> None:
    """The grid paper (walls, rooms, stairs, room names), or the straight-line note."""
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
    for shape in paper_shapes(paper):
        fig.add_shape(**shape)
    points = {str(c) for c in counters["counter_id"].to_list()}
    points |= {str(i) for i in landmarks["id"].to_list()}
    for note in paper_annotations(paper, points):
        fig.add_annotation(**note)


def _flow_traces(
    flows: pl.DataFrame,
    pos: dict[str, tuple[float, float]],
    paper: FloorPaper | None,
    lang: str,
    max_width: float,
) -> list[go.Scatter]:
    """Walking flows, width ∝ traffic: along the engine's paths on grid paper, else straight."""
    require_columns(flows, ("source", "target", "count"), "flows")
    ff = flows.filter(
        (pl.col("source") != pl.col("target"))
        & pl.col("source").is_in(list(pos))
        & pl.col("target").is_in(list(pos))
    )
    if ff.height == 0:
        return []
    biggest = float(ff["count"].max())  # type: ignore[arg-type]
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
        hover = f"{source} → {target}: {float(r['count']):,.0f}"
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
        for trace in _flow_traces(as_polars(flows), pos, paper, lang, max_width):
            fig.add_trace(trace)
    for trace in _landmark_traces(lf, pos, lang):
        fig.add_trace(trace)
    for trace in _counter_trace(cf, pos, lang):
        fig.add_trace(trace)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1, autorange="reversed")
    return styled(fig, t("fig_floor", lang, scenario=scenario_name), height=520)


def replay_positions(
    log: pl.DataFrame | pd.DataFrame,
    counters: pl.DataFrame | pd.DataFrame,
    landmarks: pl.DataFrame | pd.DataFrame,
    *,
    every_min: int = 5,
    paper: FloorPaper | None = None,
) -> pl.DataFrame:
    """Where each resident of one day is at each frame time (for :func:`day_replay`).

    ``log`` is one scenario, one replication, one day of a canonical counter log. At frame
    time T a ticket is *waiting* (issued, not called), *served* (called, not ended), and a
    visit between two tickets is *walking*, placed by elapsed time along the engine's path
    between the two counters on grid paper (``paper``), else on the straight line. Columns: frame (datetime), visit_id, state, counter_id, x, y.
    """
    lg = as_polars(log)
    cf, lf = as_polars(counters), as_polars(landmarks)
    pos, _ = _positions(cf, lf, paper)
    if lg.height == 0:
        return pl.DataFrame(
            schema={
                "frame": pl.Datetime("us"),
                "visit_id": pl.String,
                "state": pl.String,
                "counter_id": pl.String,
                "x": pl.Float64,
                "y": pl.Float64,
            }
        )
    tickets = (
        lg.select("visit_id", "counter_id", "issued_at", "called_at", "ended_at")
        .with_columns(left_at=pl.coalesce("ended_at", "called_at", "issued_at"))
        .sort(["visit_id", "issued_at"])
        .with_columns(
            prev_counter=pl.col("counter_id").shift(1).over("visit_id"),
            prev_left=pl.col("left_at").shift(1).over("visit_id"),
        )
    )
    start = tickets["issued_at"].min()
    end = tickets["left_at"].max()
    assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
    start = start.replace(minute=start.minute - start.minute % every_min, second=0, microsecond=0)
    grid = pl.DataFrame(
        {
            "frame": pl.datetime_range(
                start, end, dt.timedelta(minutes=every_min), eager=True, time_unit="us"
            )
        }
    )
    cross = grid.join(tickets, how="cross")
    at_counter = cross.filter(
        (pl.col("issued_at") <= pl.col("frame")) & (pl.col("frame") < pl.col("left_at"))
    ).with_columns(
        state=pl.when(pl.col("called_at").is_null() | (pl.col("frame") < pl.col("called_at")))
        .then(pl.lit("waiting"))
        .otherwise(pl.lit("served"))
    )
    walking = cross.filter(
        pl.col("prev_left").is_not_null()
        & (pl.col("prev_left") <= pl.col("frame"))
        & (pl.col("frame") < pl.col("issued_at"))
    ).with_columns(
        state=pl.lit("walking"),
        frac=(
            (pl.col("frame") - pl.col("prev_left")).dt.total_seconds()
            / (pl.col("issued_at") - pl.col("prev_left")).dt.total_seconds()
        ),
    )
    cx = {k: v[0] for k, v in pos.items()}
    cy = {k: v[1] for k, v in pos.items()}
    # spread residents around their counter: served in a row above, waiting in rows below
    at_counter = at_counter.with_columns(
        slot=pl.col("issued_at").rank("ordinal").over(["frame", "counter_id", "state"]) - 1
    ).with_columns(
        x=pl.col("counter_id").replace_strict(cx, default=0.0, return_dtype=pl.Float64)
        + ((pl.col("slot") % 8).cast(pl.Float64) - 3.5) * 0.5,
        y=pl.col("counter_id").replace_strict(cy, default=0.0, return_dtype=pl.Float64)
        + pl.when(pl.col("state") == "served")
        .then(pl.lit(0.8))
        .otherwise(-1.0 - 0.6 * (pl.col("slot") // 8).cast(pl.Float64)),
    )
    walking = walking.with_columns(
        x=pl.col("prev_counter").replace_strict(cx, default=0.0, return_dtype=pl.Float64)
        * (1 - pl.col("frac"))
        + pl.col("counter_id").replace_strict(cx, default=0.0, return_dtype=pl.Float64)
        * pl.col("frac"),
        y=pl.col("prev_counter").replace_strict(cy, default=0.0, return_dtype=pl.Float64)
        * (1 - pl.col("frac"))
        + pl.col("counter_id").replace_strict(cy, default=0.0, return_dtype=pl.Float64)
        * pl.col("frac"),
    )
    if paper is not None and walking.height:
        walking = _walk_on_paper(walking, paper)
    cols = ["frame", "visit_id", "state", "counter_id", "x", "y"]
    return pl.concat([at_counter.select(cols), walking.select(cols)]).sort(["frame", "visit_id"])


def _walk_on_paper(walking: pl.DataFrame, paper: FloorPaper) -> pl.DataFrame:
    """Residents between two counters placed along the engine's path (around the walls)."""
    xs: list[float] = []
    ys: list[float] = []
    paths: dict[tuple[str, str], WalkPath | None] = {}
    for source, target, frac, x, y in walking.select(
        "prev_counter", "counter_id", "frac", "x", "y"
    ).iter_rows():
        key = (str(source), str(target))
        if key not in paths:
            paths[key] = paper.walk(*key)
        path = paths[key]
        point = paper.along(path, float(frac)) if path is not None else None
        xs.append(point[0] if point is not None else float(x))
        ys.append(point[1] if point is not None else float(y))
    return walking.with_columns(
        x=pl.Series(xs, dtype=pl.Float64), y=pl.Series(ys, dtype=pl.Float64)
    )


def day_replay(
    log: pl.DataFrame | pd.DataFrame,
    counters: pl.DataFrame | pd.DataFrame,
    landmarks: pl.DataFrame | pd.DataFrame,
    *,
    paper: FloorPaper | None = None,
    scenario_name: str = "",
    every_min: int = 5,
    lang: str = "ja",
) -> go.Figure:
    """Animated replay of one simulated day (one plotly frame per ``every_min`` minutes):
    residents waiting, being served and walking between counters on the floor (the grid paper
    when given), and the queue length of each counter beside it."""
    cf, lf = as_polars(counters), as_polars(landmarks)
    require_columns(cf, COUNTER_FRAME_COLUMNS, "floor counters")
    require_columns(lf, LANDMARK_FRAME_COLUMNS, "floor landmarks")
    pos, offsets = _positions(cf, lf, paper)
    moves = replay_positions(log, cf, lf, every_min=every_min, paper=paper)
    counter_ids = [str(c) for c in cf["counter_id"].to_list()]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.7, 0.3],
        subplot_titles=["", t("queue_length", lang)],
        horizontal_spacing=0.06,
    )
    for trace in _landmark_traces(lf, pos, lang) + _counter_trace(cf, pos, lang):
        trace.update(showlegend=False)
        fig.add_trace(trace, row=1, col=1)
    _background(fig, paper, offsets, cf, lf, lang)
    static = len(fig.data)
    frames_at = list(dict.fromkeys(moves["frame"].to_list())) if moves.height else []
    styles = {
        "waiting": ("#c0504d", t("people_waiting", lang)),
        "served": ("#2a7f62", t("serve", lang)),
        "walking": ("#4f81bd", t("walking_now", lang)),
    }

    def traces_at(when: dt.datetime | None) -> list[go.BaseTraceType]:
        now = moves.filter(pl.col("frame") == when) if when is not None else moves.head(0)
        out: list[go.BaseTraceType] = []
        for state, (colour, name) in styles.items():
            part = now.filter(pl.col("state") == state)
            out.append(
                go.Scatter(
                    x=part["x"].to_list(),
                    y=part["y"].to_list(),
                    mode="markers",
                    marker={"size": 6, "color": colour},
                    name=name,
                    hoverinfo="skip",
                )
            )
        queue = now.filter(pl.col("state") == "waiting").group_by("counter_id").len()
        lengths = dict(zip(queue["counter_id"].to_list(), queue["len"].to_list(), strict=True))
        out.append(
            go.Bar(
                y=counter_ids,
                x=[lengths.get(c, 0) for c in counter_ids],
                orientation="h",
                marker_color="#c0504d",
                showlegend=False,
                name=t("queue_length", lang),
            )
        )
        return out

    first = frames_at[0] if frames_at else None
    for i, trace in enumerate(traces_at(first)):
        fig.add_trace(trace, row=1, col=1 if i < 3 else 2)
    dynamic = list(range(static, static + 4))
    longest = 1
    if moves.height:
        per = (
            moves.filter(pl.col("state") == "waiting")
            .group_by(["frame", "counter_id"])
            .len()["len"]
            .max()
        )
        longest = int(per) if per is not None else 1  # type: ignore[arg-type]
    fig.frames = [
        go.Frame(data=traces_at(when), traces=dynamic, name=when.strftime("%H:%M"))
        for when in frames_at
    ]
    steps = [
        {
            "args": [[f.name], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}],
            "label": f.name,
            "method": "animate",
        }
        for f in fig.frames
    ]
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0.0,
                "y": -0.08,
                "xanchor": "left",
                "buttons": [
                    {
                        "label": "▶ " + t("play", lang),
                        "method": "animate",
                        "args": [
                            None,
                            {"frame": {"duration": 250, "redraw": True}, "fromcurrent": True},
                        ],
                    },
                    {
                        "label": "❚❚ " + t("pause", lang),
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        sliders=[
            {"steps": steps, "x": 0.15, "len": 0.85, "y": -0.05, "currentvalue": {"prefix": ""}}
        ]
        if steps
        else [],
    )
    fig.update_xaxes(visible=False, row=1, col=1)
    fig.update_yaxes(
        visible=False, scaleanchor="x", scaleratio=1, autorange="reversed", row=1, col=1
    )
    fig.update_xaxes(range=[0, longest + 1], row=1, col=2)
    fig = styled(fig, t("fig_replay", lang, scenario=scenario_name), height=540)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.45, "xanchor": "left"}
    )
    return fig
