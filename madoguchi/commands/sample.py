"""``madoguchi sample``: regenerate the bundled sample city, or check it is intact (--check)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["check_sample", "register"]

#: Seed of the committed sample (journeys.samplecity.DEFAULT_SEED; kept here so --help is fast).
DEFAULT_SEED = 20260401


def check_sample(sample_dir: Path, *, seed: int, weeks: int = 8) -> list[str]:
    """Regenerate into a temporary folder and list the committed files that differ.

    Compares the fresh files with ``MANIFEST.sha256`` of ``sample_dir`` and with the committed
    files themselves; an empty list means the sample is intact.
    """
    from journeys.errors import InputError
    from journeys.samplecity import GENERATED_FILES, MANIFEST_NAME, file_sha256, read_manifest
    from journeys.samplecity import generate_sample as generate

    manifest_path = sample_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise InputError(
            "no MANIFEST.sha256 in the sample folder",
            file=sample_dir,
            hint="run `madoguchi sample` to generate the sample first",
        )
    committed = read_manifest(manifest_path)
    study = sample_dir / "study.toml"
    with tempfile.TemporaryDirectory(prefix="madoguchi-sample-") as tmp:
        fresh = generate(
            Path(tmp), seed=seed, study_path=study if study.is_file() else None, weeks=weeks
        )
        differ = []
        for name in GENERATED_FILES:
            new = file_sha256(fresh[name])
            on_disk = sample_dir / name
            if committed.get(name) != new or not on_disk.is_file() or file_sha256(on_disk) != new:
                differ.append(name)
    return differ


def register(app: typer.Typer) -> None:
    """Add the ``sample`` command."""

    @app.command("sample", short_help="Regenerate or --check the bundled sample city.")
    def sample(
        seed: Annotated[
            int, typer.Option("--seed", help="Random seed (default: the committed sample's).")
        ] = DEFAULT_SEED,
        out: Annotated[
            Path | None, typer.Option("--out", help="Output folder (default: data/sample).")
        ] = None,
        check: Annotated[
            bool,
            typer.Option(
                "--check", help="Regenerate in a temp folder and compare with MANIFEST.sha256."
            ),
        ] = False,
        weeks: Annotated[
            int, typer.Option("--weeks", help="Weeks per scenario (the bundled sample has 8).")
        ] = 8,
    ) -> None:
        """Regenerate the bundled sample city (サンプル市) or check it (--check)."""
        import time

        from journeys.errors import InputError
        from journeys.paths import SAMPLE_DIR
        from journeys.samplecity import generate_sample
        from madoguchi.outputs import check_output_folder

        if seed < 0:
            raise InputError(f"--seed must be ≥ 0, got {seed}")
        if weeks < 1:
            raise InputError(f"--weeks must be ≥ 1, got {weeks}")
        target = out if out is not None else SAMPLE_DIR
        if target.exists() and not target.is_dir():
            raise InputError("--out is an existing file, not a folder", file=target)
        started = time.perf_counter()
        if check:
            if not target.is_dir():
                raise InputError("sample folder not found", file=target)
            differ = check_sample(target, seed=seed, weeks=weeks)
            if differ:
                typer.echo(
                    f"sample differs from MANIFEST.sha256 / サンプル不一致: {', '.join(differ)}"
                )
                # typer.Exit(1) would be swallowed: the app runs with standalone_mode=False
                raise SystemExit(1)
            typer.echo(
                f"OK — {target} matches MANIFEST.sha256 (seed {seed}, {time.perf_counter() - started:.0f} s)"
            )
            return
        check_output_folder(target, [])  # never into / nor a folder of someone else's files
        study = target / "study.toml"
        files = generate_sample(
            target, seed=seed, study_path=study if study.is_file() else None, weeks=weeks
        )
        for path in files.values():
            typer.echo(f"{path}  {path.stat().st_size / 1e6:8.2f} MB")
        typer.echo(f"sample written in {time.perf_counter() - started:.0f} s (seed {seed})")
