"""``madoguchi calibrate``: fit a study's arrivals and service times to an observed counter log.

Reads the log with the workbench's reader (raw export, Excel or canonical Parquet), fits the
arrival profile and the service-time distributions (see :mod:`simulation.calibrate`), writes the
calibrated study as TOML and, with ``--fit-table``, the goodness-of-fit table as CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output, output_file, study_inputs

__all__ = ["register", "run_calibrate"]


def _read_log(path: Path, salt: str | None) -> Any:
    """The canonical counter log of a file (raw export, Excel or canonical Parquet)."""
    from journeys.readers import read_counter_log

    return read_counter_log(path, salt=salt).accepted


def _read_survey(path: Path, salt: str | None) -> Any:
    """The canonical journey survey of a file (survey sheet or canonical Parquet)."""
    from journeys.readers import read_survey

    return read_survey(path, salt=salt).accepted


def run_calibrate(
    log_path: Path,
    study_path: Path,
    out: Path,
    *,
    survey_path: Path | None = None,
    fit_table: Path | None = None,
    scenario: str | None = None,
    min_n: int = 30,
    salt: str | None = None,
    quiet: bool = False,
) -> Any:
    """Do the whole ``calibrate`` job; returns the :class:`simulation.calibrate.CalibrationResult`."""
    import polars as pl
    from rich.console import Console

    from journeys.excel_export import write_csv_safe
    from simulation.calibrate import calibrate
    from simulation.model import load_study
    from simulation.study_io import dump_study, relocated

    for path, what in ((log_path, "LOG"), (study_path, "--study"), (survey_path, "--survey")):
        if path is not None and not Path(path).exists():
            raise InputError(f"{what} file not found", file=path)
    if min_n < 2:
        raise InputError(f"--min-n must be at least 2, not {min_n}")
    inputs = [log_path, *study_inputs(study_path), survey_path]
    check_output(out, inputs, folder=False)
    if fit_table is not None:
        check_output(fit_table, [*inputs, out], folder=False, flag="--fit-table")
    console = Console(highlight=False, quiet=quiet)
    study = load_study(study_path)
    log = _read_log(log_path, salt)
    if scenario is not None and "scenario" in log.columns:
        log = log.filter(pl.col("scenario") == scenario)
    if log.height == 0:
        raise InputError("no ticket to calibrate on", file=log_path)
    survey = _read_survey(survey_path, salt) if survey_path is not None else None
    result = calibrate(log, study, survey=survey, scenario_id=scenario, min_n=min_n)
    header = (
        f"Calibrated by `madoguchi calibrate` from {log_path.name} on the study {study_path.name}.\n"
        "Fitted: arrivals (residents_per_day, weekday_factor, hour_profile), service times, no_show_rate."
    )
    with output_file(out, inputs) as partial:
        dump_study(relocated(result.study, Path(out).parent), partial, header=header)
    console.print(f"calibrated study → {out}")
    if fit_table is not None:
        with output_file(fit_table, [*inputs, out], flag="--fit-table") as partial:
            write_csv_safe(result.fit_table, partial)
        console.print(f"goodness-of-fit table → {fit_table}")
    arr = result.study.arrivals
    console.print(
        f"residents_per_day {study.arrivals.residents_per_day:g} → {arr.residents_per_day:g}; "
        f"weekday_factor {', '.join(f'{v:.2f}' for v in arr.weekday_factor)}"
    )
    chosen = result.fit_table.filter(pl.col("chosen"))
    counts = chosen.group_by("dist").len().sort("dist")
    console.print(
        f"{chosen.height} service-time groups fitted: "
        + ", ".join(f"{d} {n}" for d, n in counts.iter_rows())
    )
    for note in result.notes:
        console.print(f"  · {note}")
    return result


def register(app: typer.Typer) -> None:
    """Add ``madoguchi calibrate`` to the command line."""

    @app.command("calibrate", short_help="Fit arrivals and service times to an observed log.")
    def calibrate_command(
        log: Annotated[
            Path,
            typer.Argument(
                help="Observed counter log (ticket export, Excel or canonical Parquet)."
            ),
        ],
        study: Annotated[
            Path, typer.Option("--study", help="Study file (.toml or .xlsx) to start from.")
        ],
        out: Annotated[Path, typer.Option("--out", help="Calibrated study to write (.toml).")],
        survey: Annotated[
            Path | None,
            typer.Option(
                "--survey", help="Journey survey: writing minutes per form, walking speed."
            ),
        ] = None,
        fit_table: Annotated[
            Path | None, typer.Option("--fit-table", help="Write the goodness-of-fit table (CSV).")
        ] = None,
        scenario: Annotated[
            str | None,
            typer.Option("--scenario", help="Scenario of the study the log was observed under."),
        ] = None,
        min_n: Annotated[
            int, typer.Option("--min-n", help="Fewest tickets to fit a service time.")
        ] = 30,
        salt: Annotated[
            str | None, typer.Option("--salt", help="Salt for pseudonymising visit ids.")
        ] = None,
    ) -> None:
        """Fit a study's arrivals and service times to an observed counter log."""
        run_calibrate(
            log,
            study,
            out,
            survey_path=survey,
            fit_table=fit_table,
            scenario=scenario,
            min_n=min_n,
            salt=salt,
        )
