"""The Scenario lab never breaks: narrowing the one-stop scope is offered only where residents
still have a counter to go to (and then runs), what cannot be moved is explained in the UI
language, and a study with a large counter fits the widgets."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.cards import CARD_ATTRIBUTE
from dashboards.results import lab_study, one_stop_choices
from journeys.paths import SAMPLE_DIR

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
STUDY = SAMPLE_DIR / "study.toml"
#: The reform floor's child-care counter, which also takes the child allowance in the variant.
CHILD_CARE = 'procedures = ["hoikuen", "boshi_techo"]'

pytestmark = pytest.mark.skipif(not STUDY.exists(), reason="data/sample/study.toml not generated")


def _zipped(text: str) -> bytes:
    """A study text zipped with the sample's grid-paper workbook (how a city uploads both)."""
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("study.toml", text)
        archive.write(SAMPLE_DIR / "floors.xlsx", "floors.xlsx")
    return packed.getvalue()


def _variant_text() -> str:
    """The sample study with the child allowance also taken by a department counter of the
    reform floor (so it can leave the one-stop)."""
    text = STUDY.read_text(encoding="utf-8")
    assert text.count(CHILD_CARE) == 1
    return text.replace(CHILD_CARE, 'procedures = ["hoikuen", "boshi_techo", "jido_teate"]')


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    at.switch_page("views/scenario_lab.py")
    yield at


def test_choices_lock_what_only_the_one_stop_takes() -> None:
    from simulation.model import load_study, study_from_dict

    sample = one_stop_choices(load_study(STUDY))
    assert set(sample.locked) == set(sample.chosen)  # the sample's reform floor: one-stop only
    variant = one_stop_choices(study_from_dict(tomllib.loads(_variant_text()), source=STUDY))
    assert "jido_teate" not in variant.locked and "jido_teate" in variant.chosen
    assert set(variant.locked) == set(sample.locked) - {"jido_teate"}


def test_narrowing_moves_the_procedure_to_its_department_counter() -> None:
    from simulation.model import study_from_dict

    study = study_from_dict(tomllib.loads(_variant_text()), source=STUDY)
    keep = [p for p in one_stop_choices(study).chosen if p != "jido_teate"]
    changed = lab_study(study, scenario_id="reform", one_stop=keep)  # no StudyError
    assert not changed.procedure("jido_teate").one_stop
    reform = changed.scenario("reform")
    assert [c.id for c in reform.counters_for("jido_teate")] == ["B05"]
    assert all("jido_teate" not in c.procedures for c in reform.one_stop_counters)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_sample_explains_what_cannot_leave_the_one_stop(app: AppTest, lang: str) -> None:
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error and not app.warning
    assert not app.multiselect  # nothing can move: nothing offered
    locked = "外せません" if lang == "ja" else "stay at the one-stop counters"
    assert any(locked in c.value for c in app.caption)
    assert any(CARD_ATTRIBUTE in md.value for md in app.markdown)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_narrowed_scope_runs_in_either_language(app: AppTest, lang: str) -> None:
    app.session_state["lang"] = lang
    app.session_state["pending_upload"] = ("variant.zip", _zipped(_variant_text()))
    app.run()
    assert not app.exception
    scope = app.multiselect(key="lab_one_stop_reform")
    assert scope.value == ["jido_teate"]
    scope.set_value([])
    app.number_input(key="lab_replications").set_value(2)
    app.button(key="lab_run").click().run()
    assert not app.exception and not app.error and not app.warning
    assert any(CARD_ATTRIBUTE in md.value for md in app.markdown)
    assert app.multiselect(key="lab_one_stop_reform").value == []


def test_a_counter_with_60_staff_fits_the_widgets(app: AppTest) -> None:
    text = STUDY.read_text(encoding="utf-8")
    reform = text.index('id = "reform"')
    first = re.compile(r"\n  staff = (\d+)\n  shifts = \[ \{ ([^}]*)staff = \d+ \} \]")
    match = first.search(text, reform)
    assert match is not None
    big = (
        text[: match.start()]
        + f"\n  staff = 60\n  shifts = [ {{ {match.group(2)}staff = 60 }} ]"
        + text[match.end() :]
    )
    app.session_state["pending_upload"] = ("big.zip", _zipped(big))
    app.run()
    assert not app.exception and not app.error
    values = [w.value for w in app.number_input if (w.key or "").startswith("staff_reform_")]
    assert 60 in values


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_downloads_carry_labels_units_and_the_inputs(lang: str) -> None:
    import io

    from openpyxl import load_workbook

    from dashboards.data import peak_day
    from dashboards.downloads import LabInputs, lab_downloads
    from dashboards.i18n import t
    from dashboards.results import simulated_tables
    from journeys import kpi_registry as registry
    from simulation.experiments import run_experiment
    from simulation.model import load_study

    study = load_study(STUDY)
    day = peak_day(study)
    result = run_experiment(study, replications=2, seed=7, days=[day], progress=False)
    summary, comparison = simulated_tables(result)
    staff = {c.id: c.staff for c in study.scenario("reform").counters}
    inputs = LabInputs(study, "reform", [day], 2, 7, 1.0, None, target_min=15.0)
    xlsx, csv = lab_downloads(summary, comparison, inputs, staff, lang)
    book = load_workbook(io.BytesIO(xlsx))
    compared, _, asked = (book[name] for name in book.sheetnames)
    assert book.sheetnames[2] == t("sheet_inputs", lang)
    header = [c.value for c in compared[1]]
    assert header[:3] == ["kpi", t("measure", lang), t("unit", lang)]
    rows = {r[0]: r for r in compared.iter_rows(min_row=2, values_only=True)}
    level = rows["service_level"]
    assert level[1] == t("service_level_within", lang, target=15) and level[2] == "%"
    expected = comparison.filter(pl.col("kpi") == "service_level")["alternative"][0]
    assert level[4] == pytest.approx(round(expected * 100, registry.kpi("service_level").decimals))
    items = {r[0]: r[1] for r in asked.iter_rows(min_row=2, values_only=True)}
    assert items[t("lab_seed", lang)] == "7" and items[t("lab_replications", lang)] == "2"
    assert items[t("lab_day", lang)] == day.isoformat()
    assert items[t("wait_target", lang)] == "15"  # the target the service level used
    counter = study.scenario("reform").counters[0]
    assert any(
        k.endswith(counter.id + " " + (counter.name_en if lang == "en" else counter.name_ja))
        for k in items
    )
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Japanese labels
    assert t("service_level_within", lang, target=15) in csv.decode("utf-8-sig")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_sidebar_names_an_uploaded_study_at_once(app: AppTest, lang: str) -> None:
    text = (
        _variant_text()
        .replace("サンプル市（架空", "試しの町（架空")
        .replace("Sample City (fictional", "Trial Town (fictional")
    )
    app.session_state["lang"] = lang
    app.session_state["pending_upload"] = ("trial.zip", _zipped(text))
    app.run()  # one interaction: the upload, and the sidebar already names the new study
    assert not app.exception
    study = tomllib.loads(text)["study"]
    name = study["name_en"] if lang == "en" else study["name_ja"]
    assert any(name in c.value for c in app.sidebar.caption), [c.value for c in app.sidebar.caption]
    assert any("trial.zip" in s.value for s in app.success)
    app.sidebar.button(key="back_to_sample").click().run()
    assert "uploaded_study" not in app.session_state
    app.run()  # the upload box was emptied: the old file is not taken again
    assert "uploaded_study" not in app.session_state
