"""Overview figures: KPI cards, KPIs with 95 % CI error bars, the difference the reform makes.

Inputs are the frames of ``journeys.compare`` / ``simulation.experiments`` as they come:
a *comparison* frame (kpi, baseline, alternative, difference, ci_low, ci_high) and a
*summary* frame (scenario, kpi, mean, ci_low, ci_high).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboards.figures._style import (
    as_polars,
    empty_figure,
    require_columns,
    scenario_colour,
    styled,
    wrap_label,
)
from dashboards.i18n import format_kpi, kpi_label, scenario_label, t
from journeys import kpi_registry as registry
from journeys.kpi_registry import KPIS, better, lower_is_better

__all__ = [
    "LOWER_IS_BETTER",
    "OBSERVED_KPIS",
    "OVERVIEW_KPIS",
    "KpiCard",
    "ci_error_bars",
    "difference_figure",
    "kpi_cards",
    "mean_and_share_disagree",
    "wait_distribution",
]

#: The cards a manager sees first, in order.
OVERVIEW_KPIS: tuple[str, ...] = (
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p90",
    "time_in_hall_min_mean",
    "forms_written_per_visit",
    "staff_hours",
    "service_level",
)

#: The observed cards: a counter log has no back-office time, so staff workload is the
#: counter serving time per day (``staff_busy_min_per_day``) instead of staff hours per day.
OBSERVED_KPIS: tuple[str, ...] = tuple(
    "staff_busy_min_per_day" if k == "staff_hours" else k for k in OVERVIEW_KPIS
)

#: Panels per row of :func:`ci_error_bars` (seven KPIs: two rows).
CI_PANELS_PER_ROW = 4

#: KPIs where a drop is good news (from :mod:`journeys.kpi_registry`).
LOWER_IS_BETTER: frozenset[str] = frozenset(k for k in KPIS if lower_is_better(k))

COMPARISON_COLUMNS = ("kpi", "baseline", "alternative", "difference", "ci_low", "ci_high")
SUMMARY_COLUMNS = ("scenario", "kpi", "mean", "ci_low", "ci_high")


@dataclass(frozen=True)
class KpiCard:
    """One card: a KPI before and after, the difference and its 95 % CI."""

    kpi: str
    label: str
    baseline: float
    alternative: float
    difference: float
    ci_low: float
    ci_high: float
    baseline_ci: tuple[float, float] | None = None
    alternative_ci: tuple[float, float] | None = None

    def value_text(self, lang: str) -> str:
        """The reform value with its unit."""
        return format_kpi(self.kpi, self.alternative, lang)

    def baseline_text(self, lang: str) -> str:
        """The as-is value with its unit."""
        return format_kpi(self.kpi, self.baseline, lang)

    def delta_text(self, lang: str) -> str:
        """The signed difference (reform − as-is) with its unit."""
        return format_kpi(self.kpi, self.difference, lang, signed=True)

    def ci_text(self, lang: str) -> str:
        """ "95%CI a〜b" of the difference."""
        low = format_kpi(self.kpi, self.ci_low, lang, signed=True)
        high = format_kpi(self.kpi, self.ci_high, lang, signed=True)
        sep = "〜" if lang != "en" else " to "
        return f"{t('ci95', lang)} {low}{sep}{high}"

    @property
    def significant(self) -> bool:
        """True when the 95 % CI of the difference excludes zero."""
        return bool(self.ci_low > 0 or self.ci_high < 0)


def _ci_of(summary: pl.DataFrame | None, scenario: str, kpi: str) -> tuple[float, float] | None:
    if summary is None:
        return None
    row = summary.filter((pl.col("scenario") == scenario) & (pl.col("kpi") == kpi))
    if row.height == 0:
        return None
    return float(row["ci_low"][0]), float(row["ci_high"][0])


def kpi_cards(
    comparison: pl.DataFrame | pd.DataFrame,
    *,
    summary: pl.DataFrame | pd.DataFrame | None = None,
    kpis: Sequence[str] = OVERVIEW_KPIS,
    baseline: str = "as_is",
    alternative: str = "reform",
    lang: str = "ja",
    target_min: float | None = None,
) -> list[KpiCard]:
    """Cards for ``kpis`` (those present in ``comparison``, in the order asked).

    ``summary`` (scenario, kpi, mean, ci_low, ci_high) adds the 95 % CI of each scenario's value;
    ``target_min`` (the wait target the service level was measured against) goes into its label.
    """
    comp = as_polars(comparison)
    require_columns(comp, COMPARISON_COLUMNS, "comparison")
    summ = as_polars(summary) if summary is not None else None
    if summ is not None:
        require_columns(summ, SUMMARY_COLUMNS, "summary")
    cards: list[KpiCard] = []
    for kpi in kpis:
        row = comp.filter(pl.col("kpi") == kpi)
        if row.height == 0:
            continue
        r = row.row(0, named=True)
        cards.append(
            KpiCard(
                kpi=kpi,
                label=kpi_label(kpi, lang, target_min=target_min),
                baseline=float(r["baseline"]),
                alternative=float(r["alternative"]),
                difference=float(r["difference"]),
                ci_low=float(r["ci_low"]),
                ci_high=float(r["ci_high"]),
                baseline_ci=_ci_of(summ, baseline, kpi),
                alternative_ci=_ci_of(summ, alternative, kpi),
            )
        )
    return cards


def _scale(name: str) -> float:
    k = registry.kpi(name)
    return 100.0 if k.share else k.scale


def ci_error_bars(
    summary: pl.DataFrame | pd.DataFrame,
    *,
    kpis: Sequence[str] = OVERVIEW_KPIS,
    scenarios: Sequence[str] | None = None,
    lang: str = "ja",
    target_min: float | None = None,
) -> go.Figure:
    """As-is vs reform side by side: one small panel per KPI, bars with 95 % CI error bars
    (``target_min``: the service level's wait target, named in its panel title)."""
    summ = as_polars(summary)
    require_columns(summ, SUMMARY_COLUMNS, "summary")
    present = [k for k in kpis if k in set(summ["kpi"].to_list())]
    title = t("fig_ci", lang)
    if not present:
        return empty_figure(title, lang)
    order = list(scenarios) if scenarios else list(dict.fromkeys(summ["scenario"].to_list()))
    # at most four panels a row, titles wrapped to the panel: readable on a 1024 px screen
    cols = min(len(present), CI_PANELS_PER_ROW)
    rows = -(-len(present) // cols)
    width = 10 if lang == "ja" else 18
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[
            wrap_label(kpi_label(k, lang, target_min=target_min), width) for k in present
        ],
        horizontal_spacing=0.06,
        vertical_spacing=0.3 if rows > 1 else 0.0,
    )
    for i, scenario in enumerate(order):
        part = summ.filter(pl.col("scenario") == scenario)
        for col, kpi in enumerate(present, start=1):
            row = part.filter(pl.col("kpi") == kpi)
            if row.height == 0:
                continue
            s = _scale(kpi)
            mean, low, high = (float(row[c][0]) * s for c in ("mean", "ci_low", "ci_high"))
            fig.add_trace(
                go.Bar(
                    x=[scenario_label(scenario, lang)],
                    y=[mean],
                    name=scenario_label(scenario, lang),
                    legendgroup=scenario,
                    showlegend=col == 1,
                    marker_color=scenario_colour(scenario, i),
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [high - mean],
                        "arrayminus": [mean - low],
                    },
                    hovertemplate=f"{kpi_label(kpi, lang, target_min=target_min)}: "
                    "%{y:.2f}<extra></extra>",
                ),
                row=(col - 1) // cols + 1,
                col=(col - 1) % cols + 1,
            )
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font_size=11)
    return styled(fig, title, height=200 + 240 * rows, barmode="group")


def difference_figure(
    comparison: pl.DataFrame | pd.DataFrame,
    *,
    kpis: Sequence[str] = OVERVIEW_KPIS,
    lang: str = "ja",
    target_min: float | None = None,
) -> go.Figure:
    """Forest plot of the reform's difference, relative to as-is (%), with its 95 % CI
    (``target_min``: the service level's wait target, named in its label)."""
    comp = as_polars(comparison)
    require_columns(comp, COMPARISON_COLUMNS, "comparison")
    title = t("fig_difference", lang)
    rows = [
        comp.filter(pl.col("kpi") == k).row(0, named=True)
        for k in kpis
        if comp.filter(pl.col("kpi") == k).height
    ]
    rows = [r for r in rows if r["baseline"] not in (0, None)]
    if not rows:
        return empty_figure(title, lang)
    labels = [kpi_label(r["kpi"], lang, target_min=target_min) for r in rows]
    rel = [100.0 * r["difference"] / abs(r["baseline"]) for r in rows]
    low = [100.0 * r["ci_low"] / abs(r["baseline"]) for r in rows]
    high = [100.0 * r["ci_high"] / abs(r["baseline"]) for r in rows]
    colours = [
        "#2a7f62" if (lo > 0 or hi < 0) else "#999999" for lo, hi in zip(low, high, strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=rel,
            y=labels,
            mode="markers",
            marker={"size": 11, "color": colours},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - v for h, v in zip(high, rel, strict=True)],
                "arrayminus": [v - lo for v, lo in zip(rel, low, strict=True)],
            },
            hovertemplate="%{y}: %{x:+.1f}%<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(x=0, line_dash="dot", line_color="#555555")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(
        ticksuffix="%", title_text=f"{t('difference', lang)} (% / {t('baseline', lang)})"
    )
    return styled(fig, title, height=80 + 45 * len(rows))


def mean_and_share_disagree(comparison: pl.DataFrame | pd.DataFrame) -> bool:
    """True when the service level changed clearly (95 % CI excludes zero) in the opposite
    direction of the mean wait (one better, one worse) — the wait distribution explains it
    (e.g. the mean falls because the longest waits shrink, while more residents wait past the
    target)."""
    comp = as_polars(comparison)
    rows = {r["kpi"]: r for r in comp.iter_rows(named=True)}
    wait, level = rows.get("wait_min_mean"), rows.get("service_level")
    if wait is None or level is None:
        return False
    low, high = level["ci_low"], level["ci_high"]
    if low is None or high is None or not (low > 0 or high < 0):
        return False
    mean_better = better("wait_min_mean", float(wait["difference"]))
    level_better = better("service_level", float(level["difference"]))
    return None not in (mean_better, level_better) and mean_better != level_better


def wait_distribution(
    waits: pl.DataFrame | pd.DataFrame,
    *,
    target_min: float = 15.0,
    order: Sequence[str] | None = None,
    lang: str = "ja",
) -> go.Figure:
    """Share of called tickets called within x minutes, per scenario (scenario, wait_min),
    with the service-level target marked: where the mean and the share move apart."""
    frame = as_polars(waits)
    require_columns(frame, ("scenario", "wait_min"), "waits")
    title = t("fig_wait_distribution", lang)
    frame = frame.drop_nulls("wait_min")
    if frame.height == 0:
        return empty_figure(title, lang)
    scenarios = list(order) if order else list(dict.fromkeys(frame["scenario"].to_list()))
    fig = go.Figure()
    for i, scenario in enumerate(scenarios):
        values = np.sort(frame.filter(pl.col("scenario") == scenario)["wait_min"].to_numpy())
        if values.size == 0:
            continue
        share = np.arange(1, values.size + 1) / values.size * 100.0
        step = max(1, values.size // 400)  # a few hundred points draw the same curve
        fig.add_trace(
            go.Scatter(
                x=values[::step],
                y=share[::step],
                mode="lines",
                name=scenario_label(scenario, lang),
                line={"color": scenario_colour(scenario, i), "shape": "hv"},
                hovertemplate="%{x:.1f}" + t("min_unit", lang) + ": %{y:.1f}%<extra></extra>",
            )
        )
    fig.add_vline(
        x=target_min,
        line_dash="dot",
        line_color="#555555",
        annotation_text=t("target_min", lang, m=f"{target_min:g}"),
    )
    fig.update_xaxes(title_text=t("wait_axis", lang))
    fig.update_yaxes(title_text=t("share_called_within", lang), ticksuffix="%", range=[0, 100])
    return styled(fig, title, height=340)
