"""Eight observed weeks of one scenario of the sample city: day after day, with return visits.

The as-is log covers 2025-02-24 (Mon) … 2025-04-18 (Fri) and the reform log 2026-02-23 …
2026-04-17 (interfaces.md): weekdays only, minus the national holidays the study lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from journeys.samplecity.population import draw_arrivals
from journeys.samplecity.process import PlannedReturn, TicketRecord, VisitIn, play_day
from journeys.samplecity.study_file import SampleStudy

__all__ = ["PERIOD_START", "DayLog", "play_period", "working_days"]

#: First day (a Monday) of each scenario's observed period.
PERIOD_START: dict[str, dt.date] = {
    "as_is": dt.date(2025, 2, 24),
    "reform": dt.date(2026, 2, 23),
}


@dataclass(frozen=True)
class DayLog:
    """The tickets of one day of one scenario, and how many visits arrived."""

    day: dt.date
    visits: int
    tickets: list[TicketRecord]


def working_days(study: SampleStudy, start: dt.date, weeks: int) -> list[dt.date]:
    """The working days of ``weeks`` weeks from ``start`` (weekdays minus the study's holidays)."""
    days = [start + dt.timedelta(days=k) for k in range(7 * weeks)]
    return [d for d in days if study.arrivals.is_working_day(d)]


def play_period(
    study: SampleStudy,
    scenario_id: str,
    days: list[dt.date],
    rng: np.random.Generator,
    *,
    first_resident: int = 1,
) -> list[DayLog]:
    """Play ``days`` of one scenario in order; omissions come back on later days of the period."""
    scenario = study.scenario(scenario_id)
    pending: dict[dt.date, list[PlannedReturn]] = {}
    resident = first_resident
    out: list[DayLog] = []
    for day in days:
        entries: list[tuple[float, int, str, tuple[str, ...], bool]] = []
        for arrival in draw_arrivals(study, day, rng):
            entries.append((arrival.minute, resident, arrival.life_event, arrival.bundle, False))
            resident += 1
        for back in pending.pop(day, []):
            entries.append((back.minute, back.resident, back.life_event, (back.procedure,), True))
        entries.sort(key=lambda e: (e[0], e[4], e[1]))
        visits = [
            VisitIn(
                visit_id=f"V{day:%Y%m%d}-{k + 1:04d}",
                resident=res,
                minute=minute,
                life_event=event,
                bundle=bundle,
                is_return=is_return,
            )
            for k, (minute, res, event, bundle, is_return) in enumerate(entries)
        ]
        tickets, returns = play_day(study, scenario, day, visits, rng)
        for back in returns:
            pending.setdefault(back.day, []).append(back)
        out.append(DayLog(day=day, visits=len(visits), tickets=tickets))
    return out
