"""The four notebooks run top to bottom on the bundled sample (nbclient, the venv's python3
kernel), are stored without outputs, and match what ``notebooks/make_notebooks.py`` writes."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from journeys.paths import SAMPLE_DIR

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = (
    "01-journey-survey.ipynb",
    "02-counter-logs.ipynb",
    "03-calibrate-and-simulate.ipynb",
    "04-simulate-your-own-floor.ipynb",
)

pytestmark = pytest.mark.skipif(
    not (SAMPLE_DIR / "survey_sheets.xlsx").exists(),
    reason="the bundled sample is not generated yet (madoguchi sample)",
)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook with no code"
    assert all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert any("\u3040" <= ch <= "\u30ff" for ch in text), "Japanese narrative expected"
    assert any(word in text for word in ("the ", "The ")), "English narrative expected"


def test_notebooks_match_their_generator(tmp_path: Path) -> None:
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        import make_notebooks
    finally:
        sys.path.remove(str(NOTEBOOKS))
    for path in make_notebooks.build(tmp_path):
        fresh = nbformat.read(path, as_version=4)
        stored = nbformat.read(NOTEBOOKS / path.name, as_version=4)
        assert [c.source for c in fresh.cells] == [c.source for c in stored.cells], path.name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name: str, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert errors == []
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert last.outputs, "the last cell should show its result"
