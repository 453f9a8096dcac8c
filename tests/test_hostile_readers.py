"""Hostile inputs too big or too stateful for the corpus: a sheet styled down to its last row,
a re-imported quarantine, study and mapping files nested 100,000 levels deep."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

from journeys.errors import InputError
from journeys.quarantine import write_quarantine
from journeys.readers import read_counter_log
from journeys.safe_toml import MAX_TOML_DEPTH, loads_toml, nesting_depth
from simulation.model import load_study

CORPUS = Path(__file__).parent / "corpus"


def _hostile() -> object:
    spec = importlib.util.spec_from_file_location("make_hostile", CORPUS / "make_hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_sheet_styled_down_to_row_1048576_reads_its_five_rows(tmp_path: Path) -> None:
    path = tmp_path / "styled.xlsx"
    _hostile().styled_sheet(path)  # type: ignore[attr-defined]
    result = read_counter_log(path)
    assert (result.rows_in, result.accepted.height) == (5, 5)
    assert result.accepted["ticket_id"].to_list() == ["0001", "0002", "0003", "0004", "0005"]


def test_a_reimported_quarantine_keeps_its_visit_pseudonyms(tmp_path: Path) -> None:
    first = read_counter_log(CORPUS / "row_failures.csv", salt="s")
    quarantine = write_quarantine(first, tmp_path / "q.csv")
    fixed = pl.read_csv(quarantine, infer_schema=False).drop("reason", "reason_ja", "column",
                                                             "message", "source_row")  # fmt: skip
    again = read_counter_log(_write(fixed, tmp_path / "fixed.csv"), salt="s")
    before = set(first.rejected["visit_id"].drop_nulls().to_list())
    after = set(again.accepted["visit_id"].to_list()) | set(
        again.rejected["visit_id"].drop_nulls().to_list()
    )
    assert before and after == before  # kept, not hashed a second time
    assert all(v.startswith("v_") for v in after)


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path)
    return path


def test_nesting_is_measured_outside_strings_and_comments() -> None:
    assert nesting_depth('a = "[[[[" # {{{{\nb = [[1], {c = 2}]\n[t]\n') == 2
    assert nesting_depth("a = '''[[[\n'''\nb = \"\\\"[\"\n") == 0
    with pytest.raises(InputError, match=f"limit {MAX_TOML_DEPTH}"):
        loads_toml("x = " + "[" * 33 + "]" * 33, source="m.toml")
    assert loads_toml("x = " + "[" * 31 + "]" * 31, source="m.toml")["x"]


@pytest.mark.parametrize("body", ["x = " + "[" * 100_000 + "]" * 100_000,
                                  "x = " + "{a = " * 100_000 + "1" + "}" * 100_000])  # fmt: skip
def test_a_study_nested_100000_deep_is_one_clear_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(body + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="nested 100,000 levels deep"):
        load_study(path)
