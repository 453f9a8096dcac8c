"""Walking distances: straight lines, and shortest paths around walls on grid-paper sheets."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR, TEMPLATES_DIR
from simulation.floorplan import (
    distance_matrix,
    distance_table,
    floor_cells,
    grid_distances,
    read_grid_sheet,
    straight_line_table,
)
from simulation.model import load_study, study_from_dict

SAMPLE = SAMPLE_DIR / "study.toml"
GREY = PatternFill("solid", fgColor="FF808080")
WHITE = PatternFill("solid", fgColor="FFFFFFFF")


def _wall_sheet(path: Path, cell_m: str | None = "cell_m=1") -> Path:
    """5 × 5 cells; a wall in column C over rows 1–4 leaves a gap in row 5 only.

    ENT in A3 (row 2, col 0), X in E3 (row 2, col 4). By hand, with no corner cutting:
    A3 → A4 (1) → B5 (√2) → C5 (1) → D5 (1) → E4 (√2) → E3 (1) = 4 + 2√2 cells.
    """
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "t_1F"
    if cell_m:
        ws["A1"] = cell_m
    for row in range(1, 5):
        ws.cell(row=row, column=3).fill = GREY
    ws["E5"].fill = WHITE  # white fill is not a wall (and makes the sheet 5 rows tall)
    ws["A3"] = "ENT"
    ws["E3"] = "X"
    book.save(path)
    return path


def test_detour_around_wall_equals_hand_value(tmp_path: Path) -> None:
    grid = read_grid_sheet(_wall_sheet(tmp_path / "g.xlsx"), "t_1F")
    assert grid.walls.shape == (5, 5)
    assert grid.walls[:4, 2].all() and not grid.walls[4, 2]
    assert grid.points == {"ENT": [(2, 0)], "X": [(2, 4)]}
    ids, matrix, _ = grid_distances([grid], ["ENT", "X"], floor_change_m=25.0)
    assert ids == ("ENT", "X")
    assert matrix[0, 1] == pytest.approx(4 + 2 * math.sqrt(2))
    assert matrix[1, 0] == pytest.approx(matrix[0, 1])


def test_cell_size_scales_distances(tmp_path: Path) -> None:
    grid = read_grid_sheet(_wall_sheet(tmp_path / "g.xlsx", "cell_m=0.5"), "t_1F")
    _, matrix, _ = grid_distances([grid], ["ENT", "X"], floor_change_m=25.0)
    assert grid.cell_m == 0.5
    assert matrix[0, 1] == pytest.approx(0.5 * (4 + 2 * math.sqrt(2)))


def test_hash_cells_are_walls_and_no_gap_means_unreachable(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "t_1F"
    for row in range(1, 4):
        ws.cell(row=row, column=2, value="#")
    ws["A2"], ws["C2"] = "ENT", "X"
    book.save(tmp_path / "h.xlsx")
    grid = read_grid_sheet(tmp_path / "h.xlsx", "t_1F")
    _, matrix, _ = grid_distances([grid], ["ENT", "X"], floor_change_m=25.0)
    assert np.isinf(matrix[0, 1])


def test_two_floors_join_at_stairs(tmp_path: Path) -> None:
    """ENT on 1F at A1.., stairs 3 cells east; counter C on 2F 4 cells south of the stairs."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "s_1F"
    first["B2"], first["E2"] = "ENT", "STAIRS"
    second = book.create_sheet("s_2F")
    second["E2"], second["E6"] = "STAIRS", "C"
    book.save(tmp_path / "f.xlsx")
    grids = [
        read_grid_sheet(tmp_path / "f.xlsx", "s_1F", floor=1),
        read_grid_sheet(tmp_path / "f.xlsx", "s_2F", floor=2),
    ]
    _ids, matrix, floors = grid_distances(grids, ["ENT", "C"], floor_change_m=20.0)
    assert floors == (1, 2)
    assert matrix[0, 1] == pytest.approx(3 + 20 + 4)


def test_straight_lines_add_floor_change() -> None:
    study = load_study(SAMPLE)
    table = straight_line_table(study.scenario("as_is"))
    scenario = study.scenario("as_is")
    a01 = scenario.counter("A01")
    a06 = scenario.counter("A06")
    expected = math.hypot(a01.x - a06.x, a01.y - a06.y) + scenario.floor_change_m * abs(
        a01.floor - a06.floor
    )
    assert table.metres("A01", "A06") == pytest.approx(expected)
    assert table.metres("entrance", "ticket_machine") == pytest.approx(
        math.hypot(
            scenario.floor.ticket_machine.x - scenario.floor.entrance.x,
            scenario.floor.ticket_machine.y - scenario.floor.entrance.y,
        )
    )
    # the sample walks on grid paper; a study without grid_xlsx (the skeleton) on straight lines
    assert distance_table(study, "as_is").method == "grid"
    skeleton = load_study(TEMPLATES_DIR / "study_template.toml")
    assert distance_table(skeleton, "as_is").method == "straight"
    with pytest.raises(InputError, match="no point 'Z99'"):
        table.metres("ENT", "Z99")


def _sample_with_grid() -> Any:
    data: dict[str, Any] = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for scenario in data["scenarios"]:
        scenario["floor"]["grid_xlsx"] = f"floors.xlsx#{scenario['id']}_1F"
    return study_from_dict(data, source=SAMPLE)


def test_sample_grid_distances_at_least_straight_lines() -> None:
    study = _sample_with_grid()
    for scenario in study.scenarios:
        grid = distance_table(study, scenario.id)
        straight = straight_line_table(scenario)
        assert grid.method == "grid" and grid.ids == straight.ids
        assert np.isfinite(grid.matrix).all()
        assert (grid.matrix >= straight.matrix - 1e-9).all()
        floors = np.array(straight.floors)
        same = (floors[:, None] == floors[None, :]) & (straight.matrix > 0)
        # on one floor the 8-connected path is within 8.3 % of the straight line (octile bound)
        assert (grid.matrix[same] <= straight.matrix[same] * 1.0824 + 1e-9).all()
        # the interface form gives the same table from the scenario object
        again = distance_matrix(scenario, SAMPLE.parent)
        assert np.allclose(again.matrix, grid.matrix)


def test_floor_cells_for_the_figure() -> None:
    study = _sample_with_grid()
    floors = floor_cells(study, "as_is")
    assert [f.floor for f in floors] == [1, 2]
    first = floors[0]
    assert {"ENT", "TKT", "A01", "D1", "STAIRS"} <= set(first.points)
    r, c = first.points["ENT"][0]
    assert not first.walls[r, c]
    assert first.centre_m((0, 0)) == (0.5, 0.5)
    assert floor_cells(load_study(TEMPLATES_DIR / "study_template.toml"), "as_is") == []
