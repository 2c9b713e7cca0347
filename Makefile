# Servicepuls — two commands do everything: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint sample-examples screenshot clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Servicepuls needs Python 3.11+, found " + sys.version.split()[0] + " — run e.g. make PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: venv, install, sample city, import (only what is new), dashboard on :8501
demo: $(STAMP)
	$(BIN)/servicepuls demo

## test: the whole suite (PostgreSQL and browser tests skip with a reason where absent), on
## TEST_WORKERS processes (pytest-xdist; TEST_WORKERS=0 runs it serially in one process);
## PYTEST_ARGS go to pytest as well, e.g. PYTEST_ARGS="tests/test_browser.py -x".
## 4 workers on 2 cores: browser tests mostly wait for Streamlit and Chromium. loadfile keeps
## a file on one worker, so its module fixtures (real-data imports) are built only once.
TEST_WORKERS ?= 4
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## bench: import and cube timings vs the goals → BENCHMARKS.md (BENCH_SIZES=1000000,10000000)
bench: $(STAMP)
	@$(BIN)/python -c 'import duckdb, pandas' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m tests.benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check connectors metrics dashboard sample_data tests

## sample-examples: refresh the small committed sample export
sample-examples: $(STAMP)
	$(BIN)/servicepuls sample --cases 2000 --out sample_data/examples

clean:
	rm -rf $(VENV) data test-artifacts .pytest_cache
