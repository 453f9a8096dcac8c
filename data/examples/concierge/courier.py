"""Courier — papers of the one-stop counter reach the back office in batches every 30 minutes.

An extension of the Madoguchi simulator (simulation/extensions.py). Instead of reaching the
back office as soon as a service ends, the papers of a ticket served at a counter of the chosen
kind wait for the courier's next round (every ``every_min`` minutes from midnight: 9:00, 9:30,
…). The courier's rounds take ``round_min`` minutes each and are recorded in the staff log as
``courier`` rows, from the hall's opening until the last round after closing and overtime.

Params: every_min (default 30), counter_kind ("one_stop" or "department", default "one_stop"),
round_min (default 5).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from simpy.events import Event

from simulation.entities import Counter, Visit
from simulation.extensions import Day, Extension, Hold


class Courier(Extension):
    """Batch the back-office papers of one kind of counter."""

    activity = "courier"

    def __init__(
        self, every_min: float = 30.0, counter_kind: str = "one_stop", round_min: float = 5.0
    ) -> None:
        super().__init__(every_min=every_min, counter_kind=counter_kind, round_min=round_min)
        self.every = float(every_min)
        self.kind = counter_kind
        self.round_min = float(round_min)

    def start_day(self, day: Day) -> None:
        """Start the courier's rounds for the day (one SimPy process)."""
        super().start_day(day)
        day.env.process(self._rounds(day))

    def _next_round(self, now: float) -> float:
        return math.ceil(now / self.every - 1e-9) * self.every

    def _rounds(self, day: Day) -> Generator[Event, Any, None]:
        env = day.env
        staff = day.staff(1, "COU")
        opening = float(day.opens_min)
        last = float(day.closes_min) + float(day.scenario.overtime_max_min)
        yield env.timeout(max(self._next_round(opening) - env.now, 0.0))
        while env.now <= last:
            member = yield staff.get()
            staff.release(member, env.now, until=env.now + self.round_min)
            yield env.timeout(self.every)

    def into_back_office(self, resident: Visit, counter: Counter) -> Hold:
        """Papers of a counter of the chosen kind wait for the next round."""
        if counter.kind != self.kind:
            return None
        return self._wait_for_round()

    def _wait_for_round(self) -> Generator[Event, Any, None]:
        assert self.day is not None
        env = self.day.env
        yield env.timeout(self._next_round(env.now) - env.now)
