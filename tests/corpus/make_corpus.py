"""Write the bad-input corpus of the ingestion tests (run: ``.venv/bin/python tests/corpus/make_corpus.py``).

Every file is generated here so it can be reproduced; the outputs are committed next to this
script, and ``EXPECTED.toml`` says what reading each one must give. All personal data below is
fictional (the My Numbers have a valid check digit so the detectors must catch them).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import polars as pl

if __package__ in (None, ""):  # run as a script: the sibling module is on the path
    from make_hostile import write_hostile
else:
    from tests.corpus.make_hostile import write_hostile

__all__ = ["HEADER_JA", "MY_NUMBERS", "main"]

HERE = Path(__file__).resolve().parent
HEADER_JA = (
    "受付日,受付番号,発券時刻,呼出時刻,終了時刻,窓口,業務コード,担当者,来庁者番号,状態,記入枚数"
)
GOOD_ROWS = [
    "2025/03/03,0001,08:45:10,08:50:00,09:01:00,A1,tennyu,S01,V0001,完了,2",
    "2025/03/03,0002,08:46:00,08:58:30,09:05:00,A2,juminhyo,S02,V0001,完了,1",
    "2025/03/03,0003,09:00:00,09:20:00,,A1,tennyu,S01,V0002,不在,0",
]
#: Fictional My Numbers with a valid check digit (checked in tests/test_ingest_privacy.py).
MY_NUMBERS = ("123456789018", "987654321000", "111122223333")


def _write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    data = text.replace("\n", newline).encode(encoding)
    (HERE / name).write_bytes(data)


def _csv(rows: list[str], header: str = HEADER_JA) -> str:
    return "\n".join([header, *rows]) + "\n"


def _book(
    rows: Sequence[Sequence[object]], merges: list[str], name: str, sheet: str = "Sheet1"
) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    book.properties.created = dt.datetime(2026, 1, 1)
    book.save(HERE / name)
    _freeze_zip(HERE / name)


def _freeze_zip(path: Path) -> None:
    """Rewrite a workbook's zip with fixed timestamps so the bytes are reproducible."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for filename, data in entries:
            if filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data
                )
            info = zipfile.ZipInfo(filename, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def main() -> None:
    """Write every corpus file."""
    _write("utf8.csv", _csv(GOOD_ROWS))
    _write("utf8_bom.csv", "\ufeff" + _csv(GOOD_ROWS))
    _write("cp932.csv", _csv(GOOD_ROWS), "cp932", "\r\n")
    _write("shift_jis.csv", _csv(GOOD_ROWS), "shift_jis", "\r\n")
    _write("empty.csv", "")
    _write("header_only.csv", HEADER_JA + "\n")
    _write(
        "semicolon.csv", _csv([r.replace(",", ";") for r in GOOD_ROWS], HEADER_JA.replace(",", ";"))
    )
    _write("tab.tsv", _csv([r.replace(",", "\t") for r in GOOD_ROWS], HEADER_JA.replace(",", "\t")))
    _write(
        "wrong_delimiter.csv",
        _csv([r.replace(",", ";") for r in GOOD_ROWS], HEADER_JA.replace(",", ";")),
    )
    _write("wrong_delimiter.map.toml", '[read]\ndelimiter = ","\n')
    _write("truncated_last_line.csv", _csv(GOOD_ROWS) + "2025/03/03,0004,09:10:00,09:2")
    _write(
        "mixed_dates.csv",
        _csv(
            [
                "2025/03/03,0001,08:45:10,08:50:00,09:01:00,A1,tennyu,S01,V0001,完了,2",
                "2025-03-04,0002,08:46,08:58,09:05,A2,juminhyo,S02,V0002,完了,1",
                "2025年3月5日,0003,9:00:00,9:20:00,9:30:00,A1,tennyu,S01,V0003,完了,0",
                "令和7年3月6日,0004,09:00:00,09:20:00,09:30:00,A1,tennyu,S01,V0004,完了,0",
                "20250307,0005,09:00:00,09:20:00,09:30:00,A1,tennyu,S01,V0005,完了,0",
                "2025/02/30,0006,09:00:00,09:20:00,09:30:00,A1,tennyu,S01,V0006,完了,0",
            ]
        ),
    )
    _write(
        "past_midnight.csv",
        _csv(
            [
                "2025/03/03,0001,23:50:00,23:58:00,24:10:00,A1,tennyu,S01,V0001,完了,1",
                "2025/03/03,0002,23:55:00,00:05:00,00:20:00,A1,tennyu,S01,V0002,完了,1",
                "2025/03/03,0003,24:05:00,24:15:00,24:30:00,A2,juminhyo,S02,V0003,完了,0",
            ]
        ),
    )
    header = HEADER_JA.split(",")
    body = [r.split(",") for r in GOOD_ROWS]
    _book(
        [["窓口発券ログ 2025年3月 (北見市 試行)"], [], header, *body],
        ["A1:K1"],
        "title_row.xlsx",
        "発券ログ",
    )
    group = [
        "受付",
        "",
        "時刻",
        "",
        "",
        "窓口",
        "業務コード",
        "担当者",
        "来庁者番号",
        "状態",
        "記入枚数",
    ]
    sub = ["日", "番号", "発券", "呼出", "終了", "", "", "", "", "", ""]
    merges = ["A1:B1", "C1:E1"] + [f"{c}1:{c}2" for c in "FGHIJK"]
    xl_rows: list[list[object]] = []
    for r in body:
        day = dt.datetime.strptime(r[0], "%Y/%m/%d")
        times = [dt.time.fromisoformat(t) if t else None for t in r[2:5]]
        xl_rows.append([day, int(r[1]), *times, r[5], r[6], r[7], r[8], r[9], int(r[10])])
    _book([group, sub, *xl_rows], merges, "merged_header.xlsx")
    long_row = (
        "2025/03/03,0004,09:00:00,09:10:00,09:20:00," + "A" * 100_000 + ",tennyu,S01,V0009,完了,0"
    )
    _write("long_field.csv", _csv([*GOOD_ROWS, long_row]))
    _write(
        "missing_column.csv",
        _csv([",".join(r.split(",")[:9]) for r in GOOD_ROWS], ",".join(header[:9])),
    )
    no_counter = [i for i in range(len(header)) if i != 5]  # 窓口 dropped: cannot be inferred
    _write(
        "missing_counter_column.csv",
        _csv(
            [",".join(r.split(",")[i] for i in no_counter) for r in GOOD_ROWS],
            ",".join(header[i] for i in no_counter),
        ),
    )
    _write(
        "duplicate_ids.csv",
        _csv(
            [*GOOD_ROWS, "2025/03/03,0002,09:30:00,09:40:00,09:50:00,A2,juminhyo,S02,V0005,完了,1"]
        ),
    )
    _write(
        "called_before_issued.csv",
        _csv(
            [*GOOD_ROWS, "2025/03/03,0004,10:00:00,09:40:00,10:50:00,A2,juminhyo,S02,V0005,完了,1"]
        ),
    )
    _write(
        "unknown_outcome.csv",
        _csv(
            [*GOOD_ROWS, "2025/03/03,0004,10:00:00,10:10:00,10:50:00,A2,juminhyo,S02,V0005,保留,1"]
        ),
    )
    _write(
        "row_failures.csv",
        _csv(
            [
                *GOOD_ROWS,
                "2025/03/03,0004,10:00:00,10:10:00,09:50:00,A2,juminhyo,S02,V0005,完了,-2",
                "2025/03/03,0005,1000,10:10:00,10:20:00,A2,juminhyo,S02,V0006,done?,x",
                "2025/03/03,0006,10:00:00,10:10:00,10:20:00,,juminhyo,S02,V0007,,1",
                "2025/03/03,0007,08:00:00,2025/03/05 09:00:00,2025/03/05 09:10:00,A2,p,S02,V0008,完了,1",
                "2025/03/03,0008,10:00:00,,10:20:00,A2,juminhyo,S02,V0009,完了,1",
            ]
        ),
    )
    personal_header = HEADER_JA + ",氏名,フリガナ,住所,電話番号,生年月日,備考2"
    personal_rows = [
        r + f",北見 花子{i},キタミ ハナコ,北見市北{i}条西1丁目,0157-23-{4567 + i},1980/01/0{i + 1},{nums}"
        for i, (r, nums) in enumerate(zip(GOOD_ROWS, (MY_NUMBERS[0], "9876 5432 1000", MY_NUMBERS[2]), strict=True))
    ]  # fmt: skip
    _write("personal_columns.csv", _csv(personal_rows, personal_header))
    survey_header = "調査ID,段階,ペルソナ,ライフイベント,手順,場所,行動,所要分,記入枚数,氏名住所記入回数,感情,困りごと,分類,調査員氏名"
    survey_rows = [
        "J01,現状,転入する家族,move_in,1,記載台,記入,9.5,2,3,-1,申請書に個人番号 1234-5678-9018 を書いた,記入,調査 太郎",
        "J01,現状,転入する家族,move_in,2,市民課,待ち,25,0,0,-2,電話 090-1234-5678 に折り返しと言われた,待ち,調査 太郎",
        "J01,現状,転入する家族,move_in,3,市民課,手続き,12,0,0,0,,,調査 太郎",
    ]
    _write("mynumber_in_text.csv", _csv(survey_rows, survey_header))
    survey_bad = [
        [
            "J02",
            "改革後",
            "おくやみ",
            "death",
            1,
            "ワンストップ窓口",
            "相談",
            15,
            0,
            0,
            1,
            None,
            None,
            "観察 次郎",
        ],
        [
            "J02",
            "改革後",
            "おくやみ",
            "death",
            2,
            "ワンストップ窓口",
            "踊る",
            5,
            0,
            0,
            0,
            None,
            None,
            "観察 次郎",
        ],
        [
            "J02",
            "改革後",
            "おくやみ",
            "death",
            3,
            "ワンストップ窓口",
            "受取",
            2,
            0,
            0,
            3,
            None,
            None,
            "観察 次郎",
        ],
        [
            "J02",
            "改革後",
            "おくやみ",
            "death",
            4,
            "ワンストップ窓口",
            "支払",
            -4,
            0,
            0,
            0,
            None,
            None,
            "観察 次郎",
        ],
        [
            "J02",
            "改革後",
            "おくやみ",
            "death",
            4.5,
            "ワンストップ窓口",
            "移動",
            1,
            0,
            0,
            0,
            None,
            None,
            "観察 次郎",
        ],
    ]
    _book(
        [["窓口体験調査 記録票"], survey_header.split(","), *survey_bad],
        ["A1:N1"],
        "survey.xlsx",
        "調査票",
    )
    _write(
        "no_visit_column.csv",
        _csv(
            [",".join(r.split(",")[:8] + r.split(",")[9:]) for r in GOOD_ROWS],
            ",".join(header[:8] + header[9:]),
        ),
    )
    _write(
        "english_headers.csv",
        _csv(
            [
                "T1,2025-03-03 08:45:10,2025-03-03 08:50:00,2025-03-03 09:01:00,A1,tennyu,S01,V1,served,2",
                "T2,2025-03-03 08:46:00,2025-03-03 08:58:00,,A2,juminhyo,S02,V1,No-Show,0",
                "T3,2025-03-03 08:47:00,,,A2,juminhyo,,V2,cancelled,0",
            ],
            "ticket,issued,called,ended,counter,procedure,staff,visit,status,forms",
        ),
    )
    _write(
        "user_map.csv",
        _csv(
            [
                "3/3/2025,A-1,8:45,8:50,9:01,1番,転入届,職員1,R1,済,2",
                "3/3/2025,A-2,8:46,8:58,9:05,2番,住民票,職員2,R1,呼出したが不在,0",
            ],
            "来訪日,整理券,到着,案内,完了,カウンタ,用件,係員,来訪者,結果区分,書いた枚数",
        ),
    )
    _write(
        "user_map.map.toml",
        """# user mapping for user_map.csv
[columns]
date = "来訪日"
ticket_id = "整理券"
issued_at = "到着"
called_at = "案内"
ended_at = "完了"
counter_id = "カウンタ"
procedure_id = "用件"
staff_id = "係員"
visit_id = "来訪者"
outcome = "結果区分"
forms_written = "書いた枚数"

[values.outcome]
"呼出したが不在" = "no_show"

[formats]
date = "%m/%d/%Y"
time = "%H:%M"
""",
    )
    _write(
        "daily_reset.csv",
        _csv(
            [
                "2025/03/03,1,08:45:10,08:50:00,09:01:00,A1,tennyu,S01,V0001,完了,2",
                "2025/03/03,2,08:46:00,08:58:30,09:05:00,A2,juminhyo,S02,V0002,完了,1",
                "2025/03/04,1,08:45:10,08:50:00,09:01:00,A1,tennyu,S01,V0003,完了,2",
                "2025/03/04,2,08:46:00,08:58:30,09:05:00,A2,juminhyo,S02,V0004,完了,1",
            ]
        ),
    )
    _write(
        "ragged_row.csv", _csv([*GOOD_ROWS, GOOD_ROWS[0].replace("0001", "0009") + ",extra,fields"])
    )
    _write("wrong_extension.xls", "not really excel\n")
    _write("not_really.xlsx", "受付日,受付番号\n2025/03/03,1\n")
    _write("broken.parquet", "PAR1 but then nothing useful\n")
    _write(
        "title_line.csv",
        "窓口発券ログ 2025年3月分,,,,\n"
        + _csv([*GOOD_ROWS, GOOD_ROWS[0].replace("0001", "0004").replace("完了", "保留")]),
        "cp932",
        "\r\n",
    )
    _write("notes.docx", "not a table\n")
    canon = pl.DataFrame(
        {
            "visit_id": ["V1", "V1", "V2"],
            "ticket_id": ["T1", "T2", "T3"],
            "counter_id": ["A1", "A2", "A1"],
            "procedure_id": ["tennyu", "juminhyo", None],
            "issued_at": [dt.datetime(2025, 3, 3, 8, 45), dt.datetime(2025, 3, 3, 8, 46), dt.datetime(2025, 3, 3, 8, 47)],
            "called_at": [dt.datetime(2025, 3, 3, 8, 50), dt.datetime(2025, 3, 3, 8, 40), None],
            "ended_at": [dt.datetime(2025, 3, 3, 9, 0), dt.datetime(2025, 3, 3, 8, 55), None],
            "staff_id": ["S01", "S02", None],
            "outcome": ["served", "served", "abandoned"],
            "forms_written": [2, 1, 0],
            "scenario": ["as_is", "as_is", "as_is"],
        }
    ).with_columns(pl.col("issued_at", "called_at", "ended_at").cast(pl.Datetime("us")))  # fmt: skip
    canon.write_parquet(HERE / "canonical.parquet")
    write_hostile(HERE, _write)


if __name__ == "__main__":
    main()
