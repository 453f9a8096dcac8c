"""The grid paper of a scenario drawn as the floor figure's background, and flows along its paths.

A :class:`FloorPaper` holds the grid-paper floors the engine walks (read by
:func:`simulation.floorplan.floor_cells`). Each building floor is drawn in the sheet's
orientation — row 1 at the top, column A at the left, as in Excel — with floor 2 to the right of
floor 1. Walls and partitions (grey, or typed ``#``) and rooms (cells filled in another colour,
such as the staff area behind a counter) are rectangles; stairs are purple rectangles; a text
that names no point (a room's name) is written where it stands. Flows follow the shortest
paths of :class:`simulation.floorplan.GridRouter`, the same search that gives the engine its
walking metres.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from journeys.errors import InputError
from simulation.floorplan import (
    ENTRANCE,
    STAIRS,
    THEME_FILL,
    TICKET_MACHINE,
    FloorGrid,
    GridRouter,
    WalkPath,
)

__all__ = [
    "FLOOR_GAP_M",
    "WALL_COLOUR",
    "FloorPaper",
    "merge_shapes",
    "paper_annotations",
    "paper_shapes",
]

#: Metres between two building floors drawn side by side.
FLOOR_GAP_M = 4.0
WALL_COLOUR = "#595959"
STAIRS_COLOUR = "#7030A0"
_WALL_FILLS = frozenset({WALL_COLOUR, THEME_FILL, "#000000"})
#: Shape kinds :func:`merge_shapes` draws as one path per colour.
_MERGED = frozenset({"wall", "room"})
#: Flow names of :mod:`journeys.flows` → point ids of the grid paper.
_FLOW_POINTS = {"entrance": ENTRANCE, "exit": ENTRANCE, "ticket_machine": TICKET_MACHINE}


@dataclass(frozen=True)
class FloorPaper:
    """The grid-paper floors of one scenario and the metres a change of floor costs."""

    grids: tuple[FloorGrid, ...]
    floor_change_m: float
    _router: list[GridRouter] = field(default_factory=list, repr=False, compare=False)

    @property
    def router(self) -> GridRouter:
        """The shortest-path search of the engine over these floors (built once)."""
        if not self._router:
            self._router.append(GridRouter(list(self.grids), self.floor_change_m))
        return self._router[0]

    def offsets(self) -> dict[int, float]:
        """x (metres) where each building floor's column A starts in the figure."""
        out: dict[int, float] = {}
        cursor = 0.0
        for grid in self.grids:
            out[grid.floor] = cursor
            cursor += grid.walls.shape[1] * grid.cell_m + FLOOR_GAP_M
        return out

    def grid(self, floor: int) -> FloorGrid:
        """The sheet of one building floor."""
        return next(g for g in self.grids if g.floor == floor)

    def point_xy(self, point_id: str) -> tuple[int, float, float] | None:
        """(floor, x, y) in figure metres of the first cell where a point is drawn."""
        offsets = self.offsets()
        for grid in self.grids:
            cells = grid.points.get(point_id)
            if cells:
                x, y = grid.centre_m(cells[0])
                return grid.floor, x + offsets[grid.floor], y
        return None

    def walk(self, source: str, target: str) -> WalkPath | None:
        """The engine's shortest walk between two flow nodes (None when either is not drawn)."""
        a = _FLOW_POINTS.get(source, source)
        b = _FLOW_POINTS.get(target, target)
        try:
            return self.router.path(a, b)
        except InputError:
            return None

    def along(self, path: WalkPath, frac: float) -> tuple[float, float]:
        """Figure x/y of the point ``frac`` (0–1) of the way along a walk, by metres walked
        (a change of floor costs ``floor_change_m`` and is spent at the stairs)."""
        offsets = self.offsets()
        points: list[tuple[float, float]] = []
        steps: list[float] = [0.0]
        for i, (floor, r, c) in enumerate(path.cells):
            grid = self.grid(floor)
            x, y = grid.centre_m((r, c))
            points.append((x + offsets[floor], y))
            if i:
                prev_floor = path.cells[i - 1][0]
                if prev_floor != floor:
                    steps.append(self.floor_change_m * abs(floor - prev_floor))
                else:
                    (x0, y0), (x1, y1) = points[-2], points[-1]
                    steps.append(math.hypot(x1 - x0, y1 - y0))
        total = sum(steps)
        if total <= 0 or len(points) == 1:
            return points[0]
        goal = min(max(frac, 0.0), 1.0) * total
        walked = 0.0
        for i in range(1, len(points)):
            if walked + steps[i] >= goal:
                share = (goal - walked) / steps[i] if steps[i] > 0 else 0.0
                if path.cells[i][0] != path.cells[i - 1][0]:  # on the stairs
                    return points[i - 1] if share < 0.5 else points[i]
                (x0, y0), (x1, y1) = points[i - 1], points[i]
                return x0 + (x1 - x0) * share, y0 + (y1 - y0) * share
            walked += steps[i]
        return points[-1]

    def polyline(self, path: WalkPath) -> tuple[list[float | None], list[float | None]]:
        """Figure x/y of a walk, cell centre by cell centre; ``None`` where it changes floor."""
        offsets = self.offsets()
        xs: list[float | None] = []
        ys: list[float | None] = []
        previous: int | None = None
        for floor, r, c in path.cells:
            if previous is not None and floor != previous:
                xs.append(None)
                ys.append(None)
            grid = self.grid(floor)
            x, y = grid.centre_m((r, c))
            xs.append(x + offsets[floor])
            ys.append(y)
            previous = floor
        return xs, ys


def _runs(grid: FloorGrid) -> Iterator[tuple[str, str, int, int, int]]:
    """Horizontal runs of wall or room cells: (kind, colour, row, first column, last column)."""
    height, width = grid.walls.shape
    for r in range(height):
        c = 0
        while c < width:
            if not grid.walls[r, c]:
                c += 1
                continue
            kind, colour = _wall_kind(grid, (r, c))
            end = c
            while end + 1 < width and grid.walls[r, end + 1]:
                if _wall_kind(grid, (r, end + 1)) != (kind, colour):
                    break
                end += 1
            yield kind, colour, r, c, end
            c = end + 1


def _wall_kind(grid: FloorGrid, cell: tuple[int, int]) -> tuple[str, str]:
    colour = grid.fills.get(cell)
    if colour is None or colour in _WALL_FILLS:
        return "wall", WALL_COLOUR
    return "room", colour


def paper_shapes(paper: FloorPaper) -> list[dict[str, Any]]:
    """Plotly shapes of every floor: the sheet, walls, rooms and stairs (named by kind)."""
    offsets = paper.offsets()
    shapes: list[dict[str, Any]] = []
    for grid in paper.grids:
        off, m = offsets[grid.floor], grid.cell_m
        height, width = grid.walls.shape
        shapes.append(
            _rect("sheet", off, 0.0, off + width * m, height * m, "rgba(0,0,0,0)", "#d9d9d9")
        )
        for kind, colour, r, c0, c1 in _runs(grid):
            shapes.append(_rect(kind, off + c0 * m, r * m, off + (c1 + 1) * m, (r + 1) * m, colour))
        for r, c in grid.points.get(STAIRS, []):
            shapes.append(
                _rect("stairs", off + c * m, r * m, off + (c + 1) * m, (r + 1) * m, STAIRS_COLOUR)
            )
    return shapes


def merge_shapes(shapes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The walls and rooms as few SVG paths: one per kind, colour and layer, drawn alike
    (the sheets and the stairs, a few of them, stay rectangles one by one).

    plotly.js checks every shape of a figure at each animation frame; the replay's floor is
    hundreds of wall runs, and as a handful of paths its frames come out about half as costly
    again (bench/bench_replay.py)."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    kept: list[dict[str, Any]] = []
    for shape in shapes:
        if shape["name"] not in _MERGED:
            kept.append(shape)
            continue
        key = (shape["name"], shape["fillcolor"], repr(shape["line"]), shape["layer"])
        groups.setdefault(key, []).append(shape)
    merged: list[dict[str, Any]] = kept
    for (name, fill, _line, layer), rects in groups.items():
        path = "".join(
            f"M{r['x0']:g},{r['y0']:g}H{r['x1']:g}V{r['y1']:g}H{r['x0']:g}Z" for r in rects
        )
        merged.append(
            {
                "type": "path",
                "name": name,
                "xref": "x",
                "yref": "y",
                "path": path,
                "fillcolor": fill,
                "line": rects[0]["line"],
                "layer": layer,
            }
        )
    return merged


def _rect(
    name: str, x0: float, y0: float, x1: float, y1: float, fill: str, line: str | None = None
) -> dict[str, Any]:
    return {
        "type": "rect",
        "name": name,
        "xref": "x",
        "yref": "y",
        "x0": x0,
        "y0": y0,
        "x1": x1,
        "y1": y1,
        "fillcolor": fill,
        "line": {"width": 1 if line else 0, "color": line or fill},
        "layer": "below",
    }


def paper_annotations(paper: FloorPaper, points: set[str]) -> list[dict[str, Any]]:
    """Floor names above each sheet, and the texts of the sheets that name no point (rooms)."""
    offsets = paper.offsets()
    notes: list[dict[str, Any]] = []
    for grid in paper.grids:
        off = offsets[grid.floor]
        notes.append(
            {
                "x": off,
                "y": -0.3,
                "xref": "x",
                "yref": "y",
                "text": f"<b>{grid.floor}F</b>",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 14},
            }
        )
        for cell, label in sorted(grid.labels.items()):
            if label in points or label in (ENTRANCE, TICKET_MACHINE, STAIRS):
                continue
            x, y = grid.centre_m(cell)
            notes.append(
                {
                    "x": x + off,
                    "y": y,
                    "xref": "x",
                    "yref": "y",
                    "text": label,
                    "showarrow": False,
                    "font": {"size": 10, "color": "#404040"},
                    "name": "room label",
                }
            )
    return notes
