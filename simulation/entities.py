"""The people and places of one simulated day in the hall, around one ``simpy.Environment``.

* :class:`Visit` — one resident's trip: the tickets (legs) to take, their service minutes,
  patience and no-show draws, persona, and the ticket currently held.
* :class:`Counter` — a counter (窓口) with its opening hours, a FIFO queue of residents holding
  its tickets and :class:`Server` s (its staff) who follow their shifts and take lunch in turn,
  never interrupting a service.
* :class:`StaffPool` — staff who take jobs first come first served: the floor managers'
  triage at the entrance (one-stop flow) and the back office. When no extension hooks into
  them, nothing that happens in the hall changes their queues (arrivals are known, and nobody
  waits for the back office), so their FIFO schedules are the exact recursion
  :func:`multi_server_fifo` worked out without an event per job; with an arrival or
  back-office hook every job is a SimPy event of the pool.
* :class:`Hall` — the day: the SimPy environment whose scheduler runs every event, the
  counters, the pools, the extension hooks and the :class:`Recorder`.

Every event of the day is a SimPy event processed by ``env.run()``. The hot path (a ticket
issued after walking and writing, a service ending, a lunch, a shift, a reneging watchdog) uses
:class:`Call`, a ``simpy.Timeout`` with one callback, instead of a generator per resident: a
ticket costs two events. Extension hooks (:mod:`simulation.extensions`) are SimPy processes
started at named points of a visit; the resident carries on when the process ends. Reneging
uses one watchdog per counter armed at the earliest patience deadline, not one timeout per
ticket.

Outcomes are named records (:class:`TicketRecord`, :class:`StaffRecord`) appended to the
day's :class:`Recorder`; the engine turns each list into numpy columns in one call
(:func:`record_array`) and builds one DataFrame at the end.
"""

from __future__ import annotations

import heapq
import math
import typing
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import simpy
from simpy.events import NORMAL, Event, Timeout

from simulation.routing import Leg

__all__ = [
    "ABANDONED",
    "ABANDON_REASONS",
    "BALKED",
    "CLOSED",
    "NO_SHOW",
    "RENEGED",
    "SERVED",
    "Call",
    "Counter",
    "ExtensionFailure",
    "Hall",
    "Hooks",
    "Recorder",
    "Server",
    "StaffPool",
    "StaffRecord",
    "TicketRecord",
    "Visit",
    "multi_server_fifo",
    "record_array",
]

SERVED, NO_SHOW, ABANDONED = 0, 1, 2
#: Why a ticket was abandoned (index = ``TicketRecord.reason``; 0 = not abandoned).
ABANDON_REASONS: tuple[str, ...] = ("", "balked", "reneged", "closed")
BALKED, RENEGED, CLOSED = 1, 2, 3
#: Activity codes of :class:`StaffRecord` (extensions' own activities follow, from 5).
SERVE, BACK_OFFICE, TRIAGE, LUNCH, OVERTIME = 0, 1, 2, 3, 4
#: Counter code of staff records of the back office and of the floor managers.
BACK_OFFICE_COUNTER, FLOOR_MANAGER_COUNTER = -2, -1
_NAN = math.nan
_INF = math.inf
_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})
_EPS = 1e-9
#: What a link of the arrival chain does (see Hall.start_visits).
_TICKET, _SET_OFF, _ARRIVE = 0, 1, 2
#: The last minute of a service day: no ticket is called at or after midnight.
MIDNIGHT = 24 * 60.0


class TicketRecord(NamedTuple):
    """What is recorded of one ticket (minutes after midnight; −1 / NaN: none).

    ``code`` is the leg code of the route (:meth:`simulation.routing.ScenarioPlan.leg_table`),
    ``reason`` an index of :data:`ABANDON_REASONS`, ``seq`` the ticket's number in the day.
    """

    visit: int
    code: int
    counter: int
    issued: float
    called: float
    ended: float
    server: int
    outcome: int
    reason: int
    walking_m: float
    seq: int


class StaffRecord(NamedTuple):
    """One activity of a member of staff (``kind``: serve, back office, …; see the engine)."""

    server: int
    counter: int
    kind: int
    start: float
    end: float


_NUMPY = {"int": "<i8", "float": "<f8"}


def _dtype(kind: type[tuple[Any, ...]]) -> np.dtype[Any]:
    """The numpy dtype of a record kind, from its field annotations (int → i8, float → f8)."""
    hints = typing.get_type_hints(kind)
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    return np.dtype([(name, _NUMPY[hints[name].__name__]) for name in fields])


TICKET_DTYPE = _dtype(TicketRecord)
STAFF_DTYPE = _dtype(StaffRecord)


def record_array(records: Sequence[tuple[Any, ...]], dtype: np.dtype[Any]) -> np.ndarray:
    """Named records → one numpy structured array (field per column), in one call."""
    if not records:
        return np.zeros(0, dtype=dtype)
    return np.array(records, dtype=dtype)


class Recorder:
    """Where a day's outcomes go: ticket and staff records, when each visit left, extra columns.

    ``left[i]`` is the minute visit ``i`` left the hall (NaN until it does); ``columns`` are the
    visit columns extensions add (name → visit index → value).
    """

    def __init__(self, visits: int = 0) -> None:
        self.tickets: list[TicketRecord] = []
        self.staff: list[StaffRecord] = []
        self.left: list[float] = [_NAN] * visits
        self.columns: dict[str, dict[int, float]] = {}

    def visit_column(self, name: str, visit: int, value: float) -> None:
        """Set an extension's column ``name`` of visit ``visit`` (visits left out stay null)."""
        self.columns.setdefault(name, {})[visit] = float(value)


class ExtensionFailure(Exception):
    """An extension's hook raised: ``args`` = (extension, what went wrong)."""


def multi_server_fifo(
    ready: Sequence[float], work: Sequence[float], servers: int
) -> tuple[list[int], list[float], list[float]]:
    """FIFO queue with ``servers`` identical servers, jobs in the given order: server, start, end.

    The reference for :class:`StaffPool` (the same assignment: a job goes to the server free
    the earliest, lowest number on ties). Returns the server of each job, its start and end.
    """
    free = [(0.0, k) for k in range(max(servers, 1))]
    replace = heapq.heapreplace
    who: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    for t, w in zip(ready, work, strict=True):
        at, k = free[0]
        start = t if t > at else at
        end = start + w
        replace(free, (end, k))
        who.append(k)
        starts.append(start)
        ends.append(end)
    return who, starts, ends


class Call(Timeout):
    """A ``simpy.Timeout`` that calls one function when it is processed (``value`` = its value).

    The engine's hot path schedules these instead of starting a process per resident.
    """

    def __init__(
        self, env: simpy.Environment, delay: float, callback: Callable[[Any], None], value: Any
    ) -> None:
        # Timeout.__init__ inlined, with the callback in place (SimPy does the same inlining)
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._delay = delay
        self._ok = True
        env.schedule(self, NORMAL, delay)


class Visit:
    """One resident's trip to the hall: the legs (tickets) of the route and the resident's draws.

    ``service[k]`` are the service minutes of leg k; ``patience[draws + k]`` a standard
    exponential (times the scenario's mean patience) and ``no_show[draws + k]`` a uniform
    (compared with the scenario's no-show rate) for the ticket of leg k.

    What extensions may read: ``index`` (number of the visit in the day), ``persona`` (the
    persona id, "" for none), ``attributes`` (the persona's attributes), ``arrived`` (minute
    the resident entered the hall), ``legs`` and ``leg_no`` (the ticket being taken or held),
    ``position`` (0 = entrance, 1 + k = counter k) and ``is_return``.
    """

    __slots__ = (
        "arrived",
        "attributes",
        "draws",
        "index",
        "is_return",
        "issued",
        "lead",
        "leg_no",
        "legs",
        "no_show",
        "patience",
        "persona",
        "position",
        "seq",
        "service",
        "waiting",
        "walking_m",
    )

    def __init__(
        self,
        index: int,
        legs: tuple[Leg, ...],
        service: list[float],
        patience: Sequence[float],
        no_show: Sequence[float],
        draws: int = 0,
        lead: float = 0.0,
        *,
        persona: str = "",
        attributes: Mapping[str, Any] | None = None,
        is_return: bool = False,
    ) -> None:
        self.index = index
        self.legs = legs
        self.service = service
        self.patience = patience
        self.no_show = no_show
        self.draws = draws
        self.lead = lead
        self.persona = persona
        self.attributes: Mapping[str, Any] = (
            attributes if attributes is not None else _NO_ATTRIBUTES
        )
        self.is_return = is_return
        self.arrived = 0.0
        self.leg_no = 0
        self.position = 0
        self.issued = 0.0
        self.seq = 0
        self.walking_m = 0.0
        self.waiting = False


class Server:
    """One member of a counter's staff: on duty during shifts, away at lunch, serving or idle.

    ``due_end`` is when the current duty was due to end (shift end, or the recall time after
    closing): time worked past it is overtime.
    """

    __slots__ = (
        "away",
        "busy",
        "counter",
        "due_end",
        "index",
        "lunch_due",
        "off_due",
        "on_duty",
        "staff_id",
        "visit",
    )

    def __init__(self, index: int, counter: Counter, staff_id: str) -> None:
        self.index = index
        self.counter = counter
        self.staff_id = staff_id
        self.on_duty = False
        self.busy = False
        self.away = False
        self.lunch_due = False
        self.off_due = False
        self.due_end = _INF
        #: the resident being served
        self.visit: Visit | None = None


class Counter:
    """A counter: opening hours, FIFO queue of residents holding its tickets, its servers.

    ``close`` is when its ticket machine stops for residents arriving later; ``hard_end``
    (close + the scenario's ``overtime_max_min``, never past midnight) when the residents still
    waiting are sent home. Residents choose among candidate counters that take them the one
    with the fewest residents present (waiting + being served; ties: the first listed).
    """

    __slots__ = (
        "away",
        "away_limit",
        "busy",
        "close",
        "deadlines",
        "hard_end",
        "id",
        "idle",
        "index",
        "kind",
        "lunch_min",
        "n_on_duty",
        "queue",
        "servers",
        "shut",
        "watch_at",
        "watch_token",
    )

    def __init__(
        self,
        index: int,
        counter_id: str,
        *,
        kind: str = "department",
        close: float = MIDNIGHT,
        hard_end: float = MIDNIGHT,
    ) -> None:
        self.index = index
        self.id = counter_id
        self.kind = kind
        self.close = close
        self.hard_end = min(hard_end, MIDNIGHT)
        self.shut = False
        self.queue: deque[Visit] = deque()
        self.idle: list[Server] = []
        self.servers: list[Server] = []
        #: (deadline, ticket number, resident) of the tickets waiting here
        self.deadlines: list[tuple[float, int, Visit]] = []
        self.watch_at = _INF
        self.watch_token = 0
        self.n_on_duty = 0
        self.busy = 0
        self.lunch_min = 0.0
        self.away = 0
        self.away_limit = 1


class StaffPool:
    """Staff who take jobs first come first served (floor managers' triage, back office).

    A job goes to the member free the earliest (lowest number on ties), as in
    :func:`multi_server_fifo`; each finished job is one :class:`StaffRecord`.
    """

    def __init__(self, hall: Hall, staff: int, *, base: int, counter: int, kind: int) -> None:
        self.hall = hall
        self.base = base
        self.counter = counter
        self.kind = kind
        self.free: list[tuple[float, int]] = [(0.0, k) for k in range(max(int(staff), 1))]
        self.queue: deque[tuple[float, Callable[[Any], None] | None, Any]] = deque()
        #: (ready, minutes) of jobs nothing waits for (see :meth:`defer`)
        self.deferred: list[tuple[float, float]] = []

    def defer(self, minutes: float) -> None:
        """A job that nothing in the hall waits for, ready now: worked out by :meth:`settle`."""
        self.deferred.append((self.hall.env.now, minutes))

    def settle(self) -> None:
        """Work the deferred jobs (in the order they became ready) with the same FIFO rule."""
        jobs = self.deferred
        if not jobs:
            return
        who, starts, ends = multi_server_fifo(
            [r for r, _ in jobs], [m for _, m in jobs], len(self.free)
        )
        rows = self.hall.recorder.staff
        for k, t0, t1 in zip(who, starts, ends, strict=True):
            rows.append(StaffRecord(self.base + k, self.counter, self.kind, t0, t1))
        self.deferred = []

    def submit(self, minutes: float, then: Callable[[Any], None] | None, value: Any) -> None:
        """Queue a job of ``minutes``; ``then(value)`` is called when it is done."""
        if self.free:
            self._start(heapq.heappop(self.free)[1], minutes, then, value)
        else:
            self.queue.append((minutes, then, value))

    def _start(
        self, k: int, minutes: float, then: Callable[[Any], None] | None, value: Any
    ) -> None:
        env = self.hall.env
        Call(env, minutes, self._done, (k, env.now, then, value))

    def _done(self, event: Event) -> None:
        k, start, then, value = event._value
        now = self.hall.env.now
        # StaffRecord's fields in order (server, counter, kind, start, end): a hot path
        self.hall.recorder.staff.append(
            StaffRecord(self.base + k, self.counter, self.kind, start, now)
        )
        if self.queue:
            minutes, nxt, nvalue = self.queue.popleft()
            self._start(k, minutes, nxt, nvalue)
        else:
            heapq.heappush(self.free, (now, k))
        if then is not None:
            then(value)


#: A hook: called with the resident (and, after a service or into the back office, the
#: counter); returns None to let the resident go on at once, or a generator (a SimPy process
#: body) that holds them until it ends.
Hook = Callable[..., Generator[Event, Any, Any] | None]


class Hooks:
    """The extension hooks of a day, by point of the visit: (extension name, hook) pairs."""

    __slots__ = ("after_service", "back_office", "before_ticket", "leaving", "on_arrival")

    def __init__(self) -> None:
        self.on_arrival: list[tuple[str, Hook]] = []
        self.before_ticket: list[tuple[str, Hook]] = []
        self.after_service: list[tuple[str, Hook]] = []
        self.leaving: list[tuple[str, Hook]] = []
        self.back_office: list[tuple[str, Hook]] = []


def _guarded(name: str, body: Generator[Event, Any, Any]) -> Generator[Event, Any, Any]:
    """Run an extension's process; an exception becomes :class:`ExtensionFailure` naming it."""
    try:
        return (yield from body)
    except ExtensionFailure:
        raise
    except Exception as exc:
        raise ExtensionFailure(name, f"{type(exc).__name__}: {exc}") from exc


class Hall:
    """One day of one scenario in the hall: the SimPy environment, counters, pools, records.

    ``walk_to_ticket[pos][has_forms]`` are metres from position ``pos`` (0 = entrance, 1 + k =
    counter k) via the nearest desk (when writing) to the ticket machine;
    ``ticket_to_counter[k]`` metres from the ticket machine to counter k.
    """

    def __init__(
        self,
        *,
        counters: list[Counter],
        speed_m_per_min: float,
        walk_to_ticket: list[tuple[float, float]],
        ticket_to_counter: list[float],
        balk_queue: int,
        patience_mean_min: float,
        no_show_rate: float,
        close_min: float,
        visits: int = 0,
        env: simpy.Environment | None = None,
    ) -> None:
        #: the day's SimPy environment: its scheduler is the only event loop
        self.env = env if env is not None else simpy.Environment()
        self.counters = counters
        self.speed = float(speed_m_per_min)
        self.walk_to_ticket = walk_to_ticket
        self.ticket_to_counter = ticket_to_counter
        self.balk_queue = int(balk_queue) if balk_queue and balk_queue > 0 else 1 << 60
        self.reneging = bool(
            patience_mean_min and patience_mean_min > 0 and math.isfinite(patience_mean_min)
        )
        self.patience_mean = float(patience_mean_min) if self.reneging else 0.0
        self.no_show_rate = float(no_show_rate)
        self.close = float(close_min)
        self.seq = 0
        self.recorder = Recorder(visits)
        self.hooks = Hooks()
        self.triage: StaffPool | None = None
        self.triage_min = 0.0
        self.back_office: StaffPool | None = None
        # bound once: the event callbacks of the hot path
        self._due_cb: Callable[[Any], None] = self._ticket_due
        self._end_cb: Callable[[Any], None] = self._service_end
        self._arrivals_cb: Callable[[Any], None] = self._arrivals
        self._due: list[tuple[float, int, Visit]] = []
        self._mode = _TICKET

    def run(self) -> None:
        """Process every event of the day with SimPy's scheduler (``env.run()``), then the
        back-office jobs that nothing in the hall waited for."""
        self.env.run()
        if self.back_office is not None:
            self.back_office.settle()

    def release(self) -> None:
        """End of the day: drop the links between hall, counters, servers and tickets.

        They point at each other; breaking the cycles once the records have been read lets
        reference counting free the day at once, without the cyclic garbage collector.
        """
        for counter in self.counters:
            for server in counter.servers:
                server.visit = None
            counter.servers.clear()
            counter.queue.clear()
            counter.deadlines.clear()
            counter.idle.clear()
        self.hooks = Hooks()
        self.triage = self.back_office = None
        self._due_cb = self._end_cb = self._arrivals_cb = _no_callback
        self._due = []

    # ------------------------------------------------------------------ residents
    def start_visits(self, visits: Sequence[Visit], at: Sequence[float]) -> None:
        """Each visit enters the hall at its minute in ``at`` (arrival time).

        The visits come in one chain of events in time order (ties: visit order), so the
        schedule holds one pending arrival rather than the whole day's. What each link does:

        * no triage, no arrival or before-ticket hook: the first ticket (arrival + walk from
          the entrance + writing: one timeout);
        * triage and no arrival hook: the floor managers' FIFO queue depends on nothing that
          happens in the hall, so it is the exact recursion :func:`multi_server_fifo` (the
          same assignment as the :class:`StaffPool`), worked out here; the link is the end of
          the resident's triage (+ walk and writing when no before-ticket hook);
        * otherwise the arrival itself (hooks, then triage in the hall's :class:`StaffPool`).
        """
        hooks = self.hooks
        staged: list[tuple[float, int, Visit]] = []
        for v, t in zip(visits, at, strict=True):
            v.arrived = t
            if v.legs:
                staged.append((t, v.index, v))
        staged.sort(key=_first_two)
        mode = _ARRIVE
        if self.triage is not None and not hooks.on_arrival and staged:
            pool = self.triage
            who, starts, ends = multi_server_fifo(
                [t for t, _, _ in staged], [self.triage_min] * len(staged), len(pool.free)
            )
            rows = self.recorder.staff
            for k, t0, t1 in zip(who, starts, ends, strict=True):
                rows.append(StaffRecord(pool.base + k, pool.counter, pool.kind, t0, t1))
            if hooks.before_ticket:
                mode = _SET_OFF
                staged = [(e, i, v) for e, (_, i, v) in zip(ends, staged, strict=True)]
            else:
                mode = _TICKET
                staged = [(e + v.lead, i, v) for e, (_, i, v) in zip(ends, staged, strict=True)]
            staged.sort(key=_first_two)
        elif self.triage is None and not hooks.on_arrival:
            if hooks.before_ticket:
                mode = _SET_OFF
            else:
                mode = _TICKET
                staged = sorted(((t + v.lead, i, v) for t, i, v in staged), key=_first_two)
        self._mode = mode
        self._due = staged
        if staged:
            now = self.env.now
            when = staged[0][0]
            Call(self.env, when - now if when > now else 0.0, self._arrivals_cb, 0)

    def _arrivals(self, event: Event) -> None:
        """The next link(s) of the chain: residents arrive, end triage or take a first ticket."""
        i: int = event._value
        due = self._due
        now = due[i][0]
        n = len(due)
        mode = self._mode
        while i < n and due[i][0] <= now:
            visit = due[i][2]
            i += 1
            if mode == _TICKET:
                self._take_ticket(visit)
            elif mode == _SET_OFF:
                self._set_off(visit)
            else:
                self._arrive(visit)
        if i < n:
            Call(self.env, due[i][0] - self.env.now, self._arrivals_cb, i)

    def _arrive(self, visit: Visit) -> None:
        if self.hooks.on_arrival:
            self._run_hooks(self.hooks.on_arrival, (visit,), lambda: self._after_arrival(visit))
        else:
            self._after_arrival(visit)

    def _after_arrival(self, visit: Visit) -> None:
        if self.triage is not None:
            self.triage.submit(self.triage_min, self._set_off, visit)
        else:
            self._set_off(visit)

    def _set_off(self, visit: Visit) -> None:
        """The resident sets off towards the next ticket (hooks first, then the walk)."""
        if self.hooks.before_ticket:
            self._run_hooks(self.hooks.before_ticket, (visit,), lambda: self._walk(visit))
        else:
            self._walk(visit)

    def _walk(self, visit: Visit) -> None:
        Call(self.env, visit.lead, self._due_cb, visit)

    def _run_hooks(
        self,
        hooks: list[tuple[str, Hook]],
        args: tuple[Any, ...],
        then: Callable[[], None],
        k: int = 0,
    ) -> None:
        """Call the hooks from ``k`` on; a hook that returns a process body holds the visit."""
        while k < len(hooks):
            name, hook = hooks[k]
            k += 1
            try:
                body = hook(*args)
            except Exception as exc:
                raise ExtensionFailure(name, f"{type(exc).__name__}: {exc}") from exc
            if body is not None:
                process = self.env.process(_guarded(name, body))
                process.callbacks.append(
                    lambda _event, k=k: self._run_hooks(hooks, args, then, k)  # type: ignore[misc]
                )
                return
        then()

    def _leave_hall(self, visit: Visit) -> None:
        """The resident leaves the hall (after the leaving hooks): their visit's end is noted."""
        if self.hooks.leaving:
            self._run_hooks(self.hooks.leaving, (visit,), lambda: self._left(visit))
        else:
            self.recorder.left[visit.index] = self.env.now

    def _left(self, visit: Visit) -> None:
        self.recorder.left[visit.index] = self.env.now

    def _ticket_due(self, event: Event) -> None:
        self._take_ticket(event._value)

    def _take_ticket(self, visit: Visit) -> None:
        """The resident has walked (and written): take a ticket at the shortest open queue."""
        leg = visit.legs[visit.leg_no]
        cands = leg.candidates
        counters = self.counters
        counter = counters[cands[0]]
        arrived = visit.arrived
        if len(cands) > 1:
            best = -1
            for k in cands:
                other = counters[k]
                if other.shut or arrived >= other.close:
                    continue
                present = len(other.queue) + other.busy
                if best < 0 or present < best:
                    best, counter = present, other
        now = self.env.now
        walking = (
            self.walk_to_ticket[visit.position][leg.forms > 0]
            + self.ticket_to_counter[counter.index]
        )
        self.seq = seq = self.seq + 1
        queue = counter.queue
        reason = 0
        if counter.shut or arrived >= counter.close:  # the ticket machine has stopped
            reason = CLOSED
        elif len(queue) >= self.balk_queue:  # balking: leaves the hall
            reason = BALKED
        if reason:
            self.recorder.tickets.append(
                TicketRecord(
                    visit=visit.index,
                    code=leg.code,
                    counter=counter.index,
                    issued=now,
                    called=_NAN,
                    ended=_NAN,
                    server=-1,
                    outcome=ABANDONED,
                    reason=reason,
                    walking_m=walking,
                    seq=seq,
                )
            )
            self._leave_hall(visit)
            return
        visit.issued = now
        visit.seq = seq
        visit.walking_m = walking
        visit.waiting = True
        if counter.idle:
            self._serve(counter.idle.pop(), visit)
            return
        queue.append(visit)
        if not counter.n_on_duty and now >= counter.close:
            self._recall(counter)  # the recalled clerk calls this ticket at once
            if not visit.waiting:
                return
        if self.reneging:
            deadline = now + self.patience_mean * visit.patience[visit.draws + visit.leg_no]
            heapq.heappush(counter.deadlines, (deadline, seq, visit))
            if deadline < counter.watch_at:
                self._arm(counter, deadline)

    # ------------------------------------------------------------------ service
    def _serve(self, server: Server, visit: Visit | None) -> None:
        """``server`` calls ``visit``'s ticket (and the next ones while residents are not there).

        A no-show is recorded with a zero-minute service; that resident carries on their route.
        """
        counter = server.counter
        queue = counter.queue
        now = self.env.now
        tickets = self.recorder.tickets
        while visit is not None:
            visit.waiting = False
            leg_no = visit.leg_no
            if visit.no_show[visit.draws + leg_no] < self.no_show_rate:
                tickets.append(
                    TicketRecord(
                        visit=visit.index,
                        code=visit.legs[leg_no].code,
                        counter=counter.index,
                        issued=visit.issued,
                        called=now,
                        ended=now,
                        server=server.index,
                        outcome=NO_SHOW,
                        reason=0,
                        walking_m=visit.walking_m,
                        seq=visit.seq,
                    )
                )
                self._next_leg(visit, counter)
                visit = queue.popleft() if queue else None
                continue
            server.busy = True
            counter.busy += 1
            server.visit = visit
            Call(self.env, visit.service[leg_no], self._end_cb, server)
            return
        server.busy = False
        self._after(server)

    def _service_end(self, event: Event) -> None:
        server: Server = event._value
        visit = server.visit
        assert visit is not None
        counter = server.counter
        now = self.env.now
        leg_no = visit.leg_no
        leg = visit.legs[leg_no]
        # the hot path: TicketRecord's fields in order (keywords cost twice as much here)
        self.recorder.tickets.append(
            TicketRecord(
                visit.index,
                leg.code,
                counter.index,
                visit.issued,
                now - visit.service[leg_no],
                now,
                server.index,
                SERVED,
                0,
                visit.walking_m,
                visit.seq,
            )
        )
        server.visit = None
        server.busy = False
        counter.busy -= 1
        if self.back_office is not None and leg.back_office_min > 0:
            if self.hooks.back_office:
                self._to_back_office(visit, counter, leg.back_office_min)
            else:  # nothing waits for the back office: worked out after the day (settle)
                self.back_office.deferred.append((now, leg.back_office_min))
        if self.hooks.after_service:
            self._run_hooks(
                self.hooks.after_service,
                (visit, counter),
                lambda: self._next_leg(visit, counter),
            )
        else:
            self._next_leg(visit, counter)
        if server.lunch_due or server.off_due or counter.shut:
            self._after(server)
        elif counter.queue:
            self._serve(server, counter.queue.popleft())
        else:
            counter.idle.append(server)

    def _to_back_office(self, visit: Visit, counter: Counter, minutes: float) -> None:
        pool = self.back_office
        assert pool is not None
        if self.hooks.back_office:
            self._run_hooks(
                self.hooks.back_office,
                (visit, counter),
                lambda: pool.submit(minutes, None, None),
            )
        else:  # nothing waits for the back office: its FIFO queue is worked out after the day
            pool.defer(minutes)

    def _next_leg(self, visit: Visit, counter: Counter) -> None:
        """The resident leaves ``counter``: towards the next ticket, or out of the hall."""
        leg_no = visit.leg_no + 1
        if leg_no < len(visit.legs):
            visit.leg_no = leg_no
            visit.position = 1 + counter.index
            leg = visit.legs[leg_no]
            walk = self.walk_to_ticket[1 + counter.index][leg.forms > 0] + leg.approach_m
            visit.lead = walk / self.speed + leg.writing_min
            if self.hooks.before_ticket:
                self._set_off(visit)
            else:
                Call(self.env, visit.lead, self._due_cb, visit)
        else:
            self._leave_hall(visit)

    def _after(self, server: Server) -> None:
        """A server who is free (not serving, not away): lunch, home, next ticket, or idle.

        Lunch when due and fewer than ⌈staff/2⌉ colleagues are away; home when the shift is over
        (after closing only once the queue is empty) or the counter has shut; else the next
        ticket, else idle.
        """
        counter = server.counter
        if server in counter.idle:
            counter.idle.remove(server)
        if counter.shut:
            if server.on_duty:
                self._leave(server)
        elif server.lunch_due and not server.off_due and counter.away < counter.away_limit:
            self._go_lunch(server)
        elif server.off_due and not (self.env.now >= counter.close and counter.queue):
            self._leave(server)
        elif counter.queue:
            self._serve(server, counter.queue.popleft())
        else:
            counter.idle.append(server)

    # ------------------------------------------------------------------ reneging
    def _arm(self, counter: Counter, at: float) -> None:
        counter.watch_at = at
        counter.watch_token += 1
        now = self.env.now
        Call(self.env, at - now if at > now else 0.0, self._watch, (counter, counter.watch_token))

    def _watch(self, event: Event) -> None:
        counter, token = event._value
        if token != counter.watch_token:
            return
        counter.watch_at = _INF
        now = self.env.now + _EPS
        heap = counter.deadlines
        while heap:
            deadline, seq, visit = heap[0]
            live = visit.waiting and visit.seq == seq  # still waiting with that ticket
            if live and deadline > now:
                break
            heapq.heappop(heap)
            if live:  # patience ran out: the resident leaves the hall
                counter.queue.remove(visit)
                self._abandon(visit, counter, RENEGED)
        if heap:
            self._arm(counter, heap[0][0])

    def _abandon(self, visit: Visit, counter: Counter, reason: int) -> None:
        """A waiting resident gives up their ticket and leaves the hall."""
        visit.waiting = False
        self.recorder.tickets.append(
            TicketRecord(
                visit=visit.index,
                code=visit.legs[visit.leg_no].code,
                counter=counter.index,
                issued=visit.issued,
                called=_NAN,
                ended=_NAN,
                server=-1,
                outcome=ABANDONED,
                reason=reason,
                walking_m=visit.walking_m,
                seq=visit.seq,
            )
        )
        self._leave_hall(visit)

    # ------------------------------------------------------------------ shifts and lunch
    def shift(self, server: Server, start: float, end: float) -> None:
        """Put ``server`` on duty from ``start`` to ``end`` (minutes after midnight)."""
        now = self.env.now
        Call(self.env, max(start - now, 0.0), self._on_duty, server)
        Call(self.env, max(end - now, 0.0), self._off_duty, server)

    def lunch(self, server: Server, at: float) -> None:
        """``server`` goes to lunch at ``at`` (or when the service in progress ends)."""
        Call(self.env, max(at - self.env.now, 0.0), self._lunch_due, server)

    def closing(self) -> None:
        """At each counter's closing time, a counter with tickets but nobody on duty calls
        someone back; at its hard end (closing + overtime limit) it shuts."""
        now = self.env.now
        for counter in self.counters:
            Call(self.env, max(counter.close - now, 0.0), self._closing, counter)
            Call(self.env, max(counter.hard_end - now, 0.0), self._shut, counter)

    def _closing(self, event: Event) -> None:
        counter: Counter = event._value
        if counter.queue and not counter.n_on_duty:
            self._recall(counter)

    def _shut(self, event: Event) -> None:
        """Overtime limit reached: residents still waiting are sent home, staff go home."""
        counter: Counter = event._value
        counter.shut = True
        counter.watch_token += 1
        counter.watch_at = _INF
        counter.deadlines.clear()
        while counter.queue:
            self._abandon(counter.queue.popleft(), counter, CLOSED)
        for server in counter.servers:
            server.lunch_due = False
            if server.on_duty and not server.busy and not server.away:
                self._leave(server)
            elif server.on_duty:
                server.off_due = True

    def _recall(self, counter: Counter) -> None:
        """Overtime: the first server of an unstaffed counter comes back to serve who is left."""
        if not counter.servers or counter.shut:
            return
        server = counter.servers[0]
        if server.on_duty:
            return
        server.on_duty = True
        server.off_due = True
        server.due_end = self.env.now
        counter.n_on_duty += 1
        if not server.away and not server.busy:
            self._after(server)

    def _on_duty(self, event: Event) -> None:
        server: Server = event._value
        counter = server.counter
        server.off_due = False
        server.due_end = _INF
        if server.on_duty or counter.shut:
            return
        server.on_duty = True
        counter.n_on_duty += 1
        if not server.busy and not server.away:
            self._after(server)

    def _off_duty(self, event: Event) -> None:
        server: Server = event._value
        if not server.on_duty:
            return
        server.off_due = True  # finishes the service in progress (after closing, the queue too)
        server.due_end = self.env.now
        server.lunch_due = False
        if not server.busy and not server.away:
            self._after(server)

    def _leave(self, server: Server) -> None:
        counter = server.counter
        if server in counter.idle:
            counter.idle.remove(server)
        if server.on_duty:
            server.on_duty = False
            counter.n_on_duty -= 1
            now = self.env.now
            if now > server.due_end + _EPS:  # stayed past the end of duty: overtime
                self.recorder.staff.append(
                    StaffRecord(
                        server=server.index,
                        counter=counter.index,
                        kind=OVERTIME,
                        start=server.due_end,
                        end=now,
                    )
                )
        server.off_due = False
        server.due_end = _INF

    def _lunch_due(self, event: Event) -> None:
        server: Server = event._value
        if not server.on_duty or server.off_due or server.counter.shut:
            return
        server.lunch_due = True
        if not server.busy and not server.away:
            self._after(server)

    def _go_lunch(self, server: Server) -> None:
        counter = server.counter
        server.lunch_due = False
        server.away = True
        counter.away += 1
        now = self.env.now
        self.recorder.staff.append(
            StaffRecord(
                server=server.index,
                counter=counter.index,
                kind=LUNCH,
                start=now,
                end=now + counter.lunch_min,
            )
        )
        Call(self.env, counter.lunch_min, self._lunch_end, server)

    def _lunch_end(self, event: Event) -> None:
        server: Server = event._value
        server.away = False
        counter = server.counter
        counter.away -= 1
        for other in counter.servers:  # an idle colleague waiting for a lunch slot goes now
            if other.lunch_due and other in counter.idle:
                self._after(other)
                break
        if server.on_duty:
            self._after(server)


def _first_two(item: tuple[float, int, Visit]) -> tuple[float, int]:
    return item[0], item[1]


def _no_callback(value: Any) -> None:
    """Stands in for the hall's callbacks once its day is over."""
