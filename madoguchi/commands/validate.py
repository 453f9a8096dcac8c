"""``madoguchi validate``: read a ticket log or survey sheet, check every row, print the tally."""

from __future__ import annotations

from pathlib import Path

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

    @app.command("validate")
    def validate(
        file: Path = typer.Argument(..., help="Ticket export or survey sheet (.csv .xlsx .parquet)."),
        map_file: Path | None = typer.Option(None, "--map", help="Mapping TOML for your headers."),
        kind: str | None = typer.Option(None, "--kind", help="counter-log or survey (default: from headers)."),
        quarantine: Path | None = typer.Option(None, "--quarantine", help="Write rejected rows here (CSV)."),
        encoding: str | None = typer.Option(None, "--encoding", help="Text encoding, e.g. cp932."),
        sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    ) -> None:
        """Check a ticket log or survey sheet and report rows accepted/rejected (取込チェック)."""
        from journeys.errors import InputError
        from journeys.quarantine import write_quarantine
        from journeys.readers import read_file

        if kind not in (None, "counter-log", "survey"):
            raise InputError(f"--kind must be counter-log or survey, not '{kind}'")
        result = read_file(
            file,
            kind=kind,  # type: ignore[arg-type]
            mapping=map_file,
            encoding=encoding,
            sheet=sheet,
        )
        written = write_quarantine(result, quarantine) if quarantine is not None else None
        typer.echo(render_report(result, written))
        if result.accepted.height == 0:
            typer.echo("no row accepted / 取込できた行がありません", err=True)
            raise typer.Exit(1)
