"""The seeded sample generator: determinism, the committed files, and the CLI's user mistakes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from journeys.samplecity import (
    DEFAULT_SEED,
    GENERATED_FILES,
    MANIFEST_NAME,
    file_sha256,
    generate_sample,
    read_manifest,
)
from madoguchi.commands.sample import DEFAULT_SEED as CLI_DEFAULT_SEED
from madoguchi.commands.sample import check_sample


@pytest.fixture(scope="module")
def one_week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One week of the sample city with the default seed."""
    return generate_sample(tmp_path_factory.mktemp("week_a"), seed=DEFAULT_SEED, weeks=1)


def test_same_seed_gives_identical_bytes(one_week: dict[str, Path], tmp_path: Path) -> None:
    again = generate_sample(tmp_path, seed=DEFAULT_SEED, weeks=1)
    assert set(again) == {*GENERATED_FILES, MANIFEST_NAME}
    for name in GENERATED_FILES:
        assert file_sha256(again[name]) == file_sha256(one_week[name]), name
    assert again[MANIFEST_NAME].read_bytes() == one_week[MANIFEST_NAME].read_bytes()


def test_different_seed_gives_different_files(one_week: dict[str, Path], tmp_path: Path) -> None:
    other = generate_sample(tmp_path, seed=DEFAULT_SEED + 1, weeks=1)
    for name in GENERATED_FILES:
        assert file_sha256(other[name]) != file_sha256(one_week[name]), name


def test_manifest_lists_every_generated_file(one_week: dict[str, Path]) -> None:
    manifest = read_manifest(one_week[MANIFEST_NAME])
    assert sorted(manifest) == sorted(GENERATED_FILES)
    for name, digest in manifest.items():
        assert digest == file_sha256(one_week[name])


def test_committed_sample_matches_its_manifest() -> None:
    manifest = read_manifest(SAMPLE_DIR / MANIFEST_NAME)
    assert sorted(manifest) == sorted(GENERATED_FILES)
    for name, digest in manifest.items():
        assert file_sha256(SAMPLE_DIR / name) == digest, f"{name} was edited by hand"


def test_committed_sample_regenerates_from_the_default_seed() -> None:
    """The full regeneration (what ``madoguchi sample --check`` does) reproduces every byte."""
    assert CLI_DEFAULT_SEED == DEFAULT_SEED
    assert check_sample(SAMPLE_DIR, seed=DEFAULT_SEED) == []


def test_check_names_the_file_that_differs(one_week: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    for name, path in one_week.items():
        shutil.copy(path, folder / name)
    shutil.copy(SAMPLE_DIR / "study.toml", folder / "study.toml")
    assert check_sample(folder, seed=DEFAULT_SEED, weeks=1) == []
    with (folder / "ticket_export_as_is.csv").open("ab") as handle:
        handle.write(b"\r\n")
    assert check_sample(folder, seed=DEFAULT_SEED, weeks=1) == ["ticket_export_as_is.csv"]


def test_user_mistakes_are_input_errors(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="existing file"):
        generate_sample(a_file, seed=1, weeks=1)
    with pytest.raises(InputError, match="seed"):
        generate_sample(tmp_path / "out", seed=-1, weeks=1)
    with pytest.raises(InputError, match="not found"):
        generate_sample(tmp_path / "out", seed=1, weeks=1, study_path=tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["sample", "--seed", "-3"], 2),
        (["sample", "--out", "{file}"], 2),
        (["sample", "--weeks", "0"], 2),
        (["sample", "--check", "--out", "{missing}"], 2),
    ],
)
def test_cli_turns_mistakes_into_exit_2(tmp_path: Path, args: list[str], code: int) -> None:
    from madoguchi.cli import main

    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main([a.format(file=a_file, missing=tmp_path / "none") for a in args])
    assert exc.value.code == code


def test_cli_check_exits_1_when_files_differ(tmp_path: Path) -> None:
    from madoguchi.cli import main

    folder = tmp_path / "sample"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "study.toml", folder / "study.toml")
    (folder / MANIFEST_NAME).write_text(
        "".join(f"{'0' * 64}  {name}\n" for name in GENERATED_FILES), encoding="utf-8"
    )
    with pytest.raises(SystemExit) as exc:
        main(["sample", "--check", "--out", str(folder), "--seed", "0", "--weeks", "1"])
    assert exc.value.code == 1
