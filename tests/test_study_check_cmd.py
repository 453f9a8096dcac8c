"""``madoguchi check``: every error and warning of a study, with its place, in TOML and in Excel.

Each case edits the worked example (data/templates/example_town.toml and its grid paper) in one
way and expects one warning or error at one place.
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill

from journeys.paths import TEMPLATES_DIR
from madoguchi.cli import main
from simulation.checks import CheckReport, check_file
from simulation.excel import write_study_xlsx
from simulation.experiments import set_parameter, sweep
from simulation.model import StudyError, load_study, study_from_dict
from simulation.study_io import dump_study

EXAMPLE = TEMPLATES_DIR / "example_town.toml"
FLOORS = TEMPLATES_DIR / "example_town_floors.xlsx"
SKELETON = TEMPLATES_DIR / "study_template.toml"
GREY = PatternFill("solid", fgColor="FF595959")

Edit = Callable[[dict[str, Any]], None]
GridEdit = Callable[[Workbook], None]


def _base() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def _scenario(data: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in data["scenarios"] if s["id"] == sid)


def _counter(data: dict[str, Any], sid: str, cid: str) -> dict[str, Any]:
    return next(c for c in _scenario(data, sid)["counters"] if c["id"] == cid)


def _find(book: Workbook, sheet: str, text: str) -> Any:
    return next(c for row in book[sheet].iter_rows() for c in row if c.value == text)


def make_study(
    folder: Path, fmt: str, edit: Edit | None = None, grid_edit: GridEdit | None = None
) -> Path:
    """The worked example with one edit, written as TOML or xlsx next to its grid paper."""
    data = _base()
    if edit is not None:
        edit(data)
    floors = folder / FLOORS.name
    shutil.copy(FLOORS, floors)
    if grid_edit is not None:
        book = load_workbook(floors)
        grid_edit(book)
        book.save(floors)
    study = study_from_dict(data, check=False)
    if fmt == "toml":
        return dump_study(study, folder / "study.toml")
    return write_study_xlsx(study, folder / "study.xlsx")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out.out, out.err


# --------------------------------------------------------------------------- clean files


@pytest.mark.parametrize("fmt", ["toml", "xlsx"])
def test_worked_example_has_no_error_and_no_warning(fmt: str, tmp_path: Path) -> None:
    report = check_file(make_study(tmp_path, fmt))
    assert report.errors == () and report.warnings == (), report
    assert report.study is not None and report.study.study.residents == 25000


def test_bundled_worked_example_and_skeleton_pass(capsys: pytest.CaptureFixture[str]) -> None:
    for path in (EXAMPLE, EXAMPLE.with_suffix(".xlsx"), SKELETON, SKELETON.with_suffix(".xlsx")):
        code, out, _ = run(["check", str(path)], capsys)
        assert code == 0, out
        assert "errors / エラー: 0" in out and "warnings / 警告: 0" in out, out


# --------------------------------------------------------------------------- warnings


def _no_event_uses_child_allowance(data: dict[str, Any]) -> None:
    for event in data["life_events"]:
        event["procedures"].pop("jido_teate", None)


def _lunch_after_closing(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "K1")["lunch"] = {"start": "17:00", "end": "18:00", "minutes": 30}


def _department_on_floor_1(data: dict[str, Any]) -> None:
    next(d for d in data["departments"] if d["id"] == "kodomo")["floor"] = 1


def _xy_far_from_grid(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "J1")["x"] = 40.0


def _full_width_hash(book: Workbook) -> None:
    book["as_is_1F"]["P10"] = "＃"


def _lower_case_label(book: Workbook) -> None:
    book["as_is_1F"]["P12"] = "j1"
    book["as_is_1F"]["Q12"] = "Ｘ５"


def _label_in_filled_cell(book: Workbook) -> None:
    _find(book, "as_is_1F", "J1").fill = GREY


def _stairs_moved_upstairs(book: Workbook) -> None:
    stairs = _find(book, "as_is_2F", "STAIRS")
    stairs.value = None
    book["as_is_2F"]["P12"] = "STAIRS"


WARNINGS: list[tuple[str, Edit | None, GridEdit | None, str, str]] = [
    (
        "counter no life event uses",
        _no_event_uses_child_allowance,
        None,
        "scenarios[1].counters[3].procedures",
        "no life event uses the procedures of this counter (jido_teate)",
    ),
    (
        "lunch outside the shift",
        _lunch_after_closing,
        None,
        "scenarios[1].counters[3].lunch",
        "lunch window 17:00–18:00 is partly outside the shifts (08:30–17:15)",
    ),
    (
        "department on another floor",
        _department_on_floor_1,
        None,
        "scenarios[1].counters[3].floor",
        "stands on floor 2 but its department 'kodomo' is on floor 1",
    ),
    (
        "x/y disagree with the grid",
        _xy_far_from_grid,
        None,
        "scenarios[1].counters[1]",
        "J1 is drawn at as_is_1F!J7",
    ),
    (
        "full-width hash walls",
        None,
        _full_width_hash,
        "as_is_1F!P10",
        "1 cell(s) hold a full-width '＃'",
    ),
    (
        "label matches no counter",
        None,
        _lower_case_label,
        "as_is_1F!P12",
        "the cell holds 'j1', which is no counter",
    ),
    (
        "full-width label matches no counter",
        None,
        _lower_case_label,
        "as_is_1F!Q12",
        "'Ｘ５' (read as 'X5')",
    ),
    (
        "label inside a filled cell",
        None,
        _label_in_filled_cell,
        "as_is_1F!F7",
        "label 'J1' stands in a filled cell (#595959)",
    ),
    (
        "stairs at different places",
        None,
        _stairs_moved_upstairs,
        "as_is_1F!AA16",
        "STAIRS at as_is_1F!AA16 but at as_is_2F!P12",
    ),
]


@pytest.mark.parametrize("fmt", ["toml", "xlsx"])
@pytest.mark.parametrize(
    ("name", "edit", "grid_edit", "place", "message"), WARNINGS, ids=[w[0] for w in WARNINGS]
)
def test_warning_with_its_place(
    name: str,
    edit: Edit | None,
    grid_edit: GridEdit | None,
    place: str,
    message: str,
    fmt: str,
    tmp_path: Path,
) -> None:
    report = check_file(make_study(tmp_path, fmt, edit, grid_edit))
    assert report.errors == (), report.errors
    hits = [w for w in report.warnings if w.place == place and message in w.message]
    assert hits, f"{name}: got " + "; ".join(str(w) for w in report.warnings)
    assert hits[0].hint, "every warning says how to fix it"
    if fmt == "xlsx" and "!" not in place:
        assert hits[0].where.startswith("sheet 窓口, row "), hits[0].where


def test_check_prints_warnings_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_study(tmp_path, "toml", _lunch_after_closing, _full_width_hash)
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 0
    assert "warnings / 警告: 2" in out
    assert "  ! as_is_1F!P10" in out and "  ! scenarios[1].counters[3].lunch" in out


# --------------------------------------------------------------------------- errors


def _all(book: Workbook, sheet: str, text: str) -> list[Any]:
    return [c for row in book[sheet].iter_rows() for c in row if c.value == text]


def _label_only_lower_case(book: Workbook) -> None:
    for cell in _all(book, "as_is_1F", "J1"):  # the long counter J1 is drawn in two cells
        cell.value = "j1"


def _label_inside_wall_block(book: Workbook) -> None:
    for cell in _all(book, "as_is_1F", "J1"):
        cell.value = None
    book["as_is_1F"]["H3"] = "J1"  # inside the residents section's staff area (filled)


def _no_staff(data: dict[str, Any]) -> None:
    _counter(data, "as_is", "H1")["staff"] = 0


ERRORS: list[tuple[str, Edit | None, GridEdit | None, str, str]] = [
    (
        "label drawn only in lower case",
        None,
        _label_only_lower_case,
        "scenarios[1].floor.grid_xlsx",
        "J1 is not drawn on any grid-paper sheet (as_is_1F, as_is_2F); found 'j1' at as_is_1F!F7",
    ),
    (
        "label inside a wall",
        None,
        _label_inside_wall_block,
        "scenarios[1].floor.grid_xlsx",
        "J1 is written inside a wall: as_is_1F!H3 is filled",
    ),
    ("staff 0", _no_staff, None, "scenarios[1].counters[2].staff", "staff must be ≥ 1"),
]


@pytest.mark.parametrize("fmt", ["toml", "xlsx"])
@pytest.mark.parametrize(
    ("name", "edit", "grid_edit", "place", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_error_with_its_place_and_exit_2(
    name: str,
    edit: Edit | None,
    grid_edit: GridEdit | None,
    place: str,
    message: str,
    fmt: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = make_study(tmp_path, fmt, edit, grid_edit)
    report = check_file(path)
    hits = [e for e in report.errors if e.place == place and message in e.message]
    assert hits, f"{name}: got " + "; ".join(str(e) for e in report.errors)
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 2 and f"  ✗ {place}" in out
    # validate on a study file does the same as check (not a ticket-log error)
    code_v, out_v, _ = run(["validate", str(path)], capsys)
    assert (code_v, out_v) == (code, out)


def test_every_error_and_warning_at_once(tmp_path: Path) -> None:
    def both(data: dict[str, Any]) -> None:
        _no_staff(data)
        _lunch_after_closing(data)
        _department_on_floor_1(data)

    report = check_file(make_study(tmp_path, "toml", both, _full_width_hash))
    assert "scenarios[1].counters[2].staff" in [e.place for e in report.errors]
    assert sorted(w.place for w in report.warnings) == [
        "as_is_1F!P10",
        "scenarios[1].counters[3].floor",
        "scenarios[1].counters[3].lunch",
    ]


# --------------------------------------------------------------------------- full-width input


def test_full_width_digits_mean_the_same_in_toml_and_excel(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "residents_per_day = 140.0", 'residents_per_day = "１４０"'
    )
    (tmp_path / "toml").mkdir()
    shutil.copy(FLOORS, tmp_path / "toml" / FLOORS.name)
    toml_path = tmp_path / "toml" / "study.toml"
    toml_path.write_text(text, encoding="utf-8")
    xlsx_path = make_study(tmp_path, "xlsx")
    book = load_workbook(xlsx_path)
    _find(book, "来庁", "residents_per_day").offset(column=1).value = "１４０"
    book.save(xlsx_path)
    from_toml, from_xlsx = load_study(toml_path), load_study(xlsx_path)
    assert from_toml.arrivals.residents_per_day == 140.0
    assert from_xlsx.arrivals.residents_per_day == 140.0


def test_toml_syntax_error_names_full_width_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "residents = 25000", "residents = ２５０００"
    )
    text = text.replace('id = "juumin"', "id = “juumin”", 1)
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(["check", str(path)], capsys)
    assert code == 2
    line = err.strip().splitlines()
    assert len(line) == 1, err
    assert "full-width or curly characters (０ ２ ５)" in line[0]


def test_curly_quotes_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('id = "juumin"', "id = “juumin”", 1)
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(["check", str(path)], capsys)
    assert code == 2 and "(“ ”)" in err


# --------------------------------------------------------------------------- sweep


def test_sweep_refuses_a_value_the_checks_refuse() -> None:
    study = load_study(EXAMPLE)
    with pytest.raises(StudyError) as info:
        sweep(study, "scenarios.as_is.counters.H1.staff", [2, 0], replications=1, seed=1, days=1)
    assert "with scenarios.as_is.counters.H1.staff = 0: staff must be ≥ 1" in str(info.value)
    assert "= 2:" not in str(info.value)


def test_sweep_refuses_a_fraction_for_a_whole_number() -> None:
    study = load_study(EXAMPLE)
    from journeys.errors import InputError

    with pytest.raises(InputError, match=r"is a whole number; 2\.5 is not"):
        set_parameter(study, "scenarios.as_is.counters.H1.staff", 2.5)
    assert (
        set_parameter(study, "scenarios.as_is.counters.H1.staff", 3.0)
        .scenario("as_is")
        .counter("H1")
        .staff
        == 3
    )


def test_report_ok_property(tmp_path: Path) -> None:
    report = check_file(make_study(tmp_path, "toml", _no_staff))
    assert isinstance(report, CheckReport) and not report.ok
