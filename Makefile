# approutes: `make dev` serves the example project on port 3000; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
EXAMPLE ?= examples/basic

.PHONY: dev test lint format typecheck pytest bench clean

$(BIN)/approutes: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "approutes needs Python 3.11 or newer (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

dev: $(BIN)/approutes
	$(BIN)/approutes dev $(EXAMPLE) --port $(PORT)

test: lint typecheck pytest

lint: $(BIN)/approutes
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests

format: $(BIN)/approutes
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

typecheck: $(BIN)/approutes
	$(BIN)/mypy

pytest: $(BIN)/approutes
	$(BIN)/pytest

bench: $(BIN)/approutes
	bash bench/run.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
