"""The Streamlit dashboard: ``streamlit run dashboards/app.py`` (or ``madoguchi dashboard``).

The navigation is built inside :func:`main` so an end-to-end test (``AppTest``) can drive it;
each page in ``dashboards/views/`` is a thin shell over importable functions.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.i18n import t
from dashboards.operations import DEFAULT_WAIT_TARGET_MIN
from dashboards.safe_text import escape_markdown
from dashboards.shell import LANG_PARAM, document_language_script, favicon, language_from_query
from dashboards.ui import wait_target

__all__ = ["PAGES", "main"]

#: The pages' scripts. Not named ``pages/``: Streamlit treats a ``pages/`` folder beside the
#: entry script as pages of their own, and a first visit to a page's address (a bookmark of
#: ``/floor?lang=en``) on a freshly started server would run that script without the app
#: (no language switch, navigation by file names).
PAGES_DIR = Path(__file__).resolve().parent / "views"

#: (file in views/, label key, url path, icon) in navigation order.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("overview.py", "page_overview", "overview", ":material/dashboard:"),
    ("journeys.py", "page_journeys", "journeys", ":material/route:"),
    ("counter_logs.py", "page_counter_logs", "counter-logs", ":material/confirmation_number:"),
    ("floor.py", "page_floor", "floor", ":material/map:"),
    ("scenario_lab.py", "page_lab", "scenario-lab", ":material/science:"),
    ("staffing_plan.py", "page_staffing", "staffing-plan", ":material/groups:"),
)


def _remember_language() -> None:
    """Keep the chosen language in plain session state (it outlives the widget)."""
    st.session_state["lang"] = st.session_state["lang_choice"]


def _choose_language() -> str:
    """The language of this run: the session's, else the address bar's (``?lang=``), else
    Japanese; written back to the address bar so a reload or a shared link keeps it, and to
    the document (``<html lang>``)."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = language_from_query(st.query_params)
    lang = str(st.session_state["lang"])
    if st.query_params.get(LANG_PARAM) != lang:
        st.query_params[LANG_PARAM] = lang
    st.sidebar.radio(
        "言語 / Language",
        ["ja", "en"],
        index=0 if lang == "ja" else 1,
        format_func=lambda code: "日本語" if code == "ja" else "English",
        key="lang_choice",
        horizontal=True,
        on_change=_remember_language,
    )
    st.sidebar.html(document_language_script(lang), unsafe_allow_javascript=True)
    return lang


def _uploaded_name(path: Path, lang: str) -> str:
    """The uploaded study's own name (its file name if it can no longer be read)."""
    from dashboards.data import load_study_cached
    from dashboards.ui import study_name
    from journeys.errors import InputError

    try:
        return study_name(load_study_cached(path), lang)
    except InputError:
        return path.name


def main() -> None:
    """Page config, language switch in the sidebar, then run the chosen page.

    Page titles are bilingual and fixed, so switching the language never changes the set
    of pages (which would restart the navigation).
    """
    st.set_page_config(page_title="Madoguchi", page_icon=favicon(), layout="wide")
    lang = _choose_language()
    st.sidebar.number_input(
        t("wait_target", lang),
        min_value=1.0,
        max_value=240.0,
        value=DEFAULT_WAIT_TARGET_MIN,
        step=1.0,
        format="%g",
        key="wait_target_min",
        help=t("wait_target_note", lang, target=wait_target()),
    )
    upload = st.session_state.get("uploaded_study")
    if upload:
        name = escape_markdown(_uploaded_name(Path(upload), lang))  # the uploader's own text
        st.sidebar.caption(f"{t('uploaded_data', lang)}: {name}")
        if st.sidebar.button(t("back_to_sample", lang), key="back_to_sample"):
            del st.session_state["uploaded_study"]
            st.session_state["upload_box"] = st.session_state.get("upload_box", 0) + 1
    else:
        st.sidebar.caption(t("sample_data", lang))
    pages = [
        st.Page(
            PAGES_DIR / name,
            title=f"{t(label, 'ja')} / {t(label, 'en')}",
            url_path=url,
            icon=icon,
            default=i == 0,
        )
        for i, (name, label, url, icon) in enumerate(PAGES)
    ]
    st.navigation(pages).run()


main()
