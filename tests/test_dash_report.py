"""The offline HTML report: self-contained (plotly.js inline once, nothing from the network),
every figure present, numbers equal to the package's, the A4 checklist from the catalog; and
the ``madoguchi report`` / ``madoguchi dashboard`` commands."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from dashboards.i18n import format_kpi
from journeys.paths import SAMPLE_DIR
from madoguchi.cli import main

STUDY = SAMPLE_DIR / "study.toml"
LOGS = (SAMPLE_DIR / "counter_log_as_is.parquet", SAMPLE_DIR / "counter_log_reform.parquet")
SURVEY = SAMPLE_DIR / "survey.parquet"
pytestmark = pytest.mark.skipif(
    not (STUDY.exists() and all(p.exists() for p in LOGS) and SURVEY.exists()),
    reason="the bundled sample is not generated yet (madoguchi sample)",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--out", str(out), "--replications", "3", "--seed", "7", "--n-boot", "100"])
    assert exit_info.value.code == 0
    return out


def expected_figure_ids(study) -> list[str]:  # type: ignore[no-untyped-def]
    ids = ["fig-ci", "fig-difference-simulated", "fig-replay", "fig-difference-observed"]
    ids += [f"fig-floor-{s}" for s in study.scenario_ids] + [
        f"fig-staff-{s}" for s in study.scenario_ids
    ]
    ids += ["fig-heatmap", "fig-waiting", "fig-service-level", "fig-sankey", "fig-variants"]
    ids += ["fig-emotion", "fig-minutes-action", "fig-writes", "fig-pain"]
    return ids


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    # no external scripts, stylesheets, fonts or images
    assert not re.search(r"<script[^>]+src=", html, re.I)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", html, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", html, re.I)
    assert not re.search(r"<img[^>]+src=[\"']?https?:", html, re.I)
    # plotly.js inline exactly once
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert html.count(bundle[:200]) == 1
    assert len(html) > len(bundle)


def test_report_has_every_figure_and_section(report: Path) -> None:
    from simulation.model import load_study

    study = load_study(STUDY)
    html = report.read_text(encoding="utf-8")
    for div_id in expected_figure_ids(study):
        assert f'id="{div_id}"' in html, div_id
    for section in ("overview", "figures", "method", "checklist"):
        assert f"id='{section}'" in html
    assert "@page { size: A4" in html and "break-before: page" in html
    # one checklist page per life event, in Japanese and in English
    assert html.count('class="checklist-page"') == 2 * len(study.life_events)
    assert "手続きチェックシート" in html and "Procedure checklist" in html
    assert "シミュレーションは 3 回の反復（シード 7）" in html
    assert "The simulation ran 3 replications (seed 7)" in html


def test_report_numbers_equal_the_package(report: Path) -> None:
    from dashboards.data import peak_day
    from dashboards.results import same_kind_of_day
    from journeys.compare import compare_logs
    from journeys.readers import read_counter_log
    from simulation.experiments import run_experiment
    from simulation.model import load_study

    html = report.read_text(encoding="utf-8")
    study = load_study(STUDY)
    result = run_experiment(study, replications=3, seed=7, days=[peak_day(study)], progress=False)
    row = result.comparison.filter(pl.col("kpi") == "wait_min_mean").row(0, named=True)
    sim_cells = (
        f"<td>{format_kpi('wait_min_mean', row['baseline'], 'ja')}</td>"
        f"<td>{format_kpi('wait_min_mean', row['alternative'], 'ja')}</td>"
    )
    assert sim_cells in html
    as_is, reform = (read_counter_log(p).accepted for p in LOGS)
    # the observed side is cut to the days of the simulated peak day's kind (like with like)
    same = same_kind_of_day(study, as_is, reform, peak_day(study))
    assert same.matched
    obs = compare_logs(same.as_is, same.reform, n_boot=100, seed=7)
    row = obs.filter(pl.col("kpi") == "counters_per_visit_mean").row(0, named=True)
    obs_cells = (
        f"<td>{format_kpi('counters_per_visit_mean', row['baseline'], 'ja')}</td>"
        f"<td>{format_kpi('counters_per_visit_mean', row['alternative'], 'ja')}</td>"
    )
    assert obs_cells in html


def test_report_command_rejects_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--out", str(tmp_path / "r.html"), "--replications", "1"])
    assert exit_info.value.code == 2
    assert "--replications must be at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--out", str(tmp_path / "r.html"), "--study", str(tmp_path / "none.toml")])
    assert exit_info.value.code == 2
    assert not (tmp_path / "r.html").exists()


def test_dashboard_command_is_headless_without_telemetry() -> None:
    from madoguchi.commands.dashboard import dashboard_command

    cmd = dashboard_command(8765)
    joined = " ".join(cmd)
    assert cmd[1:3] == ["-m", "dashboards.serve"]  # streamlit run dashboards/app.py, warmed
    from dashboards.serve import APP

    assert APP.name == "app.py" and APP.exists()
    assert "--server.headless true" in joined
    assert "--browser.gatherUsageStats false" in joined
    assert "--server.port 8765" in joined
