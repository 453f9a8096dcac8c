"""``madoguchi validate``: read a ticket log or survey sheet, check every row, print the tally.

A study file given to ``validate`` is checked as ``madoguchi check`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register", "render_report"]


def render_report(result: object, quarantine: Path | None = None) -> str:
    """The reconciliation of one read as text, with Japanese and English labels."""
    from journeys.validation import IngestResult

    assert isinstance(result, IngestResult)
    lines = [
        f"file / ファイル: {result.source}",
        f"rows in / 読込行数:          {result.rows_in:>10,}",
        f"accepted / 取込行数:         {result.accepted.height:>10,}",
        f"rejected / 除外行数:         {result.rejected.height:>10,}",
    ]
    reasons = result.reasons()
    if reasons.height:
        lines.append("rejected by reason / 除外理由別:")
        for code, ja, en, n in reasons.iter_rows():
            lines.append(f"  {code:<22} {n:>8,}  {ja} / {en}")
    if result.dropped_columns:
        lines.append(
            "personal columns dropped / 削除した個人情報列: " + ", ".join(result.dropped_columns)
        )
    else:
        lines.append("personal columns dropped / 削除した個人情報列: none / なし")
    if result.notes:
        lines.append("notes / 注記:")
        lines.extend(f"  - {n}" for n in result.notes)
    if quarantine is not None:
        lines.append(f"quarantine / 除外行ファイル: {quarantine}")
    ok = result.rows_in == result.accepted.height + result.rejected.height
    lines.append(f"reconciliation / 照合: {'ok' if ok else 'MISMATCH'}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command."""

    @app.command(
        "validate", short_help="Check a ticket log or survey (rows accepted/rejected), or a study."
    )
    def validate(
        file: Annotated[
            Path, typer.Argument(help="Ticket export or survey sheet (.csv .xlsx .parquet).")
        ],
        map_file: Annotated[
            Path | None, typer.Option("--map", help="Mapping TOML for your headers.")
        ] = None,
        kind: Annotated[
            str | None,
            typer.Option("--kind", help="counter-log or survey (default: from the headers)."),
        ] = None,
        quarantine: Annotated[
            Path | None,
            typer.Option(
                "--quarantine", help="Write rejected rows here (CSV, and .xlsx beside it)."
            ),
        ] = None,
        encoding: Annotated[
            str | None, typer.Option("--encoding", help="Text encoding, e.g. cp932.")
        ] = None,
        sheet: Annotated[str | None, typer.Option("--sheet", help="Excel sheet name.")] = None,
    ) -> None:
        """Check a ticket log or survey sheet and report rows accepted/rejected (取込チェック).

        Given a study file (.toml, or a workbook with the study's sheets), does what
        ``madoguchi check`` does.
        """
        from journeys.errors import InputError
        from journeys.quarantine import write_quarantine
        from journeys.readers import read_file
        from madoguchi.commands.check import is_study_file, run_check

        if kind is None and is_study_file(file):
            code = run_check(file)
            if code:
                raise SystemExit(code)
            return

        from madoguchi.outputs import check_output, output_file

        try:
            if kind not in (None, "counter-log", "survey"):
                raise InputError(f"--kind must be counter-log or survey, not '{kind}'")
            inputs = [file, map_file]
            if quarantine is not None:  # refused before any work, never written onto an input
                check_output(quarantine, inputs, folder=False, flag="--quarantine")
            result = read_file(
                file,
                kind=kind,  # type: ignore[arg-type]
                mapping=map_file,
                encoding=encoding,
                sheet=sheet,
            )
            written = None
            if quarantine is not None:
                book = quarantine.with_suffix(".xlsx")
                with output_file(quarantine, inputs, flag="--quarantine") as partial:
                    if book == quarantine:
                        write_quarantine(result, partial)
                    else:  # the CSV and, beside it, the workbook a clerk fixes rows in
                        with output_file(book, inputs, flag="--quarantine") as partial_book:
                            write_quarantine(result, partial, workbook=partial_book)
                written = quarantine
        except InputError as exc:
            # printed here, plainly: the hint holds TOML like "[columns] x = ..." that a
            # markup-aware console would swallow
            typer.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from None
        typer.echo(render_report(result, written))
        if result.accepted.height == 0:
            typer.echo("no row accepted / 取込できた行がありません", err=True)
            # SystemExit, not typer.Exit: cli.main runs the app with standalone_mode=False,
            # where click turns typer.Exit into a return value that main() ignores.
            raise SystemExit(1)
