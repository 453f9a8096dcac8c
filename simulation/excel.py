"""A study as an Excel workbook (調査・シミュレーション定義ブック), sheet by sheet, and back.

A visiting municipality fills in the same content as the TOML study file in Excel:

========================  ===============================================================
sheet                     content (one row per …)
========================  ===============================================================
説明 (README)             how to fill in the workbook, in Japanese and English (not read)
概要 (study)              the ``[study]`` table, one key per row
部署 (departments)        department
手続き (procedures)       procedure; service-time columns flattened (``service.by_department.mean``)
ライフイベント            life event × procedure (long): id, name, share on the event's first row
来庁 (arrivals)           one key per row; lists spread over the columns to the right
繁忙期 (peaks)            peak (``[[arrivals.peaks]]``)
シナリオ (scenarios)      scenario; floor manager, back office, entrance, ticket machine flattened
記入台 (desks)            writing desk of a scenario
窓口 (counters)           counter of a scenario (``scenario`` column); lunch flattened
勤務 (shifts)             shift of a counter (``scenario``, ``counter`` columns)
<scenario>_<n>F           the scenario's building floor n drawn as grid paper (see floorplan)
========================  ===============================================================

Table sheets have Japanese labels in row 1 and the TOML keys in row 2 (the reader uses row 2);
data start in row 3. Lists in one cell (a counter's procedures, a peak's life events, empirical
values) are comma-separated. :func:`read_study_xlsx` names every problem by sheet, row and
column. ``python -m simulation.excel --sample`` regenerates the bundled workbooks
(deterministic bytes).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from journeys.errors import InputError
from simulation.floorplan import ENTRANCE, STAIRS, TICKET_MACHINE, FloorGrid
from simulation.messages import Text, render
from simulation.messages import text as msg
from simulation.model import (
    Scenario,
    Study,
    StudyError,
    StudyProblem,
    minutes_to_time,
    study_from_dict,
)

__all__ = [
    "SHEETS",
    "generate_sample_workbooks",
    "is_study_workbook",
    "read_study_xlsx",
    "read_study_xlsx_located",
    "relocate",
    "sketch_floor_grids",
    "write_floor_workbook",
    "write_study_xlsx",
]

#: Fixed creation date of generated workbooks, so the same study gives the same bytes.
CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)

#: Sheet names (Japanese, as written) and the English names also accepted on reading.
SHEETS: dict[str, str] = {
    "readme": "説明",
    "study": "概要",
    "departments": "部署",
    "procedures": "手続き",
    "life_events": "ライフイベント",
    "arrivals": "来庁",
    "peaks": "繁忙期",
    "scenarios": "シナリオ",
    "desks": "記入台",
    "counters": "窓口",
    "shifts": "勤務",
}

_LIST_SPLIT = re.compile(r"[,、，;\n]+")
_GRID_SHEET = re.compile(r"^.+_\d+F$")


@dataclass(frozen=True)
class _Col:
    """One column of a table sheet: TOML key path, Japanese label, value kind, width."""

    key: str
    label: str
    kind: str = "str"  # str | float | int | bool | time | date | month_day | utc_offset | list_str | list_float
    width: float = 12.0


_DEPARTMENTS = [
    _Col("id", "部署ID"),
    _Col("name_ja", "部署名", width=22),
    _Col("name_en", "英語名", width=28),
    _Col("floor", "階", "int", 6),
]
_SERVICE = [
    ("dist", "分布", "str"),
    ("mean", "平均(分)", "float"),
    ("cv", "変動係数", "float"),
    ("values", "実測値(分, カンマ区切り)", "list_float"),
]
_PROCEDURES = [
    _Col("id", "手続きID"),
    _Col("name_ja", "手続き名", width=20),
    _Col("name_en", "英語名", width=26),
    _Col("department", "担当部署ID"),
    _Col("forms", "手書き様式数", "int", 8),
    _Col("writing_min", "記入時間(分)", "float", 9),
    _Col("sign_only_min", "確認署名(分)", "float", 9),
    _Col("back_office_min", "バックオフィス(分)", "float", 9),
    _Col("rpa_share", "RPA削減率", "float", 9),
    _Col("one_stop", "ワンストップ可", "bool", 9),
    _Col("bring_ja", "持ち物(カンマ区切り)", "list_str", 40),
    _Col("bring_en", "持ち物・英語(カンマ区切り)", "list_str", 40),
    *[
        _Col(f"service.{where}.{key}", f"{label_where}{label}", kind, 10)
        for where, label_where in (("by_department", "課窓口:"), ("one_stop", "ワンストップ:"))
        for key, label, kind in _SERVICE
    ],
]
_LIFE_EVENTS = [
    _Col("id", "ライフイベントID"),
    _Col("name_ja", "名称", width=16),
    _Col("name_en", "英語名", width=22),
    _Col("share", "来庁割合", "float", 9),
    _Col("procedure", "手続きID"),
    _Col("probability", "必要となる確率", "float", 10),
]
_PEAKS = [
    _Col("from", "開始(MM-DD)", "month_day", 10),
    _Col("to", "終了(MM-DD)", "month_day", 10),
    _Col("factor", "倍率", "float", 8),
    _Col("life_events", "対象ライフイベント(空欄=全て)", "list_str", 40),
]
_SCENARIOS = [
    _Col("id", "シナリオID"),
    _Col("name_ja", "名称", width=24),
    _Col("name_en", "英語名", width=26),
    _Col("flow", "動線(by_department/one_stop)", width=14),
    _Col("walking_speed_m_per_min", "歩行速度(m/分)", "float", 9),
    _Col("floor_change_m", "階移動(m)", "float", 8),
    _Col("omission_rate", "手続き漏れ率", "float", 9),
    _Col("no_show_rate", "不在率", "float", 8),
    _Col("rpa", "RPA", "bool", 6),
    _Col("behaviour.balk_queue", "諦める待ち人数", "int", 9),
    _Col("behaviour.patience_mean_min", "平均我慢時間(分)", "float", 9),
    _Col("floor_manager.staff", "フロアマネージャー人数", "int", 9),
    _Col("floor_manager.triage_min", "案内時間(分)", "float", 9),
    _Col("back_office.staff", "バックオフィス人数", "int", 9),
    _Col("overtime_max_min", "閉庁後の残業上限(分)", "float", 9),
    _Col("floor.grid_xlsx", "方眼図(ファイル#シート)", width=20),
    _Col("floor.entrance.x", "入口x(m)", "float", 7),
    _Col("floor.entrance.y", "入口y(m)", "float", 7),
    _Col("floor.entrance.floor", "入口階", "int", 6),
    _Col("floor.ticket_machine.x", "発券機x(m)", "float", 7),
    _Col("floor.ticket_machine.y", "発券機y(m)", "float", 7),
    _Col("floor.ticket_machine.floor", "発券機階", "int", 6),
]
_DESKS = [
    _Col("scenario", "シナリオID"),
    _Col("id", "記入台ID"),
    _Col("x", "x(m)", "float", 7),
    _Col("y", "y(m)", "float", 7),
    _Col("floor", "階", "int", 6),
]
_COUNTERS = [
    _Col("scenario", "シナリオID"),
    _Col("id", "窓口ID", width=8),
    _Col("name_ja", "窓口名", width=24),
    _Col("name_en", "英語名", width=28),
    _Col("zone", "ゾーン(部署ID/one_stop)"),
    _Col("kind", "種類(department/one_stop)"),
    _Col("floor", "階", "int", 6),
    _Col("x", "x(m)", "float", 7),
    _Col("y", "y(m)", "float", 7),
    _Col("procedures", "受け付ける手続きID(カンマ区切り)", "list_str", 40),
    _Col("staff", "職員数", "int", 7),
    _Col("lunch.start", "昼休み開始", "time", 9),
    _Col("lunch.end", "昼休み終了", "time", 9),
    _Col("lunch.minutes", "昼休み(分/人)", "float", 9),
    _Col("open", "窓口の開始", "time", 9),
    _Col("close", "窓口の終了", "time", 9),
    _Col("min_staff", "最少人数(計画)", "int", 8),
    _Col("max_staff", "最多人数(計画)", "int", 8),
]
_SHIFTS = [
    _Col("scenario", "シナリオID"),
    _Col("counter", "窓口ID", width=8),
    _Col("start", "開始", "time", 8),
    _Col("end", "終了", "time", 8),
    _Col("staff", "人数", "int", 6),
]
_STUDY_ROWS = [
    _Col("id", "調査ID"),
    _Col("name_ja", "自治体・調査名"),
    _Col("name_en", "英語名"),
    _Col("residents", "人口", "int"),
    _Col("start_date", "開始日(月曜日)", "date"),
    _Col("utc_offset", "UTCとの時差(+09:00 または Asia/Tokyo。空欄は+09:00)", "utc_offset"),
]
_ARRIVAL_ROWS = [
    _Col("residents_per_day", "1日の来庁者数(平常日)", "float"),
    _Col("open", "開庁時刻", "time"),
    _Col("close", "閉庁時刻", "time"),
    _Col("hour_profile", "時間帯別割合(開庁時刻の時台から1時間ずつ)", "list_float"),
    _Col("weekday_factor", "曜日係数(月〜金)", "list_float"),
    _Col("month_factor", "月係数(1〜12月)", "list_float"),
    _Col("holidays", "閉庁日(YYYY-MM-DD)", "list_date"),
]


# --------------------------------------------------------------------------- writing


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _cell_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("list_str", "list_float"):
        return ", ".join(_fmt_number(v) if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fmt_number(value: float) -> str:
    return repr(value) if not float(value).is_integer() else f"{value:.1f}"


class _Writer:
    """Formats and helpers around one xlsxwriter workbook."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(
            str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        self.book.set_properties(
            {
                "title": "Madoguchi study",
                "author": "madoguchi",
                "created": CREATED,
                "comments": "docs/study-format.md",
            }
        )
        self.label = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        self.key = self.book.add_format(
            {"italic": True, "font_color": "#595959", "bg_color": "#F2F2F2", "border": 1}
        )
        self.text = self.book.add_format({"border": 1})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self._fills: dict[tuple[str, str, bool], Any] = {}

    def fill(self, colour: str, font: str = "#000000", bold: bool = False) -> Any:
        """A solid-fill cell format (cached); ``colour=""`` for a label on white (no fill)."""
        key = (colour, font, bold)
        if key not in self._fills:
            spec: dict[str, Any] = {
                "font_color": font,
                "font_size": 7,
                "bold": bold,
                "align": "center",
                "valign": "vcenter",
            }
            if colour:
                spec.update(bg_color=colour, pattern=1)
            else:
                spec.update(border=1, border_color=font)
            self._fills[key] = self.book.add_format(spec)
        return self._fills[key]

    def put(self, ws: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
        """Write one cell with its own type (strings stay strings, never formulas or dates)."""
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            ws.write_number(row, col, value, fmt)
        else:
            ws.write_string(row, col, str(value), fmt)

    def table(self, name: str, cols: Sequence[_Col], rows: Iterable[Mapping[str, Any]]) -> None:
        """A table sheet: labels in row 1, keys in row 2, one row per item from row 3."""
        ws = self.book.add_worksheet(name)
        for c, col in enumerate(cols):
            ws.set_column(c, c, col.width)
            ws.write_string(0, c, col.label, self.label)
            ws.write_string(1, c, col.key, self.key)
        ws.set_row(0, 30)
        ws.freeze_panes(2, 1)
        for r, item in enumerate(rows, start=2):
            for c, col in enumerate(cols):
                self.put(ws, r, c, _cell_value(item.get(col.key), col.kind), self.text)

    def vertical(self, name: str, cols: Sequence[_Col], values: Mapping[str, Any]) -> None:
        """A key/value sheet: label in A, key in B, value(s) from C (lists spread to the right)."""
        ws = self.book.add_worksheet(name)
        ws.set_column(0, 0, 40)
        ws.set_column(1, 1, 18)
        ws.set_column(2, 40, 11)
        ws.write_string(0, 0, "項目", self.label)
        ws.write_string(0, 1, "key", self.key)
        ws.write_string(0, 2, "値 value", self.label)
        for r, col in enumerate(cols, start=1):
            ws.write_string(r, 0, col.label, self.text)
            ws.write_string(r, 1, col.key, self.key)
            value = values.get(col.key)
            items = value if isinstance(value, list) else [value]
            for c, item in enumerate(items, start=2):
                self.put(
                    ws, r, c, item.isoformat() if isinstance(item, dt.date) else item, self.text
                )


def _life_event_rows(study: Study) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for event in study.life_events:
        for i, (proc_id, prob) in enumerate(event.procedures.items()):
            row: dict[str, Any] = {"id": event.id, "procedure": proc_id, "probability": prob}
            if i == 0:
                row.update(name_ja=event.name_ja, name_en=event.name_en, share=event.share)
            rows.append(row)
    return rows


def write_study_xlsx(
    study: Study,
    path: str | Path,
    *,
    instructions: bool = True,
    grids: Mapping[str, list[FloorGrid]] | None = None,
) -> Path:
    """Write a study as a workbook (same content as its TOML) with grid-paper floor sheets.

    ``grids`` maps a scenario id to its grid-paper floors; scenarios not in it are sketched from
    their coordinates (:func:`sketch_floor_grids`). Same study → same bytes.
    """
    path = Path(path)
    data = study.model_dump(mode="python", by_alias=True)
    w = _Writer(path)
    if instructions:
        _write_instructions(w)
    w.vertical(SHEETS["study"], _STUDY_ROWS, data["study"])
    w.table(SHEETS["departments"], _DEPARTMENTS, data["departments"])
    w.table(SHEETS["procedures"], _PROCEDURES, [_flatten(p) for p in data["procedures"]])
    w.table(SHEETS["life_events"], _LIFE_EVENTS, _life_event_rows(study))
    w.vertical(SHEETS["arrivals"], _ARRIVAL_ROWS, data["arrivals"])
    w.table(SHEETS["peaks"], _PEAKS, data["arrivals"]["peaks"])
    w.table(
        SHEETS["scenarios"],
        _SCENARIOS,
        [_flatten({k: v for k, v in s.items() if k != "counters"}) for s in data["scenarios"]],
    )
    w.table(
        SHEETS["desks"],
        _DESKS,
        [{"scenario": s["id"], **d} for s in data["scenarios"] for d in s["floor"]["desks"]],
    )
    w.table(
        SHEETS["counters"],
        _COUNTERS,
        [{"scenario": s["id"], **_flatten(c)} for s in data["scenarios"] for c in s["counters"]],
    )
    w.table(
        SHEETS["shifts"],
        _SHIFTS,
        [
            {"scenario": s["id"], "counter": c["id"], **shift}
            for s in data["scenarios"]
            for c in s["counters"]
            for shift in c["shifts"]
        ],
    )
    zones = _zone_colours(study)
    for scenario in study.scenarios:
        floors = (grids or {}).get(scenario.id) or sketch_floor_grids(study, scenario.id)
        for grid in floors:
            _write_grid(w, f"{scenario.id}_{grid.floor}F", grid, scenario, zones)
    w.book.close()
    return path


def write_floor_workbook(study: Study, path: str | Path, *, cell_m: float = 1.0) -> Path:
    """Write only the grid-paper floors of every scenario (sheets ``<scenario>_<n>F``)."""
    path = Path(path)
    w = _Writer(path)
    zones = _zone_colours(study)
    for scenario in study.scenarios:
        for grid in sketch_floor_grids(study, scenario.id, cell_m=cell_m):
            _write_grid(w, f"{scenario.id}_{grid.floor}F", grid, scenario, zones)
    w.book.close()
    return path


_INSTRUCTIONS = [
    ("調査・シミュレーション定義ブック / Study workbook (Madoguchi)", "title"),
    ("", ""),
    ("このブックは、窓口のシミュレーションに必要なことをコードなしで記入するためのものです。", ""),
    ("This workbook describes your counters for the simulation, with no code.", ""),
    ("内容は TOML の study ファイル (docs/study-format.md) と同じです。", ""),
    ("It holds the same content as a TOML study file (docs/study-format.md).", ""),
    ("", ""),
    ("記入のしかた / How to fill it in", "title"),
    ("・各表の1行目は日本語の見出し、2行目はキー（変更しないこと）。3行目から1行に1件。", ""),
    (
        "・Row 1 of each table is a Japanese label, row 2 the key (do not change it); one item per row from row 3.",
        "",
    ),
    ('・時刻は "08:45" の形、時間は分、距離はメートル。複数の値はカンマ区切り。', ""),
    (
        '・Times of day as "08:45", durations in minutes, distances in metres; several values comma-separated.',
        "",
    ),
    ("・割合（ライフイベントの来庁割合、時間帯別割合）は合計 1 にします。", ""),
    ("・Shares (life-event shares, hour profile) must add up to 1.", ""),
    ("・窓口・勤務・記入台の表はシナリオIDの列で各シナリオに振り分けます。", ""),
    ("・Counters, shifts and desks belong to the scenario named in their 'scenario' column.", ""),
    ("・ライフイベント表は1行に1手続き。名称と来庁割合は各イベントの最初の行に書きます。", ""),
    ("・Life events: one row per procedure; name and share on the event's first row.", ""),
    ("", ""),
    ("方眼図 / Grid-paper floors", "title"),
    ("・シート <シナリオID>_<階>F は1マス=cell_m メートルの方眼図（A1 に cell_m=1 など）。", ""),
    (
        "・Sheets <scenario>_<n>F are grid paper: one cell = cell_m metres (A1 holds e.g. cell_m=1).",
        "",
    ),
    ("・窓口ID・記入台ID・ENT（入口）・TKT（発券機）・STAIRS（階段）を書いたマスがその位置。", ""),
    (
        "・A cell holding a counter id, desk id, ENT (entrance), TKT (ticket machine) or STAIRS places it.",
        "",
    ),
    ("・塗りつぶしたマス（白以外）や # のマスは壁・仕切り・職員エリアで、通れません。", ""),
    (
        "・Filled cells (any colour but white) or cells holding # are walls, partitions or staff areas.",
        "",
    ),
    ('・方眼図で歩行距離を計算するには、シナリオ表の floor.grid_xlsx に "#<シナリオID>_1F"', ""),
    (
        '  （このブック内）または "floors.xlsx#<シナリオID>_1F" を書きます。空欄なら直線距離です。',
        "",
    ),
    (
        '・To walk around the walls, set floor.grid_xlsx in the scenario sheet to "#<scenario>_1F" (this',
        "",
    ),
    (
        '  workbook) or "floors.xlsx#<scenario>_1F"; empty means straight lines between x/y points.',
        "",
    ),
    ("", ""),
    ("確認と実行 / Check and run", "title"),
    (
        "  madoguchi check <このブック.xlsx>   — 誤りと警告をシート・行・列（方眼図はセル）つきで一覧表示します",
        "",
    ),
    (
        "  madoguchi check <this workbook.xlsx> — every error and warning with its sheet, row and column (grid cell)",
        "",
    ),
    ("  madoguchi simulate <このブック.xlsx> --out <フォルダ>   — 実行 / run", ""),
]


def _write_instructions(w: _Writer) -> None:
    ws = w.book.add_worksheet(SHEETS["readme"])
    ws.set_column(0, 0, 110)
    for r, (text, style) in enumerate(_INSTRUCTIONS):
        if text:
            ws.write_string(r, 0, text, w.title if style == "title" else None)


# --------------------------------------------------------------------------- grid paper

_PALETTE = [
    ("#F8CBAD", "#C55A11"),
    ("#C6E0B4", "#548235"),
    ("#BDD7EE", "#2F5597"),
    ("#FFE699", "#BF8F00"),
    ("#D9D2E9", "#7030A0"),
    ("#F4B6C2", "#C00000"),
    ("#B4E5E0", "#1F7A70"),
    ("#E2D3C1", "#806000"),
    ("#D0CECE", "#3A3838"),
    ("#CCE5FF", "#0050A0"),
]
_WALL = "#595959"


def _zone_colours(study: Study) -> dict[str, tuple[str, str]]:
    zones = [d.id for d in study.departments] + ["one_stop", "floor_manager"]
    for scenario in study.scenarios:
        for counter in scenario.counters:
            if counter.zone not in zones:
                zones.append(counter.zone)
    return {zone: _PALETTE[i % len(_PALETTE)] for i, zone in enumerate(zones)}


def sketch_floor_grids(study: Study, scenario_id: str, *, cell_m: float = 1.0) -> list[FloorGrid]:
    """Draw a scenario's floors as grid paper from the x/y coordinates of its points.

    Each building floor gets an outer wall, the points at their coordinates (rounded to cells),
    a counter desk and staff area behind each counter (walls for residents, coloured by zone)
    and STAIRS at the same cell on every floor, in the middle of the public hall. Because an 8-connected
    path is never shorter than the straight line, grid distances are ≥ the straight-line ones.
    """
    scenario = study.scenario(scenario_id)
    points: list[tuple[str, float, float, int]] = [
        (
            ENTRANCE,
            scenario.floor.entrance.x,
            scenario.floor.entrance.y,
            scenario.floor.entrance.floor,
        ),
        (
            TICKET_MACHINE,
            scenario.floor.ticket_machine.x,
            scenario.floor.ticket_machine.y,
            scenario.floor.ticket_machine.floor,
        ),
        *[(d.id, d.x, d.y, d.floor) for d in scenario.floor.desks],
        *[(c.id, c.x, c.y, c.floor) for c in scenario.counters],
    ]
    margin = 2  # A1 row/column + the outer wall
    x0 = min(p[1] for p in points)
    y0 = min(p[2] for p in points)

    def cell(x: float, y: float) -> tuple[int, int]:
        return round((y - y0) / cell_m) + margin, round((x - x0) / cell_m) + margin

    cells = {p[0]: cell(p[1], p[2]) for p in points}
    staff_depth = max(1, round(4.0 / cell_m))
    half = max(1, round(2.0 / cell_m))
    height = max(r for r, _ in cells.values()) + staff_depth + 3
    width = max(c for _, c in cells.values()) + half + 3
    floors = sorted({p[3] for p in points} | {1})
    ent_r, ent_c = cells[ENTRANCE]
    taken = set(cells.values())
    # stairs in the middle of the public hall: the centre of the points, moved off points and
    # out of the staff areas behind counters (which start one row behind the front-most counter)
    counter_rows = [cells[c.id][0] for c in scenario.counters] or [height - 3]
    hall_bottom = min(counter_rows) - 1
    centre_r = min(hall_bottom, round(float(np.mean([r for r, _ in cells.values()]))))
    centre_c = round(float(np.mean([c for _, c in cells.values()])))
    candidates = sorted(
        (
            (r, c)
            for r in range(margin, max(margin + 1, hall_bottom + 1))
            for c in range(margin, width - 2)
        ),
        key=lambda rc: ((rc[0] - centre_r) ** 2 + (rc[1] - centre_c) ** 2, rc),
    )
    stairs = next((rc for rc in candidates if rc not in taken), (ent_r + 1, ent_c))
    grids: list[FloorGrid] = []
    for floor_no in floors:
        walls = np.zeros((height, width), dtype=bool)
        walls[1, 1:] = walls[height - 1, 1:] = True
        walls[1:, 1] = walls[1:, width - 1] = True
        labels: dict[tuple[int, int], str] = {}
        here = [p for p in points if p[3] == floor_no]
        for point_id, _x, _y, _f in here:
            labels[cells[point_id]] = point_id
        for counter in scenario.counters:
            if counter.floor != floor_no:
                continue
            r, c = cells[counter.id]
            for rr in range(r + 1, min(height - 1, r + 1 + staff_depth + 50)):
                for cc in range(max(2, c - half), min(width - 1, c + half + 1)):
                    if (rr, cc) not in labels:
                        walls[rr, cc] = True
        if len(floors) > 1:
            labels[stairs] = STAIRS
        for (r, c), _label in labels.items():
            walls[r, c] = False
        if (
            floor_no == scenario.floor.entrance.floor
        ):  # a door in the outer wall next to the entrance
            if ent_r == margin:
                walls[1, ent_c] = False
            if ent_c == margin:
                walls[ent_r, 1] = False
        points_map: dict[str, list[tuple[int, int]]] = {}
        for (r, c), label in sorted(labels.items()):
            points_map.setdefault(label, []).append((r, c))
        grids.append(
            FloorGrid(
                scenario=scenario_id,
                floor=floor_no,
                sheet=f"{scenario_id}_{floor_no}F",
                cell_m=cell_m,
                walls=walls,
                points=points_map,
                labels=labels,
            )
        )
    return grids


def _write_grid(
    w: _Writer, name: str, grid: FloorGrid, scenario: Scenario, zones: Mapping[str, tuple[str, str]]
) -> None:
    ws = w.book.add_worksheet(name)
    height, width = grid.walls.shape
    ws.set_column(0, width - 1, 2.71)
    for r in range(height):
        ws.set_row(r, 18)
    ws.write_string(0, 0, f"cell_m={_fmt_number(grid.cell_m)}")
    zone_of = {c.id: c.zone for c in scenario.counters}
    wall_fmt = w.fill(_WALL)
    # staff areas behind a counter take the colour of the counter's zone (nearest counter in the row)
    counter_cells = [
        (cells[0], zone_of[pid]) for pid, cells in grid.points.items() if pid in zone_of
    ]
    if grid.fills:  # grid paper read from a workbook: copy its colours as they are
        _copy_grid(w, ws, grid, scenario, zones)
        return
    for r in range(1, height):
        for c in range(width):
            if (r, c) in grid.labels or not grid.walls[r, c]:
                continue
            outer = r in (1, height - 1) or c in (1, width - 1)
            zone = None
            if not outer:
                behind = [(abs(cc - c), z) for (rr, cc), z in counter_cells if rr < r]
                if behind:
                    zone = min(behind)[1]
            fmt = w.fill(zones[zone][0]) if zone is not None and zone in zones else wall_fmt
            ws.write_blank(r, c, None, fmt)
    special = {
        ENTRANCE: ("#548235", "#FFFFFF"),
        TICKET_MACHINE: ("#C55A11", "#FFFFFF"),
        STAIRS: ("#7030A0", "#FFFFFF"),
    }
    desk_ids = {d.id for d in scenario.floor.desks}
    # labels stand on white cells (a filled cell is a wall): their colour is the font's
    for (r, c), label in sorted(grid.labels.items()):
        if label in special:
            fg = special[label][0]
        elif label in zone_of:
            fg = zones.get(zone_of[label], ("#000000", "#000000"))[1]
        elif label in desk_ids:
            fg = "#BF8F00"
        else:
            fg = "#000000"
        ws.write_string(r, c, label, w.fill("", fg, bold=True))


def _copy_grid(
    w: _Writer, ws: Any, grid: FloorGrid, scenario: Scenario, zones: Mapping[str, tuple[str, str]]
) -> None:
    """Write a grid read from a workbook: walls and rooms in their own fill, labels as drawn."""
    height, width = grid.walls.shape
    for r in range(1, height):
        for c in range(width):
            if grid.walls[r, c] and (r, c) not in grid.labels:
                ws.write_blank(r, c, None, w.fill(grid.fills.get((r, c), _WALL)))
    zone_of = {c.id: c.zone for c in scenario.counters}
    for (r, c), label in sorted(grid.labels.items()):
        fill = grid.fills.get((r, c), "")
        font = zones.get(zone_of.get(label, ""), ("", "#000000"))[1]
        ws.write_string(r, c, label, w.fill(fill, font, bold=label in zone_of))


# --------------------------------------------------------------------------- reading


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Origins:
    """Where each part of the study came from in the workbook (sheet, row, column)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str | int, ...], tuple[str, int, dict[str, int]]] = {}
        self.cells: dict[tuple[str | int, ...], tuple[str, int, int]] = {}

    def locate(self, loc: tuple[str | int, ...]) -> Text | str:
        """The sheet, row and column of a key path ("" when the workbook has no such cell)."""
        for cut in range(len(loc), -1, -1):
            prefix = loc[:cut]
            if prefix in self.cells:
                sheet, row, col = self.cells[prefix]
                return _cell(sheet, row, _col_letter(col))
            if prefix in self.rows:
                sheet, row, columns = self.rows[prefix]
                rest = ".".join(str(p) for p in loc[cut:] if isinstance(p, str))
                for probe in (rest, rest.rsplit(".", 1)[0] if "." in rest else rest):
                    if probe in columns:
                        column = _col_letter(columns[probe])
                        return msg(
                            "where.sheet_cell_key", sheet=sheet, row=row, column=column, key=probe
                        )
                if rest:
                    return msg("where.sheet_row_key", sheet=sheet, row=row, key=rest)
                return _row(sheet, row)
        return ""


def _cell(sheet: str, row: int, column: str) -> Text:
    return msg("where.sheet_cell", sheet=sheet, row=row, column=column)


def _row(sheet: str, row: int) -> Text:
    return msg("where.sheet_row", sheet=sheet, row=row)


class _NotADate(ValueError):
    """A cell of a date column that holds no date in any way Excel or LibreOffice store one."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


#: Day 0 of Excel's (and LibreOffice's default) serial dates: serial 1 is 1900-01-01 in the
#: 1900 system, counted with Excel's phantom 1900-02-29 (so serials ≥ 61 are days since this).
_SERIAL_EPOCH = dt.date(1899, 12, 30)
#: A typed date kept as text: 2026/4/6, 2026-04-06, 2026.4.6, 2026年4月6日 (full-width too).
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _as_date(value: Any) -> dt.date:
    """A date cell, a serial number in a General cell, or a date typed as text → a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 61 <= value < 2_958_466:  # 1900-03-01 … 9999-12-31
            return _SERIAL_EPOCH + dt.timedelta(days=int(value))
        raise _NotADate(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    found = _DATE_TEXT.match(text)
    if found:
        try:
            return dt.date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            pass
    raise _NotADate(value)


def _utc_offset(value: Any) -> Any:
    """A UTC offset cell as text: ``+09:00`` typed into Excel may come back as a time of day
    (09:00) or a fraction of a day (0.375, negative for ``-05:00``); a zone name stays as it is."""
    if isinstance(value, dt.datetime | dt.time):
        return f"+{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.timedelta):
        value = value.total_seconds() / 86_400
    if isinstance(value, int | float) and not isinstance(value, bool) and -1 < value < 1:
        minutes = round(abs(value) * 24 * 60)
        return f"{'-' if value < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value).strip()


def _convert(value: Any, kind: str) -> Any:
    """Excel cell → the value the study model expects for this column kind."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "str":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip() if not isinstance(value, str) else value.strip()
    if kind in ("float", "int"):
        if isinstance(value, str):
            try:
                number = float(value.replace(",", ""))
            except ValueError:
                return value
            return int(number) if kind == "int" and number.is_integer() else number
        if kind == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value) if value in (0, 1) else value
        text = str(value).strip().lower()
        truthy = {"true", "yes", "y", "1", "はい", "○", "〇", "可"}
        falsy = {"false", "no", "n", "0", "いいえ", "×", "不可"}
        return True if text in truthy else False if text in falsy else value
    if kind == "time":
        if isinstance(value, dt.datetime):
            return f"{value.hour:02d}:{value.minute:02d}"
        if isinstance(value, dt.time):
            return f"{value.hour:02d}:{value.minute:02d}"
        if isinstance(value, (int, float)) and 0 <= value < 1:
            return minutes_to_time(value * 24 * 60)
        return str(value).strip()
    if kind == "date":
        return _as_date(value)
    if kind == "utc_offset":
        return _utc_offset(value)
    if kind == "month_day":
        if isinstance(value, (dt.datetime, dt.date)):
            return f"{value.month:02d}-{value.day:02d}"
        return str(value).strip()
    if kind in ("list_str", "list_float", "list_date"):
        items = value if isinstance(value, list) else _LIST_SPLIT.split(str(value))
        out: list[Any] = []
        for item in items:
            if isinstance(item, str):
                item = item.strip()
                if not item:
                    continue
            if kind == "list_float":
                out.append(_convert(item, "float"))
            elif kind == "list_date":
                out.append(_convert(item, "date"))
            else:
                out.append(_convert(item, "str"))
        return out
    return value


def _set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


class _Reader:
    """Reads the sheets of a study workbook into plain data, remembering where each value was."""

    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

        self.path = path
        try:
            self.book = load_workbook(path, data_only=True, read_only=True)
        except Exception as exc:  # openpyxl raises several types for a broken or foreign file
            raise InputError(f"cannot open the workbook: {exc}", file=path) from exc
        self.origins = _Origins()
        self.problems: list[StudyProblem] = []
        english = {v: k for k, v in SHEETS.items()}
        self.sheet_names: dict[str, str] = {}
        for name in self.book.sheetnames:
            canonical = english.get(name) or (name if name in SHEETS else None)
            if canonical is not None:
                self.sheet_names.setdefault(canonical, name)

    def close(self) -> None:
        self.book.close()

    def problem(self, where: Text, message: Text, hint: Text | str = "") -> None:
        self.problems.append(
            StudyProblem.of((), message, hint=hint, place=where.render("en"), place_text=where)
        )

    def sheet(self, table: str, required: bool = True) -> Any:
        name = self.sheet_names.get(table)
        if name is None:
            if required:
                self.problem(
                    msg("where.sheet", sheet=SHEETS[table]),
                    msg("excel.missing_sheet", sheet=SHEETS[table], table=table),
                    msg("hint.template_sheet"),
                )
            return None
        return self.book[name]

    def table(
        self, table: str, cols: Sequence[_Col], required: bool = True
    ) -> list[tuple[int, dict[str, Any], dict[str, int]]]:
        """Rows of a table sheet: (Excel row number, {key: value}, {key: column index})."""
        ws = self.sheet(table, required)
        if ws is None:
            return []
        known = {c.key: c for c in cols}
        rows = list(ws.iter_rows(values_only=True))
        key_row = None
        for i, row in enumerate(rows[:5]):
            hits = sum(1 for v in row if isinstance(v, str) and v.strip() in known)
            if hits >= max(1, min(2, len(cols))):
                key_row = i
                break
        name = self.sheet_names[table]
        if key_row is None:
            self.problem(
                msg("where.sheet", sheet=name), msg("excel.no_key_row"), msg("hint.copy_header")
            )
            return []
        columns: dict[str, int] = {}
        for c, value in enumerate(rows[key_row]):
            if value is None or not str(value).strip():
                continue
            key = str(value).strip()
            if key not in known:
                self.unknown_key(_cell(name, key_row + 1, _col_letter(c)), key, known)
                continue
            columns[key] = c
        out: list[tuple[int, dict[str, Any], dict[str, int]]] = []
        for i, row in enumerate(rows[key_row + 1 :], start=key_row + 2):
            values: dict[str, Any] = {}
            for key, c in columns.items():
                raw = row[c] if c < len(row) else None
                try:
                    value = _convert(raw, known[key].kind)
                except _NotADate as bad:
                    self.bad_date(name, i, _col_letter(c), bad.value)
                    continue
                if value is not None and value != []:
                    values[key] = value
            if values:
                out.append((i, values, columns))
        return out

    def bad_date(self, sheet: str, row: int, column: str, value: Any) -> None:
        """Report a cell of a date column that holds no date, naming the cell to fix."""
        self.problem(
            _cell(sheet, row, column),
            msg("excel.not_a_date", value=value),
            msg("hint.date_format", column=column, row=row),
        )

    def unknown_key(self, where: Text, key: str, known: Mapping[str, _Col]) -> None:
        """Report a key the study format does not know, with the closest known one."""
        import difflib

        close = difflib.get_close_matches(key, list(known), n=1)
        self.problem(
            where,
            msg("model.unknown_key", key=key),
            msg("hint.did_you_mean", word=close[0])
            if close
            else msg("hint.allowed_keys", keys=", ".join(known)),
        )

    def vertical(self, table: str, cols: Sequence[_Col], loc: tuple[str, ...]) -> dict[str, Any]:
        """A key/value sheet (key in column B, values from column C)."""
        ws = self.sheet(table)
        if ws is None:
            return {}
        known = {c.key: c for c in cols}
        name = self.sheet_names[table]
        out: dict[str, Any] = {}
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if len(row) < 2 or row[1] is None:
                continue
            key = str(row[1]).strip()
            if key == "key" or not key:
                continue
            if key not in known:
                self.unknown_key(_cell(name, i, "B"), key, known)
                continue
            col = known[key]
            values = [
                v for v in row[2:] if v is not None and not (isinstance(v, str) and not v.strip())
            ]
            try:
                if col.kind.startswith("list"):
                    value = _convert(values if len(values) != 1 else values[0], col.kind)
                else:
                    value = _convert(values[0], col.kind) if values else None
            except _NotADate as bad:
                at = next((j for j, v in enumerate(row) if v is bad.value and j >= 2), 2)
                self.bad_date(name, i, _col_letter(at), bad.value)
                continue
            if value is not None:
                out[key] = value
            self.origins.cells[(*loc, key)] = (name, i, 2)
        return out


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        _set_path(out, key, value)
    return out


def _read_workbook(path: Path) -> tuple[dict[str, Any], _Origins, list[StudyProblem]]:
    r = _Reader(path)
    try:
        data: dict[str, Any] = {}
        data["study"] = r.vertical("study", _STUDY_ROWS, ("study",))
        for table, cols in (("departments", _DEPARTMENTS), ("procedures", _PROCEDURES)):
            items: list[dict[str, Any]] = []
            for row, values, columns in r.table(table, cols):
                r.origins.rows[(table, len(items))] = (r.sheet_names[table], row, columns)
                items.append(_nest(values))
            data[table] = items
        # life events: long table, id on every row, name/share on the first row of an event
        events: dict[str, dict[str, Any]] = {}
        for row, values, columns in r.table("life_events", _LIFE_EVENTS):
            event_id = values.get("id")
            sheet = r.sheet_names["life_events"]
            if event_id is None:
                r.problem(
                    _cell(sheet, row, _col_letter(columns.get("id", 0))),
                    msg("excel.empty_event_id"),
                    msg("hint.event_id_every_row"),
                )
                continue
            if event_id not in events:
                events[event_id] = {"id": event_id, "procedures": {}}
                r.origins.rows[("life_events", len(events) - 1)] = (sheet, row, columns)
            event = events[event_id]
            index = list(events).index(event_id)
            for key in ("name_ja", "name_en", "share"):
                if key in values:
                    if key in event and event[key] != values[key]:
                        r.problem(
                            _cell(sheet, row, _col_letter(columns[key])),
                            msg("excel.event_differs", key=key, id=event_id),
                            msg("hint.write_once"),
                        )
                    event[key] = values[key]
                    r.origins.cells[("life_events", index, key)] = (sheet, row, columns[key])
            proc_id = values.get("procedure")
            if proc_id is not None:
                if proc_id in event["procedures"]:
                    r.problem(
                        _row(sheet, row),
                        msg("excel.procedure_twice", proc=proc_id, event=event_id),
                    )
                event["procedures"][proc_id] = values.get("probability")
                r.origins.cells[("life_events", index, "procedures", proc_id)] = (
                    sheet,
                    row,
                    columns.get("probability", columns.get("procedure", 0)),
                )
        data["life_events"] = list(events.values())
        arrivals = r.vertical("arrivals", _ARRIVAL_ROWS, ("arrivals",))
        peaks: list[dict[str, Any]] = []
        for row, values, columns in r.table("peaks", _PEAKS, required=False):
            r.origins.rows[("arrivals", "peaks", len(peaks))] = (
                r.sheet_names["peaks"],
                row,
                columns,
            )
            peaks.append(values)
        arrivals["peaks"] = peaks
        data["arrivals"] = arrivals
        # scenarios with their desks, counters and shifts
        scenarios: list[dict[str, Any]] = []
        index_of: dict[str, int] = {}
        for row, values, columns in r.table("scenarios", _SCENARIOS):
            nested = _nest(values)
            nested.setdefault("floor", {})["desks"] = []
            nested["counters"] = []
            sid = str(nested.get("id", ""))
            if sid in index_of:
                r.problem(
                    _row(r.sheet_names["scenarios"], row), msg("excel.duplicate_scenario", id=sid)
                )
            index_of.setdefault(sid, len(scenarios))
            r.origins.rows[("scenarios", len(scenarios))] = (
                r.sheet_names["scenarios"],
                row,
                columns,
            )
            scenarios.append(nested)
        data["scenarios"] = scenarios

        def owner(
            table: str, row: int, values: Mapping[str, Any], columns: Mapping[str, int]
        ) -> int | None:
            sid = values.get("scenario")
            if sid in index_of:
                return index_of[str(sid)]
            sheet = r.sheet_names[table]
            r.problem(
                _cell(sheet, row, _col_letter(columns.get("scenario", 0))),
                msg("excel.unknown_scenario", id=sid) if sid else msg("excel.empty_scenario"),
                msg("hint.scenarios", ids=", ".join(index_of)),
            )
            return None

        for row, values, columns in r.table("desks", _DESKS, required=False):
            si = owner("desks", row, values, columns)
            if si is None:
                continue
            desks = scenarios[si]["floor"]["desks"]
            r.origins.rows[("scenarios", si, "floor", "desks", len(desks))] = (
                r.sheet_names["desks"],
                row,
                columns,
            )
            desks.append({k: v for k, v in values.items() if k != "scenario"})
        counter_index: dict[tuple[int, str], int] = {}
        for row, values, columns in r.table("counters", _COUNTERS):
            si = owner("counters", row, values, columns)
            if si is None:
                continue
            counters = scenarios[si]["counters"]
            item = _nest({k: v for k, v in values.items() if k != "scenario"})
            item["shifts"] = []
            counter_index.setdefault((si, str(item.get("id", ""))), len(counters))
            r.origins.rows[("scenarios", si, "counters", len(counters))] = (
                r.sheet_names["counters"],
                row,
                columns,
            )
            counters.append(item)
        for row, values, columns in r.table("shifts", _SHIFTS):
            si = owner("shifts", row, values, columns)
            if si is None:
                continue
            cid = str(values.get("counter", ""))
            ci = counter_index.get((si, cid))
            if ci is None:
                known = [c for (s, c) in counter_index if s == si]
                r.problem(
                    _cell(r.sheet_names["shifts"], row, _col_letter(columns.get("counter", 1))),
                    msg("excel.unknown_counter", id=cid, scenario=values.get("scenario")),
                    msg("hint.counters", ids=", ".join(known)),
                )
                continue
            shifts = scenarios[si]["counters"][ci]["shifts"]
            r.origins.rows[("scenarios", si, "counters", ci, "shifts", len(shifts))] = (
                r.sheet_names["shifts"],
                row,
                columns,
            )
            shifts.append({k: v for k, v in values.items() if k not in ("scenario", "counter")})
        return data, r.origins, r.problems
    finally:
        r.close()


#: Sheets that make an .xlsx a study workbook rather than a ticket export.
_STUDY_SHEETS = frozenset({SHEETS["study"], "study", SHEETS["counters"], "counters"})


def is_study_workbook(path: str | Path) -> bool:
    """Whether an .xlsx holds a study (its 概要/study and 窓口/counters sheets), not a ticket log."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # not a workbook openpyxl can open: the caller's reader says why
        return False
    try:
        return len(_STUDY_SHEETS & set(book.sheetnames)) >= 2
    finally:
        book.close()


def read_study_xlsx(path: str | Path, *, check: bool = True) -> Study:
    """Read a study workbook (see the module docstring) into a checked :class:`Study`.

    Raises :class:`StudyError` listing every problem with its sheet, row and column.
    """
    study, locate, problems = read_study_xlsx_located(path)
    if check:
        from simulation.checks import check_study

        problems += [relocate(p, locate) for p in check_study(study)]
    if problems:
        raise StudyError(problems, file=path)
    return study


def read_study_xlsx_located(
    path: str | Path,
) -> tuple[Study, Callable[[tuple[str | int, ...]], Text | str], list[StudyProblem]]:
    """Read a study workbook without the semantic checks: the study, the function that names
    the sheet, row and column of a key path (for :func:`relocate`), and the problems of the
    workbook's own tables (a duplicate scenario row, a shift of an unknown counter…).

    Raises :class:`StudyError` when the study model refuses the content (with those problems).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("study workbook not found", file=path)
    data, origins, problems = _read_workbook(path)
    locate = origins.locate
    try:
        study = study_from_dict(data, source=path, check=False, locate=locate)
    except StudyError as exc:
        raise StudyError([*problems, *exc.problems], file=path) from None
    return study, locate, problems


def relocate(
    problem: StudyProblem, locate: Callable[[tuple[str | int, ...]], Text | str]
) -> StudyProblem:
    """The same problem with ``where`` naming the sheet, row and column of its key path."""
    found = locate(problem.loc)
    if not found:
        return problem
    return dataclasses.replace(
        problem,
        where=render(found, "en"),
        where_text=found if isinstance(found, Text) else None,
    )


# --------------------------------------------------------------------------- the bundled files


def generate_sample_workbooks(
    study_path: str | Path | None = None,
    *,
    sample_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
) -> list[Path]:
    """Regenerate the bundled workbooks from their TOML studies (same input → same bytes).

    Writes ``<sample>/study.xlsx`` (with its grid sheets inside, so that the workbook alone is
    the whole study) and ``<sample>/floors.xlsx`` from ``data/sample/study.toml``;
    ``<templates>/study_template.xlsx`` from the skeleton ``study_template.toml``; and
    ``<templates>/example_town.xlsx``: the worked example with its hand-drawn grid paper
    (``example_town_floors.xlsx``, not generated) copied inside, as a visiting municipality
    would upload it. Returns the paths written.
    """
    from journeys.paths import SAMPLE_DIR, TEMPLATES_DIR
    from simulation.model import load_study

    sample = Path(sample_dir) if sample_dir is not None else SAMPLE_DIR
    templates = Path(templates_dir) if templates_dir is not None else TEMPLATES_DIR
    # without checks: the grid paper these studies point at is what is being written
    study = load_study(
        Path(study_path) if study_path is not None else SAMPLE_DIR / "study.toml", check=False
    )
    from simulation.floorplan import floor_cells

    skeleton = load_study(TEMPLATES_DIR / "study_template.toml")
    example = load_study(TEMPLATES_DIR / "example_town.toml")  # its grid paper is drawn by hand
    drawn = {s: floor_cells(example, s) for s in example.scenario_ids}
    return [
        write_study_xlsx(_grids_inside(study), sample / "study.xlsx", instructions=True),
        write_floor_workbook(study, sample / "floors.xlsx"),
        write_study_xlsx(skeleton, templates / "study_template.xlsx", instructions=True),
        write_study_xlsx(
            _grids_inside(example),
            templates / "example_town.xlsx",
            instructions=True,
            grids=drawn,
        ),
    ]


def _grids_inside(study: Study) -> Study:
    """The study with each ``grid_xlsx`` pointing at the sheets of the study workbook itself."""
    inside = study.model_copy(deep=True)
    for scenario in inside.scenarios:
        if scenario.floor.grid_xlsx:
            sheet = scenario.floor.grid_xlsx.partition("#")[2] or f"{scenario.id}_1F"
            scenario.floor.grid_xlsx = f"#{sheet}"
    return inside


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulation.excel",
        description="Write a study as an Excel workbook, or regenerate the bundled sample workbooks.",
    )
    parser.add_argument(
        "--sample", action="store_true", help="regenerate data/sample/*.xlsx and data/templates/*"
    )
    parser.add_argument("study", nargs="?", help="study .toml to convert")
    parser.add_argument("--out", help="workbook to write (with a study argument)")
    args = parser.parse_args(argv)
    if args.sample:
        for path in generate_sample_workbooks():
            print(path)
        return 0
    if not args.study or not args.out:
        parser.error("give --sample, or a study and --out")
    from simulation.model import load_study

    print(write_study_xlsx(load_study(args.study), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
