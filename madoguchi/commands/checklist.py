"""``madoguchi checklist``: one life event's sheet (手続きチェックシート) to print and hand out.

``--out move_in.pdf`` prints it with a headless Chromium (one A4 page); ``--out move_in.html``
writes the page with its print CSS, for any browser's Print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output, output_file, study_inputs

__all__ = ["register", "run_checklist"]


def run_checklist(
    life_event: str, out: Path, *, lang: str = "ja", study: Path | None = None
) -> Path:
    """Write the sheet of ``life_event`` to ``out`` (``.pdf`` or ``.html``); returns the path."""
    from dashboards.checklist import checklist_document
    from journeys.paths import SAMPLE_DIR
    from simulation.model import load_study

    if lang not in ("ja", "en"):
        raise InputError(f"--lang must be ja or en, not {lang!r}")
    kind = out.suffix.lower()
    if kind not in (".pdf", ".html", ".htm"):
        raise InputError("--out must end in .pdf or .html", file=out)
    source = study or SAMPLE_DIR / "study.toml"
    if not source.exists():
        raise InputError("study file not found", file=source)
    check_output(out, study_inputs(source), folder=False)
    html = checklist_document(load_study(source), life_event, lang)
    with output_file(out, study_inputs(source)) as partial:
        if kind == ".pdf":
            from dashboards.print_pdf import html_to_pdf

            html_to_pdf(html, partial)
        else:
            partial.write_text(html, encoding="utf-8")
    return out


def register(app: typer.Typer) -> None:
    """Add the ``checklist`` command to the CLI."""

    @app.command(
        "checklist",
        short_help="Print one life event's checklist (PDF or HTML, one A4 page).",
        help="Write one life event's procedure checklist as a one-page A4 PDF or printable HTML.",
    )
    def checklist(
        life_event: Annotated[
            str, typer.Option("--life-event", help="Life event id, e.g. move_in.")
        ],
        out: Annotated[Path, typer.Option("--out", help="move_in.pdf or move_in.html.")],
        lang: Annotated[str, typer.Option("--lang", help="ja or en.")] = "ja",
        study: Annotated[
            Path | None, typer.Option("--study", help="Study TOML/Excel (default: the sample).")
        ] = None,
    ) -> None:
        """Write the checklist sheet."""
        written = run_checklist(life_event, out, lang=lang, study=study)
        typer.echo(f"checklist written to {written}")
