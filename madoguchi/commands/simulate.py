"""``madoguchi simulate`` and ``madoguchi sweep``: replications of a study's scenarios, with CIs.

``simulate`` writes, in ``--out``: ``log.parquet`` (the canonical counter log of every scenario
and replication), ``staff_log.parquet``, ``visits.parquet``, ``kpi_summary.csv``
(scenario,kpi,mean,ci_low,ci_high: mean over replications, each pooling all its days, and the
95 % Student t interval; a share's on the logit scale, inside 0–1), ``comparison.csv`` (kpi,baseline,alternative,difference,
ci_low,ci_high; the first scenario is the baseline, differences are paired over replications),
``replications.csv`` (one row per scenario × replication) and, with 2+ replications,
``trial.csv`` (replications needed for a ±5 % confidence interval on each KPI); the summary
and comparison end with the KPI registry's labels, the unit of the stored value and the basis
(指標, label_en, 単位, unit, 集計単位, basis). ``sweep`` writes ``sweep.csv``
(param,value,scenario,kpi,mean,ci_low,ci_high): a staffing curve.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output_folder, output_folder, study_inputs

__all__ = ["register", "run_simulate", "run_sweep"]

#: KPIs shown in the terminal tables (every KPI is in the CSV files).
SHOWN_KPIS: tuple[str, ...] = (
    "visits_per_day",
    "counters_per_visit_mean",
    "wait_min_mean",
    "wait_min_p90",
    "time_in_hall_min_mean",
    "service_level",
    "abandon_share",
    "forms_written_per_visit",
    "walking_m_per_visit",
    "writing_min_per_visit",
    "staff_busy_min_per_day",
    "utilisation",
    "overtime_min_per_day",
)


def _parse_start(start: str | None) -> dt.date | None:
    if start is None:
        return None
    try:
        return dt.date.fromisoformat(start)
    except ValueError as exc:
        raise InputError(f"--start must be a date YYYY-MM-DD, not {start!r}") from exc


def _days(study: Any, days: int, start: str | None) -> list[dt.date]:
    from simulation.engine import default_days

    return default_days(study, days, _parse_start(start))


def _check_counts(replications: int, workers: int | None) -> None:
    from simulation.limits import MAX_REPLICATIONS

    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(
            f"--replications must be 1 … {MAX_REPLICATIONS:,}, not {replications:,}",
            hint="see Limits in docs/study-format.md",
        )
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")


def _setup(
    study_path: Path, *, replications: int, workers: int | None, days: int, start: str | None
) -> tuple[Any, list[dt.date], int]:
    """What ``simulate`` and ``sweep`` both need: the checked study, its days and the workers."""
    from simulation.model import load_study
    from simulation.parallel import available_workers

    _check_counts(replications, workers)
    study = load_study(study_path)
    return study, _days(study, days, start), workers or available_workers()


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def run_simulate(
    study_path: Path,
    out: Path,
    *,
    replications: int = 10,
    seed: int = 20260401,
    days: int = 5,
    start: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> Any:
    """Do the whole ``simulate`` job and return the :class:`ExperimentResult`."""
    from rich.console import Console
    from rich.table import Table

    from journeys import kpi_registry as registry
    from journeys.excel_export import write_csv_bom
    from simulation.experiments import run_experiment, trial_table

    check_output_folder(out, study_inputs(study_path))
    study, day_list, n_workers = _setup(
        study_path, replications=replications, workers=workers, days=days, start=start
    )
    console = Console(highlight=False, quiet=quiet)
    result = run_experiment(
        study,
        replications=replications,
        seed=seed,
        days=day_list,
        workers=n_workers,
        scheduler=scheduler,
        progress=not quiet,
    )
    with output_folder(out, study_inputs(study_path), command="simulate", seed=seed) as box:
        box.rows.update(tickets=result.log.height, replications=replications)
        stage = box.staging
        result.log.write_parquet(stage / "log.parquet")
        result.staff_log.write_parquet(stage / "staff_log.parquet")
        result.visits.write_parquet(stage / "visits.parquet")
        write_csv_bom(registry.labelled(result.summary), stage / "kpi_summary.csv")
        write_csv_bom(registry.labelled(result.comparison), stage / "comparison.csv")
        write_csv_bom(result.replications, stage / "replications.csv")
        if replications >= 2:
            trial = trial_table(result.kpis, relative=0.05)
            write_csv_bom(trial, stage / "trial.csv")

    console.print(
        f"[bold]{study.study.name_ja or study.study.id}[/] — {len(result.scenarios)} scenarios × "
        f"{replications} replications × {len(day_list)} days ({day_list[0]} … {day_list[-1]}), seed {seed}"
    )
    if result.comparison.height:
        base, alts = result.scenarios[0], ", ".join(result.scenarios[1:])
        table = Table(title=f"比較 / comparison: {alts} − {base} (95 % CI, paired)")
        for col in ("KPI", "指標", base, alts, "差 / difference", "95 % CI"):
            table.add_column(col, justify="left" if col in ("KPI", "指標") else "right")
        rows = {r["kpi"]: r for r in result.comparison.iter_rows(named=True)}
        for kpi in SHOWN_KPIS:
            r = rows.get(kpi)
            if r is None:
                continue

            def shown(value: float, signed: bool = False, kpi: str = kpi) -> str:
                return registry.fmt(kpi, value, "en", signed=signed)

            table.add_row(
                registry.label(kpi, "en"),
                registry.label(kpi, "ja"),
                shown(r["baseline"]),
                shown(r["alternative"]),
                shown(r["difference"], True),
                f"{shown(r['ci_low'], True)} … {shown(r['ci_high'], True)}",
            )
        console.print(table)
        console.print(
            f"95 % CI: Student t over the {replications} replications (each pools its "
            f"{len(day_list)} days), paired differences; in kpi_summary.csv each scenario's "
            "interval of a share is built on the logit scale, so it stays inside 0–100 %"
        )
    if replications >= 2:
        wanted = trial.filter(trial["kpi"] == "wait_min_mean")
        needs = ", ".join(
            f"{r['scenario']} {r['replications_needed'] if r['replications_needed'] is not None else '—'}"
            for r in wanted.iter_rows(named=True)
        )
        console.print(
            f"必要な反復数 / replications for a ±5 % CI on the mean wait: {needs} (trial.csv)"
        )
    console.print(
        f"出力 / outputs: {out}/ (log.parquet, staff_log.parquet, visits.parquet, kpi_summary.csv, "
        "comparison.csv, replications.csv, trial.csv)"
    )
    return result


def run_sweep(
    study_path: Path,
    out: Path,
    *,
    param: str,
    values: str,
    scale: bool = False,
    replications: int = 5,
    seed: int = 20260401,
    days: int = 5,
    start: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> Any:
    """Do the whole ``sweep`` job and return the curve (polars DataFrame)."""
    from rich.console import Console
    from rich.table import Table

    from journeys.excel_export import write_csv_bom
    from simulation.experiments import sweep

    try:
        numbers = [float(v) for v in values.split(",") if v.strip()]
    except ValueError as exc:
        raise InputError(f"--values must be numbers separated by commas, not {values!r}") from exc
    if not numbers:
        raise InputError("--values is empty", hint="e.g. --values 2,3,4,5")
    check_output_folder(out, study_inputs(study_path))
    study, day_list, n_workers = _setup(
        study_path, replications=replications, workers=workers, days=days, start=start
    )
    curve = sweep(
        study,
        param,
        numbers,
        replications=replications,
        seed=seed,
        days=day_list,
        scale=scale,
        workers=n_workers,
        scheduler=scheduler,
        progress=not quiet,
    )
    with output_folder(out, study_inputs(study_path), command="sweep", seed=seed) as box:
        box.rows.update(rows=curve.height, replications=replications)
        write_csv_bom(curve, box.path("sweep.csv"))
    console = Console(highlight=False, quiet=quiet)
    import polars as pl

    from journeys.kpi_registry import label, unit

    wait = f"{label('wait_min_mean', 'ja')} / {label('wait_min_mean', 'en')}"
    table = Table(
        title=f"{param} {'× ' if scale else '= '}… : {wait} [{unit('wait_min_mean', 'en')}] (95 % CI)"
    )
    table.add_column("value", justify="right")
    scenarios = curve["scenario"].unique(maintain_order=True).to_list()
    for sc in scenarios:
        table.add_column(sc, justify="right")
    waits = curve.filter(pl.col("kpi") == "wait_min_mean")
    for v in numbers:
        cells = []
        for sc in scenarios:
            row = waits.filter((pl.col("value") == v) & (pl.col("scenario") == sc))
            if row.height:
                r = row.row(0, named=True)
                cells.append(f"{_fmt(r['mean'])} ({_fmt(r['ci_low'])} … {_fmt(r['ci_high'])})")
            else:
                cells.append("—")
        table.add_row(_fmt(v), *cells)
    console.print(table)
    console.print(f"出力 / output: {out / 'sweep.csv'}")
    return curve


#: Options shared by ``simulate`` and ``sweep``.
StudyArg = Annotated[Path, typer.Argument(help="Study file (.toml or .xlsx).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (same seed → same results).")]
DaysOpt = Annotated[int, typer.Option("--days", help="Working days per replication.")]
StartOpt = Annotated[
    str | None, typer.Option("--start", help="First day YYYY-MM-DD (default: study start_date).")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Processes (default: all cores).")
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address, or 'local'.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="Print nothing.")]


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` and ``sweep`` commands."""

    @app.command(
        "simulate",
        short_help="Simulate the study's scenarios with 95 % CIs.",
        help="Simulate a study's scenarios: replications, 95 % CIs, paired comparison.",
    )
    def simulate(
        study: StudyArg,
        out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path(
            "reports/simulate"
        ),
        replications: Annotated[
            int, typer.Option("--replications", "-r", help="Replications per scenario.")
        ] = 10,
        seed: SeedOpt = 20260401,
        days: DaysOpt = 5,
        start: StartOpt = None,
        workers: WorkersOpt = None,
        scheduler: SchedulerOpt = None,
        quiet: QuietOpt = False,
    ) -> None:
        run_simulate(
            study,
            out,
            replications=replications,
            seed=seed,
            days=days,
            start=start,
            workers=workers,
            scheduler=scheduler,
            quiet=quiet,
        )

    @app.command(
        "sweep",
        short_help="Sweep one parameter: a staffing curve with CIs.",
        help="Sweep one study parameter (such as a counter's staff): a staffing curve with CIs.",
    )
    def sweep_cmd(
        study: StudyArg,
        param: Annotated[
            str,
            typer.Option("--param", help="Dotted path, e.g. scenarios.reform.counters.W01.staff."),
        ],
        values: Annotated[
            str, typer.Option("--values", help="Comma-separated values, e.g. 2,3,4.")
        ],
        out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports/sweep"),
        scale: Annotated[
            bool, typer.Option("--scale", help="Values multiply the current value.")
        ] = False,
        replications: Annotated[
            int, typer.Option("--replications", "-r", help="Replications per value.")
        ] = 5,
        seed: SeedOpt = 20260401,
        days: DaysOpt = 5,
        start: StartOpt = None,
        workers: WorkersOpt = None,
        scheduler: SchedulerOpt = None,
        quiet: QuietOpt = False,
    ) -> None:
        run_sweep(
            study,
            out,
            param=param,
            values=values,
            scale=scale,
            replications=replications,
            seed=seed,
            days=days,
            start=start,
            workers=workers,
            scheduler=scheduler,
            quiet=quiet,
        )
