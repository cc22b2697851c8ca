# Two commands do all the set-up on a machine with Python 3.11 and make:
#   make run    installs, migrates, loads the demo data and serves http://127.0.0.1:8000
#   make test   installs what the tests need (Chromium included) and runs the whole suite
# and, for a served site (README, "Production"), never with the demo:
#   make serve  JILIANG_ENV=production: migrates, collects static files, runs gunicorn,
#               the task workers and the scheduler (manage.py serve)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install install-test translations migrate demo browser test-tools lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.installed-test: requirements/base.txt requirements/test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt -r requirements/test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/python -m jiliang.i18n compile

migrate: install translations
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving Jiliang on http://$(HOST):$(PORT)/ (the background worker runs beside it; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	export HOST=$(HOST) PORT=$(PORT); \
	$(BIN)/python manage.py task_worker & \
	$(BIN)/python manage.py scheduler & \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

serve: install translations
	JILIANG_ENV=$${JILIANG_ENV:-production} $(BIN)/python manage.py serve

browser:
	@sh scripts/ensure-browser.sh

test-tools:
	@sh scripts/ensure-nginx.sh || true

test: install-test translations browser test-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
