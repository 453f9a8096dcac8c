"""Write a study back to TOML, in the layout of docs/study-format.md, so that it reads back equal.

:func:`dump_study` is what ``madoguchi calibrate`` uses to write the fitted study, and what
builds ``data/templates/study_template.toml``. The text is deterministic: same study, same bytes.
Points, shifts, lunch and desks are inline tables, as in the format's examples; everything else
is a ``[table]`` or ``[[array of tables]]`` with scalar keys first (so that, for example,
``holidays`` stays in ``[arrivals]`` and does not slip into the last ``[[arrivals.peaks]]``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulation.model import Study

__all__ = ["dump_study", "relocated", "study_to_dict", "study_to_toml"]

#: Keys whose table values are written inline (``{ x = 1.0, y = 2.0, floor = 1 }``).
_INLINE_TABLES = frozenset({"entrance", "ticket_machine", "lunch"})
#: Keys whose lists of tables are written as inline arrays.
_INLINE_ARRAYS = frozenset({"desks", "shifts"})
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def study_to_dict(study: Study) -> dict[str, Any]:
    """The study as plain data with TOML key names (``from`` for peaks), None values left out."""
    return study.model_dump(mode="python", by_alias=True, exclude_none=True)


def study_to_toml(study: Study, *, header: str = "", annotate: bool = False) -> str:
    """TOML text of a study; ``header`` lines are written first as ``#`` comments.

    With ``annotate``, the first occurrence of each key gets a short bilingual comment
    (for templates a municipality fills in).
    """
    lines: list[str] = [f"# {line}".rstrip() for line in header.splitlines()]
    if lines:
        lines.append("")
    data = study_to_dict(study)
    seen: set[str] | None = set() if annotate else None
    for key in ("study", "departments", "procedures", "life_events", "arrivals", "scenarios"):
        value = data[key]
        if isinstance(value, list):
            for item in value:
                _table(lines, [key], item, array=True, depth=0, seen=seen)
        else:
            _table(lines, [key], value, array=False, depth=0, seen=seen)
    return "\n".join(lines).rstrip() + "\n"


def dump_study(study: Study, path: str | Path, *, header: str = "", annotate: bool = False) -> Path:
    """Write ``study`` as a TOML study file (UTF-8, LF) that :func:`load_study` reads back equal."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        study_to_toml(study, header=header, annotate=annotate), encoding="utf-8", newline="\n"
    )
    return path


def relocated(study: Study, folder: Path) -> Study:
    """A copy of ``study`` whose ``grid_xlsx`` paths are relative to ``folder``.

    A study written to another folder than the one it was read from (the calibrated study of
    ``madoguchi calibrate``, the planned study of ``madoguchi plan``) must still find its
    grid-paper floors: each path is re-expressed from ``folder`` to the same workbook.
    """
    new = copy.deepcopy(study)
    for scenario in new.scenarios:
        grid = scenario.floor.grid_xlsx
        if not grid:
            continue
        name, sep, sheet = grid.partition("#")
        source = (study.source_dir / name).resolve()
        scenario.floor.grid_xlsx = (
            Path(os.path.relpath(source, folder.resolve())).as_posix() + sep + sheet
        )
    return new.with_source(study.source)


#: Comments of the annotated template, by key path (tables joined with dots).
COMMENTS: dict[str, str] = {
    "study.residents": "人口 / residents of the municipality",
    "study.start_date": "最初の日（月曜日）/ first simulated or observed day (a Monday)",
    "departments.floor": "建物の階 / building floor",
    "procedures.department": "担当部署ID / department id",
    "procedures.forms": "手書きする様式数（現状）/ forms written by hand (as-is)",
    "procedures.writing_min": "手書きの所要分 / minutes to write them",
    "procedures.sign_only_min": "印字済み様式の確認・署名の分 / minutes to check and sign pre-filled forms",
    "procedures.back_office_min": "職員の後方事務の分 / staff minutes behind the counter",
    "procedures.rpa_share": "RPAで減る後方事務の割合 / share of back-office minutes RPA removes",
    "procedures.one_stop": "ワンストップ窓口で受付可 / the one-stop counter can take it",
    "procedures.bring_ja": "持ち物（チェックリスト用、省略可）/ what to bring (checklist, optional)",
    "procedures.bring_en": "持ち物の英語名 / what to bring, in English",
    "procedures.service.by_department.dist": "exponential | lognormal | gamma | fixed | empirical",
    "procedures.service.by_department.mean": "平均処理分 / mean service minutes",
    "procedures.service.by_department.cv": "変動係数 / coefficient of variation",
    "life_events.share": "この理由の来庁割合（合計1）/ share of visits (shares sum to 1)",
    "life_events.procedures": "手続きID = 必要となる確率 / procedure id = probability",
    "arrivals.residents_per_day": "平常日の来庁者数 / visits on an ordinary day",
    "arrivals.hour_profile": "開庁時刻の時台からの1時間ごとの割合（合計1）/ share per hour from the opening hour",
    "arrivals.weekday_factor": "月〜金 / Mon..Fri",
    "arrivals.month_factor": "1〜12月 / Jan..Dec",
    "arrivals.holidays": "閉庁日 / closed days",
    "arrivals.peaks.from": "繁忙期の開始 MM-DD / peak starts",
    "arrivals.peaks.life_events": "対象ライフイベント（省略で全て）/ only these events (omit = all)",
    "scenarios.flow": "by_department | one_stop",
    "scenarios.walking_speed_m_per_min": "歩行速度 m/分 / walking speed",
    "scenarios.floor_change_m": "階の移動で加える距離 / metres added per floor change",
    "scenarios.omission_rate": "手続き漏れで再来庁する割合 / share of visits that must come back",
    "scenarios.no_show_rate": "呼出時不在の割合 / share of called tickets not there",
    "scenarios.behaviour.balk_queue": "この人数以上待っていると帰る / leaves when this many wait",
    "scenarios.behaviour.patience_mean_min": "平均我慢時間（指数分布）/ mean patience, exponential",
    "scenarios.floor_manager.staff": "フロアマネージャー人数 / floor managers (one_stop)",
    "scenarios.back_office.staff": "後方事務の職員数 / back-office staff",
    "scenarios.floor.grid_xlsx": '方眼図 "floors.xlsx#as_is_1F"（空欄=直線距離）/ grid paper (empty = straight lines)',
    "scenarios.floor.desks": "記入台 / writing desks",
    "scenarios.counters.zone": "部署ID / one_stop / floor_manager",
    "scenarios.counters.kind": "department | one_stop",
    "scenarios.counters.procedures": "受け付ける手続き / procedures it takes",
    "scenarios.counters.staff": "職員数（最大）/ servers",
    "scenarios.counters.shifts": "勤務（時刻と人数）/ shifts",
    "scenarios.counters.lunch": "昼休みの交代（1人あたり分）/ lunch rotation",
}


def _table(
    lines: list[str],
    keys: list[str],
    table: Mapping[str, Any],
    *,
    array: bool,
    depth: int,
    seen: set[str] | None = None,
) -> None:
    indent = "  " * min(depth, 1)
    name = ".".join(_key(k) for k in keys)
    if (depth == 0 or array) and lines and lines[-1] != "":
        lines.append("")
    lines.append(f"{indent}[[{name}]]" if array else f"{indent}[{name}]")
    nested: list[tuple[str, Any, bool]] = []
    for key, value in table.items():
        if isinstance(value, Mapping) and key not in _INLINE_TABLES:
            nested.append((key, value, False))
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, Mapping) for v in value)
            and key not in _INLINE_ARRAYS
        ):
            nested.append((key, value, True))
        else:
            line = f"{indent}{_key(key)} = {_value(value, key)}"
            path = ".".join([*keys, key])
            if seen is not None and path in COMMENTS and path not in seen:
                seen.add(path)
                line += f"  # {COMMENTS[path]}"
            lines.append(line)
    table_path = ".".join(keys)
    if seen is not None and table_path in COMMENTS and table_path not in seen:
        seen.add(table_path)
        lines.append(f"{indent}# ↓ {COMMENTS[table_path]}")
    for key, value, is_array in nested:
        if is_array:
            for item in value:
                _table(lines, [*keys, key], item, array=True, depth=depth + 1, seen=seen)
        elif _only_tables(value):
            for sub_key, sub_value in value.items():
                _table(
                    lines, [*keys, key, sub_key], sub_value, array=False, depth=depth + 1, seen=seen
                )
        else:
            _table(lines, [*keys, key], value, array=False, depth=depth + 1, seen=seen)


def _only_tables(value: Mapping[str, Any]) -> bool:
    return bool(value) and all(isinstance(v, Mapping) for v in value.values())


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return f'"{value.isoformat()}"'
    if isinstance(value, Mapping):
        pairs = sorted(value.items(), key=lambda kv: kv[0] != "id")  # id first, else as declared
        inner = ", ".join(f"{_key(k)} = {_value(v, k)}" for k, v in pairs)
        return "{ " + inner + " }"
    if isinstance(value, (list, tuple)):
        items = [_value(v) for v in value]
        if key in _INLINE_ARRAYS and len(items) > 1:
            body = "".join(f"\n    {item}," for item in items)
            return "[" + body + "\n  ]"
        text = "[" + ", ".join(items) + "]"
        if len(text) <= 96 or any(isinstance(v, (Mapping, list)) for v in value):
            return text
        rows: list[str] = []
        row: list[str] = []
        for item in items:
            if row and len(", ".join([*row, item])) > 90:
                rows.append(", ".join(row))
                row = []
            row.append(item)
        rows.append(", ".join(row))
        return "[\n    " + ",\n    ".join(rows) + ",\n  ]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
