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
from functools import cached_property

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


class DayStreams:
    """The random streams of one day of one replication, one numpy ``Generator`` per purpose.

    Child ``k`` of ``SeedSequence(seed, spawn_key=(replication, day))`` feeds the ``k``-th
    purpose of :data:`PURPOSES`, exactly as ``root.spawn(len(PURPOSES))[k]`` would; each
    generator is made the first time it is used, so a purpose nobody draws from costs
    nothing and changes nothing in the others.
    """

    def __init__(self, root: np.random.SeedSequence) -> None:
        self._root = root

    def _child(self, k: int) -> np.random.Generator:
        root = self._root
        child = np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, k), pool_size=root.pool_size
        )
        return np.random.Generator(np.random.PCG64(child))

    @cached_property
    def arrivals(self) -> np.random.Generator:
        """Arrival times."""
        return self._child(0)

    @cached_property
    def life_events(self) -> np.random.Generator:
        """Life events of the residents."""
        return self._child(1)

    @cached_property
    def bundles(self) -> np.random.Generator:
        """Which procedures of their life event each resident needs."""
        return self._child(2)

    @cached_property
    def service(self) -> np.random.Generator:
        """Service-time uniforms."""
        return self._child(3)

    @cached_property
    def patience(self) -> np.random.Generator:
        """Patience (reneging)."""
        return self._child(4)

    @cached_property
    def no_show(self) -> np.random.Generator:
        """No-shows."""
        return self._child(5)

    @cached_property
    def omission(self) -> np.random.Generator:
        """Omissions and the return visits they cause."""
        return self._child(6)

    @cached_property
    def persona(self) -> np.random.Generator:
        """Personas of the residents."""
        return self._child(7)


def day_streams(seed: int, replication: int, day: dt.date) -> DayStreams:
    """Independent streams for the residents of ``day`` in ``replication`` of a run seeded ``seed``.

    Built from ``SeedSequence(seed, spawn_key=(replication, day.toordinal()))`` spawned once per
    purpose, so the streams of two days or two replications never overlap.
    """
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative integers")
    return DayStreams(
        np.random.SeedSequence(int(seed), spawn_key=(int(replication), day.toordinal()))
    )


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
