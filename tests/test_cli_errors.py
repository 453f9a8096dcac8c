"""``madoguchi validate`` on user mistakes: one clear line on stderr and exit 2, never a traceback;
exit 1 when no row is accepted; exit 0 and a bilingual tally otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from madoguchi.cli import main

CORPUS = Path(__file__).parent / "corpus"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out.out, out.err


def test_missing_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.csv"
    code, out, err = run(["validate", str(missing)], capsys)
    assert code == 2 and out == ""
    assert err.strip() == f"error: {missing}: file not found — check the path"


def test_wrong_extension_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.pdf"
    path.write_text("x")
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 2
    assert err.strip() == (
        f"error: {path}: unsupported file type '.pdf'; accepted: .csv, .tsv, .txt, .xlsx, .xlsm, .parquet"
    )


def test_bad_kind_and_missing_map_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["validate", str(CORPUS / "utf8.csv"), "--kind", "tickets"], capsys)
    assert code == 2 and "--kind must be counter-log or survey" in err
    code, _, err = run(["validate", str(CORPUS / "utf8.csv"), "--map", "no/such.toml"], capsys)
    assert code == 2 and "mapping file not found" in err and err.count("\n") == 1


def test_missing_column_says_which_mapping_line_fixes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["validate", str(CORPUS / "missing_counter_column.csv")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert 'add to your map file: [columns] counter_id = "<your header>"' in err


def test_a_log_without_outcomes_is_validated_with_the_inference_rule_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["validate", str(CORPUS / "missing_column.csv")], capsys)
    assert code == 0
    assert "no call → abandoned; called but no end time → no_show" in out


def test_nothing_accepted_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", str(CORPUS / "header_only.csv")], capsys)
    assert code == 1
    assert "rows in / 読込行数:" in out and "no row accepted" in err


def test_report_lists_reasons_with_japanese_and_english_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    q = tmp_path / "q.csv"
    code, out, _ = run(
        ["validate", str(CORPUS / "row_failures.csv"), "--quarantine", str(q)], capsys
    )
    assert code == 0
    assert "accepted / 取込行数:                  3" in out
    assert "rejected / 除外行数:                  5" in out
    assert re.search(r"unknown_outcome +1  不明な状態 / unknown outcome", out)
    assert "reconciliation / 照合: ok" in out
    assert q.read_bytes().startswith(b"\xef\xbb\xbf")


def test_console_script_gives_no_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "madoguchi"
    done = subprocess.run(
        [str(exe), "validate", str(tmp_path / "x.xls")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "save it as .xlsx" in done.stderr


def test_help_lists_every_command_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from madoguchi.cli import COMMAND_MODULES

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    listed = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^  ([a-z]+)\s{2,}(.+)$", out.split("Commands:")[1], re.M)
    }
    assert set(COMMAND_MODULES) | {"sweep"} == set(listed)
    for name, line in listed.items():
        assert not line.endswith("..."), f"{name}: help cut short: {line}"


def test_version_prints_the_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    from madoguchi import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"madoguchi {__version__}"
