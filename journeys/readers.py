"""Reading ticket-machine exports and journey-survey sheets into canonical frames, losing nothing.

Accepted files: CSV/TSV/TXT (UTF-8, UTF-8 with BOM, cp932/Shift_JIS — detected, or
``encoding=``; comma, semicolon, tab or bar delimiter — detected), Excel ``.xlsx``/``.xlsm``
(first sheet or a named one; a title row above the header and merged header cells are
handled) and Parquet. Each read goes: raw table → personal columns dropped → columns mapped →
lazy validation (:mod:`journeys.validation`) → :class:`IngestResult`.

Row numbers in rejected rows are those the user sees: for CSV the line a record starts on
(header line = 1, first data line = 2; a quoted field spanning lines pushes the later records
down by its extra lines, as in a text editor); for Excel the sheet's own row number; for
Parquet the 1-based row position.

Hostile files get one clear line, never a traceback: a zip, .xlsx, .xls, PDF or gzip file
renamed .csv is named as such; two encodings in one file give the line where the second
starts; CR-only line ends (old Mac exports) are read as line breaks; an Excel sheet is read
within its filled cells (styled empty rows down to row 1,048,576 cost nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeys.errors import InputError
from journeys.mapping import (
    COUNTER_LOG_SYNONYMS,
    SURVEY_SYNONYMS,
    FrameKind,
    Mapping,
    load_mapping,
    match_columns,
    normal_key,
    required_roles,
)
from journeys.privacy import find_personal_columns, is_personal_header, mask_text
from journeys.validation import IngestResult, validate_frame

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "IngestResult",
    "RawTable",
    "detect_kind",
    "read_counter_log",
    "read_file",
    "read_survey",
    "read_table",
]

ACCEPTED_EXTENSIONS: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
_DELIMITERS = (",", ";", "\t", "|")
_HEADER_SCAN_ROWS = 30
_OPENPYXL_FULL_MAX_BYTES = 20_000_000  # below this, merged cells are read too
_NAMES_SHOWN = 20  # column names listed in a note, at most

#: First bytes of files that are not text: what they are and what to do.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook or a zipped export)",
     "name an Excel workbook .xlsx, or unzip the export first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office) file",
     "open it in Excel and save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document", "export the ticket log as CSV or .xlsx"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
)  # fmt: skip


@dataclass
class RawTable:
    """A file's table before mapping: original headers, values as text (or typed for Parquet),
    ``__row`` = the row number the user sees, ``__extra`` = row had more fields than the header."""

    frame: pl.DataFrame
    source: str
    notes: list[str] = field(default_factory=list)


# --- header detection ---------------------------------------------------------------------

_ALL_SYNONYMS = {
    normal_key(n)
    for names in (*COUNTER_LOG_SYNONYMS.values(), *SURVEY_SYNONYMS.values())
    for n in names
}


def _known(header: str) -> bool:
    return bool(header) and (normal_key(header) in _ALL_SYNONYMS or is_personal_header(header))


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip().strip("\ufeff\u200b").strip()


def _header_row(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the row naming the most known columns."""
    best, best_score = 0, -1
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        score = sum(_known(c) for c in row)
        if score > best_score:
            best, best_score = i, score
    if best_score < 2:  # nothing recognisable: first non-empty row with ≥ 2 cells
        for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            if sum(bool(c) for c in row) >= 2:
                return i
    return best


def _header_names(rows: list[list[str]], at: int) -> list[str]:
    """Column names from the header row, completed by a group row above it (merged headers)."""
    sub = rows[at]
    group = rows[at - 1] if at > 0 else []
    use_group = len({c for c in group if c}) >= 2
    names: list[str] = []
    for j, s in enumerate(sub):
        g = group[j] if use_group and j < len(group) else ""
        candidates = [c for c in (s, g + s, s + g, g) if c] if g and g != s else [s]
        chosen = next((c for c in candidates if _known(c)), s or g or f"column_{j + 1}")
        names.append(chosen)
    seen: dict[str, int] = {}
    unique: list[str] = []
    for name in names:
        if name in seen:
            seen[name] += 1
            unique.append(f"{name}_{seen[name]}")
        else:
            seen[name] = 0
            unique.append(name)
    return unique


# --- CSV ------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str | None, path: Path, notes: list[str]) -> tuple[bytes, str]:
    """UTF-8 bytes of the file and the encoding used (strict UTF-8 / BOM, then cp932, then
    charset-normalizer on a sample)."""
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError as exc:
            raise InputError(
                f"unknown encoding '{encoding}'", file=path, hint="try utf-8 or cp932"
            ) from exc
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not {encoding} text (bad byte at offset {exc.start})",
                file=path,
                hint="leave --encoding out to detect it, or try cp932 / utf-8",
            ) from exc
        notes.append(f"encoding: {encoding} (given)")
        return text.lstrip("\ufeff").encode("utf-8"), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("UTF-8 BOM but invalid UTF-8 inside", file=path) from exc
        notes.append("encoding: utf-8 with BOM (detected)")
        return body, "utf-8-sig"
    head = data[:1_000_000]
    try:
        head.decode("utf-8")
        utf8_head = True
    except UnicodeDecodeError as exc:
        # a character cut at the end of the sample is not an error
        utf8_head = exc.start >= len(head) - 3 and len(data) > len(head)
    if utf8_head:
        notes.append("encoding: utf-8 (detected)")
        return data, "utf-8"  # polars checks the rest while reading; see _read_csv
    try:
        text = data.decode("cp932")
        notes.append("encoding: cp932 / Shift_JIS (detected)")
        return text.encode("utf-8"), "cp932"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            text = data.decode(best.encoding)
            notes.append(f"encoding: {best.encoding} (guessed)")
            return text.encode("utf-8"), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_bad = exc.start
    else:  # pragma: no cover - UTF-8 text is read before this point
        utf8_bad = 0
    if utf8_bad > 0 and b"\x00" not in data[:utf8_bad]:
        # the start is UTF-8 and a later line is not: two encodings in one file
        raise _bad_byte_error(data, utf8_bad, path, "mixed text encodings: not UTF-8 from here")
    raise InputError(
        "cannot tell the text encoding (not UTF-8, cp932 or UTF-16 text)",
        file=path,
        hint="give it with --encoding (e.g. cp932)",
    )


def _sniff_delimiter(head: str) -> str:
    counts = {d: 0 for d in _DELIMITERS}
    quoted = False
    for ch in head:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


ColumnChooser = Callable[[pl.DataFrame], list[str]]


_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 1_000_000


def _utf8_head(head: bytes, whole: bool) -> bool:
    """True when the first megabyte is UTF-8 (a character cut at its end does not count)."""
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return not whole and exc.start >= len(head) - 3


def _read_csv(
    path: Path, encoding: str | None, delimiter: str | None, choose: ColumnChooser | None
) -> RawTable:
    notes: list[str] = []
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    blank = b"\xef\xbb\xbf \t\r\n"
    if not head.strip(blank) and (size <= len(head) or not path.read_bytes().strip(blank)):
        raise InputError("the file is empty", file=path, hint="export the ticket log again")
    _refuse_binary(head, path)
    if b"\r" in head and b"\n" not in head:
        return _read_cr_only(path, encoding, delimiter, choose)
    utf8: bytes | None  # None: plain UTF-8 read by polars straight from the file
    if encoding is None and _utf8_head(
        head[3:] if head.startswith(_BOM) else head, size <= len(head)
    ):
        bom = head.startswith(_BOM)
        notes.append(f"encoding: utf-8{' with BOM' if bom else ''} (detected)")
        utf8 = None
        head_utf8 = head[3:] if bom else head
    else:
        utf8, _ = _decode(path.read_bytes(), encoding, path, notes)
        head_utf8 = utf8[:_HEAD_BYTES]
    if len(head_utf8) >= _HEAD_BYTES:
        head_utf8 = head_utf8[: head_utf8.rfind(b"\n") + 1]
    head_lines = (
        head_utf8[:65_536].decode("utf-8", errors="ignore").splitlines()[:_HEADER_SCAN_ROWS]
    )
    sep = delimiter or _sniff_delimiter("\n".join(head_lines[:5]))
    if sep != ",":
        notes.append(f"delimiter {sep!r} ({'given' if delimiter else 'detected'})")
    head_rows = [[_cell_text(c) for c in r] for r in csv.reader(head_lines, delimiter=sep)]
    at = _header_row(head_rows) if head_rows else 0
    names = _header_names(head_rows, at) if head_rows else []
    if at:
        notes.append(f"{at} line(s) above the header skipped (title or group header)")
    if len(names) <= 1:
        header = head_lines[at] if at < len(head_lines) else ""
        other = [d for d in _DELIMITERS if d != sep and d in header]
        if other:
            raise InputError(
                f"only one column found with delimiter {sep!r}, but the header contains {other[0]!r}",
                file=path,
                hint=f"set [read] delimiter = {other[0]!r} in your map file",
            )
    header_line = at + 1
    options: dict[str, Any] = {
        "separator": sep,
        "has_header": True,
        "skip_rows": at,
        "infer_schema": False,
        "quote_char": '"',
    }
    try:
        wanted = names
        if choose is not None:
            sample = pl.read_csv(io.BytesIO(head_utf8), n_rows=2000, new_columns=names, **options)
            wanted = choose(sample)
        index = [names.index(n) for n in wanted]
        try:
            frame = pl.read_csv(
                path if utf8 is None else io.BytesIO(utf8), columns=index, **options
            )
        except pl.exceptions.ComputeError as exc:
            if utf8 is not None or "utf" not in str(exc).lower():
                raise
            # the first megabyte was UTF-8 but later bytes are not: decode the whole file
            utf8, _ = _decode_strict_fallback(path.read_bytes(), path, notes)
            frame = pl.read_csv(io.BytesIO(utf8), columns=index, **options)
        frame.columns = wanted
        newlines = _count_newlines(path if utf8 is None else utf8)
        # as many line breaks as records: no quoted field spans lines (the usual case)
        frame = _line_numbers(frame, header_line + 1, spans=newlines > header_line + frame.height)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError):
        if utf8 is None:
            utf8, _ = _decode_strict_fallback(path.read_bytes(), path, notes)
        frame = _read_csv_slowly(utf8, sep, at, names)
        notes.append("irregular lines (ragged rows or a broken quote): read line by line")
    return RawTable(frame=_drop_blank_rows(frame, notes), source=str(path), notes=notes)


def _count_newlines(source: Path | bytes) -> int:
    """Line feeds in a file or a buffer (read in blocks: memchr speed, little memory)."""
    if isinstance(source, bytes):
        return source.count(b"\n")
    total = 0
    with source.open("rb") as handle:
        while block := handle.read(1 << 24):
            total += block.count(b"\n")
    return total


def _line_numbers(frame: pl.DataFrame, first: int, *, spans: bool = True) -> pl.DataFrame:
    """``__row``: the line each record starts on (``first`` for the first record). A quoted
    field spanning lines pushes every later record down by its extra lines, as the user sees
    them in a text editor; ``spans=False`` says no field can (the file has no more line
    breaks than records)."""
    text = [c for c, t in frame.schema.items() if t == pl.String] if spans else []
    if text:  # one fast scan first: most files have no field spanning lines
        spanning = frame.select(pl.col(text).str.contains("\n", literal=True).any())
        text = [c for c in text if spanning.get_column(c).item()]
    breaks = [pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in text]
    extra = frame.select(pl.sum_horizontal(breaks).alias("b")).to_series() if breaks else None
    numbered = frame.with_row_index("__row", offset=first).with_columns(
        pl.col("__row").cast(pl.Int64)
    )
    if extra is not None and bool((extra > 0).any()):
        before = extra.cast(pl.Int64).cum_sum().shift(1, fill_value=0)
        return numbered.with_columns(pl.col("__row") + before)
    return numbered


def _refuse_binary(head: bytes, path: Path) -> None:
    """A clear line for a file that is not text at all (a renamed archive, PDF, .xls)."""
    for magic, what, hint in _SIGNATURES:
        if head.startswith(magic):
            raise InputError(f"not a {path.suffix} text table but {what}", file=path, hint=hint)


def _read_cr_only(
    path: Path, encoding: str | None, delimiter: str | None, choose: ColumnChooser | None
) -> RawTable:
    """A file whose lines end in CR only (old Mac exports): read with LF line ends."""
    import tempfile

    data = path.read_bytes().replace(b"\r", b"\n")
    with tempfile.TemporaryDirectory(prefix="madoguchi-cr-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_bytes(data)
        raw = _read_csv(copy, encoding, delimiter, choose)
    raw.source = str(path)
    raw.notes.append("line ends: CR only (old Mac format), read as line breaks")
    return raw


def _bad_byte_error(data: bytes, offset: int, path: Path, what: str) -> InputError:
    """The line (as the user counts them, header = 1) of an undecodable byte."""
    line = data.count(b"\n", 0, offset) + 1
    return InputError(
        f"{what} (bad byte 0x{data[offset]:02x} at offset {offset:,})",
        file=path,
        row=line,
        hint="save the whole file in one encoding (UTF-8 or cp932), or give it with --encoding",
    )


def _decode_strict_fallback(data: bytes, path: Path, notes: list[str]) -> tuple[bytes, str]:
    data = data.removeprefix(_BOM)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError as exc:
            raise _bad_byte_error(data, exc.start, path, "mixed or unknown text encoding") from exc
        notes[:] = [n for n in notes if not n.startswith("encoding:")]
        notes.insert(0, "encoding: cp932 / Shift_JIS (detected after the first megabyte)")
        return text.encode("utf-8"), "cp932"
    return data, "utf-8"


def _read_csv_slowly(utf8: bytes, sep: str, at: int, names: list[str]) -> pl.DataFrame:
    """Python csv fallback for broken files: ragged rows kept and flagged, quotes tolerated."""
    text = utf8.decode("utf-8")
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=False)
    width = len(names)
    rows: list[list[str | None]] = []
    line_nos: list[int] = []
    extra: list[bool] = []
    start = reader.line_num
    for i, record in enumerate(reader):
        if i <= at:
            start = reader.line_num
            continue
        line_nos.append(start + 1)
        start = reader.line_num
        cells: list[str | None] = [c if c != "" else None for c in record]
        extra.append(len(cells) > width)
        rows.append((cells + [None] * width)[:width])
    columns = {n: [r[j] for r in rows] for j, n in enumerate(names)}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    return frame.with_columns(
        pl.Series("__row", line_nos, dtype=pl.Int64), pl.Series("__extra", extra, dtype=pl.Boolean)
    ).select("__row", *names, "__extra")


def _drop_blank_rows(frame: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    values = [c for c in frame.columns if not c.startswith("__")]
    if not values:
        return frame
    blank = pl.all_horizontal([pl.col(c).is_null() for c in values])
    n_blank = frame.select(blank.sum()).item()
    if n_blank:
        notes.append(f"{n_blank} empty line(s) skipped")
        return frame.filter(~blank)
    return frame


# --- Excel ----------------------------------------------------------------------------------


def _excel_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        secs = round(value.total_seconds())
        return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_excel(path: Path, sheet: str | None, prefer: str | None) -> RawTable:
    """One sheet's rows, read in read-only mode within the cells that hold values: a sheet
    styled down to row 1,048,576 or one cell at XFD1048576 costs its cells, not its area."""
    import tempfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with tempfile.TemporaryDirectory(prefix="madoguchi-xlsx-") as tmp:
        try:
            compact = _without_empty_rows(path, Path(tmp))
            book = openpyxl.load_workbook(compact or path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise InputError(
                f"not a readable Excel workbook ({type(exc).__name__})", file=path
            ) from exc
        return _read_book(book, path, sheet, prefer)


_EMPTY_ROW_RE = re.compile(rb"<row\b[^>]*/>|<row\b[^>]*>\s*</row>")
_SHEET_PART_RE = re.compile(r"xl/worksheets/[^/]+\.xml")
_EMPTY_ROWS_KEPT = 10_000  # fewer styled empty rows than this are simply read


def _without_empty_rows(path: Path, folder: Path) -> Path | None:
    """A copy of the workbook without its empty (styled only) rows, when it has many: a sheet
    formatted down to row 1,048,576 is then read in the time of its filled rows. None when
    the workbook is fine as it is."""
    with zipfile.ZipFile(path) as book:
        sheets = [i for i in book.infolist() if _SHEET_PART_RE.fullmatch(i.filename)]
        if not any(i.file_size > 1_000_000 for i in sheets):
            return None
        changed: dict[str, bytes] = {}
        for info in sheets:
            if info.file_size <= 1_000_000:
                continue
            xml = book.read(info)
            lean, n = _EMPTY_ROW_RE.subn(b"", xml)
            if n > _EMPTY_ROWS_KEPT:
                changed[info.filename] = lean
        if not changed:
            return None
        target = folder / "compact.xlsx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in book.infolist():
                out.writestr(info, changed.get(info.filename) or book.read(info))
    return target


def _read_book(book: Any, path: Path, sheet: str | None, prefer: str | None) -> RawTable:
    """The chosen sheet of an open read-only workbook as a raw table."""
    try:
        names = book.sheetnames
        if not names:
            raise InputError("the workbook has no sheet", file=path)
        if sheet is not None:
            if sheet not in names:
                raise InputError(
                    f"no sheet named '{sheet}'", file=path, hint=f"sheets: {', '.join(names)}"
                )
            ws = book[sheet]
        else:
            ws = book[prefer] if prefer in names else book[names[0]]
        title = ws.title or f"sheet 1 of {len(names)} (no name)"
        numbers, rows = _sheet_rows(ws)
        _fill_merged(numbers, rows, _merged_ranges(book, ws))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"not a readable Excel sheet ({type(exc).__name__})", file=path) from exc
    finally:
        book.close()
    if not rows:
        raise InputError("the sheet is empty", file=path)
    # each row as long as its own cells: a lone cell far to the right adds no columns
    text_head = [[_cell_text(v) for v in r] for r in rows[:_HEADER_SCAN_ROWS]]
    at = _header_row(text_head)
    headers = _header_names(text_head, at)
    notes: list[str] = [f"sheet: {title}"]
    if numbers[at] > 1:
        notes.append(f"{numbers[at] - 1} row(s) above the header skipped (title or group header)")
    body = rows[at + 1 :]
    columns = {
        h: [_excel_text(r[j]) if j < len(r) else None for r in body] for j, h in enumerate(headers)
    }
    frame = pl.DataFrame(columns, schema={h: pl.String for h in headers})
    frame = frame.with_columns(pl.Series("__row", numbers[at + 1 :], dtype=pl.Int64))
    return RawTable(frame=_drop_blank_rows(frame, notes), source=str(path), notes=notes)


def _sheet_rows(ws: Any) -> tuple[list[int], list[list[Any]]]:
    """The sheet's non-empty rows and their row numbers (trailing empty cells cut off)."""
    ws.reset_dimensions()  # a <dimension> of A1:XFD1048576 must not set the area to read
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if not values:
            continue
        cells = list(values)
        while cells and (cells[-1] is None or _cell_text(cells[-1]) == ""):
            cells.pop()
        if cells:
            numbers.append(number)
            rows.append(cells)
    return numbers, rows


_MERGE_RE = re.compile(rb'<mergeCell[^>]*\sref="([A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7})"')
_MERGE_MAX_CELLS = 10_000  # a merge larger than this is decoration, not a header


def _merged_ranges(book: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges ``(min_col, min_row, max_col, max_row)`` of a read-only sheet, from its
    XML (read-only sheets do not parse them)."""
    from openpyxl.utils import range_boundaries

    archive = getattr(book, "_archive", None)
    part = getattr(ws, "_worksheet_path", None)
    if archive is None or not part:
        return []
    with archive.open(part) as handle:
        data = handle.read()
    found = []
    for ref in _MERGE_RE.findall(data):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        assert None not in (min_col, min_row, max_col, max_row)
        if (max_col - min_col + 1) * (max_row - min_row + 1) <= _MERGE_MAX_CELLS:
            found.append((min_col, min_row, max_col, max_row))
    return found


def _fill_merged(
    numbers: list[int], rows: list[list[Any]], ranges: list[tuple[int, int, int, int]]
) -> None:
    """Every cell of a merged range gets the value of its top-left cell (merged headers)."""
    if not ranges:
        return
    index = {n: i for i, n in enumerate(numbers)}
    for min_col, min_row, max_col, max_row in ranges:
        top = index.get(min_row)
        if top is None or min_col - 1 >= len(rows[top]):
            continue
        value = rows[top][min_col - 1]
        for r in range(min_row, max_row + 1):
            i = index.get(r)
            if i is None:
                continue
            row = rows[i]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col, max_col + 1):
                row[c - 1] = value


# --- dispatch -------------------------------------------------------------------------------


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    prefer_sheet: str | None = None,
    choose: ColumnChooser | None = None,
) -> RawTable:
    """The raw table of a file (any accepted extension), with user-visible row numbers.

    ``choose`` gets a sample of the table (≤ 2000 rows, all headers) and returns the headers
    to load — so a big CSV only parses the columns that will be used."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in ACCEPTED_EXTENSIONS:
        hint = "save it as .xlsx" if ext == ".xls" else None
        raise InputError(
            f"unsupported file type '{ext or '(none)'}'; accepted: {', '.join(ACCEPTED_EXTENSIONS)}",
            file=p,
            hint=hint,
        )
    if not p.exists():
        raise InputError("file not found", file=p, hint="check the path")
    if p.is_dir():
        raise InputError("is a folder, not a file", file=p)
    if ext in (".xlsx", ".xlsm"):
        return _read_excel(p, sheet, prefer_sheet)
    if ext == ".parquet":
        try:
            frame = pl.read_parquet(p)
        except Exception as exc:  # pyarrow/polars raise many kinds for a broken file
            raise InputError(f"not a readable Parquet file ({type(exc).__name__})", file=p) from exc
        frame = frame.with_row_index("__row", offset=1).with_columns(pl.col("__row").cast(pl.Int64))
        return RawTable(frame=frame, source=str(p))
    return _read_csv(p, encoding, delimiter, choose)


def detect_kind(headers: Iterable[str]) -> FrameKind:
    """``survey`` when the headers name more survey columns than counter-log ones."""
    hs = list(headers)
    log = len(match_columns(hs, "counter-log"))
    survey = len(match_columns(hs, "survey"))
    return "survey" if survey > log else "counter-log"


def _safe_header(header: str) -> str:
    return mask_text(header)


@dataclass
class _Plan:
    """What the header and a sample decided: kind, roles, personal columns."""

    kind: FrameKind
    roles: dict[str, str]
    personal: dict[str, str]
    headers: list[str]


def _plan(sample: pl.DataFrame, kind: FrameKind | None, m: Mapping, source: str) -> _Plan:
    headers = [c for c in sample.columns if not c.startswith("__")]
    kind = kind or detect_kind(headers)
    roles = match_columns(headers, kind, m)
    keep = set(m.privacy_keep)
    protected = set(roles.values()) | keep
    personal = find_personal_columns(sample.select(headers), protected=protected)
    for h in m.privacy_drop:
        if h in headers:
            personal.setdefault(h, "listed in [privacy] drop")
    for h in keep:
        personal.pop(h, None)
    roles = {r: h for r, h in roles.items() if h not in personal}
    missing = [r for r in required_roles(kind, roles) if r not in roles]
    if missing:
        fix = "; ".join(f'{r} = "<your header>"' for r in missing)
        if not roles:
            # no header matched any column: the first line is most likely a data row (a
            # resident's name, a number) — say so without echoing it
            raise InputError(
                f"{kind}: the first line names none of the expected columns "
                f"({len(headers)} fields) — is the header row missing?",
                file=source,
                hint=f"put the column names on the first line, or map them: [columns] {fix}",
            )
        found = ", ".join(_safe_header(h) for h in headers if h not in personal) or "none"
        raise InputError(
            f"{kind} is missing required column(s) {', '.join(missing)}; columns found: {found}",
            file=source,
            hint=f"add to your map file: [columns] {fix}",
        )
    return _Plan(kind=kind, roles=roles, personal=personal, headers=headers)


def _ingest(
    path: str | Path,
    kind: FrameKind | None,
    *,
    mapping: str | Path | Mapping | None,
    encoding: str | None,
    sheet: str | None,
    catalog_counters: Iterable[str] | None,
    salt: str | None,
) -> IngestResult:
    m = (
        mapping
        if isinstance(mapping, Mapping)
        else load_mapping(mapping, kind=kind or "counter-log")
    )
    plans: list[_Plan] = []

    def choose(sample: pl.DataFrame) -> list[str]:
        plans.append(_plan(sample, kind, m, str(path)))
        return list(plans[-1].roles.values())

    raw = read_table(
        path,
        encoding=encoding or m.encoding,
        sheet=sheet or m.sheet,
        delimiter=m.delimiter,
        prefer_sheet="調査票" if kind == "survey" else None,
        choose=choose,
    )
    frame = raw.frame
    plan = plans[-1] if plans else _plan(frame, kind, m, raw.source)
    dropped = tuple(h for h in plan.headers if h in plan.personal)
    notes = list(raw.notes)
    unused = [h for h in plan.headers if h not in plan.personal and h not in plan.roles.values()]
    if unused:
        shown = ", ".join(_safe_header(h) for h in unused[:_NAMES_SHOWN])
        more = f" … ({len(unused) - _NAMES_SHOWN:,} more)" if len(unused) > _NAMES_SHOWN else ""
        notes.append(f"columns not used: {shown}{more}")
    if dropped:
        notes.append(f"{len(dropped)} personal column(s) dropped: " + ", ".join(dropped))
    select = [pl.col(h).alias(r) for r, h in plan.roles.items()]
    select.append(pl.col("__row"))
    if "__extra" in frame.columns:
        select.append(pl.col("__extra"))
    canonical = frame.select(select)
    return validate_frame(
        canonical,
        plan.kind,
        source=raw.source,
        mapping=m,
        catalog_counters=catalog_counters,
        salt=salt,
        dropped_columns=dropped,
        notes=notes,
    )


def read_counter_log(
    path: str | Path,
    *,
    mapping: str | Path | Mapping | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    catalog_counters: Iterable[str] | None = None,
    salt: str | None = None,
) -> IngestResult:
    """Read a ticket-machine export or a canonical counter-log Parquet into a validated,
    pseudonymised counter log. Raises :class:`InputError` for a file the user must fix."""
    return _ingest(
        path,
        "counter-log",
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        catalog_counters=catalog_counters,
        salt=salt,
    )


def read_survey(
    path: str | Path,
    *,
    mapping: str | Path | Mapping | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    salt: str | None = None,
) -> IngestResult:
    """Read a journey-survey sheet (xlsx/CSV) or canonical survey Parquet; free text is masked,
    the observer's name column dropped."""
    return _ingest(
        path,
        "survey",
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        catalog_counters=None,
        salt=salt,
    )


def read_file(
    path: str | Path,
    *,
    kind: FrameKind | None = None,
    mapping: str | Path | Mapping | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    catalog_counters: Iterable[str] | None = None,
    salt: str | None = None,
) -> IngestResult:
    """Read either kind of file; ``kind=None`` decides from the headers."""
    return _ingest(
        path,
        kind,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        catalog_counters=catalog_counters,
        salt=salt,
    )
