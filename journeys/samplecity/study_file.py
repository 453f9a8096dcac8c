"""The sample city's study file, read with ``tomllib`` into small dataclasses of its own.

The generator must not depend on the simulator, so it reads the study TOML
(docs/study-format.md) itself. It reads only what the generator needs and checks just enough
for a useful one-line :class:`~journeys.errors.InputError` when a key is missing or wrong; the
full validation of a study is the simulator's job.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeys.errors import InputError

__all__ = [
    "Arrivals",
    "Counter",
    "Department",
    "LifeEvent",
    "Lunch",
    "Peak",
    "Point",
    "Procedure",
    "SampleStudy",
    "Scenario",
    "ServiceModel",
    "Shift",
    "read_study",
    "time_to_minutes",
]


def time_to_minutes(text: str) -> float:
    """Minutes after midnight of a ``"HH:MM"`` time of day."""
    hours, _, minutes = text.partition(":")
    return 60.0 * int(hours) + int(minutes)


@dataclass(frozen=True)
class ServiceModel:
    """A service-time model of one procedure at one kind of counter (minutes)."""

    dist: str
    mean: float
    cv: float
    values: tuple[float, ...]


@dataclass(frozen=True)
class Department:
    """A department (課) of the city hall and the building floor it sits on."""

    id: str
    name_ja: str
    name_en: str
    floor: int


@dataclass(frozen=True)
class Procedure:
    """One procedure of the catalog, with its forms, service times and one-stop flag."""

    id: str
    name_ja: str
    name_en: str
    department: str
    forms: int
    writing_min: float
    sign_only_min: float
    back_office_min: float
    rpa_share: float
    one_stop: bool
    by_department: ServiceModel
    at_one_stop: ServiceModel | None


@dataclass(frozen=True)
class LifeEvent:
    """A life event and the procedures that follow it, each with its probability."""

    id: str
    name_ja: str
    name_en: str
    share: float
    procedures: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Peak:
    """An extra arrival factor on a range of days (``MM-DD`` inclusive), maybe for some events."""

    start: str
    end: str
    factor: float
    life_events: tuple[str, ...] | None

    def applies(self, day: dt.date, life_event: str) -> bool:
        """Whether this peak multiplies the arrivals of ``life_event`` on ``day``."""
        key = f"{day.month:02d}-{day.day:02d}"
        if not self.start <= key <= self.end:
            return False
        return self.life_events is None or life_event in self.life_events


@dataclass(frozen=True)
class Arrivals:
    """Residents per day and the hour, weekday, month and peak factors of their arrivals."""

    residents_per_day: float
    open_min: float
    close_min: float
    hour_profile: tuple[float, ...]
    weekday_factor: tuple[float, ...]
    month_factor: tuple[float, ...]
    peaks: tuple[Peak, ...]
    holidays: frozenset[dt.date]

    @property
    def first_hour(self) -> int:
        """The o'clock hour that ``hour_profile[0]`` describes (the hour of ``open``)."""
        return int(self.open_min // 60)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether the hall is open on ``day`` (a weekday that is not a listed holiday)."""
        return day.weekday() < 5 and day not in self.holidays

    def event_rate(self, day: dt.date, event: LifeEvent) -> float:
        """Expected visits of one life event on ``day`` (before the hour profile)."""
        if not self.is_working_day(day):
            return 0.0
        factor = self.weekday_factor[day.weekday()] * self.month_factor[day.month - 1]
        for peak in self.peaks:
            if peak.applies(day, event.id):
                factor *= peak.factor
        return self.residents_per_day * event.share * factor


@dataclass(frozen=True)
class Point:
    """A place on a floor: metres from the entrance corner, and the building floor."""

    x: float
    y: float
    floor: int


@dataclass(frozen=True)
class Shift:
    """``staff`` servers present at a counter from ``start`` to ``end`` (minutes after midnight)."""

    start: float
    end: float
    staff: int


@dataclass(frozen=True)
class Lunch:
    """Lunch rotation: each server takes ``minutes`` off in turn inside the window."""

    start: float
    end: float
    minutes: float


@dataclass(frozen=True)
class Counter:
    """A service point: its place, zone, kind, the procedures it takes, and its staff."""

    id: str
    name_ja: str
    name_en: str
    zone: str
    kind: str
    point: Point
    procedures: frozenset[str]
    staff: int
    shifts: tuple[Shift, ...]
    lunch: Lunch | None


@dataclass(frozen=True)
class Scenario:
    """One way of running the hall: flow, floor, counters, staff and resident behaviour."""

    id: str
    name_ja: str
    name_en: str
    flow: str
    walking_speed_m_per_min: float
    floor_change_m: float
    omission_rate: float
    no_show_rate: float
    rpa: bool
    balk_queue: int
    patience_mean_min: float
    floor_manager_staff: int
    triage_min: float
    back_office_staff: int
    entrance: Point
    ticket_machine: Point
    desks: tuple[tuple[str, Point], ...]
    counters: tuple[Counter, ...]


@dataclass(frozen=True)
class SampleStudy:
    """The parts of a study (docs/study-format.md) that the sample generator plays."""

    id: str
    name_ja: str
    name_en: str
    residents: int
    departments: tuple[Department, ...]
    procedures: tuple[Procedure, ...]
    life_events: tuple[LifeEvent, ...]
    arrivals: Arrivals
    scenarios: tuple[Scenario, ...]

    def procedure(self, procedure_id: str) -> Procedure:
        """The catalog entry of one procedure."""
        for proc in self.procedures:
            if proc.id == procedure_id:
                return proc
        raise KeyError(procedure_id)

    def scenario(self, scenario_id: str) -> Scenario:
        """One scenario by id."""
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)


class _Reader:
    """Reads keys of one table, raising a located :class:`InputError` when one is missing."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        if key not in table:
            raise InputError(
                f"missing key '{key}' in {where}",
                file=self.path,
                hint="see docs/study-format.md for the keys of a study file",
            )
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise InputError(
                f"key '{key}' in {where} should be {kind.__name__}, got {value!r}",
                file=self.path,
            )
        return value

    def opt(self, table: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
        return self.get(table, key, kind, where) if key in table else default

    def point(self, table: Mapping[str, Any], where: str) -> Point:
        return Point(
            x=self.get(table, "x", float, where),
            y=self.get(table, "y", float, where),
            floor=self.opt(table, "floor", int, where, 1),
        )

    def service(self, table: Mapping[str, Any], where: str) -> ServiceModel:
        dist = self.get(table, "dist", str, where)
        if dist not in ("exponential", "lognormal", "gamma", "fixed", "empirical"):
            raise InputError(f"unknown service distribution '{dist}' in {where}", file=self.path)
        values = tuple(float(v) for v in table.get("values", []))
        if dist == "empirical":
            if not values:
                raise InputError(
                    f"empirical service time without values in {where}", file=self.path
                )
            mean = sum(values) / len(values)
        else:
            mean = self.get(table, "mean", float, where)
        cv = self.opt(table, "cv", float, where, 1.0)
        return ServiceModel(dist=dist, mean=mean, cv=cv, values=values)


def _procedure(r: _Reader, t: Mapping[str, Any], k: int) -> Procedure:
    where = f"procedures[{k}]"
    service = r.get(t, "service", dict, where)
    one_stop = r.get(t, "one_stop", bool, where)
    at_one_stop = (
        r.service(r.get(service, "one_stop", dict, where + ".service"), where + ".service.one_stop")
        if one_stop
        else None
    )
    return Procedure(
        id=r.get(t, "id", str, where),
        name_ja=r.get(t, "name_ja", str, where),
        name_en=r.get(t, "name_en", str, where),
        department=r.get(t, "department", str, where),
        forms=r.get(t, "forms", int, where),
        writing_min=r.get(t, "writing_min", float, where),
        sign_only_min=r.get(t, "sign_only_min", float, where),
        back_office_min=r.get(t, "back_office_min", float, where),
        rpa_share=r.get(t, "rpa_share", float, where),
        one_stop=one_stop,
        by_department=r.service(
            r.get(service, "by_department", dict, where + ".service"),
            where + ".service.by_department",
        ),
        at_one_stop=at_one_stop,
    )


def _arrivals(r: _Reader, t: Mapping[str, Any]) -> Arrivals:
    where = "arrivals"
    profile = tuple(float(v) for v in r.get(t, "hour_profile", list, where))
    if not profile or not math.isclose(sum(profile), 1.0, abs_tol=1e-6):
        raise InputError("arrivals.hour_profile must sum to 1", file=r.path)
    peaks = []
    for k, p in enumerate(r.opt(t, "peaks", list, where, [])):
        events = p.get("life_events")
        peaks.append(
            Peak(
                start=r.get(p, "from", str, f"arrivals.peaks[{k}]"),
                end=r.get(p, "to", str, f"arrivals.peaks[{k}]"),
                factor=r.get(p, "factor", float, f"arrivals.peaks[{k}]"),
                life_events=tuple(events) if events is not None else None,
            )
        )
    holidays = frozenset(dt.date.fromisoformat(d) for d in r.opt(t, "holidays", list, where, []))
    return Arrivals(
        residents_per_day=r.get(t, "residents_per_day", float, where),
        open_min=time_to_minutes(r.get(t, "open", str, where)),
        close_min=time_to_minutes(r.get(t, "close", str, where)),
        hour_profile=profile,
        weekday_factor=tuple(float(v) for v in r.opt(t, "weekday_factor", list, where, [1.0] * 5)),
        month_factor=tuple(float(v) for v in r.opt(t, "month_factor", list, where, [1.0] * 12)),
        peaks=tuple(peaks),
        holidays=holidays,
    )


def _counter(r: _Reader, t: Mapping[str, Any], where: str) -> Counter:
    staff = r.get(t, "staff", int, where)
    shifts_raw = r.opt(t, "shifts", list, where, [])
    shifts = tuple(
        Shift(
            start=time_to_minutes(r.get(s, "start", str, where + ".shifts")),
            end=time_to_minutes(r.get(s, "end", str, where + ".shifts")),
            staff=r.get(s, "staff", int, where + ".shifts"),
        )
        for s in shifts_raw
    )
    lunch_raw = t.get("lunch")
    lunch = (
        Lunch(
            start=time_to_minutes(r.get(lunch_raw, "start", str, where + ".lunch")),
            end=time_to_minutes(r.get(lunch_raw, "end", str, where + ".lunch")),
            minutes=r.get(lunch_raw, "minutes", float, where + ".lunch"),
        )
        if lunch_raw
        else None
    )
    return Counter(
        id=r.get(t, "id", str, where),
        name_ja=r.get(t, "name_ja", str, where),
        name_en=r.get(t, "name_en", str, where),
        zone=r.get(t, "zone", str, where),
        kind=r.get(t, "kind", str, where),
        point=Point(
            x=r.get(t, "x", float, where),
            y=r.get(t, "y", float, where),
            floor=r.opt(t, "floor", int, where, 1),
        ),
        procedures=frozenset(r.get(t, "procedures", list, where)),
        staff=staff,
        shifts=shifts,
        lunch=lunch,
    )


def _scenario(r: _Reader, t: Mapping[str, Any], k: int) -> Scenario:
    where = f"scenarios[{k}]"
    behaviour = r.opt(t, "behaviour", dict, where, {})
    manager = r.opt(t, "floor_manager", dict, where, {})
    back = r.opt(t, "back_office", dict, where, {})
    floor = r.get(t, "floor", dict, where)
    desks = tuple(
        (r.get(d, "id", str, where + ".floor.desks"), r.point(d, where + ".floor.desks"))
        for d in r.opt(floor, "desks", list, where + ".floor", [])
    )
    flow = r.get(t, "flow", str, where)
    if flow not in ("by_department", "one_stop"):
        raise InputError(f"unknown flow '{flow}' in {where}", file=r.path)
    return Scenario(
        id=r.get(t, "id", str, where),
        name_ja=r.get(t, "name_ja", str, where),
        name_en=r.get(t, "name_en", str, where),
        flow=flow,
        walking_speed_m_per_min=r.get(t, "walking_speed_m_per_min", float, where),
        floor_change_m=r.opt(t, "floor_change_m", float, where, 0.0),
        omission_rate=r.opt(t, "omission_rate", float, where, 0.0),
        no_show_rate=r.opt(t, "no_show_rate", float, where, 0.0),
        rpa=r.opt(t, "rpa", bool, where, False),
        balk_queue=r.opt(behaviour, "balk_queue", int, where + ".behaviour", 10**9),
        patience_mean_min=r.opt(
            behaviour, "patience_mean_min", float, where + ".behaviour", math.inf
        ),
        floor_manager_staff=r.opt(manager, "staff", int, where + ".floor_manager", 0),
        triage_min=r.opt(manager, "triage_min", float, where + ".floor_manager", 0.0),
        back_office_staff=r.opt(back, "staff", int, where + ".back_office", 0),
        entrance=r.point(r.get(floor, "entrance", dict, where + ".floor"), where + ".entrance"),
        ticket_machine=r.point(
            r.get(floor, "ticket_machine", dict, where + ".floor"), where + ".ticket_machine"
        ),
        desks=desks,
        counters=tuple(
            _counter(r, c, f"{where}.counters[{j}]")
            for j, c in enumerate(r.get(t, "counters", list, where))
        ),
    )


def read_study(path: str | Path) -> SampleStudy:
    """Read a study TOML (docs/study-format.md) into the generator's own dataclasses.

    Raises :class:`InputError` when the file is missing, is not TOML, or lacks a key the
    generator needs.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("study file not found", file=path, hint="give a study .toml file")
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not a valid TOML file: {exc}", file=path) from exc
    r = _Reader(path)
    info = r.get(raw, "study", dict, "the file")
    study = SampleStudy(
        id=r.get(info, "id", str, "study"),
        name_ja=r.get(info, "name_ja", str, "study"),
        name_en=r.get(info, "name_en", str, "study"),
        residents=r.get(info, "residents", int, "study"),
        departments=tuple(
            Department(
                id=r.get(d, "id", str, f"departments[{k}]"),
                name_ja=r.get(d, "name_ja", str, f"departments[{k}]"),
                name_en=r.get(d, "name_en", str, f"departments[{k}]"),
                floor=r.opt(d, "floor", int, f"departments[{k}]", 1),
            )
            for k, d in enumerate(r.get(raw, "departments", list, "the file"))
        ),
        procedures=tuple(
            _procedure(r, p, k) for k, p in enumerate(r.get(raw, "procedures", list, "the file"))
        ),
        life_events=tuple(
            LifeEvent(
                id=r.get(e, "id", str, f"life_events[{k}]"),
                name_ja=r.get(e, "name_ja", str, f"life_events[{k}]"),
                name_en=r.get(e, "name_en", str, f"life_events[{k}]"),
                share=r.get(e, "share", float, f"life_events[{k}]"),
                procedures=tuple(
                    (str(pid), float(prob))
                    for pid, prob in r.get(e, "procedures", dict, f"life_events[{k}]").items()
                ),
            )
            for k, e in enumerate(r.get(raw, "life_events", list, "the file"))
        ),
        arrivals=_arrivals(r, r.get(raw, "arrivals", dict, "the file")),
        scenarios=tuple(
            _scenario(r, s, k) for k, s in enumerate(r.get(raw, "scenarios", list, "the file"))
        ),
    )
    known = {p.id for p in study.procedures}
    for event in study.life_events:
        for pid, _ in event.procedures:
            if pid not in known:
                raise InputError(
                    f"life event '{event.id}' names unknown procedure '{pid}'", file=path
                )
    for scenario in study.scenarios:
        for counter in scenario.counters:
            unknown = sorted(counter.procedures - known)
            if unknown:
                raise InputError(
                    f"counter '{counter.id}' of scenario '{scenario.id}' names unknown "
                    f"procedure(s) {', '.join(unknown)}",
                    file=path,
                )
    return study
