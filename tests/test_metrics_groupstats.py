"""Grouped counts, sums and quantiles (journeys.groupstats) against plain numpy, and the KPIs'
independence from row order (durations summed as whole microseconds)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from test_metrics_kpis import small_log

from journeys import groupstats as gs
from journeys.flows import flows
from journeys.metrics import kpis, per_counter, per_hour, per_staff, prepare_log


@pytest.mark.parametrize("histogram", [True, False])
@pytest.mark.parametrize("unit", [1, 1_000, 1_000_000])
def test_group_quantiles_match_numpy(
    histogram: bool, unit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not histogram:
        monkeypatch.setattr(gs, "_HISTOGRAM_BINS", 0)  # force the sort path
    rng = np.random.default_rng(7)
    k, n = 5, 3000
    codes = rng.integers(0, k, n)
    values = (rng.integers(-500, 5000, n) + 3) * unit
    mask = rng.random(n) < 0.8
    mask[codes == 4] = False  # one empty group
    ordered = gs.Ranked(values, mask).by(codes, k)
    got = ordered.quantiles((0.0, 0.5, 0.9, 1.0))
    below = ordered.count_where(lambda v: v <= 0)
    for g in range(k):
        sel = values[(codes == g) & mask]
        assert ordered.counts[g] == sel.size
        assert below[g] == int((sel <= 0).sum())
        if sel.size:
            want = np.quantile(sel, [0.0, 0.5, 0.9, 1.0])
            assert got[:, g] == pytest.approx(want, rel=1e-12)
        else:
            assert np.isnan(got[:, g]).all()


def test_flag_counts_sums_and_extremes() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 6, 1000)
    flags = [rng.random(1000) < p for p in (0.2, 0.5, 0.7)]
    table = gs.flag_table(codes, 6, gs.pack_flags(flags))
    both = gs.flag_count(table, 0b101)
    assert both.tolist() == np.bincount(codes[flags[0] & flags[2]], minlength=6).tolist()
    values = rng.integers(-(10**15), 10**15, 1000)
    sums = gs.group_sum(codes, values, 6, flags[1])
    assert sums.tolist() == [int(values[(codes == g) & flags[1]].sum()) for g in range(6)]
    top = gs.group_max(codes, values, 6)
    assert top.tolist() == [float(values[codes == g].max()) for g in range(6)]


def test_kpis_and_tables_do_not_depend_on_row_order() -> None:
    log = pl.concat(
        [small_log()]
        + [
            small_log().with_columns(
                visit_id=pl.col("visit_id") + f"-{i}",
                ticket_id=pl.col("ticket_id") + f"-{i}",
                issued_at=pl.col("issued_at") + pl.duration(seconds=i * 7 + 1, microseconds=i),
            )
            for i in range(30)
        ]
    )
    shuffled = log.sample(fraction=1.0, shuffle=True, seed=11)
    assert kpis(shuffled) == kpis(log)  # exact: integer sums, divided once
    for table in (per_hour, per_counter, per_staff, flows):
        assert table(shuffled).equals(table(log)), table.__name__


def test_prepare_log_keeps_a_log_written_visit_by_visit() -> None:
    # visits contiguous and in issue order but not sorted by visit_id: kept as it is
    log = pl.concat([small_log().filter(pl.col("visit_id") == v) for v in ("V3", "V1", "V2")])
    prepared = prepare_log(log)
    assert prepared["ticket_id"].to_list() == log["ticket_id"].to_list()
    assert kpis(prepared) == kpis(small_log())
    assert flows(log).equals(flows(small_log()))


def test_a_prepared_log_is_forgotten_with_its_ticket_arrays() -> None:
    # the per-frame caches (ticket arrays, visit codes) live only as long as the prepared log:
    # once nobody holds it, it is collected and the caches drop it (they used to keep it, and
    # the dashboard server grew by every log a session had measured)
    import gc
    import weakref

    from journeys import metrics

    prepared = prepare_log(small_log())
    first = kpis(prepared)
    per_counter(prepared)
    assert id(prepared) in metrics._ARRAYS
    gone = weakref.ref(prepared)
    key = id(prepared)
    del prepared
    gc.collect()
    assert gone() is None
    assert key not in metrics._ARRAYS
    assert key not in metrics._CODED
    assert kpis(prepare_log(small_log())) == first
