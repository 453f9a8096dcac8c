"""Staffing planner: the fewest staff-hours per counter and hour block that meet a service level.

The target is the one a manager states: *call ``share`` of the residents within ``within_min``
minutes*. It applies to every counter and every hour block of the day (a block starts at the
opening time and lasts ``block_min`` minutes; the last one ends at closing time). The service
level the planner judges is the registry's KPI ``service_level_all_tickets``
(:mod:`journeys.kpi_registry`; not ``service_level``, which leaves abandoned tickets out):

    tickets issued in the block and called within the target
    ÷ (tickets issued in the block that were called + tickets abandoned),

so a resident who gave up (balked, reneged, or was still waiting at closing time) counts against
it. A block **meets the target** when the lower end of the confidence interval of its service
level reaches ``share``: a Student t interval over the replications (``confidence``), built on
the logit scale so that it stays inside 0–1 (:func:`simulation.intervals.ratio_share_interval`).

Search (marginal analysis on common random numbers; every evaluation simulates the same
residents, so two staffings differ only by the staffing):

1. *Start*: a pilot at the study's own staffing measures each block's arrivals and each counter's
   mean service time; the start is the Erlang C staffing of those rates (the smallest c whose
   M/M/c service level meets the share), clipped to the counter's ``min_staff``–``max_staff``.
2. *Raise*: every block that misses the target gets one more server, all at once, and the day is
   simulated again, until no block misses it (or the missing ones are at ``max_staff``, or
   their figures did not change at all when they were last raised: more staff cannot help
   there, for example with tickets drawn after closing time).
3. *Lower*: blocks are tried one at a time, largest margin first: one server fewer is kept when
   no block that met the target misses it afterwards (and, for a block that misses the target
   anyway, when its service level does not fall).
4. *Verify*: from the final plan, each block with more than ``min_staff`` is tried once more with
   one server fewer; the table records the service level it would then reach and whether the
   target is missed (a removal that still meets it is kept). Finally the plan is simulated with
   a different seed (new residents) and the table says whether each block meets the target
   there by the same rule as in the search — the lower end of its interval reaches the share
   (``verify_meets``).

Every block left below the target is said, not hidden: the table's ``missed_because`` is
``max_staff`` (the block reached the counter's ``max_staff``: the study must allow more staff,
or the target is out of reach there — typically the one-stop counters' lunch hours on a peak
day) or ``more_staff_did_not_help`` (its figures did not change when raised), and
:attr:`StaffingPlan.notes` has one line per such block, and per block that meets the target in
the search but not on the re-simulation's residents.

Raising every missing block together costs few evaluations and lowering one block at a time
undoes any overshoot; lunch waves, walking and routing between counters are in every
evaluation because each one is a full simulation of the scenario by
:func:`simulation.experiments.run_experiment`.

A plan is expressible in the study: each counter's staff per block becomes shifts of one or more
servers (layers of the block profile), keeping the counter's lunch rule; :func:`planned_study`
writes them into a copy of the study.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from journeys.errors import InputError
from simulation.arrivals import is_working_day
from simulation.experiments import run_experiment
from simulation.intervals import ratio_share_interval
from simulation.model import Counter, Scenario, Shift, Study, minutes_to_time
from simulation.queueing import erlang_c_service_level, square_root_staffing

__all__ = [
    "SERVICE_LEVEL",
    "Block",
    "PlanTarget",
    "StaffingPlan",
    "blocks_of_day",
    "evaluate_staffing",
    "kinds_of_days",
    "levels_to_shifts",
    "overall_service_level",
    "plan_by_kind",
    "plan_staffing",
    "planned_study",
    "staff_hours",
    "staff_limits",
    "textbook_staffing",
]

Levels = dict[str, list[int]]
Limits = dict[str, tuple[int, int]]

#: The KPI the planner judges (journeys.kpi_registry): abandoned tickets count as missed.
SERVICE_LEVEL = "service_level_all_tickets"
#: ``missed_because`` of a block left below the target at the counter's ``max_staff``
MAX_STAFF = "max_staff"
#: … and of one whose figures did not change when it was given more staff
NO_HELP = "more_staff_did_not_help"

#: Raising rounds at most (each round adds a server to every block that misses the target).
_MAX_RAISES = 30


@dataclass(frozen=True)
class PlanTarget:
    """What the plan must reach: ``share`` of tickets called within ``within_min`` minutes."""

    within_min: float = 15.0
    share: float = 0.9
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0.0 < self.share < 1.0:
            raise InputError(f"--share must be between 0 and 1, not {self.share}")
        if self.within_min <= 0:
            raise InputError(f"--within must be positive minutes, not {self.within_min}")
        if not 0.5 <= self.confidence < 1.0:
            raise InputError(f"--confidence must be in [0.5, 1), not {self.confidence}")


@dataclass(frozen=True)
class Block:
    """One hour block of the day: minutes after midnight ``[start_min, end_min)``."""

    start_min: int
    end_min: int

    @property
    def hours(self) -> float:
        """Length of the block in hours."""
        return (self.end_min - self.start_min) / 60.0

    @property
    def label(self) -> str:
        """``"08:45–09:45"``."""
        return f"{minutes_to_time(self.start_min)}–{minutes_to_time(self.end_min)}"


def blocks_of_day(study: Study, block_min: int = 60) -> list[Block]:
    """Blocks of ``block_min`` minutes from the opening time; the last one ends at closing time."""
    if block_min not in (30, 60):
        raise InputError(f"--block must be 30 or 60 minutes, not {block_min}")
    arr = study.arrivals
    starts = list(range(arr.open_min, arr.close_min, block_min))
    ends = [*starts[1:], arr.close_min]
    return [Block(a, b) for a, b in zip(starts, ends, strict=True)]


def staff_limits(counter: Counter) -> tuple[int, int]:
    """(fewest, most) servers the planner may put on duty at ``counter`` in any block.

    From the optional study keys ``min_staff`` (default 1: the checks want someone on duty
    while the hall is open) and ``max_staff`` (default twice the counter's ``staff``, and at
    least ``staff + 2``).
    """
    low = counter.min_staff or 1
    high = counter.max_staff or max(2 * counter.staff, counter.staff + 2)
    return int(low), int(max(high, low))


def levels_to_shifts(levels: Sequence[int], blocks: Sequence[Block]) -> list[Shift]:
    """Shifts that put ``levels[b]`` servers on duty in block ``b`` (layers of the profile).

    Layer k (k = 1, 2, …) covers each maximal run of blocks with at least k servers; equal
    layers are merged into one shift of several staff.
    """
    runs: dict[tuple[int, int], int] = {}
    for k in range(1, max(levels, default=0) + 1):
        start: int | None = None
        for b, level in enumerate([*levels, 0]):
            if level >= k and start is None:
                start = b
            elif level < k and start is not None:
                key = (blocks[start].start_min, blocks[b - 1].end_min)
                runs[key] = runs.get(key, 0) + 1
                start = None
    return [
        Shift(start=minutes_to_time(a), end=minutes_to_time(b), staff=n)
        for (a, b), n in sorted(runs.items())
    ]


def planned_study(
    study: Study, scenario_id: str, levels: dict[str, list[int]], blocks: Sequence[Block]
) -> Study:
    """A copy of ``study`` whose scenario has the planned shifts (lunch rules kept)."""
    new = copy.deepcopy(study)
    scenario = new.scenario(scenario_id)
    for counter in scenario.counters:
        if counter.id not in levels:
            continue
        counter.shifts = levels_to_shifts(levels[counter.id], blocks)
        counter.staff = max(levels[counter.id])
    return new


def current_levels(counter: Counter, blocks: Sequence[Block]) -> list[int]:
    """Servers the study's own shifts put on duty at the start of each block."""
    return [counter.staff_at(b.start_min) for b in blocks]


def _staff_minutes_open(counter: Counter, open_min: int, close_min: int) -> float:
    """Staff-minutes of a counter's shifts inside the opening hours."""
    return float(
        sum(
            s.staff * max(0, min(s.end_min, close_min) - max(s.start_min, open_min))
            for s in counter.shifts
        )
    )


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class CellStats:
    """Simulated figures of every (counter, block): one row each, in counter × block order."""

    table: pl.DataFrame

    def meets(self, target: PlanTarget) -> dict[tuple[str, int], bool]:
        """Whether each cell meets the target (a cell without tickets always does)."""
        out: dict[tuple[str, int], bool] = {}
        for cid, b, low, n in self.table.select(
            "counter_id", "block", "sl_low", "tickets_per_day"
        ).iter_rows():
            out[(cid, b)] = n == 0 or (low is not None and low >= target.share - 1e-12)
        return out

    def level(self) -> dict[tuple[str, int], float]:
        """Each cell's service level (pooled over replications; 1 without tickets)."""
        return {
            (cid, b): (1.0 if sl is None else float(sl))
            for cid, b, sl in self.table.select("counter_id", "block", SERVICE_LEVEL).iter_rows()
        }

    def margin(self, target: PlanTarget) -> dict[tuple[str, int], float]:
        """How far each cell's lower service-level bound is above the share (1 without tickets)."""
        return {
            (cid, b): (1.0 if n == 0 or low is None else float(low) - target.share)
            for cid, b, low, n in self.table.select(
                "counter_id", "block", "sl_low", "tickets_per_day"
            ).iter_rows()
        }


def _block_index(minutes: pl.Expr, blocks: Sequence[Block]) -> pl.Expr:
    """Block of a time of day (minutes after midnight); before opening → 0, after closing → last."""
    starts = [b.start_min for b in blocks]
    index = pl.lit(0, dtype=pl.Int64)
    for k, start in enumerate(starts[1:], start=1):
        index = pl.when(minutes >= start).then(pl.lit(k, dtype=pl.Int64)).otherwise(index)
    return index


def _minute_of_day(column: str, day0: pl.Expr) -> pl.Expr:
    return (pl.col(column) - day0).dt.total_microseconds().cast(pl.Float64) / 60e6


def cell_stats(
    log: pl.DataFrame,
    staff_log: pl.DataFrame,
    levels: dict[str, list[int]],
    blocks: Sequence[Block],
    *,
    days: int,
    replications: int,
    target: PlanTarget,
) -> CellStats:
    """Per counter and block: tickets per day, mean wait, service level (``service_level_all_tickets``:
    abandoned tickets count as missed) with its interval, utilisation (the registry's: serving
    minutes ÷ minutes on duty, lunches out and overtime in, :mod:`simulation.staff_kpis`)."""
    day0 = pl.col("issued_at").dt.truncate("1d")
    tickets = log.with_columns(
        block=_block_index(_minute_of_day("issued_at", day0), blocks),
        wait=(pl.col("called_at") - pl.col("issued_at")).dt.total_microseconds() / 60e6,
    )
    per_rep = tickets.group_by("counter_id", "block", "replication").agg(
        counted=(pl.col("called_at").is_not_null() | (pl.col("outcome") == "abandoned")).sum(),
        within=(pl.col("wait") <= target.within_min).sum(),
        wait_sum=pl.col("wait").sum(),
        called=pl.col("called_at").is_not_null().sum(),
    )
    busy = _activity_minutes(staff_log, blocks, "serve")
    lunch = _activity_minutes(staff_log, blocks, "lunch")
    overtime = _activity_minutes(staff_log, blocks, "overtime")
    rows = []
    for cid, row in levels.items():
        for b, level in enumerate(row):
            part = per_rep.filter((pl.col("counter_id") == cid) & (pl.col("block") == b))
            counted = np.zeros(replications)
            within = np.zeros(replications)
            reps = part.get_column("replication").to_numpy()
            counted[reps] = part.get_column("counted").to_numpy()
            within[reps] = part.get_column("within").to_numpy()
            mean, low, high = ratio_share_interval(within, counted, target.confidence)
            called = float(part.get_column("called").sum())
            wait = float(part.get_column("wait_sum").sum()) / called if called else math.nan
            # minutes on duty as in simulation.staff_kpis: the planned staff's time in the block
            # less their lunches, plus the overtime of clerks serving past their shift
            on_duty = float(level * (blocks[b].end_min - blocks[b].start_min) * days * replications)
            on_duty += overtime.get((cid, b), 0.0) - lunch.get((cid, b), 0.0)
            served = busy.get((cid, b), 0.0)
            rows.append(
                (
                    cid,
                    b,
                    blocks[b].label,
                    level,
                    float(counted.sum()) / (days * replications),
                    wait,
                    mean,
                    low,
                    high,
                    served / on_duty if on_duty else math.nan,
                )
            )
    table = pl.DataFrame(
        rows,
        schema={
            "counter_id": pl.String,
            "block": pl.Int64,
            "hours": pl.String,
            "staff": pl.Int64,
            "tickets_per_day": pl.Float64,
            "wait_min_mean": pl.Float64,
            SERVICE_LEVEL: pl.Float64,
            "sl_low": pl.Float64,
            "sl_high": pl.Float64,
            "utilisation": pl.Float64,
        },
        orient="row",
    )
    return CellStats(table.with_columns(pl.col(pl.Float64).fill_nan(None)))


def _activity_minutes(
    staff_log: pl.DataFrame, blocks: Sequence[Block], activity: str
) -> dict[tuple[str, int], float]:
    """Minutes of ``activity`` (serve, lunch, overtime) of each counter inside each block
    (summed over days and replications)."""
    if staff_log.height == 0:
        return {}
    serve = staff_log.filter(pl.col("activity") == activity)
    day0 = pl.col("start").dt.truncate("1d")
    serve = serve.select(
        "counter_id",
        start=_minute_of_day("start", day0),
        end=_minute_of_day("end", day0),
    )
    out: dict[tuple[str, int], float] = {}
    for b, block in enumerate(blocks):
        overlap = serve.select(
            "counter_id",
            minutes=(
                pl.min_horizontal(pl.col("end"), pl.lit(float(block.end_min)))
                - pl.max_horizontal(pl.col("start"), pl.lit(float(block.start_min)))
            ).clip(lower_bound=0.0),
        )
        for cid, minutes in overlap.group_by("counter_id").agg(pl.col("minutes").sum()).iter_rows():
            out[(str(cid), b)] = float(minutes)
    return out


@dataclass
class _Evaluator:
    """Simulates one staffing of the scenario (always the same residents: common random numbers).

    ``levels`` of None simulates the study's own shifts; ``service_min`` keeps the mean service
    minutes per counter of the last evaluation (for the Erlang C start).
    """

    study: Study
    scenario_id: str
    days: list[dt.date]
    blocks: list[Block]
    replications: int
    seed: int
    target: PlanTarget
    count: int = 0
    service_min: dict[str, float] = field(default_factory=dict)

    def __call__(self, levels: Levels | None, seed: int | None = None) -> CellStats:
        self.count += 1
        study = self.study
        if levels is None:
            levels = {
                c.id: current_levels(c, self.blocks)
                for c in self.study.scenario(self.scenario_id).counters
            }
        else:
            study = planned_study(self.study, self.scenario_id, levels, self.blocks)
        result = run_experiment(
            study,
            replications=self.replications,
            seed=self.seed if seed is None else seed,
            days=self.days,
            progress=False,
            scenario_ids=[self.scenario_id],
            service_target_min=self.target.within_min,
        )
        self.service_min = _service_means(result.log)
        return cell_stats(
            result.log,
            result.staff_log,
            levels,
            self.blocks,
            days=len(self.days),
            replications=self.replications,
            target=self.target,
        )


def _service_means(log: pl.DataFrame) -> dict[str, float]:
    """Mean service minutes of served tickets per counter."""
    served = log.filter(pl.col("outcome") == "served").with_columns(
        minutes=(pl.col("ended_at") - pl.col("called_at")).dt.total_microseconds() / 60e6
    )
    return {
        str(cid): float(m)
        for cid, m in served.group_by("counter_id").agg(pl.col("minutes").mean()).iter_rows()
    }


def evaluate_staffing(
    study: Study,
    scenario_id: str,
    days: Sequence[dt.date],
    *,
    target: PlanTarget,
    replications: int,
    seed: int,
    block_min: int = 60,
) -> CellStats:
    """The per-counter, per-block figures of the study's own staffing of ``scenario_id``."""
    blocks = blocks_of_day(study, block_min)
    study.scenario(scenario_id)
    evaluate = _Evaluator(study, scenario_id, list(days), blocks, replications, seed, target)
    return evaluate(None)


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True)
class StaffingPlan:
    """The result of :func:`plan_staffing`.

    ``table`` has one row per counter and block: hours, staff (planned), current_staff,
    tickets_per_day, wait_min_mean, service_level_all_tickets (abandoned tickets count as
    missed), sl_low, sl_high (its interval), utilisation, meets_target, missed_because (null,
    ``max_staff`` or ``more_staff_did_not_help``), sl_low_one_fewer (the lower bound with one
    server fewer; null at ``min_staff``), one_fewer_misses, and
    verify_service_level_all_tickets, verify_sl_low, verify_meets (the plan simulated with
    ``verify_seed``: whether the lower bound reaches the share on those residents).
    """

    study: Study
    scenario_id: str
    days: tuple[dt.date, ...]
    blocks: tuple[Block, ...]
    target: PlanTarget
    levels: dict[str, list[int]]
    table: pl.DataFrame
    planned_staff_hours: float
    current_staff_hours: float
    evaluations: int
    seed: int
    verify_seed: int
    notes: list[str] = field(default_factory=list)

    @property
    def meets_target(self) -> bool:
        """Whether every block meets the target, in the search and in the verification run."""
        return bool(self.table["meets_target"].all() and self.table["verify_meets"].all())


def erlang_start(
    cells: CellStats,
    scenario: Scenario,
    blocks: Sequence[Block],
    target: PlanTarget,
    service_min: dict[str, float],
    *,
    rule: str = "erlang_c",
) -> dict[str, list[int]]:
    """Textbook staffing per block from a pilot's arrival rates, clipped to the counter's limits.

    ``rule = "erlang_c"``: the smallest c whose M/M/c service level meets the share;
    ``"square_root"``: the square-root staffing rule
    (:func:`simulation.queueing.square_root_staffing`).
    """
    rates = {
        (cid, b): n
        for cid, b, n in cells.table.select("counter_id", "block", "tickets_per_day").iter_rows()
    }
    out: dict[str, list[int]] = {}
    for counter in scenario.counters:
        low, high = staff_limits(counter)
        mean = service_min.get(counter.id, math.nan)
        row = []
        for b, block in enumerate(blocks):
            lam = (rates.get((counter.id, b)) or 0.0) / (block.end_min - block.start_min)
            if not math.isfinite(mean) or lam <= 0:
                c = low
            elif rule == "square_root":
                c = square_root_staffing(lam, 1.0 / mean, target.share, target.within_min)
            else:
                c = erlang_c_staff(lam, mean, target)
            row.append(min(max(c, low), high))
        out[counter.id] = row
    return out


def textbook_staffing(
    study: Study,
    scenario_id: str,
    days: Sequence[dt.date],
    *,
    target: PlanTarget,
    replications: int,
    seed: int,
    block_min: int = 60,
    rule: str = "square_root",
) -> tuple[Levels, CellStats]:
    """The rule-of-thumb staffing of every block (same arrival rates and service times as the
    planner's start) and what it really reaches when simulated on the same residents."""
    blocks = blocks_of_day(study, block_min)
    day_list = plan_days(study, days)
    evaluate = _Evaluator(study, scenario_id, day_list, blocks, replications, seed, target)
    pilot = evaluate(None)
    levels = erlang_start(
        pilot, study.scenario(scenario_id), blocks, target, evaluate.service_min, rule=rule
    )
    return levels, evaluate(levels)


def overall_service_level(cells: CellStats) -> float:
    """The service level of the whole day over every counter and block (ticket-weighted)."""
    frame = cells.table.drop_nulls(SERVICE_LEVEL)
    weights = frame["tickets_per_day"].to_numpy()
    levels = frame[SERVICE_LEVEL].to_numpy()
    total = float(weights.sum())
    return float((levels * weights).sum()) / total if total else math.nan


def erlang_c_staff(lam_per_min: float, mean_service_min: float, target: PlanTarget) -> int:
    """Smallest c whose M/M/c queue calls ``share`` of arrivals within ``within_min`` (≥ 1)."""
    if lam_per_min <= 0 or mean_service_min <= 0:
        return 1
    mu = 1.0 / mean_service_min
    c = max(1, math.floor(lam_per_min / mu) + 1)
    while erlang_c_service_level(lam_per_min, mu, c, target.within_min) < target.share:
        c += 1
    return c


def plan_days(study: Study, days: Sequence[dt.date]) -> list[dt.date]:
    """The open days among ``days`` (a readable error when none is open)."""
    open_days = sorted({d for d in days if is_working_day(study, d)})
    if not open_days:
        shown = ", ".join(d.isoformat() for d in days)
        raise InputError(
            f"the hall is closed on {shown} (weekend or holiday of the study)",
            hint="pick an open weekday",
        )
    return open_days


def plan_staffing(
    study: Study,
    scenario_id: str,
    days: Sequence[dt.date],
    *,
    target: PlanTarget | None = None,
    replications: int = 20,
    seed: int = 20260401,
    block_min: int = 60,
    verify_seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> StaffingPlan:
    """The fewest staff-hours per counter and block meeting ``target`` (see the module docstring)."""
    target = target or PlanTarget()
    if replications < 2:
        raise InputError("the planner needs at least 2 replications", hint="pass --replications 2")
    scenario = study.scenario(scenario_id)
    day_list = plan_days(study, days)
    blocks = blocks_of_day(study, block_min)
    say = progress or (lambda _text: None)
    evaluate = _Evaluator(study, scenario_id, day_list, blocks, replications, seed, target)
    limits = {c.id: staff_limits(c) for c in scenario.counters}
    current = {c.id: current_levels(c, blocks) for c in scenario.counters}
    pilot = evaluate(None)
    levels = erlang_start(pilot, scenario, blocks, target, evaluate.service_min)
    say(f"start (Erlang C per block): {staff_hours(levels, blocks):.1f} staff-hours")
    cells, levels = _raise(evaluate, levels, limits, target, say)
    cells, levels = _lower(evaluate, cells, levels, limits, target)
    say(f"after lowering: {staff_hours(levels, blocks):.1f} staff-hours")
    cells, levels, one_fewer = _verify_removals(evaluate, cells, levels, limits, target)
    verify_seed = seed + 7919 if verify_seed is None else verify_seed
    check = evaluate(levels, seed=verify_seed)
    missed = _missed_because(cells, levels, limits, target)
    table = _plan_table(cells, check, current, one_fewer, missed, target)
    arr = study.arrivals
    current_hours = (
        sum(_staff_minutes_open(c, arr.open_min, arr.close_min) for c in scenario.counters) / 60.0
    )
    notes = _plan_notes(table, target, verify_seed)
    return StaffingPlan(
        study=planned_study(study, scenario_id, levels, blocks),
        scenario_id=scenario_id,
        days=tuple(day_list),
        blocks=tuple(blocks),
        target=target,
        levels=levels,
        table=table,
        planned_staff_hours=staff_hours(levels, blocks),
        current_staff_hours=current_hours,
        evaluations=evaluate.count,
        seed=seed,
        verify_seed=verify_seed,
        notes=notes,
    )


def staff_hours(levels: dict[str, list[int]], blocks: Sequence[Block]) -> float:
    """Staff-hours of a staffing per block (servers × block hours, summed)."""
    return sum(n * blocks[b].hours for row in levels.values() for b, n in enumerate(row))


def _raise(
    evaluate: _Evaluator,
    levels: Levels,
    limits: Limits,
    target: PlanTarget,
    say: Callable[[str], None],
) -> tuple[CellStats, Levels]:
    """Add one server to every block that misses the target, until none that can be raised does.

    A block whose service level did not change at all after its last raise is not raised again
    (more staff does not help there: for example tickets drawn after closing time, when nobody
    is left; with common random numbers such a block's figures stay the same).
    """
    levels = {cid: list(row) for cid, row in levels.items()}
    cells = evaluate(levels)
    stuck: set[tuple[str, int]] = set()
    raised_last: set[tuple[str, int]] = set()
    before: dict[tuple[str, int], float] = {}
    for _ in range(_MAX_RAISES):
        level = cells.level()
        stuck |= {key for key in raised_last if abs(level[key] - before[key]) <= 1e-12}
        raised_last = set()
        for key, ok in cells.meets(target).items():
            cid, b = key
            if not ok and key not in stuck and levels[cid][b] < limits[cid][1]:
                levels[cid][b] += 1
                raised_last.add(key)
                before[key] = level[key]
        if not raised_last:
            break
        say(f"raised {len(raised_last)} block(s)")
        cells = evaluate(levels)
    return cells, levels


def _acceptable(
    before: CellStats, after: CellStats, lowered: tuple[str, int], target: PlanTarget
) -> bool:
    """Whether one server fewer in ``lowered`` is acceptable: every block that met the target
    still does, and the lowered block meets it too, or (if it did not meet it before) its
    service level did not fall."""
    met, meets = before.meets(target), after.meets(target)
    if not all(meets[key] for key, ok in met.items() if ok):
        return False
    if met[lowered]:
        return meets[lowered]
    was, now = before.level()[lowered], after.level()[lowered]
    return now >= was - 1e-12


def _lower(
    evaluate: _Evaluator, cells: CellStats, levels: Levels, limits: Limits, target: PlanTarget
) -> tuple[CellStats, Levels]:
    """Take one server from each block in turn (largest margin first) while every block holds."""
    margin = cells.margin(target)
    order = sorted(
        (key for key in margin if levels[key[0]][key[1]] > limits[key[0]][0]),
        key=lambda key: (-margin[key], key),
    )
    for cid, b in order:
        trial = {k: list(v) for k, v in levels.items()}
        trial[cid][b] -= 1
        tried = evaluate(trial)
        if _acceptable(cells, tried, (cid, b), target):
            cells, levels = tried, trial
    return cells, levels


def _verify_removals(
    evaluate: _Evaluator, cells: CellStats, levels: Levels, limits: Limits, target: PlanTarget
) -> tuple[CellStats, Levels, dict[tuple[str, int], tuple[float | None, bool]]]:
    """One server fewer in each block of the plan: its service level bound and whether it misses."""
    found: dict[tuple[str, int], tuple[float | None, bool]] = {}
    for cid, row in sorted(levels.items()):
        for b in range(len(row)):
            if levels[cid][b] <= limits[cid][0]:
                continue
            trial = {k: list(v) for k, v in levels.items()}
            trial[cid][b] -= 1
            tried = evaluate(trial)
            low = tried.table.filter((pl.col("counter_id") == cid) & (pl.col("block") == b))[
                "sl_low"
            ].item()
            misses = not _acceptable(cells, tried, (cid, b), target)
            found[(cid, b)] = (low, misses)
            if not misses:  # still meets: keep the saving
                cells, levels = tried, trial
    return cells, levels, found


def _missed_because(
    cells: CellStats, levels: Levels, limits: Limits, target: PlanTarget
) -> dict[tuple[str, int], str]:
    """Why each block that misses the target in the final plan was left there."""
    return {
        (cid, b): MAX_STAFF if levels[cid][b] >= limits[cid][1] else NO_HELP
        for (cid, b), ok in cells.meets(target).items()
        if not ok
    }


def _plan_notes(table: pl.DataFrame, target: PlanTarget, verify_seed: int) -> list[str]:
    """One line per block below the target: in the search (and why), or only on new residents."""
    notes = []
    for r in table.iter_rows(named=True):
        where = f"{r['counter_id']} {r['hours']}"
        low = "–" if r["sl_low"] is None else f"{r['sl_low']:.2f}"
        if r["missed_because"] == MAX_STAFF:
            notes.append(
                f"{where}: misses the target at max_staff ({r['staff']} staff; lower bound {low}"
                f" < {target.share:.2f}) — allow more staff (max_staff) or accept the miss"
            )
        elif r["missed_because"] == NO_HELP:
            notes.append(
                f"{where}: misses the target with {r['staff']} staff (lower bound {low}); more "
                "staff did not help"
            )
        elif not r["verify_meets"]:
            verify = "–" if r["verify_sl_low"] is None else f"{r['verify_sl_low']:.2f}"
            notes.append(
                f"{where}: meets the target, but not on new residents (seed {verify_seed}: "
                f"lower bound {verify})"
            )
    return notes


def _plan_table(
    cells: CellStats,
    check: CellStats,
    current: Levels,
    one_fewer: dict[tuple[str, int], tuple[float | None, bool]],
    missed: dict[tuple[str, int], str],
    target: PlanTarget,
) -> pl.DataFrame:
    meets = cells.meets(target)
    verify = check.meets(target)
    keys = list(zip(cells.table["counter_id"], cells.table["block"], strict=True))
    extra = pl.DataFrame(
        {
            "current_staff": [current[c][b] for c, b in keys],
            "meets_target": [meets[k] for k in keys],
            "missed_because": [missed.get(k) for k in keys],
            "sl_low_one_fewer": [one_fewer.get(k, (None, True))[0] for k in keys],
            "one_fewer_misses": [one_fewer[k][1] if k in one_fewer else None for k in keys],
            f"verify_{SERVICE_LEVEL}": check.table[SERVICE_LEVEL],
            "verify_sl_low": check.table["sl_low"],
            "verify_meets": [verify[k] for k in keys],
        },
        schema_overrides={
            "missed_because": pl.String,
            "sl_low_one_fewer": pl.Float64,
            "one_fewer_misses": pl.Boolean,
        },
    )
    table = pl.concat([cells.table, extra], how="horizontal")
    first = ["counter_id", "block", "hours", "staff", "current_staff"]
    return table.select(*first, pl.exclude(first))


# --------------------------------------------------------------------------- kinds of day

_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def kinds_of_days(study: Study, days: Sequence[dt.date]) -> dict[str, list[dt.date]]:
    """The open days among ``days`` grouped by kind: month × weekday, and the first open day
    after a holiday of the study as a kind of its own (``"03-mon"``, ``"03-tue-after-holiday"``)."""
    from simulation.forecast import HallCalendar

    calendar = HallCalendar(frozenset(study.arrivals.holidays))
    kinds: dict[str, list[dt.date]] = {}
    for day in plan_days(study, days):
        key = f"{day.month:02d}-{_WEEKDAY_KEYS[day.weekday()]}"
        if calendar.flags(day)["after_holiday"]:
            key += "-after-holiday"
        kinds.setdefault(key, []).append(day)
    return dict(sorted(kinds.items()))


def plan_by_kind(
    study: Study,
    scenario_id: str,
    days: Sequence[dt.date],
    *,
    target: PlanTarget | None = None,
    replications: int = 20,
    seed: int = 20260401,
    block_min: int = 60,
    progress: Callable[[str], None] | None = None,
) -> tuple[Study, pl.DataFrame, dict[str, StaffingPlan]]:
    """One plan per kind of day (:func:`kinds_of_days`), its days simulated together.

    Returns the study with one more scenario per kind (``<scenario>_<kind>``, the planned
    shifts; the original scenarios unchanged), the tables of every plan with ``kind`` and
    ``days`` columns first, and the plans by kind.
    """
    say = progress or (lambda _text: None)
    plans: dict[str, StaffingPlan] = {}
    for kind, kind_days in kinds_of_days(study, days).items():
        say(f"kind of day {kind}: {len(kind_days)} day(s)")
        plans[kind] = plan_staffing(
            study,
            scenario_id,
            kind_days,
            target=target,
            replications=replications,
            seed=seed,
            block_min=block_min,
            progress=progress,
        )
    new = copy.deepcopy(study)
    for kind, plan in plans.items():
        scenario = copy.deepcopy(plan.study.scenario(scenario_id))
        scenario.id = f"{scenario_id}_{kind}"
        scenario.name_ja = f"{scenario.name_ja}（計画 {kind}）" if scenario.name_ja else ""
        scenario.name_en = f"{scenario.name_en} (plan {kind})" if scenario.name_en else ""
        new.scenarios.append(scenario)
    new.model_post_init(None)
    tables = [
        plan.table.select(
            pl.lit(kind).alias("kind"),
            pl.lit(" ".join(d.isoformat() for d in plan.days)).alias("days"),
            pl.all(),
        )
        for kind, plan in plans.items()
    ]
    return new.with_source(study.source), pl.concat(tables), plans
