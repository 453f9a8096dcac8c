"""Column and value mapping: from a city's own headers and words to the canonical frames.

Built-in synonyms cover the usual Japanese and English headers of ticket-machine exports
(受付日, 受付番号, 発券時刻, 呼出時刻, 終了時刻, 窓口, 業務コード, 担当者, 来庁者番号, 状態,
記入枚数, ticket, issued, called, ended, counter, procedure, staff, visit, outcome, …) and of the
journey-survey sheet (調査ID, 段階, ペルソナ, ライフイベント, 手順, 場所, 行動, 所要分, 記入枚数,
氏名住所記入回数, 感情, 困りごと, 分類). Anything else goes in a user mapping file (TOML)::

    [columns]                 # canonical name = "your header"
    ticket_id = "整理券番号"
    date = "来庁日"            # a date column joined to time-only columns

    [values.outcome]          # "your value" = "canonical value"
    "完了" = "served"

    [formats]                 # strftime formats, when the automatic reading is not enough
    date = "%Y年%m月%d日"
    time = "%H時%M分"
    datetime = "%Y/%m/%d %H:%M"
    next_day_rollover = true  # a call/end clock time far before the issue time = next day

    [privacy]
    drop = ["備考"]            # more columns to drop as personal
    keep = ["担当者名"]        # headers wrongly taken for personal data

    [read]
    encoding = "cp932"
    sheet = "Sheet1"
    delimiter = ";"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from journeys.errors import InputError
from journeys.safe_toml import loads_toml
from journeys.schema import ACTIONS, OUTCOMES, CounterLogSchema, SurveySchema

__all__ = [
    "ACTION_VALUES",
    "COUNTER_LOG_SYNONYMS",
    "OUTCOME_VALUES",
    "PHASE_VALUES",
    "SURVEY_SYNONYMS",
    "FrameKind",
    "Mapping",
    "canonical_roles",
    "load_mapping",
    "map_values",
    "match_columns",
    "normal_key",
    "required_roles",
    "schema_for",
]

FrameKind = Literal["counter-log", "survey"]

#: Built-in header synonyms of the counter log; the first present header wins.
#: ``date`` is a calendar-day column joined to time-only issued/called/ended columns.
COUNTER_LOG_SYNONYMS: dict[str, tuple[str, ...]] = {
    "visit_id": ("visit_id", "来庁者番号", "来庁者id", "来庁者no", "来庁番号", "来庁id", "来訪者番号",
                 "訪問番号", "訪問id", "visit", "visitid", "visit_no", "visitor", "visitor_id",
                 "resident_key", "customer_id"),
    "ticket_id": ("ticket_id", "受付番号", "整理券番号", "整理番号", "発券番号", "番号札", "券番号",
                  "呼出番号", "チケット番号", "ticket", "ticket_no", "ticket_number", "ticketid",
                  "queue_number"),
    "counter_id": ("counter_id", "窓口", "窓口番号", "窓口id", "窓口コード", "カウンター",
                   "カウンター番号", "counter", "counter_no", "desk", "window", "service_point"),
    "procedure_id": ("procedure_id", "業務コード", "手続コード", "手続きコード", "業務id", "手続id",
                     "procedure", "procedure_code", "service_code", "service_id", "業務", "手続",
                     "手続き", "service", "業務名", "手続名", "手続き名"),
    "date": ("date", "受付日", "来庁日", "発券日", "日付", "年月日", "visit_date", "ticket_date",
             "day"),
    "issued_at": ("issued_at", "発券時刻", "発券日時", "受付時刻", "受付日時", "発券時間",
                  "到着時刻", "発券", "issued", "issue_time", "issued_time", "ticket_time",
                  "arrival", "arrival_time"),
    "called_at": ("called_at", "呼出時刻", "呼出日時", "呼び出し時刻", "呼出し時刻", "呼出時間",
                  "案内時刻", "開始時刻", "対応開始時刻", "呼出", "called", "call_time",
                  "called_time", "service_start", "started_at", "start_time"),
    "ended_at": ("ended_at", "終了時刻", "終了日時", "完了時刻", "対応終了時刻", "終了時間",
                 "終了", "ended", "end_time", "ended_time", "service_end", "finished_at",
                 "completed_at"),
    "staff_id": ("staff_id", "担当者", "担当者id", "担当者コード", "担当職員", "職員番号",
                 "職員id", "職員", "対応者", "staff", "staff_no", "clerk", "operator", "agent"),
    "outcome": ("outcome", "状態", "状況", "ステータス", "結果", "処理結果", "受付状態",
                "対応結果", "status", "result", "state"),
    "forms_written": ("forms_written", "記入枚数", "記入書類数", "申請書枚数", "書類枚数",
                      "記入数", "forms", "n_forms", "forms_filled"),
    "scenario": ("scenario", "シナリオ"),
    "replication": ("replication", "反復", "replication_no"),
    "writing_min": ("writing_min", "記入時間", "記入分", "writing_minutes"),
    "walking_m": ("walking_m", "歩行距離", "移動距離", "walking_metres", "walking_meters"),
    # the whole visit (optional): filled after issued_at, so a log with one time column keeps
    # reading it as the issue time
    "arrived_at": ("arrived_at", "入館時刻", "来庁時刻", "到着時刻", "受付到着時刻", "entered_at",
                   "entry_time", "arrival_time", "arrival"),
    "left_at": ("left_at", "離脱時刻", "退出時刻", "取消時刻", "キャンセル時刻", "left",
                "leave_time", "left_time", "cancelled_at", "canceled_at"),
    "abandon_reason": ("abandon_reason", "離脱理由", "取消理由", "キャンセル理由",
                       "abandon_type"),
    "resident_id": ("resident_id", "住民id", "住民キー", "来庁者キー", "resident",
                    "person_key"),
    "return_of": ("return_of", "再来庁元", "前回来庁番号", "前回の来庁", "previous_visit",
                  "previous_visit_id", "returns_for"),
}  # fmt: skip

#: Built-in header synonyms of the journey survey sheet.
SURVEY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "journey_id": ("journey_id", "調査id", "調査番号", "ジャーニーid", "journey", "survey_id"),
    "phase": ("phase", "段階", "時期", "フェーズ", "区分", "scenario"),
    "persona": ("persona", "ペルソナ", "想定人物", "来庁者像"),
    "life_event": ("life_event", "ライフイベント", "届出事由", "事由", "lifeevent", "event"),
    "step": ("step", "手順", "手順番号", "ステップ", "順番", "step_no", "order"),
    "touchpoint": ("touchpoint", "場所", "タッチポイント", "窓口", "place", "location"),
    "action": ("action", "行動", "行為", "activity"),
    "minutes": ("minutes", "所要分", "所要時間", "所要時間(分)", "時間(分)", "分", "duration_min",
                "duration", "mins"),
    "started_at": ("started_at", "開始時刻", "開始", "start", "start_time"),
    "ended_at": ("ended_at", "終了時刻", "終了", "end", "end_time"),
    "forms_written": ("forms_written", "記入枚数", "記入書類数", "forms"),
    "fields_written": ("fields_written", "氏名住所記入回数", "記入回数", "fields"),
    "emotion": ("emotion", "感情", "気持ち", "感情スコア", "feeling"),
    "pain_point": ("pain_point", "困りごと", "困った点", "課題", "不満", "pain", "painpoint"),
    "pain_category": ("pain_category", "分類", "課題分類", "困りごと分類", "category"),
}  # fmt: skip

#: Outcome words (after NFKC, lower case, spaces removed) → canonical outcome.
OUTCOME_VALUES: dict[str, str] = {
    **{k: "served" for k in ("served", "完了", "済", "済み", "処理済", "処理済み", "対応済",
                             "対応済み", "終了", "受付済", "done", "completed", "complete",
                             "finished", "ok")},
    **{k: "no_show" for k in ("no_show", "noshow", "no-show", "不在", "呼出不在", "呼出無応答",
                              "応答なし", "無応答", "来ず", "absent", "missed", "skipped", "不在票")},
    **{k: "abandoned" for k in ("abandoned", "取消", "取消し", "取り消し", "取消済", "キャンセル",
                                "離脱", "途中離脱", "帰宅", "cancelled", "canceled", "left",
                                "walked_out", "reneged", "balked")},
}  # fmt: skip

#: Survey action words → canonical action.
ACTION_VALUES: dict[str, str] = {
    **{a: a for a in ACTIONS},
    **{k: "walk" for k in ("移動", "歩行", "歩く")},
    **{k: "wait" for k in ("待ち", "待機", "待つ", "待ち時間", "順番待ち")},
    **{k: "write" for k in ("記入", "書く", "申請書記入", "書類記入")},
    **{k: "consult" for k in ("相談", "案内", "問合せ", "問い合わせ", "確認")},
    **{k: "serve" for k in ("手続き", "手続", "処理", "対応", "受付", "service")},
    **{k: "pay" for k in ("支払", "支払い", "会計", "納付", "payment")},
    **{k: "receive" for k in ("受取", "受け取り", "受取り", "交付")},
    **{k: "other" for k in ("その他", "他")},
}  # fmt: skip

#: Survey phase words → canonical phase (other values are kept as scenario names).
PHASE_VALUES: dict[str, str] = {
    **{k: "as_is" for k in ("as_is", "asis", "as-is", "現状", "現行", "改革前", "before", "current")},
    **{k: "reform" for k in ("reform", "改革後", "改革", "after", "to_be", "tobe", "to-be")},
}  # fmt: skip

#: Why an abandoned resident left → canonical reason (balked · reneged · closed).
ABANDON_REASON_VALUES: dict[str, str] = {
    **{k: "balked" for k in ("balked", "balk", "発券せず", "混雑で帰宅", "見送り")},
    **{k: "reneged" for k in ("reneged", "renege", "途中離脱", "待ちきれず", "離脱")},
    **{k: "closed" for k in ("closed", "閉庁", "時間外", "受付終了", "閉庁時刻")},
}  # fmt: skip

_VALUE_TABLES: dict[FrameKind, dict[str, dict[str, str]]] = {
    "counter-log": {"outcome": OUTCOME_VALUES, "abandon_reason": ABANDON_REASON_VALUES},
    "survey": {"action": ACTION_VALUES, "phase": PHASE_VALUES},
}
_KNOWN_SECTIONS = {"columns", "values", "formats", "privacy", "read"}
_FORMAT_KEYS = {"date", "time", "datetime", "next_day_rollover"}


def normal_key(text: str) -> str:
    """A header or value as compared: NFKC, lower case, without spaces, ``_``, ``-`` or ``・``."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-・]", "", text)


def required_roles(kind: FrameKind, found: Iterable[str] = ()) -> tuple[str, ...]:
    """Columns a file must have (a counter log without a visit column is accepted, and one
    without an outcome column has it inferred from its times; a survey may give
    ``started_at`` and ``ended_at`` instead of ``minutes``)."""
    if kind == "counter-log":
        return ("ticket_id", "counter_id", "issued_at")
    have = set(found)
    if "minutes" not in have and {"started_at", "ended_at"} <= have:
        return ("journey_id", "step", "action", "started_at", "ended_at")
    return ("journey_id", "step", "action", "minutes")


def canonical_roles(kind: FrameKind) -> tuple[str, ...]:
    """Names a mapping may use for this kind of frame (canonical columns, plus ``date``)."""
    synonyms = COUNTER_LOG_SYNONYMS if kind == "counter-log" else SURVEY_SYNONYMS
    return tuple(synonyms)


@dataclass(frozen=True)
class Mapping:
    """A user's mapping file, read and checked (all parts optional)."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: str | None = None
    time_format: str | None = None
    datetime_format: str | None = None
    next_day_rollover: bool = True
    privacy_drop: tuple[str, ...] = ()
    privacy_keep: tuple[str, ...] = ()
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    source: str | None = None


def _expect(value: Any, kind: type, where: str, path: Path) -> Any:
    if not isinstance(value, kind):
        raise InputError(
            f"'{where}' must be a {kind.__name__}, not {type(value).__name__}", file=path
        )
    return value


def load_mapping(path: str | Path | None, *, kind: FrameKind = "counter-log") -> Mapping:
    """Read and check a mapping TOML; ``None`` gives the empty mapping (built-ins only)."""
    if path is None:
        return Mapping()
    p = Path(path)
    if not p.is_file():
        raise InputError("mapping file not found", file=p, hint="check the --map path")
    try:
        doc = loads_toml(p.read_text(encoding="utf-8-sig"), source=p, what="mapping file")
    except UnicodeDecodeError as exc:
        raise InputError("mapping file is not UTF-8 text", file=p) from exc
    unknown = sorted(set(doc) - _KNOWN_SECTIONS)
    if unknown:
        raise InputError(
            f"unknown section(s) {', '.join(unknown)}",
            file=p,
            hint=f"allowed: {', '.join(sorted(_KNOWN_SECTIONS))}",
        )
    roles = set(canonical_roles("counter-log")) | set(canonical_roles("survey"))
    columns: dict[str, str] = {}
    for key, header in _expect(doc.get("columns", {}), dict, "columns", p).items():
        if key not in roles:
            raise InputError(
                f"[columns] {key}: not a canonical column",
                file=p,
                hint=f"use one of: {', '.join(canonical_roles(kind))}",
            )
        columns[key] = str(_expect(header, str, f"columns.{key}", p))
    values: dict[str, dict[str, str]] = {}
    for col, table in _expect(doc.get("values", {}), dict, "values", p).items():
        entries = _expect(table, dict, f"values.{col}", p)
        values[col] = {
            normal_key(k): str(_expect(v, str, f"values.{col}.{k}", p)) for k, v in entries.items()
        }
    formats = _expect(doc.get("formats", {}), dict, "formats", p)
    bad = sorted(set(formats) - _FORMAT_KEYS)
    if bad:
        raise InputError(
            f"[formats] unknown key(s) {', '.join(bad)}",
            file=p,
            hint=f"allowed: {', '.join(sorted(_FORMAT_KEYS))}",
        )
    privacy = _expect(doc.get("privacy", {}), dict, "privacy", p)
    read = _expect(doc.get("read", {}), dict, "read", p)
    rollover = formats.get("next_day_rollover", True)
    return Mapping(
        columns=columns,
        values=values,
        date_format=formats.get("date"),
        time_format=formats.get("time"),
        datetime_format=formats.get("datetime"),
        next_day_rollover=bool(_expect(rollover, bool, "formats.next_day_rollover", p)),
        privacy_drop=tuple(
            str(x) for x in _expect(privacy.get("drop", []), list, "privacy.drop", p)
        ),
        privacy_keep=tuple(
            str(x) for x in _expect(privacy.get("keep", []), list, "privacy.keep", p)
        ),
        encoding=read.get("encoding"),
        sheet=read.get("sheet"),
        delimiter=read.get("delimiter"),
        source=str(p),
    )


def match_columns(
    headers: list[str], kind: FrameKind, mapping: Mapping | None = None
) -> dict[str, str]:
    """``{role: header}`` for the columns found: the user's mapping first, then the synonyms.

    A header is used for one role at most; roles are filled in the order of the synonym table.
    """
    mapping = mapping or Mapping()
    synonyms = COUNTER_LOG_SYNONYMS if kind == "counter-log" else SURVEY_SYNONYMS
    by_key: dict[str, str] = {}
    for h in headers:
        by_key.setdefault(normal_key(h), h)
    found: dict[str, str] = {}
    used: set[str] = set()
    for role, header in mapping.columns.items():
        if role not in synonyms:
            continue
        actual = header if header in headers else by_key.get(normal_key(header))
        if actual is not None:
            found[role] = actual
            used.add(actual)
    for role, names in synonyms.items():
        if role in found:
            continue
        for name in names:
            actual = by_key.get(normal_key(name))
            if actual is not None and actual not in used:
                found[role] = actual
                used.add(actual)
                break
    return found


def map_values(
    series: pl.Series, column: str, kind: FrameKind, mapping: Mapping | None = None
) -> pl.Series:
    """Translate a column's words to canonical values (user table first, then built-ins).

    Values are compared after :func:`normal_key`; for ``outcome`` and ``action`` a word that
    is not known becomes null (validation reports it with its raw text); other columns keep
    unknown words unchanged. Works on the distinct values only.
    """
    table: dict[str, str] = dict(_VALUE_TABLES[kind].get(column, {}))
    if mapping is not None:
        table.update(mapping.values.get(column, {}))
    if not table:
        return series
    text = series.cast(pl.String)
    distinct = text.drop_nulls().unique()
    keys = [normal_key(v) for v in distinct.to_list()]
    closed = column in ("outcome", "action")
    allowed = set(OUTCOMES) if column == "outcome" else set(ACTIONS)
    mapped: list[str | None] = []
    for raw, key in zip(distinct.to_list(), keys, strict=True):
        if key in table:
            mapped.append(table[key])
        elif closed:
            mapped.append(raw if raw in allowed else None)
        else:
            mapped.append(raw.strip())
    olds = distinct.to_list()
    if mapped == olds:  # already canonical (Parquet, the simulator): nothing to translate
        return text.alias(series.name)
    if len(olds) <= 16:  # a few words: a when-chain is cheaper than a hash lookup
        col = pl.col(series.name)
        expr: Any = pl.lit(None, dtype=pl.String)
        for old, new in zip(reversed(olds), reversed(mapped), strict=True):
            expr = pl.when(col == old).then(pl.lit(new, dtype=pl.String)).otherwise(expr)
        return text.to_frame(series.name).select(expr.alias(series.name)).to_series()
    return text.replace_strict(distinct, pl.Series(mapped, dtype=pl.String), default=None).alias(
        series.name
    )


def schema_for(kind: FrameKind) -> type[CounterLogSchema] | type[SurveySchema]:
    """The schema class of a frame kind."""
    return CounterLogSchema if kind == "counter-log" else SurveySchema
