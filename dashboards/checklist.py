"""The printable life-event checklist (手続きチェックシート), generated from the study's catalog.

The same tables the simulation uses (life events → procedures with their probability,
procedure → department, forms, one-stop) become one A4 page per life event, with check boxes,
so the analogue reform (a sheet handed out at the entrance) never drifts from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from dashboards.i18n import t

if TYPE_CHECKING:
    from simulation.model import Study

__all__ = ["CHECKLIST_CSS", "ChecklistItem", "checklist_html", "checklist_items"]

CHECKLIST_CSS = """
@page { size: A4; margin: 14mm 12mm; }
.checklist-page { page-break-before: always; break-before: page; }
.checklist-page h3 { margin: 0 0 4px 0; font-size: 18px; }
.checklist-page p.intro { font-size: 12px; margin: 0 0 8px 0; }
.checklist-page table { width: 100%; border-collapse: collapse; font-size: 12px; }
.checklist-page th, .checklist-page td { border: 1px solid #888; padding: 4px 6px; vertical-align: top; }
.checklist-page th { background: #eef3ef; text-align: left; }
.checklist-page td.box { width: 22px; text-align: center; }
.checklist-page .tick { display: inline-block; width: 13px; height: 13px; border: 1.5px solid #333; }
.checklist-page .os { color: #2a7f62; font-size: 11px; }
@media print { .no-print { display: none; } .checklist-page { break-inside: avoid-page; } }
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


def checklist_html(study: Study, lang: str = "ja") -> str:
    """The checklist as HTML: one A4 page per life event (``CHECKLIST_CSS`` styles it)."""
    pages: list[str] = []
    for event, items in checklist_items(study, lang).items():
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
        pages.append(
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
    return "\n".join(pages)
