"""Counters by name (窓口名), not only by code, in every figure and table that shows counters:
the floor plan and its flows, the replay, the Sankey of flows, the route variants, the staff
workload and the staffing-plan grid — in Japanese and in English."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboards import figures as F
from dashboards.data import floor_frames, floor_paper
from dashboards.figures._style import figure_summary
from dashboards.operations import counter_names
from journeys.paths import SAMPLE_DIR, TEMPLATES_DIR
from simulation.model import Study, load_study

#: (language, J1's name, H1's name) in the worked example town.
NAMES = [("ja", "住民課", "保険福祉課"), ("en", "Residents Section", "Insurance and Welfare")]


@pytest.fixture(scope="module")
def study() -> Study:
    return load_study(TEMPLATES_DIR / "example_town.toml")


def _flows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["entrance", "J1", "H1", "J1"],
            "target": ["J1", "H1", "J1", "exit"],
            "count": [40.0, 10.0, 4.0, 30.0],
        }
    )


@pytest.mark.parametrize(("lang", "j1", "h1"), NAMES)
def test_sankey_nodes_are_counter_names(study: Study, lang: str, j1: str, h1: str) -> None:
    names = counter_names(study, lang)
    fig = F.flows_sankey(_flows(), lang=lang, names=names)
    labels = list(fig.data[0].node.label)
    assert f"J1 {j1}" in labels and any(label.startswith(f"H1 {h1}") for label in labels)
    # the link back to J1 is drawn to a separate node that keeps the name
    assert f"J1 {j1} ↺" in labels
    assert (
        "入口" if lang == "ja" else "Entrance"
    ) in labels and "J1" not in labels  # never the bare code
    bare = F.flows_sankey(_flows(), lang=lang)
    assert "J1" in list(bare.data[0].node.label)


@pytest.mark.parametrize(("lang", "j1", "h1"), NAMES)
def test_variants_name_each_counter_of_a_route(study: Study, lang: str, j1: str, h1: str) -> None:
    names = counter_names(study, lang)
    variants = pl.DataFrame({"variant": ["J1 → H1", "J1"], "count": [6, 4], "share": [0.6, 0.4]})
    fig = F.variants_figure(variants, lang=lang, names=names)
    bar = fig.data[0]
    assert bar.y[0].startswith(f"J1 {j1[:3]}") and f" → H1 {h1[:3]}" in bar.y[0]
    assert list(bar.customdata) == [f"J1 {names['J1'][3:]} → {names['H1']}", names["J1"]]
    assert names["H1"].startswith(f"H1 {h1}")


@pytest.mark.parametrize(("lang", "j1", "h1"), NAMES)
def test_staff_workload_names_the_counters(study: Study, lang: str, j1: str, h1: str) -> None:
    work = pl.DataFrame(
        {
            "who": ["J1", "back_office", "S07"],
            "activity": ["serve", "back_office", "serve"],
            "minutes": [120.0, 60.0, 30.0],
        }
    )
    fig = F.staff_workload_figure(work, lang=lang, names=counter_names(study, lang))
    bars = {x for tr in fig.data for x in tr.x}
    office = "バックオフィス" if lang == "ja" else "Back office"
    assert any(b.startswith(f"J1 {j1[:3]}") for b in bars) and {office, "S07"} <= bars


@pytest.mark.parametrize(("lang", "j1", "h1"), NAMES)
def test_floor_plan_and_replay_write_names(study: Study, lang: str, j1: str, h1: str) -> None:
    counters, marks = floor_frames(study, "as_is", lang)
    paper = floor_paper(study, "as_is")
    plan = F.floor_plan(counters, marks, _flows(), paper=paper, lang=lang)
    texts = {tr.name: tr.text[0] for tr in plan.data if tr.mode == "markers+text"}
    assert texts["J1"].startswith("J1<br>" + j1[:3]) and h1[:3] in texts["H1"]
    flow = next(tr for tr in plan.data if tr.mode == "lines" and tr.meta["target"] == "H1")
    assert f"J1 {j1}" in flow.hovertext and f"H1 {h1}" in flow.hovertext
    # the text alternative names every counter
    summary = figure_summary(plan, lang)
    assert f"J1 {j1}" in summary and f"H1 {h1}" in summary
    replay = F.day_replay(pl.DataFrame(_one_visit()), counters, marks, paper=paper, lang=lang)
    assert any(j1[:3] in str(tr.text[0]) for tr in replay.data if tr.name == "J1")


def _one_visit() -> dict[str, list[object]]:
    import datetime as dt

    at = dt.datetime(2026, 3, 2, 9, 0)
    return {
        "visit_id": ["v1"],
        "counter_id": ["J1"],
        "issued_at": [at],
        "called_at": [at + dt.timedelta(minutes=5)],
        "ended_at": [at + dt.timedelta(minutes=15)],
    }


@pytest.mark.parametrize(("lang", "j1", "h1"), NAMES)
def test_staffing_grid_rows_are_counter_names(study: Study, lang: str, j1: str, h1: str) -> None:
    from dashboards.staffing import plan_grid, text
    from simulation.planner import PlanTarget, plan_staffing

    plan = plan_staffing(
        study,
        "as_is",
        [study.study.start_date],
        target=PlanTarget(within_min=15, share=0.8, confidence=0.8),
        replications=2,
    )
    grid = plan_grid(plan, lang)
    first = grid.columns[0]
    assert first == text("counter", lang)
    assert f"J1 {j1}" in grid[first].to_list()
    assert plan_grid(plan)["counter_id"].to_list() == list(plan.levels)


def test_crowded_neighbours_write_their_names_at_two_heights() -> None:
    def plan(gap_m: float) -> dict[str, str]:
        counters = pl.DataFrame(
            {
                "counter_id": ["A01", "A02", "A03"],
                "label": ["市民課 住民異動・戸籍届出", "市民課（第2）", "証明交付"],
                "zone": ["z"] * 3,
                "floor": [1] * 3,
                "x": [0.0, gap_m, 2 * gap_m],
                "y": [5.0] * 3,
                "staff": [1] * 3,
            }
        )
        marks = pl.DataFrame(
            {"id": ["entrance"], "kind": ["entrance"], "floor": [1], "x": [60.0], "y": [9.0]}
        )
        fig = F.floor_plan(counters, marks, None, lang="ja")
        return {tr.name: tr.text[0] for tr in fig.data if tr.mode == "markers+text"}

    crowded = plan(3.0)  # 3 m apart on a 60 m floor: about 32 px on a 1024 px screen
    assert crowded["A01"] == "A01<br>市民課 住民異…"  # 8 characters with the "…"
    assert crowded["A02"].startswith("A02<br>市民課（第2）<br>\u00a0")  # lifted above A01's
    assert "\u00a0" not in crowded["A03"]  # its left neighbour stands high: room below
    roomy = plan(25.0)
    assert not any("\u00a0" in text for text in roomy.values())


@pytest.mark.skipif(
    not (SAMPLE_DIR / "counter_log_as_is.parquet").exists(),
    reason="the bundled sample is not generated yet (madoguchi sample)",
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_counter_logs_page_draws_counters_by_name(lang: str, tmp_path: Path) -> None:
    """On the Counter-logs page the Sankey, the routes and the per-counter table name the
    sample's counters (A01 市民課 … / A01 Resident Division …), not only their codes."""
    import json

    from streamlit.testing.v1 import AppTest

    app_path = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
    mp = pytest.MonkeyPatch()
    mp.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path))
    try:
        at = AppTest.from_file(str(app_path), default_timeout=240)
        at.session_state["lang"] = lang
        at.run()
        at.switch_page("views/counter_logs.py").run()
        assert not at.exception
        name = counter_names(load_study(SAMPLE_DIR / "study.toml"), lang)["A01"]
        assert name.startswith("A01 市民課" if lang == "ja" else "A01 Resident Division")
        specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
        sankey = next(s for s in specs if s["data"][0].get("type") == "sankey")
        assert name in sankey["data"][0]["node"]["label"]
        routes = next(s for s in specs if s["data"][0].get("customdata") and "→" in str(s))
        assert any(name in str(route) for route in routes["data"][0]["customdata"])
        table = at.dataframe[0].value
        assert name in table.iloc[:, 0].to_list()
    finally:
        mp.undo()
