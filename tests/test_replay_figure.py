"""The Floor replay is played by plotly.js on the client: bounded frames that move only the
dots, queue counts per counter in every frame, the clock above the floor and the controls
below it, counters by name, a text alternative in both languages."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards import figures as F
from dashboards.data import floor_frames, floor_paper
from dashboards.figures._style import figure_summary
from dashboards.figures.replay import (
    FRAME_MS,
    MAX_DOTS,
    MAX_FRAMES,
    MAX_QUEUE_DOTS,
)
from journeys.paths import TEMPLATES_DIR
from simulation.model import Study, load_study

DAY = dt.datetime(2026, 3, 2)


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(TEMPLATES_DIR / "example_town.toml")


def _log(rows: list[tuple[str, str, dt.datetime, dt.datetime | None, dt.datetime | None]]):  # type: ignore[no-untyped-def]
    return pl.DataFrame(
        rows,
        schema={
            "visit_id": pl.String,
            "counter_id": pl.String,
            "issued_at": pl.Datetime("us"),
            "called_at": pl.Datetime("us"),
            "ended_at": pl.Datetime("us"),
        },
        orient="row",
    )


def _crowd(n: int, counter: str = "J1") -> pl.DataFrame:
    """``n`` residents issued at 09:00 at one counter, served one after another (5 min)."""
    at = DAY.replace(hour=9)
    rows = []
    for i in range(n):
        called = at + dt.timedelta(minutes=5 * i + 5)
        rows.append((f"v{i:03d}", counter, at, called, called + dt.timedelta(minutes=5)))
    return _log(rows)


def _role(fig: go.Figure, role: str) -> int:
    return next(i for i, tr in enumerate(fig.data) if (tr.meta or {}).get("role") == role)


def _frame_trace(frame: go.Frame, index: int) -> go.Scatter:
    return frame.data[list(frame.traces).index(index)]


def test_queue_counts_everyone_while_the_dots_are_bounded(study: Study) -> None:
    counters, marks = floor_frames(study, "as_is", "ja")
    fig = F.day_replay(_crowd(40), counters, marks, paper=floor_paper(study, "as_is"), lang="ja")
    queue, waiting = _role(fig, "queue"), _role(fig, "waiting")
    order = fig.data[queue].meta["counters"]
    first = fig.frames[0]
    assert first.name == "09:00"
    texts = dict(zip(order, _frame_trace(first, queue).text, strict=True))
    # at 09:00 the first resident is not called yet: all 40 wait, 16 are drawn
    assert texts["J1"] == "<b>40</b>" and texts["H1"] == ""
    assert len(_frame_trace(first, waiting).x) == MAX_QUEUE_DOTS
    later = next(f for f in fig.frames if f.name == "10:00")  # 12 called, one at the desk
    assert dict(zip(order, _frame_trace(later, queue).text, strict=True))["J1"] == "<b>28</b>"
    assert len(_frame_trace(later, _role(fig, "served")).x) == 1
    for frame in fig.frames:
        assert sum(len(tr.x) for tr in frame.data if tr.x is not None) <= MAX_DOTS


def test_a_long_day_gets_a_coarser_step_not_more_frames(study: Study) -> None:
    counters, marks = floor_frames(study, "as_is", "en")
    fig = F.day_replay(_crowd(200), counters, marks, every_min=1, lang="en")  # 09:00 → 01:45
    assert len(fig.frames) <= MAX_FRAMES
    step = fig.layout.meta["step_min"]
    assert step > 1 and len(fig.frames) == pytest.approx((200 * 5 + 5) / step, abs=2)
    assert F.replay_step(_crowd(3), 5) == 5


def test_frames_move_only_the_dots_and_play_without_redrawing(study: Study) -> None:
    counters, marks = floor_frames(study, "reform", "ja")
    log = _crowd(6, "W1")
    fig = F.day_replay(log, counters, marks, paper=floor_paper(study, "reform"), lang="ja")
    dynamic = [_role(fig, r) for r in ("waiting", "served", "walking", "queue", "clock")]
    assert all(list(f.traces) == dynamic for f in fig.frames)
    assert all(f.layout.to_plotly_json() == {} for f in fig.frames)  # nothing to redraw
    play, pause = fig.layout.updatemenus[0].buttons
    assert play.args[1]["frame"] == {"duration": FRAME_MS, "redraw": False}
    assert 1000 / FRAME_MS >= 10
    assert play.args[1]["transition"]["duration"] == 0  # no tweening: it costs frames/s
    assert list(pause.args[0]) == [None]
    slider = fig.layout.sliders[0]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in fig.frames]
    assert all(s.args[1]["frame"]["redraw"] is False for s in slider.steps)
    # the clock of each frame is its time
    clock = _role(fig, "clock")
    assert [_frame_trace(f, clock).text[0] for f in fig.frames[:3]] == [
        "<b>09:00</b>",
        "<b>09:05</b>",
        "<b>09:10</b>",
    ]
    assert fig.data[clock].text[0] == "<b>09:00</b>"  # the figure opens on the first frame


def test_clock_above_the_floor_controls_below_it(study: Study) -> None:
    counters, marks = floor_frames(study, "as_is", "ja")
    fig = F.day_replay(_crowd(5), counters, marks, paper=floor_paper(study, "as_is"), lang="ja")
    clock = fig.data[_role(fig, "clock")]
    assert (clock.xaxis, clock.yaxis) == ("x2", "y2")
    assert fig.layout.yaxis2.domain[0] >= fig.layout.yaxis.domain[1]  # own strip on top
    menu, slider = fig.layout.updatemenus[0], fig.layout.sliders[0]
    # both hang below the plotting area (paper y 0, anchored at their top)
    assert (menu.y, menu.yanchor, slider.y, slider.yanchor) == (0.0, "top", 0.0, "top")
    assert slider.currentvalue.visible is False  # one time label: the clock
    assert slider.pad.l >= 160  # the slider starts right of ▶ / ❚❚


@pytest.mark.parametrize(("lang", "name"), [("ja", "住民課"), ("en", "Residents")])
def test_counters_by_name_and_a_text_alternative(study: Study, lang: str, name: str) -> None:
    counters, marks = floor_frames(study, "as_is", lang)
    fig = F.day_replay(_crowd(30), counters, marks, paper=floor_paper(study, "as_is"), lang=lang)
    j1 = next(tr for tr in fig.data if tr.name == "J1")
    assert name in j1.text[0] and name in j1.hovertext[0]
    summary = figure_summary(fig, lang)
    peak = "最も長い列：J1" if lang == "ja" else "Longest queue: 30 people at J1"
    assert peak in summary and "09:00" in summary
    assert summary.startswith(fig.layout.title.text)
    legend = {tr.name for tr in fig.data if tr.showlegend is not False}
    wanted = {"ja": {"待っている人", "窓口対応", "移動中", "窓口の待ち人数"}}
    assert legend >= wanted.get(lang, {"Waiting", "Serving", "Walking"})


def test_without_grid_paper_the_note_stands_beside_the_clock() -> None:
    skeleton = load_study(TEMPLATES_DIR / "study_template.toml")
    counters, marks = floor_frames(skeleton, "as_is", "en")
    cid = str(counters["counter_id"][0])
    fig = F.day_replay(_crowd(3, cid), counters, marks, paper=None, lang="en")
    note = next(a for a in fig.layout.annotations if a.name == "straight lines")
    strip = fig.layout.yaxis2.domain
    assert strip[0] < note.y < strip[1] and note.yanchor == "middle"  # not on the legend's line
    assert fig.layout.legend.y == 1.0 and fig.layout.legend.yanchor == "bottom"
    # the residents stand centred on their counter: one served, two waiting side by side
    served = fig.frames[1].data[list(fig.frames[1].traces).index(_role(fig, "served"))]
    x0 = next(tr.x[0] for tr in fig.data if tr.name == cid)
    assert list(served.x) == [pytest.approx(x0)]
    waiting = fig.frames[1].data[list(fig.frames[1].traces).index(_role(fig, "waiting"))]
    assert sorted(waiting.x) == [
        pytest.approx(x0 - 0.25, abs=0.05),  # rounded to 0.1 m
        pytest.approx(x0 + 0.25, abs=0.05),
    ]


def test_the_replay_draws_the_walls_as_a_few_paths(study: Study) -> None:
    """The same walls and rooms as the floor plan's rectangles, as one path per kind and
    colour (plotly.js checks every shape at each frame)."""
    counters, marks = floor_frames(study, "as_is", "ja")
    paper = floor_paper(study, "as_is")
    plan = F.floor_plan(counters, marks, None, paper=paper, lang="ja")
    replay = F.day_replay(_crowd(3), counters, marks, paper=paper, lang="ja")
    rects = [s for s in plan.layout.shapes if s.name in ("wall", "room")]
    paths = [s for s in replay.layout.shapes if s.name in ("wall", "room")]
    assert all(s.type == "path" for s in paths) and len(paths) < len(rects) / 5
    assert sum(s.path.count("M") for s in paths) == len(rects)
    stairs = [s for s in replay.layout.shapes if s.name == "stairs"]
    assert len(stairs) == 2 and all(s.type == "rect" for s in stairs)  # 1F and 2F, as drawn
    walls = next(s for s in paths if s.name == "wall")
    first = next(s for s in rects if s.name == "wall")
    assert walls.path.startswith(f"M{first.x0:g},{first.y0:g}H{first.x1:g}V{first.y1:g}")
