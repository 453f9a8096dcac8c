"""The numbers the pages and the report show, computed by ``journeys`` and ``simulation`` and
cached on the content of their inputs.

Every KPI comes from ``journeys.metrics`` / ``journeys.compare`` (observed logs) or from
``simulation.experiments`` (simulated replications, which call the same KPI code). This module
only chooses what to compute, reshapes the results for the figures, and caches them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from dashboards.data import cached, peak_day, study_digest

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "DEFAULT_N_BOOT",
    "DEFAULT_WAIT_TARGET_MIN",
    "QUICK_REPLICATIONS",
    "QUICK_SEED",
    "OneStopChoices",
    "SameKindOfDay",
    "frame_digest",
    "lab_study",
    "matched_observed_days",
    "model_check",
    "observed_comparison",
    "observed_log_tables",
    "observed_workload",
    "one_stop_choices",
    "retargeted_kpis",
    "run_simulation",
    "same_kind_of_day",
    "simulated_tables",
    "simulated_workload",
    "simulation_key",
    "staff_hours_tables",
    "survey_tables",
    "utilisation_by_counter",
]

#: Bootstrap replicates for observed differences in the app (the report uses more).
DEFAULT_N_BOOT = 300
#: The wait target (minutes) of the service level until the manager sets another in the
#: sidebar; every service-level figure, card, table and download uses the sidebar's value.
DEFAULT_WAIT_TARGET_MIN = 15.0
#: The target :func:`run_simulation` lets the engine measure against (its own default).
ENGINE_TARGET_MIN = 15.0

#: Staff activities that are work (lunch is not).
WORK_ACTIVITIES: tuple[str, ...] = ("serve", "back_office", "triage")


def frame_digest(frame: pl.DataFrame | None) -> str:
    """A content hash of a frame (row hashes), so results are reused only for identical data."""
    if frame is None:
        return "none"
    rows = frame.hash_rows(seed=0).to_numpy()
    h = hashlib.sha256(rows.tobytes())
    h.update(",".join(frame.columns).encode())
    return h.hexdigest()


def observed_comparison(
    as_is: pl.DataFrame,
    reform: pl.DataFrame,
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    service_target_min: float = DEFAULT_WAIT_TARGET_MIN,
) -> pl.DataFrame:
    """``journeys.compare.compare_logs`` of the observed as-is and reform logs, service level
    against ``service_target_min`` (cached)."""
    from journeys.compare import compare_logs

    target = float(service_target_min)
    key = ("observed_comparison", frame_digest(as_is), frame_digest(reform), n_boot, seed, target)
    return cached(
        key,
        lambda: compare_logs(as_is, reform, n_boot=n_boot, seed=seed, service_target_min=target),
        persist=True,
    )


def observed_log_tables(
    log: pl.DataFrame, *, service_target_min: float = DEFAULT_WAIT_TARGET_MIN
) -> dict[str, pl.DataFrame]:
    """Every table of ``journeys.analysis.analysis_tables`` for an observed log, with service
    levels against ``service_target_min`` (cached)."""
    from journeys.analysis import analysis_tables

    key = ("log_tables", frame_digest(log), float(service_target_min))
    return cached(
        key,
        lambda: analysis_tables(log, service_target_min=service_target_min),
        persist=True,
    )


def survey_tables(survey: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The survey tables of ``journeys.survey_metrics`` the Journeys page draws (cached)."""
    from journeys import survey_metrics as sm

    def compute() -> dict[str, pl.DataFrame]:
        out = {
            "emotion_curve": sm.emotion_curve(survey),
            "minutes_by_action": sm.minutes_by_action(survey),
            "writes_per_journey": sm.writes_per_journey(survey),
            "pain_points": sm.pain_points(survey),
        }
        phases = set(survey["phase"].unique().to_list())
        if {"as_is", "reform"} <= phases:
            out["persona_comparison"] = sm.persona_comparison(survey)
        return out

    return cached(("survey_tables", frame_digest(survey)), compute, persist=True)


def observed_workload(log: pl.DataFrame) -> pl.DataFrame:
    """Staff workload of an observed log for the workload figure: who, activity, minutes.

    From ``journeys.metrics.per_staff``: serving minutes (``busy_min``) and the rest of the
    staffed time (first call to last service of each day) as idle.
    """
    from journeys.metrics import per_staff

    table = per_staff(log, by=())
    return pl.concat(
        [
            table.select(
                pl.col("staff_id").alias("who"),
                pl.lit("serve").alias("activity"),
                pl.col("busy_min").alias("minutes"),
            ),
            table.select(
                pl.col("staff_id").alias("who"),
                pl.lit("idle").alias("activity"),
                (pl.col("staffed_min") - pl.col("busy_min")).clip(lower_bound=0.0).alias("minutes"),
            ),
        ]
    )


def simulated_workload(staff_log: pl.DataFrame, scenario: str) -> pl.DataFrame:
    """Mean minutes per replication of each counter's staff (and back office, floor manager)
    by activity, for one scenario of the engine's staff log: who, activity, minutes."""
    part = staff_log.filter(pl.col("scenario") == scenario)
    reps = max(1, part["replication"].n_unique())
    return (
        part.with_columns(pl.coalesce(pl.col("counter_id"), pl.col("activity")).alias("who"))
        .group_by(["who", "activity"])
        .agg((pl.col("minutes").sum() / reps).alias("minutes"))
        .sort(["who", "activity"])
    )


def staff_hours_tables(
    staff_log: pl.DataFrame,
    *,
    baseline: str = "as_is",
    alternative: str = "reform",
    days: int = 1,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Staff hours per simulated day (counter service + back office + triage; a replication's
    hours ÷ its ``days`` simulated days), as a summary
    (scenario, kpi, mean, ci_low, ci_high) and a comparison row (kpi, baseline, alternative,
    difference, ci_low, ci_high) with paired t-intervals across replications (the replications
    share their residents: common random numbers).

    The engine's staff log is the only place back-office minutes exist, so this one KPI is
    summed here rather than in ``journeys.metrics`` (which sees counter logs only).
    """
    # per simulated day: a replication of several days sums several days' work (``days``:
    # the simulated days; never the calendar dates of the activities, which pass midnight)
    per_rep = (
        staff_log.filter(pl.col("activity").is_in(list(WORK_ACTIVITIES)))
        .group_by(["scenario", "replication"])
        .agg((pl.col("minutes").sum() / 60.0 / max(days, 1)).alias("hours"))
    )
    long = per_rep.sort(["scenario", "replication"]).select(
        "scenario",
        "replication",
        pl.lit("staff_hours").alias("kpi"),
        pl.col("hours").alias("value"),
    )
    from simulation.experiments import compare_scenarios, summarise

    summary = summarise(long)
    if not {baseline, alternative} <= set(long["scenario"].to_list()):
        empty = {
            c: pl.Float64 for c in ("baseline", "alternative", "difference", "ci_low", "ci_high")
        }
        return summary, pl.DataFrame(schema={"kpi": pl.String, **empty})
    pair = long.filter(pl.col("scenario").is_in([baseline, alternative]))
    return summary, compare_scenarios(pair, baseline=baseline)


def utilisation_by_counter(
    study: Study, scenario_id: str, log: pl.DataFrame, staff_log: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Share of staffed time each counter's staff spent serving: counter_id, utilisation.

    Serving minutes per day come from ``journeys.metrics.per_counter`` (``busy_min`` / days);
    staffed minutes per day are the counter's shifts × staff minus each server's lunch
    (the study's own schedule) plus, with ``staff_log`` (the engine's), the overtime its
    clerks worked past the end of their shifts — so a counter that served past closing shows
    a full day, not more than 100 %.
    """
    from journeys.metrics import per_counter

    scenario = study.scenario(scenario_id)
    part = log.filter(pl.col("scenario") == scenario_id) if "scenario" in log.columns else log
    if part.height == 0:
        return pl.DataFrame(schema={"counter_id": pl.String, "utilisation": pl.Float64})
    table = per_counter(part, by=())
    # ``days`` counts (replication, date) pairs, so busy_min / days is per simulated day
    days_col = table["days"].max()
    days = float(days_col) if days_col is not None else 1.0  # type: ignore[arg-type]
    busy = dict(zip(table["counter_id"].to_list(), table["busy_min"].to_list(), strict=True))
    overtime: dict[str, float] = {}
    if staff_log is not None and staff_log.height:
        extra = staff_log.filter(
            (pl.col("activity") == "overtime") & (pl.col("scenario") == scenario_id)
        )
        overtime = dict(extra.group_by("counter_id").agg(pl.col("minutes").sum()).iter_rows())
    rows = []
    for counter in scenario.counters:
        staffed = float(sum((s.end_min - s.start_min) * s.staff for s in counter.shifts))
        if counter.lunch is not None:
            staffed -= counter.lunch.minutes * counter.staff
        per_day_busy = float(busy.get(counter.id, 0.0)) / max(days, 1.0)
        staffed += overtime.get(counter.id, 0.0) / max(days, 1.0)
        util = per_day_busy / staffed if staffed > 0 else math.nan
        rows.append({"counter_id": counter.id, "utilisation": util})
    return pl.DataFrame(rows, schema={"counter_id": pl.String, "utilisation": pl.Float64})


def matched_observed_days(
    study: Study, observed: pl.DataFrame, days: Sequence[dt.date], *, tolerance: float = 0.15
) -> list[dt.date]:
    """Observed days whose expected load (the study's weekday × month × peak factors) is within
    ``tolerance`` of the simulated days' — so the model check compares like with like."""
    from simulation.arrivals import event_rates

    target = float(np.mean([event_rates(study, d).sum() for d in days]))
    observed_days = observed.select(pl.col("issued_at").dt.date().unique().sort())[
        "issued_at"
    ].to_list()
    matched = []
    for day in observed_days:
        rate = float(event_rates(study, day).sum())
        if target > 0 and abs(rate - target) / target <= tolerance:
            matched.append(day)
    return matched


@dataclass(frozen=True)
class SameKindOfDay:
    """The observed logs cut to the days of the same expected load as the simulated day."""

    as_is: pl.DataFrame
    reform: pl.DataFrame
    day: dt.date
    matched: bool

    def note(self, lang: str) -> str:
        """What the observed side shows, with each log's day count, in ``lang``."""
        from dashboards.i18n import t

        key = "observed_days_matched" if self.matched else "observed_days_all"
        count = {"base": _day_count(self.as_is), "alt": _day_count(self.reform)}
        return t(key, lang, day=self.day.isoformat(), **count)


def _day_count(log: pl.DataFrame) -> int:
    return int(log.select(pl.col("issued_at").dt.date().n_unique()).item()) if log.height else 0


def same_kind_of_day(
    study: Study, as_is: pl.DataFrame, reform: pl.DataFrame, day: dt.date
) -> SameKindOfDay:
    """Both observed logs on the days whose expected load matches the simulated ``day`` (the
    study's peak day on the Overview), so observed and simulated cards describe the same kind
    of day; every day of both logs when either has no such day (and the note says so)."""
    base_days = matched_observed_days(study, as_is, [day])
    alt_days = matched_observed_days(study, reform, [day])
    if not base_days or not alt_days:
        return SameKindOfDay(as_is, reform, day, matched=False)
    return SameKindOfDay(
        as_is.filter(pl.col("issued_at").dt.date().is_in(base_days)),
        reform.filter(pl.col("issued_at").dt.date().is_in(alt_days)),
        day,
        matched=True,
    )


def model_check(
    study: Study,
    observed_as_is: pl.DataFrame,
    simulated_log: pl.DataFrame,
    days: Sequence[dt.date],
    *,
    scenario: str = "as_is",
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
    service_target_min: float = DEFAULT_WAIT_TARGET_MIN,
) -> tuple[pl.DataFrame, list[dt.date]]:
    """Simulated as-is vs observed as-is on matched days (``journeys.compare.compare_logs``):
    baseline = observed, alternative = simulated, both measured with the columns the observed
    log has (time in hall from the first ticket when it has no arrival times), service level
    against ``service_target_min``. Returns the comparison and the observed days used (all
    observed days when none match)."""
    from journeys.compare import compare_logs

    matched = matched_observed_days(study, observed_as_is, days)
    obs = (
        observed_as_is.filter(pl.col("issued_at").dt.date().is_in(matched))
        if matched
        else observed_as_is
    )
    sim = simulated_log.filter(pl.col("scenario") == scenario)
    # like with like: a whole-visit column the observed log lacks is dropped from the simulated
    # one too (without arrived_at, time in hall counts from the first ticket on both sides)
    unmatched = [c for c in ("arrived_at", "left_at", "resident_id", "return_of")
                 if c in sim.columns and c not in obs.columns]  # fmt: skip
    sim = sim.drop(unmatched)
    target = float(service_target_min)
    key = ("model_check", frame_digest(obs), frame_digest(sim), n_boot, seed, target)
    comp = cached(
        key,
        lambda: compare_logs(obs, sim, n_boot=n_boot, seed=seed, service_target_min=target),
        persist=True,
    )
    return comp, matched


def simulation_key(
    study: Study, *, replications: int, seed: int, days: Sequence[dt.date] | None = None
) -> tuple[Any, ...]:
    """The cache key of a simulation: the study's content hash and the settings."""
    chosen = list(days) if days else [peak_day(study)]
    return ("experiment", study_digest(study), replications, seed, tuple(chosen))


def run_simulation(
    study: Study,
    *,
    replications: int,
    seed: int,
    days: Sequence[dt.date] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Any:
    """``simulation.experiments.run_experiment`` on ``days`` (default: the study's peak day),
    cached on the study's content and the settings: an unchanged rerun costs nothing.
    ``progress`` is told the share of replications done (0–1) as each one finishes."""
    from simulation.experiments import run_experiment

    chosen = list(days) if days else [peak_day(study)]
    key = simulation_key(study, replications=replications, seed=seed, days=chosen)

    def compute() -> Any:
        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done / total)

        return run_experiment(
            study, replications=replications, seed=seed, days=chosen, progress=report
        )

    result = cached(key, compute, persist=True)
    if progress is not None:
        progress(1.0)  # also when the result came from the cache
    return result


def retargeted_kpis(result: Any, service_target_min: float) -> pl.DataFrame:
    """The experiment's KPIs (scenario, replication, kpi, value) with each replication's
    service level measured again against ``service_target_min`` from its counter log (the
    same ``journeys.metrics`` code the engine used), so a new target needs no new simulation."""
    from journeys.metrics import kpi_summary

    log = result.log
    if log.height == 0 or "replication" not in log.columns:
        return result.kpis
    level = (
        kpi_summary(log, by=("scenario", "replication"), service_target_min=service_target_min)
        .filter(pl.col("kpi") == "service_level")
        .select("scenario", pl.col("replication").cast(pl.Int64), "value")
    )
    long: pl.DataFrame = result.kpis
    joined = long.join(level, on=["scenario", "replication"], how="left", suffix="_new")
    value = pl.when(pl.col("kpi") == "service_level").then(pl.col("value_new"))
    return joined.with_columns(value.otherwise(pl.col("value")).alias("value")).select(long.columns)


def simulated_tables(
    result: Any, *, service_target_min: float | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Summary (scenario, kpi, mean, ci_low, ci_high) and comparison (kpi, baseline,
    alternative, difference, ci_low, ci_high) of an experiment, with staff hours added; with
    ``service_target_min``, the service level against that target (:func:`retargeted_kpis`)."""
    summary = result.summary.select("scenario", "kpi", "mean", "ci_low", "ci_high")
    comparison = result.comparison
    # the engine measured against the default target (run_simulation): re-measure another one
    retarget = service_target_min is not None and service_target_min != ENGINE_TARGET_MIN
    if retarget and service_target_min is not None and len(result.scenarios) > 1:
        from simulation.experiments import compare_scenarios, summarise

        long = retargeted_kpis(result, service_target_min)
        summary = summarise(long).select("scenario", "kpi", "mean", "ci_low", "ci_high")
        comparison = compare_scenarios(long, baseline=result.scenarios[0])
    if "alternative_scenario" in comparison.columns:  # more than two scenarios: the last one
        last = comparison["alternative_scenario"][-1]
        comparison = comparison.filter(pl.col("alternative_scenario") == last)
    comparison = comparison.select(
        "kpi", "baseline", "alternative", "difference", "ci_low", "ci_high"
    )
    if getattr(result, "staff_log", None) is not None and result.staff_log.height:
        scenarios = list(getattr(result, "scenarios", ())) or ["as_is", "reform"]
        hours_summary, hours_comparison = staff_hours_tables(
            result.staff_log,
            baseline=scenarios[0],
            alternative=scenarios[-1],
            days=len(getattr(result, "days", ())) or 1,
        )
        summary = pl.concat([summary, hours_summary], how="vertical_relaxed")
        comparison = pl.concat([comparison, hours_comparison], how="vertical_relaxed")
    return summary, comparison


#: The quick simulation the Overview and Floor pages share (the same cache entry).
QUICK_REPLICATIONS = 5
QUICK_SEED = 20260401


@dataclass(frozen=True)
class OneStopChoices:
    """What the Scenario lab may move out of the one-stop counters."""

    #: Procedures the one-stop counters can take (they have a one-stop service time).
    possible: tuple[str, ...]
    #: Those taken by the one-stop counters today.
    chosen: tuple[str, ...]
    #: Those that must stay: no department counter of some one-stop scenario takes them.
    locked: tuple[str, ...]


def one_stop_choices(study: Study) -> OneStopChoices:
    """The procedures the lab can move between the one-stop and the department counters.

    Moving a procedure out of the one-stop is possible only where a department counter of
    every one-stop scenario takes it; otherwise residents needing it would have nowhere to go.
    """
    possible = [p for p in study.procedures if p.service.one_stop is not None]
    one_stop_scenarios = [
        study.scenario(s) for s in study.scenario_ids if study.scenario(s).flow == "one_stop"
    ]
    locked = [
        p.id
        for p in possible
        if p.one_stop
        and any(not sc.counters_for(p.id, kind="department") for sc in one_stop_scenarios)
    ]
    return OneStopChoices(
        possible=tuple(p.id for p in possible),
        chosen=tuple(p.id for p in possible if p.one_stop),
        locked=tuple(locked),
    )


def lab_study(
    study: Study,
    *,
    scenario_id: str,
    staff: dict[str, int] | None = None,
    one_stop: Sequence[str] | None = None,
    volume: float = 1.0,
) -> Study:
    """A copy of ``study`` changed as in the Scenario lab, validated like a file.

    ``staff`` sets the staff of counters of ``scenario_id`` (their shifts scaled to match);
    ``one_stop`` lists the procedures the one-stop counters take (only procedures with a
    one-stop service time can be chosen; the others leave the lists of the one-stop counters,
    and a one-stop counter left with an empty list takes every chosen one, as in a study
    file); ``volume`` multiplies ``residents_per_day``.
    Raises ``simulation.model.StudyError`` when the change breaks a rule of the study.
    """
    from simulation.model import study_from_dict

    data = study.model_dump(by_alias=True)
    scenario = next(s for s in data["scenarios"] if s["id"] == scenario_id)
    for counter in scenario["counters"]:
        new = (staff or {}).get(counter["id"])
        if new is None or new == counter["staff"]:
            continue
        old = max(1, int(counter["staff"]))
        counter["staff"] = int(new)
        for shift in counter["shifts"]:
            shift["staff"] = max(
                1 if new > 0 else 0, min(int(new), round(shift["staff"] * new / old))
            )
    if one_stop is not None:
        chosen = set(one_stop)
        dropped: set[str] = set()
        for proc in data["procedures"]:
            if proc.get("service", {}).get("one_stop") is not None:
                proc["one_stop"] = proc["id"] in chosen
                if not proc["one_stop"]:
                    dropped.add(proc["id"])
        for other in data["scenarios"]:  # one-stop counters no longer list what they lost
            for counter in other["counters"]:
                if counter.get("kind") == "one_stop" and counter.get("procedures"):
                    counter["procedures"] = [p for p in counter["procedures"] if p not in dropped]
    data["arrivals"]["residents_per_day"] = float(data["arrivals"]["residents_per_day"]) * float(
        volume
    )
    return study_from_dict(data, source=study.source)
