"""The people and places of one simulated day in the hall, as small classes around SimPy events.

* :class:`Visit` — one resident's trip: the tickets (legs) to take, their service minutes,
  patience and no-show draws. Between tickets the resident walks and writes (one timeout).
* :class:`Counter` — a counter (窓口) with a FIFO queue of tickets and :class:`Server` s (its
  staff) who follow their shifts and take lunch in turn, never interrupting a service.
* :class:`FloorManager` — triage at the entrance (one-stop flow), FIFO with ``staff`` servers.
* :class:`BackOffice` — back-office minutes of served tickets, FIFO with ``staff`` servers.

The counters need no SimPy ``Resource``: a ticket is served as soon as a server is free, so a
ticket costs two events (ticket issued after walking/writing, service ended). Reneging uses one
watchdog per counter armed at the earliest patience deadline, not one timeout per ticket.
Triage and back office do not depend on what happens at the counters later in the day, so they
are exact FIFO multi-server recursions computed outside the event loop.

Every outcome is appended to :attr:`Hall.tickets` as a flat tuple (Ciw style); the engine turns
the tuples into one DataFrame at the end.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from typing import Any

import simpy
from simpy.core import NORMAL

from simulation.routing import Leg

__all__ = [
    "ABANDONED",
    "NO_SHOW",
    "SERVED",
    "BackOffice",
    "Counter",
    "FloorManager",
    "Hall",
    "Server",
    "Ticket",
    "Visit",
    "multi_server_fifo",
]

SERVED, NO_SHOW, ABANDONED = 0, 1, 2
_INF = math.inf
_EPS = 1e-9


def multi_server_fifo(
    ready: Sequence[float], work: Sequence[float], servers: int
) -> list[tuple[int, float, float]]:
    """FIFO queue with ``servers`` identical servers, jobs in the given order: (server, start, end).

    Exact for a queue whose arrivals do not depend on it (triage at the entrance, back office).
    A job goes to the server free the earliest (lowest number on ties).
    """
    free = [(0.0, k) for k in range(max(servers, 1))]
    out: list[tuple[int, float, float]] = []
    for t, w in zip(ready, work, strict=True):
        at, k = heapq.heappop(free)
        start = t if t > at else at
        end = start + w
        heapq.heappush(free, (end, k))
        out.append((k, start, end))
    return out


class Wake:
    """A light SimPy event: a timeout with one callback, scheduled with ``Environment.schedule``.

    ``Environment.step`` processes it like a :class:`simpy.Timeout` (it reads ``callbacks`` and
    ``_ok``); it only skips the generality (and the cost) of a full ``Event``.
    """

    __slots__ = ("_ok", "_value", "callbacks")

    def __init__(self, value: object, callback: object) -> None:
        self._value = value
        self._ok = True
        self.callbacks = (callback,)


class FloorManager:
    """Floor managers (フロアマネージャー) who triage every arriving resident at the entrance."""

    def __init__(self, staff: int, triage_min: float) -> None:
        self.staff = max(int(staff), 1)
        self.triage_min = float(triage_min)

    def triage(self, arrivals: Sequence[float]) -> list[tuple[int, float, float]]:
        """(floor manager, start, end) of the triage of each arrival (arrivals in time order)."""
        return multi_server_fifo(arrivals, [self.triage_min] * len(arrivals), self.staff)


class BackOffice:
    """Back-office staff who process served tickets' back-office minutes, first come first served."""

    def __init__(self, staff: int) -> None:
        self.staff = max(int(staff), 1)

    def work(
        self, ready: Sequence[float], minutes: Sequence[float]
    ) -> list[tuple[int, float, float]]:
        """(staff, start, end) of each job; jobs must be sorted by ``ready`` time."""
        return multi_server_fifo(ready, minutes, self.staff)


class Visit:
    """One resident's trip to the hall: the legs (tickets) of the route and the resident's draws.

    ``service[k]`` are the service minutes of leg k; ``patience[k]`` a standard exponential
    (times the scenario's mean patience) and ``no_show[k]`` a uniform (compared with the
    scenario's no-show rate) for the ticket of leg k.
    """

    __slots__ = ("index", "leg_no", "legs", "no_show", "patience", "position", "service")

    def __init__(
        self,
        index: int,
        legs: tuple[Leg, ...],
        service: list[float],
        patience: Sequence[float],
        no_show: Sequence[float],
    ) -> None:
        self.index = index
        self.legs = legs
        self.service = service
        self.patience = patience
        self.no_show = no_show
        self.leg_no = 0
        #: where the resident stands: 0 = entrance, 1 + k = counter k
        self.position = 0


class Ticket:
    """A ticket held by a resident at a counter (waiting until a server calls it)."""

    __slots__ = ("counter", "issued", "seq", "visit", "waiting", "walking_m")

    def __init__(
        self, visit: Visit, counter: Counter, issued: float, seq: int, walking_m: float
    ) -> None:
        self.visit = visit
        self.counter = counter
        self.issued = issued
        self.seq = seq
        self.walking_m = walking_m
        self.waiting = True


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
        "ticket",
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
        self.ticket: Ticket | None = None


class Counter:
    """A counter: FIFO queue of tickets, its servers and the reneging watchdog.

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
        self.queue: deque[Ticket] = deque()
        self.idle: list[Server] = []
        self.servers: list[Server] = []
        self.deadlines: list[tuple[float, int, Ticket]] = []
        self.watch_at = _INF
        self.watch_token = 0
        self.n_on_duty = 0
        self.busy = 0
        self.lunch_min = 0.0
        self.away = 0
        self.away_limit = 1


class Hall:
    """One day of one scenario in the hall: the SimPy environment, counters, and the records.

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
    ) -> None:
        self.env = simpy.Environment()
        #: the environment's event queue and id counter: events are pushed exactly as
        #: ``Environment.schedule`` does, without its call overhead
        self._queue: list[Any] = self.env._queue
        self._eid: Any = self.env._eid
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
        #: (visit, leg code, counter, issued, called, ended, server, outcome, walking_m, seq)
        self.tickets: list[tuple[int, int, int, float, float, float, int, int, float, int]] = []
        #: (server, counter, start, end) of every lunch break taken
        self.lunches: list[tuple[int, int, float, float]] = []

    def _schedule(self, delay: float, value: object, callback: object) -> None:
        heapq.heappush(
            self._queue, (self.env._now + delay, NORMAL, next(self._eid), Wake(value, callback))
        )

    def run(self) -> None:
        """Process every scheduled event in time order, as ``Environment.run()`` would.

        Every event of the hall is a :class:`Wake` with one callback, so the loop skips the
        generality of ``Environment.step`` (same order, same clock, same results).
        """
        env = self.env
        queue = self._queue
        pop = heapq.heappop
        while queue:
            now, _, _, ev = pop(queue)
            env._now = now
            ev.callbacks[0](ev)

    # ------------------------------------------------------------------ residents
    def start_visits(self, visits: Sequence[Visit], at: Sequence[float]) -> None:
        """Each visit takes its first ticket at its minute in ``at``.

        ``at`` = arrival (or end of triage) + walk from the entrance + writing: one timeout.
        """
        queue, eid, due, now = self._queue, self._eid, self._ticket_due, self.env._now
        for visit, t in zip(visits, at, strict=True):
            if visit.legs:
                queue.append((t if t > now else now, NORMAL, next(eid), Wake(visit, due)))
        heapq.heapify(queue)

    def _ticket_due(self, ev: simpy.Event) -> None:
        """The resident has walked (and written): take a ticket at the shortest queue."""
        visit: Visit = ev._value
        leg = visit.legs[visit.leg_no]
        cands = leg.candidates
        counters = self.counters
        if len(cands) == 1:
            counter = counters[cands[0]]
        else:
            counter = counters[cands[0]]
            best = len(counter.queue) + counter.busy
            for k in cands[1:]:
                other = counters[k]
                present = len(other.queue) + other.busy
                if present < best:
                    best, counter = present, other
        now = self.env._now
        walking = (
            self.walk_to_ticket[visit.position][leg.forms > 0]
            + self.ticket_to_counter[counter.index]
        )
        self.seq += 1
        if len(counter.queue) >= self.balk_queue:  # balking: leaves the hall
            self.tickets.append(
                (
                    visit.index,
                    leg.code,
                    counter.index,
                    now,
                    _NAN,
                    _NAN,
                    -1,
                    ABANDONED,
                    walking,
                    self.seq,
                )
            )
            return
        ticket = Ticket(visit, counter, now, self.seq, walking)
        if not counter.n_on_duty and now >= self.close:
            self._recall(counter)
        if counter.idle:
            self._serve(counter.idle.pop(), ticket)
            return
        counter.queue.append(ticket)
        if self.reneging:
            deadline = now + self.patience_mean * float(visit.patience[visit.leg_no])
            heapq.heappush(counter.deadlines, (deadline, ticket.seq, ticket))
            if deadline < counter.watch_at:
                self._arm(counter, deadline)

    # ------------------------------------------------------------------ service
    def _serve(self, server: Server, ticket: Ticket | None) -> None:
        """``server`` calls ``ticket`` (and the next ones while residents are not there).

        A no-show is recorded with a zero-minute service; that resident carries on their route.
        """
        counter = server.counter
        queue = counter.queue
        now = self.env._now
        while ticket is not None:
            ticket.waiting = False
            visit = ticket.visit
            leg_no = visit.leg_no
            if visit.no_show[leg_no] < self.no_show_rate:
                self.tickets.append(
                    (
                        visit.index,
                        visit.legs[leg_no].code,
                        counter.index,
                        ticket.issued,
                        now,
                        now,
                        server.index,
                        NO_SHOW,
                        ticket.walking_m,
                        ticket.seq,
                    )
                )
                self._advance(visit, counter)
                ticket = queue.popleft() if queue else None
                continue
            server.busy = True
            counter.busy += 1
            server.ticket = ticket
            heapq.heappush(
                self._queue,
                (
                    now + visit.service[leg_no],
                    NORMAL,
                    next(self._eid),
                    Wake(server, self._service_end),
                ),
            )
            return
        server.busy = False
        self._after(server)

    def _service_end(self, ev: simpy.Event) -> None:
        server: Server = ev._value
        ticket = server.ticket
        assert ticket is not None
        counter = server.counter
        visit = ticket.visit
        now = self.env._now
        leg_no = visit.leg_no
        self.tickets.append(
            (
                visit.index,
                visit.legs[leg_no].code,
                counter.index,
                ticket.issued,
                now - visit.service[leg_no],
                now,
                server.index,
                SERVED,
                ticket.walking_m,
                ticket.seq,
            )
        )
        server.ticket = None
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
                    self.env._now + walk / self.speed + leg.writing_min,
                    NORMAL,
                    next(self._eid),
                    Wake(visit, self._ticket_due),
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
        elif server.off_due and not (self.env._now >= self.close and counter.queue):
            self._leave(server)
        elif counter.queue:
            self._serve(server, counter.queue.popleft())
        else:
            counter.idle.append(server)

    # ------------------------------------------------------------------ reneging
    def _arm(self, counter: Counter, at: float) -> None:
        counter.watch_at = at
        counter.watch_token += 1
        self._schedule(max(at - self.env._now, 0.0), (counter, counter.watch_token), self._watch)

    def _watch(self, ev: simpy.Event) -> None:
        counter, token = ev._value
        if token != counter.watch_token:
            return
        counter.watch_at = _INF
        now = self.env._now + _EPS
        heap = counter.deadlines
        while heap and (heap[0][0] <= now or not heap[0][2].waiting):
            _deadline, _, ticket = heapq.heappop(heap)
            if ticket.waiting:  # patience ran out: the resident leaves the hall
                ticket.waiting = False
                counter.queue.remove(ticket)
                visit = ticket.visit
                self.tickets.append(
                    (
                        visit.index,
                        visit.legs[visit.leg_no].code,
                        counter.index,
                        ticket.issued,
                        _NAN,
                        _NAN,
                        -1,
                        ABANDONED,
                        ticket.walking_m,
                        ticket.seq,
                    )
                )
        if heap:
            self._arm(counter, heap[0][0])

    # ------------------------------------------------------------------ shifts and lunch
    def shift(self, server: Server, start: float, end: float) -> None:
        """Put ``server`` on duty from ``start`` to ``end`` (minutes after midnight)."""
        self._schedule(max(start - self.env._now, 0.0), server, self._on_duty)
        self._schedule(max(end - self.env._now, 0.0), server, self._off_duty)

    def lunch(self, server: Server, at: float) -> None:
        """``server`` goes to lunch at ``at`` (or when the service in progress ends)."""
        self._schedule(max(at - self.env._now, 0.0), server, self._lunch_due)

    def closing(self) -> None:
        """At closing time, counters with tickets but nobody on duty call someone back."""
        self._schedule(max(self.close - self.env._now, 0.0), None, self._closing)

    def _closing(self, ev: simpy.Event) -> None:
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

    def _on_duty(self, ev: simpy.Event) -> None:
        server: Server = ev._value
        counter = server.counter
        server.off_due = False
        if server.on_duty:
            return
        server.on_duty = True
        counter.n_on_duty += 1
        if not server.busy and not server.away:
            self._after(server)

    def _off_duty(self, ev: simpy.Event) -> None:
        server: Server = ev._value
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

    def _lunch_due(self, ev: simpy.Event) -> None:
        server: Server = ev._value
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
        now = self.env._now
        self.lunches.append((server.index, counter.index, now, now + counter.lunch_min))
        self._schedule(counter.lunch_min, server, self._lunch_end)

    def _lunch_end(self, ev: simpy.Event) -> None:
        server: Server = ev._value
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
