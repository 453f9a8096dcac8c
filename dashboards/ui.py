"""Small Streamlit helpers shared by the pages: language, the active dataset, KPI cards.

Pages stay thin: they pick frames from :mod:`dashboards.results`, draw figures from
:mod:`dashboards.figures` and use these helpers for the repeated bits.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import streamlit as st

from dashboards.cards import cards_html
from dashboards.data import Dataset, claim, load_dataset, release
from dashboards.figures.overview import KpiCard

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "ALT_ATTRIBUTE",
    "active_dataset",
    "active_study",
    "keep_for_session",
    "lang",
    "plot",
    "required_study",
    "sample_only_notice",
    "show_cards",
    "study_name",
    "uploaded_study_path",
    "using_upload",
    "wait_target",
]


def lang() -> str:
    """The language chosen in the sidebar ("ja" by default)."""
    return "en" if st.session_state.get("lang") == "en" else "ja"


def wait_target() -> float:
    """The wait target (minutes) the manager set in the sidebar (15 by default)."""
    from dashboards.results import DEFAULT_WAIT_TARGET_MIN

    value = st.session_state.get("wait_target_min", DEFAULT_WAIT_TARGET_MIN)
    ok = isinstance(value, (int, float)) and value > 0
    return float(value) if ok else DEFAULT_WAIT_TARGET_MIN


def active_dataset() -> Dataset:
    """The bundled sample (study, observed logs, survey), loaded once per file content."""
    return load_dataset()


def uploaded_study_path() -> Path | None:
    """Path of the study the user uploaded in the Scenario lab (None: use the sample)."""
    value = st.session_state.get("uploaded_study")
    return Path(value) if value else None


def using_upload() -> bool:
    """Whether the pages simulate an uploaded study (then the sample's observed data and survey
    describe another city and are not compared with it)."""
    path = uploaded_study_path()
    return path is not None and path.exists()


def active_study() -> Study | None:
    """The study the pages simulate: the uploaded one when valid, else the sample's."""
    path = uploaded_study_path()
    if path is not None and path.exists():
        from dashboards.data import load_study_cached

        return load_study_cached(path)
    return active_dataset().study


def study_name(study: Study, language: str) -> str:
    """The study's own name in the language (its id when it has none)."""
    info = study.study
    return (info.name_en if language == "en" else info.name_ja) or info.name_ja or info.id


def required_study() -> Study:
    """The study this session works on; without one, a warning and the page stops here."""
    study = active_study()
    if study is None:
        from dashboards.i18n import t

        st.warning(t("missing_data", lang(), what="study.toml"))
        st.stop()
        raise SystemExit  # st.stop() ends the script; this line only tells the type checker
    return study


def sample_only_notice(what: str) -> None:
    """With an uploaded study, say that this page shows the bundled sample's ``what`` (observed
    logs and the survey exist only for the sample city)."""
    if not using_upload():
        return
    from dashboards.i18n import t

    uploaded = active_study()
    name = study_name(uploaded, lang()) if uploaded is not None else ""
    st.info(t("sample_only_page", lang(), what=what, study=name))


class SessionResults:
    """The cached results one browser session asked for (its Scenario-lab runs).

    Kept in the session's state; when Streamlit forgets the session (its tab closed, the
    reconnect window over) the object is collected and the results no other session uses
    are released from the shared cache, their memory handed back to the system.
    """

    def __init__(self) -> None:
        self.keys: list[tuple[Any, ...]] = []
        weakref.finalize(self, release, self.keys)

    def keep(self, key: tuple[Any, ...]) -> None:
        """Claim the result under ``key`` for this session (once)."""
        if key not in self.keys:
            self.keys.append(key)
            claim(key)


def keep_for_session(key: tuple[Any, ...]) -> None:
    """Claim a cached result for the current session (released when the session ends)."""
    owner = st.session_state.get("_madoguchi_results")
    if not isinstance(owner, SessionResults):
        owner = SessionResults()
        st.session_state["_madoguchi_results"] = owner
    owner.keep(key)


#: The attribute that marks a figure's text alternative in the page.
ALT_ATTRIBUTE = "data-madoguchi-alt"
_HIDDEN = (
    "position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap;border:0"
)


def plot(fig: go.Figure, key: str) -> None:
    """Draw a plotly figure full width (offline: plotly.js comes with Streamlit) in the
    figures' own template (Streamlit's theme would grey the tick labels below AA contrast),
    after a text alternative for screen readers (title and each series' range, see
    :func:`dashboards.figures._style.figure_summary`)."""
    import html

    from dashboards.figures._style import figure_summary

    summary = html.escape(figure_summary(fig, lang()), quote=True)
    st.markdown(
        f'<div {ALT_ATTRIBUTE}="{html.escape(key)}" role="img" aria-label="{summary}" '
        f'title="{summary}" style="{_HIDDEN}">{summary}</div>',
        unsafe_allow_html=True,
    )
    st.plotly_chart(fig, key=key, config={"displaylogo": False}, theme=None)


def show_cards(cards: list[KpiCard], *, key: str, language: str) -> None:
    """KPI cards (the reform value, the difference as delta, its 95 % CI) as one HTML grid
    drawn by the Markdown renderer, so they appear together with the page title."""
    with st.container(key=f"cards_{key}"):
        st.markdown(cards_html(cards, language), unsafe_allow_html=True)
