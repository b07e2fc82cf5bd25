# approutes: `make dev` serves the example project on port 3000; `make test` runs every check;
# `make e2e` the slow end-to-end ones (wheel install, real browser); `make docs` builds the
# documentation into site/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
EXAMPLE ?= examples/basic
# Every extra, so that the tests run with each optional piece installed.
EXTRAS := dev,granian,websockets,redis,aws,testing,user-agent,external-rewrites,otel,metrics

.PHONY: dev test e2e lint format typecheck pytest fuzz docs bench clean redis-server chromium node nginx swagger-ui

$(BIN)/approutes: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "approutes needs Python 3.11 or newer (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]' --group contributors
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

pytest: $(BIN)/approutes redis-server
	$(BIN)/pytest

# The slow checks of tests/e2e (marker `e2e`, left out of `make test`): the wheel installed into
# fresh virtualenvs (size and package count of the core install, a new project served by
# dev and start), Swagger UI rendered by headless Chromium, and clients generated from the
# example's OpenAPI document (openapi-typescript + tsc from npm, openapi-python-client from
# the package index; installed into $TMPDIR/approutes-e2e-tools, never into the repository),
# deploy/'s files checked against their schemas, and the scale-out run: three instances
# behind nginx sharing one redis-server, restarted one at a time under load.
e2e: $(BIN)/approutes chromium node nginx redis-server
	$(BIN)/pytest -m e2e tests/e2e

# The property tests of tests/fuzz with thousands of examples each (hypothesis's `fuzz`
# profile); `make test` runs them too, with a bounded, derandomized number (`ci`).
fuzz: $(BIN)/approutes
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz

# The Redis cache store's tests start a real redis-server on a free loopback port.
redis-server:
	@bash scripts/need-package.sh redis-server "the Redis cache store tests" redis-server

# Debian's chromium, for the browser check of `make e2e`.
chromium:
	@bash scripts/need-package.sh chromium "the browser check of make e2e" chromium

# Node.js and npm, for the TypeScript client check of `make e2e` (openapi-typescript, tsc).
node:
	@bash scripts/need-package.sh npm "the TypeScript client check of make e2e" nodejs npm

# Debian's nginx, for the scale-out check of `make e2e` (deploy/nginx/approutes.conf in front
# of three instances).
nginx:
	@bash scripts/need-package.sh nginx "the scale-out check of make e2e" nginx

# Refresh the vendored Swagger UI of the dev docs page from npm's swagger-ui-dist (needs npm);
# SWAGGER_UI picks the version (a major, or an exact one such as 5.36.0).
SWAGGER_UI ?= 5
swagger-ui:
	bash scripts/update-swagger-ui.sh $(SWAGGER_UI)

# The user documentation (docs/, mkdocs.yml), checked strictly: a broken link or a page left
# out of the nav fails the build.
docs: $(BIN)/approutes
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(BIN)/approutes
	bash bench/run.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
