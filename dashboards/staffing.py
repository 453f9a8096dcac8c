"""The staffing plan as a manager reads it: a counter × hour table with colours, and Excel.

Pure functions over a :class:`simulation.planner.StaffingPlan` (the Streamlit page
``dashboards/views/staffing_plan.py`` only draws them): :func:`plan_grid` is the planned staff
per counter (rows) and hour block (columns); :func:`grid_colours` colours each cell by whether
the block meets the target (blue: met, vermillion: missed, the Okabe–Ito pair that
colour-blind readers tell apart) with a darker shade where the plan adds staff;
:func:`plan_workbook` is the Excel file to download (the grid, then every column of the table).
"""

from __future__ import annotations

import io

import polars as pl

from simulation.planner import StaffingPlan

__all__ = ["LABELS", "grid_colours", "plan_grid", "plan_workbook", "text"]

#: Texts of the page and the workbook: key → (Japanese, English).
LABELS: dict[str, tuple[str, str]] = {
    "title": ("人員計画", "Staffing plan"),
    "intro": (
        "シナリオ実験室の一部です。窓口ごと・時間帯ごとに、目標（例：{target:g}分以内に9割を呼出し）を満たす最少の職員数をシミュレーションで求めます。"
        "途中で帰った来庁者は目標未達として数えます。",
        "Part of the Scenario lab. For each counter and hour block, the fewest staff that meet "
        "the target (for example 90 % "
        "called within {target:g} minutes), found by simulation. Residents who gave up count as missed.",
    ),
    "day": ("計画する日", "Day to plan"),
    "within": (
        "目標の待ち時間：{target:g}分以内（サイドバーの待ち時間の目標）",
        "Target wait: within {target:g} min (the sidebar's wait target)",
    ),
    "share": ("{target:g}分以内に呼ぶ割合", "Share called within {target:g} min"),
    "target_row": (
        "目標：{target:g}分以内に {share:.0%} を呼出し（信頼度 {confidence:.0%}）",
        "Target: {share:.0%} called within {target:g} min (confidence {confidence:.0%})",
    ),
    "confidence": ("信頼度", "Confidence"),
    "replications": ("反復回数", "Replications"),
    "run": ("計画する", "Plan"),
    "running": (
        "シミュレーションで計画中…（数十秒かかります）",
        "Planning by simulation… (tens of seconds)",
    ),
    "planned": ("計画の職員時間", "Planned staff-hours"),
    "current": ("現在の職員時間", "Current staff-hours"),
    "met": ("目標を満たす時間帯", "Blocks meeting the target"),
    "grid": ("計画人数（窓口 × 時間帯）", "Planned staff (counter × hour)"),
    "legend": (
        "青：目標を満たす　朱：満たさない（濃い色は現在より増員）",
        "Blue: meets the target · vermillion: misses it (darker: more staff than today)",
    ),
    "download": ("Excelでダウンロード", "Download as Excel"),
    "download_study": ("計画した調査ファイル（TOML）", "Planned study (TOML)"),
    "closed": ("この日は閉庁日です。", "The hall is closed that day."),
    "counter": ("窓口", "counter"),
    "detail": ("詳細", "detail"),
}

_MET = ("#d6ecfa", "#7fb8e0")  # (same or fewer staff than today, more staff)
_MISSED = ("#f6c9b0", "#e08a5c")


def text(key: str, lang: str, **fields: object) -> str:
    """A text of the page in ``lang`` ("ja" or "en"), with ``{fields}`` filled in."""
    ja, en = LABELS[key]
    chosen = en if lang == "en" else ja
    return chosen.format(**fields) if fields else chosen


def plan_grid(plan: StaffingPlan, lang: str | None = None) -> pl.DataFrame:
    """Planned staff: one row per counter (in the scenario's order), one column per block.

    With ``lang`` the first column is the counter by code and name (窓口名) under the header
    of that language; without it, ``counter_id``."""
    from dashboards.operations import counter_names

    order = list(plan.levels)
    labels = [b.label for b in plan.blocks]
    names = counter_names(plan.study, lang) if lang is not None else {}
    first = text("counter", lang) if lang is not None else "counter_id"
    rows = [
        {first: names.get(cid, cid), **dict(zip(labels, plan.levels[cid], strict=True))}
        for cid in order
    ]
    return pl.DataFrame(rows)


def grid_colours(plan: StaffingPlan) -> list[list[str]]:
    """Background colour of each cell of :func:`plan_grid` (rows × blocks)."""
    cells = {
        (cid, b): (met, staff > current)
        for cid, b, met, staff, current in plan.table.select(
            "counter_id", "block", "meets_target", "staff", "current_staff"
        ).iter_rows()
    }
    out = []
    for cid in plan.levels:
        row = []
        for b in range(len(plan.blocks)):
            met, more = cells[(cid, b)]
            row.append((_MET if met else _MISSED)[int(more)])
        out.append(row)
    return out


def plan_workbook(plan: StaffingPlan, lang: str = "ja") -> bytes:
    """The plan as an Excel workbook: the coloured grid, then the full table per block."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(text("title", lang)[:31])
    grid = plan_grid(plan, lang)
    colours = grid_colours(plan)
    head = book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1})
    sheet.write_row(0, 0, [text("counter", lang), *grid.columns[1:]], head)
    formats: dict[str, object] = {}
    for r, row in enumerate(grid.iter_rows()):
        sheet.write_string(r + 1, 0, str(row[0]), head)
        for c, value in enumerate(row[1:]):
            colour = colours[r][c]
            fmt = formats.setdefault(
                colour, book.add_format({"bg_color": colour, "border": 1, "align": "center"})
            )
            sheet.write_number(r + 1, c + 1, int(value), fmt)
    sheet.write_string(grid.height + 2, 0, text("legend", lang))
    goal = plan.target
    sheet.write_string(
        grid.height + 3,
        0,
        text(
            "target_row", lang, target=goal.within_min, share=goal.share, confidence=goal.confidence
        ),
    )
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(grid.columns), 13)
    detail = book.add_worksheet(text("detail", lang)[:31])
    detail.write_row(0, 0, plan.table.columns, head)
    for r, row in enumerate(plan.table.iter_rows()):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool | str):
                detail.write(r + 1, c, value)
            else:
                detail.write_number(r + 1, c, float(value))
    book.close()
    return buffer.getvalue()
