"""Errors a user can cause and fix: the CLI prints them as one line, never as a traceback."""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError"]


class InputError(Exception):
    """A problem with a user's file or argument, said so the user can fix it.

    ``file``, ``row`` (1-based, as a spreadsheet shows it) and ``column`` locate the problem;
    ``hint`` says how to fix it. ``str(error)`` is the one line the CLI prints.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = ": ".join([", ".join(where), self.message]) if where else self.message
        if self.hint:
            text += f" — {self.hint}"
        return text
