"""KPI cards as plain HTML: the reform value, the difference from as-is, and its 95 % CI.

The cards are drawn by Streamlit's Markdown renderer, which is part of the page's first
script bundle, so a manager sees the numbers together with the page title, without waiting
for any further browser code (a ``st.metric`` needs its own script chunk and, on a slow
machine, waits behind the plotly library the charts below it load). The difference is
coloured only when its 95 % CI excludes zero: green when the reform is better, red when
worse, neutral when the data cannot tell; colour is never the only signal (a ✓ / ✗ and the
word "better" / "worse" say it too), and both colours pass WCAG AA (4.5:1) on white and read
apart with deuteranopia (they differ in lightness as well as hue). Nothing here imports
Streamlit.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from dashboards.figures.overview import KpiCard
from dashboards.i18n import t
from journeys.kpi_registry import better

__all__ = ["CARD_ATTRIBUTE", "card_html", "cards_html", "verdict_colour"]

#: The attribute that marks a card in the page (tests and the benchmark look for it).
CARD_ATTRIBUTE = "data-madoguchi-card"

_GOOD = "#137333"
_BAD = "#a50e0e"
_GRID = (
    "display:grid;grid-template-columns:repeat(auto-fill,minmax(11.5rem,1fr));"
    "gap:0.75rem;margin:0.25rem 0 1rem 0"
)
_CARD = "border:1px solid rgba(128,128,128,0.35);border-radius:0.5rem;padding:0.6rem 0.9rem"
_LABEL = "font-size:0.875rem;opacity:0.75"
_VALUE = "font-size:1.6rem;line-height:1.35"
_NOTE = "font-size:0.8rem;opacity:0.7"


def verdict_colour(card: KpiCard) -> str | None:
    """The colour of the difference: green (better), red (worse), None (CI spans zero)."""
    if not card.significant:
        return None
    good = better(card.kpi, card.difference)
    if good is None:
        return None
    return _GOOD if good else _BAD


def card_html(card: KpiCard, lang: str) -> str:
    """One card as a single line of HTML (a line break would end a Markdown HTML block)."""
    esc = html.escape
    arrow = "▲" if card.difference > 0 else "▼" if card.difference < 0 else "＝"
    colour = verdict_colour(card)
    if colour is None:
        word = t("card_unclear", lang) if not card.significant else ""
    else:
        word = f"✓ {t('card_better', lang)}" if colour == _GOOD else f"✗ {t('card_worse', lang)}"
    verdict = f' <span class="mdg-verdict">{esc(word)}</span>' if word else ""
    delta_style = f"font-size:0.95rem;color:{colour}" if colour else "font-size:0.95rem;opacity:0.8"
    note = f"{t('baseline', lang)} {card.baseline_text(lang)} · {card.ci_text(lang)}"
    return (
        f'<div {CARD_ATTRIBUTE}="{esc(card.kpi)}" style="{_CARD}" title="{esc(note)}">'
        f'<div class="mdg-label" style="{_LABEL}">{esc(card.label)}</div>'
        f'<div class="mdg-value" style="{_VALUE}">{esc(card.value_text(lang))}</div>'
        f'<div class="mdg-delta" style="{delta_style}">'
        f'<span class="mdg-arrow">{arrow}</span> '
        f'<span class="mdg-diff">{esc(card.delta_text(lang))}</span>{verdict}</div>'
        f'<div class="mdg-note" style="{_NOTE}">{esc(note)}</div>'
        "</div>"
    )


def cards_html(cards: Sequence[KpiCard], lang: str) -> str:
    """All cards in one grid that wraps to the page width."""
    inner = "".join(card_html(card, lang) for card in cards)
    return f'<div class="mdg-cards" style="{_GRID}">{inner}</div>'
