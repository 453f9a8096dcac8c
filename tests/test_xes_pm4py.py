"""The XES file opens in PM4Py and agrees with the project's own flow tables.

PM4Py (in the ``dev`` extra) reads ``event_log.xes.gz`` back with ``pm4py.read_xes``: the
cases, events, variants and directly-follows arcs it finds equal :mod:`journeys.flows` on the
same log, times keep their +09:00 offset, and a handover-of-work analysis runs.
"""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from journeys.flows import ENTRANCE, EXIT, VARIANT_SEPARATOR, flows, variants
from journeys.paths import SAMPLE_DIR
from journeys.xes import UNSERVED, XesNames, write_xes_file

pm4py = pytest.importorskip("pm4py")

CLOSING = ("complete", "ate_abort", "withdraw")


@pytest.fixture(scope="module")
def sample_days() -> pl.DataFrame:
    """Three days of the bundled sample's observed as-is log (every outcome occurs)."""
    log = pl.read_parquet(SAMPLE_DIR / "counter_log_as_is.parquet")
    first = log["issued_at"].dt.date().min()
    assert first is not None
    return log.filter(pl.col("issued_at").dt.date() <= first + timedelta(days=2))


@pytest.fixture(scope="module")
def read_back(sample_days: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> object:
    path = tmp_path_factory.mktemp("xes") / "event_log.xes.gz"
    names = XesNames(counters={"A03": "市民課 証明書受付"}, procedures={"juminhyo": "住民票の写し"})
    write_xes_file(sample_days, path, names=names)
    return pm4py.read_xes(str(path))


def test_cases_events_and_lifecycles(sample_days: pl.DataFrame, read_back: object) -> None:
    df = read_back
    outcomes = Counter(sample_days["outcome"].to_list())
    assert {"served", "no_show", "abandoned"} <= set(outcomes)
    assert df["case:concept:name"].nunique() == sample_days["visit_id"].n_unique()
    lifecycle = Counter(df["lifecycle:transition"])
    assert lifecycle == {
        "start": outcomes["served"],
        "complete": outcomes["served"],
        "ate_abort": outcomes["no_show"],
        "withdraw": outcomes["abandoned"],
    }
    assert len(df) == 2 * outcomes["served"] + outcomes["no_show"] + outcomes["abandoned"]
    assert df["org:resource"].notna().all() and (df["org:resource"] != "").all()
    unserved = df[df["outcome"] == "abandoned"]["org:resource"]
    assert (unserved == UNSERVED).all()
    named = df[df["counter_id"] == "A03"]
    assert (named["counter_name"] == "市民課 証明書受付").all()
    assert (df[df["procedure_id"] == "juminhyo"]["procedure_name"] == "住民票の写し").all()


def test_timestamps_keep_the_utc_offset(sample_days: pl.DataFrame, read_back: object) -> None:
    df = read_back
    first_call = sample_days["called_at"].drop_nulls().min()
    starts = df[df["lifecycle:transition"] == "start"]["time:timestamp"]
    # 08:xx in the hall is 23:xx UTC the day before: PM4Py converted, it did not shift.
    assert str(starts.dt.tz) == "UTC"
    assert starts.min().to_pydatetime().replace(tzinfo=None) == first_call - timedelta(hours=9)


def test_variants_and_arcs_equal_the_flow_tables(
    sample_days: pl.DataFrame, read_back: object
) -> None:
    df = read_back
    closing = df[df["lifecycle:transition"].isin(CLOSING)]
    found = {
        VARIANT_SEPARATOR.join(route): int(count)
        for route, count in pm4py.get_variants(closing).items()
    }
    own = variants(sample_days, top=None, by=())
    assert len(found) == own.height > 20
    assert found == dict(zip(own["variant"], own["count"], strict=True))
    dfg, start, end = pm4py.discover_dfg(closing)
    table = flows(sample_days, by=())
    arcs = {(s, t): c for s, t, c in table.iter_rows() if s != ENTRANCE and t != EXIT}
    assert dict(dfg) == arcs
    assert dict(start) == {t: c for s, t, c in table.iter_rows() if s == ENTRANCE}
    assert dict(end) == {s: c for s, t, c in table.iter_rows() if t == EXIT}


def test_handover_of_work_runs(sample_days: pl.DataFrame, read_back: object) -> None:
    network = pm4py.discover_handover_of_work_network(read_back)
    staff = set(sample_days["staff_id"].drop_nulls()) | {UNSERVED}
    pairs = list(network.connections)
    assert len(pairs) > 10
    assert {who for pair in pairs for who in pair} <= staff


def test_same_log_same_bytes(sample_days: pl.DataFrame, tmp_path: Path) -> None:
    one, two = tmp_path / "a.xes.gz", tmp_path / "b.xes"
    write_xes_file(sample_days.head(200), one)
    write_xes_file(sample_days.head(200), two)
    assert gzip.decompress(one.read_bytes()) == two.read_bytes()
    assert (
        one.read_bytes()
        == write_xes_file(sample_days.head(200), tmp_path / "c.xes.gz").read_bytes()
    )
