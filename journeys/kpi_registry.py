"""The one place a KPI is declared: its name in Japanese and English, unit, basis, direction,
rounding and definition (KPI 定義台帳).

Every table, workbook, dashboard card and figure, the HTML report and the notebooks take a
KPI's label, unit, rounding and "lower/higher is better" from here, so the same KPI reads the
same everywhere. The numbers themselves are computed by the function named in
:attr:`KPI.computed_by` (for the counter-log KPIs :func:`journeys.metrics.kpis`, the same code
for observed and simulated logs).

>>> label("wait_min_mean", "en")
'Mean wait'
>>> fmt("service_level", 0.8134, "ja")
'81.3%'
>>> better("wait_min_mean", -2.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

__all__ = [
    "BASES",
    "KPI",
    "KPIS",
    "Basis",
    "Direction",
    "basis_label",
    "better",
    "bounds",
    "definition",
    "fmt",
    "kpi",
    "label",
    "labelled",
    "lower_is_better",
    "markdown_table",
    "table",
    "unit",
]

#: What one unit of the KPI is counted over.
Basis = Literal["visit", "ticket", "called_ticket", "day", "period", "staff_hour", "resident"]
#: Which way is good news ("neutral": volume, neither better nor worse).
Direction = Literal["lower", "higher", "neutral"]

#: basis -> (Japanese, English) as written next to a KPI.
BASES: Final[dict[str, tuple[str, str]]] = {
    "visit": ("1来庁あたり", "per visit"),
    "ticket": ("発券1件あたり", "per ticket"),
    "called_ticket": ("呼出された発券1件あたり", "per called ticket"),
    "day": ("1日あたり", "per day"),
    "period": ("全期間の合計", "whole period"),
    "staff_hour": ("勤務時間あたり", "per staff hour on duty"),
    "resident": ("住民1人あたり", "per resident"),
}


@dataclass(frozen=True)
class KPI:
    """One KPI as a manager reads it.

    ``scale`` turns the stored value into the shown one (staff minutes are shown in hours);
    ``share`` values are stored in [0, 1], shown in % and their differences in points.
    ``needs`` names the optional log columns without which the KPI is absent.
    """

    key: str
    label_ja: str
    label_en: str
    unit_ja: str
    unit_en: str
    basis: Basis
    direction: Direction
    decimals: int
    definition_ja: str
    definition_en: str
    computed_by: str = "journeys.metrics.kpis"
    share: bool = False
    scale: float = 1.0
    needs: tuple[str, ...] = ()

    def label(self, lang: str = "ja") -> str:
        """The label in ``lang`` ("ja" or "en")."""
        return self.label_en if lang == "en" else self.label_ja

    def unit(self, lang: str = "ja") -> str:
        """The unit of the shown value in ``lang``."""
        return self.unit_en if lang == "en" else self.unit_ja

    def stored_unit(self, lang: str = "ja") -> str:
        """The unit of the value as stored in tables and CSV files (before ``fmt``): a share
        is 0–1, staff minutes are minutes."""
        if self.share:
            return "share (0–1)" if lang == "en" else "割合（0〜1）"
        if self.scale != 1.0:  # only minutes are shown in another unit (hours)
            return "min" if lang == "en" else "分"
        return self.unit(lang)

    def definition(self, lang: str = "ja") -> str:
        """The definition in words in ``lang``."""
        return self.definition_en if lang == "en" else self.definition_ja


_M = "journeys.metrics.kpis"
_SIM_STAFF = "dashboards.results.staff_hours_tables"
_SIM_DUTY = "simulation.staff_kpis.staff_kpis"

# fmt: off
_ALL: tuple[KPI, ...] = (
    KPI(
        "visits", "来庁件数", "Visits", "件", "visits", "period", "neutral", 0,
        "ログ期間中の来庁（visit_id ごとの1回の来庁）の数。",
        "Number of trips to the hall (one visit_id each) in the log.",
    ),
    KPI(
        "visits_per_day", "1日あたりの来庁件数", "Visits per day", "件", "visits", "day",
        "neutral", 1,
        "来庁件数 ÷ サービス日数。来庁は到着した日（到着時刻がなければ最初の発券の日）に"
        "数え、深夜0時をまたいでも2日にはならない。",
        "Visits ÷ service days. A visit belongs to the day it arrived (else of its first "
        "ticket), even when the hall works past midnight.",
    ),
    KPI(
        "tickets", "発券数", "Tickets", "枚", "tickets", "period", "neutral", 0,
        "ログ期間中の発券（窓口1か所での1回の用件）の数。",
        "Number of tickets (one service at one counter) in the log.",
    ),
    KPI(
        "tickets_per_day", "1日あたりの発券数", "Tickets per day", "枚", "tickets", "day",
        "neutral", 1,
        "発券数 ÷ サービス日数（来庁日。時間帯別・窓口別の表の列）。",
        "Tickets ÷ service days (days of arrival; a column of the per-hour and per-counter "
        "tables).",
        computed_by="journeys.metrics.per_counter",
    ),
    KPI(
        "tickets_per_visit", "1来庁あたりの発券数", "Tickets per visit", "枚", "tickets", "visit",
        "lower", 2,
        "発券数 ÷ 来庁件数。",
        "Tickets ÷ visits.",
    ),
    KPI(
        "counters_per_visit_mean", "1来庁あたりの窓口数", "Counters per visit", "か所", "counters",
        "visit", "lower", 2,
        "1回の来庁で発券した窓口の種類数の平均。",
        "Mean number of distinct counters one visit took a ticket at.",
    ),
    KPI(
        "wait_min_mean", "平均待ち時間", "Mean wait", "分", "min", "called_ticket", "lower", 1,
        "呼出された発券の（呼出 − 発券）の合計 ÷ 呼出された発券数（全日を通した加重平均）。",
        "Σ (called − issued) over called tickets ÷ called tickets (pooled over all days).",
    ),
    KPI(
        "wait_min_p50", "待ち時間中央値", "Median wait", "分", "min", "called_ticket", "lower", 1,
        "呼出された発券の待ち時間の中央値（線形補間）。",
        "Median wait of called tickets (linear interpolation).",
    ),
    KPI(
        "wait_min_p90", "待ち時間（90%点）", "90th percentile wait", "分", "min", "called_ticket",
        "lower", 1,
        "呼出された発券の待ち時間の90%点：10%の人はこれより長く待った。",
        "90th percentile of the waits of called tickets: one in ten waited longer.",
    ),
    KPI(
        "wait_min_max", "最長待ち時間", "Longest wait", "分", "min", "called_ticket", "lower", 1,
        "呼出された発券の待ち時間の最大値。",
        "Longest wait of a called ticket.",
    ),
    KPI(
        "queue_min_mean", "平均待ち時間（離脱者を含む）", "Mean time queuing (incl. abandoned)",
        "分", "min", "ticket", "lower", 1,
        "待ち時間の合計 ÷ 待ち時間の分かる発券数。呼出された発券は（呼出 − 発券）、"
        "途中離脱は（離脱 − 発券）：離脱した人の待ちも数える。",
        "Σ queue minutes ÷ tickets with a known queue time: called − issued for called "
        "tickets, left − issued for abandoned ones (their queuing counts too).",
        needs=("left_at",),
    ),
    KPI(
        "time_in_hall_min_mean", "庁舎内の滞在時間", "Time in hall", "分", "min", "visit",
        "lower", 1,
        "1来庁の最後の退出 − 入館の平均。入館時刻（arrived_at）のないログでは最初の発券から"
        "数え（発券前の移動・記入は含まない）、どちらの定義かを出力の注記に記載。",
        "Mean of last leave − arrival in the hall per visit; a log without arrived_at counts "
        "from the first ticket (walking and writing before it are missing) and the outputs "
        "say which.",
    ),
    KPI(
        "arrival_to_ticket_min_mean", "入館から発券までの平均時間", "Arrival to first ticket",
        "分", "min", "visit", "lower", 1,
        "1来庁の最初の発券 − 入館の平均（移動・記入・案内待ちの時間）。",
        "Mean of first ticket − arrival per visit (walking, writing, waiting for triage).",
        needs=("arrived_at",),
    ),
    KPI(
        "service_level", "サービスレベル（目標時間内の呼出率）",
        "Service level (called within target)", "%", "%", "called_ticket", "higher", 1,
        "呼出された発券のうち、待ち時間が目標（既定15分）以内だった割合（途中離脱は含まない："
        "含める指標は service_level_all_tickets）。",
        "Share of called tickets whose wait was within the target (default 15 min); abandoned "
        "tickets are left out (service_level_all_tickets counts them as missed).",
        share=True,
    ),
    KPI(
        "service_level_all_tickets", "サービスレベル（途中離脱を未達に数える）",
        "Service level (abandoned count as missed)", "%", "%", "ticket", "higher", 1,
        "目標（既定15分）以内に呼出された発券 ÷（呼出された発券＋途中離脱した発券）。"
        "呼出前に帰った人（入らずに帰った・待ちきれずに帰った・閉庁まで待った）は未達に数える。"
        "人員計画（madoguchi plan）が窓口・時間帯ごとに判定する指標。",
        "Tickets called within the target (default 15 min) ÷ (called tickets + abandoned "
        "tickets): a resident who left before being called (balked, reneged, still waiting at "
        "closing) counts as missed. The staffing planner (madoguchi plan) judges it per counter "
        "and hour block.",
        computed_by="simulation.planner.cell_stats",
        share=True,
    ),
    KPI(
        "no_show_share", "呼出不在率", "No-show share", "%", "%", "ticket", "lower", 1,
        "全発券のうち、呼出したが来なかった発券の割合。",
        "Share of all tickets that were called but did not come.",
        share=True,
    ),
    KPI(
        "abandon_share", "途中離脱率", "Abandon share", "%", "%", "ticket", "lower", 1,
        "全発券のうち、呼出前に帰った（途中離脱した）発券の割合。",
        "Share of all tickets whose holder left before being called.",
        share=True,
    ),
    KPI(
        "forms_written_per_visit", "1来庁あたりの手書き書類", "Forms written per visit", "枚",
        "forms", "visit", "lower", 2,
        "1回の来庁で手書きした様式の数の平均。",
        "Mean number of forms a visit filled in by hand.",
    ),
    KPI(
        "service_min_mean", "平均対応時間", "Mean service time", "分", "min", "ticket",
        "neutral", 1,
        "対応を終えた発券の（終了 − 呼出）の平均。",
        "Mean of ended − called over served tickets.",
    ),
    KPI(
        "visits_per_resident", "住民1人あたり来庁回数", "Visits per resident", "回", "visits",
        "resident", "lower", 2,
        "来庁件数 ÷ 住民数（resident_id ごと）：用件が済むまでに何回来庁したか。",
        "Visits ÷ residents (one resident_id each): trips until the errands are done.",
        needs=("resident_id",),
    ),
    KPI(
        "return_visit_share", "再来庁の割合", "Return-visit share", "%", "%", "visit", "lower", 1,
        "来庁のうち、以前の来庁の続き（書類不足などによる再来庁）だった割合。",
        "Share of visits that return for an earlier visit (e.g. a missing document).",
        share=True,
        needs=("return_of",),
    ),
    KPI(
        "staff_busy_min", "職員対応時間（全期間）", "Staff serving time (whole period)", "時間",
        "h", "period", "lower", 0,
        "ログ期間全体の窓口対応時間（終了 − 呼出）の合計。",
        "Σ serving minutes (ended − called) over the whole log, shown in hours.",
        scale=1.0 / 60.0,
    ),
    KPI(
        "staff_busy_min_per_day", "職員対応時間（1日あたり）", "Staff serving time per day",
        "時間", "h", "day", "lower", 1,
        "窓口対応時間の合計 ÷ サービス日数（来庁日）。",
        "Σ serving minutes ÷ service days (days of arrival), shown in hours.",
        scale=1.0 / 60.0,
    ),
    KPI(
        "staff_hours", "職員時間（窓口＋バックオフィス＋案内、1日あたり）",
        "Staff hours per day (counter + back office + triage)", "時間", "h", "day", "lower", 1,
        "シミュレーションの1日あたりの窓口対応・バックオフィス・案内の時間の合計。",
        "Serving, back-office and triage hours per simulated day.",
        computed_by=_SIM_STAFF,
    ),
    KPI(
        "utilisation", "職員稼働率", "Staff utilisation", "%", "%", "staff_hour", "neutral", 1,
        "（窓口対応＋バックオフィス＋案内）の時間 ÷ 残業を含む勤務時間。",
        "(Serving + back-office + triage) minutes ÷ minutes on duty including overtime.",
        computed_by=_SIM_DUTY,
        share=True,
    ),
    KPI(
        "overtime_min_per_staff_day", "残業時間（職員1人1日あたり）",
        "Overtime per staff member and day", "分", "min", "day", "lower", 1,
        "勤務終了予定を過ぎて働いた分の合計 ÷ （職員数 × 日数）（シミュレーション）。",
        "Σ minutes worked past the end of shift ÷ (staff members × days).",
        computed_by=_SIM_DUTY,
    ),
    KPI(
        "overtime_min_per_day", "残業時間（1日あたり合計）", "Overtime per day (all staff)",
        "分", "min", "day", "lower", 0,
        "勤務終了予定を過ぎて働いた分の全職員合計 ÷ 日数。",
        "Σ minutes all staff worked past the end of shift ÷ days.",
        computed_by=_SIM_DUTY,
    ),
    KPI(
        "walking_m_per_visit", "1来庁あたりの歩行距離", "Walking per visit", "m", "m", "visit",
        "lower", 0,
        "1回の来庁で庁舎内を歩いた距離の平均（シミュレーションのみ）。",
        "Mean metres walked in the hall per visit (simulated logs).",
        needs=("walking_m",),
    ),
    KPI(
        "writing_min_per_visit", "1来庁あたりの記入時間", "Writing time per visit", "分", "min",
        "visit", "lower", 1,
        "1回の来庁で様式を手書きした時間の平均（シミュレーションのみ）。",
        "Mean minutes spent writing forms by hand per visit (simulated logs).",
        needs=("writing_min",),
    ),
)
# fmt: on

#: Every KPI by key, in report order.
KPIS: Final[dict[str, KPI]] = {k.key: k for k in _ALL}


def kpi(key: str) -> KPI:
    """The registered KPI ``key``; an unknown key is a ``KeyError`` naming the registry."""
    try:
        return KPIS[key]
    except KeyError:
        raise KeyError(f"KPI '{key}' is not declared in journeys.kpi_registry.KPIS") from None


def label(key: str, lang: str = "ja") -> str:
    """The KPI's label in ``lang`` ("ja" or "en")."""
    return kpi(key).label(lang)


def unit(key: str, lang: str = "ja") -> str:
    """The unit of the KPI's shown value in ``lang``."""
    return kpi(key).unit(lang)


def definition(key: str, lang: str = "ja") -> str:
    """The KPI's definition in words in ``lang``."""
    return kpi(key).definition(lang)


def basis_label(key: str, lang: str = "ja") -> str:
    """What the KPI is counted over ("1来庁あたり", "per day", …)."""
    pair = BASES[kpi(key).basis]
    return pair[1] if lang == "en" else pair[0]


def bounds(key: str) -> tuple[float, float]:
    """The values the KPI can take: [0, 1] for a share, [0, ∞) for every other KPI (counts,
    minutes, metres). An interval is cut to these bounds: the true value lies inside them, so
    the cut interval covers it at least as often."""
    return (0.0, 1.0) if kpi(key).share else (0.0, math.inf)


def lower_is_better(key: str) -> bool:
    """True when a drop in the KPI is good news."""
    return kpi(key).direction == "lower"


def better(key: str, delta: float) -> bool | None:
    """Whether a change of ``delta`` (after − before) is an improvement: True, False, or None
    when the KPI has no good direction or the change is zero or NaN."""
    direction = kpi(key).direction
    if direction == "neutral" or delta != delta or delta == 0:
        return None
    return (delta < 0) == (direction == "lower")


def fmt(key: str, value: float | None, lang: str = "ja", *, signed: bool = False) -> str:
    """A KPI value as a manager reads it: shares in %, rounding and unit from the registry.

    ``signed`` puts a + on positive numbers (for differences; a share's difference is in
    points, "pt"). ``None`` or NaN gives "–".
    """
    if value is None or value != value:
        return "–"
    k = kpi(key)
    number = value * 100.0 if k.share else value * k.scale
    sign = "+" if signed and number > 0 else ""
    text = f"{sign}{number:,.{k.decimals}f}"
    shown = k.unit(lang)
    if shown == "%":
        return f"{text} pt" if k.share and signed else f"{text}%"
    return f"{text} {shown}" if lang == "en" or shown == "m" else f"{text}{shown}"


def table(values: Mapping[str, float], lang: str = "ja") -> pl.DataFrame:
    """``{kpi: value}`` (e.g. :func:`journeys.metrics.kpis`) as a table a person reads:
    kpi, label, value (rounded, with unit), basis — in ``lang``."""
    keys = list(values)
    return pl.DataFrame(
        {
            "kpi": keys,
            "label": [label(k, lang) for k in keys],
            "value": [fmt(k, values[k], lang) for k in keys],
            "basis": [basis_label(k, lang) for k in keys],
        },
        schema={c: pl.String for c in ("kpi", "label", "value", "basis")},
    )


#: Direction as written in the documentation.
_DIRECTION_TEXT: Final[dict[str, str]] = {
    "lower": "lower is better",
    "higher": "higher is better",
    "neutral": "—",
}


def markdown_table() -> str:
    """Every KPI as a Markdown table (the KPI section of ``docs/study-format.md`` is exactly
    this text, checked by a test)."""
    head = "| key | 指標 | KPI | unit | basis | direction | definition |\n"
    head += "| --- | --- | --- | --- | --- | --- | --- |\n"
    rows = [
        f"| `{k.key}` | {k.label_ja} | {k.label_en} | {k.unit_en} | {BASES[k.basis][1]} | "
        f"{_DIRECTION_TEXT[k.direction]} | {k.definition_en} |"
        for k in KPIS.values()
    ]
    return head + "\n".join(rows) + "\n"


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with a ``kpi`` column of registered keys) with the registry's label, the unit
    of the stored value and the basis, in both languages, as its last columns."""
    keys = frame["kpi"].unique(maintain_order=True).to_list()
    names = ("kpi", "指標", "label_en", "単位", "unit", "集計単位", "basis")
    labels = pl.DataFrame(
        {
            "kpi": keys,
            "指標": [label(k, "ja") for k in keys],
            "label_en": [label(k, "en") for k in keys],
            "単位": [kpi(k).stored_unit("ja") for k in keys],
            "unit": [kpi(k).stored_unit("en") for k in keys],
            "集計単位": [basis_label(k, "ja") for k in keys],
            "basis": [basis_label(k, "en") for k in keys],
        },
        schema={c: pl.String for c in names},
    )
    return frame.join(labels, on="kpi", how="left", maintain_order="left")
