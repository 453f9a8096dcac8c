"""Reading a user's TOML (mapping or study file) without letting the file take the process down.

``tomllib`` parses nested arrays and inline tables recursively: a file nested 100,000 levels
deep raises ``RecursionError`` (and, through the dashboard's upload check, would stop the
server). :func:`loads_toml` measures the nesting first, in one linear scan that skips strings
and comments, and refuses a file deeper than :data:`MAX_TOML_DEPTH` (or larger than
:data:`MAX_TOML_BYTES`) with one clear line; the parsed document's own depth (dotted keys,
tables) is checked too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from journeys.errors import InputError

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "check_nesting", "loads_toml", "nesting_depth"]

#: Deepest nesting of arrays, inline tables and tables a mapping or study file may use (the
#: deepest real study key, ``scenarios.X.counters.Y.shifts``, is far below it).
MAX_TOML_DEPTH = 32
#: Largest TOML text read (a study of hundreds of counters is under 1 MB).
MAX_TOML_BYTES = 10_000_000


def nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting outside strings and comments (a linear scan, no recursion)."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in "\"'":
            i = _string_end(text, i)
            continue
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _string_end(text: str, i: int) -> int:
    """Index just after the string starting at ``i`` (basic, literal, multi-line)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        if quote == '"':
            while end > 0 and _escaped(text, end):
                end = text.find(quote * 3, end + 1)
        return len(text) if end < 0 else end + 3
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\n":
            return j
        if c == "\\" and quote == '"':
            j += 2
            continue
        if c == quote:
            return j + 1
        j += 1
    return j


def _escaped(text: str, at: int) -> bool:
    slashes = 0
    while at - 1 - slashes >= 0 and text[at - 1 - slashes] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _doc_depth(doc: Any) -> int:
    """Depth of a parsed document (tables and arrays), iteratively."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_TOML_DEPTH:
            return level
        if isinstance(value, dict):
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, level + 1) for v in value)
    return deepest


def check_nesting(text: str, *, source: str | Path, what: str = "TOML file") -> None:
    """Refuse a TOML text too large or nested too deeply to parse safely (before ``tomllib``)."""
    if len(text) > MAX_TOML_BYTES:
        raise InputError(
            f"{what} is {len(text):,} characters long (limit {MAX_TOML_BYTES:,})", file=source
        )
    depth = nesting_depth(text)
    if depth > MAX_TOML_DEPTH:
        raise InputError(
            f"{what} is nested {depth:,} levels deep (limit {MAX_TOML_DEPTH})",
            file=source,
            hint="a mapping or study file needs a few levels of [tables] and lists",
        )


def loads_toml(text: str, *, source: str | Path, what: str = "TOML file") -> dict[str, Any]:
    """Parse ``text`` (a mapping or study file) or raise one clear :class:`InputError`."""
    check_nesting(text, source=source, what=what)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=source) from exc
    except RecursionError as exc:  # pragma: no cover - the scan above refuses such files first
        raise InputError(f"{what} is nested too deeply", file=source) from exc
    if _doc_depth(doc) > MAX_TOML_DEPTH:
        raise InputError(
            f"{what} is nested more than {MAX_TOML_DEPTH} levels deep (dotted keys or tables)",
            file=source,
        )
    return doc
