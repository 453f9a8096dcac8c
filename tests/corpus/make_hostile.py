"""The hostile and careless part of the corpus (issue 12): every separator style of a personal
number, broken line endings and encodings, renamed archives, confusable ids, impossible era
dates, absurd numbers, deep mappings and huge sheets. Called by ``make_corpus.py``.

All personal data is fictional (the My Numbers have a valid check digit).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["HOSTILE_PERSONAL_VALUES", "styled_sheet", "write_hostile"]

HEADER = (
    "受付日,受付番号,発券時刻,呼出時刻,終了時刻,窓口,業務コード,担当者,来庁者番号,状態,記入枚数"
)
ROWS = [
    "2025/03/03,0001,08:45:10,08:50:00,09:01:00,A1,tennyu,S01,V0001,完了,2",
    "2025/03/03,0002,08:46:00,08:58:30,09:05:00,A2,juminhyo,S02,V0001,完了,1",
    "2025/03/03,0003,09:00:00,09:20:00,,A1,tennyu,S01,V0002,不在,0",
    "2025/03/03,0004,09:10:00,09:25:00,09:40:00,A2,juminhyo,S02,V0003,完了,1",
    "2025/03/03,0005,09:15:00,09:30:00,09:45:00,A1,tennyu,S01,V0004,完了,0",
]
#: Column positions in HEADER.
COL = {name: i for i, name in enumerate(["date", "ticket", "issued", "called", "ended", "counter",
                                         "procedure", "staff", "visit", "outcome", "forms"])}  # fmt: skip

#: The planted values exactly as written in the hostile files (none may reach any output).
HOSTILE_PERSONAL_VALUES = (
    "１２３４ー５６７８ー９０１８", "1234−5678−9018", "1234‐5678‐9018", "1234―5678―9018",
    "1234.5678.9018", "1234 5678 9018", "１２３４５６７８９０１８", "1234　5678　9018",
    "０９０ー１２３４ー５６７８", "０３（１２３４）５６７８", "+81 90-1234-5678", "090.1234.5678",
    "９８７６－５４３２－１０００", "北見 花子",
)  # fmt: skip


def _set(row: str, column: str, value: str) -> str:
    cells = row.split(",")
    cells[COL[column]] = value
    return ",".join(cells)


def _csv(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _planted(name: str, column: str, value: str, row: int = 1) -> tuple[str, str]:
    rows = list(ROWS)
    rows[row] = _set(rows[row], column, value)
    return name, _csv(rows)


def _texts() -> list[tuple[str, str]]:
    """``(file name, UTF-8 text)`` of every hostile CSV made of text only."""
    files = [
        _planted("mn_katakana_dash_in_staff.csv", "staff", "１２３４ー５６７８ー９０１８"),
        _planted("mn_minus_sign_in_procedure.csv", "procedure", "1234−5678−9018"),
        _planted("mn_hyphen_in_counter.csv", "counter", "1234‐5678‐9018"),
        _planted("mn_bar_in_staff.csv", "staff", "1234―5678―9018"),
        _planted("mn_dots_in_procedure.csv", "procedure", "1234.5678.9018"),
        _planted("mn_spaces_in_staff.csv", "staff", "1234 5678 9018"),
        _planted("mn_fullwidth_in_procedure.csv", "procedure", "１２３４５６７８９０１８"),
        _planted("mn_ideographic_spaces_in_staff.csv", "staff", "1234　5678　9018"),
        _planted("mn_fullwidth_minus_in_counter.csv", "counter", "９８７６－５４３２－１０００"),
        _planted("phone_fullwidth_in_staff.csv", "staff", "０９０ー１２３４ー５６７８"),
        _planted(
            "phone_fullwidth_brackets_in_procedure.csv", "procedure", "０３（１２３４）５６７８"
        ),
        _planted("phone_plus81_in_staff.csv", "staff", "+81 90-1234-5678"),
        _planted("phone_dots_in_counter.csv", "counter", "090.1234.5678"),
        _planted("mn_in_issued_time.csv", "issued", "1234 5678 9018"),
        _planted("phone_in_outcome.csv", "outcome", "０９０ー１２３４ー５６７８"),
        _planted("mn_in_forms.csv", "forms", "１２３４ー５６７８ー９０１８"),
        _planted("mn_in_ticket.csv", "ticket", "1234−5678−9018"),
        ("headerless.csv", "\n".join(ROWS) + "\n"),
        (
            "headerless_with_name.csv",
            "\n".join(_set(r, "staff", "北見 花子") for r in ROWS) + "\n",
        ),
        (
            "quoted_multiline.csv",
            _csv(
                [
                    ROWS[0],
                    _set(ROWS[1], "procedure", '"転入\n(二行目)\n(三行目)"'),
                    ROWS[2],
                    _set(ROWS[3], "outcome", "保留"),
                    _set(ROWS[4], "outcome", "保留"),
                ]
            ),
        ),
        (
            "quoted_multiline_crlf.csv",
            _csv([_set(ROWS[0], "staff", '"S01\r\n補助"'), ROWS[1], _set(ROWS[2], "forms", "x")]),
        ),
        ("era_reiwa0.csv", _csv([ROWS[0], _set(ROWS[1], "date", "令和0年3月3日")])),
        ("era_reiwa1_before_start.csv", _csv([ROWS[0], _set(ROWS[1], "date", "令和元年4月30日")])),
        ("era_heisei31_after_end.csv", _csv([ROWS[0], _set(ROWS[1], "date", "平成31年5月1日")])),
        ("era_reiwa1_first_day.csv", _csv([ROWS[0], _set(ROWS[1], "date", "令和元年5月1日")])),
        ("era_showa64_after_end.csv", _csv([ROWS[0], _set(ROWS[1], "date", "昭和64年1月8日")])),
        ("era_r_abbreviation.csv", _csv([ROWS[0], _set(ROWS[1], "date", "R7.3.3")])),
        ("date_feb29_not_leap.csv", _csv([ROWS[0], _set(ROWS[1], "date", "2025/02/29")])),
        ("date_month13.csv", _csv([ROWS[0], _set(ROWS[1], "date", "2025/13/01")])),
        ("time_99.csv", _csv([ROWS[0], _set(ROWS[1], "issued", "99:99:99")])),
        ("id_zero_width_space.csv", _csv([ROWS[0], _set(ROWS[1], "counter", "A\u200b1")])),
        ("id_rtl_override.csv", _csv([ROWS[0], _set(ROWS[1], "staff", "S\u202e10")])),
        ("id_nul_byte.csv", _csv([ROWS[0], _set(ROWS[1], "ticket", "00\x0002")])),
        ("id_bell_control.csv", _csv([ROWS[0], _set(ROWS[1], "procedure", "ten\x07nyu")])),
        ("id_bom_inside.csv", _csv([ROWS[0], _set(ROWS[1], "counter", "A\ufeff2")])),
        ("id_fullwidth_duplicate.csv", _csv([*ROWS[:2], _set(ROWS[2], "ticket", "０００１")])),
        (
            "id_halfwidth_katakana.csv",
            _csv([_set(ROWS[0], "procedure", "ｺｾｷ"), _set(ROWS[1], "procedure", "コセキ")]),
        ),
        ("id_fullwidth_letters.csv", _csv([_set(ROWS[0], "counter", "Ａ１"), ROWS[1]])),
        ("id_spaces_around.csv", _csv([_set(ROWS[0], "counter", "  A1 "), ROWS[1]])),
        ("forms_int64_max.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "9223372036854775807")])),
        ("forms_huge.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "1" + "0" * 40)])),
        ("forms_1e309.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "1e309")])),
        ("forms_nan.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "NaN")])),
        ("forms_inf.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "inf")])),
        ("forms_fraction.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "1.5")])),
        ("forms_fullwidth.csv", _csv([ROWS[0], _set(ROWS[1], "forms", "２")])),
        (
            "formula_cells.csv",
            _csv(
                [
                    ROWS[0],
                    _set(ROWS[1], "staff", '"=HYPERLINK(""http://x.invalid"",""y"")"'),
                    _set(ROWS[2], "procedure", "@SUM(A1)"),
                    _set(ROWS[3], "counter", "+A1"),
                ]
            ),
        ),
        ("blank_lines_between.csv", _csv([ROWS[0], "", ",,,,,,,,,,", ROWS[1], "", ROWS[2]])),
        ("only_blank_lines.csv", "\n\n\n\r\n"),
        ("only_delimiters.csv", ",,,,\n,,,,\n"),
        ("duplicate_headers.csv", _csv(ROWS[:2], HEADER + ",備考,備考")),
        ("trailing_delimiter.csv", _csv([r + "," for r in ROWS[:3]], HEADER + ",")),
        ("quoted_delimiter.csv", _csv([_set(ROWS[0], "procedure", '"tennyu,juminhyo"'), ROWS[1]])),
        ("broken_quote.csv", _csv([ROWS[0], _set(ROWS[1], "procedure", '"tennyu'), ROWS[2]])),
        ("header_spaces_fullwidth.csv", _csv(ROWS[:2], HEADER.replace("受付番号", "　受付番号 "))),
        ("wide_header.csv", _csv(ROWS[:2], HEADER + "".join(f",c{i}" for i in range(5000)))),
        (
            "survey_fullwidth_mn.csv",
            "調査ID,段階,ペルソナ,ライフイベント,手順,場所,行動,所要分,困りごと\n"
            "J1,現状,家族,move_in,1,市民課,記入,5,個人番号１２３４ー５６７８ー９０１８を記入\n"
            "J1,現状,家族,move_in,2,市民課,待ち,9,電話０３（１２３４）５６７８に連絡\n",
        ),
    ]
    return files


def _bytes_files() -> list[tuple[str, bytes]]:
    """Files whose bytes are the point: line endings, encodings, renamed archives."""
    good = _csv(ROWS)
    utf8_head = _csv(ROWS[:2]).encode("utf-8")
    cp932_tail = (_set(ROWS[2], "staff", "職員３") + "\n").encode("cp932")
    zipped = _zip_bytes()
    return [
        ("cr_only.csv", good.replace("\n", "\r").encode("utf-8")),
        ("crlf.csv", good.replace("\n", "\r\n").encode("utf-8")),
        ("cr_only_cp932.csv", good.replace("\n", "\r").encode("cp932")),
        ("mixed_lf_crlf.csv", (_csv(ROWS[:2]) + ROWS[2] + "\r\n" + ROWS[3] + "\n").encode()),
        ("mixed_encoding.csv", utf8_head + cp932_tail),
        ("utf16_bom.csv", good.encode("utf-16")),
        ("utf16_no_bom.csv", good.encode("utf-16-le")),
        ("zip_renamed.csv", zipped),
        ("xlsx_renamed.csv", (Path(__file__).parent / "title_row.xlsx").read_bytes()),
        ("pdf_renamed.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        ("xls_renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
        ("gzip_renamed.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 64),
        ("binary_garbage.csv", bytes(range(256)) * 8),
        ("nul_padded.csv", good.encode("utf-8") + b"\x00" * 100),
        ("bom_twice.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + good.encode("utf-8")),
    ]


def _zip_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("log.csv", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, _csv(ROWS))
    return buffer.getvalue()


def _sheet_xml(rows: str, dimension: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def _inline_row(r: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{_col(j)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for j, v in enumerate(values)
    )
    return f'<row r="{r}">{cells}</row>'


def _col(j: int) -> str:
    name = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        name = chr(65 + rest) + name
    return name


def styled_sheet(path: Path, rows: int = 1_048_576) -> None:
    """A workbook whose sheet has the table and then ``rows`` styled empty rows (generated by
    the tests, too big to commit)."""
    header = HEADER.split(",")
    body = [r.split(",") for r in ROWS]
    table = "".join(_inline_row(i + 1, row) for i, row in enumerate([header, *body]))
    styled = "".join(f'<row r="{r}" s="1" customFormat="1"/>' for r in range(7, rows + 1))
    _workbook(path, _sheet_xml(table + styled, f"A1:K{rows}"))


def _workbook(path: Path, sheet_xml: str, sheet_name: str = "log") -> None:
    """A minimal valid .xlsx written by hand (fixed timestamps: reproducible bytes)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, text)


def _workbooks(here: Path) -> None:
    header = HEADER.split(",")
    body = [r.split(",") for r in ROWS]
    table = "".join(_inline_row(i + 1, row) for i, row in enumerate([header, *body]))
    _workbook(here / "xlsx_sheet_without_name.xlsx", _sheet_xml(table, "A1:K6"), sheet_name="")
    far = table + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    _workbook(here / "xlsx_cell_at_xfd1048576.xlsx", _sheet_xml(far, "A1:XFD1048576"))
    _workbook(here / "xlsx_lying_dimension.xlsx", _sheet_xml(table, "A1:XFD1048576"))


def _mappings(here: Path) -> None:
    deep = "[columns]\nticket_id = " + "[" * 100_000 + "]" * 100_000 + "\n"
    (here / "deep_array.map.toml").write_text(deep, encoding="utf-8")
    tables = "x = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n"
    (here / "deep_table.map.toml").write_text(tables, encoding="utf-8")
    (here / "not_toml.map.toml").write_text("[columns\nticket_id = \n", encoding="utf-8")
    (here / "binary.map.toml").write_bytes(b"\x00\xff\xfe" * 10)


#: The CSV every mapping case is read with (a plain good file).
MAPPED = "mapped_log.csv"


def write_hostile(here: Path, write: Callable[[str, str], None]) -> None:
    """Write every hostile corpus file into ``here`` (``write(name, text)`` writes UTF-8 text)."""
    for name, text in _texts():
        write(name, text)
    for name, data in _bytes_files():
        (here / name).write_bytes(data)
    write(MAPPED, _csv(ROWS))
    _workbooks(here)
    _mappings(here)
