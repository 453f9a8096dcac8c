"""Benchmark of the dashboard (not a test): how fast the first page is ready, how fast the
Scenario lab reruns a peak day × 20 replications when its inputs are unchanged, and whether
the server gives its memory back after sessions with runs have closed.

    .venv/bin/python bench/bench_dashboard.py [--skip-browser] [--sessions 5]

Targets: first page ready ≤ 3 s after the server is up; a lab rerun with unchanged inputs
≤ 2 s; the server's RSS back within 20 % of its starting RSS once the sessions are gone.

The memory part starts the server as ``madoguchi dashboard`` does (its allocator settings,
``madoguchi.commands.dashboard.server_env``). Its baseline is the RSS after one warm-up
session, not the bare server: the first session imports the pages' modules (the lab, the
floor, the replay) and loads the shared sample results every later session reuses, memory a
server keeps for its whole life whatever the number of visitors. Growth beyond it is what
sessions leave behind. Both the bare and the warm RSS are printed, with the change from each.

"Ready" is the first KPI card visible in a fresh headless chromium (no browser cache),
timed from the navigation; the server counts as up when its health check answers, which is
after ``dashboards.serve`` has built the Overview (computed on an empty on-disk cache, read
back on a warm one: both are printed, with the time the server took to come up).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from dashboards.cards import CARD_ATTRIBUTE
from dashboards.print_pdf import BROWSER_FLAGS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = list(BROWSER_FLAGS)
APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(cache: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    from madoguchi.commands.dashboard import dashboard_command, server_env

    port = _free_port()
    env = server_env({**os.environ, "MADOGUCHI_CACHE_DIR": str(cache)})
    start = time.perf_counter()
    proc = subprocess.Popen(
        dashboard_command(port, address="127.0.0.1"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited") from None
            time.sleep(0.1)
    return proc, url, time.perf_counter() - start


def _page_times(url: str) -> tuple[float, float, float]:
    """Seconds until the page title, the first KPI card and all 14 cards, in headless chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        page.locator("h1").first.wait_for(state="visible", timeout=300_000)
        title = time.perf_counter() - start
        cards = page.locator(f"[{CARD_ATTRIBUTE}]")
        cards.first.wait_for(state="visible", timeout=300_000)
        first = time.perf_counter() - start
        cards.nth(13).wait_for(state="visible", timeout=300_000)
        full = time.perf_counter() - start
        browser.close()
    return title, first, full


def bench_browser() -> None:
    """Server start, then the overview in chromium: cold cache, then a restart on the warm cache."""
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        cache = Path(tmp)
        for label in ("cold cache", "warm disk cache (server restarted)"):
            proc, url, up = _serve(cache)
            try:
                visits = [_page_times(url) for _ in range(2)]
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            print(f"[{label}] server up after {up:.1f} s")
            for n, (title, first, full) in enumerate(visits, start=1):
                print(
                    f"[{label}] visit {n}: title {title:.2f} s, first card {first:.2f} s, "
                    f"all 14 cards {full:.2f} s"
                )


def _rss_mb(pid: int) -> float:
    """Resident memory of the server: the command and its Streamlit child, in MB."""
    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total / 1e6


def _session_with_runs(browser: object, url: str, n: int) -> None:
    """One manager's session: the Overview, a lab run with their own staffing, the Floor."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})  # type: ignore[attr-defined]
    page = context.new_page()
    done = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.goto(url, wait_until="domcontentloaded")
    page.locator(f"[{CARD_ATTRIBUTE}]").first.wait_for(state="visible", timeout=300_000)
    page.goto(f"{url}/scenario-lab", wait_until="domcontentloaded")
    page.locator(done).wait_for(state="attached", timeout=300_000)
    box = page.locator('[data-testid="stNumberInput"] input').first
    box.fill(str(1 + n % 3))
    box.press("Enter")
    page.get_by_role("button", name="再実行").click()
    page.locator(done).wait_for(state="attached", timeout=300_000)
    page.goto(f"{url}/floor", wait_until="domcontentloaded")
    page.locator(done).wait_for(state="attached", timeout=300_000)
    context.close()


def bench_memory(sessions: int = 5) -> None:
    """RSS of the server before, at the peak of, and after ``sessions`` sessions with runs."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        proc, url, _ = _serve(Path(tmp))
        peak = [0.0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_mb(proc.pid))
                time.sleep(0.2)

        try:
            time.sleep(2.0)
            bare = _rss_mb(proc.pid)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                # warm-up: the first session imports the pages' modules and loads the shared
                # sample results every later session reuses; growth is measured from here
                _session_with_runs(browser, url, sessions)
                browser.close()
            time.sleep(5.0)
            before = _rss_mb(proc.pid)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for n in range(sessions):
                    _session_with_runs(browser, url, n)
                browser.close()
            stop.set()
            sampler.join()
            time.sleep(10.0)
            closed = _rss_mb(proc.pid)
            # Streamlit keeps a closed session for reconnection (server.disconnectedSessionTTL,
            # 120 s) and forgets it on the next session change: wait, then one short visit
            time.sleep(125.0)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.locator(f"[{CARD_ATTRIBUTE}]").first.wait_for(state="visible", timeout=300_000)
                browser.close()
            time.sleep(5.0)
            after = _rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    change = 100.0 * (after - before) / before
    from_bare = 100.0 * (after - bare) / bare
    print(
        f"[memory] {sessions} sessions with lab runs: RSS of the bare server {bare:.0f} MB, "
        f"after one warm-up session (imports, shared sample results) {before:.0f} MB, "
        f"peak {peak[0]:.0f} MB, 10 s after they closed {closed:.0f} MB, once Streamlit has "
        f"forgotten them {after:.0f} MB ({change:+.0f} % of the warm start, target within "
        f"20 %; {from_bare:+.0f} % of the bare start)"
    )


def bench_lab(replications: int = 20) -> None:
    """A Scenario-lab rerun (AppTest on the lab page) of a peak day × ``replications``."""
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        os.environ["MADOGUCHI_CACHE_DIR"] = tmp
        at = AppTest.from_file(str(APP), default_timeout=600)
        at.run()
        at.switch_page("views/scenario_lab.py").run()
        at.number_input(key="lab_replications").set_value(replications)
        start = time.perf_counter()
        at.button(key="lab_run").click().run()
        first = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        again = time.perf_counter() - start
        assert not at.exception, at.exception
        reused = any("再利用" in c.value for c in at.caption)
        print(
            f"[lab] peak day x {replications} replications: first run {first:.2f} s, "
            f"rerun with unchanged inputs {again:.2f} s (cache reused: {reused})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-browser", action="store_true", help="only the lab benchmark")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=5, help="sessions of the memory part")
    parser.add_argument("--only-memory", action="store_true", help="only the memory benchmark")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.only_memory:
        bench_memory(args.sessions)
        return
    if not args.skip_browser:
        if CHROMIUM.exists():
            bench_browser()
            bench_memory(args.sessions)
        else:
            print("skipped the browser part: /usr/bin/chromium is absent")
    bench_lab(args.replications)


if __name__ == "__main__":
    main()
