"""Planted personal values never reach an output: a property test over every column and every way
of writing a My Number or a phone number (any dash, dot or space, full width), through the
reader, the quarantine, ``madoguchi validate`` and ``madoguchi analyze`` (every file it writes)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.errors import InputError
from journeys.privacy import detection_view, my_number_check_digit
from journeys.quarantine import write_quarantine
from journeys.readers import read_counter_log
from madoguchi.cli import main

HEADER = ["受付番号", "来庁者番号", "窓口", "業務コード", "発券時刻", "呼出時刻", "終了時刻", "担当者", "状態", "記入枚数"]  # fmt: skip
#: Every separator style a person types between digit groups (ASCII and full width).
SEPARATORS = ["-", "ー", "−", "‐", "―", "－", ".", " ", "　", "・", "–", " - ", ""]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _my_number(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str]:
    """``(as written, its digits)``: a My Number or a phone number in one separator style."""
    sep = draw(st.sampled_from(SEPARATORS))
    if draw(st.booleans()):
        digits = _my_number(draw(st.text("123456789", min_size=11, max_size=11)))
        written = sep.join([digits[:4], digits[4:8], digits[8:]])
    else:
        rest = draw(st.text("123456789", min_size=8, max_size=8))
        digits = draw(st.sampled_from(["090", "080", "070"])) + rest
        written = sep.join([digits[:3], digits[3:7], digits[7:]])
        if draw(st.booleans()):
            written = f"{digits[:3]}（{digits[3:7]}）{digits[7:]}"
    if draw(st.booleans()):
        written = written.translate(FULL)
    return written, digits


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """A small ticket log with personal values planted in random cells of every column."""
    n = draw(st.integers(6, 12))
    rows: list[list[str]] = []
    plants: list[tuple[str, str]] = []
    for i in range(n):
        start = dt.datetime(2025, 3, 3, 9, 0) + dt.timedelta(minutes=6 * i)
        row = [
            f"T{i:04d}", f"R{i % 3}", "A1", "tennyu",
            start.strftime("%Y-%m-%d %H:%M"),
            (start + dt.timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M"),
            (start + dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"),
            "S1", "完了", "1",
        ]  # fmt: skip
        if i % 3 == 1:  # one row in three holds a planted value (a column of them is dropped)
            column = draw(st.integers(0, len(row) - 1))
            written, digits = draw(planted())
            if column == 0 and not re.search(r"\D", written):
                written = f"{written[:4]}-{written[4:8]}-{written[8:]}"  # bare digits = machine
            row[column] = draw(st.sampled_from(["", "番号", "山田 "])) + written
            plants.append((written, digits))
        rows.append(row)
    return rows, plants


def _leaks(text: str, plants: list[tuple[str, str]]) -> list[str]:
    """The planted values found in ``text`` as written or as bare digits (any separators)."""
    view = re.sub(r"[-()]", "", detection_view(text)[0])
    return [w for w, d in plants if w in text or d in view]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=logs())
def test_no_planted_number_reaches_any_output_log_line_or_message(
    data: tuple[list[list[str]], list[tuple[str, str]]],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows, plants = data
    folder = tmp_path_factory.mktemp("plant")
    path = folder / "log.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    texts: list[str] = []
    try:
        result = read_counter_log(path, salt="plant")
    except InputError as exc:  # a required column judged personal by content: still no echo
        texts.append(str(exc))
    else:
        assert result.rows_in == len(rows) == result.accepted.height + result.rejected.height
        texts += [result.accepted.write_csv(), result.rejected.write_csv(), *result.notes]
        texts.append(write_quarantine(result, folder / "q.csv").read_text("utf-8-sig"))
    for args in (
        ["validate", str(path), "--quarantine", str(folder / "q2.csv")],
        ["analyze", "--log", str(path), "--out", str(folder / "out")],
    ):
        with pytest.raises(SystemExit):
            main(args)
        captured = capsys.readouterr()
        texts += [captured.out, captured.err]
    for written in sorted(folder.rglob("*")):
        if written.is_file() and written != path:
            texts.append(_readable(written))
    for text in texts:
        assert not _leaks(text, plants), (_leaks(text, plants), text[:2000])


def _readable(path: Path) -> str:
    """A written file as text: CSV/TXT/JSON as is, Parquet as CSV, xlsx as its XML."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path).write_csv()
    if path.suffix == ".xlsx":
        import zipfile

        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_a_headerless_file_never_echoes_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text(
        "T0001,北見 花子,A1,tennyu,2025-03-03 09:00,2025-03-03 09:05,2025-03-03 09:10,S1,完了\n"
        * 3,
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_counter_log(path)
    assert "北見" not in str(info.value) and "T0001" not in str(info.value)
    assert "the first line names none of the expected columns (9 fields)" in str(info.value)
