"""Overview page (概要): observed and simulated as-is vs reform side by side, the model check,
the verdicts a manager reads aloud."""

from __future__ import annotations

import streamlit as st

from dashboards.i18n import t
from dashboards.overview_content import observed_part, simulated_part
from dashboards.results import QUICK_REPLICATIONS
from dashboards.ui import (
    active_dataset,
    active_study,
    lang,
    plot,
    show_cards,
    using_upload,
    wait_target,
)

LANG = lang()
TARGET = wait_target()
st.title(t("app_title", LANG))
st.caption(f"{t('app_caption', LANG)} · {t('wait_target_used', LANG, target=TARGET)}")
data = active_dataset()
study = active_study()
uploaded = using_upload()  # the sample's observed logs describe the sample city, not the upload
left, right = st.columns(2, gap="large")

# --- observed as-is vs reform -----------------------------------------------------------
observed = None
with left:
    st.subheader(t("observed_comparison", LANG))
    if uploaded:
        st.caption(t("upload_no_observed", LANG))
    elif data.as_is is not None and data.reform is not None:
        observed = observed_part(data.as_is, data.reform, LANG, study, TARGET)
        st.info(f"**{t('verdict', LANG)}**: {observed.verdict}")
        show_cards(observed.cards, key="observed", language=LANG)
        st.caption(" · ".join(x for x in (observed.days, observed.intervals) if x))
    else:
        st.warning(t("missing_data", LANG, what=", ".join(data.problems) or "counter logs"))

# --- simulated as-is vs reform ----------------------------------------------------------
with right:
    st.subheader(t("simulated_comparison", LANG))
    if study is None:
        st.warning(t("missing_data", LANG, what="study.toml"))
        st.stop()
    with st.spinner(t("lab_running", LANG)):
        simulated = simulated_part(study, None if uploaded else data.as_is, LANG, TARGET)
    st.caption(
        t(
            "replications_used",
            LANG,
            n=QUICK_REPLICATIONS,
            days=", ".join(str(d) for d in simulated.days[:1]),
        )
    )
    st.info(f"**{t('verdict', LANG)}**: {simulated.verdict}")
    show_cards(simulated.cards, key="simulated", language=LANG)

plot(simulated.ci_bars, key="ci_bars")
if simulated.waits is not None:
    plot(simulated.waits, key="waits_sim")
if observed is not None and observed.waits is not None:
    plot(observed.waits, key="waits_obs")
plot(simulated.difference, key="difference_sim")
if observed is not None:
    plot(observed.difference, key="difference_obs")

# --- model check ------------------------------------------------------------------------
if simulated.check is not None:
    st.header(t("model_check", LANG))
    st.table(simulated.check, hide_index=True)
    st.caption(t("matched_days", LANG, n=simulated.matched_days))
