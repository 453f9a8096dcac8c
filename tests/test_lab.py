"""``madoguchi lab`` serves JupyterLab on notebooks/ at 127.0.0.1: the Jupyter server's REST
API (with the token) lists every notebook, the python3 kernel is this environment's, and
the page asks for no news feed."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from madoguchi.commands.lab import NOTEBOOKS_DIR, lab_command

TOKEN = "madoguchi-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return bytes(response.read())


def test_lab_lists_the_notebooks(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "lab.log").open("wb")
    server = subprocess.Popen(
        lab_command(port, token=TOKEN, browser=False), stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                listing = json.loads(get(f"{base}/api/contents"))
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "lab.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        names = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
        assert names == sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
        assert len(names) >= 4
        specs = json.loads(get(f"{base}/api/kernelspecs"))
        assert specs["default"] == "python3" and "python3" in specs["kernelspecs"]
        page = get(f"{base}/lab").decode("utf-8")
        assert '"news": {"disabled": true}' in page or '"news":{"disabled":true}' in page
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
