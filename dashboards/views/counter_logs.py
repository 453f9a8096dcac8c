"""Counter-logs page (窓口ログ): one observed log over the period chosen — trends by day and
week against the wait target, waits, congestion, service level, counters by name, staff
performance and routes (the as-is vs reform comparison is the Overview's)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards import figures as F
from dashboards.i18n import format_kpi, kpi_label, scenario_label, t
from dashboards.operations import (
    Period,
    counter_names,
    log_period,
    period_text,
    restrict_to_period,
    staff_performance,
    trend,
)
from dashboards.results import observed_log_tables, observed_workload
from dashboards.ui import active_dataset, lang, plot, sample_only_notice, wait_target

LANG = lang()
TARGET = wait_target()
#: Width of one KPI metric: its longest label and value fit whole.
METRIC_WIDTH_PX = 260
st.title(t("page_counter_logs", LANG))
sample_only_notice("窓口ログ / counter logs")
data = active_dataset()
logs = {
    name: log for name, log in (("as_is", data.as_is), ("reform", data.reform)) if log is not None
}
if not logs:
    st.warning(t("missing_data", LANG, what="counter_log_*.parquet"))
    st.stop()
top = st.columns([2, 3, 2])
choice = top[0].radio(
    t("scenario", LANG),
    list(logs),
    format_func=lambda s: f"{t('observed', LANG)}: {scenario_label(s, LANG)}",
    horizontal=True,
    key="log_choice",
)
full = logs[choice]
whole = log_period(full)
if whole is None:
    st.warning(t("no_data", LANG))
    st.stop()
picked = top[1].date_input(
    t("period_filter", LANG),
    value=(whole.start, whole.end),
    min_value=whole.start,
    max_value=whole.end,
    key=f"log_period_{choice}",
)
start, end = (
    (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (whole.start, whole.end)
)
period = Period(start=start, end=end)
every = top[2].radio(
    t("trend_every", LANG),
    ["day", "week"],
    format_func=lambda e: t("by_day" if e == "day" else "by_week", LANG),
    horizontal=True,
    key="trend_every",
)
log = restrict_to_period(full, period)
service_days = log["issued_at"].dt.date().n_unique()
st.caption(
    f"{period_text(period, LANG, service_days=service_days)} · "
    f"{t('wait_target_note', LANG, target=TARGET)}"
)
if log.height == 0:
    st.warning(t("no_data", LANG))
    st.stop()
tables = observed_log_tables(log, service_target_min=TARGET)
summary = tables["kpi_summary"]
values = dict(zip(summary["kpi"].to_list(), summary["value"].to_list(), strict=True))
shown = (
    "visits",
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p90",
    "service_level",
    "no_show_share",
    "abandon_share",
    "staff_busy_min_per_day",
)
# fixed-width metrics that wrap to the page: whole labels and values even at 1024 px
with st.container(horizontal=True, wrap=True, key="log_metrics"):
    for kpi in shown:
        label = kpi_label(kpi, LANG, target_min=TARGET)
        value = format_kpi(kpi, values.get(kpi), LANG)
        st.metric(label, value, border=True, width=METRIC_WIDTH_PX)
by_period = trend(log, every="week" if every == "week" else "day", service_target_min=TARGET)
plot(F.trend_figure(by_period, every=every, target_min=TARGET, lang=LANG), key="trend")
plot(F.wait_heatmap(tables["per_weekday_hour"], lang=LANG), key="heatmap")
plot(F.people_waiting_figure(tables["people_waiting"], lang=LANG), key="waiting")
plot(F.service_level_figure(tables["per_hour"], lang=LANG, target_min=TARGET), key="service_level")

names = counter_names(data.study, LANG)
st.subheader(t("per_counter_table", LANG))
per_counter = tables["per_counter"].sort("counter_id")
st.dataframe(
    per_counter.select(
        pl.col("counter_id")
        .replace_strict(names, default=pl.col("counter_id"))
        .alias(t("counter", LANG)),
        pl.col("tickets").alias(t("tickets_count", LANG)),
        pl.col("wait_min_mean").round(1).alias(t("mean_wait_axis", LANG)),
        (pl.col("service_level") * 100)
        .round(1)
        .alias(f"{kpi_label('service_level', LANG, target_min=TARGET)} (%)"),
        (pl.col("no_show_share") * 100).round(1).alias(f"{kpi_label('no_show_share', LANG)} (%)"),
        (pl.col("abandon_share") * 100).round(1).alias(f"{kpi_label('abandon_share', LANG)} (%)"),
        pl.col("service_min_mean").round(1).alias(t("service_min_mean", LANG)),
    ),
    hide_index=True,
)
st.subheader(t("staff_performance", LANG))
close = None
if data.study is not None:
    close_min = data.study.arrivals.close_min
    close = dt.time(close_min // 60 % 24, close_min % 60)
st.dataframe(staff_performance(log, names=names, close=close, lang=LANG), hide_index=True)
plot(
    F.staff_workload_figure(
        observed_workload(log), lang=LANG, basis=t("basis_whole_log", LANG), names=names
    ),
    key="staff",
)
plot(F.flows_sankey(tables["flows"], lang=LANG, names=names), key="sankey")
plot(F.variants_figure(tables["variants"], lang=LANG, names=names), key="variants")
