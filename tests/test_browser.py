"""End-to-end in a real headless chromium (Debian's, never a downloaded one): the dashboard
served by ``streamlit run`` renders its overview cards without an error box, and the offline
report renders every plotly figure with the network cut off."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards.cards import CARD_ATTRIBUTE
from journeys.paths import REPORTS_DIR, SAMPLE_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPORTS_DIR / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent (install Debian's chromium: apt-get install chromium)",
    ),
    pytest.mark.skipif(
        not (SAMPLE_DIR / "counter_log_as_is.parquet").exists(),
        reason="the bundled sample is not generated yet (madoguchi sample)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from madoguchi.commands.dashboard import dashboard_command

    port = free_port()
    proc = subprocess.Popen(
        dashboard_command(port, address="127.0.0.1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"streamlit did not start: {err[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_dashboard_overview_renders(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from simulation.model import load_study

    study = load_study(SAMPLE_DIR / "study.toml")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server, wait_until="domcontentloaded")
    metrics = page.locator(f"[{CARD_ATTRIBUTE}]")
    # 7 observed cards, then 7 simulated cards (the server built them before listening)
    metrics.nth(13).wait_for(state="visible", timeout=150_000)
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert metrics.count() == 14
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "改革後、" in text and "1来庁あたりの窓口数" in text
    assert len(study.scenario_ids) >= 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
    # switch to English in the sidebar
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Madoguchi workbench").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_report_renders_offline(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dashboards.report import generate_report

    out = generate_report(tmp_path / "report.html", replications=2, seed=3, n_boot=50)
    html = out.read_text(encoding="utf-8")
    figure_ids = re.findall(r'<div id="(fig-[a-z0-9_-]+)"', html)
    assert len(figure_ids) >= 15
    context = browser.new_context(offline=True)
    page = context.new_page()
    requested: list[str] = []

    def block(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    page.route("**/*", block)
    page.goto(out.as_uri())
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot').length >= {len(figure_ids)}", timeout=60_000
    )
    assert page.locator(".js-plotly-plot").count() == len(figure_ids)
    assert page.locator(".main-svg").count() >= len(figure_ids)
    assert requested == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#overview").screenshot(path=str(SCREENSHOTS / "report_overview.png"))
    context.close()
