"""Measures of the customer-journey survey (窓口体験調査): time, writing, feelings, pain points.

Input is the canonical survey frame (ARCHITECTURE.md, :data:`journeys.schema.SURVEY_COLUMNS`):
one row per step of one surveyed journey. A step's duration is ``minutes``, or — when
``minutes`` is absent or empty on a row — ``ended_at − started_at``. Definitions:

* **touchpoints** of a journey = distinct ``touchpoint`` values of its steps (counters and places);
* **counters** = distinct touchpoints of its attended steps (action consult, serve, pay or
  receive: where a member of staff dealt with the resident);
* **writes** = ``fields_written`` (times the name and address were written by hand);
  **forms** = ``forms_written``; empty counts are 0;
* the **emotion curve** places each step at the cumulative minutes at its end.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from journeys.errors import InputError
from journeys.schema import ACTIONS

__all__ = [
    "ATTENDED_ACTIONS",
    "as_survey",
    "emotion_curve",
    "minutes_by_action",
    "pain_points",
    "persona_comparison",
    "writes_per_journey",
]

#: Actions in which staff attend the resident: their touchpoints count as counters visited.
ATTENDED_ACTIONS: tuple[str, ...] = ("consult", "serve", "pay", "receive")
_JOURNEY = ("phase", "journey_id", "persona", "life_event")
_UNCATEGORISED = "uncategorised"


def as_survey(survey: pl.DataFrame | pl.LazyFrame | Any) -> pl.DataFrame:
    """The survey as a polars frame with ``minutes`` filled (from started_at/ended_at if needed)
    and optional columns added; a missing required column raises :class:`InputError`."""
    if isinstance(survey, pl.LazyFrame):
        frame = survey.collect()
    elif isinstance(survey, pl.DataFrame):
        frame = survey
    else:
        try:
            frame = pl.from_pandas(survey)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"expected a survey as a polars or pandas DataFrame, got {type(survey).__name__}"
            ) from exc
    missing = [c for c in ("journey_id", "phase", "step", "action") if c not in frame.columns]
    has_times = {"started_at", "ended_at"} <= set(frame.columns)
    if "minutes" not in frame.columns and not has_times:
        missing.append("minutes (or started_at and ended_at)")
    if missing:
        raise InputError(
            f"the survey lacks column(s) {', '.join(missing)}",
            hint="read the file with journeys.readers.read_survey",
        )
    minutes = pl.col("minutes").cast(pl.Float64) if "minutes" in frame.columns else None
    if has_times:
        span = (pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds() / 6e7
        minutes = span if minutes is None else minutes.fill_null(span)
    assert minutes is not None
    extra = [
        pl.lit(None, pl.String).alias(c)
        for c in ("persona", "life_event", "touchpoint", "pain_point", "pain_category")
        if c not in frame.columns
    ]
    extra += [
        pl.lit(0, pl.Int64).alias(c)
        for c in ("forms_written", "fields_written")
        if c not in frame.columns
    ]
    if "emotion" not in frame.columns:
        extra.append(pl.lit(None, pl.Int64).alias("emotion"))
    return (
        frame.with_columns(extra)
        .with_columns(
            minutes.fill_null(0.0).alias("minutes"),
            pl.col("forms_written").cast(pl.Int64).fill_null(0),
            pl.col("fields_written").cast(pl.Int64).fill_null(0),
            pl.col("step").cast(pl.Int64),
        )
        .sort(["phase", "journey_id", "step"])
    )


def minutes_by_action(
    survey: pl.DataFrame | pl.LazyFrame | Any, *, per: str = "journey"
) -> pl.DataFrame:
    """Minutes spent in each action (walk, wait, write, consult, serve, pay, receive, other).

    ``per="journey"``: ``phase, journey_id, persona, life_event, action, minutes, share`` with
    every action present (0 when absent), share = of that journey's minutes.
    ``per="phase"``: ``phase, action, journeys, minutes_per_journey, share`` — the mean over
    the phase's journeys.
    """
    frame = as_survey(survey)
    journeys = frame.select(_JOURNEY).unique(subset=["phase", "journey_id"], keep="first")
    grid = journeys.join(pl.DataFrame({"action": list(ACTIONS)}), how="cross")
    sums = frame.group_by(["phase", "journey_id", "action"]).agg(pl.col("minutes").sum())
    table = (
        grid.join(sums, on=["phase", "journey_id", "action"], how="full", coalesce=True)
        .with_columns(pl.col("minutes").fill_null(0.0))
        .with_columns(
            share=pl.col("minutes") / pl.col("minutes").sum().over(["phase", "journey_id"])
        )
    )
    order = {a: i for i, a in enumerate(ACTIONS)}
    table = table.with_columns(
        _order=pl.col("action").replace_strict(order, default=len(ACTIONS), return_dtype=pl.Int64)
    )
    if per == "journey":
        return table.sort(["phase", "journey_id", "_order", "action"]).drop("_order")
    if per != "phase":
        raise InputError(f"per must be 'journey' or 'phase', not {per!r}")
    n = frame.group_by("phase").agg(pl.col("journey_id").n_unique().alias("journeys"))
    return (
        table.group_by(["phase", "action", "_order"])
        .agg(pl.col("minutes").sum())
        .join(n, on="phase")
        .with_columns(minutes_per_journey=pl.col("minutes") / pl.col("journeys"))
        .with_columns(
            share=pl.col("minutes_per_journey") / pl.col("minutes_per_journey").sum().over("phase")
        )
        .sort(["phase", "_order", "action"])
        .select(
            "phase", "action", pl.col("journeys").cast(pl.Int64), "minutes_per_journey", "share"
        )
    )


def writes_per_journey(survey: pl.DataFrame | pl.LazyFrame | Any) -> pl.DataFrame:
    """One row per journey: ``phase, journey_id, persona, life_event, steps, minutes,
    touchpoints, counters, forms_written, fields_written, wait_min, write_min``."""
    frame = as_survey(survey)
    attended = pl.col("action").is_in(list(ATTENDED_ACTIONS))
    return (
        frame.group_by(["phase", "journey_id"])
        .agg(
            pl.col("persona").first(),
            pl.col("life_event").first(),
            pl.len().cast(pl.Int64).alias("steps"),
            pl.col("minutes").sum(),
            pl.col("touchpoint").drop_nulls().n_unique().cast(pl.Int64).alias("touchpoints"),
            pl.col("touchpoint")
            .filter(attended)
            .drop_nulls()
            .n_unique()
            .cast(pl.Int64)
            .alias("counters"),
            pl.col("forms_written").sum().cast(pl.Int64),
            pl.col("fields_written").sum().cast(pl.Int64),
            pl.col("minutes").filter(pl.col("action") == "wait").sum().alias("wait_min"),
            pl.col("minutes").filter(pl.col("action") == "write").sum().alias("write_min"),
        )
        .select(
            *_JOURNEY,
            "steps",
            "minutes",
            "touchpoints",
            "counters",
            "forms_written",
            "fields_written",
            "wait_min",
            "write_min",
        )
        .sort(["phase", "journey_id"])
    )


def emotion_curve(survey: pl.DataFrame | pl.LazyFrame | Any) -> pl.DataFrame:
    """Each journey's feelings over time: ``phase, journey_id, persona, step, touchpoint,
    action, start_min, cum_minutes, emotion`` (cum_minutes = minutes elapsed at the step's end)."""
    frame = as_survey(survey)
    return frame.with_columns(
        cum_minutes=pl.col("minutes").cum_sum().over(["phase", "journey_id"]),
    ).select(
        "phase",
        "journey_id",
        "persona",
        "step",
        "touchpoint",
        "action",
        (pl.col("cum_minutes") - pl.col("minutes")).alias("start_min"),
        "cum_minutes",
        "emotion",
    )


def pain_points(survey: pl.DataFrame | pl.LazyFrame | Any) -> pl.DataFrame:
    """Pain points by category: ``phase, pain_category, count, journeys, minutes, examples``.

    A step is a pain point when it has a ``pain_point`` text or a ``pain_category``; a text
    without a category is counted as ``"uncategorised"``. ``minutes`` = minutes of those steps;
    ``examples`` = up to three distinct texts joined by " / ". Sorted by phase, then count.
    """
    frame = as_survey(survey)
    pains = frame.filter(pl.col("pain_point").is_not_null() | pl.col("pain_category").is_not_null())
    return (
        pains.with_columns(pl.col("pain_category").fill_null(_UNCATEGORISED))
        .group_by(["phase", "pain_category"])
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("journey_id").n_unique().cast(pl.Int64).alias("journeys"),
            pl.col("minutes").sum(),
            pl.col("pain_point")
            .drop_nulls()
            .unique(maintain_order=True)
            .head(3)
            .str.join(" / ")
            .alias("examples"),
        )
        .sort(["phase", "count", "pain_category"], descending=[False, True, False])
    )


_COMPARED: tuple[str, ...] = (
    "minutes",
    "wait_min",
    "write_min",
    "steps",
    "touchpoints",
    "counters",
    "forms_written",
    "fields_written",
)


def persona_comparison(
    survey: pl.DataFrame | pl.LazyFrame | Any,
    *,
    baseline: str = "as_is",
    alternative: str = "reform",
) -> pl.DataFrame:
    """As-is vs reform per persona, in long format.

    Columns: ``persona, metric, baseline, alternative, difference, change`` where each value is
    the mean over that persona's journeys in the phase, metrics are minutes, wait_min,
    write_min, steps, touchpoints, counters, forms_written and fields_written (see
    :func:`writes_per_journey`), difference = alternative − baseline and change = difference /
    baseline. Personas surveyed in only one phase keep a null on the other side.
    """
    per_journey = writes_per_journey(survey)
    phases = set(per_journey["phase"].unique().to_list())
    for phase in (baseline, alternative):
        if phase not in phases:
            raise InputError(
                f"the survey has no phase '{phase}' (phases: {', '.join(sorted(map(str, phases)))})"
            )
    means = (
        per_journey.filter(pl.col("phase").is_in([baseline, alternative]))
        .group_by(["persona", "phase"])
        .agg(pl.col(list(_COMPARED)).cast(pl.Float64).mean())
        .unpivot(index=["persona", "phase"], variable_name="metric", value_name="value")
    )
    base = means.filter(pl.col("phase") == baseline).select(
        "persona", "metric", pl.col("value").alias("baseline")
    )
    alt = means.filter(pl.col("phase") == alternative).select(
        "persona", "metric", pl.col("value").alias("alternative")
    )
    order = {m: i for i, m in enumerate(_COMPARED)}
    return (
        base.join(alt, on=["persona", "metric"], how="full", coalesce=True)
        .with_columns(difference=pl.col("alternative") - pl.col("baseline"))
        .with_columns(
            change=pl.when(pl.col("baseline") != 0).then(pl.col("difference") / pl.col("baseline"))
        )
        .with_columns(_o=pl.col("metric").replace_strict(order, return_dtype=pl.Int64))
        .sort(["persona", "_o"])
        .drop("_o")
    )
