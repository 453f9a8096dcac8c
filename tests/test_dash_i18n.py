"""Every page, in both languages, shows only strings of that language: the test walks each page
with AppTest and reads every visible string (titles, text, metrics, widget labels and options,
table headers and cells, figure titles, axes, legends, annotations and hover texts).

English pages may not contain any Japanese character; Japanese pages may contain only the
Latin words of the Japanese catalog (vs, CI, pt, file formats such as zip) and data identifiers (the
survey's journey ids)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from journeys.paths import SAMPLE_DIR

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
PAGES = (
    "pages/overview.py",
    "pages/journeys.py",
    "pages/counter_logs.py",
    "pages/floor.py",
    "pages/scenario_lab.py",
    "pages/staffing_plan.py",
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
#: Latin words the Japanese catalog itself uses.
JA_LATIN = {"vs", "CI", "pt", "HTML", "CSV", "Excel", "TOML", "MB", "zip"}
#: Keys of figure JSON whose strings a reader sees (on the figure or on hover).
FIGURE_TEXT_KEYS = {"text", "name", "ticktext", "label", "prefix", "hovertemplate", "labels"}
#: Coordinates that, when they are words, are the labels of a categorical axis.
CATEGORY_KEYS = {"x", "y"}

_UNNAMED = {"shapes", "annotations", "images"}

pytestmark = pytest.mark.skipif(
    not (SAMPLE_DIR / "survey.parquet").exists(), reason="the bundled sample is not generated"
)


def _figure_strings(node: Any, out: list[str], *, visible: bool = False, parent: str = "") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            # shapes and annotations carry a ``name`` only code refers to: never drawn
            shown = key in FIGURE_TEXT_KEYS and not (key == "name" and parent in _UNNAMED)
            shown = shown or (key in CATEGORY_KEYS and parent != "layout")
            _figure_strings(value, out, visible=shown, parent=key)
    elif isinstance(node, list):
        for value in node:
            _figure_strings(value, out, visible=visible, parent=parent)
    elif isinstance(node, str) and visible:
        out.append(node)


def _visible_strings(at: AppTest) -> list[str]:
    """Every string the page shows a reader (the bilingual language switch aside)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "info", "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    out += [re.sub(r"<[^>]+>", " ", md.value) for md in at.markdown]  # card HTML: its text
    for m in at.metric:
        out += [m.label, m.value]
    for kind in ("radio", "selectbox", "multiselect"):
        for w in getattr(at, kind):
            if w.key != "lang_choice":
                out += [w.label, *map(str, w.options)]
    for kind in ("number_input", "slider", "date_input", "button"):
        out += [w.label for w in getattr(at, kind)]
    for kind in ("dataframe", "table"):
        for d in getattr(at, kind):
            frame = d.value
            out += [str(c) for c in frame.columns]
            for col in frame.columns:
                out += [v for v in frame[col].tolist() if isinstance(v, str)]
    for chart in at.get("plotly_chart"):
        _figure_strings(json.loads(chart.proto.spec), out)
    out += [e.proto.label for e in at.get("download_button")]
    out += [e.proto.label for e in at.get("file_uploader")]
    return [s for s in out if s]


def _identifiers() -> set[str]:
    import polars as pl

    survey = pl.read_parquet(SAMPLE_DIR / "survey.parquet")
    words: set[str] = set()
    for journey in survey["journey_id"].unique().to_list():
        words |= set(LATIN_WORD.findall(str(journey)))
    return words


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppTest]:
    mp = pytest.MonkeyPatch()
    mp.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    yield at
    mp.undo()


@pytest.mark.parametrize("page", PAGES)
def test_english_pages_have_no_japanese(app: AppTest, page: str) -> None:
    app.session_state["lang"] = "en"
    app.switch_page(page).run()
    assert not app.exception
    strings = _visible_strings(app)
    assert len(strings) > 5
    leaks = sorted({s[:80] for s in strings if JAPANESE.search(s)})
    assert leaks == [], f"{page}: Japanese on an English page: {leaks}"


@pytest.mark.parametrize("page", PAGES)
def test_japanese_pages_have_only_catalog_latin_words(app: AppTest, page: str) -> None:
    app.session_state["lang"] = "ja"
    app.switch_page(page).run()
    assert not app.exception
    allowed = JA_LATIN | _identifiers()
    leaks: set[str] = set()
    for text in _visible_strings(app):
        plain = re.sub(r"%\{[^}]*\}|<[^>]+>|&\w+;", " ", text)  # hover placeholders, tags
        leaks |= {w for w in LATIN_WORD.findall(plain) if w not in allowed}
    assert leaks == set(), f"{page}: English words on a Japanese page: {sorted(leaks)}"


@pytest.mark.parametrize(
    ("page", "key", "choice"),
    [
        ("pages/counter_logs.py", "log_choice", "reform"),
        ("pages/floor.py", "floor_scenario", "reform"),
    ],
)
def test_radios_keep_their_choice_when_the_language_changes(
    app: AppTest, page: str, key: str, choice: str
) -> None:
    app.session_state["lang"] = "ja"
    app.switch_page(page).run()
    app.radio(key=key).set_value(choice).run()
    assert app.radio(key=key).value == choice
    app.session_state["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.radio(key=key).value == choice
    app.session_state["lang"] = "ja"
    app.run()
    assert app.radio(key=key).value == choice


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_has_a_text_alternative(app: AppTest, page: str) -> None:
    from dashboards.ui import ALT_ATTRIBUTE

    app.session_state["lang"] = "en"
    app.switch_page(page).run()
    assert not app.exception
    alts = [md.value for md in app.markdown if ALT_ATTRIBUTE in md.value]
    charts = app.get("plotly_chart")
    assert len(alts) == len(charts)
    assert all(re.search(r'role="img" aria-label="[^"]{8,}"', alt) for alt in alts)
    # each series' range, or the figure's own message (the floor plan, the replay)
    said = ("values from", "Utilisation of the counters", "Longest queue")
    assert not charts or any(words in alt for alt in alts for words in said)
