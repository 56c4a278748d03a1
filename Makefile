# The two commands a newcomer needs:
#   make start   install everything, migrate, seed synthetic demo data, run the app
#   make test    lint, format check and the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: start install assets migrate seed run test lint format browser-deps clean

start: install migrate seed run

install: $(VENV)/.installed node_modules/.installed assets

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
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

run:
	@echo "Open http://$(HOST):$(PORT) and sign in with one of the demo accounts above."
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(VENV)/bin/pytest

clean:
	rm -rf static/dist .pytest_cache .ruff_cache
