"""A scenario compiled for the engine: its counters, walking distances and the route of each bundle.

The route of a visit follows docs/study-format.md, rule 2 and 3:

* **by_department** — the bundle is grouped by department; one ticket per department at the
  counters that take all of that department's procedures of the bundle (if no single counter
  takes them all, one ticket per set of counters that take the same procedures); tickets are
  taken in the order of the first counter listed in the scenario that takes them.
* **one_stop** — one ticket at the one-stop counters for every procedure with ``one_stop =
  true`` that a one-stop counter takes (service = one-stop time + ``sign_only_min``, nothing
  written by hand), then the by-department route for the rest.

Walking: from where the resident stands (entrance or previous counter) to the nearest writing
desk when the ticket needs forms, then to the ticket machine, then to the counter. Distances
come from :func:`simulation.floorplan.distance_table`: shortest paths on a grid-paper floor, or
straight lines plus ``floor_change_m`` per building floor changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from journeys.errors import InputError
from simulation.floorplan import distance_table
from simulation.model import Point, Scenario, Study

__all__ = ["Leg", "Route", "ScenarioPlan", "straight_metres"]


@dataclass(frozen=True)
class Leg:
    """One ticket of a route: where it can be taken, what it handles and what it costs by hand.

    ``candidates`` are counter indices of the scenario (the resident takes the shortest queue);
    ``procs`` catalog indices, ``first_proc`` the one named on the ticket; ``forms`` and
    ``writing_min`` what is written by hand before taking it; ``back_office_min`` staff minutes
    behind the counter after it (RPA share removed when the scenario has RPA); ``approach_m``
    metres from the ticket machine to the nearest candidate counter (for the walking time);
    ``code`` numbers the leg within its :class:`ScenarioPlan` (see :meth:`ScenarioPlan.leg_table`).
    """

    candidates: tuple[int, ...]
    procs: tuple[int, ...]
    first_proc: int
    forms: int
    writing_min: float
    one_stop: bool
    sign_min: float
    back_office_min: float
    approach_m: float = 0.0
    code: int = -1


@dataclass(frozen=True)
class Route:
    """The legs of a bundle's route, with what the engine needs at once.

    ``lead_min``: minutes from the start (arrival or triage) to the first ticket (walk from the
    entrance + writing); ``single_proc``: the procedure when the route is one department ticket
    for one procedure (the common case), else −1; ``single_os_proc`` (with its sign-only
    minutes) the same for one one-stop ticket for one procedure.
    """

    legs: tuple[Leg, ...]
    lead_min: float
    single_proc: int
    single_os_proc: int = -1
    single_os_sign: float = 0.0


def straight_metres(a: Point, b: Point, floor_change_m: float) -> float:
    """Straight-line metres between two points, plus ``floor_change_m`` per building floor changed."""
    return math.hypot(a.x - b.x, a.y - b.y) + floor_change_m * abs(a.floor - b.floor)


@dataclass
class ScenarioPlan:
    """A scenario of a study made ready for the engine (indices instead of ids, distances in a table)."""

    study: Study
    scenario: Scenario
    study_dir: Path | None = None
    counter_ids: tuple[str, ...] = field(init=False)
    walk_to_ticket: list[tuple[float, float]] = field(init=False)
    ticket_to_counter: list[float] = field(init=False)
    _routes: dict[tuple[int, ...], tuple[Leg, ...]] = field(init=False, default_factory=dict)
    _by_id: list[Route | None] = field(init=False, default_factory=list)
    _legs: list[Leg] = field(init=False, default_factory=list)
    _leg_of: dict[tuple[tuple[int, ...], tuple[int, ...], bool], Leg] = field(
        init=False, default_factory=dict
    )
    _table: dict[str, np.ndarray] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        sc, study = self.scenario, self.study
        self.counter_ids = tuple(c.id for c in sc.counters)
        self._proc = list(study.procedures)
        index = {c.id: k for k, c in enumerate(sc.counters)}
        self._dep_cands: list[tuple[int, ...]] = []
        self._os_cands: list[tuple[int, ...]] = []
        for p in self._proc:
            self._dep_cands.append(tuple(index[c.id] for c in sc.counters_for(p.id, "department")))
            self._os_cands.append(
                tuple(index[c.id] for c in sc.counters_for(p.id, "one_stop")) if p.one_stop else ()
            )
        self._measure()

    # ------------------------------------------------------------------ distances
    def _measure(self) -> None:
        sc = self.scenario
        floor = sc.floor
        table = distance_table(self.study, sc.id, self.study_dir)
        metres = table.metres

        starts = ["ENT", *self.counter_ids]
        self.walk_to_ticket = []
        for s in starts:
            direct = metres(s, "TKT")
            if floor.desks:
                desk = min(floor.desks, key=lambda d, s=s: metres(s, d.id))  # type: ignore[misc]
                via_desk = metres(s, desk.id) + metres(desk.id, "TKT")
            else:
                via_desk = direct
            self.walk_to_ticket.append((direct, via_desk))
        self.ticket_to_counter = [metres("TKT", c) for c in self.counter_ids]
        #: metres between two places of the floor ("ENT", "TKT", counter and desk ids)
        self.metres: Callable[[str, str], float] = metres

    # ------------------------------------------------------------------ routes
    def route(self, bundle: tuple[int, ...]) -> tuple[Leg, ...]:
        """The tickets a visit with this bundle (catalog indices) takes, in walking order."""
        legs = self._routes.get(bundle)
        if legs is None:
            legs = self._build(bundle)
            self._routes[bundle] = legs
        return legs

    def route_of(self, bundle_id: int, bundle: tuple[int, ...]) -> Route:
        """The :class:`Route` of a bundle, looked up by the bundle's number in the run."""
        by_id = self._by_id
        if bundle_id < len(by_id):
            found = by_id[bundle_id]
            if found is not None:
                return found
        else:
            by_id.extend([None] * (bundle_id + 1 - len(by_id)))
        legs = self.route(bundle)
        speed = self.scenario.walking_speed_m_per_min
        lead = 0.0
        if legs:
            first = legs[0]
            lead = (
                self.walk_to_ticket[0][first.forms > 0] + first.approach_m
            ) / speed + first.writing_min
        single = -1
        if len(legs) == 1 and len(legs[0].procs) == 1 and not legs[0].one_stop:
            single = legs[0].first_proc
        single_os, sign = -1, 0.0
        if len(legs) == 1 and len(legs[0].procs) == 1 and legs[0].one_stop:
            single_os, sign = legs[0].first_proc, legs[0].sign_min
        found = Route(
            legs=legs,
            lead_min=lead,
            single_proc=single,
            single_os_proc=single_os,
            single_os_sign=sign,
        )
        by_id[bundle_id] = found
        return found

    @property
    def routes_by_id(self) -> list[Route | None]:
        """Routes found so far, by bundle number (None where not yet built)."""
        return self._by_id

    def leg_table(self) -> dict[str, np.ndarray]:
        """Per leg code: ``first_proc``, ``forms``, ``writing_min`` and ``back_office_min`` arrays."""
        have = self._table["first_proc"].size if self._table else 0
        if have != len(self._legs):  # legs met since the last call: append their rows
            new = self._legs[have:]
            columns = {
                "first_proc": np.array([leg.first_proc for leg in new], dtype=np.int32),
                "forms": np.array([leg.forms for leg in new], dtype=np.int32),
                "writing_min": np.array([leg.writing_min for leg in new], dtype=float),
                "back_office_min": np.array([leg.back_office_min for leg in new], dtype=float),
            }
            self._table = {
                name: np.concatenate([self._table[name], values]) if have else values
                for name, values in columns.items()
            }
        return self._table

    def _build(self, bundle: tuple[int, ...]) -> tuple[Leg, ...]:
        sc = self.scenario
        rest: list[int] = list(bundle)
        legs: list[Leg] = []
        if sc.flow == "one_stop":
            os_procs = [p for p in bundle if self._os_cands[p]]
            rest = [p for p in bundle if not self._os_cands[p]]
            legs.extend(self._tickets(os_procs, self._os_cands, one_stop=True))
        by_dep: dict[str, list[int]] = {}
        for p in rest:
            if not self._dep_cands[p]:
                raise InputError(
                    f"scenario {sc.id!r}: no counter takes procedure {self._proc[p].id!r}",
                    hint="add it to the procedures of a counter of this scenario",
                )
            by_dep.setdefault(self._proc[p].department, []).append(p)
        dep_legs: list[Leg] = []
        for procs in by_dep.values():
            dep_legs.extend(self._tickets(procs, self._dep_cands, one_stop=False))
        dep_legs.sort(key=lambda leg: leg.candidates[0])
        legs.extend(dep_legs)
        return tuple(legs)

    def _tickets(
        self, procs: Sequence[int], cands: Sequence[tuple[int, ...]], *, one_stop: bool
    ) -> list[Leg]:
        if not procs:
            return []
        common = set(cands[procs[0]])
        for p in procs[1:]:
            common &= set(cands[p])
        groups: list[tuple[tuple[int, ...], list[int]]]
        if common:
            groups = [(tuple(sorted(common)), list(procs))]
        else:  # no single counter takes them all: one ticket per set of counters
            by_set: dict[tuple[int, ...], list[int]] = {}
            for p in procs:
                by_set.setdefault(cands[p], []).append(p)
            groups = list(by_set.items())
        return [self._leg(c, ps, one_stop=one_stop) for c, ps in groups]

    def _leg(self, candidates: tuple[int, ...], procs: list[int], *, one_stop: bool) -> Leg:
        """The leg for these candidate counters and procedures (one object per distinct leg)."""
        key = (candidates, tuple(procs), one_stop)
        found = self._leg_of.get(key)
        if found is None:
            found = self._leg_of[key] = self._new_leg(candidates, procs, one_stop=one_stop)
        return found

    def _new_leg(self, candidates: tuple[int, ...], procs: list[int], *, one_stop: bool) -> Leg:
        rpa = self.scenario.rpa
        catalog = self._proc
        back = sum(
            catalog[p].back_office_min * ((1.0 - catalog[p].rpa_share) if rpa else 1.0)
            for p in procs
        )
        leg = Leg(
            code=len(self._legs),
            candidates=candidates,
            procs=tuple(procs),
            first_proc=procs[0],
            forms=0 if one_stop else sum(catalog[p].forms for p in procs),
            writing_min=0.0 if one_stop else float(sum(catalog[p].writing_min for p in procs)),
            one_stop=one_stop,
            sign_min=float(sum(catalog[p].sign_only_min for p in procs)) if one_stop else 0.0,
            back_office_min=float(back),
            approach_m=min(self.ticket_to_counter[c] for c in candidates),
        )
        self._legs.append(leg)
        return leg
