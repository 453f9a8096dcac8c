"""Routes of residents through the counters: directly-follows flows and visit variants.

Within a visit, tickets are ordered by ``issued_at`` (tickets issued in the same second keep
their order in the log; see :func:`journeys.metrics.prepare_log`). Every ticket counts,
abandoned ones too (the resident went to that counter). A visit's route starts at the
pseudo-node ``"entrance"`` and ends at ``"exit"``, so the flow table is ready for a Sankey
diagram or a process map; a return to the same counter is a self-loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeys.metrics import _V, Frame, _by_group, _prepared, with_group_columns

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
    same_as_previous = pl.col(_V) == pl.col(_V).shift(1)
    last_of_visit = (pl.col(_V) != pl.col(_V).shift(-1)).fill_null(True)

    def table(part: pl.LazyFrame) -> pl.LazyFrame:
        # Counters as small integer codes: grouping pairs of codes is much faster than strings.
        steps = part.select(
            pl.col("counter_id").cast(pl.Categorical).alias("counter"), _V
        ).with_columns(code=pl.col("counter").to_physical().cast(pl.Int64) + 1)
        names = steps.select(pl.col("code"), pl.col("counter").cast(pl.String).alias("name"))
        names = names.unique("code")
        pairs = steps.select(
            source=pl.when(same_as_previous)
            .then(pl.col("code").shift(1))
            .otherwise(pl.lit(0, pl.Int64)),
            target=pl.col("code"),
        )
        exits = steps.filter(last_of_visit).select(
            source=pl.col("code"), target=pl.lit(-1, pl.Int64)
        )
        label = {0: ENTRANCE, -1: EXIT}
        counts = pl.concat([pairs, exits]).group_by("source", "target").len("count")
        lookup = pl.concat(
            [names, pl.LazyFrame({"code": list(label), "name": list(label.values())})],
            how="vertical_relaxed",
        )
        return (
            counts.join(lookup.rename({"code": "source", "name": "source_name"}), on="source")
            .join(lookup.rename({"code": "target", "name": "target_name"}), on="target")
            .select(
                pl.col("source_name").alias("source"),
                pl.col("target_name").alias("target"),
                pl.col("count").cast(pl.Int64),
            )
            .sort(["count", "source", "target"], descending=[True, False, False])
        )

    prepared, _, _ = _prepared(log)
    return _by_group(with_group_columns(prepared, by), by, table)


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
