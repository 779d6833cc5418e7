# Everything runs in a project-local virtual environment made by the first target that needs it.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: summarize seeds/ offline (no API key) into out/seeds-summary.md and .json
demo: $(STAMP)
	$(BIN)/briefer summarize seeds/ -o out/seeds-summary.md
	$(BIN)/briefer summarize seeds/ --format json -o out/seeds-summary.json

## test: the whole test suite, offline
test: $(STAMP)
	$(BIN)/python -m pytest

## bench: throughput and memory figures (not part of the tests)
bench: $(STAMP)
	$(BIN)/python bench/bench_chunking.py
	$(BIN)/python bench/bench_extractive.py

lint: $(STAMP)
	$(BIN)/ruff check briefer tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out build dist .pytest_cache .hypothesis
