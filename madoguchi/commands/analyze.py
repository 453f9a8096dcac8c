"""``madoguchi analyze``: read a counter log (and a survey), compute every KPI and table, write them.

Outputs in ``--out``: ``accepted.parquet`` (canonical, pseudonymised), ``rejected.csv``,
``kpi_summary.csv`` (scenario,kpi,value), per-hour, per-weekday-hour, per-counter, per-staff,
people-waiting, flows and variants tables (CSV, UTF-8 with BOM), survey tables when ``--survey``,
the event log as an XES file (``event_log.xes.gz``: ProM, PM4Py, Disco; timestamps with
``--utc-offset``, counter and procedure names from ``--study``) and as an XES-keyed table
(``event_log_xes.csv`` / ``.parquet``), and all tables in ``analysis.xlsx``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import InputError
from madoguchi.outputs import OutputFolder, output_folder

__all__ = ["analyze_into", "register", "run_analyze"]


def _apply_scenario(log: Any, scenario: str | None, source: str) -> Any:
    """Label or select the scenario: a log without a scenario column is labelled ``scenario``;
    a log with one keeps only that scenario's rows (an unknown name is an InputError)."""
    import polars as pl

    if scenario is None:
        return log
    if "scenario" not in log.columns:
        return log.with_columns(pl.lit(scenario).alias("scenario"))
    present = sorted(str(s) for s in log["scenario"].unique().to_list())
    if scenario not in present:
        raise InputError(
            f"no scenario '{scenario}' in the log (scenarios: {', '.join(present)})",
            file=source,
            column="scenario",
        )
    return log.filter(pl.col("scenario") == scenario)


def run_analyze(log_path: Path, out: Path, **options: Any) -> dict[str, Any]:
    """Do the whole ``analyze`` job into ``out`` safely (:mod:`madoguchi.outputs`: never onto an
    input, files renamed in when complete, manifest last); returns a small summary (rows, notes,
    files, KPI table). ``options`` are those of :func:`analyze_into`."""
    inputs = [log_path, *(options.get(k) for k in ("survey_path", "mapping", "study"))]
    with output_folder(out, inputs, command="analyze") as box:
        summary = analyze_into(log_path, box, **options)
    summary["files"] = {k: out / p.relative_to(box.staging) for k, p in summary["files"].items()}
    return summary


def analyze_into(
    log_path: Path,
    box: OutputFolder,
    *,
    survey_path: Path | None = None,
    mapping: Path | None = None,
    scenario: str | None = None,
    target_min: float = 15.0,
    salt: str | None = None,
    quiet: bool = False,
    utc_offset: str | None = None,
    study: Path | None = None,
) -> dict[str, Any]:
    """Read, check and analyse the log (and survey), writing every table into ``box``."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from journeys.analysis import write_analysis
    from journeys.excel_export import write_csv_bom
    from journeys.kpi_registry import label as kpi_label
    from journeys.metrics import kpi_notes, log_notes, prepare_log
    from journeys.readers import read_counter_log, read_survey
    from journeys.xes import check_utc_offset

    if target_min <= 0:
        raise InputError(f"--target-min must be positive, not {target_min}")
    try:
        if utc_offset is not None:
            check_utc_offset(utc_offset)
    except InputError as exc:
        raise InputError(f"--utc-offset: {exc.message}", hint=exc.hint) from exc
    checked = (
        (log_path, "--log"),
        (survey_path, "--survey"),
        (mapping, "--map"),
        (study, "--study"),
    )
    for path, what in checked:
        if path is not None and not Path(path).exists():
            raise InputError(f"{what} file not found", file=path)
    console = Console(highlight=False, quiet=quiet)
    out = box.staging  # written here, renamed into box.target when complete

    result = read_counter_log(log_path, mapping=mapping, salt=salt)
    box.rows.update(rows_in=result.rows_in, accepted=result.accepted.height)
    box.rows["rejected"] = result.rejected.height
    write_csv_bom(result.rejected, out / "rejected.csv")
    rejected_path = box.final("rejected.csv")
    log = _apply_scenario(result.accepted, scenario, str(log_path))
    log.write_parquet(out / "accepted.parquet")
    if log.height == 0:
        raise InputError(
            "no ticket of the log was accepted",
            file=log_path,
            hint=f"see the reasons in {rejected_path}",
        )

    survey = None
    survey_result = None
    if survey_path is not None:
        survey_result = read_survey(survey_path, salt=salt)
        write_csv_bom(survey_result.rejected, out / "survey_rejected.csv")
        survey = survey_result.accepted
        survey.write_parquet(out / "survey_accepted.parquet")
        if survey.height == 0:
            raise InputError(
                "no step of the survey was accepted",
                file=survey_path,
                hint=f"see the reasons in {box.final('survey_rejected.csv')}",
            )

    log = prepare_log(log)
    notes = list(dict.fromkeys([*result.notes, *log_notes(log), *kpi_notes(log)]))
    # The reader's note and ours say the same thing in two wordings when visits are missing.
    if any(n.startswith("no visit column") for n in result.notes):
        notes = [n for n in notes if not n.startswith("every visit has exactly one ticket")]
    notes_frame = pl.DataFrame(
        {"note": notes or ["(none)"]},
        schema={"note": pl.String},
    )
    names, zone = _xes_setting(study, utc_offset)
    written = write_analysis(
        log,
        out,
        survey=survey,
        service_target_min=target_min,
        extra_sheets={"注記 notes": notes_frame},
        utc_offset=zone,
        xes_names=names,
    )
    (out / "notes.txt").write_text("\n".join(notes) + ("\n" if notes else ""), encoding="utf-8")

    summary = written.tables["kpi_summary"]
    console.print(f"[bold]{log_path}[/]")
    console.print(
        f"rows in {result.rows_in:,} · accepted {result.accepted.height:,} · "
        f"rejected {result.rejected.height:,}"
        + (f" · analysed (scenario {scenario}) {log.height:,}" if scenario else "")
    )
    if result.dropped_columns and not any("personal column" in n for n in notes):
        console.print("personal columns dropped: " + ", ".join(result.dropped_columns))
    if survey_result is not None:
        console.print(
            f"survey {survey_path}: rows in {survey_result.rows_in:,} · accepted "
            f"{survey_result.accepted.height:,} · rejected {survey_result.rejected.height:,}"
        )
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")
    scenarios = summary["scenario"].unique(maintain_order=True).to_list()
    table = Table(title=f"KPIs (service target {target_min:g} min)")
    table.add_column("KPI")
    table.add_column("指標")
    for name in scenarios:
        table.add_column(str(name), justify="right")
    wide = summary.pivot(on="scenario", index="kpi", values="value")
    for row in wide.iter_rows(named=True):
        cells = [_fmt(row.get(str(name))) for name in scenarios]
        table.add_row(row["kpi"], kpi_label(row["kpi"], "ja"), *cells)
    console.print(table)
    console.print(f"tables and analysis.xlsx written to {box.target}")
    return {
        "rows_in": result.rows_in,
        "accepted": result.accepted.height,
        "rejected": result.rejected.height,
        "notes": tuple(notes),
        "files": written.files,
        "kpi_summary": summary,
    }


def _xes_setting(study: Path | None, utc_offset: str | None) -> tuple[Any, str]:
    """Names (Japanese) of the counters and procedures of ``study`` for the XES file (None
    without a study), and the UTC offset: ``--utc-offset``, else the study's ``utc_offset``,
    else +09:00."""
    from journeys.xes import DEFAULT_UTC_OFFSET, XesNames

    if study is None:
        return None, utc_offset or DEFAULT_UTC_OFFSET
    from simulation.model import load_study

    loaded = load_study(study)
    counters = {c.id: c.name_ja or c.name_en for s in loaded.scenarios for c in s.counters}
    procedures = {p.id: p.name_ja or p.name_en for p in loaded.procedures}
    zone = utc_offset or loaded.study.utc_offset or DEFAULT_UTC_OFFSET
    return XesNames(counters=counters, procedures=procedures), zone


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    number = float(value)
    if number != number:  # NaN
        return "—"
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.3f}" if abs(number) < 10 else f"{number:,.1f}"


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to the CLI."""

    @app.command("analyze", help="Compute every KPI and table of a counter log (and survey).")
    def analyze(
        log: Annotated[
            Path, typer.Option("--log", help="Counter log: raw export or canonical file.")
        ],
        out: Annotated[
            Path, typer.Option("--out", help="Folder for the tables and analysis.xlsx.")
        ],
        survey: Annotated[
            Path | None, typer.Option("--survey", help="Journey survey file.")
        ] = None,
        mapping: Annotated[Path | None, typer.Option("--map", help="Column mapping TOML.")] = None,
        scenario: Annotated[
            str | None,
            typer.Option("--scenario", help="Scenario name to label (or select in) the log."),
        ] = None,
        target_min: Annotated[
            float, typer.Option("--target-min", help="Service-level target: minutes to be called.")
        ] = 15.0,
        salt: Annotated[
            str | None,
            typer.Option("--salt", help="Pseudonymisation salt (default: env MADOGUCHI_SALT)."),
        ] = None,
        utc_offset: Annotated[
            str | None,
            typer.Option(
                "--utc-offset",
                help="The hall's UTC offset or time zone for the XES file "
                "(default: the study's utc_offset, else +09:00).",
            ),
        ] = None,
        study: Annotated[
            Path | None,
            typer.Option(
                "--study", help="Study file: counter and procedure names for the XES file."
            ),
        ] = None,
    ) -> None:
        run_analyze(
            log,
            out,
            survey_path=survey,
            mapping=mapping,
            scenario=scenario,
            target_min=target_min,
            salt=salt,
            utc_offset=utc_offset,
            study=study,
        )
