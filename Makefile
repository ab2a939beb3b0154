# The portal's everyday commands. `make run` serves a demo on http://127.0.0.1:8000; `make test`
# runs the whole test suite against PostgreSQL and Redis. Each installs what is missing first
# (system packages, the virtual environment, the front-end build) and skips what is done.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
VENV_STAMP := $(VENV)/.installed
ASSET_STAMP := static/dist/.built
ASSET_INPUTS := package.json $(wildcard package-lock.json) scripts/build-assets \
	$(shell find static/scss -type f 2>/dev/null)

# Tests talk to real services; both are overridable from the environment.
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

APP_PACKAGES := core portal accounts governance approvals incidents consent

.PHONY: help run test lint check-deploy bench load install install-test install-load system-deps \
	system-deps-test assets migrate clean backup restore

help:
	@echo "make run           serve the portal with demo data on http://127.0.0.1:8000"
	@echo "make test          run the tests (PostgreSQL and Redis on 127.0.0.1; DATABASE_URL and"
	@echo "                   CELERY_BROKER_URL override them)"
	@echo "make lint          ruff, bandit, semgrep (.semgrep/), import layers (.importlinter) and"
	@echo "                   missing migrations"
	@echo "make check-deploy  Django's deployment checks with production-like settings"
	@echo "make bench         seed trust-scale data in PostgreSQL and print server times and query"
	@echo "                   counts of the main pages and jobs (BENCH_DATABASE_URL overrides it)"
	@echo "make load          load-test the main pages through gunicorn on the benchmark's data"
	@echo "make backup        back up the database and the private files, with a manifest of hashes"
	@echo "                   (BACKUP_DIR, default var/backups; see docs/operations.md)"
	@echo "make restore       restore BACKUP=<folder> into an empty database (RESTORE_DATABASE_URL)"
	@echo "                   and an empty files folder (RESTORE_FILES), then check both against it"
	@echo "make clean         remove the virtual environment, built assets and local data (var/)"

# --- Installation (each step is skipped when already done) ---------------------------------

system-deps:
	@bash scripts/install-system-deps

system-deps-test:
	@bash scripts/install-system-deps --test

$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: system-deps $(VENV_STAMP)

install-test: system-deps-test $(VENV_STAMP)

# The load generator is kept out of the everyday environment.
install-load: install
	$(PY) -m pip install --quiet -e ".[dev,load]"

# The front-end build (GOV.UK Frontend compiled by npm); redone when its inputs change or
# node_modules is gone (the browser tests read axe-core from there).
assets:
	@[[ -d node_modules ]] || rm -f $(ASSET_STAMP)
	@$(MAKE) --no-print-directory $(ASSET_STAMP)

$(ASSET_STAMP): $(ASSET_INPUTS)
	bash scripts/build-assets
	@touch $@

# --- Running -----------------------------------------------------------------------------------

migrate: install
	DJANGO_DEBUG=true $(MANAGE) migrate --noinput

run: install assets migrate
	DJANGO_DEBUG=true $(MANAGE) seed_demo
	VENV=$(VENV) bash scripts/run-portal

# --- Checks ------------------------------------------------------------------------------------

test: export DATABASE_URL := $(DATABASE_URL)
test: export CELERY_BROKER_URL := $(CELERY_BROKER_URL)
test: install-test assets
	$(PY) scripts/check-services
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Low-severity findings are ruff's S rules, reviewed line by line with noqa; bandit gates
	@# the medium and high ones.
	$(VENV)/bin/bandit -q -ll -r $(APP_PACKAGES) -x '*/migrations/*'
	@# The project's own rules (.semgrep/): offline, no metrics, any finding fails.
	$(VENV)/bin/semgrep scan --quiet --error --metrics=off --disable-version-check \
		--config .semgrep/rules $(APP_PACKAGES) templates
	@# Each rule fires on its own test cases and nowhere else.
	$(VENV)/bin/semgrep --test --quiet --metrics=off --disable-version-check \
		--config .semgrep/rules .semgrep/tests
	@# Imports point down the layers only (contracts in .importlinter).
	$(VENV)/bin/lint-imports --no-cache
	@# Every model change has its migration (an in-memory database: nothing is written).
	DJANGO_DEBUG=true DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run

# Production-like settings: DEBUG off, a long random key, a real host name.
check-deploy: install
	DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=portal.example \
	$(MANAGE) check --deploy --fail-level WARNING

# --- Measuring -----------------------------------------------------------------------------------

# Trust-scale data in its own PostgreSQL database; the table is printed and written to docs/.
# The benchmark (benchmarks/) is tooling kept out of the shipped packages: run as a module.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_ARGS ?=

# Production settings (DEBUG off) want a secret key; a throwaway one unless one is given.
BENCH_SECRET = $${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')}

bench: export DATABASE_URL := $(BENCH_DATABASE_URL)
bench: export DJANGO_SETTINGS_MODULE := portal.settings
bench: install assets
	DJANGO_SECRET_KEY="$(BENCH_SECRET)" $(PY) -m benchmarks $(BENCH_ARGS)

load: export DATABASE_URL := $(BENCH_DATABASE_URL)
load: install-load assets
	VENV=$(VENV) bash scripts/load-test

# --- Backups (docs/operations.md) ----------------------------------------------------------------

# The private files folder as the portal's settings find it.
PRIVATE_FILES ?= $(or $(PORTAL_PRIVATE_MEDIA),$(or $(PORTAL_VAR_DIR),var)/private)
BACKUP_DIR ?= var/backups
RESTORE_DATABASE_URL ?= $(DATABASE_URL)
RESTORE_FILES ?= $(PRIVATE_FILES)

backup: install
	$(PY) scripts/portal_backup.py backup --database-url "$(DATABASE_URL)" --files "$(PRIVATE_FILES)" \
		--to "$(BACKUP_DIR)"

restore: install
	@[[ -n "$(BACKUP)" ]] || { echo "Say which backup: make restore BACKUP=$(BACKUP_DIR)/<name>"; exit 2; }
	$(PY) scripts/portal_backup.py restore --from "$(BACKUP)" --database-url "$(RESTORE_DATABASE_URL)" \
		--files "$(RESTORE_FILES)"

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles var
