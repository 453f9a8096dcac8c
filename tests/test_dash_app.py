"""The Streamlit app driven end to end with AppTest: every page runs without an exception and
the numbers it shows are those of the package's KPI functions on the same data."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.cards import CARD_ATTRIBUTE
from dashboards.data import peak_day
from dashboards.i18n import format_kpi, kpi_label, t
from dashboards.results import DEFAULT_N_BOOT, QUICK_REPLICATIONS, QUICK_SEED
from journeys.paths import SAMPLE_DIR

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
STUDY = SAMPLE_DIR / "study.toml"
LOGS = (SAMPLE_DIR / "counter_log_as_is.parquet", SAMPLE_DIR / "counter_log_reform.parquet")
SURVEY = SAMPLE_DIR / "survey.parquet"
CARD_KPIS = (
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p90",
    "time_in_hall_min_mean",
    "forms_written_per_visit",
    "staff_hours",
    "service_level",
)

pytestmark = pytest.mark.skipif(
    not STUDY.exists(), reason="data/sample/study.toml not generated yet"
)
needs_logs = pytest.mark.skipif(
    not all(p.exists() for p in LOGS),
    reason="sample counter logs not generated yet (madoguchi sample)",
)
needs_survey = pytest.mark.skipif(not SURVEY.exists(), reason="sample survey not generated yet")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppTest]:
    # a private on-disk cache: the lab's "results reused" message must come from this run
    mp = pytest.MonkeyPatch()
    mp.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    yield at
    mp.undo()


@pytest.fixture(scope="module")
def study():  # type: ignore[no-untyped-def]
    from simulation.model import load_study

    return load_study(STUDY)


def _expected_simulated_cards(study, result) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(label, value, delta) of each simulated card, from run_experiment + the staff log."""
    comp = result.comparison
    work = result.staff_log.filter(pl.col("activity").is_in(["serve", "back_office", "triage"]))
    hours = work.group_by(["scenario", "replication"]).agg(
        (pl.col("minutes").sum() / 60).alias("h")
    )
    base_h = hours.filter(pl.col("scenario") == study.scenario_ids[0])["h"].mean()
    alt_h = hours.filter(pl.col("scenario") == study.scenario_ids[-1])["h"].mean()
    cards = []
    for kpi in CARD_KPIS:
        if kpi == "staff_hours":
            alt, diff = alt_h, alt_h - base_h
        else:
            row = comp.filter(pl.col("kpi") == kpi).row(0, named=True)
            alt, diff = row["alternative"], row["difference"]
        cards.append(
            (
                kpi_label(kpi, "ja", target_min=15.0),
                format_kpi(kpi, alt, "ja"),
                format_kpi(kpi, diff, "ja", signed=True),
            )
        )
    return cards


_CARD = re.compile(
    r'class="mdg-label"[^>]*>([^<]*)<.*?class="mdg-value"[^>]*>([^<]*)<.*?'
    r'class="mdg-diff"[^>]*>([^<]*)<'
)


def _shown(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, value, delta) of every KPI card on the page, in order (cards are HTML)."""
    return [
        (html.unescape(label), html.unescape(value), html.unescape(delta))
        for md in at.markdown
        if CARD_ATTRIBUTE in md.value
        for label, value, delta in _CARD.findall(md.value)
    ]


def test_overview_shows_the_package_kpis(app: AppTest, study) -> None:  # type: ignore[no-untyped-def]
    from simulation.experiments import run_experiment

    assert not app.exception
    result = run_experiment(
        study,
        replications=QUICK_REPLICATIONS,
        seed=QUICK_SEED,
        days=[peak_day(study)],
        progress=False,
    )
    simulated = _expected_simulated_cards(study, result)
    shown = _shown(app)
    assert shown[-len(simulated) :] == simulated
    assert any("シミュレーションでは、改革後、" in i.value for i in app.info)


@needs_logs
def test_overview_observed_cards_equal_compare_logs(app: AppTest, study) -> None:  # type: ignore[no-untyped-def]
    from dashboards.results import same_kind_of_day
    from journeys.compare import compare_logs
    from journeys.readers import read_counter_log

    as_is, reform = (read_counter_log(p).accepted for p in LOGS)
    # like with like: the observed days of the simulated peak day's expected load
    same = same_kind_of_day(study, as_is, reform, peak_day(study))
    assert same.matched
    comp = compare_logs(same.as_is, same.reform, n_boot=DEFAULT_N_BOOT, seed=0)
    expected = []
    from dashboards.figures import OBSERVED_KPIS

    for kpi in OBSERVED_KPIS:
        rows = comp.filter(pl.col("kpi") == kpi)
        if rows.height:
            r = rows.row(0, named=True)
            expected.append(
                (
                    kpi_label(kpi, "ja", target_min=15.0),
                    format_kpi(kpi, r["alternative"], "ja"),
                    format_kpi(kpi, r["difference"], "ja", signed=True),
                )
            )
    assert _shown(app)[: len(expected)] == expected
    assert any(i.value.startswith("**結論**: 改革後、") for i in app.info)
    captions = " ".join(c.value for c in app.caption)
    assert same.note("ja") in captions and "日単位で再抽出" in captions


@needs_logs
def test_overview_model_check_table_equals_model_check(app: AppTest, study) -> None:  # type: ignore[no-untyped-def]
    from dashboards.figures import OVERVIEW_KPIS
    from dashboards.results import model_check, run_simulation
    from journeys.readers import read_counter_log

    as_is = read_counter_log(LOGS[0]).accepted
    result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
    check, matched = model_check(study, as_is, result.log, [peak_day(study)])
    expected = [
        [
            kpi_label(r["kpi"], "ja", target_min=15.0),
            format_kpi(r["kpi"], r["baseline"], "ja"),
            format_kpi(r["kpi"], r["alternative"], "ja"),
            format_kpi(r["kpi"], r["difference"], "ja", signed=True),
        ]
        for r in check.iter_rows(named=True)
        if r["kpi"] in OVERVIEW_KPIS
    ]
    assert len(expected) >= 5
    shown = app.table[0].value
    assert [list(map(str, row)) for row in shown.itertuples(index=False)] == expected
    assert t("matched_days", "ja", n=len(matched)) in [c.value for c in app.caption]


def test_language_switch(app: AppTest) -> None:
    # the sidebar radio stores its choice in session_state["lang"] (AppTest cannot keep a
    # widget of the navigation's entry script across reruns, so the test sets the state)
    app.session_state["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Madoguchi workbench"
    assert _shown(app)[0][0] in {kpi_label(k, "en", target_min=15.0) for k in CARD_KPIS}
    app.session_state["lang"] = "ja"
    app.run()
    assert app.title[0].value == "窓口改革ワークベンチ"


@needs_logs
def test_counter_logs_page_equals_kpis(app: AppTest) -> None:
    from journeys.metrics import kpis
    from journeys.readers import read_counter_log

    app.switch_page("views/counter_logs.py").run()
    assert not app.exception
    for choice, path in zip(("as_is", "reform"), LOGS, strict=True):
        app.radio(key="log_choice").set_value(choice).run()
        assert not app.exception
        values = kpis(read_counter_log(path).accepted)
        shown = {m.label: m.value for m in app.metric}
        for kpi in ("visits", "counters_per_visit_mean", "wait_min_mean", "service_level"):
            assert shown[kpi_label(kpi, "ja", target_min=15.0)] == format_kpi(
                kpi, values[kpi], "ja"
            )
    assert len(app.get("plotly_chart")) == 7  # the trend by day was added


@needs_survey
def test_journeys_page(app: AppTest) -> None:
    from journeys.readers import read_survey

    app.switch_page("views/journeys.py").run()
    assert not app.exception
    survey = read_survey(SURVEY).accepted
    journeys = survey.select("phase", "journey_id").unique().height
    assert app.metric[0].value == str(journeys)
    assert len(app.get("plotly_chart")) == 4


def test_floor_page(app: AppTest) -> None:
    app.switch_page("views/floor.py").run()
    assert not app.exception
    charts = app.get("plotly_chart")
    assert len(charts) == 2  # floor plan and replay


def test_scenario_lab_reruns_and_reuses_the_cache(app: AppTest, study) -> None:  # type: ignore[no-untyped-def]
    from dashboards.results import lab_study
    from simulation.experiments import run_experiment

    app.switch_page("views/scenario_lab.py").run()
    assert not app.exception
    scenario = study.scenario(study.scenario_ids[-1])
    counter = scenario.counters[0]
    app.number_input(key=f"staff_{scenario.id}_{counter.id}").set_value(counter.staff + 1)
    app.number_input(key="lab_replications").set_value(3)
    app.button(key="lab_run").click().run()  # the form's rerun button
    assert not app.exception
    changed = lab_study(study, scenario_id=scenario.id, staff={counter.id: counter.staff + 1})
    result = run_experiment(
        changed, replications=3, seed=20260401, days=[peak_day(study)], progress=False
    )
    assert _shown(app) == _expected_simulated_cards(study, result)
    assert not any("再利用" in c.value for c in app.caption)
    app.run()  # same inputs: results come from the cache
    assert any("再利用" in c.value for c in app.caption)
    assert _shown(app) == _expected_simulated_cards(study, result)


def test_scenario_lab_rejects_a_broken_study(app: AppTest) -> None:
    app.switch_page("views/scenario_lab.py")
    broken = STUDY.read_text(encoding="utf-8").replace("residents_per_day", "residents_per_dya", 1)
    app.session_state["pending_upload"] = ("broken.toml", broken.encode("utf-8"))
    app.run()
    assert not app.exception
    assert app.error, "the page should show the validation problems"
    message = app.error[0].value.replace("\\", "")  # the problems are Markdown-escaped
    assert "調査ファイルに問題があります" in message and "residents_per_dya" in message
