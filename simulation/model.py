"""The study model: what a municipality writes down, with no code, to simulate its counters.

One :class:`Study` holds the procedure catalog, the life events, the arrivals and two or more
scenarios, each with its own floor (docs/study-format.md is the contract). Attribute names are
the TOML keys, so ``study.scenarios[0].counters[2].staff`` is ``[[scenarios.counters]] staff``.
The only exception is ``Peak.from_``: ``from`` is a Python keyword, so the attribute carries a
trailing underscore while the key in the file stays ``from``.

:func:`load_study` reads a ``.toml`` (or an ``.xlsx`` workbook of the same content, see
:mod:`simulation.excel`), checks every key and value, runs the semantic checks of
:mod:`simulation.checks`, and raises one :class:`StudyError` that lists every problem with its
place in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
import types
import typing
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from journeys.errors import InputError
from journeys.safe_toml import check_nesting
from simulation.messages import Text, render
from simulation.messages import text as msg

__all__ = [
    "Arrivals",
    "BackOffice",
    "Behaviour",
    "Counter",
    "Department",
    "Desk",
    "Extension",
    "Floor",
    "FloorManager",
    "LifeEvent",
    "Lunch",
    "Peak",
    "Persona",
    "Point",
    "Procedure",
    "Scenario",
    "Service",
    "ServiceTime",
    "Shift",
    "Study",
    "StudyError",
    "StudyFileError",
    "StudyInfo",
    "StudyProblem",
    "UnknownIdError",
    "load_study",
    "minutes_to_time",
    "normalise_text",
    "study_from_dict",
    "time_to_minutes",
    "toml_error_hint",
]

_TIME_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")

Distribution = Literal["exponential", "lognormal", "gamma", "fixed", "empirical"]
Flow = Literal["by_department", "one_stop"]
CounterKind = Literal["department", "one_stop"]


# --------------------------------------------------------------------------- helpers


def time_to_minutes(text: str) -> int:
    """Minutes after midnight of a ``"HH:MM"`` time of day (``"08:45"`` → 525)."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ValueError(f"time of day must be 'HH:MM', got {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes:
        raise ValueError(f"time of day after 24:00: {text!r}")
    return hours * 60 + minutes


def minutes_to_time(minutes: float) -> str:
    """``"HH:MM"`` of minutes after midnight (525 → ``"08:45"``), rounded to the minute."""
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _time_of_day(value: Any) -> Any:
    """Accept ``"HH:MM"`` strings and TOML local times (``08:45`` unquoted) alike."""
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, str):
        time_to_minutes(value)  # raises ValueError with a readable message
        return value.strip() if len(value.strip()) == 5 else f"0{value.strip()}"
    return value


class _Model(BaseModel):
    """Base of every table of the study: unknown keys are errors, values checked on assignment."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        populate_by_name=True,
        str_strip_whitespace=True,
    )


# --------------------------------------------------------------------------- [study]


class StudyInfo(_Model):
    """The ``[study]`` table: which municipality, and the first simulated or observed day.

    ``utc_offset`` (optional) is the hall's UTC offset or time-zone name (``"+09:00"``,
    ``"Asia/Tokyo"``) written with the times of exported event logs (XES); unset means +09:00.
    """

    id: str
    name_ja: str = ""
    name_en: str = ""
    residents: int = Field(gt=0)
    start_date: dt.date
    utc_offset: str | None = None

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, value: str | None) -> str | None:
        """An offset such as +09:00 or a time-zone name such as Asia/Tokyo."""
        if value is None:
            return None
        from journeys.xes import check_utc_offset

        try:
            return check_utc_offset(value)
        except InputError as exc:
            raise ValueError(f"{exc.message} ({exc.hint})") from None


class Department(_Model):
    """A department (課) with its counters, on one building floor."""

    id: str
    name_ja: str = ""
    name_en: str = ""
    floor: int = 1


# --------------------------------------------------------------------------- procedures


class ServiceTime(_Model):
    """A service-time model in minutes: a distribution with its mean and coefficient of variation.

    ``exponential`` needs ``mean``; ``lognormal`` and ``gamma`` need ``mean`` and ``cv``;
    ``fixed`` is always ``mean``; ``empirical`` samples ``values`` with replacement.
    """

    dist: Distribution
    mean: float | None = None
    cv: float | None = None
    values: list[float] | None = None

    @property
    def mean_min(self) -> float:
        """Expected service minutes (the mean of ``values`` for an empirical model)."""
        if self.dist == "empirical":
            return float(np.mean(self.values)) if self.values else float("nan")
        return float(self.mean) if self.mean is not None else float("nan")

    @property
    def cv_value(self) -> float:
        """Coefficient of variation implied by the model (1 exponential, 0 fixed)."""
        if self.dist == "exponential":
            return 1.0
        if self.dist == "fixed":
            return 0.0
        if self.dist == "empirical":
            if not self.values:
                return float("nan")
            arr = np.asarray(self.values, dtype=float)
            return float(arr.std() / arr.mean()) if arr.mean() > 0 else float("nan")
        return float(self.cv) if self.cv is not None else float("nan")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Draw service minutes: one float when ``size`` is None, else a numpy array."""
        if self.dist == "empirical":
            if not self.values:
                raise ValueError("empirical service time without values")
            out = rng.choice(np.asarray(self.values, dtype=float), size=size)
            return float(out) if size is None else out
        if self.mean is None:
            raise ValueError(f"{self.dist} service time without mean")
        mean = float(self.mean)
        if self.dist == "fixed":
            return mean if size is None else np.full(size, mean)
        if self.dist == "exponential":
            out = rng.exponential(mean, size=size)
        elif self.dist == "lognormal":
            cv = float(self.cv if self.cv is not None else 1.0)
            sigma2 = math.log1p(cv * cv)
            out = rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), size=size)
        else:  # gamma
            cv = float(self.cv if self.cv is not None else 1.0)
            shape = 1.0 / (cv * cv)
            out = rng.gamma(shape, mean / shape, size=size)
        return float(out) if size is None else out


class Service(_Model):
    """Service-time models of a procedure: at a department counter, and at a one-stop counter."""

    by_department: ServiceTime
    one_stop: ServiceTime | None = None


class Procedure(_Model):
    """One procedure of the catalog (転入届, 国保加入, …) and what it costs residents and staff."""

    id: str
    name_ja: str = ""
    name_en: str = ""
    department: str
    forms: int = 0
    writing_min: float = 0.0
    sign_only_min: float = 0.0
    back_office_min: float = 0.0
    rpa_share: float = 0.0
    one_stop: bool = False
    service: Service
    #: What the resident brings (持ち物), for the life-event checklist; empty: an identity document.
    bring_ja: list[str] = []
    bring_en: list[str] = []


class LifeEvent(_Model):
    """A life event (move-in, birth, death, …) and the procedures that follow it.

    ``procedures`` maps a procedure id to the probability that a visit needs it (independent
    draws); ``share`` is the share of visits that come for this event.
    """

    id: str
    name_ja: str = ""
    name_en: str = ""
    share: float
    procedures: dict[str, float]


# --------------------------------------------------------------------------- arrivals


class Peak(_Model):
    """An extra arrival factor on a date range ``from``–``to`` (``"MM-DD"``, inclusive).

    With ``life_events`` set, only those events' share of the rate is multiplied. A range whose
    ``from`` is after ``to`` wraps over the new year.
    """

    from_: str = Field(alias="from")
    to: str
    factor: float
    life_events: list[str] | None = None

    @field_validator("from_", "to")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = _MONTH_DAY_RE.match(value)
        if match is None:
            raise ValueError(f"date must be 'MM-DD', got {value!r}")
        month, day = int(match.group(1)), int(match.group(2))
        dt.date(2024, month, day)  # leap year: 02-29 allowed; raises ValueError if impossible
        return value

    @property
    def from_month_day(self) -> tuple[int, int]:
        """(month, day) of the first day of the peak."""
        return int(self.from_[:2]), int(self.from_[3:])

    @property
    def to_month_day(self) -> tuple[int, int]:
        """(month, day) of the last day of the peak."""
        return int(self.to[:2]), int(self.to[3:])

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls inside the peak (inclusive; wraps over the new year)."""
        md, start, end = (day.month, day.day), self.from_month_day, self.to_month_day
        if start <= end:
            return start <= md <= end
        return md >= start or md <= end

    def applies_to(self, life_event_id: str) -> bool:
        """Whether the peak multiplies the arrivals of this life event."""
        return self.life_events is None or life_event_id in self.life_events


class Arrivals(_Model):
    """Residents per day, opening hours and the hour, weekday, month and peak profiles.

    ``hour_profile[i]`` is the share of the day's arrivals in the hour starting at
    ``first_hour + i`` o'clock, where ``first_hour`` is the hour of ``open`` (8 for 08:45);
    arrivals fall inside ``[open, close)``.
    """

    residents_per_day: float
    open: str
    close: str
    hour_profile: list[float]
    weekday_factor: list[float] = Field(default_factory=lambda: [1.0] * 5)
    month_factor: list[float] = Field(default_factory=lambda: [1.0] * 12)
    peaks: list[Peak] = Field(default_factory=list)
    holidays: list[dt.date] = Field(default_factory=list)

    _time = field_validator("open", "close", mode="before")(_time_of_day)

    @property
    def open_min(self) -> int:
        """Opening time in minutes after midnight."""
        return time_to_minutes(self.open)

    @property
    def close_min(self) -> int:
        """Closing time (no arrival after it) in minutes after midnight."""
        return time_to_minutes(self.close)

    @property
    def first_hour(self) -> int:
        """The o'clock hour that ``hour_profile[0]`` describes (the hour of ``open``)."""
        return self.open_min // 60

    def hour_window(self, index: int) -> tuple[int, int]:
        """Minutes after midnight ``[start, end)`` in which hour ``index`` of the profile admits arrivals."""
        start = (self.first_hour + index) * 60
        return max(start, self.open_min), min(start + 60, self.close_min)

    def day_factor(self, day: dt.date, life_event_id: str | None = None) -> float:
        """Weekday × month × peak factors of one day (0 on weekends and holidays).

        With ``life_event_id``, only the peaks that apply to that life event are included;
        without it, only the peaks that apply to every event.
        """
        if day.weekday() >= 5 or day in self.holidays:
            return 0.0
        factor = self.weekday_factor[day.weekday()] * self.month_factor[day.month - 1]
        for peak in self.peaks:
            if not peak.contains(day):
                continue
            if (life_event_id is None and peak.life_events is None) or (
                life_event_id is not None and peak.applies_to(life_event_id)
            ):
                factor *= peak.factor
        return factor


# --------------------------------------------------------------------------- scenarios


class Point(_Model):
    """A place on a building floor, in metres (x, y) on floor ``floor`` (1 = ground floor)."""

    x: float
    y: float
    floor: int = 1


class Desk(Point):
    """A writing desk (as-is flow): residents write their forms here before taking a ticket."""

    id: str

    @property
    def point(self) -> Point:
        """Where the desk stands."""
        return Point(x=self.x, y=self.y, floor=self.floor)


class _TimeWindow(_Model):
    """A stretch of the day from ``start`` to ``end`` (``"HH:MM"``)."""

    start: str
    end: str

    _time = field_validator("start", "end", mode="before")(_time_of_day)

    @property
    def start_min(self) -> int:
        """Start of the window in minutes after midnight."""
        return time_to_minutes(self.start)

    @property
    def end_min(self) -> int:
        """End of the window in minutes after midnight."""
        return time_to_minutes(self.end)


class Shift(_TimeWindow):
    """``staff`` servers on duty at a counter from ``start`` to ``end`` (``"HH:MM"``)."""

    staff: int


class Lunch(_TimeWindow):
    """Lunch rotation: each server takes ``minutes`` off in turn inside ``start``–``end``."""

    minutes: float


class Counter(_Model):
    """A counter (窓口): where it stands, which procedures it takes, and its staff and shifts.

    A one-stop counter (``kind = "one_stop"``) with an empty ``procedures`` list takes every
    procedure of the catalog with ``one_stop = true``.
    """

    id: str
    name_ja: str = ""
    name_en: str = ""
    zone: str
    kind: CounterKind = "department"
    floor: int = 1
    x: float
    y: float
    procedures: list[str] = Field(default_factory=list)
    staff: int
    shifts: list[Shift]
    lunch: Lunch | None = None
    #: the counter's own opening hours (``"HH:MM"``) inside the hall's; None = the hall's
    open: str | None = None
    close: str | None = None

    _hours = field_validator("open", "close", mode="before")(_time_of_day)

    @property
    def open_min(self) -> int | None:
        """The counter's own opening time in minutes after midnight (None: the hall's)."""
        return time_to_minutes(self.open) if self.open is not None else None

    @property
    def close_min(self) -> int | None:
        """The counter's own closing time in minutes after midnight (None: the hall's)."""
        return time_to_minutes(self.close) if self.close is not None else None

    #: Fewest and most servers ``madoguchi plan`` may put on duty in any hour block (optional).
    min_staff: int | None = None
    max_staff: int | None = None

    @property
    def point(self) -> Point:
        """Where residents stand to be served."""
        return Point(x=self.x, y=self.y, floor=self.floor)

    def staff_at(self, minute: float) -> int:
        """Servers on duty at ``minute`` after midnight by the shifts (lunch not deducted)."""
        return sum(s.staff for s in self.shifts if s.start_min <= minute < s.end_min)


class Behaviour(_Model):
    """How residents give up: balking at a long queue, reneging after their patience runs out."""

    balk_queue: int = 30
    patience_mean_min: float = 120.0


class FloorManager(_Model):
    """Triage at the entrance (one-stop flow): ``staff`` floor managers, ``triage_min`` each."""

    staff: int
    triage_min: float


class BackOffice(_Model):
    """Staff behind the counters who do the procedures' back-office minutes."""

    staff: int


class Extension(_Model):
    """A reform team's own process plugged into a scenario (see simulation/extensions.py).

    ``use`` is ``"file.py:ClassName"`` (a file next to the study) or ``"package.module:ClassName"``;
    ``params`` are passed to the class as keyword arguments.
    """

    use: str
    params: dict[str, Any] = Field(default_factory=dict)


class Persona(_Model):
    """A kind of resident (e.g. elderly, needs an interpreter) and the share of residents it is.

    ``service_factor`` multiplies the resident's service minutes at every counter;
    ``attributes`` (e.g. ``{ age_group = "75+", interpreter = false }``) are what extensions
    read. Residents not drawn into any persona have persona ``""``.
    """

    id: str
    name_ja: str = ""
    name_en: str = ""
    share: float = Field(ge=0.0, le=1.0)
    service_factor: float = Field(default=1.0, gt=0.0)
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)


class Floor(_Model):
    """The floor of a scenario: entrance, ticket machine, writing desks (counters sit in the scenario).

    ``grid_xlsx = "floors.xlsx#as_is_1F"`` (relative to the study file) points at a grid-paper
    sheet; walking distances are then shortest paths around its walls instead of straight lines.
    """

    grid_xlsx: str = ""
    entrance: Point
    ticket_machine: Point
    desks: list[Desk] = Field(default_factory=list)


class Scenario(_Model):
    """One way of running the counters (as-is, reform, …), with its own floor and staff."""

    id: str
    name_ja: str = ""
    name_en: str = ""
    flow: Flow
    walking_speed_m_per_min: float = 60.0
    floor_change_m: float = 25.0
    omission_rate: float = 0.0
    no_show_rate: float = 0.0
    rpa: bool = False
    behaviour: Behaviour = Field(default_factory=Behaviour)
    floor_manager: FloorManager | None = None
    back_office: BackOffice | None = None
    #: minutes after closing that residents already holding a ticket are still served
    overtime_max_min: float = Field(default=60.0, ge=0.0)
    floor: Floor
    counters: list[Counter]
    extensions: list[Extension] = Field(default_factory=list)

    _one_stop_ids: frozenset[str] = PrivateAttr(default=frozenset())

    def counter(self, counter_id: str) -> Counter:
        """The counter with this id."""
        for counter in self.counters:
            if counter.id == counter_id:
                return counter
        raise UnknownIdError(
            f"scenario {self.id!r} has no counter {counter_id!r}",
            hint=_suggest(counter_id, [c.id for c in self.counters]),
        )

    def takes(self, counter: Counter, procedure_id: str) -> bool:
        """Whether ``counter`` takes ``procedure_id`` in this scenario.

        A counter takes the procedures it lists; a one-stop counter with an empty list takes
        every procedure of the catalog marked ``one_stop = true``.
        """
        if procedure_id in counter.procedures:
            return True
        return (
            counter.kind == "one_stop"
            and not counter.procedures
            and procedure_id in self._one_stop_ids
        )

    def counters_for(self, procedure_id: str, kind: CounterKind | None = None) -> list[Counter]:
        """Counters that take ``procedure_id`` (of ``kind`` if given), in the order listed."""
        return [
            c
            for c in self.counters
            if (kind is None or c.kind == kind) and self.takes(c, procedure_id)
        ]

    @property
    def one_stop_counters(self) -> list[Counter]:
        """The one-stop counters of the scenario, in the order listed."""
        return [c for c in self.counters if c.kind == "one_stop"]

    @property
    def department_counters(self) -> list[Counter]:
        """The department counters of the scenario, in the order listed."""
        return [c for c in self.counters if c.kind == "department"]


# --------------------------------------------------------------------------- the study


class Study(_Model):
    """Everything a municipality writes down to simulate its counters (one TOML file)."""

    study: StudyInfo
    departments: list[Department]
    procedures: list[Procedure]
    life_events: list[LifeEvent]
    arrivals: Arrivals
    scenarios: list[Scenario]
    personas: list[Persona] = Field(default_factory=list)

    _source: Path | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        """Tell each scenario which procedures a one-stop counter can take."""
        self._refresh_one_stop()

    def __eq__(self, other: object) -> bool:
        """Two studies are equal when their content is (the file they came from does not count)."""
        if not isinstance(other, Study):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    def _refresh_one_stop(self) -> None:
        ids = frozenset(p.id for p in self.procedures if p.one_stop)
        for scenario in self.scenarios:
            scenario._one_stop_ids = ids

    @property
    def source(self) -> Path | None:
        """The file the study was read from (None when built in code)."""
        return self._source

    @property
    def source_dir(self) -> Path:
        """Folder that relative paths in the study (``grid_xlsx``) start from."""
        return self._source.parent if self._source is not None else Path.cwd()

    def with_source(self, path: str | Path | None) -> Study:
        """Remember the file this study came from (for relative ``grid_xlsx`` paths)."""
        self._source = Path(path) if path is not None else None
        return self

    def procedure(self, procedure_id: str) -> Procedure:
        """The procedure of the catalog with this id."""
        return _lookup(self.procedures, procedure_id, "procedure")

    def department(self, department_id: str) -> Department:
        """The department with this id."""
        return _lookup(self.departments, department_id, "department")

    def life_event(self, life_event_id: str) -> LifeEvent:
        """The life event with this id."""
        return _lookup(self.life_events, life_event_id, "life event")

    def scenario(self, scenario_id: str) -> Scenario:
        """The scenario with this id."""
        return _lookup(self.scenarios, scenario_id, "scenario")

    @property
    def scenario_ids(self) -> list[str]:
        """Ids of the scenarios in the order listed (the first is the baseline)."""
        return [s.id for s in self.scenarios]

    def procedures_of(self, department_id: str) -> list[Procedure]:
        """Procedures of the catalog that belong to a department, in catalog order."""
        return [p for p in self.procedures if p.department == department_id]


class UnknownIdError(InputError, KeyError):
    """An id (scenario, procedure, counter…) that the study does not define."""


def _lookup(items: Sequence[Any], item_id: str, what: str) -> Any:
    for item in items:
        if item.id == item_id:
            return item
    ids = [item.id for item in items]
    raise UnknownIdError(
        f"the study has no {what} {item_id!r} (known: {', '.join(ids)})",
        hint=_suggest(item_id, ids),
    )


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class StudyProblem:
    """One problem of a study file, with its place (``scenarios[2].counters[3].staff``).

    Indices in ``place`` count tables from 1 as they appear in the file; ``where`` names the
    TOML table and ids (or the Excel sheet and row), ``hint`` how to fix it.
    """

    place: str
    message: str
    where: str = ""
    hint: str = ""
    loc: tuple[str | int, ...] = ()
    #: The message, where and hint by code (:mod:`simulation.messages`), for other languages.
    text: Text | None = None
    where_text: Text | None = None
    hint_text: Text | None = None
    place_text: Text | None = None

    @classmethod
    def of(
        cls,
        loc: Sequence[str | int],
        message: Text,
        where: Text | str = "",
        hint: Text | str = "",
        *,
        place: str = "",
        place_text: Text | None = None,
    ) -> StudyProblem:
        """A problem by message code; ``message``, ``where`` and ``hint`` hold the English."""
        return cls(
            place=place or format_place(loc),
            message=message.render("en"),
            where=render(where, "en"),
            hint=render(hint, "en"),
            loc=tuple(loc),
            text=message,
            where_text=where if isinstance(where, Text) else None,
            hint_text=hint if isinstance(hint, Text) else None,
            place_text=place_text,
        )

    def __str__(self) -> str:
        text = self.place + (f" ({self.where})" if self.where else "") + f": {self.message}"
        return text + (f" — {self.hint}" if self.hint else "")

    def render(self, lang: str = "en") -> str:
        """The problem as one line in ``lang`` ("ja" or "en"); English is ``str(problem)``."""
        if lang != "ja":
            return str(self)
        message = self.text.render(lang) if self.text is not None else self.message
        where = self.where_text.render(lang) if self.where_text is not None else self.where
        hint = self.hint_text.render(lang) if self.hint_text is not None else self.hint
        place = self.place_text.render(lang) if self.place_text is not None else self.place
        line = place + (f"（{where}）" if where else "") + f"：{message}"
        return line + (f" — {hint}" if hint else "")


class StudyFileError(InputError):
    """A study file that cannot be read at all (not UTF-8, not TOML, nested too deeply), with
    its message by code (:mod:`simulation.messages`) for other languages."""

    def __init__(self, said: Text, *, file: str | Path | None = None, hint: str | None = None):
        self.text = said
        super().__init__(said.render("en"), file=file, hint=hint)


class StudyError(InputError):
    """A study file with problems; ``problems`` lists every one of them with its place."""

    def __init__(self, problems: Sequence[StudyProblem], *, file: str | Path | None = None) -> None:
        self.problems: tuple[StudyProblem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        message = f"{count} problem{'s' if count != 1 else ''} in the study:\n{lines}"
        super().__init__(message, file=file)


# --------------------------------------------------------------------------- reading


def load_study(path: str | Path, *, check: bool = True) -> Study:
    """Read a study from a ``.toml`` file or an ``.xlsx`` workbook and check it.

    Raises :class:`StudyError` listing every problem with its place (unknown keys with a
    close-match suggestion, wrong types, and — with ``check`` — the semantic checks of
    :func:`simulation.checks.check_study`), or :class:`InputError` when the file is missing.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(
            "study file not found", file=path, hint="give the path of a .toml or .xlsx study"
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        from simulation.excel import read_study_xlsx

        return read_study_xlsx(path, check=check)
    if suffix != ".toml":
        raise InputError(
            f"unknown study file type {suffix!r}",
            file=path,
            hint="use a .toml file or an .xlsx workbook",
        )
    try:
        text = path.read_text(encoding="utf-8")
        check_nesting(text, source=path, what="study file")  # never a RecursionError
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise StudyFileError(msg("file.not_utf8"), file=path, hint="save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE_RE.search(str(exc))
        said = msg("file.not_toml", detail=str(exc), line=line.group(1) if line else "?")
        raise StudyFileError(said, file=path, hint=toml_error_hint(path, str(exc))) from exc
    except InputError as exc:  # check_nesting: too long or nested too deeply
        raise StudyFileError(_too_large(exc.message), file=path, hint=exc.hint) from exc
    return study_from_dict(data, source=path, check=check)


_TOML_LINE_RE = re.compile(r"at line (\d+)")
_DEEP_RE = re.compile(r"nested ([\d,]+) levels")
_LONG_RE = re.compile(r"([\d,]+) characters long \(limit ([\d,]+)\)")


def _too_large(said: str) -> Text:
    """The message of :func:`journeys.safe_toml.check_nesting` by code."""
    deep, long = _DEEP_RE.search(said), _LONG_RE.search(said)
    if deep:
        return msg("file.too_deep", detail=said, depth=deep.group(1))
    if long:
        return msg("file.too_long", detail=said, n=long.group(1), limit=long.group(2))
    return msg("file.unreadable", detail=said)


#: Characters a Japanese keyboard slips into TOML that TOML does not read as syntax.
_LOOKALIKES = "“”‘’„＂＇＝［］｛｝，．＃"


def toml_error_hint(path: str | Path, message: str) -> str | None:
    """A hint for a TOML syntax error whose line holds full-width or curly characters.

    ``"Invalid value (at line 524, column 21)"`` alone does not say that ``１１０`` or a curly
    quote “ is the cause; this names the characters found on that line.
    """
    match = _TOML_LINE_RE.search(message)
    if match is None:
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    number = int(match.group(1))
    if not 1 <= number <= len(lines):
        return None
    line = lines[number - 1]
    found = sorted(
        {
            ch
            for ch in line
            if ch in _LOOKALIKES
            or (unicodedata.east_asian_width(ch) == "F" and ch != unicodedata.normalize("NFKC", ch))
        }
    )
    if not found:
        return None
    return (
        f"line {number} holds full-width or curly characters ({' '.join(found)}): TOML needs "
        'ASCII digits, = and straight quotes " outside the quoted text'
    )


#: Keys whose text is the user's own words: kept exactly as typed (not normalised).
_FREE_TEXT_KEYS = frozenset({"name_ja", "name_en", "bring_ja", "bring_en"})


def normalise_text(value: Any, key: str = "") -> Any:
    """NFKC-normalise every string (and key) of parsed study data: ``"１１０"`` → ``"110"``.

    TOML and Excel input go through the same normalisation before checking, so full-width
    digits, letters and symbols mean the same in both. Names (``name_ja`` …) are kept as typed.
    """
    if key in _FREE_TEXT_KEYS:
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            new_key = unicodedata.normalize("NFKC", k) if isinstance(k, str) else k
            out[new_key] = normalise_text(v, str(new_key))
        return out
    if isinstance(value, list):
        return [normalise_text(v, key) for v in value]
    return value


def study_from_dict(
    data: Mapping[str, Any],
    *,
    source: str | Path | None = None,
    check: bool = True,
    locate: typing.Callable[[tuple[str | int, ...]], Text | str] | None = None,
) -> Study:
    """Build a checked :class:`Study` from the parsed content of a study file.

    ``locate`` turns a key path into a human place name (the Excel reader names sheet, row and
    column); by default places are TOML table names with the ids of the tables on the way.
    """
    data = normalise_text(dict(data))
    try:
        study = Study.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, data, locate=locate)
        raise StudyError(problems, file=source) from None
    study.with_source(source)
    if check:
        from simulation.checks import check_study

        problems = check_study(study)
        if problems:
            raise StudyError(problems, file=source)
    return study


def validation_problems(
    exc: ValidationError,
    data: Mapping[str, Any],
    *,
    locate: typing.Callable[[tuple[str | int, ...]], Text | str] | None = None,
) -> list[StudyProblem]:
    """Turn pydantic's errors into :class:`StudyProblem` s named by their place in the file."""
    problems: list[StudyProblem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        loc = _clean_loc(error["loc"])
        message, hint = _error_text(error, loc)
        place = format_place(loc)
        where = locate(loc) if locate is not None else describe_place_text(loc, data)
        english = message.render("en")
        if (place, english) in seen:
            continue
        seen.add((place, english))
        problems.append(StudyProblem.of(loc, message, where, hint, place=place))
    return problems


#: pydantic error types → message codes (the English text stays pydantic's own).
_ERROR_CODES: dict[str, str] = {
    "float_parsing": "model.not_number",
    "float_type": "model.not_number",
    "finite_number": "model.not_number",
    "int_parsing": "model.not_integer",
    "int_type": "model.not_integer",
    "int_from_float": "model.not_integer",
    "bool_parsing": "model.not_bool",
    "bool_type": "model.not_bool",
    "string_type": "model.not_text",
    "list_type": "model.not_list",
    "tuple_type": "model.not_list",
    "dict_type": "model.not_table",
    "model_type": "model.not_table",
    "model_attributes_type": "model.not_table",
    "literal_error": "model.choice",
    "enum": "model.choice",
    "greater_than": "model.too_small",
    "greater_than_equal": "model.too_small",
    "less_than": "model.too_large",
    "less_than_equal": "model.too_large",
    "too_short": "model.too_short",
    "too_long": "model.too_long",
}
#: Messages of this module's own validators, by their English wording.
_VALUE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^time of day must be 'HH:MM', got '(.*)'$"), "model.time_of_day"),
    (re.compile(r"^time of day after 24:00: '(.*)'$"), "model.time_after_midnight"),
    (re.compile(r"^date must be 'MM-DD', got '(.*)'$"), "model.month_day"),
)


def _error_text(error: Any, loc: tuple[str | int, ...]) -> tuple[Text, Text | str]:
    """The message and hint of one pydantic error, by code (English as pydantic says it)."""
    kind = error["type"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
        hint: Text | str = (
            msg("hint.did_you_mean", word=close[0])
            if close
            else msg("hint.allowed_keys", keys=", ".join(sorted(allowed)))
            if allowed
            else ""
        )
        parent = _owning_table(loc)
        if parent is not None and not close:
            return msg("model.misplaced_key", key=key), msg("hint.move_key", key=key, parent=parent)
        return msg("model.unknown_key", key=key), hint
    if kind == "missing":
        return msg("model.missing_key", key=key), ""
    if kind == "value_error":
        said = str(error["msg"]).removeprefix("Value error, ")
        for pattern, code in _VALUE_ERRORS:
            found = pattern.match(said)
            if found:
                return msg(code, value=found.group(1)), ""
        return msg("model.value", msg=said, got=_short(error.get("input"))), ""
    code = _ERROR_CODES.get(kind, "model.invalid")
    expected = str((error.get("ctx") or {}).get("expected", "")).replace(" or ", "、")
    params: dict[str, object] = {"msg": error["msg"], "got": _short(error.get("input"))}
    if code == "model.choice":
        params["expected"] = expected
    return msg(code, **params), ""


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union-branch markers (``function-after[…]``, type names) from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            out.append(part)
        elif isinstance(part, str) and (
            "[" in part or part in {"str", "float", "int", "list", "bool"}
        ):
            continue
        else:
            out.append(str(part))
    return tuple(out)


def format_place(loc: Sequence[str | int]) -> str:
    """``('scenarios', 1, 'counters', 2, 'staff')`` → ``scenarios[2].counters[3].staff`` (1-based)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += ("." if text else "") + part
    return text or "(file)"


def describe_place(loc: Sequence[str | int], data: Any) -> str:
    """Name the TOML table of a location with the ids on the way.

    ``('scenarios', 1, 'counters', 3, 'staff')`` → ``[[scenarios.counters]] counter "C04" of
    scenario "reform"``.
    """
    return describe_place_text(loc, data).render("en")


def describe_place_text(loc: Sequence[str | int], data: Any) -> Text:
    """:func:`describe_place` by message code (Japanese: ``シナリオ「reform」の窓口「C04」``)."""
    tables: list[str] = []
    ids: list[tuple[str, str]] = []
    array_of_tables = False
    node: Any = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(part, int):
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, Mapping) and "id" in node and tables:
                    singular = tables[-1][:-1] if tables[-1].endswith("s") else tables[-1]
                    ids.append((singular, str(node["id"])))
            else:
                node = None
            continue
        value = node.get(part) if isinstance(node, Mapping) else None
        if not last and isinstance(value, Mapping):
            tables.append(part)
            array_of_tables = False
        elif (
            not last
            and isinstance(value, list)
            and value
            and all(isinstance(v, Mapping) for v in value)
        ):
            tables.append(part)
            array_of_tables = True
        node = value
    if not tables:
        return msg("where.top")
    head = f"[[{'.'.join(tables)}]]" if array_of_tables else f"[{'.'.join(tables)}]"
    if not ids:
        return msg("where.head", head=head)
    items = [msg("where.item", kind=_kind(kind), id=item) for kind, item in ids]
    ja = "の".join(i.render("ja") for i in items)
    en = " of ".join(i.render("en") for i in reversed(items))
    return msg("where.described", head=head, path=ja, path_en=en)


def _kind(singular: str) -> Text | str:
    """The name of a table's item (``counter`` → 窓口 in Japanese), by code when it has one."""
    from simulation.messages import MESSAGES

    code = f"kind.{singular}"
    return msg(code) if code in MESSAGES else singular


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like ``list[Counter] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, dict, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """Keys allowed in the table at ``loc`` (field names, or aliases where set)."""
    model: type[BaseModel] | None = Study
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = _field_by_key(model, part)
        if field is None:
            return []
        model = _model_of(field.annotation)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _owning_table(loc: Sequence[str | int]) -> str | None:
    """The enclosing table where an unknown key at ``loc`` would be allowed, if any."""
    key = loc[-1] if loc else None
    if not isinstance(key, str):
        return None
    names = [part for part in loc[:-1] if isinstance(part, str)]
    for depth in range(len(loc) - 2, -1, -1):
        if key in _allowed_keys(loc[:depth]):
            outer = [part for part in loc[:depth] if isinstance(part, str)]
            if outer != names:
                return ".".join(outer) if outer else "(top level)"
    return None


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None
