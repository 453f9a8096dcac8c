"""Readers: encodings, split date and time, Excel, the user mapping, and the bundled sample
(raw ticket export ≡ canonical Parquet; survey sheet ≡ survey Parquet, zero rejects)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from journeys.errors import InputError
from journeys.mapping import load_mapping
from journeys.readers import read_counter_log, read_survey

HEADER = "受付日,受付番号,発券時刻,呼出時刻,終了時刻,窓口,窓口名,業務コード,担当者,来庁者番号,状態,記入枚数,氏名"
ROWS = [
    "2025/03/03,0001,08:45:10,08:50:00,09:01:00,A1,住民異動,tennyu,S01,V0001,完了,2,山田 太郎",
    "2025/03/03,0002,09:10:00,09:30:30,,A2,証明交付,juminhyo,S02,V0001,不在,0,山田 太郎",
    "2025/03/04,0003,16:59:00,,,A1,住民異動,,,V0002,取消,,鈴木 一郎",
]


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def test_cp932_japanese_headers_and_split_date_time(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", "\n".join([HEADER, *ROWS]) + "\n", "cp932")
    result = read_counter_log(path, salt="x")
    log = result.accepted
    assert (result.rows_in, log.height, result.rejected.height) == (3, 3, 0)
    assert result.dropped_columns == ("氏名",)
    assert log["ticket_id"].to_list() == ["0001", "0002", "0003"]
    assert log["issued_at"].to_list() == [
        dt.datetime(2025, 3, 3, 8, 45, 10),
        dt.datetime(2025, 3, 3, 9, 10),
        dt.datetime(2025, 3, 4, 16, 59),
    ]
    assert log["called_at"].to_list() == [
        dt.datetime(2025, 3, 3, 8, 50),
        dt.datetime(2025, 3, 3, 9, 30, 30),
        None,
    ]
    assert log["ended_at"].to_list() == [dt.datetime(2025, 3, 3, 9, 1), None, None]
    assert log["outcome"].to_list() == ["served", "no_show", "abandoned"]
    assert log["forms_written"].to_list() == [2, 0, None]
    assert log["procedure_id"].to_list() == ["tennyu", "juminhyo", None]
    assert log["staff_id"].to_list() == ["S01", "S02", None]
    v = log["visit_id"].to_list()
    assert v[0] == v[1] != v[2] and "V0001" not in v
    assert any("cp932" in n for n in result.notes)
    assert any("窓口名" in n for n in result.notes)  # unused column said, not silently lost


def test_encoding_override_and_a_wrong_one(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", "\n".join([HEADER, *ROWS]) + "\n", "cp932")
    assert read_counter_log(path, encoding="cp932").accepted.height == 3
    with pytest.raises(InputError, match="not utf-8 text"):
        read_counter_log(path, encoding="utf-8")


def test_unknown_encoding_argument_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "export.csv", "\n".join([HEADER, *ROWS]) + "\n", "utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_counter_log(path, encoding="klingon")


def test_excel_named_sheet_and_a_missing_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "説明"
    first.append(["このシートは説明です"])
    ws = book.create_sheet("ログ")
    ws.append(["窓口発券ログ"])
    ws.append(HEADER.split(","))
    for r in ROWS:
        ws.append(r.split(","))
    book.save(tmp_path / "log.xlsx")
    result = read_counter_log(tmp_path / "log.xlsx", sheet="ログ")
    assert result.accepted.height == 3
    assert result.rejected.height == 0
    with pytest.raises(InputError, match="no sheet named '発券'") as info:
        read_counter_log(tmp_path / "log.xlsx", sheet="発券")
    assert info.value.hint == "sheets: 説明, ログ"


def test_excel_row_numbers_are_the_sheet_rows(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["タイトル"])
    ws.append(HEADER.split(","))
    rows = [r.split(",") for r in ROWS]
    rows[1][3] = "08:00:00"  # called before issued, on sheet row 4
    for r in rows:
        ws.append(r)
    book.save(tmp_path / "log.xlsx")
    result = read_counter_log(tmp_path / "log.xlsx")
    assert result.rejected["source_row"].to_list() == [4]
    assert result.rejected["reason"].to_list() == ["called_before_issued"]


def test_mapping_file_errors_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[columns]\nticket = "整理券"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[columns\] ticket: not a canonical column"):
        load_mapping(bad)
    bad.write_text("[colums]\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown section"):
        load_mapping(bad)
    bad.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_mapping(bad)
    with pytest.raises(InputError, match="mapping file not found"):
        load_mapping(tmp_path / "none.toml")


def test_rollover_can_be_switched_off(tmp_path: Path) -> None:
    path = write(
        tmp_path / "late.csv",
        HEADER + "\n2025/03/03,0001,23:55:00,00:05:00,00:10:00,A1,x,p,S01,V1,完了,0,x\n",
        "utf-8",
    )
    assert read_counter_log(path).accepted["called_at"][0] == dt.datetime(2025, 3, 4, 0, 5)
    mapping = tmp_path / "m.toml"
    mapping.write_text("[formats]\nnext_day_rollover = false\n", encoding="utf-8")
    result = read_counter_log(path, mapping=mapping)
    assert result.rejected["reason"].to_list() == ["called_before_issued"]


def sample(sample_dir: Path, name: str) -> Path:
    path = sample_dir / name
    if not path.exists():
        pytest.skip(f"sample file {name} not generated yet")
    return path


def test_raw_ticket_export_reads_exactly_as_the_canonical_parquet(sample_dir: Path) -> None:
    raw = read_counter_log(sample(sample_dir, "ticket_export_as_is.csv"), salt="t")
    canon = read_counter_log(sample(sample_dir, "counter_log_as_is.parquet"), salt="t")
    assert raw.rejected.height == 0 and canon.rejected.height == 0
    assert (
        raw.rows_in
        == canon.rows_in
        == pl.read_parquet(sample_dir / "counter_log_as_is.parquet").height
    )
    assert set(raw.dropped_columns) == {
        "氏名",
        "フリガナ",
        "住所",
        "電話番号",
        "生年月日",
        "個人番号",
    }
    assert raw.accepted.equals(canon.accepted.select(raw.accepted.columns))
    original = pl.read_parquet(sample_dir / "counter_log_as_is.parquet")
    assert not set(original["visit_id"].to_list()) & set(raw.accepted["visit_id"].to_list())
    assert raw.accepted["visit_id"].n_unique() == original["visit_id"].n_unique()


def test_survey_sheet_reads_with_zero_rejects(sample_dir: Path) -> None:
    sheet = read_survey(sample(sample_dir, "survey_sheets.xlsx"))
    canon = read_survey(sample(sample_dir, "survey.parquet"))
    assert sheet.rejected.height == 0 and sheet.rows_in == sheet.accepted.height > 0
    assert sheet.dropped_columns == ("調査員氏名",)
    assert sheet.accepted.equals(canon.accepted)
    texts = sheet.accepted["pain_point"].drop_nulls()
    assert not texts.str.contains(r"\d{4}[- ]?\d{4}[- ]?\d{4}").any()


def test_survey_steps_timed_by_start_and_end(tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    path.write_text(
        "調査ID,段階,手順,行動,開始時刻,終了時刻\n"
        "J1,現状,1,待ち,9:00,9:25\nJ1,現状,2,記入,9:25,9:20\nJ1,現状,3,記入,xx,\n",
        encoding="utf-8",
    )
    result = read_survey(path)
    assert result.accepted["minutes"].to_list() == [25.0]
    assert result.rejected["reason"].to_list() == [
        "negative_minutes",
        "unparseable_time; missing_value",
    ]


def test_cp932_file_whose_first_megabyte_is_ascii(tmp_path: Path) -> None:
    header = "ticket,issued,called,ended,counter,status"
    ascii_rows = [
        f"T{i:06d},2025-03-03 09:00:00,2025-03-03 09:05:00,2025-03-03 09:10:00,A1,served"
        for i in range(20_000)
    ]
    late = "T999999,2025-03-03 09:00:00,2025-03-03 09:05:00,2025-03-03 09:10:00,A2,完了"
    path = tmp_path / "late_japanese.csv"
    path.write_bytes(("\n".join([header, *ascii_rows, late]) + "\n").encode("cp932"))
    assert path.stat().st_size > 1_000_000
    result = read_counter_log(path)
    assert result.accepted.height == 20_001 and result.rejected.height == 0
    assert result.accepted["counter_id"][-1] == "A2"
    assert result.accepted["outcome"][-1] == "served"
    assert any("cp932" in n for n in result.notes)
