# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test venv lint typecheck check servers benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

venv: $(STAMP_RUN)

## run: create the venv, install, run the suites and drills on the built-in reference workload
run: $(STAMP_RUN)
	$(BIN)/cavra benchmark run

## servers: install Prometheus, Alertmanager, Pushgateway (Debian packages) where missing
servers:
	bash scripts/install-test-servers.sh

## test: venv with test extras, the real servers, lint, types, the whole suite
test: $(STAMP_TEST) servers
	$(BIN)/ruff check cavra_prom tests benchmarks scripts
	$(BIN)/ruff format --check cavra_prom tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP_TEST)
	$(BIN)/ruff check cavra_prom tests benchmarks scripts
	$(BIN)/ruff format --check cavra_prom tests benchmarks scripts

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

## benchmarks: every figure in docs/benchmarks.md; a script exits 1 when it misses its target,
## and the rest still run (make prints "Error 1 (ignored)" for it)
benchmarks: $(STAMP_TEST) servers
	-$(BIN)/python benchmarks/overhead.py
	-$(BIN)/python benchmarks/fidelity.py
	-$(BIN)/python benchmarks/regression_quality.py
	-$(BIN)/python benchmarks/evaluator_scale.py
	-$(BIN)/python benchmarks/serve_load.py
	-$(BIN)/python benchmarks/time_to_page.py
	-$(BIN)/python benchmarks/http_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
