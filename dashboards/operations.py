"""What an operations manager reads off the ticket logs, as in commercial queue-management
reports: the period covered, trends by day and week against a wait target, and each staff
member's performance, with counters by name (窓口名).

Every KPI comes from ``journeys.metrics`` (the same definitions as everywhere else); this
module only chooses the period, groups by day or week and names things. Nothing here imports
Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

from dashboards.data import cached
from dashboards.i18n import t
from dashboards.results import DEFAULT_WAIT_TARGET_MIN, frame_digest

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "DEFAULT_WAIT_TARGET_MIN",
    "TREND_KPIS",
    "Period",
    "counter_names",
    "log_period",
    "period_text",
    "restrict_to_period",
    "staff_performance",
    "trend",
]


#: KPIs of ``journeys.metrics.kpis`` shown per day and per week.
TREND_KPIS: tuple[str, ...] = (
    "visits",
    "wait_min_mean",
    "service_level",
    "no_show_share",
    "abandon_share",
)


@dataclass(frozen=True)
class Period:
    """The first and last service day covered (both included)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Calendar days from start to end, both included."""
        return (self.end - self.start).days + 1


def log_period(log: pl.DataFrame) -> Period | None:
    """The service days a counter log covers (by the day tickets were issued)."""
    if log.height == 0:
        return None
    days = log["issued_at"].dt.date()
    return Period(start=days.min(), end=days.max())  # type: ignore[arg-type]


def restrict_to_period(log: pl.DataFrame, period: Period) -> pl.DataFrame:
    """The tickets of the visits issued between ``period.start`` and ``period.end``."""
    day = pl.col("issued_at").dt.date()
    visits = log.filter(day.is_between(period.start, period.end))["visit_id"].unique()
    return log.filter(pl.col("visit_id").is_in(visits.implode()))


def period_text(period: Period | None, lang: str, *, service_days: int | None = None) -> str:
    """ "期間：2025-02-24〜2025-04-18（54日）" / "Period: 2025-02-24 – 2025-04-18 (54 days)"."""
    if period is None:
        return t("no_data", lang)
    days = service_days if service_days is not None else period.days
    return t("period", lang, start=period.start.isoformat(), end=period.end.isoformat(), n=days)


def trend(
    log: pl.DataFrame, *, every: Literal["day", "week"], service_target_min: float
) -> pl.DataFrame:
    """One row per service day or ISO week (weeks start on Monday): ``period`` (its first
    day) and the KPIs of :data:`TREND_KPIS`, each by ``journeys.metrics.kpis`` on the visits
    of that period (cached)."""
    from journeys.metrics import kpis

    def compute() -> pl.DataFrame:
        day = pl.col("issued_at").dt.date()
        start = day if every == "day" else day.dt.truncate("1w")
        first = log.group_by("visit_id").agg(start.min().alias("period"))
        tagged = log.join(first, on="visit_id")
        rows = []
        for (period,), part in tagged.group_by("period", maintain_order=False):
            values = kpis(part.drop("period"), service_target_min=service_target_min)
            rows.append({"period": period, **{k: values.get(k) for k in TREND_KPIS}})
        schema = {"period": pl.Date, **dict.fromkeys(TREND_KPIS, pl.Float64)}
        return pl.DataFrame(rows, schema=schema).sort("period")

    key = ("trend", frame_digest(log), every, float(service_target_min))
    return cached(key, compute)


def counter_names(study: Study | None, lang: str) -> dict[str, str]:
    """Counter id -> its name (窓口名) in ``lang`` over every scenario of the study, as
    "A01 市民課（届出）" so the code staff know stays visible."""
    names: dict[str, str] = {}
    if study is None:
        return names
    for scenario_id in study.scenario_ids:
        for counter in study.scenario(scenario_id).counters:
            name = (counter.name_en if lang == "en" else counter.name_ja) or ""
            names.setdefault(counter.id, f"{counter.id} {name}".strip())
    return names


def staff_performance(
    log: pl.DataFrame, *, names: dict[str, str], close: dt.time | None, lang: str
) -> pl.DataFrame:
    """Per staff member: the counters they called at (by name), cases served, mean service
    minutes, and the shares of their staffed time spent serving (busy) and not (idle), and
    the share of their serving done after the hall closed (overtime); shares in percent.

    Staffed time is as in ``journeys.metrics.per_staff`` (first call to last service each
    day). ``close`` is the hall's closing time (None: no overtime column)."""
    from journeys.metrics import per_staff

    table = per_staff(log, by=())
    served = log.filter(pl.col("staff_id").is_not_null() & pl.col("ended_at").is_not_null())
    over = pl.lit(0.0)
    if close is not None:
        closing = pl.col("ended_at").dt.date().dt.combine(close)
        after_start = pl.max_horizontal(pl.col("called_at"), closing)
        over = ((pl.col("ended_at") - after_start).dt.total_seconds() / 60.0).clip(lower_bound=0)
    overtime = served.group_by("staff_id").agg(over.sum().alias("overtime_min"))
    table = table.join(overtime, on="staff_id", how="left")

    def name_list(codes: str) -> str:
        return " / ".join(names.get(c, c) for c in str(codes).split())

    busy = pl.col("busy_min") / pl.col("staffed_min")
    out = table.sort("staff_id").select(
        pl.col("staff_id").alias(t("staff", lang)),
        pl.col("counters")
        .map_elements(name_list, return_dtype=pl.String)
        .alias(t("counter", lang)),
        pl.col("cases").alias(t("cases", lang)),
        pl.col("service_min_mean").round(1).alias(t("service_min_mean", lang)),
        (busy * 100).round(0).alias(t("busy_share", lang)),
        ((1 - busy).clip(lower_bound=0) * 100).round(0).alias(t("idle_share", lang)),
        (pl.col("overtime_min").fill_null(0) / pl.col("busy_min") * 100)
        .round(1)
        .alias(t("overtime_share", lang)),
    )
    return out if close is not None else out.drop(t("overtime_share", lang))
