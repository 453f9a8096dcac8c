"""Study and upload limits (simulation/limits.py, docs/study-format.md "Limits"): each tested at
the limit and one past it; absurd numbers, stray grid cells and paths outside the upload are
one clear line, never a MemoryError, an OverflowError or a NaN KPI."""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from dashboards.data import check_uploaded_study
from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from simulation import limits as L
from simulation.checks import check_study
from simulation.floorplan import read_grid_sheet
from simulation.model import Study, load_study
from simulation.study_io import study_to_toml


@pytest.fixture(scope="module")
def sample() -> Study:
    return load_study(SAMPLE_DIR / "study.toml")


def _problems(study: Study) -> list[str]:
    return [str(p) for p in check_study(study, study_dir=SAMPLE_DIR)]


def _set_residents(s: Study, v: float) -> None:
    s.arrivals.residents_per_day = v


def _set_staff(s: Study, v: float) -> None:
    s.scenarios[0].counters[0].staff = int(v)
    s.scenarios[0].counters[0].shifts[0].staff = int(v)


def _set_forms(s: Study, v: float) -> None:
    s.procedures[0].forms = int(v)


def _set_x(s: Study, v: float) -> None:
    s.scenarios[0].counters[0].x = v


def _set_patience(s: Study, v: float) -> None:
    s.scenarios[0].behaviour.patience_mean_min = v


BOUNDED: list[tuple[str, Callable[[Study, float], None], float, float, str]] = [
    ("residents_per_day", _set_residents, L.MAX_RESIDENTS_PER_DAY, 1, "arrivals.residents_per_day"),
    ("staff", _set_staff, L.MAX_STAFF, 1, "scenarios[1].counters[1].staff"),
    ("forms", _set_forms, L.MAX_FORMS, 1, "procedures[1].forms"),
    ("x", _set_x, L.MAX_COORDINATE_M, 0.5, "scenarios[1].counters[1].x"),
    ("patience", _set_patience, L.MAX_MINUTES, 0.5, "scenarios[1].behaviour.patience_mean_min"),
]


@pytest.mark.parametrize(("name", "setter", "limit", "step", "place"), BOUNDED,
                         ids=[b[0] for b in BOUNDED])  # fmt: skip
def test_each_number_at_its_limit_passes_and_one_past_it_is_refused(
    sample: Study,
    name: str,
    setter: Callable[[Study, float], None],
    limit: float,
    step: float,
    place: str,
) -> None:
    at = sample.model_copy(deep=True)
    setter(at, limit)
    assert not [p for p in _problems(at) if p.startswith(place + ":")]
    past = sample.model_copy(deep=True)
    setter(past, limit + step)
    found = [p for p in _problems(past) if p.startswith(place + ":")]
    assert len(found) == 1 and "Limits in docs/study-format.md" in found[0], found


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.nan, "nan"), (1e309, "inf"), (-math.inf, "-inf"), (9223372036854775807, "9.22337e+18")],
)
def test_absurd_numbers_are_one_line_each(sample: Study, value: float, shown: str) -> None:
    study = sample.model_copy(deep=True)
    study.scenarios[0].counters[1].x = value
    study.procedures[1].forms = 9223372036854775807
    fm = next(s.floor_manager for s in study.scenarios if s.floor_manager is not None)
    fm.triage_min = math.inf
    problems = _problems(study)
    assert any(p.startswith("scenarios[1].counters[2].x: " + shown) for p in problems), problems
    assert any(
        p.startswith("procedures[2].forms: 9,223,372,036,854,775,807 is not") for p in problems
    )
    assert any("triage_min: inf is not a number between 0 and 1,440 minutes" in p for p in problems)


def test_too_many_counters_stop_the_check_at_once(sample: Study) -> None:
    study = sample.model_copy(deep=True)
    one = study.scenarios[0].counters[0]
    study.scenarios[0].counters = [
        one.model_copy(update={"id": f"C{i}"}) for i in range(L.MAX_COUNTERS)
    ]
    assert not [p for p in _problems(study) if "counters:" in p and "limit" in p]
    study.scenarios[0].counters.append(one.model_copy(update={"id": "C-extra"}))
    assert _problems(study) == [
        f"scenarios[1].counters: {L.MAX_COUNTERS + 1:,} counters: more than the limit of "
        f"{L.MAX_COUNTERS:,} — see Limits in docs/study-format.md"
    ]


def _grid(path: Path, rows: int, cols: int, far: str | None = None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "as_is_1F"
    ws["A1"] = "cell_m=0.5"
    ws.cell(row=rows, column=cols, value="#")
    if far:
        ws[far] = "#"
    book.save(path)
    return path


def test_a_grid_at_the_cell_limit_reads_and_one_row_more_is_refused(tmp_path: Path) -> None:
    side = math.isqrt(L.MAX_GRID_CELLS)
    grid = read_grid_sheet(_grid(tmp_path / "at.xlsx", side, side), "as_is_1F")
    assert grid.walls.shape == (side, side) and int(grid.walls.sum()) == 1
    with pytest.raises(InputError, match=f"{side + 1:,} rows × {side:,} columns"):
        read_grid_sheet(_grid(tmp_path / "past.xlsx", side + 1, side), "as_is_1F")


def test_one_stray_cell_at_all1000_is_refused_by_its_used_range(tmp_path: Path) -> None:
    path = _grid(tmp_path / "stray.xlsx", 20, 20, far="ALL1000")
    assert path.stat().st_size < 20_000
    with pytest.raises(InputError) as info:
        read_grid_sheet(path, "as_is_1F")
    assert "1,000 rows × 1,000 columns = 1,000,000 cells (limit 30,000 per floor)" in str(
        info.value
    )
    assert "as_is_1F!ALL1000" in str(info.value)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_an_upload_never_reaches_outside_its_own_folder(sample: Study) -> None:
    text = study_to_toml(sample).replace('"floors.xlsx#', '"/etc/floors.xlsx#')
    check = check_uploaded_study("study.toml", text.encode("utf-8"), lang="en")
    assert check.study is None and check.errors
    assert not any("/etc" in e and "exists" in e for e in check.errors)
    outside = study_to_toml(sample).replace('"floors.xlsx#', '"../../floors.xlsx#')
    check = check_uploaded_study("study.toml", outside.encode("utf-8"))
    assert check.study is None and check.errors


def test_an_upload_past_a_limit_and_a_grid_that_is_no_workbook_are_lines(sample: Study) -> None:
    toml = study_to_toml(sample).replace("residents_per_day = 650.0", "residents_per_day = 1e12")
    check = check_uploaded_study("study.toml", toml.encode("utf-8"), lang="en")
    assert check.study is None
    assert any("1e+12 is not a number between 0 and 50,000" in e for e in check.errors), (
        check.errors
    )
    japanese = check_uploaded_study("study.toml", toml.encode("utf-8"), lang="ja")
    assert any("0 から 50,000 人/日の間の数ではありません" in e for e in japanese.errors)
    bundle = _zip({"study.toml": study_to_toml(sample).encode("utf-8"),
                   "floors.xlsx": b"this is not a workbook"})  # fmt: skip
    check = check_uploaded_study("bundle.zip", bundle)
    assert check.study is None and check.errors
    deep = ("x = " + "[" * 100_000 + "]" * 100_000 + "\n").encode("utf-8")
    check = check_uploaded_study("deep.toml", deep, lang="en")
    assert check.study is None and any("nested 100,000 levels deep" in e for e in check.errors)
    japanese = check_uploaded_study("deep.toml", deep, lang="ja")
    assert any("入れ子が深すぎます（100,000 段）" in e for e in japanese.errors)


def test_an_upload_lands_in_the_session_folder_which_goes_with_the_session(
    sample: Study,
) -> None:
    import gc

    from dashboards.session import SessionFolder

    box = SessionFolder()
    folder = box.path
    bundle = _zip({"study.toml": study_to_toml(sample).encode("utf-8"),
                   "floors.xlsx": (SAMPLE_DIR / "floors.xlsx").read_bytes()})  # fmt: skip
    check = check_uploaded_study("bundle.zip", bundle, folder=folder)
    assert check.path is not None and folder in check.path.parents
    del box, check
    gc.collect()
    assert not folder.exists()
