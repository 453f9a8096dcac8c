"""Limits of a study (and of an upload), checked before any other check or any simulation.

A study is typed by a person or uploaded by anyone: 10^12 residents a day, 12,000 counters,
``forms = 9223372036854775807``, a coordinate of ``1e309`` or ``triage_min = inf`` must be
one clear line, not a ``MemoryError``, an ``OverflowError`` or a KPI of NaN an hour later.
Every limit is documented in ``docs/study-format.md`` ("Limits"); the dashboard's widgets use
the same numbers for their labels and maxima.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from simulation.messages import text as msg
from simulation.model import Study, StudyProblem

__all__ = [
    "LIMITS",
    "MAX_COORDINATE_M",
    "MAX_COUNTERS",
    "MAX_FORMS",
    "MAX_GRID_CELLS",
    "MAX_LIFE_EVENTS",
    "MAX_MINUTES",
    "MAX_PROCEDURES",
    "MAX_REPLICATIONS",
    "MAX_RESIDENTS_PER_DAY",
    "MAX_SCENARIOS",
    "MAX_STAFF",
    "Limit",
    "limit_problems",
]

#: Counters in one scenario (a large city hall has about a hundred).
MAX_COUNTERS = 300
#: Scenarios in one study.
MAX_SCENARIOS = 20
#: Procedures in the catalog.
MAX_PROCEDURES = 1_000
#: Life events.
MAX_LIFE_EVENTS = 500
#: Residents arriving on an ordinary day (before weekday, month and peak factors).
MAX_RESIDENTS_PER_DAY = 50_000
#: Servers at one counter, in one shift, on the floor-manager desk or in the back office.
MAX_STAFF = 100
#: Forms a resident writes by hand for one procedure.
MAX_FORMS = 100
#: Any duration in minutes (service mean, writing, triage, patience, overtime).
MAX_MINUTES = 24 * 60.0
#: Any coordinate on the floor, in metres (finite; a hall is a few hundred metres across).
MAX_COORDINATE_M = 10_000.0
#: Cells of one grid-paper floor (its used range, rows × columns: 150 × 200 at most — at
#: 0.5 m a cell, a 75 m × 100 m floor; the upload check of such a study stays under a second).
MAX_GRID_CELLS = 30_000
#: Replications of one run (``madoguchi simulate``; the dashboard allows fewer).
MAX_REPLICATIONS = 1_000


@dataclass(frozen=True)
class Limit:
    """One documented limit: its key, value and what it bounds (for docs and widgets)."""

    key: str
    value: float
    what: str


#: Every limit, in the order docs/study-format.md lists them.
LIMITS: tuple[Limit, ...] = (
    Limit("counters", MAX_COUNTERS, "counters in one scenario"),
    Limit("scenarios", MAX_SCENARIOS, "scenarios in one study"),
    Limit("procedures", MAX_PROCEDURES, "procedures in the catalog"),
    Limit("life_events", MAX_LIFE_EVENTS, "life events"),
    Limit("residents_per_day", MAX_RESIDENTS_PER_DAY, "residents arriving on an ordinary day"),
    Limit("staff", MAX_STAFF, "servers at one counter, shift, floor-manager desk or back office"),
    Limit("forms", MAX_FORMS, "forms written by hand for one procedure"),
    Limit("minutes", MAX_MINUTES, "any duration in minutes"),
    Limit("coordinate_m", MAX_COORDINATE_M, "any x or y on the floor, in metres"),
    Limit("grid_cells", MAX_GRID_CELLS, "cells of one grid-paper floor (rows × columns)"),
    Limit("replications", MAX_REPLICATIONS, "replications of one CLI run"),
)


def _over(value: float, limit: float) -> bool:
    """True when ``value`` is not a finite number or is above ``limit`` (a negative or zero
    value is left to the study checks, which say what the key needs)."""
    return not (isinstance(value, int | float) and math.isfinite(value) and value <= limit)


#: What each count counts, in Japanese and English.
_WHAT: dict[str, tuple[str, str]] = {
    "procedures": ("手続き", "procedures"),
    "life_events": ("ライフイベント", "life events"),
    "scenarios": ("シナリオ", "scenarios"),
    "counters": ("窓口", "counters"),
}
#: Units of the bounded values, in Japanese and English.
_UNITS: dict[str, tuple[str, str]] = {
    "residents a day": ("人/日", "residents a day"),
    "forms": ("枚", "forms"),
    "minutes": ("分", "minutes"),
    "staff": ("人", "staff"),
}


def _counts(study: Study) -> Iterator[tuple[tuple[str | int, ...], int, int, str]]:
    yield ("procedures",), len(study.procedures), MAX_PROCEDURES, "procedures"
    yield ("life_events",), len(study.life_events), MAX_LIFE_EVENTS, "life_events"
    yield ("scenarios",), len(study.scenarios), MAX_SCENARIOS, "scenarios"
    for i, scenario in enumerate(study.scenarios):
        yield ("scenarios", i, "counters"), len(scenario.counters), MAX_COUNTERS, "counters"


def _values(study: Study) -> Iterator[tuple[tuple[str | int, ...], float, float, str]]:
    """``(place, value, limit, unit)`` of every bounded number of the study."""
    yield (
        ("arrivals", "residents_per_day"),
        study.arrivals.residents_per_day,
        (MAX_RESIDENTS_PER_DAY),
        "residents a day",
    )
    for i, p in enumerate(study.procedures):
        yield ("procedures", i, "forms"), p.forms, MAX_FORMS, "forms"
        for key in ("writing_min", "sign_only_min", "back_office_min"):
            if isinstance(getattr(p, key, None), int | float):
                yield ("procedures", i, key), getattr(p, key), MAX_MINUTES, "minutes"
    for i, s in enumerate(study.scenarios):
        yield from _scenario_values(i, s)


def _scenario_values(
    i: int, s: object
) -> Iterator[tuple[tuple[str | int, ...], float, float, str]]:
    from simulation.model import Scenario

    assert isinstance(s, Scenario)
    yield ("scenarios", i, "overtime_max_min"), s.overtime_max_min, MAX_MINUTES, "minutes"
    patience = s.behaviour.patience_mean_min
    if not (isinstance(patience, float) and math.isinf(patience) and patience > 0):
        # +inf is allowed: residents never give up (the M/M/c studies of queueing theory)
        yield (
            ("scenarios", i, "behaviour", "patience_mean_min"),
            patience,
            (MAX_MINUTES),
            "minutes",
        )
    if s.floor_manager is not None:
        yield ("scenarios", i, "floor_manager", "staff"), s.floor_manager.staff, MAX_STAFF, "staff"
        yield (
            ("scenarios", i, "floor_manager", "triage_min"),
            s.floor_manager.triage_min,
            (MAX_MINUTES),
            "minutes",
        )
    if s.back_office is not None:
        yield ("scenarios", i, "back_office", "staff"), s.back_office.staff, MAX_STAFF, "staff"
    for j, c in enumerate(s.counters):
        base = ("scenarios", i, "counters", j)
        yield (*base, "staff"), c.staff, MAX_STAFF, "staff"
        for k, shift in enumerate(c.shifts):
            yield (*base, "shifts", k, "staff"), shift.staff, MAX_STAFF, "staff"
        yield (*base, "x"), abs(c.x) if math.isfinite(c.x) else c.x, MAX_COORDINATE_M, "m"
        yield (*base, "y"), abs(c.y) if math.isfinite(c.y) else c.y, MAX_COORDINATE_M, "m"
    floor = s.floor
    for name in ("entrance", "ticket_machine"):
        point = getattr(floor, name, None)
        if point is not None:
            for axis in ("x", "y"):
                v = getattr(point, axis)
                yield (
                    ("scenarios", i, "floor", name, axis),
                    abs(v) if math.isfinite(v) else v,
                    (MAX_COORDINATE_M),
                    "m",
                )
    for k, desk in enumerate(getattr(floor, "desks", []) or []):
        for axis in ("x", "y"):
            v = getattr(desk, axis)
            yield (
                ("scenarios", i, "floor", "desks", k, axis),
                abs(v) if math.isfinite(v) else v,
                (MAX_COORDINATE_M),
                "m",
            )


def limit_problems(study: Study) -> list[StudyProblem]:
    """Every number or count of ``study`` beyond its documented limit (empty list = within).

    Cheap (no simulation, no floor plan): run first, and skip the other checks when it finds
    anything — a study with 12,000 counters is not checked counter by counter, and no check
    computes with ``inf`` or 10^19. Values below their range (negative, zero) are left to the
    study checks, which name what the key needs."""
    found: list[StudyProblem] = []
    for loc, n, limit, what in _counts(study):
        if n > limit:
            ja, en = _WHAT[what]
            found.append(
                StudyProblem.of(
                    loc,
                    msg("limit.count", n=n, what=ja, what_en=en, limit=limit),
                    hint=msg("hint.limits"),
                )
            )
    if found:
        return found
    for place, value, bound, unit in _values(study):
        if _over(value, bound):
            shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
            if unit == "m":
                said = msg("limit.coordinate", shown=shown, bound=bound)
            else:
                ja, en = _UNITS[unit]
                said = msg("limit.value", shown=shown, bound=bound, unit=ja, unit_en=en)
            found.append(StudyProblem.of(place, said, hint=msg("hint.limits")))
    return found
