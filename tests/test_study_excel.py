"""A study as an Excel workbook: round trip, problems named by sheet/row/column, bundled files up to date."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from journeys.paths import SAMPLE_DIR, TEMPLATES_DIR
from simulation.excel import SHEETS, generate_sample_workbooks, write_study_xlsx
from simulation.model import Study, StudyError, load_study

SAMPLE = SAMPLE_DIR / "study.toml"


@pytest.fixture(scope="module")
def sample() -> Study:
    return load_study(SAMPLE)


@pytest.fixture(scope="module")
def workbook(sample: Study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xlsx")
    shutil.copy(SAMPLE_DIR / "floors.xlsx", folder)  # the sample's grid_xlsx points at it
    return write_study_xlsx(sample, folder / "study.xlsx")


def test_toml_to_xlsx_to_study_is_equal(sample: Study, workbook: Path) -> None:
    again = load_study(workbook)
    assert again == sample
    assert again.model_dump() == sample.model_dump()


def test_workbook_has_the_sheets(workbook: Path, sample: Study) -> None:
    book = load_workbook(workbook, read_only=True)
    names = book.sheetnames
    book.close()
    for table in (
        "study",
        "departments",
        "procedures",
        "life_events",
        "arrivals",
        "scenarios",
        "counters",
        "shifts",
    ):
        assert SHEETS[table] in names
    # grid paper per scenario and building floor (the sample has two floors)
    for scenario in sample.scenarios:
        assert f"{scenario.id}_1F" in names and f"{scenario.id}_2F" in names


def test_same_study_same_bytes(sample: Study, tmp_path: Path) -> None:
    a = write_study_xlsx(sample, tmp_path / "a.xlsx")
    b = write_study_xlsx(sample, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def _edit(workbook: Path, tmp_path: Path, sheet: str, cell: str, value: object) -> Path:
    book = load_workbook(workbook)
    book[sheet][cell] = value
    out = tmp_path / "edited.xlsx"
    if not (tmp_path / "floors.xlsx").exists():
        shutil.copy(SAMPLE_DIR / "floors.xlsx", tmp_path)
    book.save(out)
    return out


def _column_of(workbook: Path, sheet: str, key: str) -> str:
    book = load_workbook(workbook, read_only=True)
    row = next(book[sheet].iter_rows(min_row=2, max_row=2))
    letter = next(cell.column_letter for cell in row if cell.value == key)
    book.close()
    return str(letter)


def test_problems_name_sheet_row_and_column(workbook: Path, tmp_path: Path) -> None:
    col = _column_of(workbook, SHEETS["counters"], "staff")
    bad = _edit(workbook, tmp_path, SHEETS["counters"], f"{col}4", "four")
    with pytest.raises(StudyError) as info:
        load_study(bad)
    (problem,) = info.value.problems
    assert problem.place == "scenarios[1].counters[2].staff"
    assert problem.where == f"sheet {SHEETS['counters']}, row 4, column {col} (staff)"


def test_semantic_problem_points_at_the_cell(workbook: Path, tmp_path: Path) -> None:
    col = _column_of(workbook, SHEETS["procedures"], "service.by_department.mean")
    bad = _edit(workbook, tmp_path, SHEETS["procedures"], f"{col}3", -2.0)
    with pytest.raises(StudyError) as info:
        load_study(bad)
    (problem,) = info.value.problems
    assert problem.place == "procedures[1].service.by_department.mean"
    assert problem.where.startswith(f"sheet {SHEETS['procedures']}, row 3, column {col}")


def test_unknown_header_and_unknown_counter_in_shifts(workbook: Path, tmp_path: Path) -> None:
    bad = _edit(workbook, tmp_path, SHEETS["departments"], "D2", "flor")
    bad = _edit(bad, tmp_path, SHEETS["shifts"], "B3", "Z99")
    with pytest.raises(StudyError) as info:
        load_study(bad)
    texts = [str(p) for p in info.value.problems]
    assert any(
        "unknown key 'flor'" in t and "did you mean 'floor'" in t and "column D" in t for t in texts
    )
    assert any(
        "unknown counter 'Z99'" in t and f"sheet {SHEETS['shifts']}, row 3" in t for t in texts
    )


def test_typed_excel_values_are_understood(workbook: Path, tmp_path: Path, sample: Study) -> None:
    """Times typed as Excel times and numbers typed as text still read as the study means."""
    import datetime as dt

    start_col = _column_of(workbook, SHEETS["shifts"], "start")
    staff_col = _column_of(workbook, SHEETS["counters"], "staff")
    edited = _edit(workbook, tmp_path, SHEETS["shifts"], f"{start_col}3", dt.time(8, 45))
    edited = _edit(edited, tmp_path, SHEETS["counters"], f"{staff_col}3", "4")
    assert load_study(edited) == sample


def test_bundled_workbooks_are_up_to_date(tmp_path: Path) -> None:
    """data/sample/*.xlsx and data/templates/*.xlsx are what the generator makes from the TOML."""
    written = generate_sample_workbooks(SAMPLE, sample_dir=tmp_path, templates_dir=tmp_path)
    committed = {
        "study.xlsx": SAMPLE_DIR / "study.xlsx",
        "floors.xlsx": SAMPLE_DIR / "floors.xlsx",
        "study_template.xlsx": TEMPLATES_DIR / "study_template.xlsx",
        "example_town.xlsx": TEMPLATES_DIR / "example_town.xlsx",
    }
    assert sorted(p.name for p in written) == sorted(committed)
    for path in written:
        fresh = hashlib.sha256(path.read_bytes()).hexdigest()
        bundled = hashlib.sha256(committed[path.name].read_bytes()).hexdigest()
        assert fresh == bundled, f"{path.name} is stale: run python -m simulation.excel --sample"
    # the sample workbook is the whole study: its grid_xlsx point at its own grid sheets
    in_excel = load_study(SAMPLE_DIR / "study.xlsx")
    assert [s.floor.grid_xlsx for s in in_excel.scenarios] == ["#as_is_1F", "#reform_1F"]
    gridded_toml = load_study(SAMPLE).model_copy(deep=True)
    for scenario in gridded_toml.scenarios:
        scenario.floor.grid_xlsx = f"#{scenario.id}_1F"
    assert in_excel == gridded_toml
    # the skeleton: a few lines per table, the same study in TOML and Excel
    skeleton = load_study(TEMPLATES_DIR / "study_template.toml")
    assert load_study(TEMPLATES_DIR / "study_template.xlsx") == skeleton
    assert len(skeleton.procedures) <= 3 and len(skeleton.scenarios) == 2
    example = load_study(TEMPLATES_DIR / "example_town.toml")
    inside = load_study(TEMPLATES_DIR / "example_town.xlsx")
    assert [s.floor.grid_xlsx for s in inside.scenarios] == ["#as_is_1F", "#reform_1F"]
    assert inside.procedures == example.procedures and inside.life_events == example.life_events
    # the grid sheets inside are the hand-drawn grid paper: the same walks
    from simulation.floorplan import distance_table

    for sid in example.scenario_ids:
        assert np.allclose(distance_table(inside, sid).matrix, distance_table(example, sid).matrix)


def test_grid_sheet_inside_the_study_workbook(sample: Study, tmp_path: Path) -> None:
    """floor.grid_xlsx = "#as_is_1F" uses the grid-paper sheets drawn in the study workbook itself."""
    from simulation.floorplan import distance_table, straight_line_table

    gridded = sample.model_copy(deep=True)
    for scenario in gridded.scenarios:
        scenario.floor.grid_xlsx = f"#{scenario.id}_1F"
    path = write_study_xlsx(gridded, tmp_path / "gridded.xlsx")
    again = load_study(path)
    assert again.scenario("as_is").floor.grid_xlsx == "#as_is_1F"
    table = distance_table(again, "as_is")
    straight = straight_line_table(again.scenario("as_is"))
    assert table.method == "grid"
    assert (table.matrix >= straight.matrix - 1e-9).all()
    # the sheet in the study workbook is the same drawing as the bundled floors.xlsx
    bundled = sample.model_copy(deep=True).with_source(SAMPLE)
    bundled.scenario("as_is").floor.grid_xlsx = "floors.xlsx#as_is_1F"
    assert np.allclose(distance_table(bundled, "as_is").matrix, table.matrix)
    assert table.metres("ENT", "A06") > straight.metres("ENT", "A06")
