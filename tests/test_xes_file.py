"""The XES file's text: events per outcome, the hall's UTC offset, never an empty resource."""

from __future__ import annotations

import gzip
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from test_metrics_analyze import run
from test_metrics_kpis import small_log

from journeys.errors import InputError
from journeys.xes import UNSERVED, write_xes_file, xes_events

NS = {"x": "http://www.xes-standard.org/"}


def events_of(path: Path) -> list[dict[str, str]]:
    """Each event of the file as key → value."""
    root = ET.fromstring(
        gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    )
    return [
        {a.attrib["key"]: a.attrib["value"] for a in event}
        for event in root.iterfind("x:trace/x:event", NS)
    ]


def test_one_closing_event_per_ticket(tmp_path: Path) -> None:
    events = events_of(write_xes_file(small_log(), tmp_path / "log.xes"))
    by_ticket = [(e["ticket_id"], e["lifecycle:transition"]) for e in events]
    # V1: T1 and T2 served; V2: T3 no-show at the call, T4 abandoned at issue; V3: T5 served.
    assert by_ticket == [
        ("T1", "start"), ("T1", "complete"), ("T2", "start"), ("T2", "complete"),
        ("T3", "ate_abort"), ("T4", "withdraw"),
        ("T5", "start"), ("T5", "complete"),
    ]  # fmt: skip
    assert events[0]["time:timestamp"].endswith("T09:10:00.000+09:00")
    assert events[5]["org:resource"] == UNSERVED
    assert all(e["org:resource"] for e in events)
    assert events[5]["time:timestamp"].endswith("T09:30:00.000+09:00")


@pytest.mark.parametrize(
    ("zone", "suffix"),
    [
        ("-03:30", "09:10:00.000-03:30"),
        ("Asia/Tokyo", "09:10:00.000+09:00"),
        ("Z", "09:10:00.000+00:00"),
    ],
)
def test_offsets_and_zone_names(zone: str, suffix: str) -> None:
    stamps = xes_events(small_log(), utc_offset=zone)["time:timestamp"]
    assert stamps[0].endswith(suffix)


def test_bad_offset_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match="write it as \\+09:00"):
        xes_events(small_log(), utc_offset="9")
    log = tmp_path / "small.csv"
    small_log().write_csv(log, datetime_format="%Y-%m-%d %H:%M:%S")
    assert (
        run(["analyze", "--log", str(log), "--out", str(tmp_path / "o"), "--utc-offset", "JST9"])
        == 2
    )
    err = capsys.readouterr().err
    assert "--utc-offset" in err and "Traceback" not in err


def test_analyze_writes_the_xes_file_with_the_offset(tmp_path: Path) -> None:
    log = tmp_path / "small.csv"
    small_log().with_columns(scenario=pl.lit("as_is")).write_csv(
        log, datetime_format="%Y-%m-%d %H:%M:%S"
    )
    out = tmp_path / "o"
    assert run(["analyze", "--log", str(log), "--out", str(out), "--utc-offset", "+10:00"]) == 0
    events = events_of(out / "event_log.xes.gz")
    assert len(events) == 8
    assert all(e["time:timestamp"].endswith("+10:00") for e in events)
    root = ET.fromstring(gzip.decompress((out / "event_log.xes.gz").read_bytes()))
    visits = {a.attrib["value"] for a in root.iterfind("x:trace/x:string[@key='visit_id']", NS)}
    assert len(visits) == 3 and not visits & {"V1", "V2", "V3"}  # pseudonyms only


def test_the_study_sets_the_offset_unless_the_command_line_does(tmp_path: Path) -> None:
    from journeys.paths import SAMPLE_DIR

    text = (SAMPLE_DIR / "study.toml").read_text(encoding="utf-8")
    assert "\n[study]\n" in text
    study = tmp_path / "study.toml"
    study.write_text(text.replace("\n[study]\n", '\n[study]\nutc_offset = "+10:30"\n', 1), "utf-8")
    shutil.copy(SAMPLE_DIR / "floors.xlsx", tmp_path / "floors.xlsx")
    log = tmp_path / "small.csv"
    small_log().write_csv(log, datetime_format="%Y-%m-%d %H:%M:%S")
    base = ["analyze", "--log", str(log), "--study", str(study)]
    assert run([*base, "--out", str(tmp_path / "a")]) == 0
    stamps = [e["time:timestamp"] for e in events_of(tmp_path / "a" / "event_log.xes.gz")]
    assert stamps and all(s.endswith("+10:30") for s in stamps)
    assert run([*base, "--out", str(tmp_path / "b"), "--utc-offset", "Asia/Tokyo"]) == 0
    stamps = [e["time:timestamp"] for e in events_of(tmp_path / "b" / "event_log.xes.gz")]
    assert all(s.endswith("+09:00") for s in stamps)


def test_a_bad_offset_in_the_study_is_a_study_problem(tmp_path: Path) -> None:
    from journeys.paths import SAMPLE_DIR
    from simulation.model import StudyError, load_study

    text = (SAMPLE_DIR / "study.toml").read_text(encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(text.replace("\n[study]\n", '\n[study]\nutc_offset = "JST"\n', 1), "utf-8")
    shutil.copy(SAMPLE_DIR / "floors.xlsx", tmp_path / "floors.xlsx")
    with pytest.raises(StudyError, match=r"utc_offset.*write it as \+09:00"):
        load_study(study)
