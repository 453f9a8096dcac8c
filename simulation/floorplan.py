"""Walking distances between the points of a scenario's floor: entrance, ticket machine, desks, counters.

Two ways to describe a floor (docs/study-format.md):

* **straight lines** (default): each point has ``x``, ``y`` (metres) and a building ``floor``;
  the distance is the straight line on the plan plus ``floor_change_m`` per floor changed;
* **grid paper** (``floor.grid_xlsx = "floors.xlsx#as_is_1F"``, relative to the study file):
  an Excel sheet where one cell is ``cell_m`` metres (A1 may hold ``cell_m=0.5``; default 1),
  a cell holding a counter id, a desk id, ``ENT`` (entrance), ``TKT`` (ticket machine) or
  ``STAIRS`` places that point, and a filled cell (any colour but white) or a cell holding
  ``#`` is a wall or partition; a text that cannot be an id (``待合 / Waiting``) names a room.
  Distances are shortest 8-connected paths around the walls (a diagonal step may not cut the
  corner of a wall). Sheets ``<scenario>_<n>F`` of the same
  workbook describe building floor ``n``; each ``STAIRS`` cell joins the nearest ``STAIRS``
  cell of the floor above at a cost of ``floor_change_m``.

A point drawn in several cells (a long counter, two ticket machines) is reached at its
nearest cell. :func:`distance_table` gives a :class:`DistanceTable` (dense matrix + ids);
:func:`floor_cells` gives the walls and point cells for the dashboard's floor-plan figure.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from journeys.errors import InputError
from simulation.messages import Text
from simulation.messages import text as msg
from simulation.model import Scenario, Study, StudyProblem, format_place

__all__ = [
    "ENTRANCE",
    "STAIRS",
    "TICKET_MACHINE",
    "DistanceTable",
    "FloorGrid",
    "GridRouter",
    "WalkPath",
    "cell_ref",
    "distance_matrix",
    "distance_table",
    "floor_cells",
    "grid_distances",
    "grid_problems",
    "is_room_name",
    "load_grids",
    "read_grid_sheet",
    "scenario_points",
    "straight_line_table",
]

ENTRANCE = "ENT"
TICKET_MACHINE = "TKT"
STAIRS = "STAIRS"
_ALIASES = {"entrance": ENTRANCE, "ticket_machine": TICKET_MACHINE}
_ID_LIKE = re.compile(r"^[A-Za-z0-9_.-]+$")
_CELL_M_RE = re.compile(r"^\s*cell_m\s*=\s*([0-9]*\.?[0-9]+)\s*$", re.IGNORECASE)
_FLOOR_SHEET_RE = re.compile(r"^(?P<scenario>.+)_(?P<floor>\d+)F$")


@dataclass(frozen=True)
class DistanceTable:
    """Walking metres between every pair of points of a scenario's floor.

    ``ids`` names the rows and columns of ``matrix`` (``ENT``, ``TKT``, desk ids, counter ids);
    ``floors`` gives each point's building floor.
    """

    ids: tuple[str, ...]
    matrix: np.ndarray
    floors: tuple[int, ...]
    method: str = "straight"
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {point_id: i for i, point_id in enumerate(self.ids)})

    def position(self, point_id: str) -> int:
        """Row of ``point_id`` in the matrix (``"entrance"``/``"ticket_machine"`` also accepted)."""
        key = _ALIASES.get(point_id, point_id)
        try:
            return self.index[key]
        except KeyError:
            raise InputError(
                f"no point {point_id!r} on this floor", hint=f"known points: {', '.join(self.ids)}"
            ) from None

    def metres(self, a: str, b: str) -> float:
        """Walking metres from point ``a`` to point ``b``."""
        return float(self.matrix[self.position(a), self.position(b)])

    def floor_of(self, point_id: str) -> int:
        """Building floor of a point."""
        return self.floors[self.position(point_id)]

    def to_frame(self) -> Any:
        """Long polars frame: from_id, to_id, metres (for reports and tests)."""
        import polars as pl

        n = len(self.ids)
        return pl.DataFrame(
            {
                "from_id": [a for a in self.ids for _ in range(n)],
                "to_id": list(self.ids) * n,
                "metres": self.matrix.reshape(-1).astype(float),
            }
        )


@dataclass(frozen=True)
class FloorGrid:
    """One building floor drawn as grid paper: walls and the cells of each point.

    ``walls[row, col]`` is True for a wall; ``points`` maps an id to its cells (row, col),
    0-based from A1; ``cell_m`` is the side of a cell in metres.
    """

    scenario: str
    floor: int
    sheet: str
    cell_m: float
    walls: np.ndarray
    points: dict[str, list[tuple[int, int]]]
    labels: dict[tuple[int, int], str] = field(default_factory=dict)
    #: Fill colour ``#RRGGBB`` of every filled cell (walls, rooms, and label cells with a fill).
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    #: The text as typed where NFKC normalisation changed it (``"Ａ５"`` read as ``"A5"``).
    typed: dict[tuple[int, int], str] = field(default_factory=dict)

    def cell_name(self, cell: tuple[int, int]) -> str:
        """Excel name of a cell with its sheet: ``as_is_1F!K12``."""
        return f"{self.sheet}!{cell_ref(cell)}"

    def centre_m(self, cell: tuple[int, int]) -> tuple[float, float]:
        """(x, y) metres of a cell's centre, x along columns from A, y down rows from 1."""
        row, col = cell
        return (col + 0.5) * self.cell_m, (row + 0.5) * self.cell_m


def is_room_name(text: str) -> bool:
    """A text on grid paper that cannot be a point id (a space, a Japanese character…): the
    name of a room, drawn on the floor figure and ignored by walking."""
    return _ID_LIKE.match(text) is None


def cell_ref(cell: tuple[int, int]) -> str:
    """``(11, 10)`` (0-based row, column) → ``K12`` as Excel names it."""
    row, col = cell
    letters = ""
    index = col + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


# --------------------------------------------------------------------------- straight lines


def scenario_points(scenario: Scenario) -> list[tuple[str, float, float, int]]:
    """(id, x, y, floor) of every point of a scenario: ENT, TKT, desks, counters."""
    floor = scenario.floor
    points = [
        (ENTRANCE, floor.entrance.x, floor.entrance.y, floor.entrance.floor),
        (
            TICKET_MACHINE,
            floor.ticket_machine.x,
            floor.ticket_machine.y,
            floor.ticket_machine.floor,
        ),
    ]
    points += [(d.id, d.x, d.y, d.floor) for d in floor.desks]
    points += [(c.id, c.x, c.y, c.floor) for c in scenario.counters]
    return points


def straight_line_table(scenario: Scenario) -> DistanceTable:
    """Straight-line metres on each floor plus ``floor_change_m`` per building floor changed."""
    points = scenario_points(scenario)
    xy = np.array([[p[1], p[2]] for p in points], dtype=float).reshape(-1, 2)
    floors = np.array([p[3] for p in points], dtype=float)
    plan = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    change = np.abs(floors[:, None] - floors[None, :]) * scenario.floor_change_m
    return DistanceTable(
        ids=tuple(p[0] for p in points),
        matrix=plan + change,
        floors=tuple(int(p[3]) for p in points),
        method="straight",
    )


# --------------------------------------------------------------------------- grid paper


def _split_ref(ref: str) -> tuple[str, str | None]:
    file_part, _, sheet = ref.partition("#")
    return file_part.strip(), (sheet.strip() or None)


_WHITE = {"FFFFFFFF", "00FFFFFF", "FFFFFF"}
#: Drawn for a filled cell whose colour is a theme colour (no RGB in the file).
THEME_FILL = "#808080"


def _fill_colour(cell: Any) -> str | None:
    """``#RRGGBB`` of a cell's fill, None when it has none or is white."""
    fill = getattr(cell, "fill", None)
    if fill is None or fill.patternType in (None, "none"):
        return None
    colour = getattr(fill.fgColor, "rgb", None)
    if not isinstance(colour, str):
        return THEME_FILL
    if colour.upper() in _WHITE:
        return None
    return "#" + colour.upper()[-6:]


def read_grid_sheet(
    path: str | Path, sheet: str, *, scenario: str = "", floor: int = 1
) -> FloorGrid:
    """Read one grid-paper sheet: ``cell_m`` from A1, walls (fill or ``#``) and point cells."""

    path = Path(path)
    if not path.exists():
        raise InputError("grid-paper workbook not found", file=path)
    workbook = _open_grid_workbook(path)
    try:
        if sheet not in workbook.sheetnames:
            raise InputError(
                f"no sheet {sheet!r} in the grid-paper workbook",
                file=path,
                hint=f"sheets: {', '.join(workbook.sheetnames)}",
            )
        return _grid_from_sheet(workbook[sheet], path, sheet, scenario, floor)
    finally:
        workbook.close()


def _open_grid_workbook(path: Path) -> Any:
    """The grid-paper workbook, or one clear line when the file is not a readable .xlsx."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"the grid-paper workbook is not a readable .xlsx file ({type(exc).__name__})",
            file=path,
            hint="grid_xlsx must name an Excel workbook saved as .xlsx",
        ) from exc


def _grid_from_sheet(ws: Any, path: Path, sheet: str, scenario: str, floor: int) -> FloorGrid:
    from simulation.limits import MAX_GRID_CELLS

    rows, cols = ws.max_row, ws.max_column  # the used range: the cells the file holds
    if rows * cols > MAX_GRID_CELLS:
        raise InputError(
            f"grid-paper sheet {sheet!r} spans {rows:,} rows × {cols:,} columns = "
            f"{rows * cols:,} cells (limit {MAX_GRID_CELLS:,} per floor)",
            file=path,
            column=f"{sheet}!{cell_ref((rows - 1, cols - 1))}",
            hint="delete stray cells far from the floor, or draw it with larger cells (cell_m)",
        )
    walls = np.zeros((rows, cols), dtype=bool)
    points: dict[str, list[tuple[int, int]]] = {}
    labels: dict[tuple[int, int], str] = {}
    fills: dict[tuple[int, int], str] = {}
    typed: dict[tuple[int, int], str] = {}
    cell_m = 1.0
    # only the cells the sheet holds (a value or a fill), never every cell of the range
    held = getattr(ws, "_cells", None)
    cells = (
        list(held.values())
        if isinstance(held, dict)
        else [c for row in ws.iter_rows(min_row=1, max_row=rows, max_col=cols) for c in row]
    )
    for row in (cells,):
        for cell in row:
            r, c = cell.row - 1, cell.column - 1
            value = cell.value
            raw = str(value).strip() if value is not None else ""
            text = unicodedata.normalize("NFKC", raw).strip()
            if text != raw:
                typed[(r, c)] = raw
            colour = _fill_colour(cell)
            if colour is not None:
                fills[(r, c)] = colour
            if r == 0 and c == 0 and text:
                match = _CELL_M_RE.match(text)
                if match is None:
                    raise InputError(
                        f"cell A1 must hold 'cell_m=<metres>' or be empty, got {text!r}",
                        file=path,
                        row=1,
                        column=f"{sheet}!A1",
                    )
                cell_m = float(match.group(1))
                if cell_m <= 0:
                    raise InputError("cell_m must be > 0", file=path, row=1, column=f"{sheet}!A1")
                continue
            if text == "#":
                walls[r, c] = True
                continue
            if text and is_room_name(text):  # a room's name: the cell stays what its fill says
                labels[(r, c)] = text
                walls[r, c] = colour is not None
                continue
            if text:
                key = text.upper() if text.upper() in (ENTRANCE, TICKET_MACHINE, STAIRS) else text
                points.setdefault(key, []).append((r, c))
                labels[(r, c)] = key
                continue
            if colour is not None:
                walls[r, c] = True
    return FloorGrid(
        scenario=scenario,
        floor=floor,
        sheet=sheet,
        cell_m=cell_m,
        walls=walls,
        points=points,
        labels=labels,
        fills=fills,
        typed=typed,
    )


def _floor_sheets(
    workbook_sheets: Iterable[str], scenario_id: str, sheet: str | None
) -> dict[int, str]:
    """Building floor → sheet name for a scenario: the ``<name>_<n>F`` family of the given sheet."""
    names = list(workbook_sheets)
    family = scenario_id
    if sheet is not None:
        match = _FLOOR_SHEET_RE.match(sheet)
        if match is None:
            return {1: sheet}
        family = match.group("scenario")
    found: dict[int, str] = {}
    for name in names:
        match = _FLOOR_SHEET_RE.match(name)
        if match is not None and match.group("scenario") == family:
            found[int(match.group("floor"))] = name
    return found


def load_grids(study_file: Path | None, scenario: Scenario, study_dir: Path) -> list[FloorGrid]:
    """The grid-paper floors of a scenario, lowest first (InputError when file or sheet is missing)."""

    file_part, sheet = _split_ref(scenario.floor.grid_xlsx)
    if not file_part and study_file is None:
        raise InputError(
            f"grid_xlsx {scenario.floor.grid_xlsx!r} of scenario {scenario.id!r} names no workbook",
            hint="write 'floors.xlsx#sheet' (a sheet of the study workbook itself needs the study file)",
        )
    path = (study_dir / file_part) if file_part else (study_file or Path("study.xlsx"))
    if not path.exists():
        raise InputError(
            f"grid-paper workbook {file_part!r} of scenario {scenario.id!r} not found",
            file=path,
            hint="grid_xlsx is relative to the study file",
        )
    workbook = _open_grid_workbook(path)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InputError(
                f"no sheet {sheet!r} in the grid-paper workbook of scenario {scenario.id!r}",
                file=path,
                hint=f"sheets: {', '.join(workbook.sheetnames)}",
            )
        sheets = _floor_sheets(workbook.sheetnames, scenario.id, sheet)
        if not sheets:
            raise InputError(
                f"no sheet named '{scenario.id}_1F' (…_2F, …) for scenario {scenario.id!r}",
                file=path,
                hint="name grid-paper sheets <scenario>_<n>F or give the sheet after '#'",
            )
        return [
            _grid_from_sheet(workbook[name], path, name, scenario.id, floor_no)
            for floor_no, name in sorted(sheets.items())
        ]
    finally:
        workbook.close()


def _grid_graph(grids: list[FloorGrid], floor_change_m: float) -> tuple[Any, list[int]]:
    """Sparse graph of the free cells of every floor (8-connected, no corner cutting) + stairs."""
    offsets: list[int] = []
    total = 0
    rows_all: list[np.ndarray] = []
    cols_all: list[np.ndarray] = []
    weights_all: list[np.ndarray] = []
    for grid in grids:
        offsets.append(total)
        h, w = grid.walls.shape
        free = ~grid.walls
        ids = np.arange(h * w).reshape(h, w) + total
        step = grid.cell_m
        moves = [(0, 1, 1.0), (1, 0, 1.0), (1, 1, math.sqrt(2)), (1, -1, math.sqrt(2))]
        for dr, dc, length in moves:
            r0, r1 = 0, h - dr
            c0, c1 = max(0, -dc), w - max(0, dc)
            a = free[r0:r1, c0:c1]
            b = free[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            ok = a & b
            if dr and dc:  # diagonal: both orthogonal neighbours must be free (no corner cutting)
                ok &= free[r0 + dr : r1 + dr, c0:c1] & free[r0:r1, c0 + dc : c1 + dc]
            src = ids[r0:r1, c0:c1][ok]
            dst = ids[r0 + dr : r1 + dr, c0 + dc : c1 + dc][ok]
            rows_all += [src, dst]
            cols_all += [dst, src]
            weights_all += [np.full(src.size, length * step)] * 2
        total += h * w
    stair_edges: dict[tuple[int, int], float] = {}
    for li in range(len(grids) - 1):
        lower, upper = grids[li], grids[li + 1]
        low_cells = lower.points.get(STAIRS, [])
        up_cells = upper.points.get(STAIRS, [])
        cost = floor_change_m * max(1, upper.floor - lower.floor)
        for cells_a, cells_b, ga, gb, oa, ob in (
            (low_cells, up_cells, lower, upper, offsets[li], offsets[li + 1]),
            (up_cells, low_cells, upper, lower, offsets[li + 1], offsets[li]),
        ):
            for r, c in cells_a:
                if not cells_b:
                    continue
                rb, cb = _nearest_cell(cells_b, r, c)
                a_id = oa + r * ga.walls.shape[1] + c
                b_id = ob + rb * gb.walls.shape[1] + cb
                stair_edges[(min(a_id, b_id), max(a_id, b_id))] = cost  # once per pair of cells
    for (a_id, b_id), cost in sorted(stair_edges.items()):
        rows_all += [np.array([a_id]), np.array([b_id])]
        cols_all += [np.array([b_id]), np.array([a_id])]
        weights_all += [np.array([cost])] * 2
    rows_cat = np.concatenate(rows_all) if rows_all else np.zeros(0, dtype=int)
    cols_cat = np.concatenate(cols_all) if cols_all else np.zeros(0, dtype=int)
    weights = np.concatenate(weights_all) if weights_all else np.zeros(0)
    graph = coo_matrix((weights, (rows_cat, cols_cat)), shape=(total, total)).tocsr()
    return graph, offsets


def _nearest_cell(cells: list[tuple[int, int]], row: int, col: int) -> tuple[int, int]:
    """The cell of ``cells`` nearest to (row, col)."""
    return min(cells, key=lambda cell: (cell[0] - row) ** 2 + (cell[1] - col) ** 2)


@dataclass(frozen=True)
class WalkPath:
    """The cells a resident walks through from one point to another, as the engine measures it.

    ``cells`` are (building floor, row, column), 0-based from A1; ``metres`` is the length of
    the path (the engine's walking distance between the two points).
    """

    source: str
    target: str
    cells: tuple[tuple[int, int, int], ...]
    metres: float


class GridRouter:
    """Shortest 8-connected paths around the walls of grid-paper floors, joined at the stairs.

    The one place where walking on grid paper is computed: :func:`grid_distances` (the engine's
    distance table) and :meth:`path` (the floor figure's flow lines) use the same searches.
    """

    def __init__(self, grids: list[FloorGrid], floor_change_m: float) -> None:
        self.grids = grids
        self.graph, self.offsets = _grid_graph(grids, floor_change_m)
        self._searches: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def nodes(self, point_id: str) -> list[int]:
        """Graph nodes of every cell where ``point_id`` is drawn (any floor)."""
        cells: list[int] = []
        for grid, offset in zip(self.grids, self.offsets, strict=True):
            for r, c in grid.points.get(point_id, []):
                cells.append(offset + r * grid.walls.shape[1] + c)
        return cells

    def floor_of(self, point_id: str) -> int:
        """Building floor of the first sheet ``point_id`` is drawn on (0 when not drawn)."""
        return next((g.floor for g in self.grids if point_id in g.points), 0)

    def search(self, point_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Metres to every cell from the nearest cell of ``point_id``, and the predecessors."""
        if point_id not in self._searches:
            dist, pred, _sources = dijkstra(
                self.graph,
                directed=False,
                indices=self.nodes(point_id),
                min_only=True,
                return_predecessors=True,
            )
            self._searches[point_id] = (dist, pred)
        return self._searches[point_id]

    def cell_of(self, node: int) -> tuple[int, int, int]:
        """(building floor, row, column) of a graph node."""
        index = int(np.searchsorted(self.offsets, node, side="right")) - 1
        grid = self.grids[index]
        r, c = divmod(node - self.offsets[index], grid.walls.shape[1])
        return grid.floor, int(r), int(c)

    def path(self, source: str, target: str) -> WalkPath:
        """The shortest walk from ``source`` to ``target`` (InputError when there is none)."""
        dist, pred = self.search(source)
        ends = self.nodes(target)
        if not ends or not self.nodes(source):
            raise InputError(f"{source} or {target} is not drawn on the grid-paper floor")
        end = min(ends, key=lambda n: float(dist[n]))
        if not np.isfinite(dist[end]):
            raise InputError(f"no walkable path from {source} to {target} on the grid-paper floor")
        cells: list[tuple[int, int, int]] = []
        node = end
        while node >= 0:
            cells.append(self.cell_of(node))
            node = int(pred[node])
        return WalkPath(source, target, tuple(reversed(cells)), float(dist[end]))


def grid_distances(
    grids: list[FloorGrid], point_ids: Iterable[str], floor_change_m: float
) -> tuple[tuple[str, ...], np.ndarray, tuple[int, ...]]:
    """Shortest walking metres between points drawn on grid-paper floors (inf when unreachable)."""
    router = GridRouter(grids, floor_change_m)
    ids = tuple(point_ids)
    nodes = [router.nodes(point_id) for point_id in ids]
    floors = tuple(router.floor_of(point_id) for point_id in ids)
    matrix = np.full((len(ids), len(ids)), np.inf)
    for i, point_id in enumerate(ids):
        if not nodes[i]:
            continue
        dist, _pred = router.search(point_id)
        for j, other in enumerate(nodes):
            if other:
                matrix[i, j] = float(np.min(dist[other]))
    np.fill_diagonal(matrix, 0.0)
    return ids, matrix, floors


def distance_table(
    study: Study, scenario_id: str, study_dir: str | Path | None = None
) -> DistanceTable:
    """Walking metres between the points of a scenario's floor (grid paper if set, else straight lines).

    ``study_dir`` is where a relative ``grid_xlsx`` starts (default: the study file's folder).
    Raises :class:`InputError` when the grid is missing or a point is not drawn or not reachable.
    """
    scenario = study.scenario(scenario_id)
    base = Path(study_dir) if study_dir is not None else study.source_dir
    return _table_for(scenario, base, study.source)


def _table_for(scenario: Scenario, base: Path, study_file: Path | None) -> DistanceTable:
    if not scenario.floor.grid_xlsx:
        return straight_line_table(scenario)
    grids = load_grids(study_file, scenario, base)
    wanted = [p[0] for p in scenario_points(scenario)]
    missing = [p for p in wanted if not any(p in g.points for g in grids)]
    if missing:
        raise InputError(
            f"points {', '.join(missing)} of scenario {scenario.id!r} are not drawn on its grid-paper floor",
            file=scenario.floor.grid_xlsx,
            hint="write each counter/desk id, ENT and TKT in a cell",
        )
    ids, matrix, floors = grid_distances(grids, wanted, scenario.floor_change_m)
    if not np.isfinite(matrix).all():
        i, j = (int(v) for v in np.argwhere(~np.isfinite(matrix))[0])
        raise InputError(
            f"no walkable path from {ids[i]} to {ids[j]} on the grid-paper floor of scenario {scenario.id!r}",
            file=scenario.floor.grid_xlsx,
            hint="open a door in the walls (or add STAIRS on both floors)",
        )
    return DistanceTable(ids=ids, matrix=matrix, floors=floors, method="grid")


def distance_matrix(
    scenario: Scenario | str, study_dir: str | Path | None = None, *, study: Study | None = None
) -> DistanceTable:
    """Interface form of :func:`distance_table`: the scenario (object, or id with ``study=``) first.

    ``study_dir`` is where a relative ``grid_xlsx`` starts (default: the study file's folder when
    ``study`` is given, else the working folder).
    """
    if isinstance(scenario, str):
        if study is None:
            raise ValueError("distance_matrix(scenario_id) needs study=")
        return distance_table(study, scenario, study_dir)
    if study_dir is not None:
        base = Path(study_dir)
    else:
        base = study.source_dir if study is not None else Path.cwd()
    return _table_for(scenario, base, study.source if study is not None else None)


def floor_cells(
    study: Study, scenario_id: str, study_dir: str | Path | None = None
) -> list[FloorGrid]:
    """The grid-paper floors of a scenario (walls, point cells) for a floor-plan figure.

    Empty list when the scenario uses straight lines (draw its x/y points instead).
    """
    scenario = study.scenario(scenario_id)
    if not scenario.floor.grid_xlsx:
        return []
    base = Path(study_dir) if study_dir is not None else study.source_dir
    return load_grids(study.source, scenario, base)


def grid_problems(study: Study, scenario_id: str, study_dir: str | Path) -> list[StudyProblem]:
    """Problems of a scenario's grid-paper floor: missing file or sheet, points not drawn or walled in."""
    index = study.scenario_ids.index(scenario_id)
    scenario = study.scenarios[index]
    loc: tuple[str | int, ...] = ("scenarios", index, "floor", "grid_xlsx")
    place = format_place(loc)
    where = msg("where.floor", scenario=scenario_id)
    try:
        grids = load_grids(study.source, scenario, Path(study_dir))
    except InputError as exc:
        name = Path(exc.file).name if exc.file else str(scenario.floor.grid_xlsx)
        missing = "grid-paper workbook" in exc.message and "not found" in exc.message
        code = "grid.workbook_not_found" if missing else "grid.unreadable"
        hint = msg("hint.grid_relative" if missing else "hint.grid", text=exc.hint or "")
        return [StudyProblem.of(loc, msg(code, detail=exc.message, file=name), where, hint)]
    problems: list[StudyProblem] = []
    drawn: dict[str, int] = {}
    for grid in grids:
        for point_id in grid.points:
            drawn.setdefault(point_id, grid.floor)
    wanted = scenario_points(scenario)
    for point_id, _x, _y, floor_no in wanted:
        if point_id not in drawn:
            found = _look_alikes(grids, point_id)
            said = msg(
                "grid.not_drawn",
                id=point_id,
                sheets=", ".join(g.sheet for g in grids),
                found=found,
            )
            problems.append(StudyProblem.of(loc, said, where, msg("hint.write_point", id=point_id)))
        elif drawn[point_id] != floor_no:
            said = msg("grid.other_floor", id=point_id, floor=floor_no, drawn=drawn[point_id])
            problems.append(StudyProblem.of(loc, said, where))
    if len(grids) > 1 and any(STAIRS not in g.points for g in grids):
        problems.append(StudyProblem.of(loc, msg("grid.stairs_missing"), where))
    if problems:
        return problems
    ids, matrix, _floors = grid_distances(grids, [p[0] for p in wanted], scenario.floor_change_m)
    start = ids.index(ENTRANCE)
    for j, point_id in enumerate(ids):
        if not np.isfinite(matrix[start, j]):
            problems.append(_unreachable(grids, point_id, loc, place, where))
    return problems


def _look_alikes(grids: list[FloorGrid], point_id: str) -> Text | str:
    """``"; found 'a5' at as_is_1F!K12"`` when a label is like ``point_id`` (else ``""``)."""
    import difflib

    found = [
        msg("grid.found_at", label=grid.typed.get(cell) or label, cell=grid.cell_name(cell))
        for grid in grids
        for cell, label in sorted(grid.labels.items())
        if label not in (ENTRANCE, TICKET_MACHINE, STAIRS)
        and (
            label.casefold() == point_id.casefold()
            or difflib.SequenceMatcher(None, label, point_id).ratio() >= 0.6
        )
    ]
    return msg("grid.look_alikes", found=tuple(found[:3])) if found else ""


def _unreachable(
    grids: list[FloorGrid], point_id: str, loc: tuple[str | int, ...], place: str, where: Text
) -> StudyProblem:
    """A point the entrance cannot reach: written inside a wall, or shut in by walls."""
    cells = [(g, cell) for g in grids for cell in g.points.get(point_id, [])]
    in_wall = [(g, cell) for g, cell in cells if cell in g.fills]
    if cells and len(in_wall) == len(cells):
        g, cell = in_wall[0]
        said = msg("grid.in_wall", id=point_id, cell=g.cell_name(cell), fill=g.fills[cell])
        return StudyProblem.of(loc, said, where, msg("hint.free_cell"), place=place)
    at: Text | str = msg("grid.at", cell=cells[0][0].cell_name(cells[0][1])) if cells else ""
    said = msg("grid.unreachable", id=point_id, at=at)
    return StudyProblem.of(loc, said, where, msg("hint.open_door"), place=place)
