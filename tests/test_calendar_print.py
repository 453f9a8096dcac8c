"""The congestion calendar printed by a real headless chromium: one A4 page per month."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from dashboards.calendar import calendar_html
from journeys.paths import SAMPLE_DIR
from simulation.forecast import fit_forecast_model, forecast
from simulation.model import load_study

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent"),
]


def test_each_month_prints_on_one_a4_page(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    study = load_study(SAMPLE_DIR / "study.toml")
    model = fit_forecast_model(pl.read_parquet(SAMPLE_DIR / "counter_log_as_is.parquet"), study)
    fc = forecast(model, study, dt.date(2027, 3, 1), dt.date(2027, 5, 31), replications=1, seed=2)
    page_file = tmp_path / "calendar.html"
    page_file.write_text(calendar_html(fc), encoding="utf-8")
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.click("text=English")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.click("text=日本語")
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
        browser.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 3  # March, April, May
    # the PDF's CJK font maps 月 to the Kangxi radical ⽉: compare NFKC forms
    texts = [unicodedata.normalize("NFKC", pg.extract_text()) for pg in pages]
    for month, text in zip((3, 4, 5), texts, strict=True):
        assert f"2027年{month}月" in text
