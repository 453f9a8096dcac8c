"""Routes of residents through the counters: directly-follows flows and visit variants.

Within a visit, tickets are ordered by ``issued_at`` (tickets issued in the same second keep
their order in the log; see :func:`journeys.metrics.prepare_log`). Every ticket counts,
abandoned ones too (the resident went to that counter). A visit's route starts at the
pseudo-node ``"entrance"`` and ends at ``"exit"``, so the flow table is ready for a Sankey
diagram or a process map; a return to the same counter is a self-loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from journeys.metrics import (
    _V,
    Frame,
    _each_part,
    _prepared,
    _ticket_arrays,
    prepare_log,
    with_group_columns,
)

__all__ = ["ENTRANCE", "EXIT", "VARIANT_SEPARATOR", "flows", "variants"]

ENTRANCE = "entrance"
EXIT = "exit"
VARIANT_SEPARATOR = " → "


def _ordered(log: Frame, by: Sequence[str]) -> pl.LazyFrame:
    """The log sorted by visit and issue time, with ``_visit`` (visit code) and grouping columns."""
    prepared, _, _ = _prepared(log)
    return with_group_columns(prepared, by).select([*by, _V, "counter_id"])


def flows(log: Frame, *, by: Sequence[str] = ("scenario",)) -> pl.DataFrame:
    """Directly-follows counts between counters within a visit: ``*by, source, target, count``.

    Includes ``entrance → first counter`` and ``last counter → exit`` for every visit, so each
    node's inflow equals its outflow. Sorted by ``count`` (descending), then source and target.
    """

    def table(part: pl.DataFrame) -> pl.DataFrame:
        # Counters as small integer codes; entrance and exit are the two codes after them.
        t = _ticket_arrays(part)
        counter, names = t.counter
        k = names.len()
        entrance, exit_ = k, k + 1
        width = k + 2
        starts = t.visit_starts
        # pair code = source · width + target, built in one array (few big temporaries)
        pair = np.empty(t.n, dtype=np.int64)
        pair[1:] = counter[:-1]
        pair[starts] = entrance
        pair *= width
        pair += counter
        last = np.r_[starts[1:] - 1, t.n - 1] if t.n else starts
        exits = counter[last] * width + exit_
        if width**2 <= 50_000_000:
            counts = np.bincount(pair, minlength=width**2)[: width**2]
            counts += np.bincount(exits, minlength=width**2)[: width**2]
            present = np.flatnonzero(counts)
            counts = counts[present]
        else:
            present, counts = np.unique(np.concatenate([pair, exits]), return_counts=True)
        labels = pl.concat([names.cast(pl.String), pl.Series([ENTRANCE, EXIT], dtype=pl.String)])
        return pl.DataFrame(
            {
                "source": labels.gather(present // width),
                "target": labels.gather(present % width),
                "count": pl.Series(counts, dtype=pl.Int64),
            }
        ).sort(["count", "source", "target"], descending=[True, False, False])

    return _each_part(prepare_log(log), by, table)


def variants(
    log: Frame, *, top: int | None = 10, by: Sequence[str] = ("scenario",)
) -> pl.DataFrame:
    """The most frequent routes (counter sequences) of visits.

    Columns: ``*by, rank, variant`` (counters joined by ``" → "``), ``counters`` (steps in the
    route), ``count`` (visits), ``share`` (of the group's visits). ``top=None`` keeps all.
    Ties in count are ranked by the route text.
    """
    ordered = _ordered(log, by)
    routes = ordered.group_by([_V, *by]).agg(
        pl.col("counter_id").str.join(VARIANT_SEPARATOR).alias("variant"),
        pl.len().cast(pl.Int64).alias("counters"),
    )
    table = (
        routes.group_by([*by, "variant", "counters"])
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .sort([*by, "count", "variant"], descending=[*[False] * len(by), True, False])
    )
    over = list(by) if by else None
    table = table.with_columns(
        share=(pl.col("count") / pl.col("count").sum().over(over))
        if over
        else pl.col("count") / pl.col("count").sum(),
        rank=(pl.int_range(pl.len()).over(over) + 1) if over else pl.int_range(pl.len()) + 1,
    )
    if top is not None:
        table = table.filter(pl.col("rank") <= top)
    return table.select(
        [*by, pl.col("rank").cast(pl.Int64), "variant", "counters", "count", "share"]
    ).collect()
