# The two commands: `make run` starts the service on the embedded defaults,
# `make test` runs the whole test suite (lint, types, layering, unit, integration, end to end).
# Both create the virtual environment in .venv when needed, from the lock file.
# `make check` is the quick one for while you work: lint, types, layering and the unit tests,
# in seconds, with no services.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint typecheck layers services lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/leertraject db upgrade
	$(BIN)/leertraject run

services:
	sh scripts/install-test-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict

# The dependency rule between the rooms (contracts in pyproject.toml, [tool.importlinter]).
layers: $(STAMP)
	$(BIN)/lint-imports --no-cache --no-logo

check: lint typecheck layers
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

# A test that needs a real server fails when it would be skipped (tests/server_skips.py).
test: $(STAMP) services lint typecheck layers
	$(BIN)/pytest -q -p no:cacheprovider

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
