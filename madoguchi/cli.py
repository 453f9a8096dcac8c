"""The ``madoguchi`` command line: one Typer app whose commands live in ``madoguchi/commands/``.

A user's mistake (missing file, wrong format, bad argument) is an :class:`journeys.errors.InputError`
and is printed as one line on stderr with exit code 2 — never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console
from rich.markup import escape

from journeys.errors import InputError
from madoguchi import __version__

__all__ = ["app", "main"]

#: Command modules, in the order ``--help`` lists them. Each defines ``register(app)``.
COMMAND_MODULES: tuple[str, ...] = (
    "sample",
    "check",
    "validate",
    "analyze",
    "simulate",
    "calibrate",
    "plan",
    "forecast",
    "report",
    "checklist",
    "dashboard",
    "lab",
)

app = typer.Typer(
    name="madoguchi",
    help="Madoguchi workbench — 窓口改革の分析・シミュレーション (journeys · simulation · dashboards).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"madoguchi {__version__}")
        raise typer.Exit()


#: Set by ``--debug``: an input error also prints its traceback (e.g. inside an extension).
_OPTIONS: dict[str, bool] = {"debug": False}


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
    debug: bool = typer.Option(
        False, "--debug", help="On an error, also print the traceback (for extension authors)."
    ),
) -> None:
    """Madoguchi workbench — 窓口改革の分析・シミュレーション."""
    _OPTIONS["debug"] = debug


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"madoguchi.commands.{_name}")
    except ModuleNotFoundError as exc:  # a command not built yet in this checkout
        if exc.name != f"madoguchi.commands.{_name}":
            raise
        continue
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: runs the app, turning user mistakes into one line."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        # Without standalone mode, a command's ``typer.Exit(code)`` comes back as the return value.
        rc = app(args=argv, standalone_mode=False)
    except InputError as exc:
        if _OPTIONS["debug"]:
            err.print_exception()
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:
        # Usage errors of Typer's (vendored) click carry their own message and exit code 2.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
