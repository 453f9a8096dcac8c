"""``madoguchi forecast``: the residents' congestion calendar, and its backtest.

From an observed counter log and a study: expected residents and waits per open day and hour
of a period (:func:`simulation.forecast.forecast`), written as the offline calendar page
(:func:`dashboards.calendar.calendar_html`) and, with ``--csv``, the table for the city's
website. ``--backtest`` fits on the first part of the log and forecasts the rest instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output, output_file, study_inputs

__all__ = ["register", "run_backtest", "run_forecast"]


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2027-03-01"
        ) from None


def _read_log(path: Path, salt: str | None) -> Any:
    from journeys.readers import read_counter_log

    if not path.exists():
        raise InputError("--log file not found", file=path)
    return read_counter_log(path, salt=salt).accepted


def run_forecast(
    log_path: Path,
    study_path: Path,
    first: dt.date,
    last: dt.date,
    out: Path,
    *,
    csv: Path | None = None,
    scenario: str | None = None,
    replications: int = 5,
    seed: int = 20260401,
    salt: str | None = None,
    quiet: bool = False,
) -> Any:
    """Do the whole ``forecast`` job; returns the :class:`simulation.forecast.Forecast`."""
    from rich.console import Console

    from dashboards.calendar import calendar_html, forecast_csv
    from journeys.excel_export import write_csv_safe
    from simulation.forecast import fit_forecast_model, forecast
    from simulation.model import load_study

    inputs = [log_path, *study_inputs(study_path)]
    check_output(out, inputs, folder=False)
    if csv is not None:
        check_output(csv, [*inputs, out], folder=False, flag="--csv")
    console = Console(highlight=False, quiet=quiet, soft_wrap=True)
    study = load_study(study_path)
    log = _read_log(log_path, salt)
    model = fit_forecast_model(log, study)
    fc = forecast(
        model, study, first, last, scenario_id=scenario, replications=replications, seed=seed
    )
    with output_file(out, inputs) as partial:
        partial.write_text(calendar_html(fc), encoding="utf-8", newline="\n")
    console.print(f"calendar ({len(fc.days)} open days, scenario {fc.scenario_id!r}) → {out}")
    if csv is not None:
        with output_file(csv, [*inputs, out], flag="--csv") as partial:
            write_csv_safe(forecast_csv(fc), partial)
        console.print(f"forecast per day and hour → {csv}")
    counts = fc.half_days.group_by("label_en").len().sort("label_en")
    console.print("half-days: " + ", ".join(f"{label} {n}" for label, n in counts.iter_rows()))
    if fc.closed:
        console.print("closed weekdays: " + ", ".join(d.isoformat() for d in fc.closed))
    for note in model.notes:
        console.print(f"  · {note}")
    return fc


def run_backtest(
    log_path: Path,
    study_path: Path,
    *,
    split: dt.date | None = None,
    scenario: str | None = None,
    replications: int = 5,
    seed: int = 20260401,
    csv: Path | None = None,
    salt: str | None = None,
    quiet: bool = False,
) -> Any:
    """Fit on the log before ``split``, forecast the rest, print the errors; returns the result."""
    from rich.console import Console

    from journeys.excel_export import write_csv_safe
    from simulation.forecast import backtest
    from simulation.model import load_study

    inputs = [log_path, *study_inputs(study_path)]
    if csv is not None:
        check_output(csv, inputs, folder=False, flag="--csv")
    console = Console(highlight=False, quiet=quiet, soft_wrap=True)
    study = load_study(study_path)
    log = _read_log(log_path, salt)
    result = backtest(
        log, study, split=split, scenario_id=scenario, replications=replications, seed=seed
    )
    console.print(
        f"fitted on {result.fit_days} days before {result.split}, forecast {result.test_days} days"
    )
    console.print(
        f"MAE of hourly mean waits: {result.mae_wait_min:.1f} min "
        f"(naive, same weekday of the previous weeks: {result.naive_mae_wait_min:.1f} min)"
    )
    console.print(
        f"busiest days found: {result.busiest_found} of {result.busiest} "
        f"(naive: {result.naive_busiest_found} of {result.busiest})"
    )
    if csv is not None:
        with output_file(csv, inputs, flag="--csv") as partial:
            write_csv_safe(result.table, partial, float_precision=2)
        console.print(f"observed vs forecast per day and hour → {csv}")
    return result


def register(app: typer.Typer) -> None:
    """Add ``madoguchi forecast`` to the command line."""

    @app.command("forecast", short_help="Congestion calendar for residents (or its backtest).")
    def forecast_command(
        log: Annotated[
            Path, typer.Option("--log", help="Observed counter log (export, Excel or Parquet).")
        ],
        study: Annotated[Path, typer.Option("--study", help="Study file (.toml or .xlsx).")],
        start: Annotated[
            str | None, typer.Option("--from", help="First day of the forecast (YYYY-MM-DD).")
        ] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day of the forecast.")] = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="Calendar page to write (.html).")
        ] = None,
        csv: Annotated[
            Path | None, typer.Option("--csv", help="Write the table per day and hour (CSV).")
        ] = None,
        scenario: Annotated[
            str | None,
            typer.Option("--scenario", help="Staffing to simulate (default: the log's scenario)."),
        ] = None,
        replications: Annotated[
            int, typer.Option("--replications", help="Replications of the simulated days.")
        ] = 5,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20260401,
        backtest: Annotated[
            bool,
            typer.Option("--backtest", help="Fit on the log's first part, forecast the rest."),
        ] = False,
        split: Annotated[
            str | None,
            typer.Option("--split", help="Backtest: first forecast day (default: mid-log)."),
        ] = None,
        salt: Annotated[
            str | None, typer.Option("--salt", help="Salt for pseudonymising visit ids.")
        ] = None,
    ) -> None:
        """Forecast residents and waits per day and hour; write the congestion calendar."""
        if backtest:
            run_backtest(
                log,
                study,
                split=_date(split, "--split"),
                scenario=scenario,
                replications=replications,
                seed=seed,
                csv=csv,
                salt=salt,
            )
            return
        first, last = _date(start, "--from"), _date(end, "--to")
        if first is None or last is None or out is None:
            raise InputError(
                "a forecast needs --from, --to and --out",
                hint="e.g. --from 2027-03-01 --to 2027-04-30 --out calendar.html (or --backtest)",
            )
        run_forecast(
            log,
            study,
            first,
            last,
            out,
            csv=csv,
            scenario=scenario,
            replications=replications,
            seed=seed,
            salt=salt,
        )
