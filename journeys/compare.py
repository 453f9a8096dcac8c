"""Compare two counter logs (as-is vs reform, observed vs simulated) with bootstrap intervals.

The point estimates are exactly :func:`journeys.metrics.kpis` of each log: pooled over all its
days (Σ waits ÷ Σ called tickets, Σ visits ÷ service days), not means of daily means.

The uncertainty of each difference is a **cluster bootstrap over service days**, done
independently in each log: residents of one day share that day's crowding, so whole days are
resampled with replacement (each replicate draws as many days as the log has; a visit and all
its tickets count as often as its day was drawn), every KPI is recomputed from the weighted
per-visit sums, and the interval is the 2.5 %–97.5 % percentile of ``alternative − baseline``
over the replicates. A log of fewer than :data:`MIN_CLUSTER_DAYS` days cannot show how days
differ; its visits are resampled instead (a **Poisson bootstrap over visits**: each visit gets
a Poisson(1) weight, so counts such as ``visits`` vary too), and the output says so
(``resampled`` = ``visits``) next to the number of days of each log. A percentile interval of
a share stays inside [−1, 1] and the shares inside [0, 1].

Everything is vectorised: per-visit aggregates once, then weight matrices times the aggregate
matrix (in blocks of replicates), and weighted quantiles of the waits by cumulative weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from journeys.metrics import (
    _V,
    KPI_NAMES,
    Frame,
    _kpi_parts,
    _kpis_from_parts,
    _prepared,
    kpis_from_sums,
    prepare_log,
    sum_columns,
)

__all__ = [
    "MIN_CLUSTER_DAYS",
    "VisitArrays",
    "bootstrap_kpis",
    "compare_logs",
    "visit_arrays",
    "weighted_kpis",
]

#: Fewest service days whose resampling gives an interval (below it: visits are resampled).
#: With few days the interval is still rough (four days give 35 distinct resamples), which is
#: why every output states the day count next to it.
MIN_CLUSTER_DAYS = 3


@dataclass(frozen=True)
class VisitArrays:
    """Per-visit sums and ticket waits of one log, as numpy arrays for weighting.

    ``sums`` has one row per visit and one column per name in ``columns``; ``waits`` are the
    waits of the called tickets sorted ascending, ``wait_visit`` the row (visit) of each;
    ``days`` the number of service days of the log, ``day`` the service day (0 … days − 1) of
    each visit; ``point`` the log's KPIs.
    """

    columns: tuple[str, ...]
    sums: np.ndarray
    waits: np.ndarray
    wait_visit: np.ndarray
    days: int
    point: dict[str, float]
    day: np.ndarray


def visit_arrays(log: Frame, *, service_target_min: float = 15.0) -> VisitArrays:
    """Per-visit aggregates of a counter log (visits ordered by first ticket time, then keys)."""
    prepared = prepare_log(log)
    visits, waits_q, days = _kpi_parts(prepared, service_target_min)
    point = _kpis_from_parts(visits, waits_q, days)
    keys = [c for c in ("scenario", "replication") if c in prepared.columns] + ["visit_id"]
    visits = visits.sort(["first_issued_at", *keys]).with_row_index("row")
    columns = sum_columns(visits.columns)
    sums = visits.select(pl.col(columns).cast(pl.Float64).fill_null(0.0)).to_numpy()
    # Row of each visit code (visit codes number the visits of the prepared log 0..n-1).
    row_of_code = np.empty(visits.height, dtype=np.int64)
    row_of_code[visits[_V].to_numpy().astype(np.int64)] = visits["row"].to_numpy()
    lf, _, _ = _prepared(prepared)
    ticket_waits = (
        lf.filter(pl.col("called_at").is_not_null())
        .select(
            _V,
            ((pl.col("called_at") - pl.col("issued_at")).dt.total_microseconds() / 6e7).alias(
                "wait"
            ),
        )
        .sort(["wait", _V])
        .collect()
    )
    return VisitArrays(
        columns=tuple(columns),
        sums=np.ascontiguousarray(sums, dtype=np.float64),
        waits=ticket_waits["wait"].to_numpy().astype(np.float64),
        wait_visit=row_of_code[ticket_waits[_V].to_numpy().astype(np.int64)],
        days=days,
        point=point,
        day=np.unique(visits["day"].to_numpy(), return_inverse=True)[1].astype(np.int64).ravel(),
    )


def _weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, probs: tuple[float, ...]
) -> np.ndarray:
    """Linear-interpolation quantiles of ``values`` (sorted) repeated ``weights`` times per row.

    ``weights`` is (replicates × values) of non-negative integers; returns (len(probs) ×
    replicates). With all weights 1 this equals numpy's default quantile; prob 1 gives the
    maximum. The order statistic at 0-based position k of a row is the first value whose
    cumulative weight exceeds k, i.e. ``values[(cum <= k).sum()]``.
    """
    b, m = weights.shape
    out = np.full((len(probs), b), np.nan)
    if m == 0:
        return out
    cum = np.cumsum(weights, axis=1, dtype=np.int64)
    total = cum[:, -1]
    last = np.maximum(total - 1, 0)
    for i, p in enumerate(probs):
        h = last * p
        lo = np.floor(h)
        hi = np.minimum(lo + 1, last)
        j_lo = np.minimum((cum <= lo[:, None]).sum(axis=1), m - 1)
        j_hi = np.minimum((cum <= hi[:, None]).sum(axis=1), m - 1)
        v = values[j_lo] + (h - lo) * (values[j_hi] - values[j_lo])
        out[i] = np.where(total > 0, v, np.nan)
    return out


def weighted_kpis(arrays: VisitArrays, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Every KPI for each row of visit ``weights`` (replicates × visits); same definitions as
    :func:`journeys.metrics.kpis` (all-ones weights give exactly its values)."""
    w = np.asarray(weights, dtype=np.float64)
    s = w @ arrays.sums  # replicates × columns (BLAS)
    col = {name: s[:, i] for i, name in enumerate(arrays.columns)}
    n = w.sum(axis=1)

    ticket_weights = np.asarray(weights, dtype=np.int32)[:, arrays.wait_visit]
    # Equal waits are contiguous (sorted): add their weights so the quantile search runs over
    # the distinct waits only (waits are whole seconds in most logs).
    values, starts = arrays.waits, np.zeros(0, dtype=np.int64)
    if values.size:
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        if starts.size < values.size:
            ticket_weights = np.add.reduceat(ticket_weights, starts, axis=1)
            values = values[starts]
    q = _weighted_quantiles(values, ticket_weights, (0.5, 0.9, 1.0))
    return kpis_from_sums(col, n, float(arrays.days), q)


#: Cumulative probabilities of Poisson(1) at 0, 1, …, 19 (the tail beyond is < 1e-18).
_POISSON_ONE_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)])


def _poisson_one(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Poisson(1) draws by inverting the CDF of uniform draws (several times faster than
    ``rng.poisson`` for millions of draws; same distribution)."""
    uniform = rng.random(size, dtype=np.float64)
    return np.searchsorted(_POISSON_ONE_CDF, uniform, side="right").astype(np.int32)


def _day_weights(rng: np.random.Generator, day: np.ndarray, days: int, b: int) -> np.ndarray:
    """Visit weights of ``b`` replicates that each draw ``days`` whole days with replacement:
    a visit counts as often as its day was drawn."""
    drawn = rng.integers(0, days, size=(b, days))
    offsets = (np.arange(b) * days)[:, None]
    counts = np.bincount((drawn + offsets).ravel(), minlength=b * days).reshape(b, days)
    return counts[:, day].astype(np.int32)


def resamples_days(arrays: VisitArrays) -> bool:
    """True when the bootstrap of this log resamples whole days (enough days to do so)."""
    return arrays.days >= MIN_CLUSTER_DAYS


def bootstrap_kpis(
    arrays: VisitArrays, *, n_boot: int, rng: np.random.Generator, block: int | None = None
) -> dict[str, np.ndarray]:
    """``n_boot`` bootstrap replicates of every KPI of one log (arrays of length n_boot):
    whole days resampled when the log has :data:`MIN_CLUSTER_DAYS` days or more, else a
    Poisson bootstrap over visits (module docstring)."""
    n = arrays.sums.shape[0]
    by_day = resamples_days(arrays)
    m = max(arrays.waits.shape[0], n, 1)
    step = block or max(1, min(n_boot, 8_000_000 // m))
    parts: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < n_boot:
        b = min(step, n_boot - done)
        weights = (
            _day_weights(rng, arrays.day, arrays.days, b) if by_day else _poisson_one(rng, (b, n))
        )
        for key, values in weighted_kpis(arrays, weights).items():
            parts.setdefault(key, []).append(values)
        done += b
    return {k: np.concatenate(v) for k, v in parts.items()}


def compare_logs(
    baseline: Frame,
    alternative: Frame,
    *,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    service_target_min: float = 15.0,
    level: float = 0.95,
) -> pl.DataFrame:
    """Each KPI of two logs with the bootstrap interval of their difference.

    Columns: ``kpi, baseline, alternative, difference, ci_low, ci_high`` — difference =
    alternative − baseline; the interval is the percentile interval at ``level`` (default 95 %)
    of the cluster bootstrap over days (module docstring) — then ``baseline_days``,
    ``alternative_days`` (service days of each log) and ``resampled`` ("days", or "visits"
    when a log has fewer than :data:`MIN_CLUSTER_DAYS` days). Same ``seed`` → identical output.
    Only KPIs both logs have are compared, in :data:`journeys.metrics.KPI_NAMES` order.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    base = visit_arrays(baseline, service_target_min=service_target_min)
    alt = visit_arrays(alternative, service_target_min=service_target_min)
    boot_base = bootstrap_kpis(base, n_boot=n_boot, rng=rng)
    boot_alt = bootstrap_kpis(alt, n_boot=n_boot, rng=rng)
    tail = (1.0 - level) / 2.0 * 100.0
    methods = ["days" if resamples_days(a) else "visits" for a in (base, alt)]
    resampled = methods[0] if methods[0] == methods[1] else " / ".join(methods)
    rows = []
    for kpi in KPI_NAMES:
        if kpi not in base.point or kpi not in alt.point:
            continue
        diff = boot_alt[kpi] - boot_base[kpi]
        diff = diff[np.isfinite(diff)]
        low, high = (
            (float(np.percentile(diff, tail)), float(np.percentile(diff, 100.0 - tail)))
            if diff.size
            else (math.nan, math.nan)
        )
        rows.append(
            {
                "kpi": kpi,
                "baseline": base.point[kpi],
                "alternative": alt.point[kpi],
                "difference": alt.point[kpi] - base.point[kpi],
                "ci_low": low,
                "ci_high": high,
                "baseline_days": base.days,
                "alternative_days": alt.days,
                "resampled": resampled,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "kpi": pl.String,
            "baseline": pl.Float64,
            "alternative": pl.Float64,
            "difference": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "baseline_days": pl.Int64,
            "alternative_days": pl.Int64,
            "resampled": pl.String,
        },
    )
