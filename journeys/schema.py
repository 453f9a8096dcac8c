"""Canonical frames of the workbench (ARCHITECTURE.md): the counter log and the journey survey.

Column names and types here are the contract between readers, the simulator and the KPIs.
The dictionaries are the plain contract; :class:`CounterLogSchema` and :class:`SurveySchema`
describe the same columns as classes with their value rules, checked by
:mod:`journeys.validation` (all failures of all rows, never only the first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import polars as pl

__all__ = [
    "ABANDON_REASONS",
    "ACTIONS",
    "COUNTER_LOG_COLUMNS",
    "COUNTER_LOG_OPTIONAL",
    "COUNTER_LOG_WHOLE_VISIT",
    "OUTCOMES",
    "SURVEY_COLUMNS",
    "CounterLogSchema",
    "Field",
    "FrameSchema",
    "SurveySchema",
]

OUTCOMES: tuple[str, ...] = ("served", "no_show", "abandoned")
#: Why an abandoned resident left: before taking a place (balked), while waiting (reneged),
#: or sent home at closing time (closed).
ABANDON_REASONS: tuple[str, ...] = ("balked", "reneged", "closed")
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
#: Optional columns of the whole visit (the simulator fills them; an observed log may map
#: them from a reception or floor-manager system).
COUNTER_LOG_WHOLE_VISIT: dict[str, pl.DataType] = {
    "arrived_at": pl.Datetime("us"),
    "left_at": pl.Datetime("us"),
    "abandon_reason": pl.String(),
    "resident_id": pl.String(),
    "return_of": pl.String(),
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


# --- schemas as classes (in the spirit of pandera's DataFrameModel) -----------------------


@dataclass(frozen=True)
class Field:
    """One column of a canonical frame: its type and the rules every value must keep.

    ``nullable=False`` makes an empty value a failure (``missing_value``); ``isin`` lists the
    allowed values; ``ge``/``le`` bound numbers; ``max_length`` bounds text; ``unique`` forbids
    repeats; ``integer`` demands whole numbers; ``free_text`` marks columns scanned for personal
    numbers; ``pseudonymised`` marks visit/resident keys replaced by a salted pseudonym.
    """

    dtype: pl.DataType
    nullable: bool = True
    isin: tuple[str, ...] | None = None
    ge: float | None = None
    le: float | None = None
    max_length: int | None = None
    unique: bool = False
    free_text: bool = False
    pseudonymised: bool = False
    optional: bool = False
    description: str = ""
    name: str = ""

    def named(self, name: str) -> Field:
        """The same field carrying its column name."""
        return replace(self, name=name)


class FrameSchema:
    """Base class: subclasses declare their columns as :class:`Field` class attributes.

    ``Schema.fields()`` lists them in declaration order; ``Schema.columns()`` gives the
    ``{name: dtype}`` contract; ``Schema.empty()`` an empty frame; ``Schema.conform(frame)``
    selects and casts the canonical columns in order. Row rules (order of times, duplicates…)
    live in :mod:`journeys.validation`, which collects every failure of every row (lazy).
    """

    #: Short name used in messages ("counter log", "survey").
    frame_name: ClassVar[str] = "frame"
    #: Frame kind understood by the readers and the validator ("counter-log", "survey").
    kind: ClassVar[str] = ""
    _fields: ClassVar[tuple[Field, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: list[Field] = []
        for name, value in vars(cls).items():
            if isinstance(value, Field):
                found.append(value.named(name))
        cls._fields = tuple(found)

    @classmethod
    def fields(cls, *, optional: bool | None = None) -> tuple[Field, ...]:
        """The declared fields; ``optional=False`` only required ones, ``True`` only optional."""
        if optional is None:
            return cls._fields
        return tuple(f for f in cls._fields if f.optional == optional)

    @classmethod
    def field(cls, name: str) -> Field:
        """The field called ``name``."""
        for f in cls._fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @classmethod
    def columns(cls, *, optional: bool = False) -> dict[str, pl.DataType]:
        """``{name: dtype}`` of the required columns (plus the optional ones if asked)."""
        return {f.name: f.dtype for f in cls._fields if optional or not f.optional}

    @classmethod
    def empty(cls) -> pl.DataFrame:
        """An empty frame with the required columns."""
        return pl.DataFrame(schema=cls.columns())

    @classmethod
    def validate(cls, frame: Any, **kwargs: Any) -> Any:
        """Lazy validation of ``frame`` against this schema: every failure of every row.

        Returns :class:`journeys.validation.IngestResult` (accepted, rejected with reasons,
        rows_in); keyword arguments go to :func:`journeys.validation.validate_frame`.
        """
        from journeys.validation import validate_frame

        return validate_frame(frame, cls.kind, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def conform(cls, frame: pl.DataFrame) -> pl.DataFrame:
        """Required columns in canonical order and type, then any optional columns present."""
        cols = [pl.col(f.name).cast(f.dtype) for f in cls._fields if not f.optional]
        cols += [
            pl.col(f.name).cast(f.dtype)
            for f in cls._fields
            if f.optional and f.name in frame.columns
        ]
        return frame.select(cols)


class CounterLogSchema(FrameSchema):
    """The canonical counter log: one row per service of one resident at one counter (a ticket)."""

    frame_name = "counter log"
    kind = "counter-log"
    visit_id = Field(
        pl.String(),
        nullable=False,
        max_length=128,
        pseudonymised=True,
        description="one resident's trip to the hall (salted pseudonym)",
    )
    ticket_id = Field(
        pl.String(), nullable=False, unique=True, max_length=64, description="unique in the log"
    )
    counter_id = Field(pl.String(), nullable=False, max_length=64, description="the service point")
    procedure_id = Field(pl.String(), max_length=128, description="the procedure handled")
    issued_at = Field(pl.Datetime("us"), nullable=False, description="ticket issued")
    called_at = Field(pl.Datetime("us"), description="called to the counter; service starts")
    ended_at = Field(pl.Datetime("us"), description="service finished")
    staff_id = Field(pl.String(), max_length=64, description="who served")
    outcome = Field(
        pl.String(), nullable=False, isin=OUTCOMES, description="served · no_show · abandoned"
    )
    forms_written = Field(pl.Int64(), ge=0, le=1000, description="forms filled in by hand")
    scenario = Field(pl.String(), optional=True, max_length=64)
    replication = Field(pl.Int64(), optional=True, ge=0)
    writing_min = Field(pl.Float64(), optional=True, ge=0)
    walking_m = Field(pl.Float64(), optional=True, ge=0)
    arrived_at = Field(
        pl.Datetime("us"), optional=True, description="the resident entered the hall"
    )
    left_at = Field(pl.Datetime("us"), optional=True, description="an abandoned resident left")
    abandon_reason = Field(
        pl.String(),
        optional=True,
        isin=ABANDON_REASONS,
        description="balked · reneged · closed (abandoned tickets)",
    )
    resident_id = Field(
        pl.String(),
        optional=True,
        max_length=128,
        pseudonymised=True,
        description="the resident the visit belongs to (salted pseudonym)",
    )
    return_of = Field(pl.String(), optional=True, max_length=128, pseudonymised=True,
                      description="visit_id of the earlier visit this one returns for")  # fmt: skip


class SurveySchema(FrameSchema):
    """The canonical journey survey: one row per step of one surveyed journey."""

    frame_name = "survey"
    kind = "survey"
    journey_id = Field(
        pl.String(), nullable=False, max_length=64, description="one surveyed journey"
    )
    phase = Field(pl.String(), max_length=64, description="as_is / reform (or a scenario name)")
    persona = Field(pl.String(), max_length=200, free_text=True)
    life_event = Field(pl.String(), max_length=64)
    step = Field(pl.Int64(), nullable=False, ge=0, description="order within the journey")
    touchpoint = Field(pl.String(), max_length=200, free_text=True)
    action = Field(pl.String(), nullable=False, isin=ACTIONS)
    minutes = Field(pl.Float64(), nullable=False, ge=0, le=24 * 60)
    forms_written = Field(pl.Int64(), ge=0, le=1000)
    fields_written = Field(pl.Int64(), ge=0, le=1000)
    emotion = Field(pl.Int64(), ge=-2, le=2, description="how it felt, −2..+2")
    pain_point = Field(pl.String(), max_length=2000, free_text=True)
    pain_category = Field(pl.String(), max_length=200, free_text=True)  # fmt: skip
