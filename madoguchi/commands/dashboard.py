"""``madoguchi dashboard``: start the Streamlit dashboard (headless, no telemetry).

The command stays in front of its server: stopped by Ctrl+C, by a service manager's SIGTERM
(``kill PID``) or by a closed terminal's SIGHUP, it stops the Streamlit server it started and
waits for it, so the port is free when the command has returned.

The server starts with allocator settings that hand memory back once sessions are gone
(:func:`server_env`): without them polars' jemalloc keeps freed pages until the next
allocation burst and glibc keeps one fragmented heap per Streamlit script thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from journeys.errors import InputError

__all__ = [
    "ALLOCATOR_ENV",
    "STOP_SIGNALS",
    "LocalDashboard",
    "dashboard_command",
    "free_port",
    "local_dashboard",
    "register",
    "serve_until_stopped",
    "server_env",
]

#: Signals that stop the dashboard (besides Ctrl+C).
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)

#: Seconds the server gets to shut down cleanly before it is killed.
GRACE_S = 20.0


#: Allocator settings of the dashboard server (a value already in the environment wins).
#: ``_RJEM_MALLOC_CONF`` is read by the jemalloc inside polars: a background thread returns
#: freed pages to the system after 1 s (by default they wait for polars' next allocations,
#: which an idle server never makes). ``MALLOC_ARENA_MAX`` caps glibc's heaps at two, instead
#: of one per thread that ever ran a page (each one kept its own freed-but-fragmented pages).
ALLOCATOR_ENV: dict[str, str] = {
    "_RJEM_MALLOC_CONF": "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0",
    "MALLOC_ARENA_MAX": "2",
}


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the dashboard server: ``base`` (default: this process's) with the
    :data:`ALLOCATOR_ENV` settings it does not set itself."""
    env = dict(os.environ if base is None else base)
    for name, value in ALLOCATOR_ENV.items():
        env.setdefault(name, value)
    return env


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


@dataclass(frozen=True)
class LocalDashboard:
    """A dashboard server this process started on 127.0.0.1 (browser tests, benchmarks):
    its address, its process and the seconds it took until its health check answered."""

    url: str
    process: subprocess.Popen[bytes]
    started_s: float


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_dashboard(
    *, cache_dir: Path | None = None, timeout_s: float = 300.0
) -> Iterator[LocalDashboard]:
    """Serve the dashboard on a free local port until the block ends (then stop it: SIGTERM,
    SIGKILL after 15 s). Up = its health check answers ``ok`` (after :mod:`dashboards.serve`
    has built the Overview); ``cache_dir`` is its ``MADOGUCHI_CACHE_DIR``. A server that exits
    or is not up within ``timeout_s`` raises ``RuntimeError`` with the end of its stderr."""
    env = server_env()
    if cache_dir is not None:
        env["MADOGUCHI_CACHE_DIR"] = str(cache_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    # stderr to a file, not a pipe: a pipe nobody reads would stall a chatty server
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            dashboard_command(port, address="127.0.0.1"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            if not _up(url, proc, start + timeout_s):
                errors.seek(0)
                tail = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the dashboard did not start: {tail}")
            yield LocalDashboard(url, proc, time.perf_counter() - start)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _up(url: str, proc: subprocess.Popen[bytes], deadline: float) -> bool:
    """Wait until the server's health check answers ``ok`` (False: it exited, or too late)."""
    while proc.poll() is None and time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def serve_until_stopped(
    command: list[str], *, grace_s: float = GRACE_S, env: dict[str, str] | None = None
) -> int:
    """Run the server ``command`` (in ``env``, default: this process's environment) until it
    exits or this process is told to stop; then stop the server too (SIGTERM, then SIGKILL
    after ``grace_s``) and return its exit code (0 when it was stopped on request)."""
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS}
    child = subprocess.Popen(command, env=env)
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
        command = dashboard_command(port, address=address)
        raise typer.Exit(serve_until_stopped(command, env=server_env()))
