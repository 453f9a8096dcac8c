"""The staffing-plan part of the Scenario lab: grid, colours, Excel, and the page in AppTest."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboards.staffing import grid_colours, plan_grid, plan_workbook
from simulation.planner import PlanTarget, StaffingPlan, plan_staffing
from simulation.queueing import mmc_day_study
from simulation.study_io import dump_study

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"


@pytest.fixture(scope="module")
def small_plan() -> StaffingPlan:
    study = mmc_day_study(0.6, 5.0, 3)
    return plan_staffing(
        study,
        "copy",
        [dt.date(2025, 1, 7)],
        target=PlanTarget(within_min=2.0, share=0.8),
        replications=3,
        seed=4,
    )


def test_grid_and_colours_follow_the_plan(small_plan: StaffingPlan) -> None:
    grid = plan_grid(small_plan)
    assert grid.columns == [
        "counter_id",
        "09:00–10:00",
        "10:00–11:00",
        "11:00–12:00",
        "12:00–13:00",
    ]
    assert grid.row(0)[1:] == tuple(small_plan.levels["C1"])
    colours = grid_colours(small_plan)
    met = small_plan.table["meets_target"].to_list()
    blue = {"#d6ecfa", "#7fb8e0"}
    assert [c in blue for c in colours[0]] == met


def test_workbook_holds_the_grid_and_the_table(small_plan: StaffingPlan) -> None:
    book = load_workbook(io.BytesIO(plan_workbook(small_plan, "en")))
    grid, detail = book.worksheets
    assert [grid.cell(2, c).value for c in range(2, 6)] == small_plan.levels["C1"]
    assert grid.cell(2, 2).fill.fgColor.rgb.endswith(grid_colours(small_plan)[0][0][1:].upper())
    assert detail.max_row == small_plan.table.height + 1
    headers = [cell.value for cell in detail[1]]
    assert len(headers) == small_plan.table.width + 1  # + the counter's name
    assert headers[:2] == ["Counter code", "Counter name"]
    assert "Service level (abandoned count as missed) (share (0–1))" in headers
    assert "Check: Service level (abandoned count as missed) (share (0–1))" in headers
    assert not any(h.startswith(("sl_", "verify_", "service_level")) for h in headers)
    assert detail.cell(2, 1).value == "C1"
    ja = load_workbook(io.BytesIO(plan_workbook(small_plan, "ja"))).worksheets[1]
    assert [c.value for c in ja[1]][:2] == ["窓口コード", "窓口名"]


def test_page_plans_an_uploaded_study(tmp_path: Path) -> None:
    path = dump_study(mmc_day_study(0.6, 5.0, 3), tmp_path / "one.toml")
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.session_state["uploaded_study"] = str(path)
    at.run()
    at.number_input(key="wait_target_min").set_value(2.0)  # the sidebar's wait target
    at.switch_page("views/staffing_plan.py").run()
    assert not at.exception
    at.date_input(key="plan_day").set_value(dt.date(2025, 1, 7))
    at.slider(key="plan_share").set_value(0.8)
    at.button[0].click().run()
    assert not at.exception
    values = [m.value for m in at.metric]
    assert len(values) == 3 and values[2].endswith("/ 4")
    assert len(at.dataframe) == 1
