"""``madoguchi plan``: the fewest staff per counter and hour that call residents in time.

Runs :func:`simulation.planner.plan_staffing` on one scenario of a study for one day (or the
open days of a range, pooled), writes the planned study (the same study with the planned
shifts: it validates with ``madoguchi validate``-like checks on reading and simulates as is)
and, with ``--table``, the plan per counter and hour block as CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output, output_file, study_inputs

__all__ = ["register", "run_plan"]


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-03-30"
        ) from None


def plan_dates(day: str | None, start: str | None, end: str | None) -> list[dt.date]:
    """The days to plan for: ``--date``, or every day from ``--from`` to ``--to``."""
    if day is not None and (start or end):
        raise InputError("give either --date or --from/--to, not both")
    if day is not None:
        return [_date(day, "--date")]
    if start is None or end is None:
        raise InputError("no day to plan for", hint="pass --date 2026-03-30 (or --from and --to)")
    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        raise InputError(f"--to {end} is before --from {start}")
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def run_plan(
    study_path: Path,
    out: Path,
    *,
    scenario: str | None = None,
    days: list[dt.date],
    within: float = 15.0,
    share: float = 0.9,
    confidence: float = 0.95,
    replications: int = 20,
    seed: int = 20260401,
    block: int = 60,
    table: Path | None = None,
    quiet: bool = False,
) -> Any:
    """Do the whole ``plan`` job; returns the :class:`simulation.planner.StaffingPlan` (for a
    range of days, the plans by kind of day)."""
    from rich.console import Console

    from journeys.excel_export import write_csv_safe
    from simulation.model import load_study
    from simulation.planner import PlanTarget, plan_staffing
    from simulation.study_io import dump_study, relocated

    inputs = study_inputs(study_path)
    check_output(out, inputs, folder=False)
    if table is not None:
        check_output(table, [*inputs, out], folder=False, flag="--table")
    console = Console(highlight=False, quiet=quiet, soft_wrap=True)
    study = load_study(study_path)
    scenario_id = scenario or study.scenario_ids[-1]
    target = PlanTarget(within_min=within, share=share, confidence=confidence)
    if len(days) > 1:
        return _plan_range(
            console,
            study,
            study_path,
            out,
            table,
            inputs,
            scenario_id,
            days,
            target,
            replications,
            seed,
            block,
        )
    result = plan_staffing(
        study,
        scenario_id,
        days,
        target=target,
        replications=replications,
        seed=seed,
        block_min=block,
        progress=lambda text: console.print(f"  · {text}"),
    )
    shown = ", ".join(d.isoformat() for d in result.days)
    header = (
        f"Planned by `madoguchi plan` from {study_path.name}: scenario {scenario_id!r} on {shown},\n"
        f"target {share:.0%} of tickets called within {within:g} min "
        f"(lower end of the {confidence:.0%} interval), {replications} replications, seed {seed}.\n"
        "Only the shifts and staff of that scenario's counters differ from the original."
    )
    planned = relocated(result.study, Path(out).resolve().parent)
    with output_file(out, inputs) as partial:
        dump_study(planned, partial, header=header)
        load_study(partial)  # the planned study reads back and passes every check
    console.print(f"planned study → {out}")
    if table is not None:
        with output_file(table, [*inputs, out], flag="--table") as partial:
            write_csv_safe(result.table, partial, float_precision=4)
        console.print(f"plan per counter and hour → {table}")
    _report(console, result, replications)
    return result


def _plan_range(
    console: Any,
    study: Any,
    study_path: Path,
    out: Path,
    table: Path | None,
    inputs: list[Path],
    scenario_id: str,
    days: list[dt.date],
    target: Any,
    replications: int,
    seed: int,
    block: int,
) -> Any:
    """A date range: one plan per kind of day, each a scenario of its own in the planned study."""
    from journeys.excel_export import write_csv_safe
    from simulation.model import load_study
    from simulation.planner import plan_by_kind
    from simulation.study_io import dump_study, relocated

    new, frame, plans = plan_by_kind(
        study,
        scenario_id,
        days,
        target=target,
        replications=replications,
        seed=seed,
        block_min=block,
        progress=lambda text: console.print(f"  · {text}"),
    )
    header = (
        f"Planned by `madoguchi plan` from {study_path.name}: scenario {scenario_id!r} from "
        f"{days[0]} to {days[-1]}, one scenario per kind of day ({', '.join(plans)}),\n"
        f"target {target.share:.0%} of tickets called within {target.within_min:g} min "
        f"(lower end of the {target.confidence:.0%} interval), {replications} replications, "
        f"seed {seed}."
    )
    with output_file(out, inputs) as partial:
        dump_study(relocated(new, Path(out).resolve().parent), partial, header=header)
        load_study(partial)
    console.print(f"planned study ({len(plans)} kinds of day as scenarios) → {out}")
    if table is not None:
        with output_file(table, [*inputs, out], flag="--table") as partial:
            write_csv_safe(frame, partial, float_precision=4)
        console.print(f"plan per kind of day, counter and hour → {table}")
    for kind, plan in plans.items():
        console.print(f"[{kind}] {', '.join(d.isoformat() for d in plan.days)}")
        _report(console, plan, replications)
    return plans


def _report(console: Any, result: Any, replications: int) -> None:
    """Staff-hours planned vs current, the basis of the intervals, and how the verification
    went."""
    frame = result.table
    shown = ", ".join(d.isoformat() for d in result.days)
    console.print(
        f"service level per block: service_level_all_tickets (abandoned tickets count as missed), "
        f"{result.target.confidence:.0%} interval over {replications} replications of {shown} "
        "(Student t on the logit scale)"
    )
    blocks = frame.height
    met = int(frame["meets_target"].sum())
    verified = int(frame["verify_meets"].sum())
    tried = frame.filter(frame["one_fewer_misses"].is_not_null())
    misses = int(tried["one_fewer_misses"].sum())
    lowered = tried.height - misses
    console.print(
        f"staff-hours: planned {result.planned_staff_hours:.1f} vs current "
        f"{result.current_staff_hours:.1f} (opening hours, lunch included)"
    )
    console.print(
        f"blocks meeting the target (lower end of the interval ≥ the share): {met} of {blocks}; "
        f"re-simulated with seed {result.verify_seed}, the same rule: {verified} of {blocks}"
    )
    at_max = int((frame["missed_because"] == "max_staff").sum())
    if at_max:
        console.print(
            f"[bold]{at_max} block(s) miss the target at max_staff[/]: the study's max_staff "
            "caps them (raise it, or accept the miss); each is listed below"
        )
    console.print(
        f"one server fewer misses the target in {misses} of {tried.height} blocks above "
        f"min_staff; {lowered} lowered in that check ({result.evaluations} simulations)"
    )
    for note in result.notes:
        console.print(f"  · {note}")


def register(app: typer.Typer) -> None:
    """Add ``madoguchi plan`` to the command line."""

    @app.command("plan", short_help="Plan staff per counter and hour to call residents in time.")
    def plan_command(
        study: Annotated[Path, typer.Argument(help="Study file (.toml or .xlsx).")],
        out: Annotated[
            Path, typer.Option("--out", help="Planned study to write (.toml, planned shifts).")
        ],
        scenario: Annotated[
            str | None,
            typer.Option("--scenario", help="Scenario to plan (default: the study's last)."),
        ] = None,
        date: Annotated[
            str | None, typer.Option("--date", help="Day to plan for (YYYY-MM-DD).")
        ] = None,
        start: Annotated[
            str | None, typer.Option("--from", help="First day of a range planned together.")
        ] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day of the range.")] = None,
        within: Annotated[
            float, typer.Option("--within", help="Minutes within which residents are called.")
        ] = 15.0,
        share: Annotated[
            float, typer.Option("--share", help="Share of tickets to call within the target.")
        ] = 0.9,
        confidence: Annotated[
            float, typer.Option("--confidence", help="Confidence of the interval (0.95).")
        ] = 0.95,
        replications: Annotated[
            int, typer.Option("--replications", help="Replications per evaluated staffing.")
        ] = 20,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20260401,
        block: Annotated[
            int, typer.Option("--block", help="Hour block in minutes: 30 or 60.")
        ] = 60,
        table: Annotated[
            Path | None, typer.Option("--table", help="Write the plan per counter and hour (CSV).")
        ] = None,
    ) -> None:
        """Plan staff per counter and hour block so that residents are called in time."""
        run_plan(
            study,
            out,
            scenario=scenario,
            days=plan_dates(date, start, end),
            within=within,
            share=share,
            confidence=confidence,
            replications=replications,
            seed=seed,
            block=block,
            table=table,
        )
