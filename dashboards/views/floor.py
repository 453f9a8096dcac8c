"""Floor page (フロア): each scenario's floor — its grid paper when it has one — with its
walking flows and counter utilisation, and an animated replay of one simulated peak day."""

from __future__ import annotations

import streamlit as st

from dashboards.floor_content import floor_figures
from dashboards.i18n import scenario_label, t
from dashboards.results import QUICK_REPLICATIONS, QUICK_SEED, run_simulation
from dashboards.ui import active_study, lang, plot

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
figures = floor_figures(study, scenario_id, result, LANG)
plot(figures.plan, key="floor_plan")
plot(figures.replay, key="replay")
