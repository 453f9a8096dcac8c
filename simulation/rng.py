"""Random streams of the simulator: one dedicated numpy stream per purpose, per day and replication.

Common random numbers (CRN): the residents who come to the hall on a day of a replication are
drawn from streams that depend only on ``(seed, replication, day)`` and on the *purpose* of the
draw (arrival times, life events, bundles, service times, patience, no-shows, omissions) — never
on the scenario, nor on how many days or workers a run uses. Every scenario therefore meets the
same residents, and a replication is a pure function of ``(study, seed, replication)``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

__all__ = ["PURPOSES", "DayStreams", "day_streams", "named_stream"]

#: What each stream is used for, in spawn order (never reorder: it would change every result).
PURPOSES: tuple[str, ...] = (
    "arrivals",
    "life_events",
    "bundles",
    "service",
    "patience",
    "no_show",
    "omission",
    "persona",
)


@dataclass(frozen=True)
class DayStreams:
    """The random streams of one day of one replication, one numpy ``Generator`` per purpose."""

    arrivals: np.random.Generator
    life_events: np.random.Generator
    bundles: np.random.Generator
    service: np.random.Generator
    patience: np.random.Generator
    no_show: np.random.Generator
    omission: np.random.Generator
    persona: np.random.Generator


def day_streams(seed: int, replication: int, day: dt.date) -> DayStreams:
    """Independent streams for the residents of ``day`` in ``replication`` of a run seeded ``seed``.

    Built from ``SeedSequence(seed, spawn_key=(replication, day.toordinal()))`` spawned once per
    purpose, so the streams of two days or two replications never overlap.
    """
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative integers")
    root = np.random.SeedSequence(int(seed), spawn_key=(int(replication), day.toordinal()))
    children = root.spawn(len(PURPOSES))
    gens = {
        name: np.random.Generator(np.random.PCG64(ss))
        for name, ss in zip(PURPOSES, children, strict=True)
    }
    return DayStreams(**gens)


def named_stream(seed: int, replication: int, day: dt.date, name: str) -> np.random.Generator:
    """The stream called ``name`` (an extension's) of ``day`` in ``replication``.

    Keyed by ``(replication, day, crc32(name))`` under ``seed``: a pure function of those, the
    same in every scenario that uses the name (common random numbers), independent of the
    residents' streams (those have a shorter spawn key).
    """
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative integers")
    key = (int(replication), day.toordinal(), 1 << 32, zlib.crc32(name.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))
