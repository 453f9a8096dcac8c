"""Staffing plan (人員計画), part of the Scenario lab: choose the day, the target and the
confidence, see the plan as a coloured counter × hour table, download it as Excel."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards.data import peak_day
from dashboards.i18n import scenario_label, t
from dashboards.safe_text import escape_markdown
from dashboards.staffing import grid_colours, plan_grid, plan_workbook, text
from dashboards.ui import lang, required_study, wait_target
from journeys.errors import InputError
from simulation.model import Study
from simulation.planner import PlanTarget, StaffingPlan, plan_staffing
from simulation.study_io import study_to_toml

LANG = lang()
WITHIN = wait_target()  # the one wait target of the dashboard (the sidebar's)
st.title(t("page_staffing", LANG))
st.write(text("intro", LANG, target=WITHIN))
study: Study = required_study()

with st.form("plan_form"):
    ids = study.scenario_ids
    scenario_id = st.selectbox(
        t("scenario", LANG), ids, index=len(ids) - 1, format_func=lambda s: scenario_label(s, LANG)
    )
    st.caption(text("within", LANG, target=WITHIN))
    first = st.columns(2)
    day = first[0].date_input(text("day", LANG), value=peak_day(study), key="plan_day")
    share = first[1].slider(
        text("share", LANG, target=WITHIN), 0.5, 0.99, 0.9, 0.01, key="plan_share"
    )
    second = st.columns(3)
    confidence = second[0].selectbox(text("confidence", LANG), [0.8, 0.9, 0.95], index=2)
    replications = second[1].number_input(text("replications", LANG), 2, 20, 3, 1, key="plan_reps")
    submitted = st.form_submit_button(text("run", LANG))

key = (str(study.study.id), scenario_id, str(day), WITHIN, share, confidence, replications)
if submitted:
    with st.spinner(text("running", LANG)):
        try:
            st.session_state["staffing_plan"] = (
                key,
                plan_staffing(
                    study,
                    scenario_id,
                    [day if isinstance(day, dt.date) else study.study.start_date],
                    target=PlanTarget(within_min=WITHIN, share=share, confidence=confidence),
                    replications=int(replications),
                ),
            )
        except InputError as exc:
            st.error(escape_markdown(exc))
held = st.session_state.get("staffing_plan")
if held is not None and held[0] == key:
    plan: StaffingPlan = held[1]
    a, b, c = st.columns(3)
    a.metric(text("planned", LANG), f"{plan.planned_staff_hours:.1f}")
    b.metric(text("current", LANG), f"{plan.current_staff_hours:.1f}")
    c.metric(text("met", LANG), f"{int(plan.table['meets_target'].sum())} / {plan.table.height}")
    st.caption(
        text(
            "target_row",
            LANG,
            target=plan.target.within_min,
            share=plan.target.share,
            confidence=plan.target.confidence,
        )
    )
    st.subheader(text("grid", LANG))
    grid = plan_grid(plan, LANG).to_pandas().set_index(text("counter", LANG))
    colours = grid_colours(plan)
    css = pd.DataFrame(
        [[f"background-color: {c}" for c in row] for row in colours],
        index=grid.index,
        columns=grid.columns,
    )
    styled = grid.style.apply(lambda _frame: css, axis=None)
    st.dataframe(styled)
    st.caption(text("legend", LANG))
    st.download_button(
        text("download", LANG),
        plan_workbook(plan, LANG),
        file_name=f"staffing_plan_{plan.days[0].isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    st.download_button(
        text("download_study", LANG),
        study_to_toml(plan.study),
        file_name="planned_study.toml",
        mime="application/toml",
    )
    for note in plan.notes:
        st.caption(note)
