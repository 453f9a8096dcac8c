"""The floor figure is the grid paper: walls and stairs as drawn, points at their cells, flows
along the engine's shortest paths, utilisation on one fixed colour scale."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from dashboards import figures as F
from dashboards.data import floor_frames, floor_paper
from dashboards.figures.floor import UTILISATION_SCALE
from journeys.paths import TEMPLATES_DIR
from simulation.floorplan import distance_table, floor_cells
from simulation.model import Study, load_study

EXAMPLE = TEMPLATES_DIR / "example_town.toml"


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(EXAMPLE)


def _flows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["entrance", "J1", "H1", "K1"],
            "target": ["J1", "K1", "Z1", "exit"],
            "count": [40.0, 10.0, 5.0, 8.0],
        }
    )


def _plan(study: Study, scenario: str, util: dict[str, float] | None = None) -> object:
    counters, marks = floor_frames(study, scenario, "en")
    if util is not None:
        counters = counters.join(
            pl.DataFrame({"counter_id": list(util), "utilisation": list(util.values())}),
            on="counter_id",
            how="left",
        )
    return F.floor_plan(
        counters,
        marks,
        _flows(),
        paper=floor_paper(study, scenario),
        scenario_name=scenario,
        lang="en",
    )


def test_walls_and_stairs_are_drawn_as_on_the_sheet(study: Study) -> None:
    fig = _plan(study, "as_is")
    grids = floor_cells(study, "as_is")
    shapes = fig.layout.shapes
    walls = [s for s in shapes if s.name in ("wall", "room")]
    area = sum((s.x1 - s.x0) * (s.y1 - s.y0) for s in walls)
    assert area == pytest.approx(sum(float(g.walls.sum()) * g.cell_m**2 for g in grids))
    stairs = [s for s in shapes if s.name == "stairs"]
    assert len(stairs) == sum(len(g.points["STAIRS"]) for g in grids) == 2
    # the sheet's orientation: row 1 at the top, as in Excel
    assert fig.layout.yaxis.autorange == "reversed"
    first = grids[0]
    (sr, sc) = first.points["STAIRS"][0]
    assert (stairs[0].x0, stairs[0].y0) == (sc * first.cell_m, sr * first.cell_m)
    assert not [a for a in fig.layout.annotations if a.name == "straight lines"]
    # a room's name written on the sheet is drawn where it stands (and is no point)
    rooms = [(a.text, a.x, a.y) for a in fig.layout.annotations if a.name == "room label"]
    assert ("待合 / Waiting", 8.5, 9.5) in rooms  # 1F, cell I10
    assert any(text == "相談室 / Consultation" for text, _x, _y in rooms)  # 2F


def test_counters_stand_where_their_labels_are(study: Study) -> None:
    fig = _plan(study, "as_is")
    paper = floor_paper(study, "as_is")
    assert paper is not None
    drawn = {tr.name: (tr.x[0], tr.y[0]) for tr in fig.data if tr.mode == "markers+text"}
    for cid in ("J1", "H1", "K1", "Z1"):
        point = paper.point_xy(cid)
        assert point is not None and drawn[cid] == pytest.approx(point[1:])
    # floor 2 to the right of floor 1; the counters (row 7) above the entrance (row 18), as
    # the sheet shows them (the y axis is reversed: row 1 at the top)
    assert drawn["K1"][0] > max(drawn["J1"][0], drawn["H1"][0])
    ent = next(tr for tr in fig.data if tr.name == "Entrance")
    assert (ent.y[0], drawn["J1"][1]) == (17.5, 6.5)


def test_flows_follow_the_engines_paths(study: Study) -> None:
    fig = _plan(study, "as_is")
    table = distance_table(study, "as_is")
    scenario = study.scenario("as_is")
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    assert len(lines) == 4
    names = {"entrance": "ENT", "exit": "ENT"}
    for tr in lines:
        xs, ys = list(tr.x), list(tr.y)
        length = 0.0
        for i in range(1, len(xs)):
            if xs[i] is None:
                continue
            if xs[i - 1] is None:
                length += scenario.floor_change_m
                continue
            length += math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1])
        source, target = tr.meta["source"], tr.meta["target"]
        engine = table.metres(names.get(source, source), names.get(target, target))
        assert length == pytest.approx(engine) and tr.meta["metres"] == pytest.approx(engine)
        # around the walls: longer than the straight line between the two ends
        straight = math.hypot(xs[-1] - xs[0], ys[-1] - ys[0])
        assert length >= straight - 1e-9
    cross = next(tr for tr in lines if tr.meta["target"] == "K1")
    assert None in list(cross.x), "J1 → K1 changes floor through the stairs"
    widths = sorted(tr.line.width for tr in lines)
    assert widths[-1] == 14.0 and widths[0] == pytest.approx(14.0 * 5 / 40)


def test_utilisation_on_one_fixed_scale_in_both_scenarios(study: Study) -> None:
    as_is = _plan(study, "as_is", {"J1": 0.5, "H1": 1.25})
    reform = _plan(study, "reform", {"W1": 0.5, "H1": 0.9})

    def marker(fig: object, cid: str) -> object:
        return next(tr for tr in fig.data if tr.name == cid and tr.mode == "markers+text").marker

    for fig, cid in ((as_is, "J1"), (reform, "W1")):
        m = marker(fig, cid)
        assert (m.cmin, m.cmax, m.color[0]) == (0.0, 1.0, 0.5)
        assert [list(x) for x in m.colorscale] == [list(x) for x in UTILISATION_SCALE]
    over = next(tr for tr in as_is.data if tr.name == "H1")
    assert over.meta["over_capacity"] and over.marker.color[0] == 1.0 and "▲125%" in over.text[0]
    assert over.marker.line.width == 3
    assert not next(tr for tr in reform.data if tr.name == "H1").meta["over_capacity"]


def test_replay_plays_on_the_grid_paper(study: Study) -> None:
    counters, marks = floor_frames(study, "as_is", "en")
    at = np.datetime64("2026-03-02T09:00")
    log = pl.DataFrame(
        {
            "visit_id": ["v1", "v1"],
            "counter_id": ["J1", "K1"],
            "issued_at": [
                at.astype("datetime64[us]").item(),
                (at + 30).astype("datetime64[us]").item(),
            ],
            "called_at": [
                (at + 5).astype("datetime64[us]").item(),
                (at + 35).astype("datetime64[us]").item(),
            ],
            "ended_at": [
                (at + 15).astype("datetime64[us]").item(),
                (at + 45).astype("datetime64[us]").item(),
            ],
        }
    )
    paper = floor_paper(study, "as_is")
    assert paper is not None
    fig = F.day_replay(log, counters, marks, paper=paper, lang="en")
    assert [s for s in fig.layout.shapes if s.name == "wall"]
    assert len(fig.frames) > 0
    # between J1 (1F) and K1 (2F) the resident walks the engine's path: never inside a wall
    pos = F.replay_positions(log, counters, marks, every_min=1, paper=paper)
    walking = pos.filter(pl.col("state") == "walking")
    assert walking.height >= 10  # about 09:15 … 09:29
    offsets = paper.offsets()
    for x, y in walking.select("x", "y").iter_rows():
        floor = max(f for f, off in offsets.items() if x >= off)
        grid = paper.grid(floor)
        cell = (int(y // grid.cell_m), int((x - offsets[floor]) // grid.cell_m))
        assert not grid.walls[cell], (x, y)


def test_without_grid_the_figure_says_straight_lines() -> None:
    skeleton = load_study(TEMPLATES_DIR / "study_template.toml")
    assert floor_paper(skeleton, "as_is") is None
    counters, marks = floor_frames(skeleton, "as_is", "en")
    fig = F.floor_plan(counters, marks, None, paper=None, lang="en")
    notes = [a for a in fig.layout.annotations if a.name == "straight lines"]
    assert notes and "straight lines" in notes[0].text
    assert not fig.layout.shapes
