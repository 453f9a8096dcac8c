"""Pure figure builders: frame(s) → ``plotly.graph_objects.Figure`` (no Streamlit here).

Each builder only draws a frame that ``journeys`` (KPIs, flows, survey metrics) or
``simulation.experiments`` computed; none computes a KPI itself.
"""

from __future__ import annotations

from dashboards.figures.floor import floor_plan
from dashboards.figures.logs import (
    flows_sankey,
    people_waiting_figure,
    service_level_figure,
    staff_workload_figure,
    trend_figure,
    variants_figure,
    wait_heatmap,
)
from dashboards.figures.overview import (
    OBSERVED_KPIS,
    OVERVIEW_KPIS,
    KpiCard,
    ci_error_bars,
    difference_figure,
    kpi_cards,
    mean_and_share_disagree,
    wait_distribution,
)
from dashboards.figures.replay import day_replay, replay_positions, replay_step
from dashboards.figures.survey import (
    emotion_curves,
    minutes_by_action,
    pain_points_figure,
    writes_figure,
)

__all__ = [
    "OBSERVED_KPIS",
    "OVERVIEW_KPIS",
    "KpiCard",
    "ci_error_bars",
    "day_replay",
    "difference_figure",
    "emotion_curves",
    "floor_plan",
    "flows_sankey",
    "kpi_cards",
    "mean_and_share_disagree",
    "minutes_by_action",
    "pain_points_figure",
    "people_waiting_figure",
    "replay_positions",
    "replay_step",
    "service_level_figure",
    "staff_workload_figure",
    "trend_figure",
    "variants_figure",
    "wait_distribution",
    "wait_heatmap",
    "writes_figure",
]
