"""Privacy on read: My Number check digit, masking, salted pseudonyms, personal-column
detection, and a property test — for generated logs with bad rows and personal columns the
reconciliation holds and no personal value reaches any output (frames, quarantine, notes, CLI)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.privacy import (
    DEFAULT_SALT,
    find_personal_columns,
    is_personal_header,
    is_valid_my_number,
    mask_text,
    my_number_check_digit,
    pseudonymise,
    resolve_salt,
    siphash24,
)
from journeys.quarantine import write_quarantine
from journeys.readers import read_counter_log, read_survey
from madoguchi.cli import main


def test_my_number_check_digit_worked_example() -> None:
    # 12345678901: p1..p11 from the right = 1,0,9,8,7,6,5,4,3,2,1; q = 2,3,4,5,6,7,2,3,4,5,6
    # Σ = 2+0+36+40+42+42+10+12+12+10+6 = 212; 212 mod 11 = 3; check = 11 − 3 = 8
    assert my_number_check_digit("12345678901") == 8
    assert is_valid_my_number("123456789018")
    assert is_valid_my_number("1234-5678-9018") and is_valid_my_number("1234 5678 9018")
    assert not is_valid_my_number("123456789017")
    # r ≤ 1 gives 0: 00000000000 → Σ = 0
    assert my_number_check_digit("00000000000") == 0


def test_masking_free_text() -> None:
    text = (
        "番号1234-5678-9018、電話090-1234-5678、(0157)23-4567、受付12:30、2025/03/03、123456789017"
    )
    masked = mask_text(text)
    assert (
        masked == "番号[個人番号]、電話[電話番号]、[電話番号]、受付12:30、2025/03/03、123456789017"
    )
    assert mask_text("ＭＮ１２３４５６７８９０１８") == "ＭＮ[個人番号]"  # the rest kept as written


@pytest.mark.parametrize(
    "written",
    [
        "1234-5678-9018", "1234ー5678ー9018", "1234−5678−9018", "1234‐5678‐9018",
        "1234―5678―9018", "1234.5678.9018", "1234 5678 9018", "1234　5678　9018",
        "１２３４５６７８９０１８", "１２３４ー５６７８ー９０１８", "１２３４－５６７８－９０１８",
        "1234 - 5678 - 9018", "1234・5678・9018", "1234–5678–9018",
    ],
)  # fmt: skip
def test_my_numbers_with_any_separator_or_width_are_masked(written: str) -> None:
    assert is_valid_my_number(written)
    assert mask_text(f"番号{written}です") == "番号[個人番号]です"
    assert mask_text(f"番号{written[:-1]}7です") == f"番号{written[:-1]}7です"  # bad check digit


@pytest.mark.parametrize(
    "written",
    [
        "090-1234-5678", "０９０ー１２３４ー５６７８", "０９０－１２３４－５６７８",
        "０３（１２３４）５６７８", "03(1234)5678", "(0157)23-4567", "０１５７　２３　４５６７",
        "+81 90-1234-5678", "＋８１ー９０ー１２３４ー５６７８", "09012345678", "090.1234.5678",
    ],
)  # fmt: skip
def test_phone_numbers_with_any_separator_or_width_are_masked(written: str) -> None:
    assert mask_text(f"連絡先{written}まで") == "連絡先[電話番号]まで"


def test_siphash_reference_vector_and_pseudonyms() -> None:
    key = bytes(range(16))
    # SipHash-2-4 reference vectors (Aumasson & Bernstein): empty message, 15 bytes 00..0e
    got = siphash24([b"", bytes(range(15))], key)
    assert [int(x) for x in got] == [0x726FDB47DD0E0E31, 0xA129CA6149BE45E5]
    s = pl.Series("visit_id", ["V1", " V1", None, "V2"])
    a = pseudonymise(s, "salt-a").to_list()
    assert a[0] == a[1] and a[2] is None and a[0] != a[3] and re.fullmatch(r"v_[0-9a-f]{16}", a[0])
    assert pseudonymise(s, "salt-b").to_list()[0] != a[0]
    long = pl.Series(["x" * n for n in range(0, 40)])
    assert pseudonymise(long, "k").n_unique() == 40  # every block-length bucket hashed


def test_a_pseudonym_read_again_is_kept_so_a_visit_is_not_split() -> None:
    first = pseudonymise(pl.Series(["V1", "V2", "V1"]), "salt-a")
    mixed = pl.Series([first[0], " " + first[1], "V1", None, "v_0123"])
    again = pseudonymise(mixed, "salt-a").to_list()
    assert again[:3] == [first[0], first[1], first[0]]  # kept, and equal to a fresh hash
    assert again[3] is None and again[4] != "v_0123" and again[4].startswith("v_")
    assert not any(v.isdigit() or v[0] == "e" for v in again if v)


def test_salt_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MADOGUCHI_SALT", raising=False)
    assert resolve_salt() == DEFAULT_SALT
    monkeypatch.setenv("MADOGUCHI_SALT", "from-env")
    assert resolve_salt() == "from-env"
    assert resolve_salt("arg") == "arg"


def test_personal_columns_by_header_and_by_content() -> None:
    assert (
        is_personal_header("氏名")
        and is_personal_header("調査員氏名")
        and is_personal_header("Phone No")
    )
    assert not is_personal_header("窓口名") and not is_personal_header("業務名")
    frame = pl.DataFrame(
        {
            "メモ": ["123456789018", "987654321000", "111122223333", "x"],
            "連絡": ["090-1234-5678", "0157-23-4567", "03 1234 5678", None],
            "ticket": ["202503030001", "202503030002", "202503030003", "202503030004"],
            "氏名住所記入回数": ["1", "2", "0", "1"],
        }
    )
    found = find_personal_columns(frame, protected={"氏名住所記入回数"})
    assert set(found) == {"メモ", "連絡"}


# --- property test -------------------------------------------------------------------------

NAMES = st.text(alphabet="山田北見鈴木佐藤花子太郎一郎美咲", min_size=3, max_size=6)
FAILURES = ("none", "bad_time", "called_before", "unknown_outcome", "negative_forms", "duplicate")


def my_number(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[str], set[int]]:
    n = draw(st.integers(1, 25))
    rows: list[dict[str, str]] = []
    personal: list[str] = []
    bad: set[int] = set()
    for i in range(n):
        failure = draw(st.sampled_from(FAILURES)) if i else "none"
        start = dt.datetime(2025, 3, 3, 8, 30) + dt.timedelta(minutes=7 * i)
        row = {
            "受付日": "2025/03/03",
            "受付番号": f"T{i:04d}",
            "発券時刻": start.strftime("%H:%M:%S"),
            "呼出時刻": (start + dt.timedelta(minutes=5)).strftime("%H:%M:%S"),
            "終了時刻": (start + dt.timedelta(minutes=15)).strftime("%H:%M:%S"),
            "窓口": "A1",
            "業務コード": "tennyu",
            "来庁者番号": f"R{draw(st.integers(0, 5)):03d}",
            "状態": "完了",
            "記入枚数": "1",
        }
        if failure == "bad_time":
            row["呼出時刻"] = "25:61"
        elif failure == "called_before":
            row["呼出時刻"] = (start - dt.timedelta(minutes=5)).strftime("%H:%M:%S")
        elif failure == "unknown_outcome":
            row["状態"] = "保留中"
        elif failure == "negative_forms":
            row["記入枚数"] = "-1"
        elif failure == "duplicate":
            row["受付番号"] = rows[draw(st.integers(0, i - 1))]["受付番号"]
        if failure != "none":
            bad.add(i)
        name = draw(NAMES) + f"{i}号"
        phone = f"090-{draw(st.integers(1000, 9999))}-{draw(st.integers(1000, 9999))}"
        number = my_number(f"{draw(st.integers(10**10, 10**11 - 1)):011d}")
        row |= {"氏名": name, "電話番号": phone, "個人番号": number, "住所": f"北見市{name}"}
        personal += [name, phone, number]
        rows.append(row)
    return rows, personal, bad


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=logs(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
def test_reconciliation_and_no_personal_value_anywhere(
    data: tuple[list[dict[str, str]], list[str], set[int]],
    encoding: str,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows, personal, bad = data
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "log.csv"
    pl.DataFrame(rows).write_csv(path)
    path.write_bytes(path.read_text("utf-8").encode(encoding))
    result = read_counter_log(path, salt="prop")
    assert result.rows_in == len(rows) == result.accepted.height + result.rejected.height
    assert set(result.rejected["source_row"].to_list()) == {i + 2 for i in bad}  # header = line 1
    assert set(result.dropped_columns) == {"氏名", "電話番号", "個人番号", "住所"}
    quarantine = write_quarantine(result, folder / "q.csv").read_text("utf-8-sig")
    with pytest.raises(SystemExit):
        main(["validate", str(path), "--quarantine", str(folder / "q2.csv")])
    out = capsys.readouterr()
    texts = [
        result.accepted.write_csv(),
        result.rejected.write_csv(),
        quarantine,
        (folder / "q2.csv").read_text("utf-8-sig"),
        "\n".join(result.notes),
        out.out,
        out.err,
    ]
    raw_keys = {r["来庁者番号"] for r in rows}
    for text in texts:
        for value in personal:
            assert value not in text
        for key in raw_keys:  # visit keys only as pseudonyms
            assert f",{key}," not in text


def test_survey_free_text_is_masked_and_observer_dropped(tmp_path: Path) -> None:
    number = my_number("87654321098")
    header = "調査ID,段階,ペルソナ,ライフイベント,手順,場所,行動,所要分,困りごと,調査員氏名"
    line = f"J1,現状,家族,move_in,1,市民課,記入,5,個人番号{number[:4]}-{number[4:8]}-{number[8:]}を記入,観察 三郎"
    path = tmp_path / "s.csv"
    path.write_text(header + "\n" + line + "\n", encoding="utf-8")
    result = read_survey(path)
    assert result.accepted["pain_point"].to_list() == ["個人番号[個人番号]を記入"]
    assert result.dropped_columns == ("調査員氏名",)
    assert "観察 三郎" not in result.accepted.write_csv()


def test_default_salt_documented_as_not_secret() -> None:
    assert "not-secret" in DEFAULT_SALT and "MADOGUCHI_SALT" in DEFAULT_SALT
