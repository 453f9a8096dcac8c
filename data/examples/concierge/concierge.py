"""コンシェルジュ — a concierge who walks elderly residents from the entrance to their first counter.

An extension of the Madoguchi simulator (simulation/extensions.py). When a resident of the
chosen persona sets off towards their first ticket, they wait at the entrance for a free
concierge (first come, first served); the concierge greets them (``handover_min``), walks them to
their first counter and walks back, and is busy all that time (staff-log rows ``concierge``).
The resident's wait for a concierge is part of their time in the hall; it is also written to
the visit column ``concierge_wait_min``.

Params (study file, ``[[scenarios.extensions]] params = {...}``):
  staff         concierges on duty all day (default 1)
  persona       persona id of the residents escorted (default "elderly")
  share         share of those residents who accept the escort (default 1.0)
  handover_min  minutes of greeting at the entrance (default 1.0)
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simpy.events import Event

from simulation.entities import Visit
from simulation.extensions import Day, Extension, ExtensionStaff, Hold


class Concierge(Extension):
    """Escort residents of one persona to their first counter."""

    activity = "concierge"

    def __init__(
        self,
        staff: int = 1,
        persona: str = "elderly",
        share: float = 1.0,
        handover_min: float = 1.0,
    ) -> None:
        super().__init__(staff=staff, persona=persona, share=share, handover_min=handover_min)
        self.n_staff = int(staff)
        self.persona = persona
        self.share = float(share)
        self.handover_min = float(handover_min)
        self.staff: ExtensionStaff | None = None

    def start_day(self, day: Day) -> None:
        """The day's concierges (ids CON-1, CON-2, …)."""
        super().start_day(day)
        self.staff = day.staff(self.n_staff, "CON")

    def before_ticket(self, resident: Visit) -> Hold:
        """Only the first ticket of a first visit, only residents of the persona who accept."""
        if resident.leg_no != 0 or resident.is_return or resident.persona != self.persona:
            return None
        assert self.day is not None
        if self.share < 1.0 and self.day.rng.random() >= self.share:
            return None
        return self._escort(resident)

    def _escort(self, resident: Visit) -> Generator[Event, Any, None]:
        day, staff = self.day, self.staff
        assert day is not None and staff is not None
        env = day.env
        asked = env.now
        member = yield staff.get()  # wait for a free concierge
        started = env.now
        day.set_column(resident, "concierge_wait_min", started - asked)
        yield env.timeout(self.handover_min)
        walk = day.metres("ENT", day.counter_of(resident).id) / day.speed
        # the resident now walks (their own walk follows); the concierge goes with them and back
        staff.release(member, started, until=env.now + 2.0 * walk)
