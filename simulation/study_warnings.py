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
from simulation.messages import Text
from simulation.messages import text as msg
from simulation.model import Scenario, Study, StudyProblem

__all__ = ["XY_TOLERANCE_M", "study_warnings"]

#: How far (metres, plus one cell) a point may stand from where the grid draws it, relative to
#: the other points, before the study's x/y are said to disagree with the grid.
XY_TOLERANCE_M = 3.0


def _warn(
    loc: Sequence[str | int],
    message: Text,
    where: Text | str = "",
    hint: Text | str = "",
    place: str = "",
) -> StudyProblem:
    return StudyProblem.of(loc, message, where, hint, place=place)


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
        where = msg("where.counter", id=counter.id, scenario=scenario.id)
        if counter.procedures and not any(p in needed for p in counter.procedures):
            out.append(
                _warn(
                    (*loc, "procedures"),
                    msg("warn.unused_counter", procedures=", ".join(counter.procedures)),
                    where,
                    msg("hint.use_life_event"),
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
                        msg(
                            "warn.lunch_outside_shifts",
                            start=lunch.start,
                            end=lunch.end,
                            spans=spans,
                        ),
                        where,
                        msg("hint.lunch_inside"),
                    )
                )
        dept_floor = floors.get(counter.zone)
        if dept_floor is not None and dept_floor != counter.floor:
            out.append(
                _warn(
                    (*loc, "floor"),
                    msg(
                        "warn.other_floor",
                        floor=counter.floor,
                        zone=counter.zone,
                        dept_floor=dept_floor,
                    ),
                    where,
                    msg("hint.same_floor"),
                )
            )
    return out


# --------------------------------------------------------------------------- grid paper


def grid_warnings(scenario: Scenario, index: int, grids: list[FloorGrid]) -> list[StudyProblem]:
    """Warnings of a scenario's grid-paper floors (places are cells such as ``as_is_1F!K12``)."""
    loc: tuple[str | int, ...] = ("scenarios", index, "floor", "grid_xlsx")
    where = msg("where.grid", file=scenario.floor.grid_xlsx, scenario=scenario.id)
    known = [p[0] for p in scenario_points(scenario)]
    out: list[StudyProblem] = []
    for grid in grids:
        wide = sorted(cell for cell, raw in grid.typed.items() if raw == "＃")
        if wide:
            out.append(
                _warn(
                    loc,
                    msg("warn.full_width_hash", n=len(wide), cell=grid.cell_name(wide[0])),
                    where,
                    msg("hint.half_width_hash"),
                    place=grid.cell_name(wide[0]),
                )
            )
        for cell, label in sorted(grid.labels.items()):
            typed = grid.typed.get(cell)
            shown: Text | str = (
                msg("warn.read_as", typed=typed, label=label) if typed else repr(label)
            )
            if (
                label not in known
                and label not in (ENTRANCE, TICKET_MACHINE, STAIRS)
                and not is_room_name(label)
            ):
                close = _close(label, known)
                out.append(
                    _warn(
                        loc,
                        msg("warn.unknown_label", shown=shown, scenario=scenario.id),
                        where,
                        msg("hint.room_name_close", word=close) if close else msg("hint.room_name"),
                        place=grid.cell_name(cell),
                    )
                )
            if cell in grid.fills and not is_room_name(label):
                out.append(
                    _warn(
                        loc,
                        msg("warn.label_in_wall", label=label, fill=grid.fills[cell]),
                        where,
                        msg("hint.clear_fill"),
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
    grids: list[FloorGrid], loc: tuple[str | int, ...], where: Text
) -> list[StudyProblem]:
    out: list[StudyProblem] = []
    for lower, upper in itertools.pairwise(grids):
        a = sorted(lower.points.get(STAIRS, []))
        b = sorted(upper.points.get(STAIRS, []))
        if a and b and a != b:
            out.append(
                _warn(
                    loc,
                    msg(
                        "warn.stairs_moved",
                        lower=", ".join(lower.cell_name(c) for c in a),
                        upper=", ".join(upper.cell_name(c) for c in b),
                    ),
                    where,
                    msg("hint.same_stairs"),
                    place=lower.cell_name(a[0]),
                )
            )
    return out


def _xy_warnings(
    scenario: Scenario, index: int, grids: list[FloorGrid], where: Text
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
                        msg(
                            "warn.xy_disagree",
                            id=point_id,
                            cell=grid.cell_name(cell),
                            miss=miss,
                            x=float(typed[0]),
                            y=float(typed[1]),
                        ),
                        where,
                        msg("hint.xy_grid"),
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
