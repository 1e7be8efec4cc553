# One command runs every check: `make check` (format, lint, types, import contracts, tests).
VENV ?= .venv
# Test workers (pytest-xdist): CI has two cores. `make test JOBS=0` runs in one process.
JOBS ?= 2
BIN := $(VENV)/bin

.PHONY: install check format lint types contracts test bench screenshots

install:
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[dev]'

check: format lint types contracts test

format:
	$(BIN)/ruff format --check src tests bench scripts

lint:
	$(BIN)/ruff check src tests bench scripts

types:
	$(BIN)/mypy

contracts:
	$(BIN)/lint-imports

test:
	$(BIN)/python -m pytest -q -n $(JOBS)

bench:
	bench/run all

screenshots:
	$(BIN)/python scripts/screenshots.py
