"""Safe outputs for every command: never onto an input, never half-written, always recognisable.

Every ``madoguchi`` command that writes goes through this module:

* :func:`check_output` refuses (an :class:`~journeys.errors.InputError`, exit 2) an output path
  that is one of the command's inputs (also through a symbolic or hard link), a folder that
  holds an input, the file system's root, an existing file given as ``--out`` folder or an
  existing folder given as an output file;
* :func:`output_file` writes one file under a temporary name in the same folder and renames it
  into place only when it is complete (a crash leaves the old file, never a truncated one);
* :func:`output_folder` fills a folder the same way: the files are written in a hidden staging
  folder inside it, moved in, and the manifest ``madoguchi-manifest.json`` (inputs' SHA-256,
  version, command, seed, rows, every file's SHA-256) is written last — a folder without it, or
  with ``"complete": false``, is not a finished output. A non-empty folder that is not a
  previous Madoguchi output is refused, so a command never mixes its files with someone
  else's;
* a full disk, a read-only folder or a missing permission becomes one line saying which path
  could not be written, never a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeys.errors import InputError

__all__ = [
    "INCOMPLETE_NAME",
    "MANIFEST_NAME",
    "OutputFolder",
    "check_output",
    "check_output_folder",
    "file_sha256",
    "is_madoguchi_output",
    "output_file",
    "output_folder",
    "study_inputs",
]

#: Written last in every output folder; its absence marks an unfinished folder.
MANIFEST_NAME = "madoguchi-manifest.json"
#: Present while files are being moved in (a crash then leaves it behind).
INCOMPLETE_NAME = "madoguchi-incomplete.json"
#: The bundled sample's own manifest: a folder holding it is a Madoguchi output too.
_SAMPLE_MANIFEST = "MANIFEST.sha256"
_STAGING_PREFIX = ".madoguchi-partial-"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _inputs(inputs: Sequence[Path | str | None]) -> list[Path]:
    return [Path(p) for p in inputs if p is not None]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(
    out: Path | str, inputs: Sequence[Path | str | None], *, folder: bool, flag: str = "--out"
) -> Path:
    """Refuse an output path that would overwrite, or hold, one of ``inputs``.

    ``folder`` says whether ``out`` is a folder (filled with files) or one file. Returns the
    resolved output path. Raises :class:`InputError` with the flag and the path concerned.
    """
    target = Path(out).expanduser().resolve()
    if target == Path(target.anchor):
        raise InputError(f"{flag} is the file system's root", file=out, hint="give a new folder")
    for source in _inputs(inputs):
        if not source.exists():  # reported by the command's own "file not found"
            continue
        resolved = source.expanduser().resolve()
        if resolved == target or _same_file(source, target):
            raise InputError(
                f"{flag} is the input file itself: it would be overwritten",
                file=out,
                hint="write the output to another path (raw data is never edited)",
            )
        if folder and target in resolved.parents:
            raise InputError(
                f"{flag} folder holds the input {source.name}: it could be overwritten",
                file=out,
                hint="write the outputs to a folder of their own",
            )
        if not folder and resolved in target.parents:
            raise InputError(f"{flag} lies inside the input {source}", file=out)
    if folder and target.exists() and not target.is_dir():
        raise InputError(f"{flag} is an existing file, not a folder", file=out)
    if not folder and target.is_dir():
        raise InputError(f"{flag} is an existing folder, not a file", file=out)
    return target


def _write_error(path: Path, exc: BaseException) -> InputError:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return InputError(
        f"cannot write here ({reason})",
        file=path,
        hint="free some disk space or choose a folder you may write to",
    )


def _is_write_failure(exc: BaseException) -> bool:
    """An OSError, or a writer's wrapper around one (xlsxwriter's FileCreateError)."""
    return isinstance(exc, OSError) or type(exc).__name__ == "FileCreateError"


@contextlib.contextmanager
def output_file(
    out: Path | str, inputs: Sequence[Path | str | None] = (), *, flag: str = "--out"
) -> Iterator[Path]:
    """Write one output file safely: yields a temporary path next to ``out`` (same suffix);
    when the block ends without error it is renamed onto ``out``, else removed."""
    target = check_output(out, inputs, folder=False, flag=flag)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.stem}.partial-", suffix=target.suffix
        )
        os.close(fd)
    except OSError as exc:
        raise _write_error(target.parent, exc) from exc
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if _is_write_failure(exc):
            raise _write_error(target, exc) from exc
        raise


def is_madoguchi_output(folder: Path) -> bool:
    """True for a folder a Madoguchi command wrote (finished or not) or the bundled sample."""
    return any((folder / n).is_file() for n in (MANIFEST_NAME, INCOMPLETE_NAME, _SAMPLE_MANIFEST))


def _foreign_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(_STAGING_PREFIX))


def check_output_folder(
    out: Path | str, inputs: Sequence[Path | str | None], *, flag: str = "--out"
) -> Path:
    """:func:`check_output` for a folder, and refuse a non-empty folder that is not a previous
    Madoguchi output (call it before any long work; :func:`output_folder` calls it again)."""
    target = check_output(out, inputs, folder=True, flag=flag)
    if target.is_dir() and not is_madoguchi_output(target) and _foreign_entries(target):
        raise InputError(
            f"{flag} folder is not empty and was not written by madoguchi "
            f"({len(_foreign_entries(target))} entries, no {MANIFEST_NAME})",
            file=out,
            hint="choose a new or empty folder",
        )
    return target


def study_inputs(study: Path | str | None) -> list[Path]:
    """A study file and the floor workbooks its ``grid_xlsx`` keys name (relative to it)."""
    if study is None:
        return []
    path = Path(study)
    found = [path]
    if path.suffix.lower() == ".toml" and path.is_file():
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError:
            return found
        for name in re.findall(r'grid_xlsx\s*=\s*"([^"#]+)', text):
            found.append(path.parent / name)
    return found


@dataclass
class OutputFolder:
    """A folder being filled: write every file under :attr:`staging`; say what the manifest
    records in :attr:`seed` and :attr:`rows` (and any other :attr:`facts`)."""

    target: Path
    staging: Path
    command: str
    inputs: list[Path]
    seed: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """Where a file called ``name`` is written now (inside the staging folder)."""
        return self.staging / name

    def final(self, name: str) -> Path:
        """Where the file called ``name`` will be once the folder is complete."""
        return self.target / name


def _manifest(box: OutputFolder, files: Sequence[Path], complete: bool) -> dict[str, Any]:
    from madoguchi import __version__

    return {
        "madoguchi": __version__,
        "command": box.command,
        "complete": complete,
        "seed": box.seed,
        "rows": dict(sorted(box.rows.items())),
        "inputs": [
            {"path": str(p), "sha256": file_sha256(p) if p.is_file() else None} for p in box.inputs
        ],
        "files": [
            {
                "name": str(f.relative_to(box.target)),
                "bytes": f.stat().st_size,
                "sha256": file_sha256(f),
            }
            for f in sorted(files)
        ],
        **({"facts": box.facts} if box.facts else {}),
    }


def _write_json(path: Path, doc: Mapping[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _previous_files(target: Path) -> list[Path]:
    """Files a previous run listed in its manifest (removed before the new ones move in)."""
    manifest = target / MANIFEST_NAME
    try:
        doc = json.loads(manifest.read_text("utf-8"))
        names = [str(f["name"]) for f in doc.get("files", [])]
    except (OSError, ValueError, TypeError, KeyError):
        return []
    return [target / n for n in names if ".." not in Path(n).parts]


def _commit(box: OutputFolder, complete: bool) -> None:
    """Move the staged files in (old ones of a previous run out first), manifest last."""
    staged = sorted(p for p in box.staging.rglob("*") if p.is_file())
    previous = _previous_files(box.target)
    _write_json(box.target / INCOMPLETE_NAME, {"command": box.command, "complete": False})
    (box.target / MANIFEST_NAME).unlink(missing_ok=True)
    for old in previous:
        if old.is_file():
            old.unlink()
    moved = []
    for source in staged:
        destination = box.target / source.relative_to(box.staging)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.is_dir():
            shutil.rmtree(destination)
        os.replace(source, destination)
        moved.append(destination)
    _write_json(box.target / MANIFEST_NAME, _manifest(box, moved, complete))
    (box.target / INCOMPLETE_NAME).unlink(missing_ok=True)


@contextlib.contextmanager
def output_folder(
    out: Path | str,
    inputs: Sequence[Path | str | None],
    *,
    command: str,
    seed: int | None = None,
    flag: str = "--out",
) -> Iterator[OutputFolder]:
    """Fill the folder ``out`` safely (see the module docstring); yields the
    :class:`OutputFolder` to write into.

    When the block raises an :class:`InputError` (for example "no ticket accepted") the files
    written so far are still moved in, with ``"complete": false`` in the manifest, so the user
    can read the rejected rows; any other error leaves the folder as it was.
    """
    target = check_output_folder(out, inputs, flag=flag)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        for leftover in target.glob(f"{_STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(dir=target, prefix=_STAGING_PREFIX))
    except OSError as exc:
        raise _write_error(target, exc) from exc
    box = OutputFolder(
        target=target, staging=staging, command=command, inputs=_inputs(inputs), seed=seed
    )
    try:
        try:
            yield box
        except InputError:
            if any(p.is_file() for p in staging.rglob("*")):
                _commit(box, complete=False)
            elif created:  # nothing written (a bad argument): leave no trace
                shutil.rmtree(target, ignore_errors=True)
            raise
        _commit(box, complete=True)
    except BaseException as exc:
        if _is_write_failure(exc):
            raise _write_error(target, exc) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
