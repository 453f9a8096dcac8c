"""What the dashboard and the report show, loaded once: the study, observed logs, the survey,
and simulation results, cached on the content (hash) of the files and inputs.

Also the plain-language verdict sentence a manager reads first, computed from a comparison
frame (``journeys.compare.compare_logs`` or ``simulation.experiments``), and the small
frames the floor figures need. Nothing here imports Streamlit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import math
import os
import pickle
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from dashboards.i18n import format_kpi, kpi_label, t
from journeys import kpi_registry as registry
from journeys.errors import InputError
from journeys.paths import REPORTS_DIR, SAMPLE_DIR

if TYPE_CHECKING:
    from dashboards.figures.floor_paper import FloorPaper
    from simulation.model import Study

__all__ = [
    "MAX_LAB_REPLICATIONS",
    "MAX_UPLOAD_MB",
    "SAMPLE_FILES",
    "Dataset",
    "UploadCheck",
    "approx_bytes",
    "cache_bytes",
    "cache_dir",
    "cached",
    "check_uploaded_study",
    "claim",
    "clear_cache",
    "code_version",
    "file_digest",
    "floor_frames",
    "floor_paper",
    "is_cached",
    "load_dataset",
    "load_log",
    "load_study_cached",
    "load_survey",
    "peak_day",
    "release",
    "release_memory",
    "study_digest",
    "verdict",
    "verdict_parts",
]

#: The bundled sample city, opened with no setup.
SAMPLE_FILES: dict[str, str] = {
    "study": "study.toml",
    "as_is": "counter_log_as_is.parquet",
    "reform": "counter_log_reform.parquet",
    "survey": "survey.parquet",
}

_T = TypeVar("_T")
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
#: The in-memory cache keeps at most this many results …
_CACHE_SIZE = 32
#: … and at most this many bytes (``MADOGUCHI_CACHE_MB``, default 256 MB).
_CACHE_MB_DEFAULT = 256.0
_SIZES: dict[tuple[Any, ...], int] = {}
#: How many open sessions use a result (results nobody owns are shared, e.g. the Overview's).
_OWNERS: Counter[tuple[Any, ...]] = Counter()
_CACHE_GUARD = threading.RLock()
_KEY_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}
_KEY_LOCKS_GUARD = threading.Lock()


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's content (the cache key: same bytes → same results)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_dir() -> Path | None:
    """Folder of the on-disk cache (``MADOGUCHI_CACHE_DIR``, default ``reports/cache``);
    ``MADOGUCHI_CACHE_DIR=off`` keeps results in memory only."""
    value = os.environ.get("MADOGUCHI_CACHE_DIR", "")
    if value.lower() in {"off", "0", "none"}:
        return None
    return Path(value) if value else REPORTS_DIR / "cache"


@functools.cache
def code_version() -> str:
    """A hash of the source of journeys, simulation and dashboards: results cached on disk by
    an older version of the code are never reused."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for package in ("journeys", "simulation", "dashboards"):
        for source in sorted((root / package).rglob("*.py")):
            h.update(source.relative_to(root).as_posix().encode())
            h.update(source.read_bytes())
    return h.hexdigest()[:20]


def _disk_path(key: tuple[Any, ...]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(f"{code_version()}|{key!r}".encode()).hexdigest()[:32]
    return folder / f"{key[0]}-{name}.pkl"


def cached(key: tuple[Any, ...], compute: Callable[[], _T], *, persist: bool = False) -> _T:
    """Return the value cached under ``key``, computing (and keeping) it on a miss.

    A small least-recently-used cache shared by the dashboard's reruns, so unchanged inputs
    (same file hashes, same settings) reuse earlier results instead of recomputing them.
    With ``persist`` the value is also kept on disk (keyed on ``key`` and the code version), so
    a restarted dashboard opens at once on data it has seen before. ``key[0]`` names the kind.
    """
    with _CACHE_GUARD:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    with _KEY_LOCKS_GUARD:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:  # a second caller of the same key waits for the first instead of recomputing
        with _CACHE_GUARD:
            if key in _CACHE:
                return _CACHE[key]
        return _fill(key, compute, persist)


def cache_limit_bytes() -> int:
    """The byte budget of the in-memory cache (``MADOGUCHI_CACHE_MB``, default 256 MB)."""
    try:
        mb = float(os.environ.get("MADOGUCHI_CACHE_MB", _CACHE_MB_DEFAULT))
    except ValueError:
        mb = _CACHE_MB_DEFAULT
    return int(max(mb, 0.0) * 1e6)


def approx_bytes(value: object, *, _seen: set[int] | None = None, _depth: int = 0) -> int:
    """About how many bytes ``value`` holds: frames and arrays by their buffers, containers,
    dataclasses and plain objects (a plotly figure) by what they hold."""
    seen = set() if _seen is None else _seen
    if id(value) in seen or _depth > 12:
        return 0
    seen.add(id(value))
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):  # numpy arrays
        return nbytes
    size = sys.getsizeof(value)
    children: Iterable[object] = ()
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = vars(value).values()
    return size + sum(approx_bytes(c, _seen=seen, _depth=_depth + 1) for c in children)


def cache_bytes() -> int:
    """Bytes held by the in-memory cache (as estimated when each result was stored)."""
    with _CACHE_GUARD:
        return sum(_SIZES.values())


def _evict_over_budget() -> bool:
    """Drop least recently used results beyond the entry and byte limits (caller holds the
    guard); the newest result always stays. True when anything was dropped."""
    limit = cache_limit_bytes()
    dropped = False
    while len(_CACHE) > 1 and (len(_CACHE) > _CACHE_SIZE or sum(_SIZES.values()) > limit):
        old, _ = _CACHE.popitem(last=False)
        _SIZES.pop(old, None)
        dropped = True
    return dropped


def claim(key: tuple[Any, ...]) -> None:
    """One more open session uses the result under ``key`` (see :func:`release`)."""
    with _CACHE_GUARD:
        _OWNERS[key] += 1


def release(keys: Iterable[tuple[Any, ...]]) -> None:
    """A session that claimed ``keys`` has ended: results no other session claims are
    forgotten (the on-disk copy stays) and the memory goes back to the system."""
    dropped = False
    with _CACHE_GUARD:
        for key in keys:
            _OWNERS[key] -= 1
            if _OWNERS[key] <= 0:
                del _OWNERS[key]
                if _CACHE.pop(key, None) is not None:
                    dropped = True
                _SIZES.pop(key, None)
    if dropped:
        release_memory()


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc ``malloc_trim``),
    so the server's resident memory shrinks after results are forgotten."""
    gc.collect()
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)


def _fill(key: tuple[Any, ...], compute: Callable[[], _T], persist: bool) -> _T:
    path = _disk_path(key) if persist else None
    value: Any = None
    found = False
    if path is not None and path.exists():
        try:
            with path.open("rb") as fh:
                value = pickle.load(fh)
            found = True
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            found = False
    if not found:
        value = compute()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".tmp{os.getpid()}")
                with tmp.open("wb") as fh:
                    pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(path)
                _prune(path.parent)
            except OSError:
                pass  # a read-only checkout still works, only slower
    size = approx_bytes(value)
    with _CACHE_GUARD:
        _CACHE[key] = value
        _SIZES[key] = size
        dropped = _evict_over_budget()
    if dropped:
        release_memory()
    return value


#: Files kept in the on-disk cache (the oldest go first).
_DISK_FILES = 64


def _prune(folder: Path) -> None:
    """Keep the on-disk cache small: drop the least recently written files beyond the limit."""
    files = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[_DISK_FILES:]:
        old.unlink(missing_ok=True)


def is_cached(key: tuple[Any, ...], *, persist: bool = False) -> bool:
    """Whether a result is already cached under ``key`` (the lab says "reused")."""
    if key in _CACHE:
        return True
    path = _disk_path(key) if persist else None
    return path is not None and path.exists()


def clear_cache() -> None:
    """Forget every cached load and simulation (tests use it to measure a cold start)."""
    with _CACHE_GUARD:
        _CACHE.clear()
        _SIZES.clear()
        _OWNERS.clear()


def load_log(path: str | Path) -> pl.DataFrame:
    """The accepted rows of a counter log (raw export or canonical Parquet), cached on its hash.

    Reads with ``journeys.readers.read_counter_log`` (columns mapped, personal data dropped,
    visit ids pseudonymised); rejected rows are left out here and reported by ``madoguchi
    validate``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("counter log not found", file=path)

    def read() -> pl.DataFrame:
        from journeys.readers import read_counter_log

        return read_counter_log(path).accepted

    return cached(("log", str(path.resolve()), file_digest(path)), read, persist=True)


def load_survey(path: str | Path) -> pl.DataFrame:
    """The accepted rows of a journey survey, cached on the file's hash."""
    path = Path(path)
    if not path.exists():
        raise InputError("survey not found", file=path)

    def read() -> pl.DataFrame:
        from journeys.readers import read_survey

        return read_survey(path).accepted

    return cached(("survey", str(path.resolve()), file_digest(path)), read, persist=True)


def load_study_cached(path: str | Path) -> Study:
    """The study of a TOML or Excel file (validated by ``simulation.model.load_study``), cached."""
    from simulation.model import load_study

    path = Path(path)
    if not path.exists():
        raise InputError("study file not found", file=path)
    return cached(("study", str(path.resolve()), file_digest(path)), lambda: load_study(path))


def study_digest(study: Study) -> str:
    """A hash of a study's whole content and of its extensions' source (so an edited study or
    extension is never served stale results)."""
    from simulation.extensions import extension_digest

    text = study.model_dump_json(by_alias=True) + "|" + extension_digest(study)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Largest study file the dashboard accepts.
MAX_UPLOAD_MB = 2.0
#: Most replications the Scenario lab runs (its widget's label and maximum).
MAX_LAB_REPLICATIONS = 50


@dataclass(frozen=True)
class UploadCheck:
    """The outcome of checking an uploaded study: the study, or the problems to show."""

    study: Study | None
    path: Path | None
    errors: tuple[str, ...]


def check_uploaded_study(
    name: str,
    content: bytes,
    *,
    max_mb: float = MAX_UPLOAD_MB,
    lang: str = "ja",
    folder: Path | None = None,
) -> UploadCheck:
    """Check a study uploaded in the dashboard (TOML, Excel, or a .zip of a study and its
    grid-paper workbook): size, type, then every rule of ``simulation.model.load_study``.

    Each upload is kept in its own folder (named by its hash) inside ``folder`` (default
    :func:`dashboards.session.upload_folder`: the browser session's private folder in the app,
    else this process's), so a study's relative ``grid_xlsx`` finds only the files
    uploaded with it (never a path on the server). Problems come back as lines to show in
    ``lang`` (each check's message by its code, :mod:`simulation.messages`), never as an
    exception."""
    from simulation.messages import text as msg
    from simulation.model import StudyError, StudyFileError

    if len(content) > max_mb * 1024 * 1024:
        return UploadCheck(None, None, (t("lab_upload_too_big", lang, limit=max_mb),))
    suffix = Path(name).suffix.lower()
    if suffix not in (".toml", ".xlsx", ".zip"):
        return UploadCheck(None, None, (msg("file.type", name=name).render(lang),))
    from dashboards.session import prune_uploads, upload_folder

    root = folder if folder is not None else upload_folder()
    folder = root / hashlib.sha256(content).hexdigest()[:16]
    if not folder.exists():
        folder.mkdir(parents=True)
        prune_uploads(root)
    if suffix == ".zip":
        found = _unpack_study_zip(content, folder, max_mb=max_mb, lang=lang)
        if isinstance(found, str):
            return UploadCheck(None, None, (f"{name}{'：' if lang == 'ja' else ': '}{found}",))
        path = found
    else:
        path = folder / f"study{suffix}"
        if not path.exists():
            path.write_bytes(content)
    try:
        study = load_study_cached(path)
    except StudyError as exc:
        lines = tuple(p.render(lang) for p in exc.problems)
        codes = {p.text.code for p in exc.problems if p.text is not None}
        if "grid.workbook_not_found" in codes:
            lines += (t("lab_upload_grid", lang),)
        return UploadCheck(None, None, lines)
    except InputError as exc:
        if lang != "ja":
            return UploadCheck(None, None, (str(exc).replace(str(path), name),))
        said = exc.text if isinstance(exc, StudyFileError) else msg("file.unreadable", detail=exc)
        return UploadCheck(None, None, (f"{name}：{said.render(lang)}",))
    from simulation.extensions import refuse_extensions

    refused = refuse_extensions(study)  # uploaded studies never run code
    if refused:
        return UploadCheck(None, None, tuple(r.render(lang) for r in refused))
    return UploadCheck(study, path, ())


def _unpack_study_zip(content: bytes, folder: Path, *, max_mb: float, lang: str) -> Path | str:
    """Write the .toml/.xlsx files of an uploaded zip into ``folder`` (names only, no folders)
    and return the study among them, or the reason there is none."""
    import io
    import zipfile

    from simulation.excel import is_study_workbook
    from simulation.messages import text as msg

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return msg("file.not_zip").render(lang)
    members = [
        m
        for m in archive.infolist()
        if not m.is_dir()
        and Path(m.filename).suffix.lower() in (".toml", ".xlsx")
        and not Path(m.filename).name.startswith((".", "~$"))
    ]
    if sum(m.file_size for m in members) > max_mb * 1024 * 1024:
        return t("lab_upload_too_big", lang, limit=max_mb)
    written: list[Path] = []
    for member in members:
        target = folder / Path(member.filename).name  # a member's folders are dropped
        target.write_bytes(archive.read(member))
        written.append(target)
    tomls = [p for p in written if p.suffix.lower() == ".toml"]
    studies = tomls or [p for p in written if is_study_workbook(p)]
    if len(studies) != 1:
        return t("lab_upload_zip", lang, found=", ".join(p.name for p in studies) or "—")
    return studies[0]


@dataclass(frozen=True)
class Dataset:
    """Everything the pages show for one municipality; a missing part is ``None``."""

    study: Study | None
    as_is: pl.DataFrame | None
    reform: pl.DataFrame | None
    survey: pl.DataFrame | None
    sources: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)


def load_dataset(
    *,
    study: str | Path | None = None,
    observed_as_is: str | Path | None = None,
    observed_reform: str | Path | None = None,
    survey: str | Path | None = None,
    sample_dir: str | Path = SAMPLE_DIR,
) -> Dataset:
    """Load the study, the observed logs and the survey.

    With no ``study`` everything defaults to the bundled sample. With a ``study`` of another
    municipality, only the files given are loaded (the sample's observed logs and survey
    describe the sample city, not theirs). A missing file leaves its part ``None`` and adds a
    line to ``problems``; a file that is present but broken raises :class:`InputError`.
    """
    base = Path(sample_dir)
    sample = study is None

    def pick(given: str | Path | None, part: str) -> Path | None:
        if given:
            return Path(given)
        return base / SAMPLE_FILES[part] if sample else None

    chosen = {
        "study": Path(study) if study else base / SAMPLE_FILES["study"],
        "as_is": pick(observed_as_is, "as_is"),
        "reform": pick(observed_reform, "reform"),
        "survey": pick(survey, "survey"),
    }
    problems: list[str] = []
    sources: list[str] = []
    loaded: dict[str, Any] = {}
    loaders: dict[str, Callable[[Path], Any]] = {
        "study": load_study_cached,
        "as_is": load_log,
        "reform": load_log,
        "survey": load_survey,
    }
    for part, path in chosen.items():
        if path is None:
            loaded[part] = None
            continue
        if not path.exists():
            problems.append(f"{part}: {path}")
            loaded[part] = None
            continue
        loaded[part] = loaders[part](path)
        sources.append(path.name)
    return Dataset(
        study=loaded["study"],
        as_is=loaded["as_is"],
        reform=loaded["reform"],
        survey=loaded["survey"],
        sources=tuple(sources),
        problems=tuple(problems),
    )


def peak_day(study: Study, *, search_days: int = 366) -> dt.date:
    """The busiest working day of the study's first year (most expected visits).

    Uses ``simulation.arrivals.event_rates`` (weekday × month × peak factors), so it is the
    day the study itself says is the worst — the late-March moving peak for the sample city.
    """
    from simulation.arrivals import event_rates, is_working_day

    best, best_rate = study.study.start_date, -1.0
    day = study.study.start_date
    for _ in range(search_days):
        if is_working_day(study, day):
            rate = float(event_rates(study, day).sum())
            if rate > best_rate:
                best, best_rate = day, rate
        day += dt.timedelta(days=1)
    return best


def floor_paper(study: Study, scenario_id: str) -> FloorPaper | None:
    """The grid-paper floors of a scenario for the floor figure (None: straight lines)."""
    from dashboards.figures.floor_paper import FloorPaper
    from simulation.floorplan import floor_cells

    grids = floor_cells(study, scenario_id)
    if not grids:
        return None
    return FloorPaper(tuple(grids), study.scenario(scenario_id).floor_change_m)


def _on_paper(paper: FloorPaper | None, point_id: str, x: float, y: float) -> tuple[float, float]:
    """(x, y) in metres from column A and row 1 of the cell where a point is drawn."""
    if paper is None:
        return x, y
    for grid in paper.grids:
        cells = grid.points.get(point_id)
        if cells:
            return grid.centre_m(cells[0])
    return x, y


def floor_frames(
    study: Study, scenario_id: str, lang: str = "ja"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two frames of :func:`dashboards.figures.floor_plan` for one scenario of a study:
    counters (counter_id, label, zone, zone_label, floor, x, y, staff) and landmarks (id, kind,
    floor, x, y). On grid paper, x/y are where the labels stand on the sheet (metres from A1)."""
    scenario = study.scenario(scenario_id)
    paper = floor_paper(study, scenario_id)
    zone_names = {
        d.id: (d.name_en if lang == "en" else d.name_ja) or d.id for d in study.departments
    }
    zone_names["one_stop"] = "One-stop counter" if lang == "en" else "ワンストップ窓口"
    zone_names["floor_manager"] = "Floor manager" if lang == "en" else "フロアマネージャー"
    counters = pl.DataFrame(
        [
            {
                "counter_id": c.id,
                "label": (c.name_en if lang == "en" else c.name_ja) or c.id,
                "zone": c.zone,
                "zone_label": zone_names.get(c.zone, c.zone),
                "floor": c.floor,
                "x": _on_paper(paper, c.id, c.x, c.y)[0],
                "y": _on_paper(paper, c.id, c.x, c.y)[1],
                "staff": c.staff,
            }
            for c in scenario.counters
        ],
        schema={
            "counter_id": pl.String,
            "label": pl.String,
            "zone": pl.String,
            "zone_label": pl.String,
            "floor": pl.Int64,
            "x": pl.Float64,
            "y": pl.Float64,
            "staff": pl.Int64,
        },
    )
    floor = scenario.floor

    def mark(point_id: str, grid_id: str, kind: str, x: float, y: float, at: int) -> dict[str, Any]:
        gx, gy = _on_paper(paper, grid_id, x, y)
        return {"id": point_id, "kind": kind, "floor": at, "x": gx, "y": gy}

    ent, tkt = floor.entrance, floor.ticket_machine
    marks: list[dict[str, Any]] = [
        mark("entrance", "ENT", "entrance", ent.x, ent.y, ent.floor),
        mark("ticket_machine", "TKT", "ticket_machine", tkt.x, tkt.y, tkt.floor),
    ]
    marks += [mark(d.id, d.id, "desk", d.x, d.y, d.floor) for d in floor.desks]
    landmarks = pl.DataFrame(
        marks,
        schema={
            "id": pl.String,
            "kind": pl.String,
            "floor": pl.Int64,
            "x": pl.Float64,
            "y": pl.Float64,
        },
    )
    return counters, landmarks


# --------------------------------------------------------------------------- the verdict

#: KPIs the verdict sentence speaks of, in order.
VERDICT_KPIS: tuple[str, ...] = (
    "counters_per_visit_mean",
    "wait_min_mean",
    "time_in_hall_min_mean",
    "forms_written_per_visit",
)


def _number(kpi: str, value: float, lang: str) -> str:
    return format_kpi(kpi, value, lang)


def _clauses(
    comparison: pl.DataFrame, kpis: Sequence[str], lang: str, target_min: float | None = None
) -> list[tuple[str, str, str]]:
    """(clause, continuative ending, final ending) per KPI present in the comparison."""
    out: list[tuple[str, str, str]] = []
    for kpi in kpis:
        rows = comparison.filter(pl.col("kpi") == kpi)
        if rows.height == 0:
            continue
        r = rows.row(0, named=True)
        base, alt, low, high = (r[c] for c in ("baseline", "alternative", "ci_low", "ci_high"))
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (base, alt)):
            continue
        has_ci = low is not None and high is not None and not (math.isnan(low) or math.isnan(high))
        down, up = has_ci and high < 0, has_ci and low > 0
        ci = ""
        if has_ci:
            lo_s = format_kpi(kpi, low, lang, signed=True)
            hi_s = format_kpi(kpi, high, lang, signed=True)
            ci = f"95%CI {lo_s}〜{hi_s}" if lang != "en" else f"95% CI {lo_s} to {hi_s}"
        label = kpi_label(kpi, lang, target_min=target_min)
        b, a = _number(kpi, base, lang), _number(kpi, alt, lang)
        worse = (down or up) and registry.better(kpi, alt - base) is False
        if lang == "en":
            verb = "fell" if down else "rose" if up else "did not change clearly"
            text = f"{label[:1].lower()}{label[1:]} {verb} from {b} to {a}" + (
                f" ({ci})" if ci else ""
            )
            out.append((text + (" — worse" if worse else ""), "", ""))
        else:
            text = f"{label}は{b}→{a}" + (f"（{ci}）" if ci else "")
            tag = "（悪化）" if worse else ""
            if down:
                out.append((text, f"に減り{tag}", f"に減りました{tag}"))
            elif up:
                out.append((text, f"に増え{tag}", f"に増えました{tag}"))
            else:
                out.append(
                    (text, "で、はっきりした差はなく", "で、はっきりした差はありませんでした")
                )
    return out


#: KPIs the verdict names besides :data:`VERDICT_KPIS` whenever their change is significant
#: (the cards' KPIs, the shares and the whole-visit KPIs); the rest are in the tables.
VERDICT_WATCH: tuple[str, ...] = (
    "wait_min_p90",
    "queue_min_mean",
    "arrival_to_ticket_min_mean",
    "service_level",
    "abandon_share",
    "no_show_share",
    "visits_per_resident",
    "return_visit_share",
    "staff_hours",
    "staff_busy_min_per_day",
)


def significant_others(comparison: pl.DataFrame, named: Sequence[str]) -> list[str]:
    """KPIs of :data:`VERDICT_WATCH` not in ``named`` whose change is significant (95 % CI
    excludes zero), better or worse — the verdict names every one of them."""
    rows = {r["kpi"]: r for r in comparison.iter_rows(named=True)}
    out = []
    for key in VERDICT_WATCH:
        r = rows.get(key)
        if r is None or key in named:
            continue
        low, high = r["ci_low"], r["ci_high"]
        if low is None or high is None or math.isnan(low) or math.isnan(high):
            continue
        if low > 0 or high < 0:
            out.append(key)
    return out


def interval_note(comparison: pl.DataFrame, lang: str = "ja") -> str:
    """How the intervals of an observed comparison were made, with each side's day count
    (empty for a comparison without that information, e.g. of replications)."""
    if comparison.height == 0 or "resampled" not in comparison.columns:
        return ""
    r = comparison.row(0, named=True)
    what = t("resampled_days" if r["resampled"] == "days" else "resampled_visits", lang)
    return t("interval_days", lang, what=what, base=r["baseline_days"], alt=r["alternative_days"])


def verdict_parts(
    comparison: pl.DataFrame, *, kpis: Sequence[str] = VERDICT_KPIS, lang: str = "ja"
) -> list[str]:
    """One clause per KPI: before → after, the difference's 95 % CI, and its direction."""
    return [
        text + (final if lang != "en" else "")
        for text, _, final in _clauses(comparison, kpis, lang)
    ]


def verdict(
    comparison: pl.DataFrame | Any,
    *,
    kpis: Sequence[str] = VERDICT_KPIS,
    lang: str = "ja",
    subject: str = "observed",
    target_min: float | None = None,
) -> str:
    """The plain-language verdict a manager reads first, from a comparison frame
    (kpi, baseline, alternative, difference, ci_low, ci_high).

    e.g. 「改革後、1来庁あたりの窓口数は2.10か所→1.20か所（95%CI −0.95か所〜−0.85か所）に減り、…」.
    ``subject`` ("observed" or "simulated") says whether it is measured or forecast;
    ``target_min`` is the wait target of the service level, named when the verdict speaks of it.
    """
    frame = comparison if isinstance(comparison, pl.DataFrame) else pl.from_pandas(comparison)
    clauses = _clauses(frame, [*kpis, *significant_others(frame, kpis)], lang, target_min)
    if not clauses:
        return t("no_data", lang)
    if lang == "en":
        lead = (
            "After the reform"
            if subject == "observed"
            else "The simulation says that after the reform"
        )
        return f"{lead}, " + "; ".join(c[0] for c in clauses) + "."
    lead = "改革後、" if subject == "observed" else "シミュレーションでは、改革後、"
    body = "、".join(text + cont for text, cont, _ in clauses[:-1])
    last = clauses[-1][0] + clauses[-1][2]
    return f"{lead}{body}、{last}。" if body else f"{lead}{last}。"
