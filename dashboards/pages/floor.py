"""Floor page (フロア): each scenario's floor with its walking flows and counter utilisation,
and an animated replay of one simulated peak day."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import figures as F
from dashboards.data import floor_frames, floor_paper
from dashboards.i18n import scenario_label, t
from dashboards.results import (
    QUICK_REPLICATIONS,
    QUICK_SEED,
    run_simulation,
    utilisation_by_counter,
)
from dashboards.ui import active_study, lang, plot
from journeys.flows import flows

LANG = lang()
st.title(t("page_floor", LANG))
study = active_study()
if study is None:
    st.warning(t("missing_data", LANG, what="study.toml"))
    st.stop()
result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
scenario_id = st.radio(
    t("scenario", LANG),
    study.scenario_ids,
    format_func=lambda s: scenario_label(s, LANG),
    horizontal=True,
    key="floor_scenario",
)
scenario = study.scenario(scenario_id)
name = (scenario.name_en if LANG == "en" else scenario.name_ja) or scenario_id
counters, landmarks = floor_frames(study, scenario_id, LANG)
log = result.log.filter(pl.col("scenario") == scenario_id)
util = utilisation_by_counter(study, scenario_id, log, result.staff_log)
counters = counters.join(util, on="counter_id", how="left")
reps = max(1, log["replication"].n_unique())
walk = flows(log, by=()).with_columns(pl.col("count") / reps)
paper = floor_paper(study, scenario_id)
plot(
    F.floor_plan(counters, landmarks, walk, paper=paper, scenario_name=name, lang=LANG),
    key="floor_plan",
)
first = log.filter(pl.col("replication") == log["replication"].min())
plot(
    F.day_replay(first, counters, landmarks, paper=paper, scenario_name=name, lang=LANG),
    key="replay",
)
