"""Benchmark of the Floor replay (not a test): frames per second that plotly.js plays in
headless Chromium, for the replay of the bundled sample's peak day.

    .venv/bin/python bench/bench_replay.py [--seconds 6] [--skip-dashboard]

Two measurements, both after pressing ▶: the replay alone in an offline HTML page (plotly.js
of the Python package, inlined), and the replay on the dashboard's Floor page (plotly.js of
Streamlit, served by ``madoguchi dashboard``, reached through the navigation). Frames per second = the ``plotly_animatingframe``
events counted over wall time; also printed: how many browser paints (requestAnimationFrame)
happened meanwhile, and the frames' and points' counts. Target: ≥ 10 frames/s.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from dashboards.print_pdf import BROWSER_FLAGS

CHROMIUM = Path("/usr/bin/chromium")

#: Installed on the page: counts plotly's animation frames and the browser's paints.
COUNTER_JS = """(seconds) => new Promise((resolve) => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
    (g) => g._transitionData && g._transitionData._frames.length);
  let frames = 0, paints = 0, running = true;
  gd.on('plotly_animatingframe', () => { frames += 1; });
  const tick = () => { paints += 1; if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const start = performance.now();
  const button = [...gd.querySelectorAll('.updatemenu-button')][0];
  button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  setTimeout(() => {
    running = false;
    const wall = (performance.now() - start) / 1000;
    resolve({frames, paints, wall, total: gd._transitionData._frames.length});
  }, seconds * 1000);
})"""


def _replay_figure(lang: str) -> Any:
    from dashboards.data import load_dataset
    from dashboards.floor_content import floor_figures
    from dashboards.results import QUICK_REPLICATIONS, QUICK_SEED, run_simulation

    study = load_dataset().study
    assert study is not None
    result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
    return floor_figures(study, study.scenario_ids[0], result, lang).replay


def _print(what: str, r: dict[str, float]) -> None:
    fps = r["frames"] / r["wall"]
    print(
        f"{what}: {fps:.1f} frames/s ({r['frames']:.0f} frames in {r['wall']:.1f} s; "
        f"{r['paints'] / r['wall']:.0f} paints/s; replay of {r['total']:.0f} frames)"
    )


def offline_page(seconds: float, width: int) -> None:
    """The replay alone in an HTML page, plotly.js inlined."""
    from playwright.sync_api import sync_playwright

    fig = _replay_figure("ja")
    points = max(sum(len(d.x or ()) for d in f.data) for f in fig.frames)
    print(f"replay: {len(fig.frames)} frames, at most {points} dots per frame")
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "replay.html"
        fig.write_html(html, include_plotlyjs=True, auto_play=False)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(BROWSER_FLAGS))
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(html.as_uri())
            page.wait_for_selector(".updatemenu-button")
            _print(f"offline page, {width} px", page.evaluate(COUNTER_JS, seconds))
            browser.close()


def dashboard_page(seconds: float, width: int) -> None:
    """The Floor page of ``madoguchi dashboard``."""
    from playwright.sync_api import sync_playwright

    from dashboards.i18n import t
    from madoguchi.commands.dashboard import local_dashboard

    with local_dashboard() as server:
        url = server.url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(BROWSER_FLAGS))
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(url, wait_until="domcontentloaded")
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text(t("page_floor", "ja")).click(timeout=300_000)
            page.locator(".updatemenu-button").first.wait_for(timeout=300_000)
            page.wait_for_timeout(1000)
            _print(f"dashboard Floor page, {width} px", page.evaluate(COUNTER_JS, seconds))
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--skip-dashboard", action="store_true")
    args = parser.parse_args()
    offline_page(args.seconds, args.width)
    if not args.skip_dashboard:
        dashboard_page(args.seconds, args.width)


if __name__ == "__main__":
    main()
