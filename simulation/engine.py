"""The SimPy engine: plays the residents of each day through a scenario's floor.

:func:`simulate_days` runs one scenario over some days for one replication and returns the
canonical counter log (ARCHITECTURE.md) and the staff log. :func:`simulate_replication` runs
*all* requested scenarios on the same residents (common random numbers): the residents of a
day are drawn once (:mod:`simulation.arrivals`) and each scenario plays them through its own
counters (:mod:`simulation.entities`), following docs/study-format.md, "Process semantics".

Choices the format leaves open, made here once (the sample generator, journeys/samplecity, made
the same ones, see data/sample/README.md):

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
* after ``close`` the servers on duty stay until their queue is empty; a ticket taken after
  closing at a counter nobody staffs any more calls its first server back;
* back-office minutes of each served ticket are one job for the back office, which works FIFO
  with ``back_office.staff`` people from the end of the ticket (after hours if need be).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from journeys.errors import InputError
from simulation.arrivals import (
    DayPopulation,
    ResidentModel,
    ServiceQuantiles,
    draw_day,
    is_working_day,
    return_times,
    working_days_after,
)
from simulation.entities import (
    ABANDONED,
    SERVED,
    TICKET_DTYPE,
    TICKET_RECORD,
    BackOffice,
    Counter,
    FloorManager,
    Hall,
    Server,
    Visit,
)
from simulation.model import Scenario, Study
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
_ACTIVITIES: tuple[str, ...] = ("serve", "back_office", "triage", "lunch")
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


@dataclass
class _Return:
    """A resident coming back for one procedure they could not complete."""

    minute: float
    life_event: int
    proc: int
    service_u: float
    patience_e: float
    no_show_u: float


@dataclass
class _Layout:
    """Staff of a scenario: servers of each counter, shifts, lunch times, and their ids."""

    staff_ids: list[str]
    counter_servers: list[list[tuple[int, list[tuple[float, float]], float | None]]]
    lunch_min: list[float]
    floor_manager: FloorManager | None
    back_office: BackOffice | None
    fm_base: int
    bo_base: int


def _layout(scenario: Scenario) -> _Layout:
    staff_ids: list[str] = []
    servers: list[list[tuple[int, list[tuple[float, float]], float | None]]] = []
    lunch_min: list[float] = []
    for counter in scenario.counters:
        slots: list[list[tuple[float, float]]] = []
        for shift in sorted(counter.shifts, key=lambda s: (s.start_min, s.end_min)):
            for _ in range(shift.staff):
                for slot in slots:
                    if slot[-1][1] <= shift.start_min:
                        slot.append((float(shift.start_min), float(shift.end_min)))
                        break
                else:
                    slots.append([(float(shift.start_min), float(shift.end_min))])
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
        fm = FloorManager(scenario.floor_manager.staff, scenario.floor_manager.triage_min)
        staff_ids.extend(f"FM-{k + 1}" for k in range(fm.staff))
    bo = None
    bo_base = len(staff_ids)
    if scenario.back_office is not None and scenario.back_office.staff > 0:
        bo = BackOffice(scenario.back_office.staff)
        staff_ids.extend(f"BO-{k + 1}" for k in range(bo.staff))
    return _Layout(staff_ids, servers, lunch_min, fm, bo, fm_base, bo_base)


class _ScenarioRun:
    """One scenario of a replication: its compiled plan, staff layout, and pending return visits."""

    def __init__(
        self,
        study: Study,
        scenario: Scenario,
        model: ResidentModel,
        plan: ScenarioPlan,
        layout: _Layout,
    ) -> None:
        self.study = study
        self.scenario = scenario
        self.plan = plan
        self.layout = layout
        self.model = model
        self.quantiles: ServiceQuantiles = model.quantiles
        self.returns: dict[dt.date, list[_Return]] = {}
        self._later: dict[tuple[dt.date, int], dt.date] = {}
        self.sign_only = [p.sign_only_min for p in study.procedures]
        self.parts: dict[str, list[np.ndarray]] = {}
        self.staff_parts: dict[str, list[np.ndarray]] = {}
        self.visit_parts: dict[str, list[np.ndarray]] = {}

    # ------------------------------------------------------------------ one day
    def play(self, pop: DayPopulation) -> None:
        """Play the residents of one day (and the returns due that day) through the floor."""
        sc = self.scenario
        plan = self.plan
        layout = self.layout
        arrivals = self.study.arrivals
        hall = Hall(
            counters=[Counter(k, cid) for k, cid in enumerate(plan.counter_ids)],
            speed_m_per_min=sc.walking_speed_m_per_min,
            walk_to_ticket=plan.walk_to_ticket,
            ticket_to_counter=plan.ticket_to_counter,
            balk_queue=sc.behaviour.balk_queue,
            patience_mean_min=sc.behaviour.patience_mean_min,
            no_show_rate=sc.no_show_rate,
            close_min=arrivals.close_min,
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
        hall.closing()

        visits, arrived, leads, events, n_procs, is_return = self._visits(pop)
        starts = arrived
        triage: tuple[list[int], list[float], list[float]] | None = None
        if layout.floor_manager is not None and visits:
            order = np.argsort(arrived, kind="stable")  # by arrival, ties in visit order
            triage = layout.floor_manager.triage(arrived[order].tolist())
            starts = arrived.copy()
            starts[order] = triage[2]
        hall.start_visits(visits, (starts + leads).tolist())
        hall.run()
        self._leftovers(hall)
        self._omissions(pop)
        self._collect(pop, hall, triage, arrived, events, n_procs, is_return)
        hall.release()

    def _visits(
        self, pop: DayPopulation
    ) -> tuple[list[Visit], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The day's visits (residents, then returns due): visits, arrival, lead, event, n, return.

        Service minutes of a leg add the service of its procedures in bundle order (department
        or one-stop time, plus signing at a one-stop counter).
        """
        plan = self.plan
        sign = self.sign_only
        ids = pop.bundle_ids
        bundles = pop.bundles
        known = plan.routes_by_id
        distinct = set(ids)
        for bid in distinct:  # routes of bundles met for the first time
            if bid >= len(known) or known[bid] is None:
                plan.route_of(bid, self.model.bundles[bid])
        # ticket slots read today: the longest route of the day's bundles
        width = max((len(known[bid].legs) for bid in distinct), default=1)  # type: ignore[union-attr]
        patience, no_show_u = pop.draw_lists(width)
        service_bd, service_os = pop.service_bd, pop.service_os
        n_proc = pop.n_proc
        visits: list[Visit] = []
        append = visits.append
        leads: list[float] = []
        lead = leads.append
        for i, bid in enumerate(ids):
            route: Route = known[bid]  # type: ignore[assignment]
            base = i * n_proc
            if route.single_proc >= 0:
                service = [service_bd[base + route.single_proc]]
            elif route.single_os_proc >= 0:
                service = [service_os[base + route.single_os_proc] + route.single_os_sign]
            else:
                service = []
                for leg in route.legs:
                    if leg.one_stop:
                        service.append(
                            sum([service_os[base + p] for p in leg.procs]) + leg.sign_min
                        )
                    elif len(leg.procs) == 1:
                        service.append(service_bd[base + leg.first_proc])
                    else:
                        service.append(sum([service_bd[base + p] for p in leg.procs]))
            append(Visit(i, route.legs, service, patience, no_show_u, i * width))
            lead(route.lead_min)
        n = len(visits)
        events = pop.life_event.astype(np.int32)
        n_procs = np.array([len(b) for b in bundles], dtype=np.int32)
        arrived = pop.arrival_min
        returns = self.returns.pop(pop.day, [])
        if returns:
            for ret in returns:
                ret_route = plan.route_of(self.model.bundle_id_of((ret.proc,)), (ret.proc,))
                legs = ret_route.legs
                lead(ret_route.lead_min)
                u = np.array([ret.service_u])
                service = []
                for leg in legs:
                    q = (
                        self.quantiles.one_stop[ret.proc]
                        if leg.one_stop
                        else self.quantiles.by_department[ret.proc]
                    )
                    assert q is not None
                    service.append(float(q(u)[0]) + (sign[ret.proc] if leg.one_stop else 0.0))
                append(
                    Visit(
                        len(visits),
                        legs,
                        service,
                        [ret.patience_e] * len(legs),
                        [ret.no_show_u] * len(legs),
                    )
                )
            m = len(returns)
            arrived = np.concatenate([arrived, np.array([r.minute for r in returns], dtype=float)])
            events = np.concatenate(
                [events, np.array([r.life_event for r in returns], dtype=np.int32)]
            )
            n_procs = np.concatenate([n_procs, np.ones(m, dtype=np.int32)])
        is_return = np.zeros(len(visits), dtype=bool)
        is_return[n:] = True
        return visits, arrived, np.array(leads, dtype=float), events, n_procs, is_return

    def _leftovers(self, hall: Hall) -> None:
        """Tickets still waiting when nothing else can happen (no staff at all): abandoned."""
        for counter in hall.counters:
            while counter.queue:
                visit = counter.queue.popleft()
                hall.tickets.append(
                    TICKET_RECORD.pack(
                        visit.index,
                        visit.legs[visit.leg_no].code,
                        counter.index,
                        visit.issued,
                        math.nan,
                        math.nan,
                        -1,
                        ABANDONED,
                        visit.walking_m,
                        visit.seq,
                    )
                )

    def _omissions(self, pop: DayPopulation) -> None:
        rate = self.scenario.omission_rate
        if rate <= 0 or pop.size == 0:
            return
        chosen = np.flatnonzero(pop.omit_u < rate)
        if chosen.size == 0:
            return
        minutes = return_times(self.study, pop.ret_time_u[chosen, 0], pop.ret_time_u[chosen, 1])
        later = self._later
        for j, i in enumerate(chosen.tolist()):
            bundle = pop.bundles[i]
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
                )
            )

    # ------------------------------------------------------------------ records
    def _collect(
        self,
        pop: DayPopulation,
        hall: Hall,
        triage: tuple[list[int], list[float], list[float]] | None,
        arrived: np.ndarray,
        events: np.ndarray,
        n_procs: np.ndarray,
        is_return: np.ndarray,
    ) -> None:
        """The day's tickets, staff activities and visits as numpy columns (in ticket order)."""
        day = pop.day.toordinal()
        rec = np.frombuffer(b"".join(hall.tickets), dtype=TICKET_DTYPE)
        n = rec.size
        rec = rec[np.argsort(rec["seq"], kind="stable")]  # in ticket order
        v_idx = rec["visit"].astype(np.int32)
        codes = rec["code"]
        table = self.plan.leg_table()
        proc = table["first_proc"][codes]
        forms = table["forms"][codes]
        writing = table["writing_min"][codes]
        back = table["back_office_min"][codes]
        self._add(
            self.parts,
            day=np.full(n, day, dtype=np.int32),
            visit=v_idx,
            seq=rec["seq"].astype(np.int32),
            counter=rec["counter"].astype(np.int32),
            proc=proc,
            issued=_seconds(rec["issued"]),
            called=_seconds(rec["called"]),
            ended=_seconds(rec["ended"]),
            server=rec["server"].astype(np.int32),
            outcome=rec["outcome"].astype(np.int8),
            forms=forms,
            writing_min=writing,
            walking_m=rec["walking_m"].copy(),
        )
        # staff: serve, back office, triage, lunch
        served = rec["outcome"] == SERVED
        s_server = rec["server"][served].astype(np.int32)
        s_counter = rec["counter"][served].astype(np.int32)
        s_start, s_end = rec["called"][served], rec["ended"][served]
        parts_server = [s_server]
        parts_counter = [s_counter]
        parts_kind = [np.zeros(s_server.size, dtype=np.int8)]
        parts_start = [s_start]
        parts_end = [s_end]
        layout = self.layout

        def activity(
            server: np.ndarray, counter: int, kind: int, t0: list[float], t1: list[float]
        ) -> None:
            parts_server.append(server.astype(np.int32))
            parts_counter.append(np.full(server.size, counter, dtype=np.int32))
            parts_kind.append(np.full(server.size, kind, dtype=np.int8))
            parts_start.append(np.asarray(t0, dtype=float))
            parts_end.append(np.asarray(t1, dtype=float))

        if layout.back_office is not None:
            job = served & (back > 0)
            ready = rec["ended"][job]
            minutes = back[job]
            order = np.argsort(ready, kind="stable")
            who, t0, t1 = layout.back_office.work(ready[order].tolist(), minutes[order].tolist())
            if who:
                activity(layout.bo_base + np.array(who, dtype=np.int32), -2, 1, t0, t1)
        if triage is not None and triage[0]:
            who, t0, t1 = triage
            activity(layout.fm_base + np.array(who, dtype=np.int32), -1, 2, t0, t1)
        if hall.lunches:
            lu = np.array(hall.lunches, dtype=float).reshape(len(hall.lunches), 4)
            parts_server.append(lu[:, 0].astype(np.int32))
            parts_counter.append(lu[:, 1].astype(np.int32))
            parts_kind.append(np.full(len(hall.lunches), 3, dtype=np.int8))
            parts_start.append(lu[:, 2])
            parts_end.append(lu[:, 3])
        start = np.concatenate(parts_start)
        end = np.concatenate(parts_end)
        self._add(
            self.staff_parts,
            day=np.full(start.size, day, dtype=np.int32),
            server=np.concatenate(parts_server),
            counter=np.concatenate(parts_counter),
            kind=np.concatenate(parts_kind),
            start=_seconds(start),
            end=_seconds(end),
            minutes=end - start,
        )
        nv = arrived.size
        self._add(
            self.visit_parts,
            day=np.full(nv, day, dtype=np.int32),
            visit=np.arange(nv, dtype=np.int32),
            arrival=_seconds(arrived),
            life_event=events,
            procedures=n_procs,
            is_return=is_return,
        )

    @staticmethod
    def _add(store: dict[str, list[np.ndarray]], **columns: np.ndarray) -> None:
        for name, values in columns.items():
            store.setdefault(name, []).append(values)

    def raw(self, replication: int) -> RawRun:
        """The records of every day played so far, as one :class:`RawRun`."""
        study = self.study
        return RawRun(
            scenario=self.scenario.id,
            replication=replication,
            counter_ids=self.plan.counter_ids,
            staff_ids=tuple(self.layout.staff_ids),
            procedure_ids=tuple(p.id for p in study.procedures),
            life_event_ids=tuple(e.id for e in study.life_events),
            tickets=_concat(self.parts),
            staff=_concat(self.staff_parts),
            visits=_concat(self.visit_parts),
        )


def _seconds(minutes: np.ndarray) -> np.ndarray:
    """Minutes after midnight → whole seconds after midnight (−1 for a missing time)."""
    out = np.full(minutes.shape, -1, dtype=np.int64)
    ok = ~np.isnan(minutes)
    out[ok] = np.rint(minutes[ok] * 60.0).astype(np.int64)
    return out


def _day_prefixes(days: np.ndarray, prefix: str, kind: str) -> Any:
    """``prefix + YYYYMMDD + kind`` for each row's day (ordinal), formatted once per distinct day."""
    import polars as pl

    if days.size == 0:
        return pl.Series([], dtype=pl.String)
    distinct, inverse = np.unique(days, return_inverse=True)
    text = [f"{prefix}{dt.date.fromordinal(int(d)):%Y%m%d}{kind}" for d in distinct.tolist()]
    return pl.Series(text, dtype=pl.String).gather(inverse.reshape(-1))


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


def _concat(store: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate(parts) for name, parts in store.items()}


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


#: Compiled studies of this process (routes, distances, bundles), by content: replications of
#: the same study reuse them; a changed study (a sweep value) gets its own.
_COMPILED: dict[str, tuple[ResidentModel, dict[str, tuple[ScenarioPlan, _Layout]]]] = {}


def _compiled(
    study: Study, ids: Sequence[str], study_dir: Path | None
) -> tuple[ResidentModel, dict[str, tuple[ScenarioPlan, _Layout]]]:
    key = hashlib.sha1(
        (study.model_dump_json() + "|" + str(study_dir or study.source_dir)).encode("utf-8")
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
            plans[sid] = (ScenarioPlan(study, scenario, study_dir), _layout(scenario))
    return model, plans


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
    scenarios differ only in their floor, staff and behaviour rates.
    """
    ids = list(scenario_ids) if scenario_ids is not None else study.scenario_ids
    if not ids:
        raise InputError("no scenario to simulate")
    model, plans = _compiled(study, ids, study_dir)
    runs = [
        _ScenarioRun(study, study.scenario(sid), model, plans[sid][0], plans[sid][1]) for sid in ids
    ]
    slots = _max_slots(study)
    with _collector_paused():
        for day in sorted(set(days)):
            if not is_working_day(study, day):
                continue
            pop = draw_day(study, day, replication=replication, seed=seed, model=model, slots=slots)
            for run in runs:
                run.play(pop)
    return [run.raw(replication) for run in runs]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while days are played.

    A day allocates tens of thousands of small objects (tickets, visits, records) and the
    collector would scan them over and over; the day leaves no cycles behind
    (:meth:`Hall.release`), so reference counting frees everything anyway.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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

    from journeys.schema import COUNTER_LOG_COLUMNS, COUNTER_LOG_OPTIONAL

    t = raw.tickets
    prefix = f"{raw.scenario}-r{raw.replication:03d}-"
    day_us = (t["day"].astype(np.int64) - _EPOCH) * 86_400_000_000

    def stamp(sec: np.ndarray) -> pl.Series:
        values = day_us + sec.astype(np.int64) * 1_000_000
        return pl.Series(values, dtype=pl.Int64).cast(pl.Datetime("us"))

    frame = pl.DataFrame(
        {
            "_vprefix": _day_prefixes(t["day"], prefix, "-V"),
            "_tprefix": _day_prefixes(t["day"], prefix, "-T"),
            "_visit": t["visit"],
            "_seq": t["seq"],
            "_counter": t["counter"],
            "_proc": t["proc"],
            "_server": t["server"],
            "_outcome": t["outcome"].astype(np.int32),
            "issued_at": stamp(t["issued"]),
            "called_at": stamp(t["called"]),
            "ended_at": stamp(t["ended"]),
            "_called_ok": t["called"] >= 0,
            "_ended_ok": t["ended"] >= 0,
            "forms_written": t["forms"].astype(np.int64),
            "writing_min": t["writing_min"],
            "walking_m": t["walking_m"],
        }
    )
    counters = pl.Series(list(raw.counter_ids), dtype=pl.String)
    staff = pl.Series(list(raw.staff_ids), dtype=pl.String)
    procs = pl.Series(list(raw.procedure_ids), dtype=pl.String)
    outcomes = pl.Series(list(OUTCOME_NAMES), dtype=pl.String)
    log = frame.select(
        visit_id=pl.concat_str([pl.col("_vprefix"), pl.col("_visit").cast(pl.String).str.zfill(5)]),
        ticket_id=pl.concat_str([pl.col("_tprefix"), pl.col("_seq").cast(pl.String).str.zfill(5)]),
        counter_id=counters.gather(frame["_counter"]),
        procedure_id=procs.gather(frame["_proc"]),
        issued_at=pl.col("issued_at"),
        called_at=pl.when(pl.col("_called_ok")).then(pl.col("called_at")),
        ended_at=pl.when(pl.col("_ended_ok")).then(pl.col("ended_at")),
        staff_id=pl.when(pl.col("_server") >= 0).then(
            staff.gather(frame["_server"].clip(lower_bound=0))
        ),
        outcome=outcomes.gather(frame["_outcome"]),
        forms_written=pl.col("forms_written"),
        scenario=pl.lit(raw.scenario),
        replication=pl.lit(raw.replication, dtype=pl.Int64),
        writing_min=pl.col("writing_min"),
        walking_m=pl.col("walking_m"),
    )
    schema = {**COUNTER_LOG_COLUMNS, **COUNTER_LOG_OPTIONAL}
    log = log.cast(schema)  # type: ignore[arg-type]

    order = _staff_order(raw.staff)
    s = {name: values[order] for name, values in raw.staff.items()}
    s_day_us = (s["day"].astype(np.int64) - _EPOCH) * 86_400_000_000
    counter_names = pl.Series(["back_office", "floor_manager", *raw.counter_ids], dtype=pl.String)
    activities = pl.Series(list(_ACTIVITIES), dtype=pl.String)
    staff_log = pl.DataFrame(
        {
            "scenario": pl.Series([raw.scenario] * s["day"].size, dtype=pl.String),
            "replication": pl.Series(np.full(s["day"].size, raw.replication, dtype=np.int64)),
            "staff_id": staff.gather(s["server"]),
            "counter_id": counter_names.gather(s["counter"] + 2),
            "activity": activities.gather(s["kind"].astype(np.int32)),
            "start": pl.Series(s_day_us + s["start"] * 1_000_000, dtype=pl.Int64).cast(
                pl.Datetime("us")
            ),
            "end": pl.Series(s_day_us + s["end"] * 1_000_000, dtype=pl.Int64).cast(
                pl.Datetime("us")
            ),
            "minutes": s["minutes"],
        }
    )

    v = raw.visits
    v_day_us = (v["day"].astype(np.int64) - _EPOCH) * 86_400_000_000
    events = pl.Series(list(raw.life_event_ids), dtype=pl.String)
    visits = pl.DataFrame(
        {
            "_vprefix": _day_prefixes(v["day"], prefix, "-V"),
            "_visit": v["visit"],
            "arrived_at": pl.Series(v_day_us + v["arrival"] * 1_000_000, dtype=pl.Int64).cast(
                pl.Datetime("us")
            ),
            "life_event": events.gather(v["life_event"]),
            "procedures": v["procedures"].astype(np.int64),
            "return_visit": v["is_return"],
        }
    ).select(
        scenario=pl.lit(raw.scenario),
        replication=pl.lit(raw.replication, dtype=pl.Int64),
        visit_id=pl.concat_str([pl.col("_vprefix"), pl.col("_visit").cast(pl.String).str.zfill(5)]),
        arrived_at=pl.col("arrived_at"),
        life_event=pl.col("life_event"),
        procedures=pl.col("procedures"),
        return_visit=pl.col("return_visit"),
    )
    return SimOutput(log=log, staff_log=staff_log, visits=visits)
