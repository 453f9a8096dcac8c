"""The residents who come to the sample city's hall on one day, and when they come back.

Arrivals follow docs/study-format.md: a non-homogeneous Poisson process, piecewise constant by
hour — a Poisson count per hour of the profile with
``rate = residents_per_day × weekday × month × peaks × hour_profile[hour]`` (a peak restricted
to some life events multiplies only their share), times uniform inside the hour, arrivals
before ``open`` moved to ``open``, none at or after ``close``. Each resident brings a life event
(drawn in proportion to its rate that day) and a bundle: every procedure of the event included
with its probability, independently (at least one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from journeys.samplecity.study_file import Arrivals, SampleStudy

__all__ = ["Arrival", "draw_arrivals", "return_minute", "working_day_after"]


@dataclass(frozen=True)
class Arrival:
    """One resident arriving at the entrance: minute of the day, life event and bundle."""

    minute: float
    life_event: str
    bundle: tuple[str, ...]


def draw_arrivals(study: SampleStudy, day: dt.date, rng: np.random.Generator) -> list[Arrival]:
    """Draw the new visits of ``day`` (sorted by arrival minute)."""
    arr = study.arrivals
    rates = np.array([arr.event_rate(day, ev) for ev in study.life_events], dtype=float)
    total = float(rates.sum())
    if total <= 0.0:
        return []
    profile = np.asarray(arr.hour_profile, dtype=float)
    counts = rng.poisson(total * profile)
    starts = (arr.first_hour + np.arange(profile.size)) * 60.0
    times = np.repeat(starts, counts) + 60.0 * rng.random(int(counts.sum()))
    times = np.maximum(times, arr.open_min)
    times = np.sort(times[times < arr.close_min], kind="stable")
    cum = np.cumsum(rates / total)
    picks = np.minimum(np.searchsorted(cum, rng.random(times.size), side="right"), rates.size - 1)
    out: list[Arrival] = []
    for minute, k in zip(times.tolist(), picks.tolist(), strict=True):
        event = study.life_events[k]
        probs = np.array([p for _, p in event.procedures], dtype=float)
        take = rng.random(probs.size) < probs
        if not take.any():
            take[int(np.argmax(probs))] = True
        bundle = tuple(
            pid for (pid, _), t in zip(event.procedures, take.tolist(), strict=True) if t
        )
        out.append(Arrival(minute=float(minute), life_event=event.id, bundle=bundle))
    return out


def return_minute(arr: Arrivals, rng: np.random.Generator) -> float:
    """Arrival minute of a return visit: an hour drawn by the hour profile, uniform inside it."""
    profile = np.asarray(arr.hour_profile, dtype=float)
    hour = int(rng.choice(profile.size, p=profile / profile.sum()))
    start = max((arr.first_hour + hour) * 60.0, arr.open_min)
    end = min((arr.first_hour + hour + 1) * 60.0, arr.close_min)
    if end <= start:  # an hour outside opening hours: anywhere in the day
        start, end = arr.open_min, arr.close_min
    return float(start + (end - start) * rng.random())


def working_day_after(arr: Arrivals, day: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``day`` (weekends and holidays skipped)."""
    current = day
    found = 0
    while found < count:
        current += dt.timedelta(days=1)
        if arr.is_working_day(current):
            found += 1
    return current
