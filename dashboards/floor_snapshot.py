"""``python -m dashboards.floor_snapshot STUDY OUT.png``: the Floor page's floor plan of every
scenario of a study, side by side in one PNG, rendered offline by headless Chromium.

This is how ``reports/screenshots/example_town_floor.png`` (README) is made from the worked
example. It runs the same quick simulation as the Floor page and draws the same figures
(:func:`dashboards.floor_content.floor_figures`); plotly.js is embedded, nothing is fetched.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CHROMIUM", "snapshot"]

CHROMIUM = Path("/usr/bin/chromium")


def snapshot(study_path: Path, out: Path, *, lang: str = "en", width: int = 1100) -> Path:
    """Write one PNG with the floor plan of each scenario of the study, one under the other."""
    from playwright.sync_api import sync_playwright
    from plotly.io import to_html

    from dashboards.floor_content import floor_figures
    from dashboards.results import QUICK_REPLICATIONS, QUICK_SEED, run_simulation
    from simulation.model import load_study

    study = load_study(study_path)
    result = run_simulation(study, replications=QUICK_REPLICATIONS, seed=QUICK_SEED)
    parts = []
    for i, scenario_id in enumerate(study.scenario_ids):
        fig = floor_figures(study, scenario_id, result, lang).plan
        fig.update_layout(width=width, height=480)
        parts.append(to_html(fig, include_plotlyjs=i == 0, full_html=False))
    page = "<html><body style='margin:0;background:#fff'>" + "".join(parts) + "</body></html>"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "floor.html"
        html.write_text(page, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"]
            )
            view = browser.new_page(viewport={"width": width, "height": 480})
            view.goto(html.as_uri())
            view.wait_for_timeout(1000)
            view.screenshot(path=str(out), full_page=True)
            browser.close()
    return out


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.floor_snapshot")
    parser.add_argument("study", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", choices=["ja", "en"], default="en")
    args = parser.parse_args(argv)
    print(snapshot(args.study, args.out, lang=args.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
