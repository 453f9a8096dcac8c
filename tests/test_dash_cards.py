"""KPI cards as HTML: values, signed differences, colour only when the 95 % CI excludes zero."""

from __future__ import annotations

import html

import pytest

from dashboards.cards import CARD_ATTRIBUTE, card_html, cards_html, verdict_colour
from dashboards.figures.overview import KpiCard


def _card(kpi: str, baseline: float, alternative: float, low: float, high: float) -> KpiCard:
    return KpiCard(
        kpi=kpi,
        label="<待ち>",
        baseline=baseline,
        alternative=alternative,
        difference=alternative - baseline,
        ci_low=low,
        ci_high=high,
    )


def test_shorter_wait_with_ci_below_zero_is_green() -> None:
    card = _card("wait_min_mean", 40.0, 12.5, -30.0, -25.0)
    assert verdict_colour(card) == "#137333"
    text = card_html(card, "ja")
    assert f'{CARD_ATTRIBUTE}="wait_min_mean"' in text
    assert '<span class="mdg-arrow">▼</span>' in text
    assert "color:#137333" in text
    assert ">12.5分<" in text and ">-27.5分<" in html.unescape(text).replace("−", "-")
    assert "&lt;待ち&gt;" in text and "<待ち>" not in text  # labels are escaped
    assert "\n" not in text  # a line break would end the Markdown HTML block


def test_higher_service_level_is_green_and_lower_is_red() -> None:
    better = _card("service_level", 0.5, 0.8, 0.2, 0.4)
    worse = _card("service_level", 0.8, 0.5, -0.4, -0.2)
    assert verdict_colour(better) == "#137333"
    assert verdict_colour(worse) == "#a50e0e"
    assert '<span class="mdg-arrow">▲</span>' in card_html(better, "en")


def test_difference_whose_ci_spans_zero_is_not_coloured() -> None:
    card = _card("wait_min_mean", 20.0, 18.0, -5.0, 1.0)
    assert verdict_colour(card) is None
    assert "color:#" not in card_html(card, "en")


def test_grid_holds_every_card_in_order() -> None:
    cards = [
        _card("wait_min_mean", 20.0, 10.0, -12.0, -8.0),
        _card("service_level", 0.5, 0.9, 0.3, 0.5),
    ]
    grid = cards_html(cards, "en")
    assert grid.count(f"{CARD_ATTRIBUTE}=") == 2
    assert grid.index('"wait_min_mean"') < grid.index('"service_level"')


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str = "#ffffff") -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_meets_wcag_aa() -> None:
    import plotly.io as pio

    from dashboards import cards
    from dashboards.figures.logs import ACTIVITY_COLOURS, ACTIVITY_PATTERNS

    assert contrast("#000000") == pytest.approx(21.0)
    for text in (cards._GOOD, cards._BAD):  # the change text on a card: AA for text
        assert contrast(text) >= 4.5
    # better and worse differ in lightness too, so they read apart without red/green vision
    assert abs(_luminance(cards._GOOD) - _luminance(cards._BAD)) > 0.03
    for colour in ACTIVITY_COLOURS.values():  # bars: AA for graphics
        assert contrast(colour) >= 3.0
    assert len(set(ACTIVITY_PATTERNS.values())) == len(ACTIVITY_PATTERNS)
    ticks = pio.templates["plotly_white"].layout.xaxis.tickfont.color or "#2a3f5f"
    assert contrast(pio.templates["plotly_white"].layout.font.color) >= 4.5
    assert contrast(ticks) >= 4.5


def test_a_card_says_better_or_worse_in_words_too() -> None:
    better = card_html(_card("wait_min_mean", 40.0, 12.5, -30.0, -25.0), "ja")
    worse = card_html(_card("service_level", 0.8, 0.5, -0.4, -0.2), "en")
    unclear = card_html(_card("wait_min_mean", 20.0, 18.0, -5.0, 1.0), "en")
    assert '<span class="mdg-verdict">✓ 改善</span>' in better
    assert '<span class="mdg-verdict">✗ worse</span>' in worse
    assert '<span class="mdg-verdict">(no clear difference)</span>' in unclear
