"""Semantic checks of a study before any run: every problem listed with its place in the file.

The pydantic model (:mod:`simulation.model`) checks keys and types; these checks look at what
the values mean together — ids that point nowhere, procedures no counter takes, counters with
nobody on duty, shares that do not sum to 1, a one-stop scenario without a one-stop counter,
a grid-paper floor that is missing or does not show a counter. :func:`check_study` returns the
list (empty when the study is fine); :func:`validate_study` raises :class:`StudyError` with it.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulation.limits import limit_problems
from simulation.messages import Text
from simulation.messages import text as msg
from simulation.model import (
    Counter,
    Procedure,
    Scenario,
    ServiceTime,
    Study,
    StudyError,
    StudyProblem,
    load_study,
)

__all__ = [
    "SHARE_TOLERANCE",
    "CheckReport",
    "check_file",
    "check_study",
    "validate_study",
]

#: How far shares (life events, hour profile) may be from summing to 1.
SHARE_TOLERANCE = 0.005
#: Zones a counter may have besides a department id.
SPECIAL_ZONES = ("one_stop", "floor_manager")
#: Ids a grid-paper floor uses for itself; counters and desks cannot have them.
RESERVED_IDS = ("ENT", "TKT", "STAIRS")


class _Collector:
    """Collects problems with places built from key paths (0-based indices, shown 1-based)."""

    def __init__(self) -> None:
        self.problems: list[StudyProblem] = []

    def add(
        self,
        loc: Sequence[str | int],
        message: Text,
        where: Text | str = "",
        hint: Text | str = "",
    ) -> None:
        self.problems.append(StudyProblem.of(loc, message, where, hint))


def validate_study(study: Study, *, study_dir: str | Path | None = None) -> Study:
    """Return ``study`` unchanged when it passes :func:`check_study`, else raise :class:`StudyError`."""
    problems = check_study(study, study_dir=study_dir)
    if problems:
        raise StudyError(problems, file=study.source)
    return study


@dataclass(frozen=True)
class CheckReport:
    """What ``madoguchi check`` finds in a study file: errors (the study cannot run) and warnings."""

    file: Path
    errors: tuple[StudyProblem, ...]
    warnings: tuple[StudyProblem, ...]
    study: Study | None = None

    @property
    def ok(self) -> bool:
        """True when the study has no error (warnings allowed)."""
        return not self.errors


def check_file(path: str | Path) -> CheckReport:
    """Every error and every warning of a study file (TOML or xlsx), each with its place.

    Errors of the study model (unknown keys, wrong types) stop before the semantic checks,
    which need a study; warnings (:mod:`simulation.study_warnings`) need a study too. A file
    that cannot be read at all (missing, not TOML) raises :class:`~journeys.errors.InputError`.
    """
    from simulation.study_warnings import study_warnings

    path = Path(path)
    locate = None
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            from simulation.excel import read_study_xlsx_located, relocate

            study, locate, read_problems = read_study_xlsx_located(path)
        else:
            study, read_problems = load_study(path, check=False), []
    except StudyError as exc:
        return CheckReport(file=path, errors=exc.problems, warnings=())
    errors = read_problems + check_study(study)
    warnings = study_warnings(study)
    if locate is not None:
        errors = [relocate(p, locate) for p in errors]
        warnings = [relocate(p, locate) if "!" not in p.place else p for p in warnings]
    return CheckReport(file=path, errors=tuple(errors), warnings=tuple(warnings), study=study)


def check_study(study: Study, *, study_dir: str | Path | None = None) -> list[StudyProblem]:
    """Every semantic problem of a study, each with its place (empty list = fine).

    ``study_dir`` is where relative ``grid_xlsx`` paths start (default: the study file's folder).
    """
    limits = limit_problems(study)  # first: a study of 12,000 counters stops here
    if limits:
        return limits
    out = _Collector()
    base = Path(study_dir) if study_dir is not None else study.source_dir
    _check_ids(study, out)
    _check_procedures(study, out)
    _check_life_events(study, out)
    _check_arrivals(study, out)
    _check_personas(study, out)
    for index, scenario in enumerate(study.scenarios):
        _check_scenario(study, index, scenario, base, out)
        _check_extensions(scenario, index, out)
    return out.problems


# --------------------------------------------------------------------------- ids


def _duplicates(ids: Sequence[str]) -> list[str]:
    return sorted(i for i, n in Tally(ids).items() if n > 1)


def _check_ids(study: Study, out: _Collector) -> None:
    tables = {
        "departments": [d.id for d in study.departments],
        "procedures": [p.id for p in study.procedures],
        "life_events": [e.id for e in study.life_events],
        "scenarios": [s.id for s in study.scenarios],
    }
    for table, ids in tables.items():
        for dup in _duplicates(ids):
            rows = [str(i + 1) for i, x in enumerate(ids) if x == dup]
            out.add(
                (table, ids.index(dup), "id"),
                msg("check.duplicate_id", id=dup, rows=", ".join(rows), table=table),
                f"[[{table}]]",
                msg("hint.unique_ids"),
            )
        for i, item_id in enumerate(ids):
            if not item_id:
                out.add((table, i, "id"), msg("check.empty_id"), f"[[{table}]]")
    if not study.scenarios:
        out.add(
            ("scenarios",), msg("check.no_scenario"), msg("where.top"), msg("hint.add_scenarios")
        )


# --------------------------------------------------------------------------- procedures


def _check_service(
    loc: tuple[str | int, ...], model: ServiceTime, where: Text, out: _Collector
) -> None:
    if model.dist == "empirical":
        if not model.values:
            out.add((*loc, "values"), msg("check.empirical_values"), where)
        elif any((not math.isfinite(v)) or v < 0 for v in model.values):
            out.add((*loc, "values"), msg("check.service_minutes_negative"), where)
        elif sum(model.values) <= 0:
            out.add((*loc, "values"), msg("check.empirical_zero"), where)
        return
    if model.mean is None:
        out.add((*loc, "mean"), msg("check.needs_mean", dist=model.dist), where)
    elif not math.isfinite(model.mean) or model.mean <= 0:
        out.add((*loc, "mean"), msg("check.mean_positive", value=model.mean), where)
    if model.dist in ("lognormal", "gamma"):
        if model.cv is None:
            out.add((*loc, "cv"), msg("check.needs_cv", dist=model.dist), where)
        elif not math.isfinite(model.cv) or model.cv <= 0:
            out.add((*loc, "cv"), msg("check.cv_positive", value=model.cv), where)
    if model.values is not None:
        out.add((*loc, "values"), msg("check.values_unused", dist=model.dist), where)


def _check_procedures(study: Study, out: _Collector) -> None:
    departments = {d.id for d in study.departments}
    for i, proc in enumerate(study.procedures):
        loc: tuple[str | int, ...] = ("procedures", i)
        where = msg("where.procedure", id=proc.id)
        if proc.department not in departments:
            out.add(
                (*loc, "department"),
                msg("check.unknown_department", id=proc.department),
                where,
                _hint(proc.department, departments),
            )
        for key in ("writing_min", "sign_only_min", "back_office_min"):
            value = getattr(proc, key)
            if not math.isfinite(value) or value < 0:
                out.add((*loc, key), msg("check.minutes_negative", key=key, value=value), where)
        if proc.forms < 0:
            out.add((*loc, "forms"), msg("check.forms_negative", value=proc.forms), where)
        if not 0.0 <= proc.rpa_share <= 1.0:
            out.add(
                (*loc, "rpa_share"),
                msg("check.share_between", key="rpa_share", value=proc.rpa_share),
                where,
            )
        _check_service((*loc, "service", "by_department"), proc.service.by_department, where, out)
        if proc.service.one_stop is not None:
            _check_service((*loc, "service", "one_stop"), proc.service.one_stop, where, out)
        elif proc.one_stop:
            out.add((*loc, "service", "one_stop"), msg("check.one_stop_model"), where)


def _hint(word: str, choices: set[str] | list[str]) -> Text | str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    if close:
        return msg("hint.did_you_mean", word=close[0])
    return msg("hint.known", choices=", ".join(sorted(choices))) if choices else ""


# --------------------------------------------------------------------------- life events


def _check_life_events(study: Study, out: _Collector) -> None:
    procedures = {p.id for p in study.procedures}
    total = 0.0
    for i, event in enumerate(study.life_events):
        loc: tuple[str | int, ...] = ("life_events", i)
        where = msg("where.life_event", id=event.id)
        if not 0.0 <= event.share <= 1.0:
            out.add(
                (*loc, "share"), msg("check.share_between", key="share", value=event.share), where
            )
        total += event.share
        if not event.procedures:
            out.add((*loc, "procedures"), msg("check.needs_procedure"), where)
            continue
        for proc_id, prob in event.procedures.items():
            if proc_id not in procedures:
                out.add(
                    (*loc, "procedures", proc_id),
                    msg("check.unknown_procedure", id=proc_id),
                    where,
                    _hint(proc_id, procedures),
                )
            if not 0.0 <= prob <= 1.0:
                out.add(
                    (*loc, "procedures", proc_id),
                    msg("check.probability_between", value=prob),
                    where,
                )
        if not any(prob == 1.0 for prob in event.procedures.values()):
            out.add(
                (*loc, "procedures"),
                msg("check.no_sure_procedure"),
                where,
                msg("hint.sure_procedure"),
            )
    if study.life_events and abs(total - 1.0) > SHARE_TOLERANCE:
        out.add(
            ("life_events",),
            msg("check.life_event_shares", total=total),
            "[[life_events]] share",
            msg("hint.sum_to_one"),
        )
    if not study.life_events:
        out.add(("life_events",), msg("check.no_life_event"), msg("where.top"))


# --------------------------------------------------------------------------- arrivals


def _check_arrivals(study: Study, out: _Collector) -> None:
    arr = study.arrivals
    loc: tuple[str | int, ...] = ("arrivals",)
    where = "[arrivals]"
    if not math.isfinite(arr.residents_per_day) or arr.residents_per_day <= 0:
        out.add(
            (*loc, "residents_per_day"),
            msg("check.residents_positive", value=arr.residents_per_day),
            where,
        )
    if arr.open_min >= arr.close_min:
        out.add(
            (*loc, "close"), msg("check.close_after_open", close=arr.close, open=arr.open), where
        )
    else:
        first = arr.first_hour
        last_start = (arr.close_min - 1) // 60  # hour in which the last minute of opening falls
        longest = last_start - first + 1
        shortest = longest - 1 if arr.close_min % 60 else longest
        n = len(arr.hour_profile)
        if not shortest <= n <= longest:
            expected: Text | str = (
                f"{longest}" if shortest == longest else msg("check.either", a=shortest, b=longest)
            )
            out.add(
                (*loc, "hour_profile"),
                msg(
                    "check.hour_profile_length",
                    n=n,
                    open=arr.open,
                    close=arr.close,
                    expected=expected,
                    first=first,
                ),
                where,
            )
    if any((not math.isfinite(v)) or v < 0 for v in arr.hour_profile):
        out.add((*loc, "hour_profile"), msg("check.hour_profile_negative"), where)
    elif arr.hour_profile and abs(sum(arr.hour_profile) - 1.0) > SHARE_TOLERANCE:
        out.add(
            (*loc, "hour_profile"),
            msg("check.hour_profile_sum", total=sum(arr.hour_profile)),
            where,
        )
    if len(arr.weekday_factor) != 5:
        out.add(
            (*loc, "weekday_factor"),
            msg("check.weekday_factor_length", n=len(arr.weekday_factor)),
            where,
        )
    if len(arr.month_factor) != 12:
        out.add(
            (*loc, "month_factor"),
            msg("check.month_factor_length", n=len(arr.month_factor)),
            where,
        )
    for key in ("weekday_factor", "month_factor"):
        if any((not math.isfinite(v)) or v < 0 for v in getattr(arr, key)):
            out.add((*loc, key), msg("check.factor_negative", key=key), where)
    events = {e.id for e in study.life_events}
    for i, peak in enumerate(arr.peaks):
        ploc = (*loc, "peaks", i)
        pwhere = f"[[arrivals.peaks]] {peak.from_}–{peak.to}"
        if not math.isfinite(peak.factor) or peak.factor <= 0:
            out.add((*ploc, "factor"), msg("check.peak_factor_positive", value=peak.factor), pwhere)
        for event_id in peak.life_events or []:
            if event_id not in events:
                out.add(
                    (*ploc, "life_events"),
                    msg("check.unknown_life_event", id=event_id),
                    pwhere,
                    _hint(event_id, events),
                )


# --------------------------------------------------------------------------- scenarios


def _check_scenario(
    study: Study, index: int, scenario: Scenario, base: Path, out: _Collector
) -> None:
    loc: tuple[str | int, ...] = ("scenarios", index)
    where = msg("where.scenario", id=scenario.id)
    if not math.isfinite(scenario.walking_speed_m_per_min) or scenario.walking_speed_m_per_min <= 0:
        out.add(
            (*loc, "walking_speed_m_per_min"),
            msg("check.walking_speed_positive", value=scenario.walking_speed_m_per_min),
            where,
        )
    if not math.isfinite(scenario.floor_change_m) or scenario.floor_change_m < 0:
        out.add(
            (*loc, "floor_change_m"),
            msg("check.floor_change_negative", value=scenario.floor_change_m),
            where,
        )
    for key in ("omission_rate", "no_show_rate"):
        value = getattr(scenario, key)
        if not 0.0 <= value < 1.0:
            out.add((*loc, key), msg("check.rate_below_one", key=key, value=value), where)
    if scenario.behaviour.balk_queue < 1:
        out.add(
            (*loc, "behaviour", "balk_queue"),
            msg("check.at_least_one", key="balk_queue", value=scenario.behaviour.balk_queue),
            where,
        )
    if not scenario.behaviour.patience_mean_min > 0:
        out.add(
            (*loc, "behaviour", "patience_mean_min"),
            msg(
                "check.minutes_positive",
                key="patience_mean_min",
                value=scenario.behaviour.patience_mean_min,
            ),
            where,
        )
    if scenario.back_office is not None and scenario.back_office.staff < 0:
        out.add(
            (*loc, "back_office", "staff"),
            msg("check.back_office_staff", value=scenario.back_office.staff),
            where,
        )
    fm = scenario.floor_manager
    if fm is not None:
        if fm.staff < 1:
            out.add(
                (*loc, "floor_manager", "staff"),
                msg("check.floor_manager_staff", value=fm.staff),
                where,
            )
        if not fm.triage_min > 0:
            out.add(
                (*loc, "floor_manager", "triage_min"),
                msg("check.minutes_positive", key="triage_min", value=fm.triage_min),
                where,
            )
    if scenario.flow == "one_stop":
        if fm is None:
            out.add(
                (*loc, "floor_manager"),
                msg("check.one_stop_needs_floor_manager"),
                where,
                msg("hint.floor_manager"),
            )
        if not scenario.one_stop_counters:
            out.add((*loc, "counters"), msg("check.one_stop_needs_counter"), where)
    elif scenario.one_stop_counters:
        ids = ", ".join(c.id for c in scenario.one_stop_counters)
        out.add((*loc, "flow"), msg("check.one_stop_unused", ids=ids), where, msg("hint.flow"))
    if not scenario.counters:
        out.add((*loc, "counters"), msg("check.no_counter"), where)

    counter_ids = [c.id for c in scenario.counters]
    for dup in _duplicates(counter_ids):
        out.add(
            (*loc, "counters", counter_ids.index(dup), "id"),
            msg("check.duplicate_counter", id=dup),
            where,
        )
    desk_ids = [d.id for d in scenario.floor.desks]
    for dup in _duplicates(desk_ids):
        out.add(
            (*loc, "floor", "desks", desk_ids.index(dup), "id"),
            msg("check.duplicate_desk", id=dup),
            where,
        )
    for clash in sorted(set(counter_ids) & set(desk_ids)):
        out.add(
            (*loc, "floor", "desks", desk_ids.index(clash), "id"),
            msg("check.desk_is_counter", id=clash),
            where,
            msg("hint.distinct_points"),
        )
    for i, point_id in enumerate(desk_ids):
        if point_id.upper() in RESERVED_IDS:
            out.add((*loc, "floor", "desks", i, "id"), msg("check.reserved_id", id=point_id), where)

    for i, counter in enumerate(scenario.counters):
        _check_counter(study, scenario, (*loc, "counters", i), counter, out)
        if counter.id.upper() in RESERVED_IDS:
            out.add((*loc, "counters", i, "id"), msg("check.reserved_id", id=counter.id), where)

    _check_coverage(study, scenario, loc, where, out)
    if scenario.floor.grid_xlsx:
        from simulation.floorplan import grid_problems

        for problem in grid_problems(study, scenario.id, base):
            out.problems.append(problem)


def _check_counter(
    study: Study, scenario: Scenario, loc: tuple[str | int, ...], counter: Counter, out: _Collector
) -> None:
    where = msg("where.counter", id=counter.id, scenario=scenario.id)
    known = {p.id: p for p in study.procedures}
    departments = {d.id for d in study.departments}
    if counter.zone not in departments and counter.zone not in SPECIAL_ZONES:
        out.add(
            (*loc, "zone"),
            msg("check.unknown_zone", zone=counter.zone),
            where,
            _hint(counter.zone, departments | set(SPECIAL_ZONES)),
        )
    for proc_id in counter.procedures:
        proc: Procedure | None = known.get(proc_id)
        if proc is None:
            out.add(
                (*loc, "procedures"),
                msg("check.unknown_procedure", id=proc_id),
                where,
                _hint(proc_id, set(known)),
            )
        elif counter.kind == "one_stop" and not proc.one_stop:
            out.add(
                (*loc, "procedures"),
                msg("check.one_stop_lists_department_procedure", id=proc_id),
                where,
                msg("hint.one_stop_procedure"),
            )
    if counter.kind == "department" and not counter.procedures:
        out.add((*loc, "procedures"), msg("check.department_counter_procedures"), where)
    if counter.staff < 1:
        out.add((*loc, "staff"), msg("check.staff_at_least_one", value=counter.staff), where)
    if counter.min_staff is not None and counter.min_staff < 1:
        out.add((*loc, "min_staff"), msg("check.min_staff", value=counter.min_staff), where)
    if counter.max_staff is not None and counter.max_staff < max(counter.min_staff or 1, 1):
        out.add(
            (*loc, "max_staff"),
            msg("check.max_below_min", max=counter.max_staff, min=counter.min_staff or 1),
            where,
            msg("hint.max_staff"),
        )
    if not counter.shifts:
        out.add((*loc, "shifts"), msg("check.no_shift"), where, msg("hint.add_shift"))
    for j, shift in enumerate(counter.shifts):
        if shift.end_min <= shift.start_min:
            out.add(
                (*loc, "shifts", j),
                msg("check.shift_order", end=shift.end, start=shift.start),
                where,
            )
        if shift.staff < 1:
            out.add(
                (*loc, "shifts", j, "staff"), msg("check.shift_staff", value=shift.staff), where
            )
    # overlapping shifts may not put more servers on duty than the counter has
    cuts = sorted({s.start_min for s in counter.shifts} | {s.end_min for s in counter.shifts})
    for start, end in itertools.pairwise(cuts):
        on_duty = counter.staff_at(start)
        if on_duty > counter.staff:
            out.add(
                (*loc, "shifts"),
                msg(
                    "check.shifts_over_staff",
                    on_duty=on_duty,
                    start=_hhmm(start),
                    end=_hhmm(end),
                    staff=counter.staff,
                ),
                where,
                msg("hint.trim_shifts"),
            )
            break
    _check_counter_hours(study, loc, counter, where, out)
    lunch = counter.lunch
    if lunch is not None:
        window = lunch.end_min - lunch.start_min
        if window <= 0:
            out.add(
                (*loc, "lunch"), msg("check.lunch_order", end=lunch.end, start=lunch.start), where
            )
        elif not 0 < lunch.minutes <= window:
            out.add(
                (*loc, "lunch", "minutes"),
                msg(
                    "check.lunch_minutes",
                    window=window,
                    start=lunch.start,
                    end=lunch.end,
                    value=lunch.minutes,
                ),
                where,
            )


def _check_counter_hours(
    study: Study, loc: tuple[str | int, ...], counter: Counter, where: Text, out: _Collector
) -> None:
    """A counter's own ``open``/``close`` lie inside the hall's hours, open before close."""
    hall_open, hall_close = study.arrivals.open_min, study.arrivals.close_min
    opens = counter.open_min if counter.open_min is not None else hall_open
    closes = counter.close_min if counter.close_min is not None else hall_close
    if counter.open_min is not None and not hall_open <= counter.open_min < hall_close:
        out.add(
            (*loc, "open"),
            msg(
                "check.counter_opens_outside",
                time=counter.open,
                open=study.arrivals.open,
                close=study.arrivals.close,
            ),
            where,
            msg("hint.counter_open"),
        )
    if counter.close_min is not None and not hall_open < counter.close_min <= hall_close:
        out.add(
            (*loc, "close"),
            msg(
                "check.counter_closes_outside",
                time=counter.close,
                open=study.arrivals.open,
                close=study.arrivals.close,
            ),
            where,
            msg("hint.counter_close"),
        )
    elif closes <= opens:
        out.add(
            (*loc, "close"), msg("check.counter_closes_before_opening", time=_hhmm(closes)), where
        )


def _check_personas(study: Study, out: _Collector) -> None:
    """Persona ids are unique and their shares add up to at most 1."""
    seen: set[str] = set()
    for k, persona in enumerate(study.personas):
        if persona.id in seen:
            out.add(
                ("personas", k, "id"), msg("check.duplicate_persona", id=persona.id), "[[personas]]"
            )
        seen.add(persona.id)
    total = sum(p.share for p in study.personas)
    if total > 1.0 + 1e-9:
        out.add(
            ("personas",),
            msg("check.persona_shares", total=total),
            "[[personas]]",
            msg("hint.persona_shares"),
        )


def _check_extensions(scenario: Scenario, index: int, out: _Collector) -> None:
    """Each extension says ``use = "file.py:Class"`` or ``"package.module:Class"``."""
    for k, spec in enumerate(scenario.extensions):
        module, _, name = spec.use.partition(":")
        if not module or not name.isidentifier():
            out.add(
                ("scenarios", index, "extensions", k, "use"),
                msg("check.extension_use", use=spec.use),
                msg("where.extensions", scenario=scenario.id),
                msg("hint.extension_use"),
            )


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_coverage(
    study: Study, scenario: Scenario, loc: tuple[str | int, ...], where: Text, out: _Collector
) -> None:
    """Each counter has staff on duty from open to close; each needed procedure has a counter."""
    arr = study.arrivals
    if arr.open_min < arr.close_min:
        for i, counter in enumerate(scenario.counters):
            if not counter.shifts or counter.staff < 1:
                continue
            cuts = sorted(
                {arr.open_min}
                | {
                    s.start_min
                    for s in counter.shifts
                    if arr.open_min < s.start_min < arr.close_min
                }
                | {s.end_min for s in counter.shifts if arr.open_min < s.end_min < arr.close_min}
            )
            gaps = [m for m in cuts if counter.staff_at(m) < 1]
            if gaps:
                nxt = [c for c in cuts if c > gaps[0]] + [arr.close_min]
                out.add(
                    (*loc, "counters", i, "shifts"),
                    msg(
                        "check.no_staff_on_duty",
                        start=_hhmm(gaps[0]),
                        until=_hhmm(nxt[0]),
                        open=arr.open,
                        close=arr.close,
                    ),
                    msg("where.counter", id=counter.id, scenario=scenario.id),
                    msg("hint.cover_hours"),
                )
    needed: dict[str, str] = {}
    for event in study.life_events:
        for proc_id, prob in event.procedures.items():
            if prob > 0:
                needed.setdefault(proc_id, event.id)
    for proc in study.procedures:
        if proc.id not in needed:
            continue
        department = scenario.counters_for(proc.id, kind="department")
        one_stop = (
            scenario.counters_for(proc.id, kind="one_stop") if scenario.flow == "one_stop" else []
        )
        if proc.one_stop and scenario.flow == "one_stop":
            if not one_stop and not department:
                out.add(
                    (*loc, "counters"),
                    msg("check.no_counter_takes", id=proc.id, event=needed[proc.id]),
                    where,
                    msg("hint.list_procedure"),
                )
        elif not department:
            out.add(
                (*loc, "counters"),
                msg("check.no_department_counter_takes", id=proc.id, event=needed[proc.id]),
                where,
                msg("hint.department_counter", id=proc.id, department=proc.department),
            )
