"""What the Floor page shows for one scenario, importable (the page, the README's screenshot
and the tests build the same figures): the floor plan — the grid paper when the scenario has
one — with the quick simulation's utilisation and walking flows, and the replay of one day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl

from dashboards import figures as F
from dashboards.data import floor_frames, floor_paper

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = ["FloorFigures", "floor_figures"]


@dataclass(frozen=True)
class FloorFigures:
    """The two figures of the Floor page for one scenario."""

    plan: go.Figure
    replay: go.Figure


def floor_figures(study: Study, scenario_id: str, result: Any, lang: str) -> FloorFigures:
    """The floor plan and the replay of ``scenario_id`` from an experiment ``result``
    (``dashboards.results.run_simulation``): utilisation per counter, flows per replication."""
    from dashboards.results import utilisation_by_counter
    from journeys.flows import flows

    scenario = study.scenario(scenario_id)
    name = (scenario.name_en if lang == "en" else scenario.name_ja) or scenario_id
    counters, landmarks = floor_frames(study, scenario_id, lang)
    log = result.log.filter(pl.col("scenario") == scenario_id)
    util = utilisation_by_counter(study, scenario_id, log, result.staff_log)
    counters = counters.join(util, on="counter_id", how="left")
    reps = max(1, log["replication"].n_unique())
    walk = flows(log, by=()).with_columns(pl.col("count") / reps)
    paper = floor_paper(study, scenario_id)
    plan = F.floor_plan(counters, landmarks, walk, paper=paper, scenario_name=name, lang=lang)
    first = log.filter(pl.col("replication") == log["replication"].min())
    replay = F.day_replay(first, counters, landmarks, paper=paper, scenario_name=name, lang=lang)
    return FloorFigures(plan=plan, replay=replay)
