"""One wait target: the sidebar's value is the target of every service level the dashboard
shows. Set to 10 minutes, the Overview's service-level cards (observed and simulated) and the
staffing plan change to what is computed by hand from the logs at 10 minutes, and each says
which target it used."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.cards import CARD_ATTRIBUTE
from dashboards.data import peak_day
from dashboards.i18n import format_kpi
from journeys.paths import SAMPLE_DIR

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
STUDY = SAMPLE_DIR / "study.toml"
LOGS = (SAMPLE_DIR / "counter_log_as_is.parquet", SAMPLE_DIR / "counter_log_reform.parquet")
_CARD = re.compile(
    rf'{CARD_ATTRIBUTE}="service_level".*?class="mdg-label"[^>]*>([^<]*)<'
    r'.*?class="mdg-value"[^>]*>([^<]*)<'
)

pytestmark = pytest.mark.skipif(
    not all(p.exists() for p in (STUDY, *LOGS)), reason="the bundled sample is not generated"
)


def _share_within(log: pl.DataFrame, target_min: float) -> float:
    """By hand: tickets called within the target ÷ tickets called."""
    called = log.filter(pl.col("called_at").is_not_null())
    wait = (pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60.0
    return called.filter(wait <= target_min).height / called.height


def _service_level_cards(at: AppTest) -> list[tuple[str, str]]:
    return [
        (html.unescape(label), html.unescape(value))
        for md in at.markdown
        if CARD_ATTRIBUTE in md.value
        for label, value in _CARD.findall(md.value)
    ]


def test_the_sidebar_target_moves_the_overview_cards(tmp_path: Path) -> None:
    from dashboards.results import QUICK_REPLICATIONS, QUICK_SEED, run_simulation, same_kind_of_day
    from journeys.readers import read_counter_log
    from simulation.model import load_study

    study = load_study(STUDY)
    mp = pytest.MonkeyPatch()
    mp.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path))
    try:
        at = AppTest.from_file(str(APP), default_timeout=300)
        at.run()
        before = _service_level_cards(at)
        at.number_input(key="wait_target_min").set_value(10.0).run()
        assert not at.exception
        after = _service_level_cards(at)
    finally:
        mp.undo()
    as_is, reform = (read_counter_log(p).accepted for p in LOGS)
    same = same_kind_of_day(study, as_is, reform, peak_day(study))
    observed = format_kpi("service_level", _share_within(same.reform, 10.0), "ja")
    result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
    reform_sim = result.log.filter(pl.col("scenario") == "reform")
    per_rep = [
        _share_within(part, 10.0)
        for _, part in reform_sim.group_by("replication", maintain_order=True)
    ]
    simulated = format_kpi("service_level", sum(per_rep) / len(per_rep), "ja")
    assert after == [
        ("サービスレベル（10分以内）", observed),
        ("サービスレベル（10分以内）", simulated),
    ]
    assert [label for label, _ in before] == ["サービスレベル（15分以内）"] * 2
    assert [value for _, value in before] != [observed, simulated]
    assert any("10分以内" in c.value for c in at.caption)


def test_the_staffing_page_plans_against_the_sidebar_target(tmp_path: Path) -> None:
    from simulation.planner import PlanTarget, plan_staffing
    from simulation.queueing import mmc_day_study
    from simulation.study_io import dump_study

    small = mmc_day_study(0.6, 5.0, 3)
    path = dump_study(small, tmp_path / "one.toml")
    day = dt.date(2025, 1, 7)
    shown: dict[float, list[str]] = {}
    for target in (15.0, 2.0):
        at = AppTest.from_file(str(APP), default_timeout=240)
        at.session_state["uploaded_study"] = str(path)
        at.run()
        at.number_input(key="wait_target_min").set_value(target)
        at.switch_page("views/staffing_plan.py").run()
        at.date_input(key="plan_day").set_value(day)
        at.slider(key="plan_share").set_value(0.8)
        at.button[0].click().run()
        assert not at.exception
        shown[target] = [m.value for m in at.metric]
        assert any(f"{target:g}分以内" in c.value for c in at.caption)
    by_hand = plan_staffing(
        small,
        small.scenario_ids[-1],
        [day],
        target=PlanTarget(within_min=2.0, share=0.8, confidence=0.95),
        replications=3,
    )
    met = int(by_hand.table["meets_target"].sum())
    assert shown[2.0] == [
        f"{by_hand.planned_staff_hours:.1f}",
        f"{by_hand.current_staff_hours:.1f}",
        f"{met} / {by_hand.table.height}",
    ]
    assert shown[2.0] != shown[15.0]


def test_a_new_target_remeasured_from_the_logs_equals_a_run_at_that_target() -> None:
    from dashboards.results import simulated_tables
    from simulation.experiments import run_experiment
    from simulation.model import load_study

    study = load_study(STUDY)
    days = [peak_day(study)]
    at_15 = run_experiment(study, replications=2, seed=11, days=days, progress=False)
    at_10 = run_experiment(
        study, replications=2, seed=11, days=days, progress=False, service_target_min=10.0
    )
    summary, comparison = simulated_tables(at_15, service_target_min=10.0)
    expected_summary, expected_comparison = simulated_tables(at_10)
    level = pl.col("kpi") == "service_level"
    numbers = ["mean", "ci_low", "ci_high"]
    got_rows, want_rows = (s.filter(level).sort("scenario") for s in (summary, expected_summary))
    assert got_rows["scenario"].to_list() == want_rows["scenario"].to_list() == ["as_is", "reform"]
    for column in numbers:
        assert got_rows[column].to_list() == pytest.approx(want_rows[column].to_list())
    unchanged = simulated_tables(at_15)[0].filter(level).sort("scenario")
    assert unchanged["mean"].to_list() != pytest.approx(got_rows["mean"].to_list())
    got = comparison.filter(level).row(0, named=True)
    want = expected_comparison.filter(level).row(0, named=True)
    assert {k: got[k] for k in want} == pytest.approx(want)
    # the other KPIs do not depend on the target
    others = ~level
    assert summary.filter(others).equals(expected_summary.filter(others))
