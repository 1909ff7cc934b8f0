# Kith — the two commands: `make run` and `make test`. Each sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
KITH := $(VENV)/bin/kith
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/kith_test

.PHONY: synapse run test test-fast test-postgres test-browser lint bench bench-load lock setup clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Kith needs Python 3.11, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

# A real Matrix homeserver for the Matrix contract tests, in its own virtualenv: Synapse's
# dependencies (Twisted and friends) stay out of Kith's.
SYNAPSE_VENV := .venv-synapse
SYNAPSE_VERSION := 1.163.2
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed-$(SYNAPSE_VERSION)

$(SYNAPSE_STAMP):
	@test -x $(SYNAPSE_VENV)/bin/python || $(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "matrix-synapse==$(SYNAPSE_VERSION)"
	@touch $(SYNAPSE_STAMP)

synapse: $(SYNAPSE_STAMP)

var/secret_key:
	@mkdir -p var
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	@echo "Generated a secret key in var/secret_key"

run: $(STAMP) var/secret_key
	$(KITH) migrate --noinput -v0
	$(KITH) collectstatic --noinput -v0
	$(KITH) seed_demo --if-empty
	$(KITH) run

# The whole suite on SQLite (and on PostgreSQL too when KITH_TEST_DATABASE_URL is set),
# then the browser tests in headless Chromium (skipped with a message if it is missing).
test: $(STAMP) $(SYNAPSE_STAMP)
	$(PY) -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist loadgroup -q
	$(MAKE) --no-print-directory test-browser

test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist loadgroup -q

test-postgres: $(STAMP) $(SYNAPSE_STAMP)
	KITH_TEST_DATABASE_URL=$${KITH_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(PY) -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist loadgroup -q

test-browser: $(STAMP)
	$(PY) -m pytest -m browser -q -p no:randomly

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy kith config

bench: $(STAMP)
	$(PY) bench/import_people.py --rows 100000
	$(PY) bench/directory_search.py --people 100000
	$(PY) bench/matching.py --people 20000
	$(PY) bench/connect_preview.py --people 300
	$(PY) bench/pulse.py --people 100000
	$(PY) bench/bandmap.py --people 100000
	$(PY) bench/insights.py
	$(PY) bench/span.py
	$(PY) bench/gatherings.py
	$(PY) bench/boundaries.py --people 100000
	$(PY) bench/integrations.py

# Many people at once: the 100k demo on PostgreSQL (seeded into an empty kith_load database the
# first time, about 5 minutes), the production server, 10 and 50 users (docs/benchmarks.md).
bench-load: $(STAMP)
	$(PY) bench/load.py --seed --database-url $${KITH_LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kith_load}

lock: $(STAMP)
	(echo "# Pinned versions for every install (pip -c). Regenerate with: make lock"; \
	 $(PY) -m pip freeze --exclude-editable | grep -v '^-e') > requirements.lock

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) var/static .pytest_cache .mypy_cache .ruff_cache
