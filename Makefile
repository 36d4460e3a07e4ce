# One command to set up and start, one to set up and test. Python 3.11 and make are all it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint setup demo worker bench loadtest clean backup restore

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seed_data
	$(PY) manage.py create_demo_accounts
	$(PY) manage.py load_demo_rounds

run: demo
	@echo "Портал: http://$(HOST):$(PORT)/  (остановить: Ctrl+C)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

worker: $(STAMP)
	$(VENV)/bin/celery -A roadmap_portal worker --beat --loglevel=info

# The database and the uploaded files in one archive (backups/portal-<date-time>.tar, or FILE=...).
backup: $(STAMP)
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

# Onto an empty installation; REPLACE=1 replaces the data of a non-empty one.
restore: $(STAMP)
	@test -n "$(FILE)" || { echo "Укажите архив: make restore FILE=backups/portal-<дата-время>.tar"; exit 2; }
	$(PY) manage.py restore $(FILE) $(if $(REPLACE),--replace)

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

loadtest: $(STAMP)
	$(PY) bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 var
