"""``madoguchi lab``: JupyterLab on ``notebooks/`` for the reform team, offline and on this
machine only.

JupyterLab listens on 127.0.0.1, runs the notebooks with this environment's ``python3``
kernel (the one with journeys, simulation and dashboards installed), and makes no outside
request of its own: no news feed (announcements), no update check, and the read-only
extension manager (no search on the package index). Stopped like ``madoguchi dashboard``
(Ctrl+C, SIGTERM, SIGHUP), it stops its server.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from journeys.errors import InputError
from journeys.paths import REPO_ROOT

__all__ = ["NOTEBOOKS_DIR", "lab_command", "register"]

#: The team's notebooks (the folder JupyterLab opens).
NOTEBOOKS_DIR: Path = REPO_ROOT / "notebooks"


def lab_command(
    port: int, *, notebooks: Path = NOTEBOOKS_DIR, token: str | None = None, browser: bool = True
) -> list[str]:
    """The command line that serves JupyterLab on ``notebooks`` at 127.0.0.1:``port``.

    ``token`` fixes the access token (default: Jupyter makes one and prints the address)."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={notebooks}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.open_browser={browser}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--MappingKernelManager.default_kernel_name=python3",
    ]
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # a container or CI machine runs as root
        command.append("--allow-root")
    return command


def register(app: typer.Typer) -> None:
    """Add the ``lab`` command to the CLI."""

    @app.command(
        "lab",
        short_help="Open the notebooks in JupyterLab (localhost, offline).",
        help="Start JupyterLab on notebooks/ with this environment's kernel, on 127.0.0.1 only.",
    )
    def lab(
        port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8888,
        no_browser: Annotated[
            bool, typer.Option("--no-browser", help="Do not open a browser tab.")
        ] = False,
    ) -> None:
        """Serve JupyterLab until stopped."""
        from madoguchi.commands.dashboard import serve_until_stopped

        if not 0 < port < 65536:
            raise InputError(f"--port must be between 1 and 65535, not {port}")
        if not NOTEBOOKS_DIR.is_dir():
            raise InputError("the notebooks folder is missing", file=NOTEBOOKS_DIR)
        raise typer.Exit(serve_until_stopped(lab_command(port, browser=not no_browser)))
