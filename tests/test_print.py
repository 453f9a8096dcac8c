"""Print with Debian's Chromium: every life-event checklist is exactly one A4 page, in Japanese
and in English, as ``madoguchi checklist`` writes it and inside the offline report; plotly's
toolbar does not print. Pages are counted in the PDF with pypdf."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from test_metrics_analyze import run

from journeys.paths import SAMPLE_DIR

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is absent (install Debian's chromium: apt-get install chromium)",
    ),
]
pypdf = pytest.importorskip("pypdf")

A4_POINTS = (595, 842)


def pages(pdf: Path) -> list[tuple[int, int]]:
    """The (width, height) in points of each page of ``pdf``."""
    reader = pypdf.PdfReader(pdf)
    return [(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_checklist_command_prints_one_a4_page(lang: str, tmp_path: Path) -> None:
    out = tmp_path / f"move_in_{lang}.pdf"
    assert run(["checklist", "--life-event", "move_in", "--lang", lang, "--out", str(out)]) == 0
    assert pages(out) == [A4_POINTS]
    # NFKC: the CJK font maps some ideographs to look-alike Kangxi radicals in the PDF's text
    text = unicodedata.normalize("NFKC", pypdf.PdfReader(out).pages[0].extract_text())
    assert ("転入届" in text) if lang == "ja" else ("Move-in" in text)


def test_checklist_html_keeps_its_print_css(tmp_path: Path) -> None:
    out = tmp_path / "move_in.html"
    assert run(["checklist", "--life-event", "move_in", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "@page { size: A4;" in html and '<html lang="ja">' in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch


def test_unknown_life_event_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["checklist", "--life-event", "move-in", "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'move_in'" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def browser() -> object:
    from playwright.sync_api import sync_playwright

    from dashboards.print_pdf import CHROMIUM_FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS))
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_sheet_of_the_report_is_one_page(lang: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dashboards.checklist import checklist_html
    from dashboards.report import REPORT_CSS
    from simulation.model import load_study

    study = load_study(SAMPLE_DIR / "study.toml")
    html = f"<html><head><meta charset='utf-8'><style>{REPORT_CSS}</style></head><body>"
    html += checklist_html(study, lang) + "</body></html>"
    page = browser.new_page()
    page.set_content(html)
    pdf = tmp_path / "sheets.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    page.close()
    # one page per life event: a sheet that spilled would add a page
    assert pages(pdf) == [A4_POINTS] * len(study.life_events)


def test_plotly_toolbar_does_not_print(browser) -> None:  # type: ignore[no-untyped-def]
    import plotly.graph_objects as go

    from dashboards.report import REPORT_CSS, plotly_js

    figure = go.Figure(go.Bar(x=["A", "B"], y=[1, 2])).to_html(
        full_html=False, include_plotlyjs=False
    )
    html = f"<html><head><style>{REPORT_CSS}</style><script>{plotly_js()}</script></head>"
    page = browser.new_page()
    page.set_content(html + f"<body>{figure}</body></html>")
    page.wait_for_selector(".modebar-container", state="attached")
    shown = "getComputedStyle(document.querySelector('.modebar-container')).display"
    assert page.evaluate(shown) != "none"
    page.emulate_media(media="print")
    assert page.evaluate(shown) == "none"
    page.close()
