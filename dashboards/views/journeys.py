"""Journeys page (来庁者の体験): the customer-journey survey, as-is vs reform, per persona."""

from __future__ import annotations

import streamlit as st

from dashboards import figures as F
from dashboards.i18n import t
from dashboards.results import survey_tables
from dashboards.tables import persona_table, survey_in_language
from dashboards.ui import active_dataset, lang, plot, sample_only_notice

LANG = lang()
st.title(t("page_journeys", LANG))
sample_only_notice("体験調査 / survey")
data = active_dataset()
if data.survey is None:
    st.warning(t("missing_data", LANG, what="survey.parquet"))
    st.stop()
survey = survey_in_language(data.survey, data.study, LANG)
tables = survey_tables(survey)
journeys = tables["writes_per_journey"]
cols = st.columns(3)
cols[0].metric(t("surveyed_journeys", LANG), f"{journeys.height}", border=True)
cols[1].metric(t("personas", LANG), f"{journeys['persona'].n_unique()}", border=True)
cols[2].metric(t("pain_points", LANG), f"{int(tables['pain_points']['count'].sum())}", border=True)
pains = survey.select("journey_id", "step", "pain_category").unique(["journey_id", "step"])
journey_map = tables["emotion_curve"].join(pains, on=["journey_id", "step"], how="left")
plot(F.emotion_curves(journey_map, lang=LANG), key="emotion")
plot(F.minutes_by_action(tables["minutes_by_action"], lang=LANG), key="minutes_action")
plot(F.writes_figure(journeys, lang=LANG), key="writes")
plot(F.pain_points_figure(tables["pain_points"], lang=LANG), key="pain")
if "persona_comparison" in tables:
    st.dataframe(persona_table(tables["persona_comparison"], LANG), hide_index=True)
