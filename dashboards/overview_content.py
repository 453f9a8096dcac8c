"""What the Overview page shows, built once per input and language: verdicts, KPI cards,
figures and the model-check table.

The page only draws these parts. Building them (plotly figures in particular) costs far more
than drawing them, and while a page is being built the server answers the browser's requests
for the page's scripts more slowly; so each part is cached on the content of its inputs and
the language, and ``dashboards.serve`` builds the default-language parts before the server
starts listening. Nothing here imports Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from dashboards import figures as F
from dashboards.data import cached, interval_note, peak_day, study_digest, verdict
from dashboards.figures.overview import OVERVIEW_KPIS, KpiCard
from dashboards.i18n import format_kpi, kpi_label, t
from dashboards.results import (
    DEFAULT_WAIT_TARGET_MIN,
    QUICK_REPLICATIONS,
    QUICK_SEED,
    frame_digest,
    model_check,
    observed_comparison,
    run_simulation,
    same_kind_of_day,
    simulated_tables,
)

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = ["ObservedPart", "SimulatedPart", "observed_part", "simulated_part"]


@dataclass(frozen=True)
class ObservedPart:
    """The observed as-is vs reform section: bootstrap comparison, verdict, cards, figure."""

    comparison: pl.DataFrame
    verdict: str
    cards: list[KpiCard]
    difference: go.Figure
    intervals: str = ""
    days: str = ""
    waits: go.Figure | None = None


@dataclass(frozen=True)
class SimulatedPart:
    """The simulated section (the quick experiment on the study's peak day) and, when an
    observed as-is log describes the same city, the model check against it."""

    summary: pl.DataFrame
    comparison: pl.DataFrame
    days: list[dt.date]
    verdict: str
    cards: list[KpiCard]
    ci_bars: go.Figure
    difference: go.Figure
    check: pl.DataFrame | None
    matched_days: int
    waits: go.Figure | None = None


def observed_part(
    as_is: pl.DataFrame,
    reform: pl.DataFrame,
    lang: str,
    study: Study | None = None,
    target_min: float = DEFAULT_WAIT_TARGET_MIN,
) -> ObservedPart:
    """The observed section for two counter logs, in ``lang`` (cached on their content), the
    service level against the wait target ``target_min``.

    With ``study``, both logs are cut to the days of the same expected load as the simulated
    peak day, so the observed cards and the simulated ones describe the same kind of day
    (``days`` says which days were used)."""

    def build() -> ObservedPart:
        base, alt, days = as_is, reform, ""
        if study is not None:
            same = same_kind_of_day(study, as_is, reform, peak_day(study))
            base, alt, days = same.as_is, same.reform, same.note(lang)
        comparison = observed_comparison(base, alt, service_target_min=target)
        return ObservedPart(
            comparison=comparison,
            verdict=verdict(comparison, lang=lang, subject="observed", target_min=target),
            cards=F.kpi_cards(comparison, kpis=F.OBSERVED_KPIS, lang=lang, target_min=target),
            difference=F.difference_figure(comparison, lang=lang, target_min=target),
            intervals=interval_note(comparison, lang),
            days=days,
            waits=_waits_figure(comparison, {"as_is": base, "reform": alt}, lang, target),
        )

    target = float(target_min)
    digest = study_digest(study) if study is not None else ""
    key = ("overview_observed", frame_digest(as_is), frame_digest(reform), digest, lang, target)
    return cached(key, build)


def _waits_figure(
    comparison: pl.DataFrame, logs: dict[str, pl.DataFrame], lang: str, target_min: float
) -> go.Figure | None:
    """The wait distribution of each log, only when the mean wait and the service level moved
    in opposite directions (one better, one worse): the picture that explains it."""
    if not F.mean_and_share_disagree(comparison):
        return None
    waits = pl.concat(
        [
            log.filter(pl.col("called_at").is_not_null()).select(
                pl.lit(name).alias("scenario"),
                ((pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60.0).alias(
                    "wait_min"
                ),
            )
            for name, log in logs.items()
        ]
    )
    return F.wait_distribution(waits, order=list(logs), lang=lang, target_min=target_min)


def _check_table(check: pl.DataFrame, lang: str, target_min: float) -> pl.DataFrame:
    """The model-check rows the page lists: observed, simulated and their difference."""
    rows = [
        {
            t("kpi", lang): kpi_label(r["kpi"], lang, target_min=target_min),
            t("observed", lang): format_kpi(r["kpi"], r["baseline"], lang),
            t("simulated", lang): format_kpi(r["kpi"], r["alternative"], lang),
            t("difference", lang): format_kpi(r["kpi"], r["difference"], lang, signed=True),
        }
        for r in check.iter_rows(named=True)
        if r["kpi"] in OVERVIEW_KPIS
    ]
    return pl.DataFrame(rows)


def simulated_part(
    study: Study,
    observed_as_is: pl.DataFrame | None,
    lang: str,
    target_min: float = DEFAULT_WAIT_TARGET_MIN,
) -> SimulatedPart:
    """The simulated section for ``study`` in ``lang``, the service level against the wait
    target ``target_min``; with ``observed_as_is`` (the same city's observed log) also the
    model check. Cached on the study's and the log's content."""

    def build() -> SimulatedPart:
        result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
        summary, comparison = simulated_tables(result, service_target_min=target)
        days = sorted(set(result.log["issued_at"].dt.date().unique().to_list()))
        check: pl.DataFrame | None = None
        matched = 0
        scenarios = set(result.log["scenario"].unique().to_list())
        if observed_as_is is not None and "as_is" in scenarios:
            raw, matched_days = model_check(
                study, observed_as_is, result.log, days[:1], service_target_min=target
            )
            check, matched = _check_table(raw, lang, target), len(matched_days)
        return SimulatedPart(
            summary=summary,
            comparison=comparison,
            days=days,
            verdict=verdict(comparison, lang=lang, subject="simulated", target_min=target),
            cards=F.kpi_cards(comparison, summary=summary, lang=lang, target_min=target),
            ci_bars=F.ci_error_bars(summary, lang=lang, target_min=target),
            difference=F.difference_figure(comparison, lang=lang, target_min=target),
            check=check,
            matched_days=matched,
            waits=_waits_figure(
                comparison,
                {sc: result.log.filter(pl.col("scenario") == sc) for sc in result.scenarios},
                lang,
                target,
            ),
        )

    target = float(target_min)
    key = ("overview_simulated", study_digest(study), frame_digest(observed_as_is), lang, target)
    return cached(key, build)
