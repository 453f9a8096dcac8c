"""The printable life-event checklist (手続きチェックシート), generated from the study's catalog.

The same tables the simulation uses (life events → procedures with their probability,
procedure → department, forms, one-stop) become one A4 page per life event, with check boxes,
so the analogue reform (a sheet handed out at the entrance) never drifts from the model.

:func:`checklist_document` is one life event's sheet as a page of its own, the one counter
staff print and hand out (``madoguchi checklist --life-event move_in --out move_in.pdf``): it
fits one A4 page in Japanese and in English (a browser test prints every life event of the
sample and counts the pages), and plotly's toolbar never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from dashboards.i18n import t

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = [
    "CHECKLIST_CSS",
    "ChecklistItem",
    "checklist_document",
    "checklist_for",
    "checklist_html",
    "checklist_items",
]

CHECKLIST_CSS = """
@page { size: A4; margin: 12mm 12mm; }
.checklist-page { page-break-before: always; break-before: page; }
.checklist-page h3 { margin: 0 0 4px 0; font-size: 17px; }
.checklist-page p.intro { font-size: 11px; margin: 0 0 6px 0; }
.checklist-page table { width: 100%; border-collapse: collapse; font-size: 11px; }
.checklist-page th, .checklist-page td { border: 1px solid #888; padding: 3px 5px; vertical-align: top; }
.checklist-page th { background: #eef3ef; text-align: left; }
.checklist-page td.box { width: 20px; text-align: center; }
.checklist-page .tick { display: inline-block; width: 12px; height: 12px; border: 1.5px solid #333; }
.checklist-page .os { color: #2a7f62; font-size: 10px; }
@media print {
  .no-print, .modebar, .modebar-container { display: none !important; }
  .checklist-page { break-inside: avoid-page; }
  .checklist-page tr { break-inside: avoid; }
}
"""
#: A standalone sheet: no page break before its only page, black on white.
_DOCUMENT_CSS = """
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; margin: 0; color: #111; }
.checklist-page { page-break-before: auto; break-before: auto; }
"""


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the sheet: a procedure a resident may need after a life event."""

    life_event: str
    procedure_id: str
    procedure: str
    department: str
    probability: float
    one_stop: bool
    bring: tuple[str, ...]

    def likelihood(self, lang: str) -> str:
        """ "always" / "most people" / "sometimes" from the catalog's probability."""
        if self.probability >= 0.999:
            return t("checklist_always", lang)
        if self.probability >= 0.5:
            return t("checklist_often", lang)
        return t("checklist_sometimes", lang)


def _name(item: object, lang: str) -> str:
    ja = str(getattr(item, "name_ja", "") or "")
    en = str(getattr(item, "name_en", "") or "")
    ident = str(getattr(item, "id", ""))
    return (en or ja or ident) if lang == "en" else (ja or en or ident)


def checklist_items(study: Study, lang: str = "ja") -> dict[str, list[ChecklistItem]]:
    """Life event name → its procedures, most likely first (the catalog order breaks ties).

    What to bring comes from the procedure's ``bring_ja`` / ``bring_en`` lists (English falls
    back to Japanese) when the study has them, else the identity document every procedure needs.
    """
    out: dict[str, list[ChecklistItem]] = {}
    order = {p.id: i for i, p in enumerate(study.procedures)}
    for event in study.life_events:
        items: list[ChecklistItem] = []
        for proc_id, prob in sorted(
            event.procedures.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0))
        ):
            proc = study.procedure(proc_id)
            dept = study.department(proc.department)
            listed = (proc.bring_en or proc.bring_ja) if lang == "en" else proc.bring_ja
            bring = tuple(listed) if listed else (t("checklist_default_bring", lang),)
            items.append(
                ChecklistItem(
                    life_event=_name(event, lang),
                    procedure_id=proc.id,
                    procedure=_name(proc, lang),
                    department=_name(dept, lang),
                    probability=float(prob),
                    one_stop=bool(proc.one_stop),
                    bring=bring,
                )
            )
        out[_name(event, lang)] = items
    return out


def checklist_for(study: Study, life_event_id: str, lang: str = "ja") -> list[ChecklistItem]:
    """The lines of one life event's sheet (an unknown id says which ids exist)."""
    name = _name(study.life_event(life_event_id), lang)
    return checklist_items(study, lang)[name]


def checklist_html(study: Study, lang: str = "ja") -> str:
    """The checklist as HTML: one A4 page per life event (``CHECKLIST_CSS`` styles it)."""
    return "\n".join(
        _page(event, items, lang) for event, items in checklist_items(study, lang).items()
    )


def checklist_document(study: Study, life_event_id: str, lang: str = "ja") -> str:
    """One life event's sheet as a complete HTML page that prints on one A4 page."""
    event = _name(study.life_event(life_event_id), lang)
    page = _page(event, checklist_for(study, life_event_id, lang), lang)
    title = f"{t('checklist_title', lang)}：{event}"
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        f"<style>{CHECKLIST_CSS}{_DOCUMENT_CSS}</style></head>"
        f"<body>{page}</body></html>\n"
    )


def _page(event: str, items: list[ChecklistItem], lang: str) -> str:
    """One life event's ``<section>``: title, how to use the sheet, and the table."""
    rows = "\n".join(
        "<tr>"
        '<td class="box"><span class="tick"></span></td>'
        f"<td>{escape(i.procedure)}"
        + (
            f'<br><span class="os">{escape(t("checklist_one_stop", lang))}</span>'
            if i.one_stop
            else ""
        )
        + "</td>"
        f"<td>{escape(i.department)}</td>"
        f"<td>{escape('、'.join(i.bring) if lang != 'en' else ', '.join(i.bring))}</td>"
        f"<td>{escape(i.likelihood(lang))}</td>"
        "</tr>"
        for i in items
    )
    return (
        f'<section class="checklist-page" lang="{lang}">'
        f"<h3>{escape(t('checklist_title', lang))}：{escape(event)}</h3>"
        f'<p class="intro">{escape(t("checklist_intro", lang))}</p>'
        "<table><thead><tr><th></th>"
        f"<th>{escape(t('checklist_procedure', lang))}</th>"
        f"<th>{escape(t('checklist_department', lang))}</th>"
        f"<th>{escape(t('checklist_bring', lang))}</th>"
        f"<th>{escape(t('checklist_likelihood', lang))}</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )
