"""The sample city's own event-driven play of one day at the hall (no SimPy, no simulator).

It follows the process semantics of docs/study-format.md, rule by rule; data/sample/README.md
states every choice made where the page leaves room:

* **route** — by department: the bundle grouped by department, departments in the order of the
  first counter that takes them; one-stop: the floor manager triages at the entrance, one ticket
  at a one-stop counter for every one-stop procedure, then the department route for the rest.
* **walk** — from the current place (entrance or last counter) to the nearest writing desk
  (only when the ticket has forms and the floor has desks), to the ticket machine, to the
  counter; straight lines plus ``floor_change_m`` per change of building floor.
* **write** — the ticket's forms (sum of ``writing_min``) before taking the ticket; nothing at a
  one-stop counter.
* **ticket** — issued after walking and writing, at the counter that takes all the ticket's
  procedures with the fewest residents (waiting + being served; ties: first listed).
* **balk / renege / no-show** — balking when ``balk_queue`` or more are waiting; exponential
  patience per ticket; a no-show is called, served for 0 minutes, and the resident carries on.
* **servers** — FIFO per counter, ``shifts`` give who is present; lunch in waves of at most
  ⌈n/2⌉ servers, never interrupting a service; a shift that ends at or after ``close`` lasts
  until the counter's last ticket of the day is served.
* **omission** — with ``omission_rate`` a new visit comes back 1–5 working days later for one
  procedure of the bundle (planned here, played on its day by the caller).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from journeys.samplecity.population import return_minute, working_day_after
from journeys.samplecity.study_file import (
    Counter,
    Point,
    Procedure,
    SampleStudy,
    Scenario,
    ServiceModel,
)

__all__ = [
    "Leg",
    "PlannedReturn",
    "TicketRecord",
    "VisitIn",
    "draw_service",
    "plan_route",
    "play_day",
    "walk_metres",
]


@dataclass(frozen=True)
class VisitIn:
    """A visit entering the hall: who, when, why, and which procedures it needs."""

    visit_id: str
    resident: int
    minute: float
    life_event: str
    bundle: tuple[str, ...]
    is_return: bool


@dataclass(frozen=True)
class PlannedReturn:
    """A return visit caused by an omission: the day, the minute and the forgotten procedure."""

    day: dt.date
    minute: float
    resident: int
    life_event: str
    procedure: str


@dataclass(frozen=True)
class TicketRecord:
    """One ticket of the day: one resident's service (or attempt) at one counter."""

    visit_id: str
    resident: int
    life_event: str
    ticket_id: str
    counter_id: str
    procedure_id: str
    procedures: tuple[str, ...]
    issued_min: float
    called_min: float | None
    ended_min: float | None
    staff_id: str | None
    outcome: str
    forms_written: int
    writing_min: float
    walking_m: float


@dataclass(frozen=True)
class Leg:
    """One stop of a route: a ticket for some procedures at a one-stop or department counter."""

    kind: str  # "one_stop" | "department"
    procedures: tuple[str, ...]
    forms: int
    writing_min: float


def plan_route(study: SampleStudy, scenario: Scenario, bundle: Sequence[str]) -> list[Leg]:
    """The legs (tickets) a visit with ``bundle`` takes in ``scenario``, in walking order."""
    procs = [study.procedure(pid) for pid in bundle]
    legs: list[Leg] = []
    by_hand: list[Procedure] = procs
    if scenario.flow == "one_stop":
        at_one_stop = tuple(p.id for p in procs if p.one_stop)
        by_hand = [p for p in procs if not p.one_stop]
        if at_one_stop:
            legs.append(Leg("one_stop", at_one_stop, 0, 0.0))
    groups: dict[str, list[Procedure]] = {}
    for proc in by_hand:
        groups.setdefault(proc.department, []).append(proc)
    department_counters = [c for c in scenario.counters if c.kind == "department"]

    def first_counter(dept: str) -> int:
        ids = {p.id for p in groups[dept]}
        for k, counter in enumerate(department_counters):
            if counter.procedures & ids:
                return k
        return len(department_counters)

    for dept in sorted(groups, key=first_counter):
        group = groups[dept]
        legs.append(
            Leg(
                "department",
                tuple(p.id for p in group),
                sum(p.forms for p in group),
                sum(p.writing_min for p in group),
            )
        )
    return legs


def draw_service(model: ServiceModel, rng: np.random.Generator) -> float:
    """One service time (minutes) from a service-time model."""
    if model.dist == "fixed":
        return model.mean
    if model.dist == "exponential":
        return float(rng.exponential(model.mean))
    if model.dist == "empirical":
        return model.values[int(rng.integers(len(model.values)))]
    if model.cv <= 0.0:
        return model.mean
    if model.dist == "lognormal":
        sigma = math.sqrt(math.log1p(model.cv * model.cv))
        mu = math.log(model.mean) - sigma * sigma / 2.0
        return float(rng.lognormal(mu, sigma))
    shape = 1.0 / (model.cv * model.cv)
    return float(rng.gamma(shape, model.mean / shape))


def _leg_metres(a: Point, b: Point, floor_change_m: float) -> float:
    return math.hypot(a.x - b.x, a.y - b.y) + floor_change_m * abs(a.floor - b.floor)


def walk_metres(scenario: Scenario, start: Point, target: Point, *, forms: int) -> float:
    """Metres from ``start`` to a counter at ``target``: via the nearest desk (if forms) and the machine."""
    fc = scenario.floor_change_m
    metres = 0.0
    here = start
    if forms > 0 and scenario.desks:
        desk = min(scenario.desks, key=lambda d: _leg_metres(here, d[1], fc))[1]
        metres += _leg_metres(here, desk, fc)
        here = desk
    metres += _leg_metres(here, scenario.ticket_machine, fc)
    metres += _leg_metres(scenario.ticket_machine, target, fc)
    return metres


@dataclass
class _Server:
    staff_id: str
    start: float
    end: float
    lunch_at: float | None
    busy: bool = False
    away: bool = False
    lunch_done: bool = False


@dataclass
class _Ticket:
    visit: _Visit
    leg: Leg
    counter: _CounterState
    ticket_id: str
    issued: float
    walking_m: float
    state: str = "waiting"


@dataclass
class _CounterState:
    counter: Counter
    servers: list[_Server]
    lunch_minutes: float
    max_away: int
    queue: deque[_Ticket] = field(default_factory=deque)
    waiting: int = 0
    busy: int = 0
    away: int = 0

    @property
    def present(self) -> int:
        """Residents at the counter: waiting plus being served."""
        return self.waiting + self.busy


@dataclass
class _Visit:
    data: VisitIn
    legs: list[Leg]
    place: Point
    next_leg: int = 0


def _servers(counter: Counter, open_min: float, close_min: float) -> tuple[list[_Server], int]:
    shifts = counter.shifts or ()
    spans: list[tuple[float, float]] = []
    if shifts:
        for shift in shifts:
            spans.extend([(shift.start, shift.end)] * shift.staff)
    else:
        spans = [(open_min, close_min)] * counter.staff
    lunch = counter.lunch
    eating = [
        k
        for k, (start, end) in enumerate(spans)
        if lunch is not None and start <= lunch.start and end >= lunch.end
    ]
    max_away = max(1, math.ceil(len(eating) / 2))
    servers: list[_Server] = []
    for k, (start, end) in enumerate(spans):
        lunch_at = None
        if lunch is not None and k in eating:
            lunch_at = lunch.start + (eating.index(k) // max_away) * lunch.minutes
        servers.append(
            _Server(
                staff_id=f"{counter.id}-{k + 1:02d}",
                start=start,
                end=math.inf if end >= close_min else end,
                lunch_at=lunch_at,
            )
        )
    return servers, max_away


def play_day(
    study: SampleStudy,
    scenario: Scenario,
    day: dt.date,
    visits: Sequence[VisitIn],
    rng: np.random.Generator,
) -> tuple[list[TicketRecord], list[PlannedReturn]]:
    """Play one day of ``scenario``: every visit through its route, every ticket as a record.

    ``visits`` must be sorted by arrival minute. Returns the tickets in issue order and the
    return visits that omissions cause on later working days.
    """
    arr = study.arrivals
    states = {}
    for counter in scenario.counters:
        servers, max_away = _servers(counter, arr.open_min, arr.close_min)
        states[counter.id] = _CounterState(
            counter=counter,
            servers=servers,
            lunch_minutes=counter.lunch.minutes if counter.lunch else 0.0,
            max_away=max_away,
        )
    ordered = list(states.values())
    heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
    seq = 0

    def push(time: float, action: Callable[..., None], *args: Any) -> None:
        nonlocal seq
        heapq.heappush(heap, (time, seq, action, args))
        seq += 1

    records: list[TicketRecord] = []
    returns: list[PlannedReturn] = []
    ticket_no = 0
    speed = scenario.walking_speed_m_per_min
    triage_free = [arr.open_min] * scenario.floor_manager_staff

    def record(
        ticket: _Ticket, called: float | None, ended: float | None, staff: str | None, outcome: str
    ) -> None:
        leg = ticket.leg
        records.append(
            TicketRecord(
                visit_id=ticket.visit.data.visit_id,
                resident=ticket.visit.data.resident,
                life_event=ticket.visit.data.life_event,
                ticket_id=ticket.ticket_id,
                counter_id=ticket.counter.counter.id,
                procedure_id=leg.procedures[0],
                procedures=leg.procedures,
                issued_min=ticket.issued,
                called_min=called,
                ended_min=ended,
                staff_id=staff,
                outcome=outcome,
                forms_written=leg.forms,
                writing_min=leg.writing_min,
                walking_m=ticket.walking_m,
            )
        )

    catalog = {p.id: p for p in study.procedures}
    routes: dict[tuple[str, ...], list[Leg]] = {}
    found_for: dict[Leg, list[_CounterState]] = {}
    metres_for: dict[tuple[Point, Point, bool], float] = {}

    def route(bundle: tuple[str, ...]) -> list[Leg]:
        if bundle not in routes:
            routes[bundle] = plan_route(study, scenario, bundle)
        return routes[bundle]

    def metres_to(place: Point, target: Point, forms: int) -> float:
        key = (place, target, forms > 0)
        if key not in metres_for:
            metres_for[key] = walk_metres(scenario, place, target, forms=forms)
        return metres_for[key]

    def candidates(leg: Leg) -> list[_CounterState]:
        if leg in found_for:
            return found_for[leg]
        need = set(leg.procedures)
        found = [s for s in ordered if s.counter.kind == leg.kind and need <= s.counter.procedures]
        if not found:  # no counter takes them all: those that take the first procedure
            found = [s for s in ordered if leg.procedures[0] in s.counter.procedures]
        found_for[leg] = found
        return found

    def next_leg(time: float, visit: _Visit) -> None:
        if visit.next_leg >= len(visit.legs):
            return
        leg = visit.legs[visit.next_leg]
        visit.next_leg += 1
        options = candidates(leg)
        if not options:  # nobody takes it: the resident goes home
            return
        # walking time to the counter with the shortest queue when the resident sets off
        target = min(options, key=lambda s: s.present)
        metres = metres_to(visit.place, target.counter.point, leg.forms)
        push(time + metres / speed + leg.writing_min, issue, visit, leg)

    def issue(time: float, visit: _Visit, leg: Leg) -> None:
        nonlocal ticket_no
        state = min(candidates(leg), key=lambda s: s.present)
        metres = metres_to(visit.place, state.counter.point, leg.forms)
        ticket_no += 1
        ticket = _Ticket(
            visit=visit,
            leg=leg,
            counter=state,
            ticket_id=f"{day:%Y%m%d}-{ticket_no:04d}",
            issued=time,
            walking_m=metres,
        )
        if state.waiting >= scenario.balk_queue:
            ticket.state = "abandoned"
            record(ticket, None, None, None, "abandoned")
            return
        state.queue.append(ticket)
        state.waiting += 1
        if math.isfinite(scenario.patience_mean_min):
            push(time + float(rng.exponential(scenario.patience_mean_min)), renege, ticket)
        dispatch(time, state)

    def renege(time: float, ticket: _Ticket) -> None:
        if ticket.state != "waiting":
            return
        ticket.state = "abandoned"
        ticket.counter.waiting -= 1
        record(ticket, None, None, None, "abandoned")

    def service_minutes(leg: Leg) -> float:
        total = 0.0
        for pid in leg.procedures:
            proc = catalog[pid]
            if leg.kind == "one_stop" and proc.at_one_stop is not None:
                total += draw_service(proc.at_one_stop, rng) + proc.sign_only_min
            else:
                total += draw_service(proc.by_department, rng)
        return total

    def dispatch(time: float, state: _CounterState) -> None:
        for server in state.servers:
            if server.busy or server.away or time < server.start or time >= server.end:
                continue
            if (
                server.lunch_at is not None
                and not server.lunch_done
                and time >= server.lunch_at
                and state.away < state.max_away
            ):
                server.away = True
                server.lunch_done = True
                state.away += 1
                push(time + state.lunch_minutes, back_from_lunch, state, server)
                continue
            while state.queue:
                ticket = state.queue.popleft()
                if ticket.state != "waiting":
                    continue
                state.waiting -= 1
                if rng.random() < scenario.no_show_rate:
                    ticket.state = "no_show"
                    record(ticket, time, time, server.staff_id, "no_show")
                    ticket.visit.place = state.counter.point
                    push(time, next_leg, ticket.visit)
                    continue
                ticket.state = "called"
                server.busy = True
                state.busy += 1
                push(time + service_minutes(ticket.leg), service_end, state, server, ticket, time)
                break

    def service_end(
        time: float, state: _CounterState, server: _Server, ticket: _Ticket, called: float
    ) -> None:
        server.busy = False
        state.busy -= 1
        ticket.state = "served"
        record(ticket, called, time, server.staff_id, "served")
        ticket.visit.place = state.counter.point
        next_leg(time, ticket.visit)
        dispatch(time, state)

    def back_from_lunch(time: float, state: _CounterState, server: _Server) -> None:
        server.away = False
        state.away -= 1
        dispatch(time, state)

    def wake(time: float, state: _CounterState) -> None:
        dispatch(time, state)

    def arrive(time: float, data: VisitIn) -> None:
        visit = _Visit(data=data, legs=route(data.bundle), place=scenario.entrance)
        if not data.is_return and rng.random() < scenario.omission_rate:
            forgotten = data.bundle[int(rng.integers(len(data.bundle)))]
            later = int(rng.integers(1, 6))
            returns.append(
                PlannedReturn(
                    day=working_day_after(arr, day, later),
                    minute=return_minute(arr, rng),
                    resident=data.resident,
                    life_event=data.life_event,
                    procedure=forgotten,
                )
            )
        start = time
        if triage_free:
            k = min(range(len(triage_free)), key=lambda j: triage_free[j])
            start = max(time, triage_free[k]) + scenario.triage_min
            triage_free[k] = start
        push(start, next_leg, visit)

    for state in ordered:
        for server in state.servers:
            if server.start > arr.open_min:
                push(server.start, wake, state)
            if server.lunch_at is not None:
                push(server.lunch_at, wake, state)
    for data in visits:
        push(data.minute, arrive, data)
    while heap:
        time, _, action, args = heapq.heappop(heap)
        action(time, *args)
    records.sort(key=lambda r: r.ticket_id)
    return records, returns
