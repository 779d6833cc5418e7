# Everything runs in a project-local virtual environment made by the first target that needs it.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# The benchmarks' peers (LangChain's splitters, sumy) live in their own environment, never in
# briefer's runtime dependencies.
BENCH_VENV  ?= .venv-bench
BENCH_STAMP  = $(BENCH_VENV)/.installed
# Debian packages installed when missing (apt-get as root, else through sudo).
# weasyprint (PDF) needs Pango and HarfBuzz; fonts cover Latin, Arabic/Persian and CJK text.
DEBIAN_PACKAGES ?= libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-dejavu-extra fonts-droid-fallback

.PHONY: demo test eval bench lint clean system-deps preview settings-table check-model

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || $(MAKE) --no-print-directory system-deps DEBIAN_PACKAGES="python3-venv $(DEBIAN_PACKAGES)"
	@[ -z "$(strip $(DEBIAN_PACKAGES))" ] || $(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## system-deps: install the Debian packages in DEBIAN_PACKAGES that are not installed yet
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## demo: the daily brief of seeds/ offline (no API key) into out/briefs/, and a summary
demo: $(STAMP)
	$(BIN)/briefer brief seeds/ --output-dir out/briefs --cache out/briefer.db --all --format md,json,html,pdf
	$(BIN)/briefer summarize seeds/ -o out/seeds-summary.md

## test: the whole test suite, offline
test: $(STAMP)
	$(BIN)/python -m pytest

## eval: score the offline engine on the hand-labelled pages in tests/eval (ARGS="--split holdout", "--base-url URL")
eval: $(STAMP)
	$(BIN)/python -m tests.eval.score $(ARGS)

## check-model: refit the offline risk model (cross-validation included, about a minute) and fail
## if briefer/data/risk_model.json is not what the labelled pages give
check-model: $(STAMP)
	$(BIN)/python -m tests.eval.train_risk --check

## lint: ruff and mypy (strict)
lint: $(STAMP)
	$(BIN)/ruff check briefer tests bench
	$(BIN)/ruff format --check briefer tests bench
	$(BIN)/mypy

$(BENCH_STAMP): pyproject.toml
	@[ -z "$(strip $(DEBIAN_PACKAGES))" ] || $(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

## bench: the performance table, each row against its peer or limit in one run (not tests)
bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/bench_table.py
	$(BENCH_VENV)/bin/python bench/bench_extractive.py
	$(BENCH_VENV)/bin/python bench/bench_dedup_cluster.py
	$(BENCH_VENV)/bin/python bench/bench_batch.py
	$(BENCH_VENV)/bin/python bench/bench_llm_repairs.py
	$(BENCH_VENV)/bin/python bench/bench_evidence.py
	$(BENCH_VENV)/bin/python bench/bench_memory.py

## settings-table: write the README's settings table from briefer/declarations.py
settings-table: $(STAMP)
	$(BIN)/python -c 'import pathlib, briefer.declarations as d; p = pathlib.Path("README.md"); \
	p.write_text(d.with_table(p.read_text(encoding="utf-8")), encoding="utf-8")'

## preview: page 1 of the seed brief's PDF as docs/seed-brief-page1.png (needs poppler-utils)
preview: demo
	$(MAKE) --no-print-directory system-deps DEBIAN_PACKAGES=poppler-utils
	mkdir -p docs
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile out/briefs/latest.pdf docs/seed-brief-page1

clean:
	rm -rf $(VENV) $(BENCH_VENV) out build dist .pytest_cache .hypothesis .mypy_cache .ruff_cache
