# The two commands of the README: `make run` and `make test`. Each makes the
# virtual environment when it is missing and installs the pinned requirements.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench-data bench

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The performance benchmark (docs/performance.md), on PostgreSQL only.
BENCH_DB ?= ct_bench
BENCH_URL := postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_ENV := DATABASE_URL=$(BENCH_URL) SECRET_KEY=bench-only-key ALLOWED_HOSTS=testserver

# About 6 minutes: 100,000 claims, 1,000,000 events, one 5,000-event claim, one
# actor with 10,000 stances, 1,000 items in review; then the editors' pages: a
# source of 100 KiB quoted 1,000 times (the workbench), and bench-editor with
# 10,000 entries of their own (/mine/). Replaces the database.
bench-data: $(VENV)/.dev
	dropdb -h 127.0.0.1 -U postgres --if-exists $(BENCH_DB)
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	$(BENCH_ENV) DEBUG=1 $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) DEBUG=1 $(PY) manage.py generate_synthetic --claims 100000 --events-per-claim 10
	$(BENCH_ENV) DEBUG=1 $(PY) manage.py generate_synthetic --claims 1 --hot-claims 1 --hot-events 5000 \
		--hot-actor-stances 10000 --pending 1000
	$(BENCH_ENV) DEBUG=1 $(PY) manage.py generate_synthetic --claims 1 --seed 2 \
		--workbench-quotes 1000 --workbench-body-kb 100 --mine-entries 10000
	psql -h 127.0.0.1 -U postgres $(BENCH_DB) -qc "VACUUM ANALYZE"

# About 15 minutes: every page, the admin baseline, the export, the five load runs on two servers
# sharing PostgreSQL and Redis (redis-cli and a Redis at 127.0.0.1:6379), then the public page's.
bench: $(VENV)/.dev
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) bench/benchmark.py --json bench/last-run.json; status=$$?; \
	DATABASE_URL=$(BENCH_URL) bench/load_test.sh || status=1; \
	DATABASE_URL=$(BENCH_URL) bench/public_load_test.sh || status=1; exit $$status
