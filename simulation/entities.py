"""The people and places of one simulated day in the hall: small classes around SimPy-style events.

* :class:`Visit` — one resident's trip: the tickets (legs) to take, their service minutes,
  patience and no-show draws, and the ticket currently held. Between tickets the resident walks
  and writes (one timeout).
* :class:`Counter` — a counter (窓口) with a FIFO queue of residents holding its tickets and
  :class:`Server` s (its staff) who follow their shifts and take lunch in turn, never
  interrupting a service.
* :class:`Hall` — the day's event list: SimPy's order (time, then scheduling order) in a loop of
  its own, each event one callback, with no per-event object.
* :class:`FloorManager` — triage at the entrance (one-stop flow), FIFO with ``staff`` servers.
* :class:`BackOffice` — back-office minutes of served tickets, FIFO with ``staff`` servers.

The counters need no SimPy ``Resource``: a ticket is served as soon as a server is free, so a
ticket costs two events (ticket issued after walking/writing, service ended). Reneging uses one
watchdog per counter armed at the earliest patience deadline, not one timeout per ticket.
Triage and back office do not depend on what happens at the counters later in the day, so they
are exact FIFO multi-server recursions computed outside the event loop.

Every outcome is appended to :attr:`Hall.tickets` as one flat packed record (Ciw style); the
engine reads a day's records as numpy columns in one call and builds one DataFrame at the end.
"""

from __future__ import annotations

import heapq
import itertools
import math
import struct
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from simulation.routing import Leg

__all__ = [
    "ABANDONED",
    "NO_SHOW",
    "SERVED",
    "TICKET_DTYPE",
    "TICKET_RECORD",
    "BackOffice",
    "Counter",
    "FloorManager",
    "Hall",
    "Server",
    "Visit",
    "multi_server_fifo",
]

SERVED, NO_SHOW, ABANDONED = 0, 1, 2

#: What is recorded of each ticket, packed as it happens (a few bytes, no tuple to convert):
#: visit, leg code, counter, issued, called, ended, server (−1: none), outcome, walking_m, seq.
TICKET_RECORD = struct.Struct("<qqqdddqqdq")
#: The numpy view of a run of packed :data:`TICKET_RECORD` s.
TICKET_DTYPE = np.dtype(
    [
        ("visit", "<i8"),
        ("code", "<i8"),
        ("counter", "<i8"),
        ("issued", "<f8"),
        ("called", "<f8"),
        ("ended", "<f8"),
        ("server", "<i8"),
        ("outcome", "<i8"),
        ("walking_m", "<f8"),
        ("seq", "<i8"),
    ]
)
_pack = TICKET_RECORD.pack
_INF = math.inf
_EPS = 1e-9


def multi_server_fifo(
    ready: Sequence[float], work: Sequence[float], servers: int
) -> tuple[list[int], list[float], list[float]]:
    """FIFO queue with ``servers`` identical servers, jobs in the given order: server, start, end.

    Exact for a queue whose arrivals do not depend on it (triage at the entrance, back office).
    A job goes to the server free the earliest (lowest number on ties). Returns three columns
    (server of each job, its start and its end).
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


class FloorManager:
    """Floor managers (フロアマネージャー) who triage every arriving resident at the entrance."""

    def __init__(self, staff: int, triage_min: float) -> None:
        self.staff = max(int(staff), 1)
        self.triage_min = float(triage_min)

    def triage(self, arrivals: Sequence[float]) -> tuple[list[int], list[float], list[float]]:
        """Floor manager, start and end of the triage of each arrival (arrivals in time order)."""
        return multi_server_fifo(arrivals, [self.triage_min] * len(arrivals), self.staff)


class BackOffice:
    """Back-office staff who process served tickets' back-office minutes, first come first served."""

    def __init__(self, staff: int) -> None:
        self.staff = max(int(staff), 1)

    def work(
        self, ready: Sequence[float], minutes: Sequence[float]
    ) -> tuple[list[int], list[float], list[float]]:
        """Member of staff, start and end of each job; jobs must be sorted by ``ready`` time."""
        return multi_server_fifo(ready, minutes, self.staff)


class Visit:
    """One resident's trip to the hall: the legs (tickets) of the route and the resident's draws.

    ``service[k]`` are the service minutes of leg k; ``patience[draws + k]`` a standard
    exponential (times the scenario's mean patience) and ``no_show[draws + k]`` a uniform
    (compared with the scenario's no-show rate) for the ticket of leg k (the draws of a whole
    day's residents can share one list, each resident starting at its own ``draws``).

    A resident holds one ticket at a time: the ticket of the current leg (``leg_no``), its
    number ``seq``, when it was ``issued``, the metres walked to take it, and whether the
    resident is still ``waiting`` to be called. Counter queues hold the residents themselves.
    """

    __slots__ = (
        "draws",
        "index",
        "issued",
        "leg_no",
        "legs",
        "no_show",
        "patience",
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
    ) -> None:
        self.index = index
        self.legs = legs
        self.service = service
        self.patience = patience
        self.no_show = no_show
        self.draws = draws
        self.leg_no = 0
        #: where the resident stands: 0 = entrance, 1 + k = counter k
        self.position = 0
        self.issued = 0.0
        self.seq = 0
        self.walking_m = 0.0
        self.waiting = False


class Server:
    """One member of a counter's staff: on duty during shifts, away at lunch, serving or idle."""

    __slots__ = (
        "away",
        "busy",
        "counter",
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
        #: the resident being served
        self.visit: Visit | None = None


class Counter:
    """A counter: FIFO queue of residents holding its tickets, its servers and the reneging watchdog.

    Residents choose among candidate counters the one with the fewest residents present
    (waiting + being served; ties: the first listed).
    """

    __slots__ = (
        "away",
        "away_limit",
        "busy",
        "deadlines",
        "id",
        "idle",
        "index",
        "lunch_min",
        "n_on_duty",
        "queue",
        "servers",
        "watch_at",
        "watch_token",
    )

    def __init__(self, index: int, counter_id: str) -> None:
        self.index = index
        self.id = counter_id
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


class Hall:
    """One day of one scenario in the hall: the event list, counters, and the records.

    ``walk_to_ticket[pos][has_forms]`` are metres from position ``pos`` (0 = entrance, 1 + k =
    counter k) via the nearest desk (when writing) to the ticket machine;
    ``ticket_to_counter[k]`` metres from the ticket machine to counter k.

    The event list works as SimPy's ``Environment``: events run in (time, scheduling order),
    each entry of the heap is ``(time, id, callback, value)``. The residents' first tickets are
    known before the day starts, so they wait in one sorted list merged with the heap rather
    than in the heap itself (same order, a smaller heap).
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
    ) -> None:
        #: the clock: minutes after midnight of the event being processed
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._ids = itertools.count()
        self._arrivals: list[tuple[float, int, Callable[[Any], None], Any]] = []
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
        #: one packed :data:`TICKET_RECORD` per ticket (decode with :data:`TICKET_DTYPE`)
        self.tickets: list[bytes] = []
        #: (server, counter, start, end) of every lunch break taken
        self.lunches: list[tuple[int, int, float, float]] = []
        # bound once: the event callbacks of the hot path
        self._due_cb: Callable[[Any], None] = self._ticket_due
        self._end_cb: Callable[[Any], None] = self._service_end

    def _schedule(self, delay: float, callback: Callable[[Any], None], value: object) -> None:
        heapq.heappush(self._queue, (self.now + delay, next(self._ids), callback, value))

    def run(self) -> None:
        """Process every event in time order (ties: in the order they were scheduled).

        Events known before the day starts (shifts, lunches, closing time, the residents' first
        tickets) are sorted once into a list; the heap only holds what the day schedules as it
        goes (services ending, residents walking, reneging watchdogs). The loop takes the
        earlier of the two heads, exactly the order of one SimPy event queue.
        """
        queue = self._queue
        known = sorted(queue)
        queue.clear()
        known.extend(self._arrivals)
        known.sort()
        self._arrivals = []
        n = len(known)
        i = 0
        pop = heapq.heappop
        while True:
            if queue and (i == n or queue[0] < known[i]):
                self.now, _, callback, value = pop(queue)
            elif i < n:
                self.now, _, callback, value = known[i]
                i += 1
            else:
                break
            callback(value)

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
        self._queue.clear()
        self._arrivals.clear()
        self._due_cb = self._end_cb = _no_callback

    # ------------------------------------------------------------------ residents
    def start_visits(self, visits: Sequence[Visit], at: Sequence[float]) -> None:
        """Each visit takes its first ticket at its minute in ``at``.

        ``at`` = arrival (or end of triage) + walk from the entrance + writing: one timeout.
        """
        ids, now, due = self._ids, self.now, self._due_cb
        self._arrivals.extend(
            [
                (t if t > now else now, next(ids), due, v)
                for v, t in zip(visits, at, strict=True)
                if v.legs
            ]
        )

    def _ticket_due(self, visit: Visit) -> None:
        """The resident has walked (and written): take a ticket at the shortest queue."""
        leg = visit.legs[visit.leg_no]
        cands = leg.candidates
        counters = self.counters
        counter = counters[cands[0]]
        if len(cands) > 1:
            best = len(counter.queue) + counter.busy
            for k in cands[1:]:
                other = counters[k]
                present = len(other.queue) + other.busy
                if present < best:
                    best, counter = present, other
        now = self.now
        walking = (
            self.walk_to_ticket[visit.position][leg.forms > 0]
            + self.ticket_to_counter[counter.index]
        )
        self.seq = seq = self.seq + 1
        queue = counter.queue
        if len(queue) >= self.balk_queue:  # balking: leaves the hall
            self.tickets.append(
                _pack(
                    visit.index,
                    leg.code,
                    counter.index,
                    now,
                    _NAN,
                    _NAN,
                    -1,
                    ABANDONED,
                    walking,
                    seq,
                )
            )
            return
        visit.issued = now
        visit.seq = seq
        visit.walking_m = walking
        visit.waiting = True
        if not counter.n_on_duty and now >= self.close:
            self._recall(counter)
        if counter.idle:
            self._serve(counter.idle.pop(), visit)
            return
        queue.append(visit)
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
        now = self.now
        while visit is not None:
            visit.waiting = False
            leg_no = visit.leg_no
            if visit.no_show[visit.draws + leg_no] < self.no_show_rate:
                self.tickets.append(
                    _pack(
                        visit.index,
                        visit.legs[leg_no].code,
                        counter.index,
                        visit.issued,
                        now,
                        now,
                        server.index,
                        NO_SHOW,
                        visit.walking_m,
                        visit.seq,
                    )
                )
                self._advance(visit, counter)
                visit = queue.popleft() if queue else None
                continue
            server.busy = True
            counter.busy += 1
            server.visit = visit
            heapq.heappush(
                self._queue,
                (now + visit.service[leg_no], next(self._ids), self._end_cb, server),
            )
            return
        server.busy = False
        self._after(server)

    def _service_end(self, server: Server) -> None:
        visit = server.visit
        assert visit is not None
        counter = server.counter
        now = self.now
        leg_no = visit.leg_no
        self.tickets.append(
            _pack(
                visit.index,
                visit.legs[leg_no].code,
                counter.index,
                visit.issued,
                now - visit.service[leg_no],
                now,
                server.index,
                SERVED,
                visit.walking_m,
                visit.seq,
            )
        )
        server.visit = None
        server.busy = False
        counter.busy -= 1
        if leg_no + 1 < len(visit.legs):
            self._advance(visit, counter)
        if server.lunch_due or server.off_due:
            self._after(server)
        elif counter.queue:
            self._serve(server, counter.queue.popleft())
        else:
            counter.idle.append(server)

    def _advance(self, visit: Visit, counter: Counter) -> None:
        """The resident leaves ``counter`` and walks (and writes) towards the next ticket."""
        leg_no = visit.leg_no + 1
        if leg_no < len(visit.legs):
            visit.leg_no = leg_no
            visit.position = 1 + counter.index
            leg = visit.legs[leg_no]
            walk = self.walk_to_ticket[1 + counter.index][leg.forms > 0] + leg.approach_m
            heapq.heappush(
                self._queue,
                (
                    self.now + walk / self.speed + leg.writing_min,
                    next(self._ids),
                    self._due_cb,
                    visit,
                ),
            )

    def _after(self, server: Server) -> None:
        """A server who is free (not serving, not away): lunch, home, next ticket, or idle.

        Lunch when due and fewer than ⌈staff/2⌉ colleagues are away; home when the shift is over
        (after closing only once the queue is empty); else the next ticket, else idle.
        """
        counter = server.counter
        if server in counter.idle:
            counter.idle.remove(server)
        if server.lunch_due and not server.off_due and counter.away < counter.away_limit:
            self._go_lunch(server)
        elif server.off_due and not (self.now >= self.close and counter.queue):
            self._leave(server)
        elif counter.queue:
            self._serve(server, counter.queue.popleft())
        else:
            counter.idle.append(server)

    # ------------------------------------------------------------------ reneging
    def _arm(self, counter: Counter, at: float) -> None:
        counter.watch_at = at
        counter.watch_token += 1
        self._schedule(max(at - self.now, 0.0), self._watch, (counter, counter.watch_token))

    def _watch(self, armed: tuple[Counter, int]) -> None:
        counter, token = armed
        if token != counter.watch_token:
            return
        counter.watch_at = _INF
        now = self.now + _EPS
        heap = counter.deadlines
        while heap:
            deadline, seq, visit = heap[0]
            live = visit.waiting and visit.seq == seq  # still waiting with that ticket
            if live and deadline > now:
                break
            heapq.heappop(heap)
            if live:  # patience ran out: the resident leaves the hall
                visit.waiting = False
                counter.queue.remove(visit)
                self.tickets.append(
                    _pack(
                        visit.index,
                        visit.legs[visit.leg_no].code,
                        counter.index,
                        visit.issued,
                        _NAN,
                        _NAN,
                        -1,
                        ABANDONED,
                        visit.walking_m,
                        visit.seq,
                    )
                )
        if heap:
            self._arm(counter, heap[0][0])

    # ------------------------------------------------------------------ shifts and lunch
    def shift(self, server: Server, start: float, end: float) -> None:
        """Put ``server`` on duty from ``start`` to ``end`` (minutes after midnight)."""
        self._schedule(max(start - self.now, 0.0), self._on_duty, server)
        self._schedule(max(end - self.now, 0.0), self._off_duty, server)

    def lunch(self, server: Server, at: float) -> None:
        """``server`` goes to lunch at ``at`` (or when the service in progress ends)."""
        self._schedule(max(at - self.now, 0.0), self._lunch_due, server)

    def closing(self) -> None:
        """At closing time, counters with tickets but nobody on duty call someone back."""
        self._schedule(max(self.close - self.now, 0.0), self._closing, None)

    def _closing(self, _: None) -> None:
        for counter in self.counters:
            if counter.queue and not counter.n_on_duty:
                self._recall(counter)

    def _recall(self, counter: Counter) -> None:
        """Overtime: the first server of an unstaffed counter comes back to serve who is left."""
        if not counter.servers:
            return
        server = counter.servers[0]
        if server.on_duty:
            return
        server.on_duty = True
        server.off_due = True
        counter.n_on_duty += 1
        if not server.away and not server.busy:
            self._after(server)

    def _on_duty(self, server: Server) -> None:
        counter = server.counter
        server.off_due = False
        if server.on_duty:
            return
        server.on_duty = True
        counter.n_on_duty += 1
        if not server.busy and not server.away:
            self._after(server)

    def _off_duty(self, server: Server) -> None:
        if not server.on_duty:
            return
        server.off_due = True  # finishes the service in progress (after closing, the queue too)
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
        server.off_due = False

    def _lunch_due(self, server: Server) -> None:
        if not server.on_duty or server.off_due:
            return
        server.lunch_due = True
        if not server.busy and not server.away:
            self._after(server)

    def _go_lunch(self, server: Server) -> None:
        counter = server.counter
        server.lunch_due = False
        server.away = True
        counter.away += 1
        now = self.now
        self.lunches.append((server.index, counter.index, now, now + counter.lunch_min))
        self._schedule(counter.lunch_min, self._lunch_end, server)

    def _lunch_end(self, server: Server) -> None:
        server.away = False
        counter = server.counter
        counter.away -= 1
        for other in counter.servers:  # an idle colleague waiting for a lunch slot goes now
            if other.lunch_due and other in counter.idle:
                self._after(other)
                break
        if server.on_duty:
            self._after(server)


_NAN = math.nan


def _no_callback(value: Any) -> None:
    """Stands in for the hall's callbacks once its day is over."""
