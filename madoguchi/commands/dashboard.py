"""``madoguchi dashboard``: start the Streamlit dashboard (headless, no telemetry).

The command stays in front of its server: stopped by Ctrl+C, by a service manager's SIGTERM
(``kill PID``) or by a closed terminal's SIGHUP, it stops the Streamlit server it started and
waits for it, so the port is free when the command has returned.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated

import typer

from journeys.errors import InputError

__all__ = ["STOP_SIGNALS", "dashboard_command", "register", "serve_until_stopped"]

#: Signals that stop the dashboard (besides Ctrl+C).
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)

#: Seconds the server gets to shut down cleanly before it is killed.
GRACE_S = 20.0


class _Stopped(Exception):
    """A stop signal arrived while the server was running."""


def dashboard_command(port: int, *, address: str = "localhost") -> list[str]:
    """The command line that serves the dashboard: ``streamlit run dashboards/app.py`` through
    :mod:`dashboards.serve` (which warms the cache first), headless, usage stats off."""
    return [
        sys.executable,
        "-m",
        "dashboards.serve",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.fileWatcherType",
        "none",
        "--server.maxUploadSize",
        "5",
    ]


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def serve_until_stopped(command: list[str], *, grace_s: float = GRACE_S) -> int:
    """Run the server ``command`` until it exits or this process is told to stop; then stop
    the server too (SIGTERM, then SIGKILL after ``grace_s``) and return its exit code
    (0 when it was stopped on request)."""
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    child = subprocess.Popen(command)
    try:
        return child.wait()
    except (KeyboardInterrupt, _Stopped):
        child.terminate()
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` command to the CLI."""

    @app.command("dashboard", help="Start the Streamlit dashboard on the bundled sample.")
    def dashboard(
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
        address: Annotated[
            str, typer.Option("--address", help="Address to bind (localhost by default).")
        ] = "localhost",
    ) -> None:
        """Start ``streamlit run dashboards/app.py``."""
        if not 1 <= port <= 65535:
            raise InputError(f"--port must be between 1 and 65535, not {port}")
        typer.echo(f"dashboard: http://{address}:{port}  (Ctrl+C to stop)")
        raise typer.Exit(serve_until_stopped(dashboard_command(port, address=address)))
