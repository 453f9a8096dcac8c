"""The SimPy engine: plays the residents of each day through a scenario's floor.

Each day of each scenario runs in its own ``simpy.Environment`` (:class:`simulation.entities.Hall`);
the scenario's extensions (:mod:`simulation.extensions`) hook their SimPy processes into it.

:func:`simulate_days` runs one scenario over some days for one replication and returns the
canonical counter log (ARCHITECTURE.md) and the staff log. :func:`simulate_replication` runs
*all* requested scenarios on the same residents (common random numbers): the residents of a
day are drawn once (:mod:`simulation.arrivals`) and each scenario plays them through its own
counters (:mod:`simulation.entities`), following docs/study-format.md, "Process semantics".

Choices the format leaves open, made here once (the sample generator, journeys/samplecity, made
the same ones except the overtime limit, which it does not apply; see data/sample/README.md):

* a resident who balks or reneges (patience ran out) leaves the hall: the rest of the bundle is
  dropped; abandoned tickets have neither ``called_at`` nor ``ended_at``; a no-show is called,
  served for 0 minutes, and the resident carries on with the rest of the route;
* among the counters that take a ticket's procedures the resident picks the one with the fewest
  residents present (waiting + being served; ties: the first listed); the walk (previous place
  → nearest desk if writing → ticket machine → nearest such counter) and the writing are one
  timeout before the ticket is issued;
* an omission does not shorten the first visit: one procedure could not be completed (a
  missing document or form), and the resident comes back for it 1–5 working days later at a
  time drawn from the hour profile; return visits are new visits that do not omit again;
* triage takes exactly ``triage_min`` (FIFO, ``floor_manager.staff`` servers);
* lunch: servers on duty in the window go in waves from its start, never interrupting a service
  and never more than ⌈staff/2⌉ away at once (a late one waits for a colleague to return);
* after ``close`` (the counter's own, else the hall's) the servers on duty stay until their
  queue is empty, for at most the scenario's ``overtime_max_min`` (never past midnight); then
  the residents still waiting go home (``abandon_reason = "closed"``); a ticket taken after
  closing at a counter nobody staffs any more calls its first server back, who calls it at
  once; time past the end of a shift is an ``overtime`` row of the staff log;
* back-office minutes of each served ticket are one job for the back office, which works FIFO
  with ``back_office.staff`` people from the end of the ticket (after hours if need be).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import operator
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from journeys.errors import InputError
from simulation.arrivals import (
    DayPopulation,
    Needs,
    ResidentModel,
    ServiceQuantiles,
    draw_day,
    is_working_day,
    return_times,
    working_days_after,
)
from simulation.entities import (
    ABANDON_REASONS,
    BACK_OFFICE,
    BACK_OFFICE_COUNTER,
    CLOSED,
    FLOOR_MANAGER_COUNTER,
    SERVE,
    SERVED,
    TRIAGE,
    Counter,
    CounterStaff,
    ExtensionFailure,
    Hall,
    Recorder,
    Residents,
    Server,
    StaffPool,
)
from simulation.extensions import Day, Extension, LoadedExtension, extension_error, load_extensions
from simulation.model import Scenario, Study
from simulation.rng import named_stream
from simulation.routing import Route, ScenarioPlan

__all__ = [
    "OUTCOME_NAMES",
    "RawRun",
    "SimOutput",
    "default_days",
    "raw_to_output",
    "simulate_days",
    "simulate_replication",
]

OUTCOME_NAMES: tuple[str, ...] = ("served", "no_show", "abandoned")
#: Activities of the staff log (codes of simulation.entities); extensions add their own.
_ACTIVITIES: tuple[str, ...] = ("serve", "back_office", "triage", "lunch", "overtime", "lent")
_EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class SimOutput:
    """What one scenario × replication produced.

    ``log`` is the canonical counter log (plus scenario, replication, writing_min, walking_m);
    ``staff_log`` one row per activity of a member of staff (serve, back_office, triage, lunch);
    ``visits`` one row per visit (arrival time, life event, number of procedures, return visit).
    """

    log: Any
    staff_log: Any
    visits: Any


@dataclass
class RawRun:
    """Flat numpy records of one scenario × replication (cheap to send between processes)."""

    scenario: str
    replication: int
    counter_ids: tuple[str, ...]
    staff_ids: tuple[str, ...]
    procedure_ids: tuple[str, ...]
    life_event_ids: tuple[str, ...]
    tickets: dict[str, np.ndarray]
    staff: dict[str, np.ndarray]
    visits: dict[str, np.ndarray]
    #: staff-log activity names by code; counter-column names of extensions' staff rows
    activities: tuple[str, ...] = _ACTIVITIES
    groups: tuple[str, ...] = ()
    persona_ids: tuple[str, ...] = ()
    #: visit columns added by extensions (NaN: no value)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class _Return:
    """A resident coming back for one procedure they could not complete."""

    minute: float
    life_event: int
    proc: int
    service_u: float
    patience_e: float
    no_show_u: float
    first_day: int = 0
    first_visit: int = 0
    persona: int = -1


@dataclass(frozen=True)
class _Pool:
    """Floor managers or back-office staff of a scenario: how many, and minutes per job."""

    staff: int
    triage_min: float = 0.0


@dataclass
class _Layout:
    """Staff of a scenario: servers of each counter, shifts, lunch times, and their ids."""

    staff_ids: list[str]
    counter_servers: list[list[tuple[int, list[tuple[float, float]], float | None]]]
    lunch_min: list[float]
    floor_manager: _Pool | None
    back_office: _Pool | None
    fm_base: int
    bo_base: int


def _layout(scenario: Scenario) -> _Layout:
    staff_ids: list[str] = []
    servers: list[list[tuple[int, list[tuple[float, float]], float | None]]] = []
    lunch_min: list[float] = []
    for counter in scenario.counters:
        slots: list[list[tuple[float, float]]] = []
        # a counter with its own hours is staffed only inside them
        lo = float(counter.open_min) if counter.open_min is not None else 0.0
        hi = float(counter.close_min) if counter.close_min is not None else 24 * 60.0
        for shift in sorted(counter.shifts, key=lambda s: (s.start_min, s.end_min)):
            a, b = max(float(shift.start_min), lo), min(float(shift.end_min), hi)
            if b <= a:
                continue
            for _ in range(shift.staff):
                for slot in slots:
                    if slot[-1][1] <= a:
                        slot.append((a, b))
                        break
                else:
                    slots.append([(a, b)])
        lunch_at: list[float | None] = [None] * len(slots)
        lunch = counter.lunch
        if lunch is not None and lunch.minutes > 0:
            at_lunch = [
                k for k, sl in enumerate(slots) if any(a <= lunch.start_min < b for a, b in sl)
            ]
            n = len(at_lunch)
            if n:
                per_wave = math.ceil(n / 2)
                waves = math.ceil(n / per_wave)
                window = lunch.end_min - lunch.start_min
                step = (
                    lunch.minutes
                    if waves * lunch.minutes <= window or waves == 1
                    else max(window - lunch.minutes, 0.0) / (waves - 1)
                )
                for rank, k in enumerate(at_lunch):
                    lunch_at[k] = lunch.start_min + (rank // per_wave) * step
        row = []
        for k, sl in enumerate(slots):
            row.append((len(staff_ids), sl, lunch_at[k]))
            staff_ids.append(f"{counter.id}-{k + 1}")
        servers.append(row)
        lunch_min.append(float(lunch.minutes) if lunch is not None else 0.0)
    fm = None
    fm_base = len(staff_ids)
    if (
        scenario.flow == "one_stop"
        and scenario.floor_manager is not None
        and scenario.floor_manager.staff > 0
    ):
        fm = _Pool(scenario.floor_manager.staff, float(scenario.floor_manager.triage_min))
        staff_ids.extend(f"FM-{k + 1}" for k in range(fm.staff))
    bo = None
    bo_base = len(staff_ids)
    if scenario.back_office is not None and scenario.back_office.staff > 0:
        bo = _Pool(scenario.back_office.staff)
        staff_ids.extend(f"BO-{k + 1}" for k in range(bo.staff))
    return _Layout(staff_ids, servers, lunch_min, fm, bo, fm_base, bo_base)


class _ScenarioRun:
    """One scenario of a replication: its compiled plan, staff layout, extensions, and pending
    return visits."""

    def __init__(
        self,
        study: Study,
        scenario: Scenario,
        model: ResidentModel,
        plan: ScenarioPlan,
        layout: _Layout,
        extensions: Sequence[LoadedExtension] = (),
        *,
        seed: int = 0,
        replication: int = 0,
    ) -> None:
        self.study = study
        self.scenario = scenario
        self.plan = plan
        self.layout = layout
        self.model = model
        self.seed = seed
        self.replication = replication
        self.quantiles: ServiceQuantiles = model.quantiles
        self.returns: dict[dt.date, list[_Return]] = {}
        self._later: dict[tuple[dt.date, int], dt.date] = {}
        self.sign_only = [p.sign_only_min for p in study.procedures]
        self.personas = list(study.personas)
        self.factors = [p.service_factor for p in self.personas]
        self.days: list[_DayParts] = []
        self.extra_columns: dict[str, list[np.ndarray]] = {}
        self.day_sizes: list[int] = []
        self.loaded = list(extensions)
        self.extensions: list[Extension] = [ext.make() for ext in self.loaded]
        self.activities: list[str] = list(_ACTIVITIES)
        self.ext_groups: list[str] = []
        self.ext_staff: list[str] = []
        self._ext_index: dict[str, int] = {}

    # ------------------------------------------------------------------ one day
    def play(self, pop: DayPopulation) -> weakref.ref[Hall]:
        """Play the residents of one day (and the returns due that day) through the floor.

        Returns a weak reference to the day's hall (dead once the day is freed).
        """
        residents, arrived, events, n_procs, is_return, origin = self._visits(pop)
        hall = self._hall(residents)
        for loaded, ext in zip(self.loaded, self.extensions, strict=True):
            for point, hook in loaded.hooks(ext):
                getattr(hall.hooks, point).append((loaded.use, hook))
        try:
            for loaded, ext in zip(self.loaded, self.extensions, strict=True):
                ext.start_day(self._day(hall, pop.day, loaded, ext))
            hall.start_visits()
            hall.run()
        except ExtensionFailure as exc:
            use, what = (*exc.args, "", "")[:2]
            raise extension_error(str(use), self.scenario.id, str(what)) from exc
        except Exception as exc:
            if not self.loaded:
                raise
            # a process an extension started itself (day.env.process) raised
            use = _culprit(exc, self.loaded)
            raise extension_error(use, self.scenario.id, f"{type(exc).__name__}: {exc}") from exc
        self._leftovers(hall)
        self._omissions(pop)
        self._collect(pop, hall, arrived, events, n_procs, is_return, origin)
        hall.release()
        return weakref.ref(hall)

    def _hall(self, residents: Residents) -> Hall:
        """The day's hall: counters with their hours, staff on their shifts, triage, back office."""
        sc = self.scenario
        plan = self.plan
        layout = self.layout
        arrivals = self.study.arrivals
        hall_close = float(arrivals.close_min)
        counters = []
        for k, (cid, model) in enumerate(zip(plan.counter_ids, sc.counters, strict=True)):
            close = float(model.close_min) if model.close_min is not None else hall_close
            counters.append(
                Counter(
                    k,
                    cid,
                    kind=model.kind,
                    close=close,
                    hard_end=close + float(sc.overtime_max_min),
                )
            )
        hall = Hall(
            counters=counters,
            residents=residents,
            speed_m_per_min=sc.walking_speed_m_per_min,
            walk_to_ticket=plan.walk_to_ticket,
            ticket_to_counter=plan.ticket_to_counter,
            balk_queue=sc.behaviour.balk_queue,
            patience_mean_min=sc.behaviour.patience_mean_min,
            no_show_rate=sc.no_show_rate,
            close_min=hall_close,
        )
        for counter, row, lunch_min in zip(
            hall.counters, layout.counter_servers, layout.lunch_min, strict=True
        ):
            counter.lunch_min = lunch_min
            counter.away_limit = max(1, math.ceil(sum(1 for r in row if r[2] is not None) / 2))
            for index, shifts, lunch_at in row:
                server = Server(index, counter, layout.staff_ids[index])
                counter.servers.append(server)
                for start, end in shifts:
                    hall.shift(server, start, end)
                if lunch_at is not None:
                    hall.lunch(server, lunch_at)
            counter.staff = CounterStaff(hall, counter)
        hall.closing()
        if layout.floor_manager is not None:
            hall.triage = StaffPool(
                hall,
                layout.floor_manager.staff,
                base=layout.fm_base,
                counter=FLOOR_MANAGER_COUNTER,
                kind=TRIAGE,
            )
            hall.triage_min = layout.floor_manager.triage_min
        if layout.back_office is not None:
            hall.back_office = StaffPool(
                hall,
                layout.back_office.staff,
                base=layout.bo_base,
                counter=BACK_OFFICE_COUNTER,
                kind=BACK_OFFICE,
            )
        return hall

    def _day(self, hall: Hall, day: dt.date, loaded: LoadedExtension, ext: Extension) -> Day:
        activity = str(getattr(ext, "activity", "extension") or "extension")

        def code() -> int:
            if activity not in self.activities:
                self.activities.append(activity)
            return self.activities.index(activity)

        def register(prefix: str, count: int) -> tuple[list[str], list[int], int, int]:
            kind = code()
            if activity not in self.ext_groups:
                self.ext_groups.append(activity)
            members = [f"{prefix}-{k + 1}" for k in range(max(int(count), 1))]
            indices = []
            for member in members:
                if member not in self._ext_index:
                    self._ext_index[member] = len(self.layout.staff_ids) + len(self.ext_staff)
                    self.ext_staff.append(member)
                indices.append(self._ext_index[member])
            counter = len(self.plan.counter_ids) + self.ext_groups.index(activity)
            return members, indices, kind, counter

        return Day(
            env=hall.env,
            hall=hall,
            metres=self.plan.metres,
            speed=float(self.scenario.walking_speed_m_per_min),
            rng=named_stream(self.seed, self.replication, day, loaded.use),
            scenario=self.scenario,
            date=day,
            opens_min=float(self.study.arrivals.open_min),
            closes_min=float(self.study.arrivals.close_min),
            activity=activity,
            _register=register,
            _activity_code=code,
        )

    def _visits(
        self, pop: DayPopulation
    ) -> tuple[Residents, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The day's visits (residents, then returns due) as :class:`Residents` columns, with
        per visit: arrival, life event, number of procedures, return visit, and (day ordinal
        and number of the resident's first visit, persona code).

        Service minutes of a leg add the service of its procedures in bundle order (department
        or one-stop time, plus signing at a one-stop counter), times the persona's factor; they
        are worked out with numpy, one bundle at a time.
        """
        plan = self.plan
        ids = np.asarray(pop.bundle_ids, dtype=np.int64)
        known = plan.routes_by_id
        # the distinct bundles of the day, and each resident's number among them
        counts = np.bincount(ids) if ids.size else np.zeros(0, dtype=np.int64)
        distinct = np.flatnonzero(counts)
        local = np.zeros(counts.size, dtype=np.int64)
        local[distinct] = np.arange(distinct.size)
        inverse = local[ids]
        for bid in distinct.tolist():  # routes of bundles met for the first time
            if bid >= len(known) or known[bid] is None:
                plan.route_of(bid, self.model.bundles[bid])
        routes: list[Route] = [known[bid] for bid in distinct.tolist()]  # type: ignore[misc]
        returns = self.returns.pop(pop.day, [])
        ret_routes = [
            plan.route_of(self.model.bundle_id_of((ret.proc,)), (ret.proc,)) for ret in returns
        ]
        # ticket slots per visit: the longest route of the day
        width = max([len(r.legs) for r in routes] + [len(r.legs) for r in ret_routes] + [1])
        n = ids.size
        service = self._service(pop, inverse, counts[distinct], routes, width)
        drawn = pop.persona.tolist() if self.personas and pop.persona.size == n else [-1] * n
        patience, no_show_u = pop.draw_lists(width)
        pick = inverse.tolist()
        route = _gather([r.legs for r in routes], pick)
        n_legs = np.array([len(r.legs) for r in routes], dtype=np.int64)[inverse]
        lead = np.array([r.lead_min for r in routes], dtype=float)[inverse].tolist()
        arrived = pop.arrival_min
        events = pop.life_event.astype(np.int32)
        catalog = self.model.bundles
        sizes = np.array([len(catalog[bid]) for bid in distinct.tolist()], dtype=np.int32)
        n_procs = sizes[inverse]
        own = pop.persona if pop.persona.size == n else np.full(n, -1, dtype=np.int64)
        origin = np.empty((n, 3), dtype=np.int64)
        origin[:, 0] = pop.day.toordinal()
        origin[:, 1] = np.arange(n)
        origin[:, 2] = own
        arrived_list = arrived.tolist()
        is_return_list = [False] * n
        if returns:
            patience = list(patience)
            no_show_u = list(no_show_u)
            for ret, ret_route in zip(returns, ret_routes, strict=True):
                service.extend(self._return_service(ret, ret_route, width))
                patience.extend([ret.patience_e] * width)
                no_show_u.extend([ret.no_show_u] * width)
                route.append(ret_route.legs)
                lead.append(ret_route.lead_min)
                drawn.append(ret.persona)
                arrived_list.append(ret.minute)
                is_return_list.append(True)
            m = len(returns)
            n_legs = np.concatenate([n_legs, np.array([len(r.legs) for r in ret_routes])])
            arrived = np.concatenate([arrived, np.array([r.minute for r in returns], dtype=float)])
            events = np.concatenate(
                [events, np.array([r.life_event for r in returns], dtype=np.int32)]
            )
            n_procs = np.concatenate([n_procs, np.ones(m, dtype=np.int32)])
            origin = np.concatenate(
                [
                    origin,
                    np.array(
                        [[r.first_day, r.first_visit, r.persona] for r in returns], dtype=np.int64
                    ),
                ]
            )
        residents = Residents(
            width=width,
            route=route,
            n_legs=n_legs,
            arrived=arrived_list,
            lead=lead,
            persona=drawn,
            is_return=is_return_list,
            service=service,
            patience=patience,
            no_show=no_show_u,
            persona_ids=[p.id for p in self.personas],
            persona_attributes=[p.attributes for p in self.personas],
        )
        is_return = np.zeros(len(route), dtype=bool)
        is_return[n:] = True
        return residents, arrived, events, n_procs, is_return, origin

    def _service(
        self,
        pop: DayPopulation,
        inverse: np.ndarray,
        counts: np.ndarray,
        routes: list[Route],
        width: int,
    ) -> list[float]:
        """Service minutes of every ticket slot of the day's residents (resident × width).

        ``inverse[i]`` is resident i's bundle among the day's ``routes`` (``counts`` residents
        each).
        """
        n = inverse.size
        minutes = np.zeros((n, width))
        if n:
            order = np.argsort(inverse, kind="stable")
            stops = np.cumsum(counts).tolist()
            starts = [0, *stops[:-1]]
            bd, os_ = pop.service_bd, pop.service_os
            for route, lo, hi in zip(routes, starts, stops, strict=True):
                rows = order[lo:hi]
                for k, leg in enumerate(route.legs):
                    table = os_ if leg.one_stop else bd
                    column = table[rows, leg.procs[0]]
                    for p in leg.procs[1:]:  # in bundle order, as a sum would add them
                        column = column + table[rows, p]
                    if leg.one_stop:
                        column = column + leg.sign_min
                    minutes[rows, k] = column
            if self.personas and pop.persona.size == n:
                factors = np.array([*self.factors, 1.0])[pop.persona]  # −1: no persona
                minutes *= factors[:, None]
        return minutes.ravel().tolist()

    def _return_service(self, ret: _Return, route: Route, width: int) -> list[float]:
        """Service minutes of a return visit's ticket slots (its one procedure, from its draw)."""
        u = np.array([ret.service_u])
        factor = self.factors[ret.persona] if ret.persona >= 0 else 1.0
        out = [0.0] * width
        for k, leg in enumerate(route.legs):
            q = (
                self.quantiles.one_stop[ret.proc]
                if leg.one_stop
                else self.quantiles.by_department[ret.proc]
            )
            assert q is not None
            minutes = float(q(u)[0]) + (self.sign_only[ret.proc] if leg.one_stop else 0.0)
            out[k] = minutes * factor
        return out

    def _leftovers(self, hall: Hall) -> None:
        """Tickets still waiting when nothing else can happen (no staff at all): abandoned."""
        for counter in hall.counters:
            while counter.queue:
                hall._abandon(counter.queue.popleft(), CLOSED)

    def _omissions(self, pop: DayPopulation) -> None:
        rate = self.scenario.omission_rate
        if rate <= 0 or pop.size == 0:
            return
        chosen = np.flatnonzero(pop.omit_u < rate)
        if chosen.size == 0:
            return
        minutes = return_times(self.study, pop.ret_time_u[chosen, 0], pop.ret_time_u[chosen, 1])
        later = self._later
        drawn = pop.persona.tolist() if pop.persona.size else []
        for j, i in enumerate(chosen.tolist()):
            bundle = pop.bundle(i)
            proc = bundle[min(int(pop.omit_pick[i] * len(bundle)), len(bundle) - 1)]
            key = (pop.day, int(pop.omit_days[i]))
            day = later.get(key)
            if day is None:
                day = later[key] = working_days_after(self.study, pop.day, key[1])
            self.returns.setdefault(day, []).append(
                _Return(
                    minute=float(minutes[j]),
                    life_event=int(pop.life_event[i]),
                    proc=proc,
                    service_u=float(pop.ret_service_u[i]),
                    patience_e=float(pop.ret_patience[i]),
                    no_show_u=float(pop.ret_no_show_u[i]),
                    first_day=pop.day.toordinal(),
                    first_visit=i,
                    persona=int(drawn[i]) if drawn else -1,
                )
            )

    # ------------------------------------------------------------------ records
    def _collect(
        self,
        pop: DayPopulation,
        hall: Hall,
        arrived: np.ndarray,
        events: np.ndarray,
        n_procs: np.ndarray,
        is_return: np.ndarray,
        origin: np.ndarray,
    ) -> None:
        """Keep the day's records as numpy columns (by ticket slot, as recorded); :meth:`raw`
        orders, joins and converts them once for all days."""
        recorder = hall.recorder
        t = recorder.tickets
        staff = recorder.staff
        self.days.append(
            _DayParts(
                day=pop.day.toordinal(),
                width=max(hall.width, 1),
                code=_column(t.code, np.int64),
                counter=_column(t.counter, np.int32),
                seq=_column(t.seq, np.int64),
                issued=_column(t.issued, float),
                called=_column(t.called, float),
                ended=_column(t.ended, float),
                server=_column(t.server, np.int32),
                outcome=_column(t.outcome, np.int8),
                reason=_column(t.reason, np.int8),
                walking_m=_column(t.walking_m, float),
                staff_server=_column(staff.server, np.int32),
                staff_counter=_column(staff.counter, np.int32),
                staff_kind=_column(staff.kind, np.int8),
                staff_start=_column(staff.start, float),
                staff_end=_column(staff.end, float),
                arrived=arrived,
                left=_column(recorder.left, float),
                events=events,
                n_procs=n_procs,
                is_return=is_return,
                origin=origin,
            )
        )
        self._extra(recorder, arrived.size)

    def _extra(self, recorder: Recorder, nv: int) -> None:
        """Extensions' visit columns of the day (NaN where a visit has no value)."""
        for name, values in recorder.columns.items():
            if name not in self.extra_columns:  # first seen today: earlier days have none
                self.extra_columns[name] = [np.full(size, np.nan) for size in self.day_sizes]
            column = np.full(nv, np.nan)
            if values:
                column[np.fromiter(values.keys(), dtype=np.int64)] = np.fromiter(
                    values.values(), dtype=float
                )
            self.extra_columns[name].append(column)
        for name, parts in self.extra_columns.items():
            if name not in recorder.columns:
                parts.append(np.full(nv, np.nan))
        self.day_sizes.append(nv)

    def raw(self, replication: int) -> RawRun:
        """The records of every day played so far, as one :class:`RawRun`."""
        study = self.study
        tickets, staff, visits = _joined(self.days, self.plan.leg_table())
        return RawRun(
            scenario=self.scenario.id,
            replication=replication,
            counter_ids=self.plan.counter_ids,
            staff_ids=(*self.layout.staff_ids, *self.ext_staff),
            procedure_ids=tuple(p.id for p in study.procedures),
            life_event_ids=tuple(e.id for e in study.life_events),
            tickets=tickets,
            staff=staff,
            visits=visits,
            activities=tuple(self.activities),
            groups=tuple(self.ext_groups),
            persona_ids=tuple(p.id for p in self.personas),
            extra={name: np.concatenate(parts) for name, parts in self.extra_columns.items()},
        )


@dataclass
class _DayParts:
    """The records of one played day: ticket columns by slot (``visit × width + leg``), staff
    rows, and per visit arrival, leaving, life event, procedures, return flag and origin."""

    day: int
    width: int
    code: np.ndarray
    counter: np.ndarray
    seq: np.ndarray
    issued: np.ndarray
    called: np.ndarray
    ended: np.ndarray
    server: np.ndarray
    outcome: np.ndarray
    reason: np.ndarray
    walking_m: np.ndarray
    staff_server: np.ndarray
    staff_counter: np.ndarray
    staff_kind: np.ndarray
    staff_start: np.ndarray
    staff_end: np.ndarray
    arrived: np.ndarray
    left: np.ndarray
    events: np.ndarray
    n_procs: np.ndarray
    is_return: np.ndarray
    origin: np.ndarray


def _cat(days: Sequence[_DayParts], name: str, dtype: str) -> np.ndarray:
    if not days:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([getattr(d, name) for d in days]).astype(dtype, copy=False)


def _joined(
    days: Sequence[_DayParts], table: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Tickets (by day, in ticket order), staff rows and visits of all days, as flat columns.

    Staff rows are each day's services (from the tickets) and then what the day recorded
    (back office, triage, lunch, overtime, extensions' own activities).
    """
    slots = np.array([d.seq.size for d in days], dtype=np.int64)
    sizes = np.array([d.arrived.size for d in days], dtype=np.int64)
    ordinals = np.array([d.day for d in days], dtype=np.int64)
    day_no = np.repeat(np.arange(len(days), dtype=np.int64), slots)
    seq = _cat(days, "seq", "<i8")
    taken = np.flatnonzero(seq)
    # by day, in ticket order: ticket k of a day (seq = k, numbered 1, 2, … without gaps)
    # goes to row k − 1 after the tickets of the days before
    per_day = np.bincount(day_no[taken], minlength=len(days))
    order = np.empty(taken.size, dtype=np.int64)
    order[seq[taken] - 1 + (np.cumsum(per_day) - per_day)[day_no[taken]]] = taken
    on_day = day_no[order]
    width = np.array([d.width for d in days], dtype=np.int64)
    visit = (order - (np.cumsum(slots) - slots)[on_day]) // width[on_day]
    row = visit + (np.cumsum(sizes) - sizes)[on_day]  # the visit's row among all days' visits
    codes = _cat(days, "code", "<i8")[order]
    if not table:  # no route met (no visit at all)
        table = {"first_proc": np.zeros(0, np.int32), "forms": np.zeros(0, np.int32)}
        table["writing_min"] = np.zeros(0)
    arrived = _cat(days, "arrived", "<f8")
    left = _cat(days, "left", "<f8")
    origin = np.concatenate([d.origin for d in days]) if days else np.zeros((0, 3), dtype=np.int64)
    is_return = _cat(days, "is_return", "?")
    called = _cat(days, "called", "<f8")[order]
    ended = _cat(days, "ended", "<f8")[order]
    server = _cat(days, "server", "<i4")[order]
    counter = _cat(days, "counter", "<i4")[order]
    outcome = _cat(days, "outcome", "<i1")[order]
    tickets = {
        "day": ordinals[on_day].astype(np.int32),
        "visit": visit.astype(np.int32),
        "seq": seq[order].astype(np.int32),
        "counter": counter,
        "proc": table["first_proc"][codes].astype(np.int32),
        "issued": _seconds(_cat(days, "issued", "<f8")[order]),
        "called": _seconds(called),
        "ended": _seconds(ended),
        "server": server,
        "outcome": outcome,
        "reason": _cat(days, "reason", "<i1")[order],
        "forms": table["forms"][codes].astype(np.int32),
        "writing_min": table["writing_min"][codes].astype(np.float64),
        "walking_m": _cat(days, "walking_m", "<f8")[order],
        "arrived": _seconds(arrived[row]),
        "left": _seconds(left[row]),
        "first_day": origin[row, 0].astype(np.int32),
        "first_visit": origin[row, 1].astype(np.int32),
        "is_return": is_return[row],
    }
    served = outcome == SERVED
    n_staff = np.array([d.staff_server.size for d in days], dtype=np.int64)
    start = np.concatenate([called[served], _cat(days, "staff_start", "<f8")])
    end = np.concatenate([ended[served], _cat(days, "staff_end", "<f8")])
    staff = {
        "day": np.concatenate([ordinals[on_day][served], np.repeat(ordinals, n_staff)]).astype(
            np.int32
        ),
        "server": np.concatenate([server[served], _cat(days, "staff_server", "<i4")]),
        "counter": np.concatenate([counter[served], _cat(days, "staff_counter", "<i4")]),
        "kind": np.concatenate(
            [np.full(int(served.sum()), SERVE, dtype=np.int8), _cat(days, "staff_kind", "<i1")]
        ),
        "start": _seconds(start),
        "end": _seconds(end),
        "minutes": end - start,
    }
    visits = {
        "day": np.repeat(ordinals, sizes).astype(np.int32),
        "visit": (np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)).astype(
            np.int32
        ),
        "arrival": _seconds(arrived),
        "left": _seconds(left),
        "life_event": _cat(days, "events", "<i4"),
        "procedures": _cat(days, "n_procs", "<i4"),
        "is_return": is_return,
        "persona": origin[:, 2].astype(np.int32),
        "first_day": origin[:, 0].astype(np.int32),
        "first_visit": origin[:, 1].astype(np.int32),
    }
    return tickets, staff, visits


def _culprit(exc: BaseException, loaded: Sequence[LoadedExtension]) -> str:
    """The extension whose source file the traceback of ``exc`` last passes through (all the
    scenario's extensions when none can be told apart)."""
    import inspect

    files: dict[str, str] = {}
    for ext in loaded:
        try:
            files[str(Path(inspect.getfile(ext.cls)).resolve())] = ext.use
        except (TypeError, OSError):  # pragma: no cover - a class without a source file
            continue
    found = ""
    seen: BaseException | None = exc
    while seen is not None and not found:  # SimPy re-raises a copy: the cause has the frames
        tb = seen.__traceback__
        while tb is not None:
            found = files.get(str(Path(tb.tb_frame.f_code.co_filename).resolve()), found)
            tb = tb.tb_next
        seen = seen.__cause__
    return found or " + ".join(dict.fromkeys(ext.use for ext in loaded))


def _gather(values: Sequence[Any], index: list[int]) -> list[Any]:
    """``[values[k] for k in index]``, in one C-level call."""
    if not index:
        return []
    if len(index) == 1:
        return [values[index[0]]]
    return list(operator.itemgetter(*index)(values))


def _column(values: Sequence[Any], dtype: Any) -> np.ndarray:
    """A recorder's list as a numpy column (``np.fromiter`` reads a list faster than ``np.array``)."""
    return np.fromiter(values, dtype=dtype, count=len(values))


def _seconds(minutes: np.ndarray) -> np.ndarray:
    """Minutes after midnight → whole seconds after midnight (−1 for a missing time)."""
    seconds = np.rint(minutes * 60.0)
    seconds[np.isnan(seconds)] = -1.0
    return seconds.astype(np.int64)


def _day_prefixes(days: np.ndarray, prefix: str, kind: str) -> Any:
    """``prefix + YYYYMMDD + kind`` for each row's day (ordinal), formatted once per distinct day."""
    import polars as pl

    if days.size == 0:
        return pl.Series([], dtype=pl.String)
    low = int(days.min())
    offset = days.astype(np.int64) - low
    distinct = np.flatnonzero(np.bincount(offset))  # days of a run span a few hundred at most
    number = np.zeros(int(offset.max()) + 1, dtype=np.int64)
    number[distinct] = np.arange(distinct.size)
    text = [f"{prefix}{dt.date.fromordinal(low + int(d)):%Y%m%d}{kind}" for d in distinct.tolist()]
    return pl.Series(text, dtype=pl.String).gather(number[offset])


def _staff_order(staff: dict[str, np.ndarray]) -> np.ndarray:
    """Row order of the staff log: by day, start, member of staff, activity (stable).

    The four keys are packed into one integer when they fit in 63 bits (always, for days of
    a hall), which sorts several times faster than a four-key ``lexsort``.
    """
    keys = [staff["day"], staff["start"], staff["server"], staff["kind"]]
    if keys[0].size == 0:
        return np.zeros(0, dtype=np.int64)
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low for k, low in zip(keys, lows, strict=True)]
    bits = [max(span, 1).bit_length() for span in spans]
    if sum(bits) > 62:
        return np.lexsort(tuple(reversed(keys)))
    packed = np.zeros(keys[0].size, dtype=np.int64)
    for k, low, width in zip(keys, lows, bits, strict=True):
        packed <<= width
        packed |= k.astype(np.int64) - low
    return np.argsort(packed, kind="stable")


def default_days(
    study: Study, count: int | None = None, start: dt.date | None = None
) -> list[dt.date]:
    """``count`` working days from ``start`` (default: the study's ``start_date``, 5 days)."""
    day = start or study.study.start_date
    want = 5 if count is None else int(count)
    if want < 1:
        raise InputError("the number of days must be at least 1", hint="pass --days 1 or more")
    days: list[dt.date] = []
    while len(days) < want:
        if is_working_day(study, day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


#: Compiled studies of this process (routes, distances, bundles, extension classes), by
#: content (the study's and its extensions' source): replications of the same study reuse
#: them; a changed study (a sweep value, an edited extension) gets its own.
_Plans = dict[str, tuple[ScenarioPlan, _Layout, list[LoadedExtension]]]
_COMPILED: dict[str, tuple[ResidentModel, _Plans]] = {}


def _compiled(
    study: Study, ids: Sequence[str], study_dir: Path | None
) -> tuple[ResidentModel, _Plans]:
    from simulation.extensions import extension_digest

    base = study_dir or study.source_dir
    key = hashlib.sha1(
        (study.model_dump_json() + "|" + str(base) + "|" + extension_digest(study, base)).encode(
            "utf-8"
        )
    ).hexdigest()
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        found = (ResidentModel(study), {})
        _COMPILED[key] = found
    model, plans = found
    for sid in ids:
        if sid not in plans:
            scenario = study.scenario(sid)
            plans[sid] = (
                ScenarioPlan(study, scenario, study_dir),
                _layout(scenario),
                load_extensions(scenario, base),
            )
    return model, plans


def _needs(scenarios: Sequence[Scenario]) -> Needs:
    """The behaviour draws some of ``scenarios`` use (see :class:`simulation.arrivals.Needs`)."""

    def reneges(sc: Scenario) -> bool:
        patience = sc.behaviour.patience_mean_min
        return bool(patience and patience > 0 and math.isfinite(patience))

    return Needs(
        patience=any(reneges(sc) for sc in scenarios),
        no_show=any(sc.no_show_rate > 0 for sc in scenarios),
        omission=any(sc.omission_rate > 0 for sc in scenarios),
    )


def _max_slots(study: Study) -> int:
    return max((len(ev.procedures) for ev in study.life_events), default=1) + 1


def simulate_replication(
    study: Study,
    scenario_ids: Sequence[str] | None = None,
    *,
    days: Sequence[dt.date],
    replication: int,
    seed: int,
    study_dir: Path | None = None,
) -> list[RawRun]:
    """Play one replication of every scenario in ``scenario_ids`` on the same residents (CRN).

    The residents of each day are drawn once from streams of ``(seed, replication, day)``; the
    scenarios differ only in their floor, staff, behaviour rates and extensions. Each day of
    each scenario runs in its own ``simpy.Environment``.
    """
    ids = list(scenario_ids) if scenario_ids is not None else study.scenario_ids
    if not ids:
        raise InputError("no scenario to simulate")
    model, plans = _compiled(study, ids, study_dir)
    runs = [
        _ScenarioRun(
            study,
            study.scenario(sid),
            model,
            *plans[sid],
            seed=seed,
            replication=replication,
        )
        for sid in ids
    ]
    slots = _max_slots(study)
    needs = _needs([run.scenario for run in runs])
    for day in sorted(set(days)):
        if not is_working_day(study, day):
            continue
        pop = draw_day(
            study, day, replication=replication, seed=seed, model=model, slots=slots, needs=needs
        )
        for run in runs:
            run.play(pop)
    return [run.raw(replication) for run in runs]


def simulate_days(
    study: Study,
    scenario_id: str,
    *,
    days: Sequence[dt.date],
    replication: int,
    seed: int,
) -> SimOutput:
    """Simulate one scenario over ``days`` for one replication: counter log, staff log, visits.

    Deterministic: the same arguments give the same frames. Two scenarios simulated with the
    same ``days``, ``replication`` and ``seed`` meet the same residents (common random numbers).
    """
    (raw,) = simulate_replication(
        study, [scenario_id], days=days, replication=replication, seed=seed
    )
    return raw_to_output(raw)


def raw_to_output(raw: RawRun) -> SimOutput:
    """Turn flat records into the canonical frames (one polars DataFrame each)."""
    import polars as pl

    from journeys.schema import (
        COUNTER_LOG_COLUMNS,
        COUNTER_LOG_OPTIONAL,
        COUNTER_LOG_WHOLE_VISIT,
    )

    t = raw.tickets
    prefix = f"{raw.scenario}-r{raw.replication:03d}-"
    n = t["day"].size
    counters = pl.Series(list(raw.counter_ids), dtype=pl.String)
    staff = pl.Series(list(raw.staff_ids), dtype=pl.String)
    procs = pl.Series(list(raw.procedure_ids), dtype=pl.String)
    outcomes = pl.Series(list(OUTCOME_NAMES), dtype=pl.String)
    reasons = pl.Series([r or None for r in ABANDON_REASONS], dtype=pl.String)
    v = raw.visits
    visit_ids = _ids(v["day"], v["visit"], prefix, "-V")
    rows = _visit_rows(t, v)
    visit_id = _ids(t["day"], t["visit"], prefix, "-V") if rows is None else visit_ids.gather(rows)
    return_of = _first_visits(t, prefix)
    log = pl.DataFrame(
        {
            "visit_id": visit_id,
            "ticket_id": _ids(t["day"], t["seq"], prefix, "-T"),
            "counter_id": counters.gather(t["counter"]),
            "procedure_id": procs.gather(t["proc"]),
            "issued_at": _stamps(t["day"], t["issued"]),
            "called_at": _stamps(t["day"], t["called"], missing=True),
            "ended_at": _stamps(t["day"], t["ended"], missing=True),
            "staff_id": _nulls_where(staff.gather(np.clip(t["server"], 0, None)), t["server"] < 0),
            "outcome": outcomes.gather(t["outcome"].astype(np.int32)),
            "forms_written": t["forms"].astype(np.int64),
            "scenario": pl.repeat(raw.scenario, n, dtype=pl.String, eager=True),
            "replication": pl.repeat(raw.replication, n, dtype=pl.Int64, eager=True),
            "writing_min": t["writing_min"],
            "walking_m": t["walking_m"],
            "arrived_at": _stamps(t["day"], t["arrived"]),
            "left_at": _stamps(t["day"], t["left"], missing=True),
            "abandon_reason": reasons.gather(t["reason"].astype(np.int32)),
            # a resident is named by their first visit
            "resident_id": return_of.fill_null(visit_id) if t["is_return"].any() else visit_id,
            "return_of": return_of,
        }
    )
    schema = {**COUNTER_LOG_COLUMNS, **COUNTER_LOG_OPTIONAL, **COUNTER_LOG_WHOLE_VISIT}
    log = log.cast({k: v for k, v in schema.items() if k in log.columns})
    return SimOutput(
        log=log, staff_log=_staff_frame(raw), visits=_visit_frame(raw, prefix, visit_ids)
    )


def _visit_rows(tickets: dict[str, np.ndarray], visits: dict[str, np.ndarray]) -> Any:
    """Row of each ticket's visit among ``visits`` (which go by day, then visit number), or
    None when the visits are not in that order or some ticket's visit is missing."""
    vday, vnum = visits["day"], visits["visit"]
    if vday.size == 0 or tickets["day"].size == 0 or bool(np.any(vday[1:] < vday[:-1])):
        return None
    rows = np.searchsorted(vday, tickets["day"], side="left") + tickets["visit"]
    if int(rows.max()) >= vday.size:
        return None
    if not (
        np.array_equal(vday[rows], tickets["day"]) and np.array_equal(vnum[rows], tickets["visit"])
    ):
        return None
    return rows


def _stamps(days: np.ndarray, seconds: np.ndarray, *, missing: bool = False) -> Any:
    """Datetimes (µs) of whole seconds after midnight of each row's day (ordinal); with
    ``missing``, null where the seconds are negative (no such time)."""
    import polars as pl

    values = (days.astype(np.int64) - _EPOCH) * 86_400_000_000
    values += seconds.astype(np.int64, copy=False) * 1_000_000
    out = pl.Series(values, dtype=pl.Int64)
    if missing:
        out = _nulls_where(out, seconds < 0)
    return out.cast(pl.Datetime("us"))


def _nulls_where(series: Any, gone: np.ndarray) -> Any:
    """``series`` with nulls where ``gone`` is true."""
    where = np.flatnonzero(gone)
    return series.scatter(where, None) if where.size else series


def _first_visits(rows: dict[str, np.ndarray], prefix: str) -> Any:
    """The visit id of the first visit of each return visit's resident (null for first visits).

    Only the few return rows are formatted (in Python); the rest stay null.
    """
    import polars as pl

    n = rows["is_return"].size
    out = pl.repeat(None, n, dtype=pl.String, eager=True)
    where = np.flatnonzero(rows["is_return"])
    if where.size:
        days = rows["first_day"][where].tolist()
        firsts = rows["first_visit"][where].tolist()
        text = [
            f"{prefix}{dt.date.fromordinal(d):%Y%m%d}-V{v:05d}"
            for d, v in zip(days, firsts, strict=True)
        ]
        out = out.scatter(where, pl.Series(text, dtype=pl.String))
    return out


def _ids(days: np.ndarray, numbers: np.ndarray, prefix: str, kind: str) -> Any:
    """``prefix + YYYYMMDD + kind + number`` (zero-padded to 5 digits) of each row.

    Day prefixes and padded numbers are each formatted once per distinct value, then joined.
    """
    import polars as pl

    if numbers.size == 0:
        return pl.Series([], dtype=pl.String)
    padded = pl.Series([f"{k:05d}" for k in range(int(numbers.max()) + 1)], dtype=pl.String)
    return _day_prefixes(days, prefix, kind) + padded.gather(numbers)


def _staff_frame(raw: RawRun) -> Any:
    """The staff log: one row per activity of a member of staff, by day, start, staff, activity."""
    import polars as pl

    order = _staff_order(raw.staff)
    s = {name: values[order] for name, values in raw.staff.items()}
    n = s["day"].size
    counter_names = pl.Series(
        ["back_office", "floor_manager", *raw.counter_ids, *raw.groups], dtype=pl.String
    )
    activities = pl.Series(list(raw.activities), dtype=pl.String)
    staff = pl.Series(list(raw.staff_ids), dtype=pl.String)
    return pl.DataFrame(
        {
            "scenario": pl.repeat(raw.scenario, n, dtype=pl.String, eager=True),
            "replication": pl.Series(np.full(n, raw.replication, dtype=np.int64)),
            "staff_id": staff.gather(s["server"]),
            "counter_id": counter_names.gather(s["counter"] + 2),
            "activity": activities.gather(s["kind"].astype(np.int32)),
            "start": _stamps(s["day"], s["start"]),
            "end": _stamps(s["day"], s["end"]),
            "minutes": s["minutes"],
        }
    )


def _visit_frame(raw: RawRun, prefix: str, visit_ids: Any = None) -> Any:
    """One row per visit: arrival and leaving, life event, procedures, persona, resident
    (``visit_ids``: the visits' ids, if already made)."""
    import polars as pl

    v = raw.visits
    if visit_ids is None:
        visit_ids = _ids(v["day"], v["visit"], prefix, "-V")
    events = pl.Series(list(raw.life_event_ids), dtype=pl.String)
    personas = pl.Series(["", *raw.persona_ids], dtype=pl.String)
    n = v["day"].size
    return_of = _first_visits(v, prefix)
    frame = pl.DataFrame(
        {
            "scenario": pl.repeat(raw.scenario, n, dtype=pl.String, eager=True),
            "replication": pl.repeat(raw.replication, n, dtype=pl.Int64, eager=True),
            "visit_id": visit_ids,
            "arrived_at": _stamps(v["day"], v["arrival"]),
            "left_at": _stamps(v["day"], v["left"], missing=True),
            "life_event": events.gather(v["life_event"]),
            "procedures": v["procedures"].astype(np.int64),
            "return_visit": v["is_return"],
            "persona": personas.gather(v["persona"] + 1),
            "resident_id": return_of.fill_null(visit_ids) if v["is_return"].any() else visit_ids,
            "return_of": return_of,
        }
    )
    extra = [pl.Series(name, values).fill_nan(None) for name, values in raw.extra.items()]
    return frame.hstack(extra) if extra else frame
