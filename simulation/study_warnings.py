"""Warnings: what a study is accepted with but is probably a mistake, each with its place.

:func:`check_study` (:mod:`simulation.checks`) lists errors, which stop a run. The study runs
with a warning, but the result is probably not what its author meant:

* a counter whose procedures no life event uses (staffed, never gets a ticket);
* a lunch window outside the counter's shifts (nobody on duty to take it);
* a department on one floor with its counter on another;
* on grid paper: walls typed as full-width ``＃``, a label like an id that names no point of
  the scenario (``a5`` when the counter is ``A5``; a text with spaces or Japanese is a room's
  name), a label written in a filled (wall) cell, STAIRS drawn at
  different cells on consecutive floors, and study x/y that disagree with where the grid
  draws the point.

:func:`study_warnings` returns them as :class:`~simulation.model.StudyProblem` s.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from journeys.errors import InputError
from simulation.floorplan import (
    ENTRANCE,
    STAIRS,
    TICKET_MACHINE,
    FloorGrid,
    is_room_name,
    load_grids,
    scenario_points,
)
from simulation.model import Scenario, Study, StudyProblem, format_place

__all__ = ["XY_TOLERANCE_M", "study_warnings"]

#: How far (metres, plus one cell) a point may stand from where the grid draws it, relative to
#: the other points, before the study's x/y are said to disagree with the grid.
XY_TOLERANCE_M = 3.0


def _warn(
    loc: Sequence[str | int], message: str, where: str = "", hint: str = "", place: str = ""
) -> StudyProblem:
    return StudyProblem(
        place=place or format_place(loc), message=message, where=where, hint=hint, loc=tuple(loc)
    )


def study_warnings(study: Study, *, study_dir: str | Path | None = None) -> list[StudyProblem]:
    """Every warning of a study (empty list = nothing suspicious)."""
    base = Path(study_dir) if study_dir is not None else study.source_dir
    out: list[StudyProblem] = []
    needed = {p for e in study.life_events for p, prob in e.procedures.items() if prob > 0}
    floors = {d.id: d.floor for d in study.departments}
    for index, scenario in enumerate(study.scenarios):
        out += _counter_warnings(scenario, index, needed, floors)
        if scenario.floor.grid_xlsx:
            try:
                grids = load_grids(study.source, scenario, base)
            except InputError:
                continue  # an error of check_study already says why
            out += grid_warnings(scenario, index, grids)
    return out


def _counter_warnings(
    scenario: Scenario, index: int, needed: set[str], floors: dict[str, int]
) -> list[StudyProblem]:
    out: list[StudyProblem] = []
    for i, counter in enumerate(scenario.counters):
        loc: tuple[str | int, ...] = ("scenarios", index, "counters", i)
        where = f"[[scenarios.counters]] counter {counter.id!r} of scenario {scenario.id!r}"
        if counter.procedures and not any(p in needed for p in counter.procedures):
            out.append(
                _warn(
                    (*loc, "procedures"),
                    f"no life event uses the procedures of this counter ({', '.join(counter.procedures)}): "
                    "it is staffed but gets no ticket",
                    where,
                    "add them to a life event's procedures, or remove the counter",
                )
            )
        lunch = counter.lunch
        if lunch is not None and lunch.end_min > lunch.start_min and counter.shifts:
            off = [m for m in range(lunch.start_min, lunch.end_min) if counter.staff_at(m) < 1]
            if off:
                spans = ", ".join(f"{s.start}–{s.end}" for s in counter.shifts)
                out.append(
                    _warn(
                        (*loc, "lunch"),
                        f"lunch window {lunch.start}–{lunch.end} is partly outside the shifts ({spans}): "
                        "nobody is on duty then to take the lunch break",
                        where,
                        "move the lunch window inside the shifts",
                    )
                )
        dept_floor = floors.get(counter.zone)
        if dept_floor is not None and dept_floor != counter.floor:
            out.append(
                _warn(
                    (*loc, "floor"),
                    f"the counter stands on floor {counter.floor} but its department "
                    f"{counter.zone!r} is on floor {dept_floor}",
                    where,
                    "set the same floor in [[departments]] and on the counter",
                )
            )
    return out


# --------------------------------------------------------------------------- grid paper


def grid_warnings(scenario: Scenario, index: int, grids: list[FloorGrid]) -> list[StudyProblem]:
    """Warnings of a scenario's grid-paper floors (places are cells such as ``as_is_1F!K12``)."""
    loc: tuple[str | int, ...] = ("scenarios", index, "floor", "grid_xlsx")
    where = f"grid paper {scenario.floor.grid_xlsx!r} of scenario {scenario.id!r}"
    known = [p[0] for p in scenario_points(scenario)]
    out: list[StudyProblem] = []
    for grid in grids:
        wide = sorted(cell for cell, raw in grid.typed.items() if raw == "＃")
        if wide:
            out.append(
                _warn(
                    loc,
                    f"{len(wide)} cell(s) hold a full-width '＃' (first {grid.cell_name(wide[0])}); "
                    "they are read as walls '#'",
                    where,
                    "type '#' in half-width, or fill the cells with a colour",
                    place=grid.cell_name(wide[0]),
                )
            )
        for cell, label in sorted(grid.labels.items()):
            typed = grid.typed.get(cell)
            shown = f"{typed!r} (read as {label!r})" if typed else repr(label)
            if (
                label not in known
                and label not in (ENTRANCE, TICKET_MACHINE, STAIRS)
                and not is_room_name(label)
            ):
                close = _close(label, known)
                out.append(
                    _warn(
                        loc,
                        f"the cell holds {shown}, which is no counter, desk, ENT, TKT or STAIRS "
                        f"of scenario {scenario.id!r}",
                        where,
                        (f"did you mean {close!r}? " if close else "")
                        + "a room's name is fine here; a point's id must match exactly",
                        place=grid.cell_name(cell),
                    )
                )
            if cell in grid.fills and not is_room_name(label):
                out.append(
                    _warn(
                        loc,
                        f"label {label!r} stands in a filled cell ({grid.fills[cell]}); "
                        "a filled cell is a wall, but a label's cell is read as the free cell "
                        "where residents stand",
                        where,
                        "clear the fill, or write the label in the free cell in front of the counter",
                        place=grid.cell_name(cell),
                    )
                )
    out += _stairs_warnings(grids, loc, where)
    out += _xy_warnings(scenario, index, grids, where)
    return out


def _close(label: str, known: Sequence[str]) -> str | None:
    for point_id in known:
        if point_id.casefold() == label.casefold():
            return point_id
    close = difflib.get_close_matches(label, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _stairs_warnings(
    grids: list[FloorGrid], loc: tuple[str | int, ...], where: str
) -> list[StudyProblem]:
    out: list[StudyProblem] = []
    for lower, upper in itertools.pairwise(grids):
        a = sorted(lower.points.get(STAIRS, []))
        b = sorted(upper.points.get(STAIRS, []))
        if a and b and a != b:
            out.append(
                _warn(
                    loc,
                    f"STAIRS at {', '.join(lower.cell_name(c) for c in a)} but at "
                    f"{', '.join(upper.cell_name(c) for c in b)}: each stairs cell is joined to "
                    "the nearest stairs cell of the floor above",
                    where,
                    "draw the stairs at the same cells on every floor",
                    place=lower.cell_name(a[0]),
                )
            )
    return out


def _xy_warnings(
    scenario: Scenario, index: int, grids: list[FloorGrid], where: str
) -> list[StudyProblem]:
    """Points whose study x/y, moved by the typical offset of their floor, miss their grid cell."""
    places = _point_locs(scenario, index)
    out: list[StudyProblem] = []
    for grid in grids:
        rows: list[tuple[str, np.ndarray, np.ndarray, tuple[int, int]]] = []
        for point_id, x, y, floor_no in scenario_points(scenario):
            cells = grid.points.get(point_id)
            if floor_no != grid.floor or not cells:
                continue
            study_xy = np.array([x, y])
            cell = min(
                cells,
                key=lambda rc: float(np.hypot(*(np.array(grid.centre_m(rc)) - study_xy))),
            )
            rows.append((point_id, study_xy, np.array(grid.centre_m(cell)), cell))
        if len(rows) < 3:
            continue
        offset = np.median(np.array([drawn - typed for _p, typed, drawn, _c in rows]), axis=0)
        tolerance = XY_TOLERANCE_M + grid.cell_m
        for point_id, typed, drawn, cell in rows:
            miss = float(np.hypot(*(drawn - typed - offset)))
            if miss > tolerance:
                out.append(
                    _warn(
                        places.get(point_id, ("scenarios", index, "floor")),
                        f"{point_id} is drawn at {grid.cell_name(cell)}, {miss:.1f} m from where "
                        f"its x/y ({typed[0]:g}, {typed[1]:g}) put it relative to the other points; "
                        "walking uses the grid, the x/y are not used",
                        where,
                        "correct the x/y or the cell, so that reports and the grid agree",
                    )
                )
    return out


def _point_locs(scenario: Scenario, index: int) -> dict[str, tuple[str | int, ...]]:
    base: tuple[str | int, ...] = ("scenarios", index)
    locs: dict[str, tuple[str | int, ...]] = {
        ENTRANCE: (*base, "floor", "entrance"),
        TICKET_MACHINE: (*base, "floor", "ticket_machine"),
    }
    for i, desk in enumerate(scenario.floor.desks):
        locs[desk.id] = (*base, "floor", "desks", i)
    for i, counter in enumerate(scenario.counters):
        locs[counter.id] = (*base, "counters", i)
    return locs
