"""The notebooks are the source (edited and saved in JupyterLab), stored without outputs
(``nbstripout --verify``), read like short studies, run top to bottom on the bundled sample
(nbclient, the venv's python3 kernel), and their executed HTML copies in
``reports/notebooks/`` keep every plotly figure offline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dashboards.notebook import export_html
from journeys.paths import REPORTS_DIR, SAMPLE_DIR

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
HTML_DIR = REPORTS_DIR / "notebooks"
PLOTLY_JSON = "application/vnd.plotly.v1+json"

pytestmark = pytest.mark.skipif(
    not (SAMPLE_DIR / "survey_sheets.xlsx").exists(),
    reason="the bundled sample is not generated yet (madoguchi sample)",
)


def test_the_four_studies_are_there() -> None:
    assert {
        "01-journey-survey.ipynb",
        "02-counter-logs.ipynb",
        "03-calibrate-and-simulate.ipynb",
        "04-simulate-your-own-floor.ipynb",
    } <= set(NAMES)
    assert not (NOTEBOOKS / "make_notebooks.py").exists()  # the notebooks are the source


def test_notebooks_are_stored_without_outputs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", *[str(NOTEBOOKS / n) for n in NAMES]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, (
        f"{done.stdout}{done.stderr} — run .venv/bin/nbstripout notebooks/*.ipynb before committing"
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_reads_like_a_short_study(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert any("\u3040" <= ch <= "\u30ff" for ch in text), "Japanese narrative expected"
    assert "問い" in nb.cells[0].source, "the first cell asks the question"
    assert re.search(r"^MY_\w+ = None", code, re.M), "a cell where the team puts its own file"
    assert "読み方" in text, "a few lines interpreting the result"
    assert "setup()" in nb.cells[1].source, "offline figures and readable tables from the start"
    langs = re.findall(r"F\.\w+\([^)]*lang=\"(\w+)\"", code)
    assert set(langs) <= {"ja"}, "one language per figure: the Japanese studies draw in Japanese"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_its_html_keeps_every_figure(name: str, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.outputs, "the last cell should show its result"
    figures = [o for o in outputs if PLOTLY_JSON in o.get("data", {})]
    assert all("text/html" in o.data for o in figures), "each figure carries an HTML form"
    html = export_html(nb, HTML_DIR / name.replace(".ipynb", ".html")).read_text(encoding="utf-8")
    assert html.count("Plotly.newPlot(") == len(figures) >= 1
    assert html.count("window.Plotly = Plotly") == 1, "plotly.js embedded once"
    assert re.findall(r"<script[^>]+src=\"https?://", html) == [], "no script from a CDN"
