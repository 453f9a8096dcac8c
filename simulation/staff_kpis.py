"""Staff KPIs of one simulated replication: utilisation of the time on duty and overtime.

**Minutes on duty** per day are the scenario's schedule — each counter's shifts × staff minus
each server's lunch, the floor managers and the back office for the hall's opening hours —
plus the **overtime** the staff log records (a clerk serving past the end of the shift).
**Utilisation** = (serving + back-office + triage minutes) ÷ minutes on duty *including*
overtime, so a hall that serves into the evening shows the overtime as its own KPI instead of a
utilisation above 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from simulation.model import Scenario, Study

__all__ = ["WORK_ACTIVITIES", "DutySchedule", "duty_schedule", "staff_kpis"]

#: Staff-log activities that are work (lunch and overtime rows are not: overtime is time on
#: duty, and the work done in it is in the serve rows).
WORK_ACTIVITIES: tuple[str, ...] = ("serve", "back_office", "triage")


@dataclass(frozen=True)
class DutySchedule:
    """A scenario's scheduled minutes on duty per day, its number of staff members and the
    hall's closing time (minutes after midnight; back-office and triage work after it is
    overtime)."""

    minutes: float
    staff: int
    close_min: float = 24 * 60.0


def duty_schedule(study: Study, scenario: Scenario) -> DutySchedule:
    """Scheduled minutes on duty per day of ``scenario`` (without overtime) and its staff."""
    hall = float(study.arrivals.close_min - study.arrivals.open_min)
    minutes, staff = 0.0, 0
    for counter in scenario.counters:
        minutes += float(sum((s.end_min - s.start_min) * s.staff for s in counter.shifts))
        if counter.lunch is not None:
            minutes -= counter.lunch.minutes * counter.staff
        staff += counter.staff
    for group in (scenario.floor_manager, scenario.back_office):
        if group is not None:
            minutes += hall * group.staff
            staff += group.staff
    return DutySchedule(minutes=minutes, staff=staff, close_min=float(study.arrivals.close_min))


def staff_kpis(staff_log: pl.DataFrame, schedule: DutySchedule, days: int) -> dict[str, float]:
    """``utilisation``, ``overtime_min_per_day`` and ``overtime_min_per_staff_day`` of one
    replication's staff log (one scenario) over ``days`` simulated days.

    Overtime = the log's ``overtime`` rows (clerks serving past their shift) plus back-office
    and triage work after the hall's closing time (those staff have no shift of their own)."""
    sums = dict(staff_log.group_by("activity").agg(pl.col("minutes").sum()).iter_rows())
    work = float(sum(sums.get(a, 0.0) for a in WORK_ACTIVITIES))
    overtime = float(sums.get("overtime", 0.0)) + _after_close(staff_log, schedule.close_min)
    days = max(days, 1)
    on_duty = schedule.minutes * days + overtime
    nan = float("nan")
    return {
        "utilisation": work / on_duty if on_duty > 0 else nan,
        "overtime_min_per_day": overtime / days,
        "overtime_min_per_staff_day": overtime / (schedule.staff * days) if schedule.staff else nan,
    }


def _after_close(staff_log: pl.DataFrame, close_min: float) -> float:
    """Minutes of back-office and triage work done after closing time (0 without times)."""
    if not {"start", "end"} <= set(staff_log.columns):
        return 0.0
    rows = staff_log.filter(pl.col("activity").is_in(["back_office", "triage"]))
    if rows.height == 0:
        return 0.0
    close = pl.col("start").dt.truncate("1d") + pl.duration(minutes=close_min)
    past = (pl.col("end") - pl.max_horizontal(pl.col("start"), close)).dt.total_seconds() / 60.0
    return float(rows.select(past.clip(lower_bound=0.0).sum()).item())
