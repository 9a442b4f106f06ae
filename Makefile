# Quick start: `make run` serves the app on SQLite; `make test` lints and runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed-stamp
ASSETS := survey_app/static/govuk/govuk-frontend.min.css
export FLASK_APP := survey_app

.PHONY: run worker test setup install assets db lint format test-sqlite test-postgresql bench clean

# The job worker (coding runs started in the browser) runs beside the web server and stops with it.
run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (job worker started too)"
	SURVEY_ENV=development $(BIN)/python -m huey.bin.huey_consumer survey_app.tasks.huey --workers 1 --quiet & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SURVEY_ENV=development $(BIN)/gunicorn --config gunicorn.conf.py \
	    --bind 127.0.0.1:$(PORT) --workers 2 'survey_app:create_app()'

# Only the job worker (Huey: instance/jobs.db, or Redis when REDIS_URL is set).
worker: setup
	SURVEY_ENV=development $(BIN)/python -m huey.bin.huey_consumer survey_app.tasks.huey --workers 1

test: setup lint test-sqlite test-postgresql

setup: install assets db

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

$(ASSETS): node_modules/.package-lock.json survey_app/frontend_assets.py
	$(BIN)/python -m survey_app.frontend_assets

assets: $(ASSETS)

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@

db: install instance/config.py
	SURVEY_ENV=development $(BIN)/flask db upgrade
	SURVEY_ENV=development $(BIN)/flask questionnaires sync

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on SQLite, then everything that touches a database again on PostgreSQL.
test-sqlite: install assets
	TEST_DATABASE=sqlite $(BIN)/pytest

test-postgresql: install assets
	scripts/ensure-postgresql
	TEST_DATABASE=postgresql $(BIN)/pytest tests/survey_app

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules survey_app/static/govuk .pytest_cache .ruff_cache
