"""Congestion forecast: expected residents and waits per open day and hour, and its backtest.

The arrival model is the study's own (``residents_per_day`` × weekday factor × month factor ×
the March–April peaks × the hour profile), calibrated on an observed counter log with
:func:`simulation.calibrate.fit_arrivals` (residents per day, weekday factors, hour profile;
month factors and peaks are kept from the study, as eight weeks cannot separate them), times
three **calendar effects** fitted here on the same log's visits per day:

* the day after a holiday (the first open day after closed weekdays that include a holiday),
* the first working day of the month, and the last working day of the month.

Each effect is the ratio of observed to expected visits on the days that have it, shrunk
towards 1 by one average day's worth of visits (a log with a single such day does not swing
it), fitted in turn until they settle. Closed days are weekends, the study's ``holidays`` and
Japan's national holidays (``jpholiday``) on which the log shows no visit.

The **forecast** puts the fitted arrivals into a copy of the study (the calendar effects as
one-day ``peaks``, the national holidays of the period into ``holidays``), simulates every open
day of the period with the study's staffing (:func:`simulation.experiments.run_experiment`,
common random numbers), and reports per day and hour the expected residents (the model's
expectation) and the wait of the tickets drawn in that hour (mean, median, 90th percentile,
pooled over replications). Each half-day (morning before 12:00, afternoon) gets a crowding
level from the mean wait of its tickets: 空いています (quiet) under 15 minutes, やや混雑 (somewhat
busy) under 30, 混雑 (busy) from 30. The mean, not the median: in a hall where quick
certificate counters and slow moving-in counters share the day, the median hides the long
queues that residents remember.

The **backtest** fits on the days of an observed log before a split date and forecasts the
days after it. It reports the mean absolute error of hourly mean waits and how many of the 10
busiest observed days are among the 10 busiest forecast days, next to a naive forecast: the
mean of the same weekday in the last four weeks before the split.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import jpholiday
import numpy as np
import polars as pl

from journeys.errors import InputError
from simulation.arrivals import event_rates
from simulation.calibrate import fit_arrivals
from simulation.experiments import run_experiment
from simulation.model import Peak, Study, study_from_dict

__all__ = [
    "CROWDING",
    "ArrivalForecast",
    "BacktestResult",
    "Forecast",
    "backtest",
    "crowding_level",
    "fit_forecast_model",
    "forecast",
]

#: Crowding levels of a half-day: (upper bound of the mean wait in minutes, Japanese, English).
CROWDING: tuple[tuple[float, str, str], ...] = (
    (15.0, "空いています", "Quiet"),
    (30.0, "やや混雑", "Somewhat busy"),
    (math.inf, "混雑", "Busy"),
)
#: The busiest days compared by the backtest.
BUSIEST = 10
#: Weeks of history the naive forecast averages (same weekday).
NAIVE_WEEKS = 4
_EFFECTS = ("after_holiday", "first_working_day", "last_working_day")


def crowding_level(mean_wait_min: float | None) -> int:
    """0 quiet, 1 somewhat busy, 2 busy (see :data:`CROWDING`); 0 when nobody waited."""
    if mean_wait_min is None or not math.isfinite(mean_wait_min):
        return 0
    for level, (upper, _, _) in enumerate(CROWDING):
        if mean_wait_min < upper:
            return level
    return len(CROWDING) - 1


# --------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class HallCalendar:
    """Which days the hall is closed: weekends, listed holidays, national holidays."""

    closed: frozenset[dt.date]

    def is_open(self, day: dt.date) -> bool:
        """A weekday that is not a closed day."""
        return day.weekday() < 5 and day not in self.closed

    def flags(self, day: dt.date) -> dict[str, bool]:
        """The calendar effects of an open day (see the module docstring)."""
        before = day - dt.timedelta(days=1)
        after_holiday = False
        while not self.is_open(before):
            after_holiday = after_holiday or (before in self.closed)
            before -= dt.timedelta(days=1)
        first = not any(self.is_open(day.replace(day=k)) for k in range(1, day.day) if k != day.day)
        nxt = day + dt.timedelta(days=1)
        last = True
        while nxt.month == day.month:
            if self.is_open(nxt):
                last = False
                break
            nxt += dt.timedelta(days=1)
        return {
            "after_holiday": after_holiday,
            "first_working_day": first,
            "last_working_day": last,
        }


def national_holidays(first: dt.date, last: dt.date) -> set[dt.date]:
    """Japan's national holidays (振替休日 included) from ``first`` to ``last``."""
    return {d for d, _ in jpholiday.between(first, last)}


def log_calendar(study: Study, log_days: Sequence[dt.date]) -> HallCalendar:
    """Closed days around an observed log: weekdays of its span without visits, and the listed
    and national holidays outside it."""
    seen = set(log_days)
    lo, hi = min(seen), max(seen)
    span = {lo + dt.timedelta(days=k) for k in range((hi - lo).days + 1)}
    listed = set(study.arrivals.holidays) | national_holidays(
        lo - dt.timedelta(days=40), hi + dt.timedelta(days=40)
    )
    closed = {d for d in span if d.weekday() < 5} - seen
    return HallCalendar(frozenset(closed | (listed - span)))


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class ArrivalForecast:
    """The calibrated arrival model: the fitted study and the calendar effects."""

    study: Study
    log_scenario: str
    effects: dict[str, float]
    effect_days: dict[str, int]
    notes: tuple[str, ...]

    def base_visits(self, day: dt.date) -> float:
        """Expected visits of the study's model on ``day`` (return visits included)."""
        omission = self.study.scenario(self.log_scenario).omission_rate
        return float(event_rates(self.study, day).sum()) * (1.0 + omission)

    def factor(self, day: dt.date, calendar: HallCalendar) -> float:
        """The product of the calendar effects that apply to ``day``."""
        flags = calendar.flags(day)
        return float(np.prod([self.effects[k] for k in _EFFECTS if flags[k]]))

    def expected_visits(self, day: dt.date, calendar: HallCalendar) -> float:
        """Expected visits of an open day: the study's model times its calendar effects."""
        if not calendar.is_open(day):
            return 0.0
        return self.base_visits(day) * self.factor(day, calendar)


def _visits_per_day(log: pl.DataFrame) -> pl.DataFrame:
    """Observed visits per day (day of each visit's first ticket): day, visits."""
    first = log.group_by("visit_id").agg(pl.col("issued_at").min())
    return (
        first.group_by(pl.col("issued_at").dt.date().alias("day"))
        .agg(pl.len().alias("visits"))
        .sort("day")
    )


def _log_scenario(log: pl.DataFrame, study: Study, scenario_id: str | None) -> str:
    if scenario_id is not None:
        return study.scenario(scenario_id).id
    if "scenario" in log.columns:
        names = log.get_column("scenario").drop_nulls().unique().to_list()
        known = [n for n in names if n in study.scenario_ids]
        if len(known) == 1:
            return str(known[0])
    return study.scenario_ids[0]


def fit_forecast_model(
    log: pl.DataFrame, study: Study, *, scenario_id: str | None = None
) -> ArrivalForecast:
    """Calibrate the arrival model and the calendar effects on an observed counter log."""
    if log.height == 0:
        raise InputError("the counter log has no ticket to fit the forecast on")
    sid = _log_scenario(log, study, scenario_id)
    values, _, notes = fit_arrivals(log, study, scenario_id=sid)
    data = study.model_dump(mode="python", by_alias=True, exclude_none=True)
    data["arrivals"].update(values)
    fitted = study_from_dict(data, source=study.source)
    per_day = _visits_per_day(log)
    days = per_day.get_column("day").to_list()
    observed = per_day.get_column("visits").to_numpy().astype(float)
    calendar = log_calendar(study, days)
    model = ArrivalForecast(fitted, sid, dict.fromkeys(_EFFECTS, 1.0), {}, ())
    base = np.array([model.base_visits(d) for d in days])
    flags = np.array([[calendar.flags(d)[k] for k in _EFFECTS] for d in days], dtype=bool)
    effects = np.ones(len(_EFFECTS))
    prior = float(base.mean()) if base.size else 0.0
    for _ in range(20):
        for k in range(len(_EFFECTS)):
            rows = flags[:, k]
            others = np.prod(
                np.where(np.delete(flags, k, axis=1), np.delete(effects, k), 1.0), axis=1
            )
            expected = float(np.sum(base[rows] * others[rows]))
            effects[k] = (float(observed[rows].sum()) + prior) / (expected + prior)
    counts = {k: int(flags[:, j].sum()) for j, k in enumerate(_EFFECTS)}
    notes.append(
        "calendar effects: "
        + ", ".join(f"{k} ×{effects[j]:.3f} ({counts[k]} days)" for j, k in enumerate(_EFFECTS))
    )
    return ArrivalForecast(
        fitted,
        sid,
        {k: round(float(effects[j]), 4) for j, k in enumerate(_EFFECTS)},
        counts,
        tuple(notes),
    )


# --------------------------------------------------------------------------- the forecast


@dataclass(frozen=True)
class Forecast:
    """A forecast of a period: ``hours`` (date, hour, expected_residents, tickets, wait_min_mean,
    wait_min_p50, wait_min_p90) and ``half_days`` (date, half, wait_min_mean, wait_min_p50,
    level, label_ja, label_en), plus the open days and the closed days of the period."""

    hours: pl.DataFrame
    half_days: pl.DataFrame
    days: tuple[dt.date, ...]
    closed: tuple[dt.date, ...]
    scenario_id: str
    model: ArrivalForecast
    calendar: HallCalendar


def forecast_study(
    model: ArrivalForecast, study: Study, calendar: HallCalendar, days: Sequence[dt.date]
) -> Study:
    """``study`` with the model's arrivals, one-day peaks for the calendar effects and the
    period's closed days as holidays (for simulating exactly those days)."""
    new = copy.deepcopy(study)
    arr = new.arrivals
    fitted = model.study.arrivals
    arr.residents_per_day = fitted.residents_per_day
    arr.weekday_factor = list(fitted.weekday_factor)
    arr.hour_profile = list(fitted.hour_profile)
    peaks = list(arr.peaks)
    for day in days:
        factor = model.factor(day, calendar)
        if abs(factor - 1.0) > 1e-9:
            md = f"{day.month:02d}-{day.day:02d}"
            peaks.append(Peak.model_validate({"from": md, "to": md, "factor": round(factor, 6)}))
    arr.peaks = peaks
    span = [d for d in calendar.closed if days and days[0] <= d <= days[-1]]
    arr.holidays = sorted(set(arr.holidays) | set(span))
    return new


def _period_calendar(study: Study, first: dt.date, last: dt.date) -> HallCalendar:
    closed = set(study.arrivals.holidays) | national_holidays(first - dt.timedelta(days=40), last)
    return HallCalendar(frozenset(closed))


def forecast(
    model: ArrivalForecast,
    study: Study,
    first: dt.date,
    last: dt.date,
    *,
    scenario_id: str | None = None,
    replications: int = 5,
    seed: int = 20260401,
    calendar: HallCalendar | None = None,
) -> Forecast:
    """Expected residents and waits per open day and hour from ``first`` to ``last``."""
    if last < first:
        raise InputError(f"the period ends ({last}) before it starts ({first})")
    if (last - first).days > 366:
        raise InputError("a forecast covers at most one year", hint="shorten --from/--to")
    sid = study.scenario(scenario_id).id if scenario_id else model.log_scenario
    calendar = calendar or _period_calendar(study, first, last)
    period = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    days = [d for d in period if calendar.is_open(d)]
    if not days:
        raise InputError(f"the hall is closed every day from {first} to {last}")
    sim_study = forecast_study(model, study, calendar, days)
    result = run_experiment(
        sim_study,
        replications=replications,
        seed=seed,
        days=days,
        progress=False,
        scenario_ids=[sid],
    )
    hours = _hour_table(result.log, model, sim_study, calendar, days, replications)
    closed = tuple(d for d in period if d.weekday() < 5 and not calendar.is_open(d))
    return Forecast(hours, _half_days(result.log), tuple(days), closed, sid, model, calendar)


def _waits(log: pl.DataFrame) -> pl.DataFrame:
    """Called tickets with their day, clock hour of issue and wait in minutes."""
    return log.filter(pl.col("called_at").is_not_null()).select(
        date=pl.col("issued_at").dt.date(),
        hour=pl.col("issued_at").dt.hour().cast(pl.Int64),
        wait=(pl.col("called_at") - pl.col("issued_at")).dt.total_microseconds() / 60e6,
    )


def _hour_table(
    log: pl.DataFrame,
    model: ArrivalForecast,
    study: Study,
    calendar: HallCalendar,
    days: Sequence[dt.date],
    replications: int,
) -> pl.DataFrame:
    arr = study.arrivals
    hours = [arr.first_hour + k for k in range(len(arr.hour_profile))]
    expected = pl.DataFrame(
        [
            (day, hour, model.expected_visits(day, calendar) * share)
            for day in days
            for hour, share in zip(hours, model.study.arrivals.hour_profile, strict=True)
        ],
        schema={"date": pl.Date, "hour": pl.Int64, "expected_residents": pl.Float64},
        orient="row",
    )
    last_hour = hours[-1]
    waits = (
        _waits(log)
        .with_columns(pl.col("hour").clip(hours[0], last_hour))
        .group_by("date", "hour")
        .agg(
            tickets=pl.len() / replications,
            wait_min_mean=pl.col("wait").mean(),
            wait_min_p50=pl.col("wait").quantile(0.5, "linear"),
            wait_min_p90=pl.col("wait").quantile(0.9, "linear"),
        )
    )
    return (
        expected.join(waits, on=["date", "hour"], how="left")
        .with_columns(pl.col("tickets").fill_null(0.0))
        .sort("date", "hour")
    )


def _half_days(log: pl.DataFrame) -> pl.DataFrame:
    half = (
        _waits(log)
        .with_columns(half=pl.when(pl.col("hour") < 12).then(pl.lit("am")).otherwise(pl.lit("pm")))
        .group_by("date", "half")
        .agg(
            wait_min_mean=pl.col("wait").mean(),
            wait_min_p50=pl.col("wait").quantile(0.5, "linear"),
        )
        .sort("date", "half")
    )
    levels = [crowding_level(v) for v in half.get_column("wait_min_mean").to_list()]
    return half.with_columns(
        level=pl.Series(levels, dtype=pl.Int64),
        label_ja=pl.Series([CROWDING[k][1] for k in levels], dtype=pl.String),
        label_en=pl.Series([CROWDING[k][2] for k in levels], dtype=pl.String),
    )


# --------------------------------------------------------------------------- the backtest


@dataclass(frozen=True)
class BacktestResult:
    """Errors of the model's and the naive forecast on the days after ``split``."""

    split: dt.date
    fit_days: int
    test_days: int
    mae_wait_min: float
    naive_mae_wait_min: float
    busiest_found: int
    naive_busiest_found: int
    busiest: int
    table: pl.DataFrame


def _hourly_waits(log: pl.DataFrame) -> pl.DataFrame:
    return _waits(log).group_by("date", "hour").agg(wait=pl.col("wait").mean())


def backtest(
    log: pl.DataFrame,
    study: Study,
    *,
    split: dt.date | None = None,
    scenario_id: str | None = None,
    replications: int = 5,
    seed: int = 20260401,
) -> BacktestResult:
    """Fit on the log's days before ``split`` (default: the middle day), forecast the rest."""
    per_day = _visits_per_day(log)
    days = per_day.get_column("day").to_list()
    if len(days) < 4:
        raise InputError("a backtest needs a log of at least 4 days")
    split = split or days[len(days) // 2]
    fit_days = [d for d in days if d < split]
    test_days = [d for d in days if d >= split]
    if not fit_days or not test_days:
        raise InputError(f"--split {split} leaves no day on one side of the log")
    first_day = pl.col("issued_at").min().over("visit_id").dt.date()
    fit_log = log.filter(first_day < split)
    model = fit_forecast_model(fit_log, study, scenario_id=scenario_id)
    calendar = log_calendar(study, days)
    result = forecast(
        model,
        study,
        test_days[0],
        test_days[-1],
        scenario_id=model.log_scenario,
        replications=replications,
        seed=seed,
        calendar=calendar,
    )
    observed = _hourly_waits(log.filter(first_day >= split)).rename({"wait": "observed"})
    history = _hourly_waits(fit_log).with_columns(weekday=pl.col("date").dt.weekday())
    recent = sorted(fit_days)[-5 * NAIVE_WEEKS :]
    naive_wait = (
        history.filter(pl.col("date").is_in(recent))
        .group_by("weekday", "hour")
        .agg(naive=pl.col("wait").mean())
    )
    table = (
        observed.with_columns(weekday=pl.col("date").dt.weekday())
        .join(
            result.hours.select("date", "hour", forecast=pl.col("wait_min_mean")),
            on=["date", "hour"],
            how="left",
        )
        .join(naive_wait, on=["weekday", "hour"], how="left")
        .sort("date", "hour")
    )
    both = table.drop_nulls(["forecast", "naive"])
    mae = _mean_abs(both["forecast"] - both["observed"])
    naive_mae = _mean_abs(both["naive"] - both["observed"])
    test_visits = per_day.filter(pl.col("day") >= split)
    top_observed = set(test_visits.sort("visits", descending=True).head(BUSIEST)["day"].to_list())
    expected = {d: model.expected_visits(d, calendar) for d in test_days}
    fit_visits = per_day.filter(pl.col("day").is_in(recent))
    naive_visits = {
        d: _mean_abs(fit_visits.filter(pl.col("day").dt.weekday() == d.isoweekday())["visits"])
        for d in test_days
    }
    busiest = min(BUSIEST, len(test_days))
    return BacktestResult(
        split=split,
        fit_days=len(fit_days),
        test_days=len(test_days),
        mae_wait_min=mae,
        naive_mae_wait_min=naive_mae,
        busiest_found=len(top_observed & _top(expected, busiest)),
        naive_busiest_found=len(top_observed & _top(naive_visits, busiest)),
        busiest=busiest,
        table=table,
    )


def _mean_abs(values: pl.Series) -> float:
    """Mean absolute value of a series (NaN when it is empty)."""
    array = values.cast(pl.Float64).to_numpy()
    return float(np.abs(array).mean()) if array.size else math.nan


def _top(values: dict[dt.date, float], n: int) -> set[dt.date]:
    """The ``n`` days with the largest values (ties: the earlier day first)."""
    return {d for d, _ in sorted(values.items(), key=lambda item: (-item[1], item[0]))[:n]}
