"""A visiting municipality uploads its own study (the worked example, as one xlsx with its grid
sheets inside) and the dashboard runs it end to end: the sidebar names the town, the Floor
page draws its grid paper, the pages that only know the sample say so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.paths import TEMPLATES_DIR

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
EXAMPLE_XLSX = TEMPLATES_DIR / "example_town.xlsx"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppTest]:
    mp = pytest.MonkeyPatch()
    mp.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    at = AppTest.from_file(str(APP), default_timeout=240)
    at.run()
    at.switch_page("views/scenario_lab.py")
    at.session_state["pending_upload"] = ("example_town.xlsx", EXAMPLE_XLSX.read_bytes())
    at.run()
    yield at
    mp.undo()


def test_upload_is_accepted_and_the_sidebar_names_the_town(app: AppTest) -> None:
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    # the file name is shown Markdown-escaped (example\_town.xlsx)
    assert any("example_town.xlsx" in s.value.replace("\\", "") for s in app.success)
    app.run()  # the sidebar is drawn before the page that took the upload: next run names it
    assert any("例題町" in c.value for c in app.sidebar.caption)


def test_the_upload_is_kept_in_this_sessions_own_folder(app: AppTest) -> None:
    from dashboards.session import SessionFolder, upload_folder

    path = Path(str(app.session_state["uploaded_study"]))
    box = app.session_state["_madoguchi_session_folder"]
    assert isinstance(box, SessionFolder) and box.path in path.parents
    assert upload_folder() not in path.parents  # outside a session: another folder


def test_floor_page_draws_the_uploaded_grid(app: AppTest) -> None:
    app.switch_page("views/floor.py").run()
    assert not app.exception
    charts = app.get("plotly_chart")
    assert len(charts) == 2  # floor plan and replay, both on the grid paper
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        names = [s.get("name") for s in spec["layout"].get("shapes", [])]
        assert names.count("stairs") == 2 and "wall" in names  # 1F and 2F stairs
        texts = json.dumps(spec["data"], ensure_ascii=False)
        assert "J1" in texts and "K1" in texts  # the town's counters, not the sample's A01
        assert "A01" not in texts


def test_overview_simulates_the_upload(app: AppTest) -> None:
    app.switch_page("views/overview.py").run()
    assert not app.exception
    assert any("実測ログは同梱サンプル市のもの" in c.value for c in app.caption)


def test_sample_only_pages_say_so(app: AppTest) -> None:
    for page in ("views/journeys.py", "views/counter_logs.py"):
        app.switch_page(page).run()
        assert not app.exception
        assert any("例題町" in i.value and "同梱サンプル市" in i.value for i in app.info), page
