# Baraza: two commands do the whole set-up on a fresh machine.
#   make demo   - install, migrate, seed the demo and serve it on http://127.0.0.1:$(BARAZA_PORT)
#   make test   - install what the tests need (Chromium, PostgreSQL) and run the whole suite
#                 on SQLite and on PostgreSQL

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
BARAZA_PORT ?= 8000
export BARAZA_PORT
# Python caches each module it compiles (__pycache__, ignored by git). Some machines set
# PYTHONDONTWRITEBYTECODE=1, and then every process compiles every module it imports from source
# again: 3.9 s instead of 1.6 s to start Baraza, more with scikit-learn and spaCy's languages, in
# each test worker and each server a test starts (docs/decisions.md).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test install install-dev assets serve migrate lint clean test-sqlite test-postgres bench

$(VENV)/.runtime: requirements.txt pyproject.toml scripts/system-packages scripts/install-python
	./scripts/system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	./scripts/install-python -r requirements.txt
	$(PIP) install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	./scripts/install-python -r requirements-dev.txt
	touch $@

static/vendor/htmx.min.js: package.json package-lock.json scripts/build-assets
	./scripts/build-assets

install: $(VENV)/.runtime static/vendor/htmx.min.js
install-dev: $(VENV)/.dev static/vendor/htmx.min.js
assets: static/vendor/htmx.min.js

demo: install
	$(VENV)/bin/baraza demo --serve

serve: install
	$(VENV)/bin/baraza serve

migrate: install
	$(VENV)/bin/baraza migrate

test: install-dev
	./scripts/test-services
	./scripts/run-tests

test-sqlite: install-dev
	$(VENV)/bin/pytest -q

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install-dev
	./scripts/test-services
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor var test-artifacts
