"""Counter-logs page (窓口ログ): waits, congestion, service level, staff and routes."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import figures as F
from dashboards.i18n import format_kpi, kpi_label, scenario_label, t
from dashboards.results import observed_log_tables, observed_workload
from dashboards.ui import active_dataset, lang, plot

LANG = lang()
st.title(t("page_counter_logs", LANG))
data = active_dataset()
logs = {
    name: log for name, log in (("as_is", data.as_is), ("reform", data.reform)) if log is not None
}
if not logs:
    st.warning(t("missing_data", LANG, what="counter_log_*.parquet"))
    st.stop()
choice = st.radio(
    t("scenario", LANG),
    list(logs),
    format_func=lambda s: f"{t('observed', LANG)}: {scenario_label(s, LANG)}",
    horizontal=True,
    key="log_choice",
)
log = logs[choice]
tables = observed_log_tables(log)
summary = tables["kpi_summary"]
values = dict(zip(summary["kpi"].to_list(), summary["value"].to_list(), strict=True))
shown = (
    "visits",
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p90",
    "service_level",
    "staff_busy_min_per_day",
)
cols = st.columns(3)
for i, kpi in enumerate(shown):
    cols[i % 3].metric(kpi_label(kpi, LANG), format_kpi(kpi, values.get(kpi), LANG), border=True)
plot(F.wait_heatmap(tables["per_weekday_hour"], lang=LANG), key="heatmap")
both = pl.concat(
    [observed_log_tables(lg)["people_waiting"] for lg in logs.values()], how="vertical_relaxed"
)
plot(F.people_waiting_figure(both, lang=LANG), key="waiting")
by_hour = pl.concat(
    [observed_log_tables(lg)["per_hour"] for lg in logs.values()], how="vertical_relaxed"
)
plot(F.service_level_figure(by_hour, lang=LANG), key="service_level")
plot(F.staff_workload_figure(observed_workload(log), lang=LANG), key="staff")
plot(F.flows_sankey(tables["flows"], lang=LANG), key="sankey")
plot(F.variants_figure(tables["variants"], lang=LANG), key="variants")
