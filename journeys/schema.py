"""Canonical frames of the workbench (ARCHITECTURE.md): the counter log and the journey survey.

Column names and types here are the contract between readers, the simulator and the KPIs.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "ACTIONS",
    "COUNTER_LOG_COLUMNS",
    "COUNTER_LOG_OPTIONAL",
    "OUTCOMES",
    "SURVEY_COLUMNS",
]

OUTCOMES: tuple[str, ...] = ("served", "no_show", "abandoned")
ACTIONS: tuple[str, ...] = ("walk", "wait", "write", "consult", "serve", "pay", "receive", "other")

#: Required columns of the canonical counter log, in order, with their polars types.
COUNTER_LOG_COLUMNS: dict[str, pl.DataType] = {
    "visit_id": pl.String(),
    "ticket_id": pl.String(),
    "counter_id": pl.String(),
    "procedure_id": pl.String(),
    "issued_at": pl.Datetime("us"),
    "called_at": pl.Datetime("us"),
    "ended_at": pl.Datetime("us"),
    "staff_id": pl.String(),
    "outcome": pl.String(),
    "forms_written": pl.Int64(),
}
#: Optional columns; the simulator always fills them.
COUNTER_LOG_OPTIONAL: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "replication": pl.Int64(),
    "writing_min": pl.Float64(),
    "walking_m": pl.Float64(),
}

SURVEY_COLUMNS: dict[str, pl.DataType] = {
    "journey_id": pl.String(),
    "phase": pl.String(),
    "persona": pl.String(),
    "life_event": pl.String(),
    "step": pl.Int64(),
    "touchpoint": pl.String(),
    "action": pl.String(),
    "minutes": pl.Float64(),
    "forms_written": pl.Int64(),
    "fields_written": pl.Int64(),
    "emotion": pl.Int64(),
    "pain_point": pl.String(),
    "pain_category": pl.String(),
}
