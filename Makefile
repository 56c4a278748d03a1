# The two commands a newcomer needs:
#   make start   install everything, migrate, seed synthetic demo data, run the app
#   make test    lint, format check, import contracts, type check and the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --quiet --disable-pip-version-check
# Hashed locks made by `make lock` from pyproject.toml: runtime only, and runtime + dev tools.
LOCKS := requirements/main.txt requirements/dev.txt
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: start install assets migrate seed run worker test lint imports types format lock browser-deps clean

start: install migrate seed run

install: $(VENV)/.installed node_modules/.installed assets

# One venv for start and test: the dev lock holds the runtime pins plus the test tools. The lock
# also pins setuptools, so the project itself installs without fetching an unpinned build backend.
$(VENV)/.installed: pyproject.toml $(LOCKS)
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements/dev.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	mkdir -p static/dist/fonts static/dist/assets
	npx sass --quiet-deps --no-source-map --style=compressed --load-path=node_modules \
		static/src/application.scss static/dist/application.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/dist/
	cp node_modules/@fontsource/source-sans-3/files/source-sans-3-latin-{400-normal,400-italic,700-normal}.woff2 static/dist/fonts/

migrate: install
	$(FLASK) db upgrade
	$(FLASK) load-tools

seed: migrate
	$(FLASK) seed-demo

# The web server and the background worker (email, daily jobs, long reports) together; Ctrl-C
# stops both. Emails go to instance/mail/ as .eml files (EMAIL_BACKEND=folder, the development default).
run:
	@echo "Open http://$(HOST):$(PORT) and sign in with one of the demo accounts above."
	@echo "Emails the service sends are written to instance/mail/ (open them in any mail program)."
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/huey_consumer audit.jobs.tasks.huey --workers 2 --worker-type thread --quiet & \
	SERVICE_URL=$${SERVICE_URL:-http://$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

# The worker alone (production runs it beside gunicorn; README, "Email and background jobs").
worker: install
	$(VENV)/bin/huey_consumer audit.jobs.tasks.huey --workers 2 --worker-type thread

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

imports: install
	$(VENV)/bin/lint-imports

types: install
	$(VENV)/bin/mypy audit forms

test: lint imports types
	$(VENV)/bin/pytest

# Re-lock after editing the dependencies in pyproject.toml; upgrade one package with
# `make lock LOCK_ARGS="--upgrade-package flask"` (or --upgrade for all). pip-tools runs from its
# own venv, so neither `make start` nor CI needs it. No index URL or local path goes into the locks.
LOCK_VENV := .venv-lock
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --all-build-deps --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host

# The dev lock is resolved first, app and tools together; the runtime lock then takes its versions
# as constraints, so the two always agree. (LOCK_ARGS go to the first only: pip-compile would write
# an upgraded dev tool into the runtime lock.)
lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --output-file requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) --constraint requirements/dev.txt --output-file requirements/main.txt pyproject.toml

$(LOCK_VENV)/bin/pip-compile:
	python3 -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2

clean:
	rm -rf static/dist .pytest_cache .ruff_cache .mypy_cache build *.egg-info
