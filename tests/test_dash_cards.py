"""KPI cards as HTML: values, signed differences, colour only when the 95 % CI excludes zero."""

from __future__ import annotations

import html

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
    assert verdict_colour(card) == "#1e8e3e"
    text = card_html(card, "ja")
    assert f'{CARD_ATTRIBUTE}="wait_min_mean"' in text
    assert '<span class="mdg-arrow">▼</span>' in text
    assert "color:#1e8e3e" in text
    assert ">12.5分<" in text and ">-27.5分<" in html.unescape(text).replace("−", "-")
    assert "&lt;待ち&gt;" in text and "<待ち>" not in text  # labels are escaped
    assert "\n" not in text  # a line break would end the Markdown HTML block


def test_higher_service_level_is_green_and_lower_is_red() -> None:
    better = _card("service_level", 0.5, 0.8, 0.2, 0.4)
    worse = _card("service_level", 0.8, 0.5, -0.4, -0.2)
    assert verdict_colour(better) == "#1e8e3e"
    assert verdict_colour(worse) == "#d93025"
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
