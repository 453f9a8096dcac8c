"""``madoguchi dashboard`` behaves like a service: stopped with SIGTERM (``kill PID``) it stops
its Streamlit server too, and the port is free afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from madoguchi.commands.dashboard import serve_until_stopped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"the dashboard exited early ({proc.returncode}): {err[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail("the dashboard did not answer its health check")
        time.sleep(0.3)


def test_sigterm_stops_the_streamlit_server_too() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "madoguchi", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "MADOGUCHI_CACHE_DIR": "off"},
    )
    try:
        _wait_healthy(proc, f"http://localhost:{port}", timeout_s=180)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the command runs its server as a child process"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], f"server processes still running: {[p.pid for p in alive]}"
        assert len(gone) == len(children)
        assert not _port_open(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_server_that_exits_by_itself_passes_on_its_exit_code() -> None:
    assert serve_until_stopped([sys.executable, "-c", "raise SystemExit(3)"]) == 3


def test_a_stop_signal_terminates_the_running_server() -> None:
    # the signal arrives while the "server" (a sleeping child) runs: the child is terminated
    # (had it run to its end, it would exit with 5)
    script = "import time; time.sleep(120); raise SystemExit(5)"

    def send_term(signum: int, frame: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.signal(signal.SIGALRM, send_term)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        code = serve_until_stopped([sys.executable, "-c", script], grace_s=10)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert code == 0


def test_the_server_runs_with_the_allocator_settings_that_return_memory() -> None:
    # the child sees the settings (they are read when a process starts, so they must be in
    # its environment) and exits with 7 only when both are there
    from madoguchi.commands.dashboard import ALLOCATOR_ENV, server_env

    base = {k: v for k, v in os.environ.items() if k not in ALLOCATOR_ENV}
    checks = " and ".join(f"os.environ.get({k!r}) == {v!r}" for k, v in ALLOCATOR_ENV.items())
    script = f"import os, sys; sys.exit(7 if {checks} else 1)"
    assert serve_until_stopped([sys.executable, "-c", script], env=server_env(base)) == 7


def test_an_allocator_setting_of_the_user_wins() -> None:
    from madoguchi.commands.dashboard import server_env

    env = server_env({"MALLOC_ARENA_MAX": "8", "PATH": "/bin"})
    assert env["MALLOC_ARENA_MAX"] == "8"
    assert env["PATH"] == "/bin"
    assert env["_RJEM_MALLOC_CONF"].startswith("background_thread:true")
