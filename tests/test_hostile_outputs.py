"""No command ever writes onto one of its inputs, into ``/``, into someone else's folder, or
leaves a half-written output that looks complete (:mod:`madoguchi.outputs`)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from madoguchi.cli import main
from madoguchi.outputs import (
    INCOMPLETE_NAME,
    MANIFEST_NAME,
    check_output,
    output_file,
    output_folder,
)


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Small copies of the sample's inputs (a 300-ticket log) in their own folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    log = pl.read_parquet(SAMPLE_DIR / "counter_log_as_is.parquet").head(300)
    log.write_parquet(folder / "log.parquet")
    shutil.copy(SAMPLE_DIR / "survey.parquet", folder / "survey.parquet")
    shutil.copy(SAMPLE_DIR / "study.toml", folder / "study.toml")
    shutil.copy(SAMPLE_DIR / "floors.xlsx", folder / "floors.xlsx")
    (folder / "map.toml").write_text('[columns]\nticket_id = "ticket_id"\n', encoding="utf-8")
    (folder / "page.html").write_text("<p>an input named like an output</p>", encoding="utf-8")
    return {
        "log": folder / "log.parquet",
        "survey": folder / "survey.parquet",
        "study": folder / "study.toml",
        "floors": folder / "floors.xlsx",
        "map": folder / "map.toml",
        "html": folder / "page.html",
        "folder": folder,
    }


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


#: (command with placeholders {log} {survey} {study} {map} {html} {folder}, the flag aimed at
#: an input). Each must refuse with exit 2 before any work and leave every input as it was.
OVER_INPUTS = [
    "validate {log} --quarantine {log}",
    "validate {log} --map {map} --quarantine {map}",
    "analyze --log {log} --out {log}",
    "analyze --log {log} --out {folder}",
    "analyze --log {log} --survey {survey} --out {survey}",
    "analyze --log {log} --map {map} --out {map}",
    "analyze --log {log} --study {study} --out {study}",
    "simulate {study} --out {study} --replications 1 --days 1",
    "simulate {study} --out {folder} --replications 1 --days 1",
    "simulate {study} --out {floors} --replications 1 --days 1",
    "sweep {study} --param x --values 1 --out {study}",
    "sweep {study} --param x --values 1 --out {folder}",
    "calibrate {log} --study {study} --out {log}",
    "calibrate {log} --study {study} --out {study}",
    "calibrate {log} --study {study} --survey {survey} --out {survey}",
    "calibrate {log} --study {study} --out {folder}/new.toml --fit-table {log}",
    "calibrate {log} --study {study} --survey {survey} --out {folder}/x.toml --fit-table {survey}",
    "plan {study} --date 2025-03-31 --out {study}",
    "plan {study} --date 2025-03-31 --out {folder}/p.toml --table {study}",
    "report --study {study} --observed-as-is {html} --out {html}",
    "checklist --life-event move_in --study {study} --out {folder}",
    "forecast --log {log} --study {study} --from 2025-04-01 --to 2025-04-02 --out {study}",
    "forecast --log {log} --study {study} --from 2025-04-01 --to 2025-04-02 --out {folder}/c.html --csv {log}",
    "forecast --log {log} --study {study} --backtest --csv {study}",
    "analyze --log {log} --out /",
    "simulate {study} --out / --replications 1 --days 1",
    "sample --out /",
]


@pytest.mark.parametrize("command", OVER_INPUTS)
def test_a_command_never_writes_onto_its_inputs(
    command: str, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(inputs["folder"])
    args = command.format(**{k: str(v) for k, v in inputs.items()}).split()
    with pytest.raises(SystemExit) as code:
        main(args)
    err = capsys.readouterr().err.strip()
    assert code.value.code == 2, err
    assert err.count("\n") == 0 and "Traceback" not in err
    assert any(
        words in err
        for words in ("is the input file itself", "holds the input", "root", "existing folder",
                      "not empty and was not written by madoguchi")
    ), err  # fmt: skip
    assert _digest(inputs["folder"]) == before  # every input byte for byte
    assert not (inputs["folder"] / MANIFEST_NAME).exists()


def test_an_existing_file_as_out_folder_and_a_foreign_folder_are_refused(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some_file = tmp_path / "notes.txt"
    some_file.write_text("mine", encoding="utf-8")
    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "budget.xlsx").write_bytes(b"not ours")
    for out, words in ((some_file, "existing file, not a folder"), (foreign, "not empty")):
        with pytest.raises(SystemExit) as code:
            main(["analyze", "--log", str(inputs["log"]), "--out", str(out)])
        assert code.value.code == 2
        assert words in capsys.readouterr().err
    assert some_file.read_text("utf-8") == "mine" and (foreign / "budget.xlsx").read_bytes() == (
        b"not ours"
    )


def test_analyze_twice_into_its_own_folder_replaces_its_files_and_writes_the_manifest_last(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    main_ok(["analyze", "--log", str(inputs["log"]), "--out", str(out), "--scenario", "as_is"])
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["complete"] is True and manifest["command"] == "analyze"
    assert manifest["rows"] == {"accepted": 300, "rejected": 0, "rows_in": 300}
    log_hash = hashlib.sha256(inputs["log"].read_bytes()).hexdigest()
    assert manifest["inputs"][0]["sha256"] == log_hash
    listed = {f["name"] for f in manifest["files"]}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert on_disk == listed | {MANIFEST_NAME}  # nothing else, no staging folder left
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["name"]).read_bytes()).hexdigest() == f["sha256"]
    first = (out / MANIFEST_NAME).read_bytes()
    main_ok(["analyze", "--log", str(inputs["log"]), "--out", str(out), "--scenario", "as_is"])
    assert (out / MANIFEST_NAME).read_bytes() == first  # same inputs → same bytes
    with pytest.raises(SystemExit) as code:  # an output of the folder as the next input
        main(["analyze", "--log", str(out / "accepted.parquet"), "--out", str(out)])
    assert code.value.code == 2


def main_ok(args: list[str]) -> None:
    """Run a command that must succeed (exit 0 or no exit at all)."""
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code


def test_an_interrupted_folder_keeps_its_old_files_and_no_new_half(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out, [], command="test") as box:
        box.path("a.csv").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), output_folder(out, [], command="test") as box:
        box.path("a.csv").write_text("new, half", encoding="utf-8")
        raise KeyboardInterrupt
    assert (out / "a.csv").read_text("utf-8") == "old"
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST_NAME]
    # a user mistake half way: what was written is kept, marked incomplete
    with pytest.raises(InputError), output_folder(out, [], command="test") as box:
        box.path("rejected.csv").write_text("reasons", encoding="utf-8")
        raise InputError("no ticket accepted")
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["complete"] is False and [f["name"] for f in manifest["files"]] == [
        "rejected.csv"
    ]
    assert not (out / "a.csv").exists() and not (out / INCOMPLETE_NAME).exists()


def test_a_single_file_is_renamed_into_place_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "study.toml"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), output_file(target) as partial:
        partial.write_text("half", encoding="utf-8")
        raise RuntimeError("crash")
    assert target.read_text("utf-8") == "old" and sorted(tmp_path.iterdir()) == [target]
    with output_file(target) as partial:
        assert partial.suffix == ".toml" and partial != target
        partial.write_text("new", encoding="utf-8")
    assert target.read_text("utf-8") == "new"


def test_links_to_an_input_are_the_input(tmp_path: Path) -> None:
    raw = tmp_path / "raw.csv"
    raw.write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "soft.csv").symlink_to(raw)
    (tmp_path / "hard.csv").hardlink_to(raw)
    for alias in ("soft.csv", "hard.csv", "./raw.csv", "sub/../raw.csv"):
        with pytest.raises(InputError, match="input file itself"):
            check_output(tmp_path / alias, [raw], folder=False)


@pytest.mark.skipif(
    __import__("os").geteuid() == 0, reason="root may write into a read-only folder"
)
def test_a_read_only_folder_is_one_clear_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="cannot write here"), output_file(locked / "x.csv"):
            pass
    finally:
        locked.chmod(0o700)


def test_a_full_disk_is_one_clear_line(tmp_path: Path) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError) as info, output_file(tmp_path / "x.csv") as partial:
        full(partial)
    assert "cannot write here (No space left on device)" in str(info.value)
    assert sorted(tmp_path.iterdir()) == []
