"""The bad-input corpus: every file in tests/corpus/EXPECTED.toml gives its expected outcome,
through the library and through ``madoguchi validate`` (exit 0 / 1 / 2, one-line errors)."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from journeys.errors import InputError
from journeys.quarantine import write_quarantine
from journeys.readers import read_file
from madoguchi.cli import main

CORPUS = Path(__file__).parent / "corpus"
_SPEC = importlib.util.spec_from_file_location("make_hostile", CORPUS / "make_hostile.py")
assert _SPEC is not None and _SPEC.loader is not None
_HOSTILE = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_HOSTILE)
HOSTILE_PERSONAL_VALUES: tuple[str, ...] = _HOSTILE.HOSTILE_PERSONAL_VALUES
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "EXPECTED.toml").read_text("utf-8"))["case"]
PERSONAL_VALUES = ("北見 花子", "キタミ ハナコ", "北見市北", "0157-23-", "1980/01/0", "123456789018",
                   "9876 5432 1000", "111122223333", "1234-5678-9018", "090-1234-5678", "調査 太郎",
                   "観察 次郎", *HOSTILE_PERSONAL_VALUES)  # fmt: skip


def test_corpus_is_big_enough() -> None:
    files = {c["file"] for c in CASES}
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix not in (".py", ".toml")}
    assert len(CASES) >= 90
    assert files - {"does_not_exist.csv"} <= on_disk  # every case has its file
    assert on_disk <= files  # every file has its case


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_case(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = CORPUS / case["file"]
    mapping = CORPUS / case["map"] if "map" in case else None
    kind = case.get("kind")
    args = ["validate", str(path), "--quarantine", str(tmp_path / "q.csv")]
    if mapping is not None:
        args += ["--map", str(mapping)]
    if kind:
        args += ["--kind", kind]

    if case["outcome"] == "input_error":
        with pytest.raises(InputError) as info:
            read_file(path, kind=kind, mapping=mapping)
        assert case["message"] in str(info.value)
        if "hint" in case:
            assert info.value.hint == case["hint"]
        assert info.value.row == case.get("row")
        assert not [v for v in PERSONAL_VALUES if v in str(info.value)]  # no cell value echoed
        with pytest.raises(SystemExit) as code:
            main(args)
        assert code.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and case["message"] in err and "Traceback" not in err
        assert not (tmp_path / "q.csv").exists()
        return

    result = read_file(path, kind=kind, mapping=mapping)
    assert result.rows_in == result.accepted.height + result.rejected.height
    assert (result.rows_in, result.accepted.height, result.rejected.height) == (
        case["rows_in"],
        case["accepted"],
        case["rejected"],
    )
    found = set(result.reasons().get_column("reason").to_list())
    assert found == set(case.get("reasons", []))
    if "rejected_rows" in case:
        assert result.rejected.get_column("source_row").to_list() == case["rejected_rows"]
    for note in case.get("notes", []):
        assert any(note in n for n in result.notes), (note, result.notes)
    assert list(result.dropped_columns) == case.get("dropped", [])

    with pytest.raises(SystemExit) as code:
        main(args)
    assert code.value.code == (0 if case["outcome"] == "ok" else 1)
    out = capsys.readouterr()
    assert f"{case['rows_in']:>10,}" in out.out
    quarantine = (tmp_path / "q.csv").read_bytes()
    assert quarantine.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    texts = [out.out, out.err, quarantine.decode("utf-8-sig"), " ".join(result.notes)]
    texts += [str(f.write_csv()) for f in (result.accepted, result.rejected)]
    for value in PERSONAL_VALUES:
        assert all(value not in t for t in texts), value


def test_quarantine_lists_reasons_in_japanese(tmp_path: Path) -> None:
    result = read_file(CORPUS / "row_failures.csv")
    out = write_quarantine(result, tmp_path / "sub" / "q.csv")
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns[:5] == ["source_row", "reason", "reason_ja", "column", "message"]
    row5 = frame.filter(pl.col("source_row") == "5").row(0, named=True)
    assert row5["reason"] == "negative_forms; ended_before_called"
    assert row5["reason_ja"] == "記入枚数が負・過大; 呼出より前に終了"
    assert row5["forms_written"] == "-2"


def test_long_field_is_cut_in_the_quarantine() -> None:
    result = read_file(CORPUS / "long_field.csv")
    value = result.rejected.get_column("counter_id")[0]
    assert len(value) == 201 and value.endswith("…")
    assert result.rejected.get_column("message")[0] == "counter_id has 100000 characters (limit 64)"
