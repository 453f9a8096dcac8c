"""Every page, in both languages, shows only strings of that language: the test walks each page
with AppTest and reads every visible string (titles, text, metrics, widget labels and options,
table headers and cells, figure titles, axes, legends, annotations and hover texts).

English pages may not contain any Japanese character; Japanese pages may contain only the
Latin words of the Japanese catalog (vs, CI, pt, file formats such as zip) and data identifiers (the
survey's journey ids).

The same holds for what a broken upload makes the page say: the Scenario lab takes studies
with wrong keys and types, with values the checks refuse, past a limit, not TOML at all, in a
zip without a study, of the wrong type, and a change of the lab that breaks a limit; in
Japanese every message may use only the Latin words of the Japanese check catalog
(:mod:`simulation.messages`) and what the file itself holds (its keys, ids and values)."""

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
    "views/overview.py",
    "views/journeys.py",
    "views/counter_logs.py",
    "views/floor.py",
    "views/scenario_lab.py",
    "views/staffing_plan.py",
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
    out += [e.value for e in at.text]  # the lab's details of a change that cannot run
    out += [e.label for e in at.expander]
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


STUDY = SAMPLE_DIR / "study.toml"


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return packed.getvalue()


def _broken(*changes: tuple[str, str]) -> bytes:
    text = STUDY.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def _with_grid(study: bytes) -> bytes:
    return _zip({"study.toml": study, "floors.xlsx": (SAMPLE_DIR / "floors.xlsx").read_bytes()})


#: Uploads the Scenario lab must refuse, each with its problems in the UI language.
BROKEN_UPLOADS: dict[str, tuple[str, bytes]] = {
    "keys and types": (
        "keys.toml",
        _broken(
            ("residents = 110000", 'residents = "many"'),
            ("rpa_share = 0.5", "rpa_shrae = 0.5"),
            ('start_date = "2026-02-23"', 'start_date = "someday"'),
        ),
    ),
    "values": (
        "values.zip",
        _with_grid(
            _broken(
                ('department = "shimin"', 'department = "shimim"'),
                ("rpa_share = 0.5", "rpa_share = 1.5"),
                ("forms = 1", "forms = -1"),
                ("  staff = 8", "  staff = 0"),
            )
        ),
    ),
    "limit": (
        "limit.zip",
        _with_grid(_broken(("residents_per_day = 650.0", "residents_per_day = 1e12"))),
    ),
    "grid missing": ("nogrid.toml", STUDY.read_bytes()),
    "not TOML": ("syntax.toml", b"[study\nid = = 1\n"),
    "no study in the zip": ("bundle.zip", _zip({"notes.txt": b"hello"})),
    "not a zip": ("fake.zip", b"this is not a zip"),
    "wrong type": ("study.txt", b"id = 1"),
}


def _file_words(content: bytes, name: str) -> set[str]:
    """Latin words of what the user typed: the file's name, its keys and its values."""
    import io
    import zipfile

    words = set(LATIN_WORD.findall(name))
    parts = [content]
    if zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = [archive.read(n) for n in archive.namelist() if n.endswith(".toml")]
            words |= {w for n in archive.namelist() for w in LATIN_WORD.findall(n)}
    for part in parts:
        words |= set(LATIN_WORD.findall(part.decode("utf-8", errors="replace")))
    return words


def _check_words() -> set[str]:
    """Latin words the Japanese texts of the check catalog and the study format use."""
    import inspect

    import pydantic

    import simulation.model as model
    from simulation.messages import MESSAGES

    words = {w for ja, _ in MESSAGES.values() for w in LATIN_WORD.findall(ja)}
    for _, cls in inspect.getmembers(model, inspect.isclass):
        if issubclass(cls, pydantic.BaseModel):
            for name, info in cls.model_fields.items():
                words |= set(LATIN_WORD.findall(name)) | set(LATIN_WORD.findall(info.alias or ""))
    return words


def _japanese_leaks(strings: list[str], allowed: set[str]) -> set[str]:
    leaks: set[str] = set()
    for text in strings:
        plain = re.sub(r"%\{[^}]*\}|<[^>]+>|&\w+;", " ", text)
        leaks |= {w for w in LATIN_WORD.findall(plain) if w not in allowed}
    return leaks


@pytest.mark.parametrize("case", list(BROKEN_UPLOADS))
def test_upload_problems_are_in_the_ui_language(app: AppTest, case: str) -> None:
    name, content = BROKEN_UPLOADS[case]
    allowed = JA_LATIN | _identifiers() | _check_words() | _file_words(STUDY.read_bytes(), name)
    allowed |= _file_words(content, name)
    shown: dict[str, list[str]] = {}
    for lang in ("ja", "en"):
        app.session_state["lang"] = lang
        app.switch_page("views/scenario_lab.py")
        app.session_state["pending_upload"] = (name, content)
        app.run()
        assert not app.exception
        shown[lang] = [e.value for e in app.error]
        assert shown[lang], f"{case}: the upload was accepted"
    leaks = _japanese_leaks(shown["ja"], allowed)
    assert leaks == set(), f"{case}: English words in the Japanese messages: {sorted(leaks)}"
    assert all(JAPANESE.search(line) for line in shown["ja"])
    if case == "grid missing":  # the upload box says how to bring the grid paper along
        assert any("方眼図のブックも一緒に" in line for line in shown["ja"])
    english = sorted({s[:80] for s in shown["en"] if JAPANESE.search(s)})
    assert english == [], f"{case}: Japanese in the English messages: {english}"


def test_a_lab_change_that_cannot_run_is_explained_in_japanese(app: AppTest) -> None:
    """A study near the residents limit, then the lab's volume ×2: the change breaks the
    limit, the page says so in Japanese (the details too), and no English word leaks."""
    study = _broken(("residents_per_day = 650.0", "residents_per_day = 26000.0"))
    allowed = JA_LATIN | _identifiers() | _check_words() | _file_words(study, "near.zip")
    app.session_state["lang"] = "ja"
    app.switch_page("views/scenario_lab.py")
    app.session_state["pending_upload"] = ("near.zip", _with_grid(study))
    app.session_state["lab_volume"] = 2.0
    app.run()
    assert not app.exception and not app.error
    assert any("シミュレーションできません" in w.value for w in app.warning)
    details = [e.value for e in app.text]
    assert details and "50,000" in details[0] and "人/日" in details[0]
    leaks = _japanese_leaks(_visible_strings(app), allowed)
    assert leaks == set(), f"English words on the Japanese lab: {sorted(leaks)}"
    del app.session_state["uploaded_study"]
    app.session_state["lab_volume"] = 1.0


def test_a_narrowed_scope_shows_only_japanese(app: AppTest) -> None:
    """The one-stop scope narrowed (in a variant where a department counter can take the
    child allowance): the lab runs and every string is Japanese or an identifier."""
    text = STUDY.read_text(encoding="utf-8").replace(
        'procedures = ["hoikuen", "boshi_techo"]',
        'procedures = ["hoikuen", "boshi_techo", "jido_teate"]',
        1,
    )
    allowed = JA_LATIN | _identifiers() | _file_words(text.encode("utf-8"), "variant.zip")
    app.session_state["lang"] = "ja"
    app.switch_page("views/scenario_lab.py")
    app.session_state["pending_upload"] = ("variant.zip", _with_grid(text.encode("utf-8")))
    app.run()
    scope = app.multiselect(key="lab_one_stop_reform")
    scope.set_value([])
    app.number_input(key="lab_replications").set_value(2)
    app.button(key="lab_run").click().run()
    assert not app.exception and not app.error
    leaks = _japanese_leaks(_visible_strings(app), allowed)
    assert leaks == set(), f"English words on the narrowed lab: {sorted(leaks)}"
    del app.session_state["uploaded_study"]


@pytest.mark.parametrize(
    ("page", "key", "choice"),
    [
        ("views/counter_logs.py", "log_choice", "reform"),
        ("views/floor.py", "floor_scenario", "reform"),
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
