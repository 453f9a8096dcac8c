"""``madoguchi report``: one self-contained offline HTML report (overview, figures with CIs,
method notes and the printable life-event checklist)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from journeys.errors import InputError
from madoguchi.outputs import check_output, output_file, study_inputs

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the CLI."""

    @app.command(
        "report",
        short_help="Write the offline, self-contained HTML report.",
        help="Write ONE offline HTML report (KPIs with 95% CI, figures, checklist).",
    )
    def report(
        out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
        study: Annotated[
            Path | None, typer.Option("--study", help="Study TOML/Excel (default: the sample).")
        ] = None,
        observed_as_is: Annotated[
            Path | None, typer.Option("--observed-as-is", help="Observed as-is counter log.")
        ] = None,
        observed_reform: Annotated[
            Path | None, typer.Option("--observed-reform", help="Observed reform counter log.")
        ] = None,
        survey: Annotated[
            Path | None, typer.Option("--survey", help="Journey survey (default: the sample).")
        ] = None,
        replications: Annotated[
            int, typer.Option("--replications", help="Replications of the peak day.")
        ] = 10,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20260401,
        lang: Annotated[str, typer.Option("--lang", help="Figure labels: ja or en.")] = "ja",
        n_boot: Annotated[
            int, typer.Option("--n-boot", help="Bootstrap replicates for observed CIs.")
        ] = 1000,
    ) -> None:
        """Write the offline HTML report."""
        if replications < 2:
            raise InputError("--replications must be at least 2 (a CI needs two)")
        if lang not in ("ja", "en"):
            raise InputError(f"--lang must be ja or en, not {lang!r}")
        if out.suffix.lower() not in (".html", ".htm"):
            raise InputError("--out must end in .html", file=out)
        for path, flag in (
            (study, "--study"),
            (observed_as_is, "--observed-as-is"),
            (observed_reform, "--observed-reform"),
            (survey, "--survey"),
        ):
            if path is not None and not path.exists():
                raise InputError(f"{flag} file not found", file=path)
        from dashboards.report import generate_report

        inputs = [*study_inputs(study), observed_as_is, observed_reform, survey]
        check_output(out, inputs, folder=False)
        with output_file(out, inputs) as partial:
            generate_report(
                partial,
                study=study,
                observed_as_is=observed_as_is,
                observed_reform=observed_reform,
                survey=survey,
                replications=replications,
                seed=seed,
                lang=lang,
                n_boot=n_boot,
            )
        size = out.stat().st_size / 1e6
        typer.echo(f"report written: {out} ({size:.1f} MB)")
