# CivicPortal — the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is a local trial: Django's debug mode (a development key, emails written to
# var/mail/) unless DEBUG is set otherwise, and links in emails and pages that name the
# address it serves on. SEED_DEMO=1 seeds a database that is not the embedded default too.
DEBUG ?= 1
SITE_URL ?= http://$(HOST):$(PORT)
RUN_ENV := DEBUG=$(DEBUG) SITE_URL=$(SITE_URL)
SEED_DEMO ?=

# Tests run against the real services: PostgreSQL, Redis, a Celery worker (docs/specification.md §6).
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/civicportal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
# The browser journeys run beside the other tests (see `test`), on a database and a Redis
# database of their own.
TEST_E2E_DATABASE_URL ?= postgres://root@127.0.0.1:5432/civicportal_e2e
TEST_E2E_REDIS_URL ?= redis://127.0.0.1:6379/3
TEST_SETTINGS := SECRET_KEY=test-secret-key-not-for-production CENSUS_HASH_KEY=test-census-key \
	DEBUG=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend INSECURE_HTTP=1 \
	FAST_PASSWORD_HASHER=1 ALLOWED_HOSTS=127.0.0.1,localhost,testserver
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(TEST_SETTINGS)
TEST_E2E_ENV := DATABASE_URL=$(TEST_E2E_DATABASE_URL) REDIS_URL=$(TEST_E2E_REDIS_URL) \
	$(TEST_SETTINGS)
# What `check --deploy` sees: a production-like configuration (not used to serve anything).
DEPLOY_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DEBUG=0 \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	CENSUS_HASH_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	EMAIL_URL=smtp+tls://smtp.example.org:587 \
	ALLOWED_HOSTS=portal.example.org SITE_URL=https://portal.example.org
# Translations and static files are built as the production image builds them (DEBUG off:
# hashed file names and a manifest); no database, key or mail relay is used for that.
BUILD_ENV := DEBUG=0 SECRET_KEY=build-only-not-a-secret CENSUS_HASH_KEY=build-only-not-a-secret \
	EMAIL_URL=smtp://localhost

.PHONY: help install assets static run worker beat migrate seed test lint format smoke \
	test-py test-unit test-browser test-e2e-embedded messages clean

help:
	@echo "make run      install, migrate, seed demo data, build assets, serve on $(HOST):$(PORT)"
	@echo "make test     lint, migration check, deploy check, embedded smoke, pytest on PostgreSQL,"
	@echo "             the browser journeys again on the embedded default (SQLite)"
	@echo "make worker   a Celery worker (needs REDIS_URL)     make beat   the Celery beat scheduler"
	@echo "make lint     ruff check + format check             make format  apply ruff fixes"
	@echo "make messages update and compile translation catalogues"

$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync --frozen --inexact --all-extras --quiet
	touch $@

install: $(VENV)/.installed

static/node_modules/.package-lock.json: static/package.json static/package-lock.json
	cd static && npm ci --no-audit --no-fund --loglevel=error

assets: install static/node_modules/.package-lock.json
	$(BUILD_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=static -v 0
	$(BUILD_ENV) $(PY) manage.py collectstatic --noinput -v 0

migrate: install
	mkdir -p var
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0

# Only an empty embedded database gets the demo city, unless SEED_DEMO=1 asks for it.
seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo $(if $(filter 1,$(SEED_DEMO)),,--if-empty --only-embedded)

# With REDIS_URL set, a worker and beat run beside the web server and stop with it.
run: assets seed
	@echo "CivicPortal is starting on $(SITE_URL)/ (Ctrl+C stops it); emails land in var/mail/"
	@if [ -n "$$REDIS_URL" ]; then \
		trap 'kill 0' EXIT INT TERM; \
		$(RUN_ENV) $(VENV)/bin/celery -A civicportal worker --loglevel=INFO --concurrency=2 & \
		$(RUN_ENV) $(VENV)/bin/celery -A civicportal beat --loglevel=INFO \
			--schedule=var/celerybeat-schedule & \
	fi; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(RUN_ENV) $(VENV)/bin/celery -A civicportal worker --loglevel=INFO \
		--concurrency=$${WORKER_CONCURRENCY:-2}

beat: install
	mkdir -p var
	$(RUN_ENV) $(VENV)/bin/celery -A civicportal beat --loglevel=INFO \
		--schedule=var/celerybeat-schedule

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(BUILD_ENV) $(PY) manage.py makemessages -l is --ignore=.venv --ignore=static/node_modules --ignore=var --ignore=tests --ignore=bench
	$(BUILD_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=static

# The embedded default, as a newcomer gets it: SQLite, tasks in-process, demo data, pages.
smoke: assets
	rm -rf var/smoke && mkdir -p var/smoke
	env -u DATABASE_URL -u REDIS_URL SQLITE_PATH=$(CURDIR)/var/smoke/db.sqlite3 $(RUN_ENV) \
		EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
		$(PY) -m civicportal.core.smoke

# Two streams side by side, so that neither core of a small machine waits: the unit and
# worker tests on PostgreSQL, and the browser journeys (on PostgreSQL, then again on the
# embedded default). Each stream's output is printed whole when it ends.
test: lint assets
	env -u DATABASE_URL SQLITE_PATH=$(CURDIR)/var/migrations-check.sqlite3 $(BUILD_ENV) \
		$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory smoke
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target test-unit test-browser

# The API fuzz tests (about two minutes, no browser) run in the browser stream, on its
# database: that keeps the two streams of `make test` about equally long.
BALANCED_TO_BROWSER := tests/security/test_api_fuzz.py

test-unit: assets
	$(TEST_ENV) $(VENV)/bin/pytest --ignore=tests/e2e $(addprefix --ignore=,$(BALANCED_TO_BROWSER)) \
		$(PYTEST_ARGS)

test-browser: assets
	$(TEST_E2E_ENV) $(VENV)/bin/pytest tests/e2e $(BALANCED_TO_BROWSER) $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-e2e-embedded

# The browser journeys again on the embedded default, as `make run` serves it: SQLite (the
# test database a file under var/e2e/, made afresh), no Redis, tasks in-process. Journeys
# that need a real Celery worker are skipped there (tests/e2e/conftest.py).
E2E_EMBEDDED_ARGS ?=
test-e2e-embedded: assets
	mkdir -p var/e2e
	env -u DATABASE_URL -u REDIS_URL SQLITE_PATH=$(CURDIR)/var/e2e/civicportal.sqlite3 \
		$(filter-out DATABASE_URL=% REDIS_URL=%,$(TEST_ENV)) \
		$(VENV)/bin/pytest tests/e2e -m e2e --create-db $(E2E_EMBEDDED_ARGS)

test-py: assets
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf var static/node_modules
