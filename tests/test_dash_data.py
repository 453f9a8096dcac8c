"""Data layer of the dashboards: verdict sentences, caching, uploads, the lab's study edits,
staff hours and the life-event checklist."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dashboards import data as D
from dashboards import results as R
from dashboards.checklist import checklist_html, checklist_items
from journeys.paths import SAMPLE_DIR

STUDY = SAMPLE_DIR / "study.toml"
needs_study = pytest.mark.skipif(
    not STUDY.exists(), reason="data/sample/study.toml not generated yet"
)


def comparison() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "kpi": ["counters_per_visit_mean", "wait_min_mean", "time_in_hall_min_mean"],
            "baseline": [2.1, 30.0, 60.0],
            "alternative": [1.2, 31.0, 45.0],
            "difference": [-0.9, 1.0, -15.0],
            "ci_low": [-1.0, -2.0, -17.0],
            "ci_high": [-0.8, 4.0, -13.0],
        }
    )


def test_verdict_japanese_and_english() -> None:
    ja = D.verdict(comparison(), lang="ja")
    assert ja.startswith(
        "改革後、1来庁あたりの窓口数は2.10か所→1.20か所（95%CI -1.00か所〜-0.80か所）に減り、"
    )
    assert "平均待ち時間は30.0分→31.0分" in ja and "はっきりした差はなく" in ja
    assert ja.endswith("に減りました。")
    en = D.verdict(comparison(), lang="en", subject="simulated")
    assert en.startswith(
        "The simulation says that after the reform, counters per visit fell from 2.10"
    )
    assert "mean wait did not change clearly" in en
    assert D.verdict(comparison().head(0), lang="en") == "No data to show"


def test_cache_reuses_on_same_key_only() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    key = ("test-cache", 1)
    assert D.cached(key, compute) == 1
    assert D.is_cached(key)
    assert D.cached(key, compute) == 1
    assert D.cached(("test-cache", 2), compute) == 2
    assert len(calls) == 2


def test_file_digest_changes_with_content(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("one")
    first = D.file_digest(f)
    f.write_text("two")
    assert D.file_digest(f) != first


def test_frame_digest_is_content_based() -> None:
    a = pl.DataFrame({"x": [1, 2, 3]})
    assert R.frame_digest(a) == R.frame_digest(pl.DataFrame({"x": [1, 2, 3]}))
    assert R.frame_digest(a) != R.frame_digest(pl.DataFrame({"x": [1, 2, 4]}))


def test_staff_hours_are_paired_t_intervals() -> None:
    rows = []
    hours = {"as_is": [10.0, 12.0, 11.0], "reform": [8.0, 9.0, 9.5]}
    for scenario, values in hours.items():
        for rep, h in enumerate(values):
            # split each replication's hours over serve / back office, plus lunch (not work)
            rows += [
                (scenario, rep, "serve", h * 60 * 0.75),
                (scenario, rep, "back_office", h * 60 * 0.25),
                (scenario, rep, "lunch", 60.0),
            ]
    log = pl.DataFrame(
        rows, schema=["scenario", "replication", "activity", "minutes"], orient="row"
    )
    summary, comp = R.staff_hours_tables(log)
    as_is = summary.filter(pl.col("scenario") == "as_is").row(0, named=True)
    assert as_is["mean"] == pytest.approx(11.0)
    from scipy import stats

    diffs = np.array(hours["reform"]) - np.array(hours["as_is"])
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / math.sqrt(3)
    row = comp.row(0, named=True)
    assert row["difference"] == pytest.approx(diffs.mean())
    assert row["ci_low"] == pytest.approx(diffs.mean() - half)
    assert row["ci_high"] == pytest.approx(diffs.mean() + half)


@needs_study
def test_upload_rejects_a_broken_study_with_its_message() -> None:
    text = STUDY.read_text(encoding="utf-8").replace("residents_per_day", "residents_per_dya", 1)
    check = D.check_uploaded_study("broken.toml", text.encode("utf-8"), lang="en")
    assert check.study is None
    assert any("residents_per_dya" in e for e in check.errors)
    too_big = D.check_uploaded_study("big.toml", b"x" * 10, max_mb=1e-6, lang="en")
    assert too_big.errors == ("The file is too large (limit 1e-06 MB).",)
    # the sample walks on grid paper: the TOML alone cannot find floors.xlsx, and says so
    alone = D.check_uploaded_study("study.toml", STUDY.read_bytes(), lang="en")
    assert alone.study is None and "floors.xlsx" in alone.errors[0]
    assert "upload one .zip of the study and its grid-paper workbook" in alone.errors[-1]
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(STUDY, "my-city/study.toml")
        archive.write(STUDY.parent / "floors.xlsx", "my-city/floors.xlsx")
    ok = D.check_uploaded_study("my-city.zip", packed.getvalue())
    assert ok.errors == () and ok.study is not None and ok.path is not None
    assert ok.path.name == "study.toml" and (ok.path.parent / "floors.xlsx").exists()
    wrong_type = D.check_uploaded_study("study.csv", b"a,b", lang="en")
    assert wrong_type.study is None and wrong_type.errors
    xlsx = SAMPLE_DIR / "study.xlsx"
    if xlsx.exists():  # the Excel form of the same study is accepted too
        from_excel = D.check_uploaded_study("study.xlsx", xlsx.read_bytes())
        assert from_excel.errors == ()
        assert from_excel.study is not None
        assert from_excel.study.scenario_ids == ok.study.scenario_ids


@needs_study
def test_lab_study_changes_staff_one_stop_and_volume() -> None:
    study = D.load_study_cached(STUDY)
    scenario = study.scenario_ids[-1]
    counter = study.scenario(scenario).counters[0]
    # a one-stop procedure that a department counter of the scenario can also take
    movable = [
        p.id
        for p in study.procedures
        if p.one_stop and study.scenario(scenario).counters_for(p.id, kind="department")
    ]
    keep = [p.id for p in study.procedures if p.one_stop and p.id not in movable[:1]]
    changed = R.lab_study(
        study,
        scenario_id=scenario,
        staff={counter.id: counter.staff + 2},
        one_stop=keep,
        volume=1.5,
    )
    new_counter = changed.scenario(scenario).counter(counter.id)
    assert new_counter.staff == counter.staff + 2
    assert max(s.staff for s in new_counter.shifts) <= new_counter.staff
    assert sorted(p.id for p in changed.procedures if p.one_stop) == sorted(keep)
    assert changed.arrivals.residents_per_day == pytest.approx(
        1.5 * study.arrivals.residents_per_day
    )
    # the original is untouched and the content hash differs
    assert study.scenario(scenario).counters[0].staff == counter.staff
    assert D.study_digest(changed) != D.study_digest(study)
    # taking every procedure away from the one-stop breaks the study's rules: a clear error
    from simulation.model import StudyError

    with pytest.raises(StudyError, match="no department counter takes procedure"):
        R.lab_study(study, scenario_id=scenario, one_stop=[])


@needs_study
def test_peak_day_is_the_busiest_working_day() -> None:
    from simulation.arrivals import event_rates

    study = D.load_study_cached(STUDY)
    day = D.peak_day(study)
    assert day.weekday() < 5
    best = float(event_rates(study, day).sum())
    start = study.study.start_date
    for k in range(0, 120):
        other = start + dt.timedelta(days=k)
        if other.weekday() < 5 and other not in study.arrivals.holidays:
            assert float(event_rates(study, other).sum()) <= best + 1e-9


@needs_study
def test_checklist_comes_from_the_catalog() -> None:
    study = D.load_study_cached(STUDY)
    items = checklist_items(study, "ja")
    assert len(items) == len(study.life_events)
    event = study.life_events[0]
    listed = {i.procedure_id for i in items[event.name_ja or event.id]}
    assert listed == set(event.procedures)
    certain = [i for i in items[event.name_ja or event.id] if i.probability >= 0.999]
    assert certain and all(i.likelihood("ja") == "必ず" for i in certain)
    html = checklist_html(study, "en")
    assert html.count('class="checklist-page"') == len(study.life_events)
    assert html.count('class="tick"') == sum(len(e.procedures) for e in study.life_events)


@needs_study
def test_checklist_lists_what_to_bring_from_the_catalog() -> None:
    study = D.load_study_cached(STUDY).model_copy(deep=True)
    move_in = study.procedure("tennyu")
    assert move_in.bring_ja and move_in.bring_en
    by_id = {i.procedure_id: i for items in checklist_items(study, "ja").values() for i in items}
    assert by_id["tennyu"].bring == tuple(move_in.bring_ja)
    by_id_en = {i.procedure_id: i for items in checklist_items(study, "en").values() for i in items}
    assert by_id_en["tennyu"].bring == tuple(move_in.bring_en)
    # a procedure without a list: the identity document; English falls back to Japanese
    move_in.bring_ja, move_in.bring_en = [], []
    study.procedure("tenshutsu").bring_en = []
    by_id = {i.procedure_id: i for items in checklist_items(study, "en").values() for i in items}
    assert by_id["tennyu"].bring == ("Identity document (e.g. My Number card)",)
    assert by_id["tenshutsu"].bring == tuple(study.procedure("tenshutsu").bring_ja)
    assert "本人確認書類" in checklist_html(study, "ja")


@needs_study
def test_floor_frames_match_the_study() -> None:
    study = D.load_study_cached(STUDY)
    sid = study.scenario_ids[0]
    counters, marks = D.floor_frames(study, sid)
    assert counters["counter_id"].to_list() == [c.id for c in study.scenario(sid).counters]
    assert set(marks["kind"]) >= {"entrance", "ticket_machine"}


def test_disk_cache_survives_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path))
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"x": [1, 2]})

    key = ("disk-test", "abc", 3)
    first = D.cached(key, compute, persist=True)
    assert len(list(tmp_path.glob("disk-test-*.pkl"))) == 1
    D.clear_cache()  # a restarted server: memory empty, disk kept
    assert D.is_cached(key, persist=True) and not D.is_cached(key)
    again = D.cached(key, compute, persist=True)
    assert calls == [1] and again.equals(first)
    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", "off")
    D.clear_cache()
    D.cached(key, compute, persist=True)
    assert calls == [1, 1]


def test_cache_is_bounded_in_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    D.clear_cache()
    monkeypatch.setenv("MADOGUCHI_CACHE_MB", "3")  # room for two of the 1.2 MB frames
    frame = pl.DataFrame({"x": np.arange(150_000, dtype=np.float64)})  # 1.2 MB
    assert 1_150_000 < D.approx_bytes(frame) < 1_300_000
    for n in range(4):
        D.cached(("bytes_test", n), lambda: frame.clone())
    assert not D.is_cached(("bytes_test", 0)) and not D.is_cached(("bytes_test", 1))
    assert D.is_cached(("bytes_test", 2)) and D.is_cached(("bytes_test", 3))
    assert 2_300_000 < D.cache_bytes() <= 3_000_000
    D.clear_cache()
    assert D.cache_bytes() == 0


def test_approx_bytes_sees_inside_results() -> None:
    frame = pl.DataFrame({"x": np.arange(10_000, dtype=np.int64)})  # 80 kB
    nested = {"a": [frame, np.zeros(10_000)], "b": (frame,)}  # the same frame counted once
    assert 160_000 <= D.approx_bytes(nested) < 170_000


def test_a_session_releases_its_results_when_it_ends() -> None:
    import gc

    from dashboards.ui import SessionResults

    D.clear_cache()
    D.cached(("session_test", "shared"), lambda: 1)
    D.cached(("session_test", "mine"), lambda: 2)
    D.cached(("session_test", "both"), lambda: 3)
    first, second = SessionResults(), SessionResults()
    first.keep(("session_test", "mine"))
    first.keep(("session_test", "both"))
    first.keep(("session_test", "both"))  # claimed once per session
    second.keep(("session_test", "both"))
    del first
    gc.collect()
    assert not D.is_cached(("session_test", "mine"))
    assert D.is_cached(("session_test", "both"))  # the second session still uses it
    assert D.is_cached(("session_test", "shared"))  # nobody claimed it: the Overview's kind
    del second
    gc.collect()
    assert not D.is_cached(("session_test", "both"))
    assert D.is_cached(("session_test", "shared"))
    D.clear_cache()


def test_uploads_live_in_a_private_folder() -> None:
    # the sample's workbook carries its grid paper (its TOML alone cannot find floors.xlsx)
    content = (SAMPLE_DIR / "study.xlsx").read_bytes()
    check = D.check_uploaded_study("mine.xlsx", content)
    # one folder per upload inside the private folder (a zip's files stay together)
    from dashboards.session import upload_folder

    # outside the app (no browser session): the one folder of this process
    assert check.path is not None and check.path.parent.parent == upload_folder()
    assert upload_folder().name.startswith("madoguchi-session-")
