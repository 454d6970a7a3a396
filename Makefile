# MARAC Manager. `make run` serves the app with demo data; `make test` runs the whole suite.
# Everything the project needs is installed here when missing (Debian packages, Python
# virtual environment, front-end assets), so a fresh machine needs nothing done by hand.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app marac_app
APT_PACKAGES := chromium fonts-liberation fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# `make run PORT=5050 HOST=0.0.0.0`: where the development server listens; links in emails
# follow it (MARAC_PUBLIC_BASE_URL, unless you set that yourself).
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run run-prod worker scheduler chase-actions lock security-scan test test-sqlite test-postgres install assets system-deps migrate seed lint clean

run: install assets system-deps migrate
	@export MARAC_PUBLIC_BASE_URL="$${MARAC_PUBLIC_BASE_URL:-http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)}"; \
	$(FLASK) seed-demo --if-empty && \
	echo "" && \
	echo "MARAC Manager is starting on http://$(HOST):$(PORT) (Ctrl+C stops it)." && \
	exec $(FLASK) run --host $(HOST) --port $(PORT)

test: install assets system-deps
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$MARAC_TEST_DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "MARAC_TEST_DATABASE_URL is not set: the PostgreSQL pass was skipped (.ci/run sets it)."; \
	fi

# Two passes per database: everything but the browser journeys spread over the cores
# (pytest-xdist; each worker has its own database), then the browser journeys in one process
# (they share one live server, in file order). Either pass collecting no test fails.
PYTEST := $(BIN)/pytest -q -p no:cacheprovider
XDIST ?= -n 2

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	env -u MARAC_TEST_DATABASE_URL $(PYTEST) $(XDIST) --ignore=tests/browser
	env -u MARAC_TEST_DATABASE_URL $(PYTEST) tests/browser

test-postgres:
	@echo "=== Test suite on PostgreSQL ($$MARAC_TEST_DATABASE_URL) ==="
	$(PYTEST) $(XDIST) --ignore=tests/browser
	$(PYTEST) tests/browser

install: $(VENV)/.installed

# Every Python package at the version and hash in requirements.lock (pip refuses any other
# file), then the app itself without its dependencies. `make lock` updates the lock after a
# change to pyproject.toml's dependencies (tests/test_lock.py checks they agree).
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

lock: install
	$(BIN)/pip install --quiet pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
		--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra test \
		--upgrade -o requirements.lock pyproject.toml

assets: static/dist/app.css

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/dist/app.css: node_modules/.installed $(wildcard static/src/*) scripts/build-assets.mjs
	node scripts/build-assets.mjs

# Debian packages: chromium for the browser tests, Pango for WeasyPrint, poppler for pdfinfo.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

migrate: install
	@$(FLASK) db upgrade

seed: install migrate
	@$(FLASK) seed-demo

# Production-like: gunicorn on PostgreSQL (set MARAC_SECRET_KEY, MARAC_DATABASE_URL, MARAC_RATELIMIT_STORAGE_URI).
run-prod: install assets
	MARAC_ENV=production $(FLASK) db upgrade
	MARAC_ENV=production $(BIN)/gunicorn --workers $${WORKERS:-4} --bind $${BIND:-127.0.0.1:8000} 'marac_app:create_app()'

# Production background-job worker (RQ on Redis): run beside `make run-prod`.
worker: install
	MARAC_ENV=production $(BIN)/rq worker --url $${MARAC_REDIS_URL:-redis://127.0.0.1:6379/0} \
		--worker-class rq.worker.SimpleWorker marac

# Production scheduler (RQ's cron scheduler, rq >= 2.4): enqueues the daily jobs (chasing
# actions, the monthly flags-lapsing notices: marac_app/cron_config.py) hourly for
# `make worker` to run. `make run` runs them in its own process instead (README).
scheduler: install
	MARAC_ENV=production $(BIN)/rq cron --url $${MARAC_REDIS_URL:-redis://127.0.0.1:6379/0} \
		marac_app.cron_config

# The chase and digests now, by hand (at most once per London day).
chase-actions:
	$(FLASK) chase-actions

# sqlmap and wapiti against a throwaway copy of the app on loopback (not part of `make test`).
# wapiti needs Python 3.12: the first python3.12 found (PATH, then pyenv) gets its own venv.
SCAN_VENV := .venv-scan
security-scan: install assets
	@if [ ! -x $(SCAN_VENV)/bin/wapiti ]; then \
		py312=""; for p in python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12; do \
			if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then py312=$$p; break; fi; \
		done; \
		if [ -z "$$py312" ]; then echo "Python 3.12 is needed for wapiti and was not found."; exit 1; fi; \
		$$py312 -m venv $(SCAN_VENV) && $(SCAN_VENV)/bin/pip install --quiet wapiti3==3.3.2 sqlmap==1.10.10; \
	fi
	timeout 1200 $(BIN)/python scripts/security_scan.py --scan-venv $(SCAN_VENV)

# ruff (lint and format), mypy (zero errors) and the layer test (features import downward).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	env -u MARAC_TEST_DATABASE_URL $(PYTEST) tests/test_layers.py

clean:
	rm -rf $(VENV) node_modules static/dist .pytest_cache
