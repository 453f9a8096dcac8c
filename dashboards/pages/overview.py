"""Overview page (概要): observed and simulated as-is vs reform, the model check, the verdict."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import figures as F
from dashboards.data import verdict
from dashboards.figures.overview import OVERVIEW_KPIS
from dashboards.i18n import format_kpi, kpi_label, t
from dashboards.results import (
    QUICK_REPLICATIONS,
    QUICK_SEED,
    model_check,
    observed_comparison,
    run_simulation,
    simulated_tables,
)
from dashboards.ui import active_dataset, active_study, lang, plot, show_cards, using_upload

LANG = lang()
st.title(t("app_title", LANG))
st.caption(t("app_caption", LANG))
data = active_dataset()
study = active_study()
uploaded = using_upload()  # the sample's observed logs describe the sample city, not the upload

# --- observed as-is vs reform -----------------------------------------------------------
st.header(t("observed_comparison", LANG))
observed = None
if uploaded:
    st.caption(t("upload_no_observed", LANG))
elif data.as_is is not None and data.reform is not None:
    observed = observed_comparison(data.as_is, data.reform)
    st.info(f"**{t('verdict', LANG)}**: {verdict(observed, lang=LANG, subject='observed')}")
    show_cards(
        F.kpi_cards(observed, kpis=F.OBSERVED_KPIS, lang=LANG), key="observed", language=LANG
    )
else:
    st.warning(t("missing_data", LANG, what=", ".join(data.problems) or "counter logs"))

# --- simulated as-is vs reform ----------------------------------------------------------
st.header(t("simulated_comparison", LANG))
if study is None:
    st.warning(t("missing_data", LANG, what="study.toml"))
    st.stop()
with st.spinner(t("lab_running", LANG)):
    result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
summary, comparison = simulated_tables(result)
days = sorted({d for d in result.log["issued_at"].dt.date().unique().to_list()})
st.caption(
    t("replications_used", LANG, n=QUICK_REPLICATIONS, days=", ".join(str(d) for d in days[:1]))
)
st.info(f"**{t('verdict', LANG)}**: {verdict(comparison, lang=LANG, subject='simulated')}")
show_cards(F.kpi_cards(comparison, summary=summary, lang=LANG), key="simulated", language=LANG)
plot(F.ci_error_bars(summary, lang=LANG), key="ci_bars")
plot(F.difference_figure(comparison, lang=LANG), key="difference_sim")
if observed is not None:
    plot(F.difference_figure(observed, lang=LANG), key="difference_obs")

# --- model check ------------------------------------------------------------------------
if (
    not uploaded
    and data.as_is is not None
    and "as_is" in set(result.log["scenario"].unique().to_list())
):
    st.header(t("model_check", LANG))
    check, matched = model_check(study, data.as_is, result.log, days[:1])
    rows = [
        {
            t("kpi", LANG): kpi_label(r["kpi"], LANG),
            t("observed", LANG): format_kpi(r["kpi"], r["baseline"], LANG),
            t("simulated", LANG): format_kpi(r["kpi"], r["alternative"], LANG),
            t("difference", LANG): format_kpi(r["kpi"], r["difference"], LANG, signed=True),
        }
        for r in check.iter_rows(named=True)
        if r["kpi"] in OVERVIEW_KPIS
    ]
    table = pl.DataFrame(rows)
    st.dataframe(table, hide_index=True)
    st.caption(t("matched_days", LANG, n=len(matched)))
