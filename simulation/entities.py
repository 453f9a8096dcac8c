"""The people and places of one simulated day in the hall, around one ``simpy.Environment``.

* :class:`Residents` — the day's visits as columns (one list per field, indexed by visit, and
  by ticket slot ``visit × width + leg`` for what each ticket of a route has: service minutes,
  patience and no-show draws). No object is made per resident on the engine's own path.
* :class:`Visit` — what an extension sees of one resident's trip (persona, attributes, route,
  the ticket being taken or held): a small view of those columns, made only when a hook is
  called with the resident.
* :class:`Counter` — a counter (窓口) with its opening hours, a FIFO queue of the residents
  (visit numbers) holding its tickets and :class:`Server` s (its staff) who follow their shifts
  and take lunch in turn, never interrupting a service. Its clerks are also a
  ``simpy.Resource`` (:class:`CounterStaff`) from which an extension borrows a clerk.
* :class:`StaffPool` — staff who take jobs first come first served: the floor managers'
  triage at the entrance (one-stop flow) and the back office. Every job is a SimPy event
  (``tests/test_sim_engine.py`` works the same schedule out on paper as its oracle).
* :class:`Hall` — the day: the SimPy environment whose scheduler runs every event, the
  counters, the pools, the extension hooks and the :class:`Recorder`.

Every event of the day is a SimPy event processed by ``env.run()``. The hot path (a ticket
issued after walking and writing, a service ending, a lunch, a shift, a reneging watchdog, a
triage or back-office job) uses :class:`Call`, a ``simpy.Timeout`` with one callback, instead
of a generator per resident: a ticket costs two events (taken after the walk, end of its
service). Extension hooks (:mod:`simulation.extensions`) are SimPy processes started at named
points of a visit; the resident carries on when the process ends. Reneging uses one watchdog
per counter armed at the earliest patience deadline, not one timeout per ticket.

Outcomes go to the day's :class:`Recorder`, a named recorder of column lists: the tickets'
fields (:class:`TicketColumns`, one list per field, written by ticket slot) and the staff
activities (:class:`StaffColumns`, one typed :meth:`StaffColumns.add` per row). The engine turns
each list into a numpy column in one call and builds one DataFrame at the end.
"""

from __future__ import annotations

import heapq
import math
import typing
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heappush as _push
from types import MappingProxyType
from typing import Any

import numpy as np
import simpy
from simpy.core import BoundClass
from simpy.events import NORMAL, Event, Timeout
from simpy.resources.resource import Release, Request

from simulation.routing import Leg

__all__ = [
    "ABANDONED",
    "ABANDON_REASONS",
    "BALKED",
    "CLOSED",
    "NO_SHOW",
    "RENEGED",
    "SERVED",
    "Borrow",
    "Call",
    "Counter",
    "CounterStaff",
    "ExtensionFailure",
    "Hall",
    "Hooks",
    "Recorder",
    "Residents",
    "Server",
    "StaffColumns",
    "StaffPool",
    "TicketColumns",
    "Visit",
]

SERVED, NO_SHOW, ABANDONED = 0, 1, 2
#: Why a ticket was abandoned (index = ``TicketColumns.reason``; 0 = not abandoned).
ABANDON_REASONS: tuple[str, ...] = ("", "balked", "reneged", "closed")
BALKED, RENEGED, CLOSED = 1, 2, 3
#: Activity codes of :class:`StaffColumns` (``LENT``: a clerk lent to an extension that asked
#: for no activity of its own; extensions' own activities follow, from 6).
SERVE, BACK_OFFICE, TRIAGE, LUNCH, OVERTIME, LENT = 0, 1, 2, 3, 4, 5
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


@dataclass(slots=True)
class TicketColumns:
    """The tickets of one day: one list per field, indexed by ticket slot ``visit × width + leg``.

    A resident takes at most one ticket per leg of their route, so a slot holds at most one
    ticket. ``seq[s]`` is its number in the day (0: the slot's ticket was never taken);
    ``code`` the leg code of the route (:meth:`simulation.routing.ScenarioPlan.leg_table`);
    times are minutes after midnight (NaN: none); ``server`` −1 for nobody; ``outcome`` is
    served unless set; ``reason`` an index of :data:`ABANDON_REASONS`.
    """

    code: list[int]
    counter: list[int]
    seq: list[int]
    issued: list[float]
    called: list[float]
    ended: list[float]
    server: list[int]
    outcome: list[int]
    reason: list[int]
    walking_m: list[float]

    @classmethod
    def blank(cls, slots: int) -> TicketColumns:
        """Columns for ``slots`` ticket slots, no ticket taken yet."""
        nan = [_NAN] * slots
        zero = [0] * slots
        return cls(
            code=[-1] * slots,
            counter=[-1] * slots,
            seq=zero,
            issued=nan,
            called=nan.copy(),
            ended=nan.copy(),
            server=[-1] * slots,
            outcome=zero.copy(),
            reason=zero.copy(),
            walking_m=[0.0] * slots,
        )


@dataclass(slots=True)
class StaffColumns:
    """Activities of members of staff of one day, one list per field (one row per :meth:`add`).

    ``kind`` is an activity code (serve, back office, …; see the engine), ``counter`` the
    counter index (or :data:`BACK_OFFICE_COUNTER` / :data:`FLOOR_MANAGER_COUNTER`, or an
    extension's group), times minutes after midnight.
    """

    server: list[int] = field(default_factory=list)
    counter: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)

    def add(self, *, server: int, counter: int, kind: int, start: float, end: float) -> None:
        """Record that ``server`` did activity ``kind`` from ``start`` to ``end``."""
        self.server.append(server)
        self.counter.append(counter)
        self.kind.append(kind)
        self.start.append(start)
        self.end.append(end)

    def __len__(self) -> int:
        return len(self.server)


class Recorder:
    """Where a day's outcomes go: ticket columns, staff rows, when each visit left, extra columns.

    ``tickets`` are the :class:`TicketColumns` of ``slots`` ticket slots; ``staff`` the
    :class:`StaffColumns`; ``left[i]`` the minute visit ``i`` left the hall (NaN until it does);
    ``columns`` the visit columns extensions add (name → visit index → value).
    """

    def __init__(self, visits: int = 0, slots: int = 0) -> None:
        self.tickets = TicketColumns.blank(slots)
        self.staff = StaffColumns()
        self.left: list[float] = [_NAN] * visits
        self.columns: dict[str, dict[int, float]] = {}

    def visit_column(self, name: str, visit: int, value: float) -> None:
        """Set an extension's column ``name`` of visit ``visit`` (visits left out stay null)."""
        self.columns.setdefault(name, {})[visit] = float(value)


@dataclass
class Residents:
    """The visits of one day as columns: visit ``i``; ticket slot ``s = i × width + leg``.

    Per visit: ``route`` (the legs, i.e. tickets, to take; ``n_legs`` how many, as a numpy
    array), ``arrived`` (minute the resident
    enters the hall), ``lead`` (minutes of walking and writing before the first ticket),
    ``persona`` (index into ``persona_ids``/``persona_attributes``, −1: none) and ``is_return``.
    Per slot: ``service`` minutes, ``patience`` (a standard exponential, times the scenario's
    mean patience) and ``no_show`` (a uniform, compared with the no-show rate).
    """

    width: int
    route: list[tuple[Leg, ...]]
    n_legs: np.ndarray
    arrived: list[float]
    lead: list[float]
    persona: list[int]
    is_return: list[bool]
    service: list[float]
    patience: list[float]
    no_show: list[float]
    persona_ids: Sequence[str] = ()
    persona_attributes: Sequence[Mapping[str, Any]] = ()

    def __len__(self) -> int:
        return len(self.route)


class ExtensionFailure(Exception):
    """An extension's hook raised: ``args`` = (extension, what went wrong)."""


class Call(Timeout):
    """A ``simpy.Timeout`` that calls one function when it is processed (``value`` = its value).

    The engine's hot path schedules these instead of starting a process per resident. The
    callback of a service's end or of the arrival chain puts the timeout it was called for
    back on SimPy's schedule for the next service end or arrival (SimPy's ``step`` has already
    taken it off the schedule and emptied its callbacks): the entry is the one a new timeout
    would get, without making one.
    """

    _ok = True  # a timeout always succeeds

    def __init__(
        self, env: simpy.Environment, delay: float, callback: Callable[[Any], None], value: Any
    ) -> None:
        # Timeout.__init__ and Environment.schedule inlined, with the callback in place: the
        # event goes onto SimPy's own schedule exactly as ``env.schedule`` puts it there
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._delay = delay
        _push(env._queue, (env._now + delay, NORMAL, next(env._eid), self))


class Visit:
    """What an extension sees of one resident's trip: a view of the day's columns.

    ``index`` (number of the visit in the day), ``persona`` (the persona id, "" for none),
    ``attributes`` (the persona's attributes), ``arrived`` (minute the resident entered the
    hall), ``legs`` and ``leg_no`` (the ticket being taken or held), ``position`` (0 = entrance,
    1 + k = counter k) and ``is_return``. Made by :meth:`Hall.resident` when a hook is called;
    the same resident is the same object all day.
    """

    __slots__ = ("_hall", "index")

    def __init__(self, hall: Hall, index: int) -> None:
        self._hall = hall
        self.index = index

    @property
    def legs(self) -> tuple[Leg, ...]:
        """The tickets of the resident's route, in order."""
        return self._hall.route[self.index]

    @property
    def leg_no(self) -> int:
        """The ticket being taken or held (index into :attr:`legs`)."""
        return self._hall.leg_no[self.index]

    @property
    def position(self) -> int:
        """Where the resident last was: 0 = entrance, 1 + k = counter k."""
        return self._hall.position[self.index]

    @property
    def arrived(self) -> float:
        """Minute the resident entered the hall."""
        return self._hall.arrived[self.index]

    @property
    def is_return(self) -> bool:
        """Whether this is a return visit (for a procedure not completed earlier)."""
        return self._hall.is_return[self.index]

    @property
    def persona(self) -> str:
        """The resident's persona id ("" for none)."""
        code = self._hall.persona[self.index]
        return self._hall.persona_ids[code] if code >= 0 else ""

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The persona's attributes (empty for none)."""
        code = self._hall.persona[self.index]
        return self._hall.persona_attributes[code] if code >= 0 else _NO_ATTRIBUTES


class Server:
    """One member of a counter's staff: on duty during shifts, away at lunch, serving or idle.

    ``due_end`` is when the current duty was due to end (shift end, or the recall time after
    closing): time worked past it is overtime. ``visit`` and ``slot`` are the visit and ticket
    slot being served.
    """

    __slots__ = (
        "away",
        "busy",
        "counter",
        "due_end",
        "index",
        "lent",
        "lunch_due",
        "off_due",
        "on_duty",
        "slot",
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
        #: lent to an extension (also ``away`` meanwhile)
        self.lent = False
        self.visit = -1
        self.slot = -1


class Counter:
    """A counter: opening hours, FIFO queue of residents holding its tickets, its servers.

    ``queue`` holds the visit numbers of the residents waiting (:meth:`Hall.resident` gives
    the resident); ``staff`` is its clerks as a SimPy resource (:class:`CounterStaff`). ``close`` is when its ticket machine stops for residents arriving later;
    ``hard_end`` (close + the scenario's ``overtime_max_min``, never past midnight) when the
    residents still waiting are sent home. Residents choose among candidate counters that take
    them the one with the fewest residents present (waiting + being served; ties: the first
    listed).
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
        "staff",
        "wanted",
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
        self.queue: deque[int] = deque()
        self.idle: list[Server] = []
        self.servers: list[Server] = []
        #: (deadline, ticket number, visit) of the tickets waiting here
        self.deadlines: list[tuple[float, int, int]] = []
        self.watch_at = _INF
        self.watch_token = 0
        self.n_on_duty = 0
        self.busy = 0
        self.lunch_min = 0.0
        self.away = 0
        self.away_limit = 1
        #: the clerks as a SimPy resource for extensions (set by the hall's day)
        self.staff: CounterStaff | None = None
        #: an extension waits to borrow a clerk (see :class:`CounterStaff`)
        self.wanted = False


class Borrow(Request):
    """A request to borrow a clerk of a counter (``yield`` it: its value is the :class:`Server`).

    ``kind`` is the staff-log activity code the clerk's time away is recorded under.
    """

    def __init__(self, resource: CounterStaff, kind: int = LENT) -> None:
        self.kind = kind
        super().__init__(resource)


class CounterStaff(simpy.Resource):
    """The clerks of one counter as a ``simpy.Resource``, for extensions.

    ``capacity`` is the number of clerks of the counter, ``users`` the clerks busy now (serving
    a resident or lent to an extension; ``count`` how many) and ``queue`` the borrow requests
    waiting. ``request()`` (a :class:`Borrow`) borrows a clerk: granted at once when a clerk is
    on duty and idle, else as soon as the engine frees one (at the end of a service, before
    that clerk calls the next ticket; a lunch or the end of a shift that is due comes first).
    ``release(request)`` (or leaving a ``with`` block) gives the clerk back to the counter,
    who then calls the next ticket; the time away is a staff-log row of the clerk at this
    counter under the request's activity. The engine's own services do not go through
    requests (they are callbacks on SimPy events); the resource only lends clerks out.
    """

    def __init__(self, hall: Hall, counter: Counter) -> None:
        super().__init__(hall.env, capacity=max(len(counter.servers), 1))
        self.hall = hall
        self.counter = counter
        #: the clerk lent for each granted request
        self.lent: dict[Request, Server] = {}

    @property  # type: ignore[override]
    def users(self) -> list[Server]:
        """The clerks busy now: serving a resident or lent to an extension."""
        return [s for s in self.counter.servers if s.busy or s.lent]

    @users.setter
    def users(self, value: list[Any]) -> None:
        """``simpy.Resource.__init__`` starts with no users; the clerks' state says who is busy."""

    if typing.TYPE_CHECKING:

        def request(self, kind: int = LENT) -> Borrow:
            """Borrow a clerk (``yield`` the request: its value is the clerk)."""
            return Borrow(self, kind)

    else:
        request = BoundClass(Borrow)

    def close(self) -> None:
        """End of the day: drop what points back at this resource (a bound request class,
        waiting requests), so that reference counting frees the day."""
        vars(self).pop("request", None)
        self.lent.clear()
        self.put_queue.clear()
        self.get_queue.clear()

    def _do_put(self, event: Request) -> bool:  # type: ignore[override]
        counter = self.counter
        if counter.idle and not counter.shut:
            self._grant(event, counter.idle.pop())
            return True
        counter.wanted = True
        return False

    def lend(self, server: Server) -> bool:
        """Lend ``server`` (just freed by the engine) to the first request waiting, if any."""
        queue = self.put_queue
        while queue and queue[0].triggered:  # pragma: no cover - SimPy pops granted ones
            queue.pop(0)
        if not queue:
            self.counter.wanted = False
            return False
        self._grant(queue.pop(0), server)
        self.counter.wanted = bool(queue)
        return True

    def _grant(self, event: Request, server: Server) -> None:
        server.lent = True
        server.away = True
        self.lent[event] = server
        event.usage_since = self.hall.env.now
        event.succeed(server)

    def _do_get(self, event: Release) -> None:
        server = self.lent.pop(event.request, None)
        if server is not None:
            hall = self.hall
            kind = getattr(event.request, "kind", LENT)
            start = event.request.usage_since
            hall.recorder.staff.add(
                server=server.index,
                counter=self.counter.index,
                kind=kind,
                start=float(start if start is not None else hall.env.now),
                end=hall.env.now,
            )
            server.lent = False
            server.away = False
            if server.on_duty:
                hall._after(server)  # back to the counter: lunch, home or the next ticket
        event.succeed()


class StaffPool:
    """Staff who take jobs first come first served (floor managers' triage, back office).

    Every job is a SimPy event of the day (a :class:`Call` at its end): a job goes to the member
    free the earliest (lowest number on ties) or waits in the pool's FIFO queue for the next
    member to finish — the schedule the tests work out on paper as their oracle. Each finished job is one row of the :class:`StaffColumns`.
    """

    def __init__(self, hall: Hall, staff: int, *, base: int, counter: int, kind: int) -> None:
        self.hall = hall
        self.base = base
        self.counter = counter
        self.kind = kind
        self.free: list[tuple[float, int]] = [(0.0, k) for k in range(max(int(staff), 1))]
        self.queue: deque[tuple[float, Callable[[Any], None] | None, Any]] = deque()

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
        self.hall.recorder.staff.add(
            server=self.base + k, counter=self.counter, kind=self.kind, start=start, end=now
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
    ``ticket_to_counter[k]`` metres from the ticket machine to counter k. The day's residents
    are the :class:`Residents` columns; what changes during the day is kept per visit
    (``leg_no``, ``position``, ``waiting``: the number of the ticket the resident waits with,
    0 when not waiting) and per ticket slot (the :class:`Recorder`'s ticket columns).
    """

    def __init__(
        self,
        *,
        counters: list[Counter],
        residents: Residents,
        speed_m_per_min: float,
        walk_to_ticket: list[tuple[float, float]],
        ticket_to_counter: list[float],
        balk_queue: int,
        patience_mean_min: float,
        no_show_rate: float,
        close_min: float,
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
        n = len(residents)
        self.width = width = residents.width
        # the residents' columns (read-only during the day) and their state (per visit)
        self.route = residents.route
        self.n_legs = residents.n_legs
        self.arrived = residents.arrived
        self.arrival_minutes = np.fromiter(residents.arrived, dtype=float, count=n)
        self.lead = list(residents.lead)
        self.lead_minutes = np.fromiter(residents.lead, dtype=float, count=n)
        self.persona = residents.persona
        self.persona_ids = residents.persona_ids
        self.persona_attributes = residents.persona_attributes
        self.is_return = residents.is_return
        self.service = residents.service
        self.patience = residents.patience
        self.no_show = residents.no_show
        self.leg_no = [0] * n
        self.position = [0] * n
        self.waiting = [0] * n
        self.recorder = Recorder(n, n * width)
        self.tickets = self.recorder.tickets
        self.left = self.recorder.left
        self.hooks = Hooks()
        self.triage: StaffPool | None = None
        self.triage_min = 0.0
        self.back_office: StaffPool | None = None
        self._views: dict[int, Visit] = {}
        # bound once: the event callbacks of the hot path
        self._due_cb: Callable[[Any], None] = self._ticket_due
        self._end_cb: Callable[[Any], None] = self._service_end
        self._arrivals_cb: Callable[[Any], None] = self._arrivals
        self._due_at: list[float] = []
        self._due_who: list[int] = []
        self._link: Callable[[int], None] = self._take_ticket
        self._plain_end = True

    def resident(self, index: int) -> Visit:
        """The resident of visit ``index`` as extensions see them (one object per visit)."""
        view = self._views.get(index)
        if view is None:
            view = self._views[index] = Visit(self, index)
        return view

    def run(self) -> None:
        """Process every event of the day with SimPy's scheduler (``env.run()``)."""
        self.env.run()

    def release(self) -> None:
        """End of the day: drop the links between hall, counters, servers and residents.

        They point at each other; breaking the cycles once the records have been read lets
        reference counting free the day at once, without the cyclic garbage collector.
        """
        for counter in self.counters:
            if counter.staff is not None:
                counter.staff.close()
                counter.staff = None
            counter.servers.clear()
            counter.queue.clear()
            counter.deadlines.clear()
            counter.idle.clear()
        self.hooks = Hooks()
        self.triage = self.back_office = None
        self._due_cb = self._end_cb = self._arrivals_cb = self._link = _no_callback
        self._views.clear()

    # ------------------------------------------------------------------ residents
    def start_visits(self) -> None:
        """Each visit enters the hall at its arrival minute (``Residents.arrived``).

        The visits come in one chain of events in time order (ties: visit order), so the
        schedule holds one pending arrival rather than the whole day's. What each link does:

        * no triage, no arrival or before-ticket hook: the first ticket (arrival + walk from
          the entrance + writing: one timeout);
        * no triage, no arrival hook, a before-ticket hook: the resident sets off (hooks, then
          the walk);
        * otherwise the arrival itself: arrival hooks, then the floor managers' triage (a job
          of the hall's :class:`StaffPool`, a SimPy event), then the resident sets off.
        """
        hooks = self.hooks
        self._plain_end = not (hooks.after_service or hooks.leaving)
        # visits with tickets to take
        who = np.flatnonzero(self.n_legs > 0)
        at = self.arrival_minutes[who]
        mode = _ARRIVE
        if self.triage is None and not hooks.on_arrival:
            if hooks.before_ticket:
                mode = _SET_OFF
            else:
                mode = _TICKET
                at = at + self.lead_minutes[who]
        order = np.argsort(at, kind="stable")  # in (time, visit) order: ``who`` ascends
        self._link = (
            self._take_ticket
            if mode == _TICKET
            else self._set_off
            if mode == _SET_OFF
            else self._arrive
        )
        self._due_at = [*at[order].tolist(), _INF]
        self._due_who = who[order].tolist()
        if who.size:
            now = self.env.now
            when = self._due_at[0]
            Call(self.env, when - now if when > now else 0.0, self._arrivals_cb, 0)

    def _arrivals(self, event: Event) -> None:
        """The next link(s) of the chain: residents arrive, end triage or take a first ticket."""
        j: int = event._value
        due_at = self._due_at  # ends with +inf
        now = due_at[j]
        take = self._link
        who = self._due_who
        take(who[j])
        j += 1
        while due_at[j] <= now:
            take(who[j])
            j += 1
        if due_at[j] < _INF:  # the next link: this timeout, back on SimPy's schedule (recycled)
            env = self.env
            now = env._now
            event.callbacks = [self._arrivals_cb]
            event._value = j
            event._delay = delay = due_at[j] - now  # type: ignore[attr-defined]
            _push(env._queue, (now + delay, NORMAL, next(env._eid), event))

    def _arrive(self, i: int) -> None:
        if self.hooks.on_arrival:
            self._run_hooks(
                self.hooks.on_arrival, (self.resident(i),), lambda: self._after_arrival(i)
            )
        else:
            self._after_arrival(i)

    def _after_arrival(self, i: int) -> None:
        if self.triage is not None:
            self.triage.submit(self.triage_min, self._set_off, i)
        else:
            self._set_off(i)

    def _set_off(self, i: int) -> None:
        """The resident sets off towards the next ticket (hooks first, then the walk)."""
        if self.hooks.before_ticket:
            self._run_hooks(self.hooks.before_ticket, (self.resident(i),), lambda: self._walk(i))
        else:
            self._walk(i)

    def _walk(self, i: int) -> None:
        Call(self.env, self.lead[i], self._due_cb, i)

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

    def _leave_hall(self, i: int) -> None:
        """The resident leaves the hall (after the leaving hooks): their visit's end is noted."""
        if self.hooks.leaving:
            self._run_hooks(self.hooks.leaving, (self.resident(i),), lambda: self._left(i))
        else:
            self.left[i] = self.env.now

    def _left(self, i: int) -> None:
        self.left[i] = self.env.now

    def _ticket_due(self, event: Event) -> None:
        self._take_ticket(event._value)

    def _take_ticket(self, i: int) -> None:
        """The resident has walked (and written): take a ticket at the shortest open queue."""
        leg_no = self.leg_no[i]
        leg = self.route[i][leg_no]
        cands = leg.candidates
        counters = self.counters
        counter = counters[cands[0]]
        arrived = self.arrived[i]
        if len(cands) > 1:
            best = -1
            for k in cands:
                other = counters[k]
                if other.shut or arrived >= other.close:
                    continue
                present = len(other.queue) + other.busy
                if best < 0 or present < best:
                    best, counter = present, other
        now = self.env._now  # the ``now`` property's value, without the call
        index = counter.index
        walking = (
            self.walk_to_ticket[self.position[i]][leg.forms > 0] + self.ticket_to_counter[index]
        )
        self.seq = seq = self.seq + 1
        s = i * self.width + leg_no
        t = self.tickets
        t.code[s] = leg.code
        t.counter[s] = index
        t.seq[s] = seq
        t.issued[s] = now
        t.walking_m[s] = walking
        queue = counter.queue
        if counter.shut or arrived >= counter.close:  # the ticket machine has stopped
            t.outcome[s] = ABANDONED
            t.reason[s] = CLOSED
            self._leave_hall(i)
            return
        if len(queue) >= self.balk_queue:  # balking: leaves the hall
            t.outcome[s] = ABANDONED
            t.reason[s] = BALKED
            self._leave_hall(i)
            return
        if counter.idle:
            server = counter.idle.pop()
            if self.no_show_rate > 0.0:
                self._serve(server, i)
                return
            # _serve's common case inlined (no no-shows): the service starts
            t.server[s] = server.index
            server.busy = True
            counter.busy += 1
            server.visit = i
            server.slot = s
            Call(self.env, self.service[s], self._end_cb, server)
            return
        self.waiting[i] = seq
        queue.append(i)
        if not counter.n_on_duty and now >= counter.close:
            self._recall(counter)  # the recalled clerk calls this ticket at once
            if not self.waiting[i]:
                return
        if self.reneging:
            deadline = now + self.patience_mean * self.patience[s]
            heapq.heappush(counter.deadlines, (deadline, seq, i))
            if deadline < counter.watch_at:
                self._arm(counter, deadline)

    # ------------------------------------------------------------------ service
    def _serve(self, server: Server, i: int) -> None:
        """``server`` calls visit ``i``'s ticket (and the next ones while residents are not there).

        A no-show is recorded with a zero-minute service; that resident carries on their route.
        """
        counter = server.counter
        queue = counter.queue
        now = self.env.now
        t = self.tickets
        width = self.width
        leg_no = self.leg_no
        waiting = self.waiting
        rate = self.no_show_rate
        while True:
            waiting[i] = 0
            s = i * width + leg_no[i]
            t.server[s] = server.index
            if rate > 0.0 and self.no_show[s] < rate:
                t.called[s] = t.ended[s] = now
                t.outcome[s] = NO_SHOW
                self._next_leg(i, counter)
                if queue:
                    i = queue.popleft()
                    continue
                server.busy = False
                self._after(server)
                return
            server.busy = True
            counter.busy += 1
            server.visit = i
            server.slot = s
            Call(self.env, self.service[s], self._end_cb, server)
            return

    def _service_end(self, event: Event) -> None:
        server: Server = event._value
        s = server.slot
        now = self.env._now
        t = self.tickets
        t.called[s] = now - self.service[s]
        t.ended[s] = now
        counter = server.counter
        server.busy = False
        counter.busy -= 1
        i = server.visit
        legs = self.route[i]
        leg_no = self.leg_no[i]
        if self.back_office is not None and legs[leg_no].back_office_min > 0:
            if self.hooks.back_office:
                self._to_back_office(i, counter, legs[leg_no].back_office_min)
            else:  # the papers reach the back office's queue (nothing waits for the job)
                self.back_office.submit(legs[leg_no].back_office_min, None, None)
        if not self._plain_end:
            self._end_hooks(i, counter)
        elif leg_no + 1 < len(legs):
            self._next_leg(i, counter)
        else:  # the last ticket, nothing hooked: the resident leaves
            self.left[i] = now
        queue = counter.queue
        if server.lunch_due or server.off_due or counter.shut or counter.wanted:
            self._after(server)
        elif not queue:
            counter.idle.append(server)
        elif self.no_show_rate > 0.0:
            self._serve(server, queue.popleft())
        else:  # _serve's common case inlined: the next ticket is called
            server.busy = True
            counter.busy += 1
            i = queue.popleft()
            self.waiting[i] = 0
            s = i * self.width + self.leg_no[i]
            t.server[s] = server.index
            server.visit = i
            server.slot = s
            # the end of this service: the timeout just processed, back on SimPy's schedule
            env = self.env
            event.callbacks = [self._end_cb]
            event._delay = delay = self.service[s]  # type: ignore[attr-defined]
            _push(env._queue, (now + delay, NORMAL, next(env._eid), event))

    def _end_hooks(self, i: int, counter: Counter) -> None:
        """After a service, with after-service or leaving hooks: hooks, then the next leg."""
        if self.hooks.after_service:
            self._run_hooks(
                self.hooks.after_service,
                (self.resident(i), counter),
                lambda: self._next_leg(i, counter),
            )
        else:
            self._next_leg(i, counter)

    def _to_back_office(self, i: int, counter: Counter, minutes: float) -> None:
        """Back-office hooks first (they may hold the papers), then the job joins the queue."""
        pool = self.back_office
        assert pool is not None
        self._run_hooks(
            self.hooks.back_office,
            (self.resident(i), counter),
            lambda: pool.submit(minutes, None, None),
        )

    def _next_leg(self, i: int, counter: Counter) -> None:
        """The resident leaves ``counter``: towards the next ticket, or out of the hall."""
        leg_no = self.leg_no[i] + 1
        legs = self.route[i]
        if leg_no < len(legs):
            self.leg_no[i] = leg_no
            self.position[i] = 1 + counter.index
            leg = legs[leg_no]
            walk = self.walk_to_ticket[1 + counter.index][leg.forms > 0] + leg.approach_m
            self.lead[i] = lead = walk / self.speed + leg.writing_min
            if self.hooks.before_ticket:
                self._set_off(i)
            else:
                Call(self.env, lead, self._due_cb, i)
        else:
            self._leave_hall(i)

    def _after(self, server: Server) -> None:
        """A server who is free (not serving, not away): lunch, home, next ticket, or idle.

        Lunch when due and fewer than ⌈staff/2⌉ colleagues are away; home when the shift is over
        (after closing only once the queue is empty) or the counter has shut; else lent to an
        extension waiting for a clerk (:class:`CounterStaff`); else the next ticket, else idle.
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
        elif counter.wanted and counter.staff is not None and counter.staff.lend(server):
            return  # lent to an extension that asked for a clerk
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
        waiting = self.waiting
        while heap:
            deadline, seq, i = heap[0]
            live = waiting[i] == seq  # still waiting with that ticket
            if live and deadline > now:
                break
            heapq.heappop(heap)
            if live:  # patience ran out: the resident leaves the hall
                counter.queue.remove(i)
                self._abandon(i, RENEGED)
        if heap:
            self._arm(counter, heap[0][0])

    def _abandon(self, i: int, reason: int) -> None:
        """A waiting resident gives up their ticket and leaves the hall."""
        self.waiting[i] = 0
        s = i * self.width + self.leg_no[i]
        self.tickets.outcome[s] = ABANDONED
        self.tickets.reason[s] = reason
        self._leave_hall(i)

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
            self._abandon(counter.queue.popleft(), CLOSED)
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
                self.recorder.staff.add(
                    server=server.index,
                    counter=counter.index,
                    kind=OVERTIME,
                    start=server.due_end,
                    end=now,
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
        self.recorder.staff.add(
            server=server.index,
            counter=counter.index,
            kind=LUNCH,
            start=now,
            end=now + counter.lunch_min,
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


def _no_callback(value: Any) -> None:
    """Stands in for the hall's callbacks once its day is over."""
