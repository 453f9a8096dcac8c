# Madoguchi workbench — two commands set up a fresh machine:
#   make demo   creates .venv if missing, installs the project, runs the main job on the bundled sample
#   make test   creates .venv if missing, runs ruff, mypy and pytest
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= reports/demo
SEED   ?= 20260401

.PHONY: demo test lint typecheck pytest dashboard lab bench sample lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@echo "== 1/8 同梱サンプルの再現性 / the bundled sample is reproducible"
	$(BIN)/madoguchi sample --check
	@echo "== 2/8 検証 / validate the raw ticket export and the survey sheets"
	$(BIN)/madoguchi validate data/sample/ticket_export_as_is.csv --quarantine $(OUT)/quarantine_as_is.csv
	$(BIN)/madoguchi validate data/sample/survey_sheets.xlsx --kind survey --quarantine $(OUT)/quarantine_survey.csv
	@echo "== 3/8 分析 / analyse the observed logs and the journey survey"
	$(BIN)/madoguchi analyze --log data/sample/ticket_export_as_is.csv --survey data/sample/survey_sheets.xlsx --scenario as_is --study data/sample/study.toml --out $(OUT)/analysis_as_is
	$(BIN)/madoguchi analyze --log data/sample/ticket_export_reform.csv --scenario reform --study data/sample/study.toml --out $(OUT)/analysis_reform
	@echo "== 4/8 較正 / calibrate the study on the observed as-is log"
	$(BIN)/madoguchi calibrate data/sample/counter_log_as_is.parquet --study data/sample/study.toml --scenario as_is --survey data/sample/survey.parquet --out $(OUT)/calibrated_study.toml --fit-table $(OUT)/fit_table.csv
	@echo "== 5/8 シミュレーション / simulate as-is vs reform (common random numbers, 95% CI)"
	$(BIN)/madoguchi simulate data/sample/study.toml --replications 10 --days 5 --seed $(SEED) --out $(OUT)/simulation
	@echo "== 6/8 報告書 / the offline HTML report"
	$(BIN)/madoguchi report --out $(OUT)/report.html --replications 10 --seed $(SEED)
	@echo "== 7/8 人員計画 / staffing plan for the busiest day (2026-03-30, reform; coarse: 3 replications)"
	$(BIN)/madoguchi plan data/sample/study.toml --scenario reform --date 2026-03-30 --replications 3 --seed $(SEED) --out $(OUT)/planned_study.toml --table $(OUT)/plan.csv
	@echo "== 8/8 混雑予想カレンダー / congestion calendar for the peak months (2027-03, 2027-04)"
	$(BIN)/madoguchi forecast --log data/sample/counter_log_as_is.parquet --study data/sample/study.toml --from 2027-03-01 --to 2027-04-30 --replications 3 --seed $(SEED) --out $(OUT)/calendar.html --csv $(OUT)/forecast.csv
	$(BIN)/madoguchi forecast --log data/sample/counter_log_as_is.parquet --study data/sample/study.toml --backtest --replications 3 --seed $(SEED)
	@echo ""
	@echo "出力先 / outputs: $(OUT)/"
	@echo "  quarantine_*.csv / .xlsx  (rejected rows: fix in Excel, re-import with validate)"
	@echo "  analysis_as_is/  analysis_reform/  (KPIs, tables, analysis.xlsx, event_log.xes.gz for ProM/PM4Py)"
	@echo "  calibrated_study.toml  fit_table.csv"
	@echo "  simulation/  (log.parquet, kpi_summary.csv, comparison.csv)"
	@echo "  report.html  (offline, self-contained)"
	@echo "  planned_study.toml  plan.csv  (staff per counter and hour, verified)"
	@echo "  calendar.html  forecast.csv  (窓口混雑予想カレンダー, offline)"
	@echo "  README の出力一覧 / every file and the program that opens it: README.md, 'Outputs'"

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check journeys simulation dashboards madoguchi tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

dashboard: $(STAMP)
	$(BIN)/madoguchi dashboard

lab: $(STAMP)
	$(BIN)/madoguchi lab

sample: $(STAMP)
	$(BIN)/madoguchi sample --seed $(SEED) --out data/sample
	$(BIN)/python -m simulation.excel --sample

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) reports/demo .pytest_cache .mypy_cache .ruff_cache
