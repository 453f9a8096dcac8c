# Madoguchi workbench — two commands set up a fresh machine:
#   make demo   creates .venv if missing, installs the project, runs the main job on the bundled sample
#   make test   creates .venv if missing, runs ruff, mypy and pytest
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= reports/demo
SEED   ?= 20260401

.PHONY: demo test lint typecheck pytest dashboard bench sample lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/madoguchi sample --check
	$(BIN)/madoguchi validate data/sample/ticket_export_as_is.csv --quarantine $(OUT)/quarantine_as_is.csv
	@echo ""
	@echo "Outputs are in $(OUT)/ — 出力先: $(OUT)/"

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

sample: $(STAMP)
	$(BIN)/madoguchi sample --seed $(SEED) --out data/sample

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) reports/demo .pytest_cache .mypy_cache .ruff_cache
