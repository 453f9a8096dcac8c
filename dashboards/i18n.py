"""Every label a manager reads, in Japanese (the default) and English.

Pages, figures and the offline report never write a visible string themselves: they ask
:func:`t` for it, so the whole workbench switches language with one argument.
"""

from __future__ import annotations

from typing import Final, Literal

from journeys import kpi_registry as registry

__all__ = [
    "ACTION_COLOURS",
    "DEFAULT_LANG",
    "LABELS",
    "LANGS",
    "Lang",
    "action_label",
    "format_kpi",
    "kpi_label",
    "scenario_label",
    "t",
]

Lang = Literal["ja", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ja", "en")
DEFAULT_LANG: Final[Lang] = "ja"

#: key -> (Japanese, English). Values may hold ``{name}`` fields filled by :func:`t`.
LABELS: Final[dict[str, tuple[str, str]]] = {
    # app shell and pages
    "app_title": ("窓口改革ワークベンチ", "Madoguchi workbench"),
    "app_caption": (
        "書かないワンストップ窓口：現状と改革後を、同じ指標・誠実な不確かさで比べます。",
        "No-writing one-stop counter: as-is and reform compared with the same KPIs and honest uncertainty.",
    ),
    "language": ("言語 / Language", "言語 / Language"),
    "page_overview": ("概要", "Overview"),
    "page_journeys": ("来庁者の体験", "Journeys"),
    "page_counter_logs": ("窓口ログ", "Counter logs"),
    "page_floor": ("フロア", "Floor"),
    "page_lab": ("シナリオ実験室", "Scenario lab"),
    "page_staffing": ("人員計画", "Staffing plan"),
    "data_source": ("データ", "Data"),
    "sample_data": ("同梱サンプル市", "Bundled sample city"),
    "uploaded_data": ("アップロードしたデータ", "Uploaded data"),
    "missing_data": (
        "データがまだありません：{what}",
        "Data not available yet: {what}",
    ),
    # overview
    "observed_comparison": ("実測：現状 vs 改革後", "Observed: as-is vs reform"),
    "simulated_comparison": ("シミュレーション：現状 vs 改革後", "Simulated: as-is vs reform"),
    "model_check": (
        "モデル検証：シミュレーション現状 vs 実測現状",
        "Model check: simulated as-is vs observed as-is",
    ),
    "verdict": ("結論", "Verdict"),
    "baseline": ("現状", "As-is"),
    "alternative": ("改革後", "Reform"),
    "observed": ("実測", "Observed"),
    "simulated": ("シミュレーション", "Simulated"),
    "difference": ("差", "Difference"),
    "ci95": ("95%信頼区間", "95% CI"),
    "kpi": ("指標", "KPI"),
    "value": ("値", "Value"),
    "scenario": ("シナリオ", "Scenario"),
    "replications_used": (
        "{n} 反復（共通乱数）、ピーク日 {days}",
        "{n} replications (common random numbers), peak day {days}",
    ),
    # figures
    "fig_ci": ("指標と95%信頼区間", "KPIs with 95% confidence intervals"),
    "fig_difference": ("改革による差（95%信頼区間）", "Difference made by the reform (95% CI)"),
    "fig_emotion": ("ペルソナ別の感情曲線", "Emotion curve per persona"),
    "fig_minutes_action": ("行動別の所要時間（分）", "Minutes by action"),
    "fig_writes": ("記入した書類と氏名・住所の記入回数", "Forms written and name/address writes"),
    "fig_pain": ("分類別の困りごと", "Pain points by category"),
    "fig_wait_distribution": (
        "待ち時間の分布：平均と目標内の割合が逆に動く理由",
        "Wait distribution: why the mean and the share within target move apart",
    ),
    "wait_axis": ("待ち時間（分）", "Wait (min)"),
    "share_called_within": ("この時間以内に呼ばれた割合", "Share called within this time"),
    "target_min": ("目標 {m} 分", "target {m} min"),
    "fig_heatmap": ("曜日×時間帯の平均待ち時間（分）", "Mean wait by weekday × hour (min)"),
    "fig_waiting": ("待っている人数（1日の推移）", "People waiting over the day"),
    "fig_service_level": ("時間帯別のサービスレベル", "Service level by hour"),
    "fig_staff": ("職員の業務量", "Staff workload"),
    "basis_whole_log": ("ログ全期間の合計", "whole log"),
    "basis_per_replication": (
        "1反復（シミュレーションした日）あたり",
        "per replication: the simulated days",
    ),
    "fig_sankey": ("窓口間の流れ", "Flows between counters"),
    "fig_variants": ("よくある来庁経路", "Top visit variants"),
    "fig_floor": ("フロア図：{scenario}", "Floor plan: {scenario}"),
    "fig_replay": ("1日の再生：{scenario}", "Replay of one day: {scenario}"),
    "floor_straight_lines": (
        "方眼図なし：点は調査ファイルの x/y、歩行距離は直線距離です",
        "No grid paper: points at the study's x/y, walking distances are straight lines",
    ),
    "step": ("手順", "Step"),
    "emotion": ("感情（−2〜+2）", "Emotion (−2..+2)"),
    "minutes": ("分", "Minutes"),
    "count": ("件数", "Count"),
    "share": ("割合", "Share"),
    "hour": ("時", "Hour"),
    "weekday": ("曜日", "Weekday"),
    "time_of_day": ("時刻", "Time of day"),
    "people_waiting": ("待ち人数", "People waiting"),
    "forms_written": ("記入した書類（枚）", "Forms written"),
    "fields_written": ("氏名・住所の記入（回）", "Name/address writes"),
    "pain_category": ("分類", "Category"),
    "staff": ("職員", "Staff"),
    "counter": ("窓口", "Counter"),
    "utilisation": ("稼働率", "Utilisation"),
    "serve": ("窓口対応", "Serving"),
    "back_office": ("バックオフィス", "Back office"),
    "triage": ("案内（フロアマネージャー）", "Triage (floor manager)"),
    "lunch": ("昼休み", "Lunch"),
    "floor_manager": ("フロアマネージャー", "Floor manager"),
    "idle": ("待機", "Idle"),
    "entrance": ("入口", "Entrance"),
    "exit": ("出口", "Exit"),
    "ticket_machine": ("発券機", "Ticket machine"),
    "desk": ("記載台", "Writing desk"),
    "walking_flow": ("歩行の流れ（幅∝人数）", "Walking flow (width ∝ traffic)"),
    "queue_length": ("待ち人数", "Queue length"),
    "walking_now": ("移動中", "Walking"),
    "play": ("再生", "Play"),
    "pause": ("停止", "Pause"),
    # floor replay (queue counts, text alternative) and counter names
    "queue_count": ("窓口の待ち人数", "People in the counter's queue"),
    "waiting_now": ("待っている人", "Waiting"),
    "alt_replay": (
        "{start}〜{end}の1日を{step}分ごとに再生（{n}コマ）",
        "One day from {start} to {end} replayed every {step} min ({n} frames)",
    ),
    "alt_floor": ("窓口：{counters}", "Counters: {counters}"),
    "alt_floor_util": ("窓口の稼働率：{counters}", "Utilisation of the counters: {counters}"),
    "alt_replay_peak": (
        "最も長い列：{counter}の{n}人（{at}）",
        "Longest queue: {n} people at {counter} ({at})",
    ),
    "variant": ("経路", "Route"),
    "weekdays": ("月,火,水,木,金,土,日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    # scenario lab
    "lab_intro": (
        "職員数・ワンストップで受ける手続き・来庁者数を変えて、ピーク日を再シミュレーションします。",
        "Change staff, what the one-stop takes and arrival volume, then re-simulate a peak day.",
    ),
    "lab_staff": ("窓口ごとの職員数（1〜{max}人）", "Staff per counter (1–{max})"),
    "lab_one_stop": ("ワンストップで受ける手続き", "Procedures the one-stop takes"),
    "lab_one_stop_locked": (
        "ワンストップ窓口だけが受けている手続き {n} 件（{names}）は外せません：改革後のフロアにそれを受ける担当課の窓口がありません（調査ファイルで窓口を加えると試せます）。",
        "{n} procedures ({names}) stay at the one-stop counters: no department counter of the reform floor takes them (add one in the study file to try it).",
    ),
    "lab_cannot_run": (
        "この組み合わせではシミュレーションできません。前回の結果を表示しています。",
        "This combination cannot be simulated; the last results that ran are shown.",
    ),
    "lab_details": ("詳細（調査ファイルの検証結果）", "Details (study checks)"),
    "lab_volume": ("来庁者数の倍率", "Arrival volume factor"),
    "lab_day": ("シミュレーションする日", "Day to simulate"),
    "lab_replications": ("反復回数（2〜{max}）", "Replications (2–{max})"),
    "lab_seed": ("乱数シード", "Seed"),
    "lab_run": ("再実行", "Rerun"),
    "lab_running": ("シミュレーション中…", "Simulating…"),
    "lab_cached": (
        "入力が同じため前回の結果を再利用しました。",
        "Inputs unchanged: previous results reused.",
    ),
    "lab_upload": (
        "調査ファイルをアップロード（TOML、Excel、または調査と方眼図の zip）",
        "Upload a study (TOML, Excel, or a zip of the study and its grid paper)",
    ),
    "lab_upload_too_big": (
        "ファイルが大きすぎます（上限 {limit} MB）。",
        "The file is too large (limit {limit} MB).",
    ),
    "lab_upload_invalid": ("調査ファイルに問題があります：", "The study file has problems:"),
    "lab_upload_grid": (
        "方眼図のブックも一緒に：調査ファイルと方眼図を1つの .zip にするか、方眼図シート入りの調査 .xlsx をアップロードしてください。",
        "Bring the grid paper along: upload one .zip of the study and its grid-paper workbook, "
        "or a study .xlsx with the grid sheets inside.",
    ),
    "lab_upload_zip": (
        "zip には調査ファイル（.toml または調査 .xlsx）がちょうど1つ必要です（見つかったもの：{found}）",
        "The zip needs exactly one study (.toml, or a study .xlsx); found: {found}",
    ),
    "lab_upload_ok": ("調査ファイルを読み込みました：{name}", "Study loaded: {name}"),
    "lab_download_xlsx": ("結果をダウンロード（Excel）", "Download results (Excel)"),
    "lab_download_csv": ("結果をダウンロード（CSV）", "Download results (CSV)"),
    "lab_download_report": ("報告書をダウンロード（HTML）", "Download the report (HTML)"),
    # report
    "report_title": ("窓口改革レポート", "Counter reform report"),
    "report_generated": ("作成日時", "Generated"),
    "report_study": ("調査", "Study"),
    "method_notes": ("方法について", "Method notes"),
    "method_replications": (
        "シミュレーションは {n} 回の反復（シード {seed}）。各反復で現状と改革後に同じ乱数列を使い（共通乱数）、差のばらつきを小さくしています。各反復の指標はその全日を通した値（Σ待ち時間 ÷ Σ呼出件数など）で、表の値は反復の平均、信頼区間は反復間の t 分布による95%区間です。割合（サービスレベルなど）の区間はロジット尺度で作って戻すので0〜100%の内側に収まり、時間の区間は0分未満を切ります。",
        "The simulation ran {n} replications (seed {seed}). Each replication uses the same random numbers for as-is and reform (common random numbers), which narrows the spread of the difference. Each replication's KPI pools all its days (Σ waits ÷ Σ called tickets and so on); the values shown are means over replications with 95% t-intervals across replications. A share's interval (service level and the like) is built on the logit scale and mapped back, so it stays inside 0–100%; a time's interval is cut at 0 min.",
    ),
    "method_observed": (
        "実測の値は全日を通した値（Σ待ち時間 ÷ Σ呼出件数など）です。差の95%信頼区間は日単位のクラスター・ブートストラップ（同じ日の来庁者は同じ混雑を共有するので、1日を丸ごと再抽出）によります。3日未満のログでは来庁単位で再抽出し、その旨を表示します。指標はすべて同じ関数（journeys.metrics）で、実測ログにもシミュレーションのログにも同じように計算しています。",
        "Observed values pool all days (Σ waits ÷ Σ called tickets and so on). Differences carry 95% cluster-bootstrap intervals that resample whole days (residents of one day share its crowding); a log of fewer than 3 days resamples visits instead, and says so. Every KPI is computed by the same function (journeys.metrics) for observed and simulated logs alike.",
    ),
    "interval_days": (
        "信頼区間：{what}（現状 {base} 日・改革後 {alt} 日）",
        "Intervals: {what} (as-is {base} days, reform {alt} days)",
    ),
    "observed_days_matched": (
        "シミュレーションのピーク日 {day} と同じ混雑度の実測日で比較：現状 {base} 日・改革後 {alt} 日",
        "Observed days of the same expected load as the simulated peak day {day}: as-is {base} days, reform {alt} days",
    ),
    "observed_days_all": (
        "実測は全日（現状 {base} 日・改革後 {alt} 日）：シミュレーションのピーク日 {day} と同じ混雑度の日がありません",
        "Observed: every day (as-is {base}, reform {alt}); none has the expected load of the simulated peak day {day}",
    ),
    "resampled_days": ("日単位で再抽出", "whole days resampled"),
    "resampled_visits": (
        "来庁単位で再抽出（日数が少ないため、日ごとの差は反映されません）",
        "visits resampled (too few days to show how days differ)",
    ),
    "method_calibration": (
        "モデル検証の表は、シミュレーションの現状と実測の現状の差です。差が小さいほど、改革後の予測を信頼できます。",
        "The model check compares the simulated as-is with the observed as-is: the smaller the gap, the more the reform forecast can be trusted.",
    ),
    "method_sources": ("データ：{sources}", "Data sources: {sources}"),
    "checklist_title": ("手続きチェックシート", "Procedure checklist"),
    "checklist_intro": (
        "ライフイベントごとに、必要になりうる手続き・担当課・持ち物をまとめました。該当するものに印をつけてお持ちください。",
        "For each life event: the procedures you may need, the department and what to bring. Tick what applies and bring this sheet.",
    ),
    "checklist_procedure": ("手続き", "Procedure"),
    "checklist_department": ("担当課", "Department"),
    "checklist_bring": ("持ち物", "What to bring"),
    "checklist_likelihood": ("必要になる目安", "How often needed"),
    "checklist_always": ("必ず", "always"),
    "checklist_often": ("多くの方", "most people"),
    "checklist_sometimes": ("場合により", "sometimes"),
    "checklist_one_stop": ("ワンストップ窓口で受付", "Handled at the one-stop counter"),
    "checklist_default_bring": (
        "本人確認書類（マイナンバーカード等）",
        "Identity document (e.g. My Number card)",
    ),
    "matched_days": (
        "同じ混雑度の実測日 {n} 日と比較",
        "Compared with {n} observed days of the same expected load",
    ),
    "simulated_days": ("シミュレーションした日：{days}", "Simulated days: {days}"),
    "key_figures": ("主な図", "Key figures"),
    "download_report_file": ("⬇ 報告書（HTML）", "⬇ report (HTML)"),
    "upload_no_observed": (
        "アップロードした調査を表示中：実測ログは同梱サンプル市のものなので比較しません。",
        "Showing the uploaded study: the bundled observed logs describe the sample city, so they are not compared.",
    ),
    "back_to_sample": ("同梱サンプルに戻す", "Back to the bundled sample"),
    "sample_only_page": (
        "このページは同梱サンプル市の実測データ（{what}）だけを表示します。アップロードした調査「{study}」のものではありません。",
        "This page shows only the bundled sample city's observed data ({what}), not the uploaded study “{study}”.",
    ),
    "surveyed_journeys": ("調査した来庁（件）", "Surveyed journeys"),
    "personas": ("ペルソナ", "Personas"),
    "persona": ("ペルソナ", "Persona"),
    "period": ("期間：{start}〜{end}（{n}日）", "Period: {start} – {end} ({n} days)"),
    "period_filter": ("期間を選ぶ", "Period"),
    "wait_target": ("待ち時間の目標（分）", "Wait target (min)"),
    "wait_target_note": (
        "サービスレベル＝目標 {target:g} 分以内に呼ばれた割合（図・表すべて）",
        "Service level = share called within the {target:g}-minute target (every figure and table)",
    ),
    "cases": ("対応件数（件）", "Cases"),
    "service_min_mean": ("平均対応時間（分）", "Mean service (min)"),
    "busy_share": ("対応中（%）", "Busy (%)"),
    "idle_share": ("待機（%）", "Idle (%)"),
    "overtime_share": ("閉庁後の対応（%）", "After closing (%)"),
    "staff_performance": ("職員別の実績", "Performance per staff member"),
    "per_counter_table": ("窓口別の実績", "Performance per counter"),
    "trend_every": ("集計の単位", "Trend by"),
    "by_day": ("日別", "Day"),
    "by_week": ("週別", "Week"),
    "fig_trend": ("{every}の来庁件数と平均待ち時間", "Visits and mean wait by {every}"),
    "date": ("日付", "Date"),
    "visits_axis": ("来庁件数（件）", "Visits"),
    "min_unit": ("分", " min"),
    "hours_axis": ("時間", "Hours"),
    "unit": ("単位", "Unit"),
    "alt_series": ("{name}：{n}点、{low}〜{high}", "{name}: {n} values from {low} to {high}"),
    "measure": ("指標", "Measure"),
    "mean": ("平均", "Mean"),
    "ci_low": ("95%信頼区間（下限）", "95% CI low"),
    "ci_high": ("95%信頼区間（上限）", "95% CI high"),
    "item": ("項目", "Item"),
    "sheet_comparison": ("比較", "comparison"),
    "sheet_summary": ("シナリオ別", "by scenario"),
    "sheet_inputs": ("入力条件", "inputs"),
    "card_better": ("改善", "better"),
    "card_worse": ("悪化", "worse"),
    "card_unclear": ("（差ははっきりしない）", "(no clear difference)"),
    "mean_wait_axis": ("平均待ち時間（分）", "Mean wait (min)"),
    "target_line": ("目標 {target:g} 分", "Target {target:g} min"),
    "tickets_count": ("発券数（枚）", "Tickets"),
    "change_pct": ("変化率（%）", "Change (%)"),
    "pain_points": ("困りごと（件）", "Pain points"),
    "no_data": ("表示するデータがありません", "No data to show"),
    # --- the one wait target (dashfix) ---------------------------------------------------
    "service_level_within": (
        "サービスレベル（{target:g}分以内）",
        "Service level (within {target:g} min)",
    ),
    "wait_target_used": (
        "待ち時間の目標：{target:g}分以内（サイドバーで変更）",
        "Wait target: within {target:g} min (set in the sidebar)",
    ),
}

_ACTIONS: Final[dict[str, tuple[str, str]]] = {
    "walk": ("移動", "Walk"),
    "wait": ("待ち", "Wait"),
    "write": ("記入", "Write"),
    "consult": ("相談", "Consult"),
    "serve": ("手続き", "Serve"),
    "pay": ("支払", "Pay"),
    "receive": ("受取", "Receive"),
    "other": ("その他", "Other"),
}

#: Survey actions in display order with their colours (waiting and writing stand out).
ACTION_COLOURS: Final[dict[str, str]] = {
    "walk": "#8fa9c4",
    "wait": "#c0504d",
    "write": "#f0a030",
    "consult": "#8064a2",
    "serve": "#2a7f62",
    "pay": "#4bacc6",
    "receive": "#9bbb59",
    "other": "#b0b0b0",
}

_SCENARIOS: Final[dict[str, tuple[str, str]]] = {
    "as_is": ("現状", "As-is"),
    "reform": ("改革後", "Reform"),
    "observed": ("実測", "Observed"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The label ``key`` in ``lang`` ("ja" or "en"), with ``{fields}`` filled in.

    An unknown key raises ``KeyError`` so a missing translation is caught by the tests,
    never shown to a manager as a raw key.
    """
    text = _pick(LABELS[key], lang)
    return text.format(**fields) if fields else text


def kpi_label(kpi: str, lang: str = DEFAULT_LANG, *, target_min: float | None = None) -> str:
    """Readable name of a KPI, from :mod:`journeys.kpi_registry` (unknown → ``KeyError``);
    with ``target_min`` the service level names its target ("サービスレベル（10分以内）")."""
    if kpi == "service_level" and target_min is not None:
        return t("service_level_within", lang, target=target_min)
    return registry.label(kpi, lang)


def action_label(action: str, lang: str = DEFAULT_LANG) -> str:
    """Readable name of a survey action (walk, wait, write, …)."""
    pair = _ACTIONS.get(action)
    return _pick(pair, lang) if pair else action


def scenario_label(scenario: str, lang: str = DEFAULT_LANG) -> str:
    """Readable name of a scenario id ("as_is", "reform"; others are shown as they are)."""
    pair = _SCENARIOS.get(scenario)
    return _pick(pair, lang) if pair else scenario


def format_kpi(
    kpi: str, value: float | None, lang: str = DEFAULT_LANG, *, signed: bool = False
) -> str:
    """A KPI value as a manager reads it (see :func:`journeys.kpi_registry.fmt`)."""
    return registry.fmt(kpi, value, lang, signed=signed)
