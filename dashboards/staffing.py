"""The staffing plan as a manager reads it: a counter × hour table with colours, and Excel.

Pure functions over a :class:`simulation.planner.StaffingPlan` (the Streamlit page
``dashboards/views/staffing_plan.py`` only draws them): :func:`plan_grid` is the planned staff
per counter (rows) and hour block (columns); :func:`grid_colours` colours each cell by whether
the block meets the target (blue: met, vermillion: missed, the Okabe–Ito pair that
colour-blind readers tell apart) with a darker shade where the plan adds staff;
:func:`plan_workbook` is the Excel file to download (the grid, then every column of the table
with each counter's name and headers in the chosen language, :func:`detail_header`).
"""

from __future__ import annotations

import io

import polars as pl

from journeys.excel_export import WORKBOOK_OPTIONS
from simulation.planner import StaffingPlan

__all__ = [
    "DETAIL_HEADERS",
    "LABELS",
    "MISSED_BECAUSE",
    "detail_header",
    "detail_table",
    "grid_colours",
    "plan_grid",
    "plan_workbook",
    "text",
]

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

#: Headers of the workbook's detail sheet, per column of the plan's table (unit in brackets);
#: the KPI columns take the registry's label (:func:`detail_header`).
DETAIL_HEADERS: dict[str, tuple[str, str]] = {
    "counter_id": ("窓口コード", "Counter code"),
    "counter_name": ("窓口名", "Counter name"),
    "block": ("時間帯番号", "Block no."),
    "hours": ("時間帯", "Hours"),
    "staff": ("計画人数（人）", "Planned staff"),
    "current_staff": ("現在の人数（人）", "Current staff"),
    "sl_low": ("下限（割合 0〜1）", "Lower bound (share 0–1)"),
    "sl_high": ("上限（割合 0〜1）", "Upper bound (share 0–1)"),
    "utilisation": (
        "応対時間 ÷ 計画人数の勤務時間（割合 0〜1）",
        "Serving time ÷ planned staff time (share 0–1)",
    ),
    "meets_target": ("目標を満たす", "Meets the target"),
    "missed_because": ("未達の理由", "Why it misses"),
    "sl_low_one_fewer": ("1人減らした場合の下限（割合 0〜1）", "Lower bound with one fewer"),
    "one_fewer_misses": ("1人減らすと未達", "One fewer misses"),
    "verify_sl_low": ("検証：下限（割合 0〜1）", "Check: lower bound (share 0–1)"),
    "verify_meets": ("検証：目標を満たす", "Check: meets the target"),
}
#: Values of ``missed_because`` in the detail sheet.
MISSED_BECAUSE: dict[str, tuple[str, str]] = {
    "max_staff": ("上限の人数でも未達", "misses even at the most staff allowed"),
    "more_staff_did_not_help": ("増員しても改善せず", "more staff did not help"),
}


def detail_header(column: str, lang: str) -> str:
    """The detail sheet's header of a column of the plan's table, in ``lang``: the registry's
    label and stored unit for a KPI (``verify_`` + KPI: "check: …"), else our own text."""
    from journeys import kpi_registry as registry

    key = column.removeprefix("verify_")
    if key in registry.KPIS:
        kpi = registry.kpi(key)
        head = (
            f"{kpi.label(lang)}（{kpi.stored_unit(lang)}）"
            if lang != "en"
            else (f"{kpi.label(lang)} ({kpi.stored_unit(lang)})")
        )
        if key != column:
            head = ("Check: " if lang == "en" else "検証：") + head
        return head
    ja, en = DETAIL_HEADERS.get(column, (column, column))
    return en if lang == "en" else ja


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


def detail_table(plan: StaffingPlan, lang: str) -> pl.DataFrame:
    """The plan's table with each counter's name (窓口名) after its code and the reasons for a
    miss in ``lang`` (headers stay the table's column names; see :func:`detail_header`)."""
    from dashboards.operations import counter_names

    names = counter_names(plan.study, lang)
    reasons = {k: (en if lang == "en" else ja) for k, (ja, en) in MISSED_BECAUSE.items()}
    table = plan.table.with_columns(
        counter_name=pl.col("counter_id").replace_strict(names, default=pl.col("counter_id")),
    )
    if "missed_because" in table.columns:
        table = table.with_columns(
            pl.col("missed_because").replace_strict(reasons, default=pl.col("missed_because"))
        )
    first = ["counter_id", "counter_name"]
    return table.select(first + [c for c in table.columns if c not in first])


def plan_workbook(plan: StaffingPlan, lang: str = "ja") -> bytes:
    """The plan as an Excel workbook: the coloured grid, then the full table per block."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "in_memory": True})
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
    table = detail_table(plan, lang)
    detail = book.add_worksheet(text("detail", lang)[:31])
    detail.write_row(0, 0, [detail_header(c, lang) for c in table.columns], head)
    for r, row in enumerate(table.iter_rows()):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                detail.write_boolean(r + 1, c, value)
            elif isinstance(value, str):
                detail.write_string(r + 1, c, value)
            else:
                detail.write_number(r + 1, c, float(value))
    detail.freeze_panes(1, 2)
    detail.autofilter(0, 0, table.height, len(table.columns) - 1)
    book.close()
    return buffer.getvalue()
