"""Generate the bundled sample city (data/sample/) from its study file and one seed.

``generate_sample(out_dir, seed=…)`` plays eight weeks of the as-is hall (2025) and eight weeks
of the reform hall (2026) with the generator's own event-driven process, then writes the
canonical logs, the raw ticket-machine exports, the journey survey (Parquet and Excel) and a
``MANIFEST.sha256`` of every file it wrote. The same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import polars as pl

from journeys.errors import InputError
from journeys.paths import SAMPLE_DIR
from journeys.samplecity.exports import (
    canonical_log,
    survey_frame,
    write_parquet,
    write_survey_xlsx,
    write_ticket_export,
)
from journeys.samplecity.people import draw_people
from journeys.samplecity.period import PERIOD_START, DayLog, play_period, working_days
from journeys.samplecity.study_file import SampleStudy, read_study
from journeys.samplecity.survey import survey_rows

__all__ = [
    "DEFAULT_SEED",
    "GENERATED_FILES",
    "MANIFEST_NAME",
    "SCENARIOS",
    "file_sha256",
    "generate_sample",
    "ordinary_waits",
    "read_manifest",
]

#: Seed of the committed sample (``make sample`` uses the same).
DEFAULT_SEED = 20260401
SCENARIOS: tuple[str, ...] = ("as_is", "reform")
MANIFEST_NAME = "MANIFEST.sha256"
#: Files the generator writes (besides the manifest), in manifest order.
GENERATED_FILES: tuple[str, ...] = (
    "counter_log_as_is.parquet",
    "counter_log_reform.parquet",
    "survey.parquet",
    "survey_sheets.xlsx",
    "ticket_export_as_is.csv",
    "ticket_export_reform.csv",
)
#: Days of the late-March moving peak left out of the "ordinary day" waits the survey draws.
_PEAK_FROM, _PEAK_TO = "03-21", "04-07"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """File name → SHA-256 from a ``MANIFEST.sha256`` (``sha256sum`` format)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            out[name.strip()] = digest.strip()
    return out


def ordinary_waits(log: pl.DataFrame) -> dict[str, np.ndarray]:
    """Counter id → waits (minutes) of served tickets on ordinary days (outside the moving peak)."""
    served = log.filter(
        (pl.col("outcome") == "served")
        & ~pl.col("issued_at").dt.strftime("%m-%d").is_between(pl.lit(_PEAK_FROM), pl.lit(_PEAK_TO))
    ).with_columns(wait=(pl.col("called_at") - pl.col("issued_at")).dt.total_seconds() / 60.0)
    return {
        str(counter): np.asarray(group["wait"].to_numpy(), dtype=float)
        for (counter,), group in served.sort("ticket_id").group_by(
            "counter_id", maintain_order=True
        )
    }


def _check_arguments(out_dir: Path, seed: int, weeks: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(
            f"seed must be a whole number ≥ 0, got {seed!r}", hint="e.g. --seed 20260401"
        )
    if not isinstance(weeks, int) or weeks < 1:
        raise InputError(f"weeks must be a whole number ≥ 1, got {weeks!r}")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            "output folder is an existing file", file=out_dir, hint="give a folder for --out"
        )


def _check_study(study: SampleStudy, path: Path) -> None:
    have = {s.id for s in study.scenarios}
    missing = [s for s in SCENARIOS if s not in have]
    if missing:
        raise InputError(
            f"the sample generator needs scenarios {', '.join(SCENARIOS)}; missing {', '.join(missing)}",
            file=path,
        )


def generate_sample(
    out_dir: Path, *, seed: int, study_path: Path | None = None, weeks: int = 8
) -> dict[str, Path]:
    """Generate the sample city's files into ``out_dir``; returns file name → path.

    Plays ``weeks`` weeks of each scenario from its period start (as-is 2025-02-24, reform
    2026-02-23), writes the files of :data:`GENERATED_FILES` and ``MANIFEST.sha256``.
    Raises :class:`InputError` for a negative seed, an output path that is a file, or a study
    without the ``as_is`` and ``reform`` scenarios.
    """
    out_dir = Path(out_dir)
    _check_arguments(out_dir, seed, weeks)
    path = Path(study_path) if study_path is not None else SAMPLE_DIR / "study.toml"
    study = read_study(path)
    _check_study(study, path)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(2 * len(SCENARIOS) + 1)
    files: dict[str, Path] = {}
    logs: dict[str, pl.DataFrame] = {}
    for k, scenario_id in enumerate(SCENARIOS):
        days = working_days(study, PERIOD_START[scenario_id], weeks)
        day_logs: list[DayLog] = play_period(
            study, scenario_id, days, np.random.default_rng(streams[2 * k])
        )
        log = canonical_log(day_logs, scenario_id)
        logs[scenario_id] = log
        name = f"counter_log_{scenario_id}.parquet"
        files[name] = write_parquet(log, out_dir / name)
        first_seen: dict[int, tuple[str, dt.date]] = {}
        for day_log in day_logs:
            for ticket in day_log.tickets:
                first_seen.setdefault(ticket.resident, (ticket.life_event, day_log.day))
        people = draw_people(first_seen, np.random.default_rng(streams[2 * k + 1]))
        name = f"ticket_export_{scenario_id}.csv"
        files[name] = write_ticket_export(log, day_logs, study, scenario_id, people, out_dir / name)
    survey = survey_rows(
        study,
        {scenario_id: ordinary_waits(log) for scenario_id, log in logs.items()},
        np.random.default_rng(streams[-1]),
    )
    frame = survey_frame(survey.rows)
    files["survey.parquet"] = write_parquet(frame, out_dir / "survey.parquet")
    files["survey_sheets.xlsx"] = write_survey_xlsx(
        frame, survey.observers, survey.pain_texts, out_dir / "survey_sheets.xlsx"
    )
    manifest = out_dir / MANIFEST_NAME
    lines = [f"{file_sha256(files[name])}  {name}" for name in GENERATED_FILES]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files[MANIFEST_NAME] = manifest
    return files
