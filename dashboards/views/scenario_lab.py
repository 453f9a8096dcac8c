"""Scenario lab (シナリオ実験室): change staff, what the one-stop takes, arrival volume or the
day, rerun the simulation (cached on unchanged inputs), upload a study, download results."""

from __future__ import annotations

import streamlit as st

from dashboards import figures as F
from dashboards.data import (
    MAX_LAB_REPLICATIONS,
    MAX_UPLOAD_MB,
    check_uploaded_study,
    is_cached,
    peak_day,
    verdict,
)
from dashboards.downloads import LabInputs, lab_downloads
from dashboards.i18n import scenario_label, t
from dashboards.results import (
    lab_study,
    one_stop_choices,
    run_simulation,
    simulated_tables,
    simulation_key,
)
from dashboards.safe_text import escape_markdown
from dashboards.ui import (
    active_dataset,
    active_study,
    keep_for_session,
    lang,
    plot,
    required_study,
    show_cards,
    wait_target,
)
from simulation.limits import MAX_STAFF
from simulation.model import Study, StudyError


def procedure_name(study: Study, procedure_id: str) -> str:
    """The procedure's name in the page's language."""
    proc = study.procedure(procedure_id)
    return (proc.name_en if LANG == "en" else proc.name_ja) or procedure_id


def show_progress(share: float) -> None:
    """Move the progress bar of the rerun."""
    bar.progress(share, text=t("lab_running", LANG))


LANG = lang()
TARGET = wait_target()
st.title(t("page_lab", LANG))
st.write(t("lab_intro", LANG))

# --- upload a study ---------------------------------------------------------------------
uploaded = st.file_uploader(
    t("lab_upload", LANG) + f" ≤ {MAX_UPLOAD_MB:g} MB",
    type=["toml", "xlsx", "zip"],
    # a new key after "back to the sample" empties the box, so the old file is not taken again
    key=f"study_upload_{st.session_state.get('upload_box', 0)}",
)
# the uploader's file, or one handed over in session state (same checks; used by tests)
pending = (uploaded.name, uploaded.getvalue()) if uploaded is not None else None
if pending is None and "pending_upload" in st.session_state:
    pending = st.session_state.pop("pending_upload")
if pending is not None:
    check = check_uploaded_study(pending[0], pending[1], lang=LANG)
    if check.errors:
        st.error(
            t("lab_upload_invalid", LANG)
            + "\n\n"
            + "\n".join(f"- {escape_markdown(e)}" for e in check.errors)
        )
    else:
        st.session_state["upload_note"] = t("lab_upload_ok", LANG, name=escape_markdown(pending[0]))
        if st.session_state.get("uploaded_study") != str(check.path):
            st.session_state["uploaded_study"] = str(check.path)
            st.rerun()  # the sidebar, drawn before this page, names the new study at once
note = st.session_state.pop("upload_note", None)
if note:
    st.success(note)

base: Study = required_study()

# --- what to change -----------------------------------------------------------------------
ids = base.scenario_ids
scenario_id = st.selectbox(
    t("scenario", LANG),
    ids,
    index=len(ids) - 1,
    format_func=lambda s: scenario_label(s, LANG),
    key="lab_scenario",
)
scenario = base.scenario(scenario_id)
with st.form("lab_form"):
    st.subheader(t("lab_staff", LANG, max=MAX_STAFF))
    staff: dict[str, int] = {}
    cols = st.columns(4)
    for i, counter in enumerate(scenario.counters):
        with cols[i % 4]:
            staff[counter.id] = int(
                st.number_input(
                    f"{counter.id} {(counter.name_en if LANG == 'en' else counter.name_ja) or ''}",
                    min_value=1,
                    max_value=MAX_STAFF,  # the study limit: a study never holds more
                    value=int(counter.staff),
                    step=1,
                    key=f"staff_{scenario_id}_{counter.id}",
                )
            )
    choices = one_stop_choices(base)
    chosen_one_stop: list[str] | None = None
    movable = [p for p in choices.possible if p not in choices.locked]
    if scenario.one_stop_counters and choices.possible:
        if movable:
            picked = st.multiselect(
                t("lab_one_stop", LANG),
                movable,
                default=[p for p in movable if p in choices.chosen],
                format_func=lambda pid: procedure_name(base, pid),
                key=f"lab_one_stop_{scenario_id}",
            )
            chosen_one_stop = [*choices.locked, *picked]
        if choices.locked:
            sep = "、" if LANG == "ja" else ", "
            st.caption(
                t(
                    "lab_one_stop_locked",
                    LANG,
                    n=len(choices.locked),
                    names=sep.join(
                        escape_markdown(procedure_name(base, p)) for p in choices.locked[:6]
                    )
                    + ("…" if len(choices.locked) > 6 else ""),
                )
            )
    c1, c2, c3, c4 = st.columns(4)
    volume = c1.slider(t("lab_volume", LANG), 0.5, 2.0, 1.0, 0.1, key="lab_volume")
    day = c2.date_input(t("lab_day", LANG), value=peak_day(base), key="lab_day")
    replications = int(
        c3.number_input(
            t("lab_replications", LANG, max=MAX_LAB_REPLICATIONS),
            2,
            MAX_LAB_REPLICATIONS,
            5,
            1,
            key="lab_replications",
        )
    )
    seed = int(c4.number_input(t("lab_seed", LANG), 0, 2**31 - 1, 20260401, 1, key="lab_seed"))
    st.form_submit_button(t("lab_run", LANG), type="primary", key="lab_run")

days = [day]
try:
    study = lab_study(
        base, scenario_id=scenario_id, staff=staff, one_stop=chosen_one_stop, volume=volume
    )
    st.session_state["lab_last_good"] = (
        study,
        (replications, seed, days, scenario_id, volume, chosen_one_stop, staff),
    )
except StudyError as exc:
    st.warning(t("lab_cannot_run", LANG))
    with st.expander(t("lab_details", LANG)):
        st.text("\n".join(p.render(LANG) for p in exc.problems))
    last = st.session_state.get("lab_last_good")
    if last is None:
        st.stop()
    study, (replications, seed, days, scenario_id, volume, chosen_one_stop, staff) = last
key = simulation_key(study, replications=replications, seed=seed, days=days)
reused = is_cached(key, persist=True)
bar = st.progress(0.0, text=t("lab_running", LANG))
result = run_simulation(
    study,
    replications=replications,
    seed=seed,
    days=days,
    progress=show_progress,
)
bar.empty()
keep_for_session(key)
if reused:
    st.caption(t("lab_cached", LANG))
summary, comparison = simulated_tables(result, service_target_min=TARGET)
said = verdict(comparison, lang=LANG, subject="simulated", target_min=TARGET)
st.info(f"**{t('verdict', LANG)}**: {said}")
st.caption(t("wait_target_used", LANG, target=TARGET))
cards = F.kpi_cards(comparison, summary=summary, lang=LANG, target_min=TARGET)
show_cards(cards, key="lab", language=LANG)
plot(F.ci_error_bars(summary, lang=LANG, target_min=TARGET), key="lab_ci")
plot(F.difference_figure(comparison, lang=LANG, target_min=TARGET), key="lab_difference")

# --- downloads ---------------------------------------------------------------------------
xlsx, csv = lab_downloads(
    summary,
    comparison,
    LabInputs(
        study=study,
        scenario_id=scenario_id,
        days=days,
        replications=replications,
        seed=seed,
        volume=volume,
        one_stop=chosen_one_stop,
        target_min=TARGET,
    ),
    staff,
    LANG,
)
d1, d2, d3 = st.columns(3)
d1.download_button(t("lab_download_xlsx", LANG), xlsx, "madoguchi_results.xlsx", key="dl_xlsx")
d2.download_button(
    t("lab_download_csv", LANG),
    csv,
    "madoguchi_comparison.csv",
    "text/csv",
    key="dl_csv",
)
if d3.button(t("lab_download_report", LANG), key="make_report"):
    from dashboards.report import ReportInputs, build_report

    data = active_dataset()
    html = build_report(
        ReportInputs(
            study=study,
            experiment=result,
            observed_as_is=data.as_is if active_study() is data.study else None,
            observed_reform=data.reform if active_study() is data.study else None,
            survey=data.survey,
            replications=replications,
            seed=seed,
            days=days,
            sources=data.sources,
            n_boot=300,
            target_min=TARGET,
        ),
        lang=LANG,
    )
    st.session_state["lab_report"] = html
if "lab_report" in st.session_state:
    d3.download_button(
        t("download_report_file", LANG),
        st.session_state["lab_report"],
        "madoguchi_report.html",
        "text/html",
        key="dl_report",
    )
