"""Tables as a manager reads them: headers, row names and units in the page's language,
numbers rounded, and survey personas named in the page's language.

The survey's personas are free text written by the reform team (in Japanese); in English a
persona is named by the life event it was surveyed for (the study's ``name_en``), numbered
when two personas share one. Nothing here imports Streamlit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

from dashboards.i18n import t

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "PAIN_CATEGORIES",
    "PERSONA_METRICS",
    "persona_names",
    "persona_table",
    "survey_in_language",
]

#: The pain-point classes of the survey sheets (Japanese, as surveyed) -> English.
PAIN_CATEGORIES: Final[dict[str, str]] = {
    "記入": "Writing",
    "待ち": "Waiting",
    "動線": "Walking route",
    "説明": "Explanation",
    "案内": "Guidance",
    "言語": "Language",
    "書類": "Documents",
    "手数料": "Fees",
    "その他": "Other",
}

#: Metric of ``journeys.survey_metrics.persona_comparison`` -> (ja, en) label with its unit.
PERSONA_METRICS: Final[dict[str, tuple[str, str]]] = {
    "minutes": ("所要時間（分）", "Time taken (min)"),
    "wait_min": ("待ち時間（分）", "Waiting (min)"),
    "write_min": ("記入時間（分）", "Writing (min)"),
    "steps": ("手順数（回）", "Steps"),
    "touchpoints": ("立ち寄り先（か所）", "Touchpoints"),
    "counters": ("窓口数（か所）", "Counters"),
    "forms_written": ("記入した書類（枚）", "Forms written"),
    "fields_written": ("氏名・住所の記入（回）", "Name/address writes"),
}


def persona_names(survey: pl.DataFrame, study: Study | None, lang: str) -> dict[str, str]:
    """Each persona of the survey -> its name in ``lang`` (Japanese: as surveyed)."""
    firsts = (
        survey.group_by("persona", maintain_order=True)
        .agg(pl.col("life_event").mode().sort().first())
        .rows()
    )
    if lang != "en":
        return {persona: persona for persona, _ in firsts}
    events = {e.id: e for e in study.life_events} if study is not None else {}
    names: dict[str, str] = {}
    used: dict[str, int] = {}
    for persona, event_id in firsts:
        event = events.get(str(event_id))
        base = (event.name_en if event is not None else "") or str(event_id).replace("_", " ")
        used[base] = used.get(base, 0) + 1
        names[persona] = base if used[base] == 1 else f"{base} ({used[base]})"
    return names


def persona_table(comparison: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The persona comparison with headers and metrics in ``lang``: values rounded to one
    decimal, the change in percent."""
    labels = {m: (ja if lang != "en" else en) for m, (ja, en) in PERSONA_METRICS.items()}
    return comparison.select(
        pl.col("persona").alias(t("persona", lang)),
        pl.col("metric").replace_strict(labels, default=pl.col("metric")).alias(t("kpi", lang)),
        pl.col("baseline").round(1).alias(t("baseline", lang)),
        pl.col("alternative").round(1).alias(t("alternative", lang)),
        pl.col("difference").round(1).alias(t("difference", lang)),
        (pl.col("change") * 100).round(0).alias(t("change_pct", lang)),
    )


def survey_in_language(survey: pl.DataFrame, study: Study | None, lang: str) -> pl.DataFrame:
    """The survey with personas and pain-point classes named in ``lang`` (unknown classes
    stay as surveyed)."""
    names = persona_names(survey, study, lang)
    out = survey.with_columns(pl.col("persona").replace_strict(names))
    if lang == "en" and "pain_category" in out.columns:
        out = out.with_columns(pl.col("pain_category").replace(PAIN_CATEGORIES))
    return out
