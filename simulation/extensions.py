"""Extensions: a reform team's own processes in the simulated hall (コンシェルジュ, courier, …).

A scenario lists them in the study file::

    [[scenarios.extensions]]
    use = "concierge.py:Concierge"   # a file next to the study, or "package.module:Name"
    params = { staff = 1, persona = "elderly" }

An extension is a subclass of :class:`Extension`. The engine makes one instance per scenario
and replication (``params`` are its keyword arguments), calls :meth:`Extension.start_day` at
the start of every simulated day with a :class:`Day` (the day's ``simpy.Environment``, the
hall, the extension's own random stream, its staff and the recorder), and then calls the hooks
it overrides at these points of each resident's visit:

==========================  ============================================================
``on_arrival(resident)``    the resident has entered the hall (before triage)
``before_ticket(resident)`` the resident sets off towards their next ticket (before
                            walking and writing; ``resident.leg_no`` is that ticket)
``after_service(resident,   a service has ended at ``counter`` (before the resident moves
counter)``                  on)
``on_leaving(resident)``    the resident is leaving the hall (served, or gave up)
``into_back_office(         the papers of a served ticket are about to reach the back
resident, counter)``        office (delaying here delays the back-office job)
==========================  ============================================================

A hook returns None to let the resident (or the papers) go on at once, or is written as a
SimPy process body with ``yield`` (``yield self.day.env.timeout(3)``, ``member = yield
staff.get()``): the resident is held until it ends, and that time is part of their time in the
hall. Hooks an extension does not override are never called: they cost nothing per resident.

An extension's staff (:meth:`Day.staff`) appear in the staff log under the extension's own
``activity`` name, and so does the time a counter's clerk is lent to it: each counter's clerks
are a ``simpy.Resource`` (``counter.staff``, :class:`simulation.entities.CounterStaff`) and
``clerk = yield day.borrow(counter)`` takes one as soon as one is free, before they call the
next ticket, until ``counter.staff.release(request)`` gives them back.
:meth:`Day.set_column` adds a column to the visit records. Draws must come from ``day.rng`` (a pure function of seed, replication, day and the extension's name), so
results stay identical for any number of workers.

Extensions run code: studies uploaded to the dashboard may not have any
(:func:`refuse_extensions`); run them from the command line or a notebook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.events import Event

from journeys.errors import InputError
from simulation.entities import LENT, Borrow, Call, Counter, Hall, Visit

if TYPE_CHECKING:
    from simulation.messages import Text
    from simulation.model import Scenario, Study

__all__ = [
    "HOOKS",
    "Day",
    "Extension",
    "ExtensionStaff",
    "Hold",
    "LoadedExtension",
    "extension_digest",
    "load_extensions",
    "refuse_extensions",
]

#: What a hook returns: None (go on at once) or a SimPy process body that holds the resident.
Hold = Generator[Event, Any, Any] | None

#: The hook names an extension can override, and the point of the visit they hook into.
HOOKS: dict[str, str] = {
    "on_arrival": "on_arrival",
    "before_ticket": "before_ticket",
    "after_service": "after_service",
    "on_leaving": "leaving",
    "into_back_office": "back_office",
}


class ExtensionStaff:
    """An extension's own members of staff for one day: a ``simpy.Store`` of their ids.

    ``member = yield staff.get()`` waits for a free member (first come, first served);
    :meth:`release` records what they did (a staff-log row under the extension's activity)
    and makes them free again, at once or later (``until``: e.g. after walking back).
    """

    def __init__(
        self, day: Day, members: list[str], indices: list[int], activity_kind: int, counter: int
    ) -> None:
        self.day = day
        self.members = list(members)
        self._index = dict(zip(members, indices, strict=True))
        self._kind = activity_kind
        self._counter = counter
        self.store = simpy.Store(day.env, capacity=max(len(members), 1))
        self.store.items.extend(members)

    def get(self) -> Event:
        """An event that fires with a free member's id (yield it)."""
        return self.store.get()

    def release(self, member: str, started: float, until: float | None = None) -> None:
        """``member`` worked from ``started`` to ``until`` (default: now) and is then free."""
        env = self.day.env
        end = env.now if until is None else max(float(until), env.now)
        self.day.hall.recorder.staff.add(
            server=self._index[member],
            counter=self._counter,
            kind=self._kind,
            start=float(started),
            end=end,
        )
        if end > env.now:
            Call(env, end - env.now, self._back, member)
        else:
            self.store.put(member)

    def _back(self, event: Event) -> None:
        self.store.put(event._value)


@dataclass
class Day:
    """What an extension sees of one simulated day.

    ``env`` is the day's ``simpy.Environment`` (``env.now``: minutes after midnight); ``hall``
    the :class:`simulation.entities.Hall` (``hall.counters``: each with ``id``, ``kind``,
    ``queue`` of the visit numbers of the residents waiting — ``hall.resident(i)`` is the
    resident —, ``servers``, ``n_on_duty`` and ``staff``, the clerks as a ``simpy.Resource``
    that :meth:`borrow` takes a clerk from); ``metres(a, b)`` the walking
    distance between two places of the floor ("ENT" entrance, "TKT" ticket machine, a counter
    or desk id) and ``speed`` the walking speed in metres per minute; ``rng`` the extension's
    own numpy stream; ``scenario`` the scenario's model; ``date`` the day; ``opens_min`` and
    ``closes_min`` the hall's hours (minutes after midnight).

    Processes an extension starts itself (``env.process(...)``) must end: the day is over
    when no event is left.
    """

    env: simpy.Environment
    hall: Hall
    metres: Callable[[str, str], float]
    speed: float
    rng: np.random.Generator
    scenario: Scenario
    date: dt.date
    opens_min: float
    closes_min: float
    activity: str
    _register: Callable[[str, int], tuple[list[str], list[int], int, int]] = field(repr=False)
    _activity_code: Callable[[], int] = field(repr=False, default=lambda: LENT)

    def staff(self, count: int, prefix: str | None = None) -> ExtensionStaff:
        """``count`` members of the extension's own staff for the day (ids ``PREFIX-1`` …)."""
        members, indices, kind, counter = self._register(prefix or self.activity.upper(), count)
        return ExtensionStaff(self, members, indices, kind, counter)

    def borrow(self, counter: Counter) -> Borrow:
        """Ask for a clerk of ``counter`` (``clerk = yield request``; later
        ``counter.staff.release(request)``): their time away is recorded under the extension's
        ``activity`` (see :class:`simulation.entities.CounterStaff`)."""
        assert counter.staff is not None
        return counter.staff.request(self._activity_code())

    def set_column(self, resident: Visit, name: str, value: float) -> None:
        """Add ``value`` to the visit records' column ``name`` for this resident's visit."""
        self.hall.recorder.visit_column(name, resident.index, value)

    def counter_of(self, resident: Visit) -> Counter:
        """The first counter that can take the resident's current ticket."""
        return self.hall.counters[resident.legs[resident.leg_no].candidates[0]]


class Extension:
    """Base class of a reform team's own process; override the hooks you need.

    ``activity`` names the extension's staff rows in the staff log (e.g. ``"concierge"``);
    the constructor receives the study's ``params`` as keyword arguments.
    """

    activity: str = "extension"

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.day: Day | None = None

    def start_day(self, day: Day) -> None:
        """Called at the start of each simulated day, before any resident arrives."""
        self.day = day

    def on_arrival(self, resident: Visit) -> Hold:
        """The resident has entered the hall."""
        return None

    def before_ticket(self, resident: Visit) -> Hold:
        """The resident sets off towards the ticket of ``resident.leg_no``."""
        return None

    def after_service(self, resident: Visit, counter: Counter) -> Hold:
        """A service of the resident has ended at ``counter``."""
        return None

    def on_leaving(self, resident: Visit) -> Hold:
        """The resident leaves the hall."""
        return None

    def into_back_office(self, resident: Visit, counter: Counter) -> Hold:
        """The papers of the resident's ticket at ``counter`` go to the back office."""
        return None


@dataclass(frozen=True)
class LoadedExtension:
    """An extension class found for a scenario, with where it came from."""

    use: str
    cls: type[Extension]
    params: dict[str, Any]
    scenario: str

    def make(self) -> Extension:
        """A fresh instance (one per scenario and replication)."""
        try:
            return self.cls(**self.params)
        except Exception as exc:
            raise self.error(f"cannot be created with params {self.params!r}: {exc}") from exc

    def error(self, what: str) -> InputError:
        """An :class:`InputError` naming this extension and its scenario."""
        return extension_error(self.use, self.scenario, what)

    def hooks(self, ext: Extension) -> list[tuple[str, Callable[..., Hold]]]:
        """(point, bound hook) for every hook the class overrides."""
        out = []
        for name, point in HOOKS.items():
            if getattr(type(ext), name) is not getattr(Extension, name):
                out.append((point, getattr(ext, name)))
        return out


def extension_error(use: str, scenario: str, what: str) -> InputError:
    """The one-line error of a bad extension."""
    return InputError(
        f"extension {use!r} of scenario {scenario!r}: {what}",
        hint="fix the extension's file or its `use`/`params` in [[scenarios.extensions]]",
    )


_LOADED: dict[tuple[str, str], type[Extension]] = {}


def _source_path(use: str, base: Path) -> Path | None:
    module = use.split(":", 1)[0]
    if module.endswith(".py") or "/" in module:
        return (base / module).resolve()
    return None


def _load_class(use: str, scenario: str, base: Path) -> type[Extension]:
    if ":" not in use:
        raise extension_error(
            use, scenario, "write it as 'file.py:ClassName' or 'package.module:ClassName'"
        )
    module_name, class_name = use.split(":", 1)
    path = _source_path(use, base)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path and path.is_file() else ""
    key = (str(path) if path else module_name, digest + ":" + class_name)
    found = _LOADED.get(key)
    if found is not None:
        return found
    try:
        if path is not None:
            if not path.is_file():
                raise extension_error(use, scenario, f"file not found: {path}")
            name = f"madoguchi_extension_{digest}"
            module = sys.modules.get(name)
            if module is None:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    raise extension_error(use, scenario, f"cannot import {path}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    del sys.modules[name]
                    raise
        else:
            module = importlib.import_module(module_name)
        cls = getattr(module, class_name, None)
    except InputError:
        raise
    except Exception as exc:
        raise extension_error(use, scenario, f"import failed: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Extension)):
        raise extension_error(
            use, scenario, f"{class_name!r} is not a subclass of simulation.extensions.Extension"
        )
    _LOADED[key] = cls
    return cls


def load_extensions(scenario: Scenario, base: Path) -> list[LoadedExtension]:
    """The extension classes of a scenario, imported (files relative to ``base``, the study's folder)."""
    return [
        LoadedExtension(
            use=spec.use,
            cls=_load_class(spec.use, scenario.id, base),
            params=dict(spec.params),
            scenario=scenario.id,
        )
        for spec in scenario.extensions
    ]


def extension_digest(study: Study, base: Path | None = None) -> str:
    """A hash of the source of every extension file a study uses ("" when it uses none).

    Part of every cache key of simulation results: an edited extension is never served stale.
    Modules named by import path are hashed by their file when it can be found.
    """
    root = base or study.source_dir
    h = hashlib.sha256()
    found = False
    for scenario in study.scenarios:
        for spec in scenario.extensions:
            found = True
            h.update(spec.use.encode("utf-8"))
            path = _source_path(spec.use, root)
            if path is None:
                module = spec.use.split(":", 1)[0]
                found_spec = importlib.util.find_spec(module) if module else None
                origin = getattr(found_spec, "origin", None)
                path = Path(origin) if origin else None
            if path is not None and path.is_file():
                h.update(path.read_bytes())
    return h.hexdigest() if found else ""


def refuse_extensions(study: Study) -> list[Text]:
    """Why an uploaded study may not run (it lists extensions, i.e. code); [] when it may."""
    from simulation.messages import text as msg

    return [
        msg("file.extension", scenario=scenario.id, use=spec.use)
        for scenario in study.scenarios
        for spec in scenario.extensions
    ]
