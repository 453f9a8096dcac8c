"""Excel habits: ids stay ids when a clerk opens an output in Excel, the quarantine workbook
can be fixed and re-imported, the study workbook takes dates as Excel and LibreOffice store
them (or names the cell to fix), and a LibreOffice round trip gives the same simulation."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from test_metrics_analyze import run
from test_metrics_kpis import small_log

from journeys.paths import SAMPLE_DIR
from journeys.quarantine import QUARANTINE_SHEET, write_quarantine
from journeys.readers import read_counter_log
from simulation.excel import SHEETS, write_study_xlsx
from simulation.model import Study, StudyError, load_study

CORPUS = Path(__file__).parent / "corpus"
START = dt.date(2026, 2, 23)  # the sample study's start date (a Monday)


def looks_like_a_number(text: str) -> bool:
    """What Excel would turn into a number when it opens a CSV."""
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def sample() -> Study:
    """The sample study with a UTC offset of its own (the workbook's 概要 row utc_offset)."""
    study = load_study(SAMPLE_DIR / "study.toml").model_copy(deep=True)
    study.study.utc_offset = "+10:30"
    return study


def with_grid_paper(folder: Path) -> Path:
    """``folder`` with the sample's grid-paper floors beside the study (its grid_xlsx)."""
    folder.mkdir(parents=True, exist_ok=True)
    if (SAMPLE_DIR / "floors.xlsx").exists():
        shutil.copy(SAMPLE_DIR / "floors.xlsx", folder / "floors.xlsx")
    return folder


@pytest.fixture(scope="module")
def workbook(sample: Study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = with_grid_paper(tmp_path_factory.mktemp("xlsx"))
    return write_study_xlsx(sample, folder / "study.xlsx")


def start_date_cell(path: Path) -> str:
    sheet = openpyxl.load_workbook(path)[SHEETS["study"]]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "start_date")
    return f"C{row}"


def with_start_date(path: Path, out: Path, value: object, number_format: str = "General") -> Path:
    with_grid_paper(out.parent)
    book = openpyxl.load_workbook(path)
    cell = book[SHEETS["study"]][start_date_cell(path)]
    cell.value = value
    cell.number_format = number_format
    book.save(out)
    return out


@pytest.mark.parametrize(
    ("value", "number_format"),
    [
        (dt.datetime(2026, 2, 23), "yyyy/m/d"),  # a date cell
        ((START - dt.date(1899, 12, 30)).days, "General"),  # serial 46076 in a General cell
        ("2026/2/23", "@"),  # typed as text
        ("2026/02/23", "General"),
        ("２０２６年２月２３日", "@"),  # full-width, as a Japanese IME types it
    ],
)
def test_study_dates_as_excel_stores_them(
    value: object, number_format: str, workbook: Path, sample: Study, tmp_path: Path
) -> None:
    edited = with_start_date(workbook, tmp_path / "edited.xlsx", value, number_format)
    study = load_study(edited)
    assert study.study.start_date == START
    assert study == sample


def test_the_utc_offset_has_its_row_and_reads_back_as_typed(
    workbook: Path, sample: Study, tmp_path: Path
) -> None:
    assert load_study(workbook).study.utc_offset == "+10:30" == sample.study.utc_offset
    sheet = openpyxl.load_workbook(workbook)[SHEETS["study"]]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "utc_offset")
    assert sheet.cell(row, 3).value == "+10:30" and sheet.cell(row, 3).data_type == "s"
    # what Excel makes of "+09:00" or "-05:00" typed into a General cell, and a zone name
    for typed, meant in (
        (dt.time(9, 0), "+09:00"),
        (-5 / 24, "-05:00"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        (None, None),
    ):
        book = openpyxl.load_workbook(workbook)
        book[SHEETS["study"]].cell(row, 3).value = typed
        edited = with_grid_paper(tmp_path / "offset") / "edited.xlsx"
        book.save(edited)
        assert load_study(edited).study.utc_offset == meant, typed


def test_a_date_that_is_no_date_names_its_cell(workbook: Path, tmp_path: Path) -> None:
    edited = with_start_date(workbook, tmp_path / "bad.xlsx", "来週の月曜", "@")
    cell = start_date_cell(workbook)
    with pytest.raises(StudyError) as raised:
        load_study(edited)
    lines = [line for line in str(raised.value).splitlines() if "not a date" in line]
    assert len(lines) == 1
    assert f"write the date as YYYY-MM-DD in cell {cell}" in lines[0]


def test_excel_outputs_write_ids_as_text(tmp_path: Path) -> None:
    log = small_log().with_columns(
        ticket_id=pl.Series(["0001", "0002", "0003", "0004", "1234567890123456"]),
        staff_id=pl.Series(["007", "008", "007", None, "008"]),
    )
    source = tmp_path / "log.csv"
    log.write_csv(source, datetime_format="%Y-%m-%d %H:%M:%S")
    out = tmp_path / "out"
    assert run(["analyze", "--log", str(source), "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out / "analysis.xlsx")
    staff = book["職員別 per staff"]
    heads = [c.value for c in staff[1]]
    col = heads.index("staff_id") + 1
    cells = [staff.cell(r, col) for r in range(2, staff.max_row + 1)]
    assert {c.value for c in cells} == {"007", "008"}
    assert all(c.data_type == "s" and c.number_format == "@" for c in cells)
    # pseudonyms in every CSV a clerk opens are never number-like
    visits = pl.read_csv(out / "event_log_xes.csv", infer_schema=False)["case:concept:name"]
    assert visits.n_unique() == 3
    assert not any(looks_like_a_number(v) for v in visits)
    assert set(pl.read_csv(out / "event_log_xes.csv", infer_schema=False)["ticket_id"]) == set(
        log["ticket_id"]
    )


def test_quarantine_workbook_is_text_and_can_be_fixed_and_reimported(tmp_path: Path) -> None:
    result = read_counter_log(CORPUS / "row_failures.csv")
    csv = write_quarantine(result, tmp_path / "quarantine.csv")
    xlsx = csv.with_suffix(".xlsx")
    sheet = openpyxl.load_workbook(xlsx)[QUARANTINE_SHEET]
    heads = [c.value for c in sheet[1]]
    assert sheet.max_row - 1 == result.rejected.height == pl.read_csv(csv).height
    body = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in body)
    tickets = [
        sheet.cell(r, heads.index("ticket_id") + 1).value for r in range(2, sheet.max_row + 1)
    ]
    assert "0004" in tickets  # not 4
    # the clerk fixes ticket 0004 (forms -2, ended before called) and re-imports the workbook
    r = tickets.index("0004") + 2
    sheet.cell(r, heads.index("forms_written") + 1).value = "2"
    sheet.cell(r, heads.index("ended_at") + 1).value = "10:25:00"
    sheet.parent.save(xlsx)
    again = read_counter_log(xlsx)
    assert again.rows_in == result.rejected.height
    assert again.accepted.height == 1 and again.rejected.height == result.rejected.height - 1
    fixed = again.accepted.row(0, named=True)
    assert fixed["ticket_id"] == "0004"
    original = result.rejected.filter(pl.col("ticket_id") == "0004")["visit_id"][0]
    assert fixed["visit_id"] == original  # the pseudonym is kept, the visit not split


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is absent (apt-get install libreoffice-calc-nogui)"
)
def test_libreoffice_round_trip_gives_the_same_simulation(
    workbook: Path, sample: Study, tmp_path: Path
) -> None:
    from simulation.experiments import run_experiment

    out = with_grid_paper(tmp_path / "lo")
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    saved = out / workbook.name
    assert saved.read_bytes() != workbook.read_bytes()  # LibreOffice wrote its own file
    again = load_study(saved)
    assert again == sample
    days = [START + dt.timedelta(days=1)]
    before = run_experiment(sample, replications=2, seed=11, days=days, progress=False)
    after = run_experiment(again, replications=2, seed=11, days=days, progress=False)
    assert before.summary.equals(after.summary)
    assert before.log.height == after.log.height > 100


def test_validate_writes_the_quarantine_csv_and_workbook(tmp_path: Path) -> None:
    out = tmp_path / "q" / "quarantine.csv"
    code = run(["validate", str(CORPUS / "row_failures.csv"), "--quarantine", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["quarantine.csv", "quarantine.xlsx"]
    rows = openpyxl.load_workbook(out.with_suffix(".xlsx"))[QUARANTINE_SHEET].max_row - 1
    assert rows == pl.read_csv(out).height == 5
