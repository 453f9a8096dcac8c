"""Every message of the study checks, by a stable code, in Japanese and English.

A check never writes its sentence itself: it names a code of :data:`MESSAGES` and the values
to fill in (:func:`text` → a :class:`Text`), and :class:`~simulation.model.StudyProblem` keeps
both the code and the English sentence (what ``madoguchi check`` prints). The dashboard renders
the same problem in the reader's language with :meth:`Text.render`. A value of a message may
itself be a :class:`Text` (a sweep's "with staff = 0: …" wraps the problem it found); it is
rendered in the same language.

Codes are grouped by the module that raises them (``check.``, ``limit.``, ``warn.``,
``grid.``, ``model.``, ``excel.``, ``file.``, ``where.``, ``hint.``); they never change once
published, so a municipality's notes or a test can refer to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["MESSAGES", "Text", "render", "text"]


@dataclass(frozen=True)
class Text:
    """A message by code with the values of its fields (see :data:`MESSAGES`)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, lang: str = "en") -> str:
        """The message in ``lang`` ("ja" or "en"; English for any other)."""
        ja, en = MESSAGES[self.code]
        values = {key: _shown(value, lang) for key, value in self.params}
        return (ja if lang == "ja" else en).format(**values)

    def __str__(self) -> str:
        return self.render("en")


def _shown(value: object, lang: str) -> object:
    """A value as the message shows it: a :class:`Text` (or a tuple of them, joined) rendered."""
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, tuple) and value and all(isinstance(v, Text) for v in value):
        return ("、" if lang == "ja" else ", ").join(v.render(lang) for v in value)
    return value


def text(code: str, **params: object) -> Text:
    """The message ``code`` with its values (an unknown code raises ``KeyError`` at once)."""
    if code not in MESSAGES:
        raise KeyError(f"no message {code!r} in simulation.messages.MESSAGES")
    return Text(code, tuple(params.items()))


def render(message: Text | str, lang: str = "en") -> str:
    """A message in ``lang``: a :class:`Text` rendered, a plain string as it is."""
    return message.render(lang) if isinstance(message, Text) else message


#: code -> (Japanese, English). English is what ``madoguchi check`` prints, word for word.
MESSAGES: Final[Mapping[str, tuple[str, str]]] = {
    # --- where a problem is (TOML tables with ids, sheets of a workbook) -----------------
    "where.top": ("ファイル全体", "top level"),
    "where.head": ("{head}", "{head}"),
    "where.item": ("{kind}「{id}」", "{kind} {id!r}"),
    "where.described": ("{head} {path}", "{head} {path_en}"),
    "kind.procedure": ("手続き", "procedure"),
    "kind.counter": ("窓口", "counter"),
    "kind.scenario": ("シナリオ", "scenario"),
    "kind.life_event": ("ライフイベント", "life_event"),
    "kind.department": ("担当課", "department"),
    "kind.desk": ("記入台", "desk"),
    "kind.persona": ("ペルソナ", "persona"),
    "kind.peak": ("繁忙期", "peak"),
    "kind.extension": ("拡張", "extension"),
    "where.procedure": ("[[procedures]] 手続き「{id}」", "[[procedures]] procedure {id!r}"),
    "where.life_event": (
        "[[life_events]] ライフイベント「{id}」",
        "[[life_events]] life event {id!r}",
    ),
    "where.scenario": ("[[scenarios]] シナリオ「{id}」", "[[scenarios]] scenario {id!r}"),
    "where.counter": (
        "[[scenarios.counters]] シナリオ「{scenario}」の窓口「{id}」",
        "[[scenarios.counters]] counter {id!r} of scenario {scenario!r}",
    ),
    "where.extensions": (
        "[[scenarios.extensions]]（シナリオ「{scenario}」）",
        "[[scenarios.extensions]] of scenario {scenario!r}",
    ),
    "where.floor": (
        "[scenarios.floor]（シナリオ「{scenario}」）",
        "[scenarios.floor] of scenario {scenario!r}",
    ),
    "where.grid": (
        "シナリオ「{scenario}」の方眼図「{file}」",
        "grid paper {file!r} of scenario {scenario!r}",
    ),
    "where.sheet": ("シート {sheet}", "sheet {sheet}"),
    "where.sheet_cell": (
        "シート {sheet}・{row} 行目・{column} 列",
        "sheet {sheet}, row {row}, column {column}",
    ),
    "where.sheet_cell_key": (
        "シート {sheet}・{row} 行目・{column} 列（{key}）",
        "sheet {sheet}, row {row}, column {column} ({key})",
    ),
    "where.sheet_row": ("シート {sheet}・{row} 行目", "sheet {sheet}, row {row}"),
    "where.sheet_row_key": (
        "シート {sheet}・{row} 行目（{key}）",
        "sheet {sheet}, row {row} ({key})",
    ),
    # --- hints -----------------------------------------------------------------------
    "hint.did_you_mean": ("「{word}」のことですか？", "did you mean {word!r}?"),
    "hint.known": ("使える値：{choices}", "known: {choices}"),
    "hint.allowed_keys": ("使えるキー：{keys}", "allowed keys: {keys}"),
    "hint.limits": (
        "docs/study-format.md の「Limits」を参照してください",
        "see Limits in docs/study-format.md",
    ),
    "hint.unique_ids": ("id は重複できません", "ids must be unique"),
    "hint.add_scenarios": ("[[scenarios]] を加えてください", "add [[scenarios]]"),
    "hint.sum_to_one": ("合計が 1 になるようにしてください", "make the shares add up to 1"),
    "hint.sure_procedure": (
        "そのライフイベントの主な手続きを 1.0 にしてください",
        "set the main procedure of the event to 1.0",
    ),
    "hint.floor_manager": (
        "フロアマネージャーの staff と triage_min を加えてください",
        "add staff and triage_min of the floor manager",
    ),
    "hint.flow": (
        'flow = "one_stop" にするか、kind = "department" にしてください',
        'set flow = "one_stop" or kind = "department"',
    ),
    "hint.distinct_points": (
        "フロアの点には別々の id が必要です",
        "points of a floor need distinct ids",
    ),
    "hint.one_stop_procedure": (
        "手続きに one_stop = true（と service.one_stop のモデル）を設定するか、ここから外してください",
        "set one_stop = true on the procedure (with a service.one_stop model) or remove it here",
    ),
    "hint.max_staff": (
        "max_staff を上げるか min_staff を下げてください",
        "raise max_staff or lower min_staff",
    ),
    "hint.add_shift": (
        'shifts = [ {{ start = "08:30", end = "17:15", staff = 1 }} ] のように勤務を加えてください',
        'add shifts = [ {{ start = "08:30", end = "17:15", staff = 1 }} ]',
    ),
    "hint.trim_shifts": (
        "staff を上げるか、重なる勤務を短くしてください",
        "raise staff or trim the overlapping shifts",
    ),
    "hint.counter_open": (
        "[arrivals] の open–close の間の時刻にするか、open を書かないでください",
        "use a time inside [arrivals] open–close, or leave open out",
    ),
    "hint.counter_close": (
        "[arrivals] の open–close の間の時刻にするか、close を書かないでください",
        "use a time inside [arrivals] open–close, or leave close out",
    ),
    "hint.persona_shares": (
        "割合を下げてください（ペルソナに割り当てられない来庁者はペルソナなしです）",
        "lower the shares (residents not drawn into a persona have none)",
    ),
    "hint.extension_use": (
        '例：use = "concierge.py:Concierge"',
        'e.g. use = "concierge.py:Concierge"',
    ),
    "hint.cover_hours": (
        "開庁時間を覆う勤務を加えてください",
        "add a shift that covers the opening hours",
    ),
    "hint.list_procedure": (
        "窓口の procedures に加えてください（またはワンストップ窓口の一覧を空にしてください）",
        "list it in a counter's procedures (or leave a one-stop counter's list empty)",
    ),
    "hint.department_counter": (
        "担当課「{department}」の窓口の procedures に「{id}」を加えてください",
        "add {id!r} to the procedures of a counter of department {department!r}",
    ),
    "hint.use_life_event": (
        "ライフイベントの procedures に加えるか、窓口を削除してください",
        "add them to a life event's procedures, or remove the counter",
    ),
    "hint.lunch_inside": (
        "昼休みの時間帯を勤務の中に移してください",
        "move the lunch window inside the shifts",
    ),
    "hint.same_floor": (
        "[[departments]] と窓口に同じ階を設定してください",
        "set the same floor in [[departments]] and on the counter",
    ),
    "hint.half_width_hash": (
        "半角の '#' を入力するか、セルを色で塗ってください",
        "type '#' in half-width, or fill the cells with a colour",
    ),
    "hint.room_name": (
        "部屋の名前ならこのままで構いません。点の id は完全に一致させてください",
        "a room's name is fine here; a point's id must match exactly",
    ),
    "hint.room_name_close": (
        "「{word}」のことですか？ 部屋の名前ならこのままで構いません。点の id は完全に一致させてください",
        "did you mean {word!r}? a room's name is fine here; a point's id must match exactly",
    ),
    "hint.clear_fill": (
        "塗りを消すか、窓口の前の空いたセルにラベルを書いてください",
        "clear the fill, or write the label in the free cell in front of the counter",
    ),
    "hint.same_stairs": (
        "どの階でも同じセルに階段を描いてください",
        "draw the stairs at the same cells on every floor",
    ),
    "hint.xy_grid": (
        "x/y かセルを直して、報告書と方眼図を一致させてください",
        "correct the x/y or the cell, so that reports and the grid agree",
    ),
    "hint.write_point": (
        "{id} を、それが立つセルに書いてください",
        "write {id} in the cell where it stands",
    ),
    "hint.free_cell": (
        "id は窓口の前の、来庁者が立つ空いたセルに書いてください",
        "write the id in the free cell in front of the counter, where residents stand",
    ),
    "hint.open_door": ("壁に出入口を開けてください", "open a door in the walls"),
    "hint.move_key": (
        "{key!r} は [{parent}] のキーです。TOML では [[表]] の見出しの後に書いたキーはその表に属するので、見出しより上に移してください",
        "{key!r} is a key of [{parent}]: in TOML, keys written after a [[table]] "
        "header belong to that table, so move it above the header",
    ),
    "hint.copy_header": (
        "data/templates/study_template.xlsx から見出しの行をコピーしてください",
        "copy the header rows from data/templates/study_template.xlsx",
    ),
    "hint.date_format": (
        "セル {column}{row} に YYYY-MM-DD の形で日付を書いてください",
        "write the date as YYYY-MM-DD in cell {column}{row}",
    ),
    "hint.event_id_every_row": (
        "どの行にもライフイベントの id を書いてください",
        "write the event id on every row",
    ),
    "hint.write_once": (
        "そのライフイベントの最初の行に一度だけ書いてください",
        "write it once, on the event's first row",
    ),
    "hint.scenarios": ("シナリオ：{ids}", "scenarios: {ids}"),
    "hint.counters": ("窓口：{ids}", "counters: {ids}"),
    "hint.template_sheet": (
        "data/templates/study_template.xlsx からコピーしてください",
        "copy it from data/templates/study_template.xlsx",
    ),
    "hint.grid_relative": (
        "grid_xlsx は調査ファイルのあるフォルダからの相対パスです",
        "{text}",
    ),
    "hint.grid": (
        "方眼図のブック（.xlsx）と、grid_xlsx に書いたシート名を確かめてください",
        "{text}",
    ),
    # --- simulation.checks ---------------------------------------------------------------
    "check.duplicate_id": (
        "id「{id}」が重複しています（[[{table}]] の {rows} 番目）",
        "duplicate id {id!r} (tables {rows} of [[{table}]])",
    ),
    "check.empty_id": ("id が空です", "empty id"),
    "check.no_scenario": ("調査ファイルにシナリオがありません", "the study has no scenario"),
    "check.empirical_values": (
        "経験分布（empirical）の対応時間には空でない 'values' の一覧が必要です",
        "empirical service time needs a non-empty list 'values'",
    ),
    "check.service_minutes_negative": (
        "対応時間（分）は 0 以上にしてください",
        "service minutes must be ≥ 0",
    ),
    "check.empirical_zero": (
        "経験分布の対応時間（分）がすべて 0 です",
        "empirical service minutes are all zero",
    ),
    "check.needs_mean": (
        "{dist} の対応時間には 'mean'（分）が必要です",
        "{dist} service time needs 'mean' (minutes)",
    ),
    "check.mean_positive": (
        "mean は 0 分より大きくしてください（入力：{value}）",
        "mean must be > 0 minutes, got {value}",
    ),
    "check.needs_cv": (
        "{dist} の対応時間には 'cv'（変動係数）が必要です",
        "{dist} service time needs 'cv' (coefficient of variation)",
    ),
    "check.cv_positive": (
        "cv は 0 より大きくしてください（入力：{value}）",
        "cv must be > 0, got {value}",
    ),
    "check.values_unused": (
        "'values' は dist = \"empirical\" のときだけ使います（指定：{dist}）",
        "'values' is only used with dist = \"empirical\", not {dist!r}",
    ),
    "check.unknown_department": (
        "担当課「{id}」は [[departments]] にありません",
        "unknown department {id!r}",
    ),
    "check.minutes_negative": (
        "{key} は 0 分以上にしてください（入力：{value}）",
        "{key} must be ≥ 0 minutes, got {value}",
    ),
    "check.forms_negative": (
        "forms は 0 以上にしてください（入力：{value}）",
        "forms must be ≥ 0, got {value}",
    ),
    "check.share_between": (
        "{key} は 0 から 1 の間にしてください（入力：{value}）",
        "{key} must be between 0 and 1, got {value}",
    ),
    "check.one_stop_model": (
        "one_stop = true には [procedures.service.one_stop] の対応時間モデルが必要です",
        "one_stop = true needs a [procedures.service.one_stop] service-time model",
    ),
    "check.needs_procedure": (
        "ライフイベントには手続きが少なくとも1つ必要です",
        "a life event needs at least one procedure",
    ),
    "check.unknown_procedure": (
        "手続き「{id}」は [[procedures]] にありません",
        "unknown procedure {id!r}",
    ),
    "check.probability_between": (
        "確率は 0 から 1 の間にしてください（入力：{value}）",
        "probability must be between 0 and 1, got {value}",
    ),
    "check.no_sure_procedure": (
        "確率 1.0 の手続きがありません：どの来庁にも必ず行う手続きが1つ必要です",
        "no procedure with probability 1.0: every visit needs at least one sure procedure",
    ),
    "check.life_event_shares": (
        "ライフイベントの share の合計が {total:.4f} で、1 になりません",
        "life-event shares sum to {total:.4f}, not 1",
    ),
    "check.no_life_event": (
        "調査ファイルにライフイベントがありません",
        "the study has no life event",
    ),
    "check.residents_positive": (
        "residents_per_day は 0 より大きくしてください（入力：{value}）",
        "residents_per_day must be > 0, got {value}",
    ),
    "check.close_after_open": (
        "閉庁 {close} が開庁 {open} より後ではありません",
        "close {close} is not after open {open}",
    ),
    "check.hour_profile_length": (
        "hour_profile の値が {n} 個です。{open}–{close} には {expected} 個必要です（{first:02d}:00 から1時間ごとに1つ）",
        "hour_profile has {n} values; {open}–{close} needs {expected} "
        "(one per hour from {first:02d}:00)",
    ),
    "check.either": ("{a} か {b}", "{a} or {b}"),
    "check.hour_profile_negative": (
        "hour_profile の割合は 0 以上にしてください",
        "hour_profile shares must be ≥ 0",
    ),
    "check.hour_profile_sum": (
        "hour_profile の合計が {total:.4f} で、1 になりません",
        "hour_profile sums to {total:.4f}, not 1",
    ),
    "check.weekday_factor_length": (
        "weekday_factor には5つの値（月〜金）が必要です（入力：{n} 個）",
        "weekday_factor needs 5 values (Mon..Fri), got {n}",
    ),
    "check.month_factor_length": (
        "month_factor には12の値（1月〜12月）が必要です（入力：{n} 個）",
        "month_factor needs 12 values (Jan..Dec), got {n}",
    ),
    "check.factor_negative": (
        "{key} の値は 0 以上にしてください",
        "{key} values must be ≥ 0",
    ),
    "check.peak_factor_positive": (
        "繁忙期の factor は 0 より大きくしてください（入力：{value}）",
        "peak factor must be > 0, got {value}",
    ),
    "check.unknown_life_event": (
        "ライフイベント「{id}」は [[life_events]] にありません",
        "unknown life event {id!r}",
    ),
    "check.walking_speed_positive": (
        "歩行速度は 0 m/分より大きくしてください（入力：{value}）",
        "walking speed must be > 0 m/min, got {value}",
    ),
    "check.floor_change_negative": (
        "floor_change_m は 0 以上にしてください（入力：{value}）",
        "floor_change_m must be ≥ 0, got {value}",
    ),
    "check.rate_below_one": (
        "{key} は 0 以上 1 未満にしてください（入力：{value}）",
        "{key} must be at least 0 and below 1, got {value}",
    ),
    "check.at_least_one": (
        "{key} は 1 以上にしてください（入力：{value}）",
        "{key} must be ≥ 1, got {value}",
    ),
    "check.minutes_positive": (
        "{key} は 0 分より大きくしてください（入力：{value}）",
        "{key} must be > 0 minutes, got {value}",
    ),
    "check.back_office_staff": (
        "back_office の staff は 0 以上にしてください（入力：{value}）",
        "back_office staff must be ≥ 0, got {value}",
    ),
    "check.floor_manager_staff": (
        "floor_manager の staff は 1 以上にしてください（入力：{value}）",
        "floor_manager staff must be ≥ 1, got {value}",
    ),
    "check.one_stop_needs_floor_manager": (
        "one_stop のシナリオには [scenarios.floor_manager] が必要です",
        "a one_stop scenario needs [scenarios.floor_manager]",
    ),
    "check.one_stop_needs_counter": (
        'one_stop のシナリオには kind = "one_stop" の窓口が少なくとも1つ必要です',
        'a one_stop scenario needs at least one counter with kind = "one_stop"',
    ),
    "check.one_stop_unused": (
        'flow = "by_department" ですが、ワンストップ窓口 {ids} があります。これらは使われません',
        'flow = "by_department" but one-stop counters {ids} exist; they would never be used',
    ),
    "check.no_counter": ("シナリオに窓口がありません", "the scenario has no counter"),
    "check.duplicate_counter": (
        "窓口の id「{id}」が重複しています",
        "duplicate counter id {id!r}",
    ),
    "check.duplicate_desk": ("記入台の id「{id}」が重複しています", "duplicate desk id {id!r}"),
    "check.desk_is_counter": (
        "記入台の id「{id}」は窓口の id でもあります",
        "desk id {id!r} is also a counter id",
    ),
    "check.reserved_id": (
        "「{id}」は方眼図用に予約された id です",
        "{id!r} is reserved for grid-paper floors",
    ),
    "check.unknown_zone": (
        '区域「{zone}」は不明です：担当課の id、"one_stop"、"floor_manager" のどれかにしてください',
        'unknown zone {zone!r}: use a department id, "one_stop" or "floor_manager"',
    ),
    "check.one_stop_lists_department_procedure": (
        "ワンストップ窓口が「{id}」を受けていますが、この手続きは one_stop = false です",
        "one-stop counter lists {id!r}, which has one_stop = false",
    ),
    "check.department_counter_procedures": (
        "担当課の窓口には、受ける手続きの一覧が必要です",
        "a department counter needs the list of procedures it takes",
    ),
    "check.staff_at_least_one": (
        "staff は 1 以上にしてください（入力：{value}）",
        "staff must be ≥ 1, got {value}",
    ),
    "check.min_staff": (
        "min_staff は 1 以上にしてください（開庁中はだれかが窓口にいます）（入力：{value}）",
        "min_staff must be ≥ 1 (someone on duty while the hall is open), got {value}",
    ),
    "check.max_below_min": (
        "max_staff（{max}）が min_staff（{min}）より小さくなっています",
        "max_staff ({max}) is below min_staff ({min})",
    ),
    "check.no_shift": (
        "勤務がありません：この窓口ではだれも対応しません",
        "no shift: nobody would serve at this counter",
    ),
    "check.shift_order": (
        "勤務の終わり（{end}）が始まり（{start}）より前です",
        "shift ends ({end}) before it starts ({start})",
    ),
    "check.shift_staff": (
        "勤務の staff は 1 以上にしてください（入力：{value}）",
        "shift staff must be ≥ 1, got {value}",
    ),
    "check.shifts_over_staff": (
        "勤務が {start}–{end} に {on_duty} 人を配置しますが、窓口の staff は {staff} です",
        "shifts put {on_duty} staff on duty {start}–{end} but the counter has staff = {staff}",
    ),
    "check.lunch_order": (
        "昼休みの時間帯の終わり（{end}）が始まり（{start}）より前です",
        "lunch window ends ({end}) before it starts ({start})",
    ),
    "check.lunch_minutes": (
        "昼休みの minutes は 0 より大きく、{window} 分の時間帯 {start}–{end} に収めてください（入力：{value}）",
        "lunch minutes must be > 0 and fit the {window}-minute window {start}–{end}, got {value}",
    ),
    "check.counter_opens_outside": (
        "窓口の開始 {time} が庁舎の開庁時間 {open}–{close} の外です",
        "counter opens at {time}, outside the hall's hours {open}–{close}",
    ),
    "check.counter_closes_outside": (
        "窓口の終了 {time} が庁舎の開庁時間 {open}–{close} の外です",
        "counter closes at {time}, outside the hall's hours {open}–{close}",
    ),
    "check.counter_closes_before_opening": (
        "窓口の終了（{time}）が開始より前です",
        "counter closes ({time}) before it opens",
    ),
    "check.duplicate_persona": (
        "ペルソナの id「{id}」が重複しています",
        "duplicate persona id {id!r}",
    ),
    "check.persona_shares": (
        "ペルソナの share の合計が {total:g} で、1 を超えています",
        "persona shares add up to {total:g}, more than 1",
    ),
    "check.extension_use": (
        "拡張の use = {use!r} は 'file.py:ClassName' または 'package.module:ClassName' の形ではありません",
        "extension use = {use!r} is not 'file.py:ClassName' or 'package.module:ClassName'",
    ),
    "check.no_staff_on_duty": (
        "開庁中（{open}–{close}）の {start} から（{until} まで）だれも勤務していません",
        "no staff on duty from {start} (until {until}) while the hall is open {open}–{close}",
    ),
    "check.no_counter_takes": (
        "手続き「{id}」を受ける窓口がありません（ライフイベント「{event}」で必要）",
        "no counter takes procedure {id!r} (needed by life event {event!r})",
    ),
    "check.no_department_counter_takes": (
        "手続き「{id}」を受ける担当課の窓口がありません（ライフイベント「{event}」で必要）",
        "no department counter takes procedure {id!r} (needed by life event {event!r})",
    ),
    "check.with_parameter": (
        "{path} = {value:g} のとき：{problem}",
        "with {path} = {value:g}: {problem}",
    ),
    # --- simulation.limits ---------------------------------------------------------------
    "limit.count": (
        "{what}が {n:,} 件：上限 {limit:,} を超えています",
        "{n:,} {what_en}: more than the limit of {limit:,}",
    ),
    "limit.coordinate": (
        "{shown} は ±{bound:,g} m 以内の数ではありません",
        "{shown} is not a number within ±{bound:,g} m",
    ),
    "limit.value": (
        "{shown} は 0 から {bound:,g} {unit}の間の数ではありません",
        "{shown} is not a number between 0 and {bound:,g} {unit_en}",
    ),
    # --- simulation.study_warnings ---------------------------------------------------------
    "warn.unused_counter": (
        "この窓口の手続き（{procedures}）はどのライフイベントでも使われません：職員はいますが発券されません",
        "no life event uses the procedures of this counter ({procedures}): "
        "it is staffed but gets no ticket",
    ),
    "warn.lunch_outside_shifts": (
        "昼休みの時間帯 {start}–{end} の一部が勤務（{spans}）の外です：その時間に昼休みをとる職員がいません",
        "lunch window {start}–{end} is partly outside the shifts ({spans}): "
        "nobody is on duty then to take the lunch break",
    ),
    "warn.other_floor": (
        "窓口は {floor} 階ですが、担当課「{zone}」は {dept_floor} 階です",
        "the counter stands on floor {floor} but its department {zone!r} is on floor {dept_floor}",
    ),
    "warn.full_width_hash": (
        "{n} 個のセルに全角の「＃」があります（最初は {cell}）：壁 '#' として読みます",
        "{n} cell(s) hold a full-width '＃' (first {cell}); they are read as walls '#'",
    ),
    "warn.read_as": ("{typed!r}（{label!r} と読みます）", "{typed!r} (read as {label!r})"),
    "warn.unknown_label": (
        "セルの {shown} は、シナリオ「{scenario}」の窓口・記入台・ENT・TKT・STAIRS のどれでもありません",
        "the cell holds {shown}, which is no counter, desk, ENT, TKT or STAIRS "
        "of scenario {scenario!r}",
    ),
    "warn.label_in_wall": (
        "ラベル「{label}」が塗られたセル（{fill}）にあります。塗ったセルは壁ですが、ラベルのセルは来庁者が立つ空いたセルとして読みます",
        "label {label!r} stands in a filled cell ({fill}); "
        "a filled cell is a wall, but a label's cell is read as the free cell "
        "where residents stand",
    ),
    "warn.stairs_moved": (
        "階段が {lower} にありますが、上の階では {upper} です：階段のセルは上の階のいちばん近い階段のセルにつながります",
        "STAIRS at {lower} but at {upper}: each stairs cell is joined to "
        "the nearest stairs cell of the floor above",
    ),
    "warn.xy_disagree": (
        "{id} は {cell} に描かれていて、x/y（{x:g}, {y:g}）がほかの点との関係で示す位置から {miss:.1f} m 離れています。歩行には方眼図を使い、x/y は使いません",
        "{id} is drawn at {cell}, {miss:.1f} m from where "
        "its x/y ({x:g}, {y:g}) put it relative to the other points; "
        "walking uses the grid, the x/y are not used",
    ),
    # --- simulation.floorplan (grid-paper floors) --------------------------------------------
    "grid.not_drawn": (
        "{id} がどの方眼図シート（{sheets}）にも描かれていません{found}",
        "{id} is not drawn on any grid-paper sheet ({sheets}){found}",
    ),
    "grid.look_alikes": ("。似たもの：{found}", "; found {found}"),
    "grid.found_at": ("{label!r}（{cell}）", "{label!r} at {cell}"),
    "grid.other_floor": (
        "{id} は調査ファイルでは {floor} 階ですが、{drawn} 階に描かれています",
        "{id} is on floor {floor} in the study but drawn on floor {drawn}",
    ),
    "grid.stairs_missing": (
        "複数の階がありますが、STAIRS のないシートがあります",
        "several floors but STAIRS missing on some sheet",
    ),
    "grid.in_wall": (
        "{id} が壁の中に書かれています：{cell} は塗られていて（{fill}）、周りに入口へ通じる空いたセルがありません",
        "{id} is written inside a wall: {cell} is filled "
        "({fill}) and no free cell around it leads to the entrance",
    ),
    "grid.unreachable": (
        "{id}{at} に入口から行けません（壁で囲まれています）",
        "{id}{at} cannot be reached from the entrance (walled in)",
    ),
    "grid.at": ("（{cell}）", " at {cell}"),
    "grid.workbook_not_found": ("方眼図のブックが見つかりません：{file}", "{detail}"),
    "grid.unreadable": (
        "方眼図を読めません（{file}）",
        "{detail}",
    ),
    # --- simulation.model (keys and types of the study file) ---------------------------------
    "model.unknown_key": (
        "キー「{key}」は使えません（おそらく入力の誤り）",
        "unknown key {key!r} (probably a typo)",
    ),
    "model.misplaced_key": (
        "キー「{key}」はこの表のキーではありません",
        "key {key!r} does not belong in this table",
    ),
    "model.missing_key": ("キー「{key}」がありません", "missing key {key!r}"),
    "model.not_number": ("数値ではありません（入力：{got}）", "{msg} (got {got})"),
    "model.not_integer": ("整数ではありません（入力：{got}）", "{msg} (got {got})"),
    "model.not_bool": ("true か false にしてください（入力：{got}）", "{msg} (got {got})"),
    "model.not_text": ("文字列ではありません（入力：{got}）", "{msg} (got {got})"),
    "model.not_list": ("一覧（[...]）ではありません（入力：{got}）", "{msg} (got {got})"),
    "model.not_table": ("表（{{...}} か [表]）ではありません（入力：{got}）", "{msg} (got {got})"),
    "model.choice": ("使える値は {expected} です（入力：{got}）", "{msg} (got {got})"),
    "model.too_small": ("値が小さすぎます（入力：{got}）", "{msg} (got {got})"),
    "model.too_large": ("値が大きすぎます（入力：{got}）", "{msg} (got {got})"),
    "model.too_short": ("値の数が足りません（入力：{got}）", "{msg} (got {got})"),
    "model.too_long": ("値が多すぎます（入力：{got}）", "{msg} (got {got})"),
    "model.invalid": ("値が正しくありません（入力：{got}）", "{msg} (got {got})"),
    "model.time_of_day": (
        "時刻は 'HH:MM' の形にしてください（入力：{value!r}）",
        "time of day must be 'HH:MM', got {value!r}",
    ),
    "model.time_after_midnight": (
        "24:00 より後の時刻です：{value!r}",
        "time of day after 24:00: {value!r}",
    ),
    "model.month_day": (
        "日付は 'MM-DD' の形にしてください（入力：{value!r}）",
        "date must be 'MM-DD', got {value!r}",
    ),
    "model.value": ("値が正しくありません：{got}", "{msg}"),
    # --- simulation.excel (the study workbook's own tables) -----------------------------------
    "excel.missing_sheet": (
        "シート「{sheet}」（{table}）がありません",
        "missing sheet {sheet!r} ({table})",
    ),
    "excel.no_key_row": (
        "キーの行が見つかりません（2 行目にキーを書きます。例：'id'）",
        "no row of keys found (row 2 holds the keys, e.g. 'id')",
    ),
    "excel.not_a_date": ("{value!r} は日付ではありません", "{value!r} is not a date"),
    "excel.empty_event_id": ("ライフイベントの id が空です", "life event id is empty"),
    "excel.event_differs": (
        "ライフイベント「{id}」の {key} が前の行と違います",
        "{key} of life event {id!r} differs from an earlier row",
    ),
    "excel.procedure_twice": (
        "手続き「{proc}」がライフイベント「{event}」に2回あります",
        "procedure {proc!r} listed twice for life event {event!r}",
    ),
    "excel.duplicate_scenario": (
        "シナリオの id「{id}」が重複しています",
        "duplicate scenario id {id!r}",
    ),
    "excel.unknown_scenario": ("シナリオ「{id}」はありません", "unknown scenario {id!r}"),
    "excel.empty_scenario": ("シナリオが空です", "scenario is empty"),
    "excel.unknown_counter": (
        "シナリオ「{scenario}」に窓口「{id}」はありません",
        "unknown counter {id!r} in scenario {scenario!r}",
    ),
    # --- the upload box and the file itself ---------------------------------------------------
    "file.not_toml": (
        "TOML として読めません（{line} 行目）",
        "not valid TOML: {detail}",
    ),
    "file.not_utf8": (
        "UTF-8 の文字ではありません：UTF-8 で保存してください",
        "study file is not UTF-8 text",
    ),
    "file.too_deep": ("入れ子が深すぎます（{depth} 段）", "{detail}"),
    "file.too_long": ("長すぎます（{n} 文字、上限 {limit}）", "{detail}"),
    "file.unreadable": ("調査ファイルとして読めません", "{detail}"),
    "file.type": (
        "{name}：アップロードできるのは .toml / .xlsx / .zip です",
        "{name}: .toml / .xlsx / .zip",
    ),
    "file.not_zip": ("zip ファイルではありません", "not a zip file"),
    "file.extension": (
        "シナリオ「{scenario}」は拡張 {use!r} を使います：アップロードした調査ファイルではプログラム（拡張）を実行しません。コマンドラインかノートブックで実行してください",
        "scenario {scenario!r} uses the extension {use!r}: uploaded studies never"
        " run code; run it from the command line (madoguchi simulate) or a notebook",
    ),
}
