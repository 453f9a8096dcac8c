"""End-to-end in a real headless chromium (Debian's, never a downloaded one): the dashboard
served by ``streamlit run`` renders its overview cards without an error box; every page, in
both languages, asks nothing of any host but the dashboard's own server and declares its
language in ``<html lang>``, and at 1024 × 768 no plotly title or annotation overlaps another
and no card value is clipped or cut with an ellipsis; and the offline report renders every
plotly figure with the network cut off. Screenshots at 1024 px are kept in
``reports/screenshots/``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dashboards.cards import CARD_ATTRIBUTE
from dashboards.print_pdf import BROWSER_FLAGS
from journeys.paths import REPORTS_DIR, SAMPLE_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = list(BROWSER_FLAGS)
SCREENSHOTS = REPORTS_DIR / "screenshots"
#: Generous: a page may simulate before it settles, on 2 cores shared with other jobs.
PAGE_TIMEOUT_MS = 240_000

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


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """``madoguchi dashboard`` on a free port, freshly started; its address."""
    from madoguchi.commands.dashboard import local_dashboard

    with local_dashboard(timeout_s=90) as server:  # RuntimeError if it does not start
        yield server.url


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving() as url:
        yield url


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page's script has finished and every plotly chart has drawn."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=PAGE_TIMEOUT_MS
    )
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=PAGE_TIMEOUT_MS,
    )
    # the sidebar's widgets (language switch, wait target) drawn, not their placeholders
    page.locator('[data-testid="stSidebar"] [data-testid="stNumberInput"] input').wait_for(
        state="visible", timeout=PAGE_TIMEOUT_MS
    )


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
    settle(page)
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
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=60_000)
    # the language is in the address, so a reload keeps it
    page.wait_for_url(re.compile(r"[?&]lang=en"), timeout=60_000)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name="Madoguchi workbench").wait_for(timeout=60_000)
    page.close()


#: What a manager cannot read at a glance: plotly subplot titles, figure titles and
#: annotations whose boxes intersect (more than a pixel), and card or metric values (and
#: labels) wider than their box or cut with an ellipsis. Returns one line per problem.
LAYOUT_PROBLEMS_JS = """() => {
  const out = [];
  const said = (el) => (el.textContent || '').trim().slice(0, 60);
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const titles = [...plot.querySelectorAll('.g-gtitle text, .gtitle, .annotation')]
      .filter((el) => said(el))
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0);
    for (let i = 0; i < titles.length; i++) {
      for (let j = i + 1; j < titles.length; j++) {
        const a = titles[i], b = titles[j];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) out.push(`overlap: "${said(a.el)}" / "${said(b.el)}"`);
      }
    }
  }
  const values = document.querySelectorAll(
    '[data-madoguchi-card] .mdg-value, [data-madoguchi-card] .mdg-label, ' +
    '[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, ' +
    '[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *'
  );
  for (const el of values) {
    if (!said(el) || el.clientWidth === 0) continue;
    const cut = getComputedStyle(el).textOverflow === 'ellipsis';
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${cut ? 'ellipsis' : 'clipped'}: "${said(el)}"`);
    }
  }
  return [...new Set(out)];
}"""

#: (url path, title key) of every page, in navigation order.
PAGE_PATHS = (
    ("", "app_title"),
    ("journeys", "page_journeys"),
    ("counter-logs", "page_counter_logs"),
    ("floor", "page_floor"),
    ("scenario-lab", "page_lab"),
    ("staffing-plan", "page_staffing"),
)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_stays_on_the_server_declares_its_language_and_reads_at_1024(  # type: ignore[no-untyped-def]
    server: str, browser, lang: str
) -> None:
    from dashboards.i18n import t

    host = urlsplit(server).netloc
    context = browser.new_context(viewport={"width": 1024, "height": 1400})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requested.append(socket.url))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    unreadable: list[str] = []
    for path, title_key in PAGE_PATHS:
        page.goto(f"{server}/{path}?lang={lang}", wait_until="domcontentloaded")
        title = t(title_key, lang)
        page.get_by_role("heading", name=title).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        page.wait_for_function(
            f"document.documentElement.lang === '{lang}'", timeout=PAGE_TIMEOUT_MS
        )
        name = path or "overview"
        page.screenshot(path=str(SCREENSHOTS / f"{name}_{lang}_1024.png"), full_page=True)
        page.set_viewport_size({"width": 1024, "height": 768})  # a manager's laptop
        page.wait_for_timeout(500)  # plotly and the grid of cards follow the new size
        unreadable += [f"{name}: {line}" for line in page.evaluate(LAYOUT_PROBLEMS_JS)]
        page.set_viewport_size({"width": 1024, "height": 1400})
    assert unreadable == [], f"at 1024 × 768 ({lang}): {unreadable}"
    outside = sorted(
        {url for url in requested if urlsplit(url).scheme in {"http", "https", "ws", "wss"}}
        - {url for url in requested if urlsplit(url).netloc == host}
    )
    assert outside == [], f"requests to other hosts: {outside}"
    assert any(urlsplit(url).path.startswith("/media/") for url in requested), "local favicon"
    context.close()


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


#: Presses ▶ on the Floor replay, counts plotly's animation frames and the clock texts seen
#: over ``ms`` of wall time, pauses, then measures the clock and the controls.
REPLAY_JS = """(ms) => new Promise((resolve) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
    (g) => g._transitionData && g._transitionData._frames.length);
  const clock = () => gd.querySelector('.subplot.x2y2 .textpoint text');
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const seen = new Set([clock().textContent]);
  let frames = 0;
  gd.on('plotly_animatingframe', () => { frames += 1; });
  gd.on('plotly_animated', () => {});
  const start = performance.now();
  gd.querySelectorAll('.updatemenu-button')[0].dispatchEvent(
    new MouseEvent('click', {bubbles: true}));
  const poll = setInterval(() => seen.add(clock().textContent), 50);
  setTimeout(() => {
    clearInterval(poll);
    const wall = (performance.now() - start) / 1000;
    gd.querySelectorAll('.updatemenu-button')[1].dispatchEvent(
      new MouseEvent('click', {bubbles: true}));
    resolve({frames, wall, seen: [...seen], clock: box(clock()), figure: box(gd),
             menu: box(gd.querySelector('.updatemenu-container')),
             slider: box(gd.querySelector('.slider-container'))});
  }, ms);
})"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def test_floor_replay_plays_in_the_browser_clear_of_its_controls(  # type: ignore[no-untyped-def]
    server: str, browser
) -> None:
    """The replay plays on the client (frames advance, the clock moves with them) and at
    1440 and 1024 px neither ▶ / ❚❚ nor the slider covers the clock. The frames per second
    are printed, not asserted (bench/bench_replay.py measures them)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    from dashboards.i18n import t

    page.goto(server, wait_until="domcontentloaded")
    settle(page)
    # the way a manager gets there: the Floor entry of the navigation
    page.locator('[data-testid="stSidebarNav"]').get_by_text(t("page_floor", "ja")).click()
    page.get_by_role("heading", name=t("page_floor", "ja")).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    settle(page)
    for width in (1440, 1024):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(1500)  # the chart follows the new width
        result = page.evaluate(REPLAY_JS, 2500)
        print(f"replay at {width} px: {result['frames'] / result['wall']:.1f} frames/s")
        assert result["frames"] >= 2, result
        assert len(result["seen"]) >= 2 and all(
            re.fullmatch(r"\d\d:\d\d", s) for s in result["seen"]
        )
        clock, figure = result["clock"], result["figure"]
        assert not _overlap(clock, result["menu"]) and not _overlap(clock, result["slider"])
        assert figure["left"] <= clock["left"] and clock["right"] <= figure["right"]
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_bookmarked_page_opens_in_the_app_on_a_fresh_server(browser) -> None:  # type: ignore[no-untyped-def]
    """The first visit after a restart goes straight to ``/floor?lang=en`` (a manager's
    bookmark): the app runs it, in English, with its own navigation (not a bare page script
    in Japanese with file names as links)."""
    from dashboards.i18n import t

    with serving() as url:
        page = browser.new_page()
        page.goto(f"{url}/floor?lang=en", wait_until="domcontentloaded")
        page.get_by_role("heading", name=t("page_floor", "en")).first.wait_for(
            timeout=PAGE_TIMEOUT_MS
        )
        settle(page)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        page.close()
    assert "counter logs" not in nav and "scenario lab" not in nav, nav
    assert t("page_lab", "en") in nav, nav
