"""The replay of one simulated day on the floor, played by plotly.js in the browser.

The figure carries its frames (one per ``every_min`` minutes of the day) and plotly.js plays
them on the client: ▶ / ❚❚ and a slider under the floor, the clock (HH:MM) in its own strip
above the floor, so the controls never cover it. Each frame moves three sets of dots —
residents waiting at a counter, being served, walking between counters (along the engine's
path on grid paper) — and writes each counter's queue under it (a number, "窓口の待ち人数" in
the legend). Only x/y and those texts change from frame to frame, so plotly.js moves the points
without redrawing the floor. (Letting the dots glide between frames — ids and a transition —
cost about 2 frames/s on a busy 2-core machine, below the 10 frames/s target, so they jump.)

Frame data is bounded, whatever the day: at most :data:`MAX_FRAMES` frames (a longer day gets
a coarser step), at most :data:`MAX_QUEUE_DOTS` dots per queue (the queue text still counts
everyone) and :data:`MAX_DOTS` dots per frame; coordinates are rounded to 0.1 m. A replay is
thus at most ``MAX_FRAMES × (MAX_DOTS + counters + 1)`` points.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from dashboards.figures._style import as_polars, require_columns, styled
from dashboards.figures.floor import (
    COUNTER_FRAME_COLUMNS,
    LANDMARK_FRAME_COLUMNS,
    _background,
    _counter_trace,
    _landmark_traces,
    _positions,
)
from dashboards.figures.floor_paper import FloorPaper
from dashboards.i18n import t
from simulation.floorplan import WalkPath

__all__ = [
    "FRAME_MS",
    "MAX_DOTS",
    "MAX_FRAMES",
    "MAX_QUEUE_DOTS",
    "day_replay",
    "replay_positions",
    "replay_step",
]

#: Most frames of one replay; a longer day is replayed with a coarser step.
MAX_FRAMES = 180
#: Most dots drawn in one counter's queue (the queue text counts everyone).
MAX_QUEUE_DOTS = 16
#: Most dots drawn in one frame (waiting, served and walking together).
MAX_DOTS = 400
#: Milliseconds each frame stands while playing (12.5 frames per second).
FRAME_MS = 80
#: Metres in front of a counter where its queue is counted (behind two rows of dots).
_QUEUE_TEXT_M = 2.6
#: Share of the figure's height above the floor where the clock stands.
_CLOCK_STRIP = 0.1
_DOTS = {
    "waiting": ("#c0504d", "circle", "waiting_now"),
    "served": ("#2a7f62", "diamond", "serve"),
    "walking": ("#3f6fae", "triangle-right", "walking_now"),
}
_EMPTY_SCHEMA: dict[str, pl.DataType] = {
    "frame": pl.Datetime("us"),
    "visit_id": pl.String(),
    "state": pl.String(),
    "counter_id": pl.String(),
    "slot": pl.Int64(),
    "x": pl.Float64(),
    "y": pl.Float64(),
}


def _tickets(log: pl.DataFrame) -> pl.DataFrame:
    return (
        log.select("visit_id", "counter_id", "issued_at", "called_at", "ended_at")
        .with_columns(left_at=pl.coalesce("ended_at", "called_at", "issued_at"))
        .sort(["visit_id", "issued_at"])
        .with_columns(
            prev_counter=pl.col("counter_id").shift(1).over("visit_id"),
            prev_left=pl.col("left_at").shift(1).over("visit_id"),
        )
    )


def replay_step(log: pl.DataFrame | pd.DataFrame, every_min: int = 5) -> int:
    """Minutes between two frames: ``every_min``, or coarser so that the day (first ticket
    issued to last resident gone) needs at most :data:`MAX_FRAMES` frames."""
    lg = as_polars(log)
    if lg.height == 0:
        return every_min
    tickets = _tickets(lg)
    start, end = tickets["issued_at"].min(), tickets["left_at"].max()
    assert isinstance(start, dt.datetime) and isinstance(end, dt.datetime)
    span_min = (end - start).total_seconds() / 60.0 + every_min  # the first frame rounds down
    return max(every_min, math.ceil(span_min / MAX_FRAMES))


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
    between the two counters on grid paper (``paper``), else on the straight line. Columns:
    frame (datetime), visit_id, state, counter_id, slot (place in the counter's queue or row
    of those served, 0 first; null when walking), x, y.
    """
    lg = as_polars(log)
    cf, lf = as_polars(counters), as_polars(landmarks)
    pos, _ = _positions(cf, lf, paper)
    if lg.height == 0:
        return pl.DataFrame(schema=_EMPTY_SCHEMA)
    tickets = _tickets(lg)
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
        slot=pl.lit(None, dtype=pl.Int64),
        frac=(
            (pl.col("frame") - pl.col("prev_left")).dt.total_seconds()
            / (pl.col("issued_at") - pl.col("prev_left")).dt.total_seconds()
        ),
    )
    cx = {k: v[0] for k, v in pos.items()}
    cy = {k: v[1] for k, v in pos.items()}

    def at(column: str, lookup: dict[str, float]) -> pl.Expr:
        return pl.col(column).replace_strict(lookup, default=0.0, return_dtype=pl.Float64)

    # residents in front of their counter (the sheet's rows grow downwards): those served in
    # a row just in front of it, those waiting in rows of 8 behind them, centred on it
    group = ["frame", "counter_id", "state"]
    at_counter = at_counter.with_columns(
        slot=(pl.col("issued_at").rank("ordinal").over(group) - 1).cast(pl.Int64),
        across=pl.min_horizontal(pl.len().over(group), pl.lit(8)).cast(pl.Float64),
    ).with_columns(
        x=at("counter_id", cx)
        + ((pl.col("slot") % 8).cast(pl.Float64) - (pl.col("across") - 1) / 2) * 0.5,
        y=at("counter_id", cy)
        + pl.when(pl.col("state") == "served")
        .then(pl.lit(0.8))
        .otherwise(1.6 + 0.6 * (pl.col("slot") // 8).cast(pl.Float64)),
    )
    walking = walking.with_columns(
        x=at("prev_counter", cx) * (1 - pl.col("frac")) + at("counter_id", cx) * pl.col("frac"),
        y=at("prev_counter", cy) * (1 - pl.col("frac")) + at("counter_id", cy) * pl.col("frac"),
    )
    if paper is not None and walking.height:
        walking = _walk_on_paper(walking, paper)
    cols = list(_EMPTY_SCHEMA)
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


def _drawn(moves: pl.DataFrame) -> pl.DataFrame:
    """The dots one frame draws: every resident served and walking, the first
    :data:`MAX_QUEUE_DOTS` of each queue, at most :data:`MAX_DOTS` in all (served first,
    then the queues' heads, then walking), rounded to 0.1 m."""
    order = pl.col("state").replace_strict({"served": 0, "waiting": 1, "walking": 2}, default=3)
    return (
        moves.filter((pl.col("state") != "waiting") | (pl.col("slot") < MAX_QUEUE_DOTS))
        .with_columns(_order=order)
        .sort(["frame", "_order", "slot", "visit_id"], nulls_last=True)
        .filter(pl.int_range(pl.len()).over("frame") < MAX_DOTS)
        .with_columns(
            pl.col("x").round(1),
            pl.col("y").round(1),
        )
        .drop("_order")
    )


def _queue_text(n: int) -> str:
    return f"<b>{n}</b>" if n else ""


def _clock_trace(label: str, lang: str) -> go.Scatter:
    """The time of the frame (HH:MM), alone in the strip above the floor."""
    return go.Scatter(
        x=[1.0],
        y=[0.5],
        xaxis="x2",
        yaxis="y2",
        mode="text",
        text=[f"<b>{label}</b>"],
        textposition="middle left",
        textfont={"size": 22, "color": "#000000"},
        hoverinfo="skip",
        showlegend=False,
        name=t("time_of_day", lang),
        meta={"role": "clock"},
    )


def _controls(names: list[str], lang: str) -> dict[str, Any]:
    """▶ / ❚❚ and the slider under the floor (the clock stands above it); plotly.js labels
    every n-th step of the slider, as many as fit."""
    play = {"duration": FRAME_MS, "redraw": False}
    steps = [
        {
            "args": [
                [name],
                {
                    "frame": {"duration": 0, "redraw": False},
                    "mode": "immediate",
                    "transition": {"duration": 0},
                },
            ],
            "label": name,
            "value": name,
            "method": "animate",
        }
        for name in names
    ]
    buttons = [
        {
            "label": "▶ " + t("play", lang),
            "method": "animate",
            "args": [
                None,
                {
                    "frame": play,
                    "transition": {"duration": 0},
                    "fromcurrent": True,
                    "mode": "immediate",
                },
            ],
        },
        {
            "label": "❚❚ " + t("pause", lang),
            "method": "animate",
            "args": [
                [None],
                {
                    "frame": {"duration": 0, "redraw": False},
                    "mode": "immediate",
                    "transition": {"duration": 0},
                },
            ],
        },
    ]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "xanchor": "left",
                "y": 0.0,
                "yanchor": "top",
                "pad": {"t": 10, "r": 0},
                "buttons": buttons,
            }
        ],
        "sliders": [
            {
                "steps": steps,
                "x": 0.0,
                "len": 1.0,
                "xanchor": "left",
                "y": 0.0,
                "yanchor": "top",
                "pad": {"t": 6, "l": 170, "r": 10},
                "currentvalue": {"visible": False},
                "font": {"size": 11},
                "transition": {"duration": 0},
            }
        ]
        if steps
        else [],
    }


def _queues(moves: pl.DataFrame, counter_ids: list[str]) -> dict[dt.datetime, list[int]]:
    """People waiting at each counter (in ``counter_ids`` order) at each frame time."""
    counts = moves.filter(pl.col("state") == "waiting").group_by(["frame", "counter_id"]).len()
    out: dict[dt.datetime, list[int]] = {}
    index = {c: i for i, c in enumerate(counter_ids)}
    for when, counter, n in counts.iter_rows():
        if counter in index:
            out.setdefault(when, [0] * len(counter_ids))[index[counter]] = int(n)
    return out


def _frame_data(dots: pl.DataFrame, queue: list[int], label: str) -> list[dict[str, Any]]:
    """What changes in one frame: the x/y of each set of dots, the queue texts, the clock."""
    data: list[dict[str, Any]] = []
    for state in _DOTS:
        part = dots.filter(pl.col("state") == state)
        xs, ys = part["x"].to_list(), part["y"].to_list()
        # an empty set keeps one blank point, so its legend entry stays
        data.append(
            {
                "type": "scatter",
                "x": xs or [None],
                "y": ys or [None],
            }
        )
    data.append({"type": "scatter", "text": [_queue_text(n) for n in queue]})
    data.append({"type": "scatter", "text": [f"<b>{label}</b>"]})
    return data


def _replay_summary(
    queues: dict[dt.datetime, list[int]],
    names: list[str],
    labels: list[str],
    step: int,
    lang: str,
) -> str:
    """The text alternative: what is replayed, and the longest queue (where, when)."""
    if not labels:
        return t("no_data", lang)
    text = t("alt_replay", lang, start=labels[0], end=labels[-1], n=len(labels), step=step)
    peak = max(
        ((n, when, i) for when, row in queues.items() for i, n in enumerate(row)),
        default=None,
        key=lambda item: (item[0], -item[1].timestamp()),
    )
    if peak is not None and peak[0] > 0:
        n, when, i = peak
        sep = "。" if lang == "ja" else ". "
        text += sep + t("alt_replay_peak", lang, n=n, counter=names[i], at=when.strftime("%H:%M"))
    return text


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
    """Animated replay of one simulated day on the floor (the grid paper when given): one
    plotly frame per ``every_min`` minutes (coarser past :data:`MAX_FRAMES`), residents
    waiting, being served and walking, each counter's queue counted under it, the clock above
    the floor; plotly.js plays it in the browser at :data:`FRAME_MS` per frame."""
    cf, lf = as_polars(counters), as_polars(landmarks)
    require_columns(cf, COUNTER_FRAME_COLUMNS, "floor counters")
    require_columns(lf, LANDMARK_FRAME_COLUMNS, "floor landmarks")
    pos, offsets = _positions(cf, lf, paper)
    step = replay_step(log, every_min)
    moves = replay_positions(log, cf, lf, every_min=step, paper=paper)
    counter_ids = [str(c) for c in cf["counter_id"].to_list()]
    names = [  # as the text alternative says them: code and whole name
        f"{c} {label}" if label and label != c else c
        for c, label in zip(counter_ids, cf["label"].to_list(), strict=True)
    ]
    queues = _queues(moves, counter_ids)
    dots = _drawn(moves)
    frames_at: list[dt.datetime] = sorted(set(moves["frame"].to_list()))
    labels = [when.strftime("%H:%M") for when in frames_at]
    fig = go.Figure()
    for trace in _landmark_traces(lf, pos, lang) + _counter_trace(cf, pos, lang):
        trace.update(showlegend=False)
        fig.add_trace(trace)
    _background(fig, paper, offsets, cf, lf, lang, merged=True)
    # without grid paper, the straight-lines note stands in the clock's strip, left of the
    # clock (the legend takes the line above the figure)
    fig.update_annotations(
        selector={"name": "straight lines"}, y=1.0 - _CLOCK_STRIP / 2, yanchor="middle"
    )
    static = len(fig.data)
    for state, (colour, symbol, key) in _DOTS.items():
        fig.add_trace(
            go.Scatter(
                x=[],
                y=[],
                mode="markers",
                marker={"size": 7, "color": colour, "symbol": symbol},
                name=t(key, lang),
                hoverinfo="skip",
                meta={"role": state},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[pos[c][0] for c in counter_ids],
            y=[pos[c][1] + _QUEUE_TEXT_M for c in counter_ids],
            mode="text",
            text=[""] * len(counter_ids),
            textposition="bottom center",
            textfont={"size": 12, "color": "#9c2b27"},
            hoverinfo="skip",
            name=t("queue_count", lang),
            meta={"role": "queue", "counters": counter_ids},
        )
    )
    fig.add_trace(_clock_trace(labels[0] if labels else "", lang))
    by_frame = dots.partition_by("frame", as_dict=True) if dots.height else {}
    empty = dots.head(0)
    datas = [
        _frame_data(by_frame.get((when,), empty), queues.get(when, [0] * len(counter_ids)), label)
        for when, label in zip(frames_at, labels, strict=True)
    ]
    if datas:  # the figure shows the first frame before it plays
        for i, part in enumerate(datas[0]):
            fig.data[static + i].update({k: v for k, v in part.items() if k != "type"})
    dynamic = list(range(static, static + len(_DOTS) + 2))
    fig.frames = [
        go.Frame(data=data, traces=dynamic, name=label)
        for data, label in zip(datas, labels, strict=True)
    ]
    summary = _replay_summary(queues, names, labels, step, lang)
    fig.update_layout(
        **_controls(labels, lang),
        xaxis={"visible": False, "domain": [0.0, 1.0]},
        yaxis={
            "visible": False,
            "domain": [0.0, 1.0 - _CLOCK_STRIP],
            "scaleanchor": "x",
            "scaleratio": 1,
            "autorange": "reversed",
        },
        xaxis2={
            "visible": False,
            "domain": [0.0, 1.0],
            "anchor": "y2",
            "range": [0, 1],
            "fixedrange": True,
        },
        yaxis2={
            "visible": False,
            "domain": [1.0 - _CLOCK_STRIP, 1.0],
            "anchor": "x2",
            "range": [0, 1],
            "fixedrange": True,
        },
        meta={"summary": summary, "frame_ms": FRAME_MS, "step_min": step},
    )
    fig = styled(fig, t("fig_replay", lang, scenario=scenario_name), height=520)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0, "xanchor": "left"},
        margin={"l": 20, "r": 20, "t": 80, "b": 80},
    )
    return fig
