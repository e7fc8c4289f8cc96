# 知识产权贯标认证学习平台 — the commands in README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links in text messages (invitations) point here; set it to the address phones can reach.
SITE_URL ?= http://$(HOST):$(PORT)
PYTEST_ARGS ?=

.PHONY: run test lint format install install-test demo clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-test: $(VENV)/.test

demo: install
	$(BIN)/python manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py load_demo

run: demo
	@echo "知识产权贯标认证学习平台: http://$(HOST):$(PORT)/"
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates ipms --lint --quiet
	$(BIN)/lint-imports --no-logo

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var/staticfiles var/test-artifacts

# The performance record (docs/performance.md): heartbeat vs no-op, pages, export and import
# on gunicorn; always on SQLite (var/bench/), and on PostgreSQL when BENCH_DATABASE_URL
# answers (a dedicated database, created, migrated and seeded with seed_scale on the first
# run, then reused; the bench removes the rows it adds). BENCH_REDIS_URL adds Redis.
# Results: var/bench/latest.md. BENCH_ARGS passes options (python -m bench --help).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ipms_scale
BENCH_REDIS_URL ?=
BENCH_ARGS ?=
bench: install-test
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" BENCH_REDIS_URL="$(BENCH_REDIS_URL)" \
		$(BIN)/python -m bench $(BENCH_ARGS)
