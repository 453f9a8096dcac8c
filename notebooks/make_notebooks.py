"""Write the four narrative notebooks of the workbench, WITHOUT outputs.

Run ``.venv/bin/python notebooks/make_notebooks.py`` after changing a cell here; the notebooks
only call package functions (journeys, simulation, dashboards), so their logic is tested
elsewhere and ``tests/test_notebooks.py`` executes them top to bottom on the bundled sample.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01-journey-survey.ipynb": [
        (
            "md",
            """# 01 窓口体験調査を読む / Reading the customer-journey survey

職員がペルソナ（転入する4人家族、死亡届の遺族、出生、市内転居、証明書だけ、外国籍住民…）を演じて窓口を回り、
調査員が手順ごとの時間・待ち・記入回数・困りごとを記録した「窓口体験調査」を読みます。

Staff played personas through the counters while observers timed every step, counted how often
name and address were written, and noted pain points. This notebook reads the survey team's
Excel sheet, compares as-is with reform per persona and draws the journeys.""",
        ),
        (
            "md",
            """## 1. 読み込み / Read the sheet
調査員氏名は読み込み時に削除され、困りごと欄のマイナンバーは伏せ字になります（個人情報を持ち込まない）。
Observer names are dropped and My Numbers in free text are masked on read.""",
        ),
        (
            "code",
            """from journeys.paths import sample_file
from journeys.readers import read_survey

result = read_survey(sample_file("survey_sheets.xlsx"))
survey = result.accepted
print("rows read:", result.rows_in, "accepted:", survey.height, "rejected:", result.rejected.height)
print("personal columns dropped:", result.dropped_columns)
survey.head()""",
        ),
        (
            "md",
            """## 2. 行動別の時間 / Where the minutes go
1回の来庁あたり、移動・待ち・記入・手続きに何分かかったか。 Minutes per journey by action, per phase.""",
        ),
        (
            "code",
            """from journeys import survey_metrics as sm

sm.minutes_by_action(survey, per="phase")""",
        ),
        (
            "code",
            """from dashboards import figures as F

F.minutes_by_action(sm.minutes_by_action(survey), lang="ja")""",
        ),
        (
            "md",
            """## 3. ペルソナ別の比較と感情曲線 / Persona comparison and emotion curves""",
        ),
        ("code", """sm.persona_comparison(survey)"""),
        ("code", """F.emotion_curves(sm.emotion_curve(survey), lang="en")"""),
        (
            "md",
            """## 4. 困りごと / Pain points
分類ごとの件数。何を直すと一番効くかの手がかりです。 Counts per category: where fixing helps most.""",
        ),
        ("code", """F.pain_points_figure(sm.pain_points(survey), lang="ja")"""),
    ],
    "02-counter-logs.ipynb": [
        (
            "md",
            """# 02 発券機ログを読む / Reading the ticket-machine logs

発券機のエクスポート（cp932、日本語ヘッダー）をそのまま読み、列を対応付け、個人情報を落とし、
不正な行は理由つきで隔離します。そのうえで、現状と改革後の指標を同じ関数で比べます。

The raw export is read as the machine writes it (cp932, Japanese headers): columns mapped,
personal data dropped, bad rows quarantined with their reason. Then as-is and reform are
compared with the same KPI code, with bootstrap confidence intervals.""",
        ),
        (
            "code",
            """from journeys.paths import sample_file
from journeys.readers import read_counter_log

raw = read_counter_log(sample_file("ticket_export_as_is.csv"))
print("rows:", raw.rows_in, "accepted:", raw.accepted.height, "quarantined:", raw.rejected.height)
print("dropped personal columns:", raw.dropped_columns)
raw.rejected.head()""",
        ),
        (
            "md",
            """## 1. 指標 / KPIs
来庁あたりの窓口数、待ち時間、滞在時間、記入枚数、サービスレベル（15分以内に呼ばれた割合）。""",
        ),
        (
            "code",
            """from journeys.kpi_registry import table
from journeys.metrics import kpis

as_is = read_counter_log(sample_file("counter_log_as_is.parquet")).accepted
reform = read_counter_log(sample_file("counter_log_reform.parquet")).accepted
table(kpis(as_is), lang="ja")  # labels, units and rounding from the KPI registry""",
        ),
        (
            "md",
            """## 2. 現状 vs 改革後（95%信頼区間） / As-is vs reform with 95% CIs""",
        ),
        (
            "code",
            """from journeys.compare import compare_logs
from dashboards.data import verdict

comparison = compare_logs(as_is, reform, n_boot=200, seed=1)
print(verdict(comparison, lang="ja"))
print(verdict(comparison, lang="en"))
comparison""",
        ),
        (
            "md",
            """## 3. 混雑と動線 / Congestion and routes""",
        ),
        (
            "code",
            """from dashboards import figures as F
from journeys.metrics import per_hour

F.wait_heatmap(per_hour(as_is, weekday=True), lang="ja")""",
        ),
        (
            "code",
            """from journeys.flows import flows, variants

F.flows_sankey(flows(as_is), lang="en")""",
        ),
        ("code", """variants(as_is, top=8)"""),
    ],
    "03-calibrate-and-simulate.ipynb": [
        (
            "md",
            """# 03 モデルを合わせて、シミュレーションする / Calibrate, then simulate

実測の現状ログにモデル（到着と対応時間）を合わせ、現状と改革後を同じ住民（共通乱数）でシミュレーションします。
シミュレーションの現状が実測の現状に近ければ、改革後の予測を信頼できます。

The study is fitted to the observed as-is log (arrivals and service times), then as-is and
reform are simulated on the same residents (common random numbers). If the simulated as-is
matches the observed as-is, the reform forecast deserves trust. Small settings here (a few
replications of one peak day); use more for decisions.""",
        ),
        (
            "code",
            """from journeys.paths import sample_file
from journeys.readers import read_counter_log
from simulation.model import load_study
from simulation.calibrate import calibrate

study = load_study(sample_file("study.toml"))
as_is = read_counter_log(sample_file("counter_log_as_is.parquet")).accepted
fit = calibrate(as_is, study)
fit.fit_table.head(10)""",
        ),
        (
            "code",
            """from dashboards.data import peak_day
from simulation.experiments import run_experiment

day = peak_day(fit.study)
result = run_experiment(fit.study, replications=3, seed=20260401, days=[day], progress=False)
print("peak day:", day)
result.summary.head(12)""",
        ),
        (
            "md",
            """## 改革の効果（対応のある差と95%信頼区間） / The reform's effect (paired differences, 95% CI)""",
        ),
        (
            "code",
            """from dashboards.data import verdict

print(verdict(result.comparison, lang="ja", subject="simulated"))
result.comparison""",
        ),
        (
            "md",
            """## モデル検証 / Model check
同じ混雑度の実測日と、シミュレーションの現状を比べます。 Simulated as-is vs observed days of the same expected load.""",
        ),
        (
            "code",
            """from dashboards.results import model_check

check, matched = model_check(fit.study, as_is, result.log, [day], n_boot=100)
print(len(matched), "observed days matched")
check""",
        ),
        (
            "code",
            """from dashboards import figures as F
from dashboards.results import simulated_tables

summary, comparison = simulated_tables(result)
F.ci_error_bars(summary, lang="ja")""",
        ),
    ],
    "04-simulate-your-own-floor.ipynb": [
        (
            "md",
            """# 04 自分の庁舎でシミュレーションする / Simulate your own floor

視察に来た自治体向け：テンプレートをコピーし、自分の窓口・職員・手続きに書き換えて実行します。
ファイルに誤りがあれば、場所つきで全部の問題が表示されます。

For a visiting municipality: copy the template from `data/templates/`, edit it to describe
your counters, staff and procedures, and run. Every problem in the file is listed with its
place. (Excel users: `study_template.xlsx` holds the same content sheet by sheet.)""",
        ),
        (
            "code",
            """import shutil
import tempfile
from pathlib import Path

from journeys.paths import TEMPLATES_DIR

work = Path(tempfile.mkdtemp(prefix="my-city-"))
my_study = work / "my_city.toml"
shutil.copy(TEMPLATES_DIR / "study_template.toml", my_study)
if (TEMPLATES_DIR / "floors.xlsx").exists():
    shutil.copy(TEMPLATES_DIR / "floors.xlsx", work / "floors.xlsx")
print(my_study)""",
        ),
        (
            "md",
            """## 1. 書き換える / Edit
ここではコードで2か所だけ変えます：1日の来庁者数と、改革後の最初のワンストップ窓口の職員数。
実際にはエディタや Excel で自由に書き換えてください。 Here we change two values in code;
in practice edit the file in any editor (or the Excel template).""",
        ),
        (
            "code",
            """import tomllib
import tomli_w

data = tomllib.loads(my_study.read_text(encoding="utf-8"))
data["study"]["name_ja"] = "わがまち市"
data["study"]["name_en"] = "Our Town"
data["arrivals"]["residents_per_day"] = 300.0
reform = next(s for s in data["scenarios"] if s["id"] == "reform")
first = reform["counters"][0]
first["staff"] += 1
for shift in first["shifts"]:
    shift["staff"] = min(first["staff"], shift["staff"] + 1)
my_study.write_text(tomli_w.dumps(data), encoding="utf-8")""",
        ),
        (
            "md",
            """## 2. 確かめる / Check
間違い（例：キーのつづり違い）があると、場所と直し方が表示されます。 A typo is reported with its place and a hint.""",
        ),
        (
            "code",
            """from simulation.model import StudyError, load_study

broken = work / "broken.toml"
broken.write_text(my_study.read_text(encoding="utf-8").replace("residents_per_day", "residents_per_dya"), encoding="utf-8")
try:
    load_study(broken)
except StudyError as problem:
    print(problem)

study = load_study(my_study)
print("OK:", study.study.name_ja, study.scenario_ids)""",
        ),
        (
            "md",
            """## 3. 実行する / Run
ピーク日を3回反復（少なめの設定）。 Three replications of the peak day (small settings).""",
        ),
        (
            "code",
            """from dashboards.data import peak_day, verdict
from simulation.experiments import run_experiment

day = peak_day(study)
result = run_experiment(study, replications=3, seed=7, days=[day], progress=False)
print(verdict(result.comparison, lang="ja", subject="simulated"))
print(verdict(result.comparison, lang="en", subject="simulated"))""",
        ),
        (
            "code",
            """import polars as pl

from dashboards import figures as F
from dashboards.data import floor_frames
from journeys.flows import flows

counters, landmarks = floor_frames(study, "reform")
walk = flows(result.log.filter(pl.col("scenario") == "reform"), by=()).with_columns(pl.col("count") / 3)
F.floor_plan(counters, landmarks, walk, scenario_name="reform", lang="ja")""",
        ),
        (
            "md",
            """## 4. 報告書 / The offline report
1つのHTMLファイル（オフラインで開ける・印刷できる手続きチェックシートつき）。 One HTML file, works offline,
with the printable life-event checklist.""",
        ),
        (
            "code",
            """from dashboards.report import generate_report

report = generate_report(work / "my_city_report.html", study=my_study, replications=3, seed=7)
print(report, round(report.stat().st_size / 1e6, 1), "MB")""",
        ),
    ],
}


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook (no outputs, python3 kernel) and return their paths."""
    written = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=[
                new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells
            ],
            metadata={
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
            },
        )
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p)
