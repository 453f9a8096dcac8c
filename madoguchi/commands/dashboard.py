"""``madoguchi dashboard``: start the Streamlit dashboard (headless, no telemetry)."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from journeys.errors import InputError

__all__ = ["dashboard_command", "register"]


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
        try:
            code = subprocess.call(dashboard_command(port, address=address))
        except KeyboardInterrupt:
            code = 0
        raise typer.Exit(code)
