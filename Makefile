# The two commands a new machine needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=

.PHONY: run test lint format clean prod-check bench bench-drills

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

## make run: install, migrate, load demo data, start the worker and serve http://127.0.0.1:$(PORT)
# The background worker (alerts, escalations, daily jobs) runs beside the dev server and
# prints to the same terminal (e-mails too: EMAIL_URL defaults to console://). The trap
# stops it when the server stops, however that happens.
run: export DEBUG ?= true
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: export PYTHONUNBUFFERED ?= 1
run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py load_casework_demo
	$(PY) manage.py start_schedule
	@echo "Site: $(SITE_URL)/   Worker: manage.py db_worker   (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: install the test tools and run the whole suite
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## make prod-check: `check --deploy` with production-like settings; fails on any finding.
## Throwaway secrets are generated for the run; nothing is connected to or written.
prod-check: $(VENV)/.installed-runtime
	@secret() { $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))'; }; \
	DEBUG=false HTTPS=true ALLOWED_HOSTS=safeschools.example.org \
	SITE_URL=https://safeschools.example.org CSRF_TRUSTED_ORIGINS=https://safeschools.example.org \
	DATABASE_URL=postgres://safeschools:unused@db.invalid:5432/safeschools CONN_MAX_AGE=60 \
	REDIS_URL=redis://cache.invalid:6379/0 CLIENT_ADDRESS_HEADER=HTTP_X_REAL_IP \
	EMAIL_URL=smtp+tls://alerts:unused@smtp.invalid:587 VAR_DIR=/nonexistent/safeschools-prod-check \
	SECRET_KEY=$$(secret) RECEIPT_PEPPER=$$(secret) RATELIMIT_KEY_SECRET=$$(secret) SEARCH_INDEX_KEY=$$(secret) \
	FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	$(PY) manage.py check --deploy --fail-level WARNING

## make bench: the load benchmark (bench/README.md). Short by default; the full run is
## make bench BENCH_TIPS=1000000 BENCH_SECONDS=30. Needs PostgreSQL, Redis and wrk.
BENCH_TIPS ?= 50000
BENCH_SECONDS ?= 10
BENCH_ARGS ?=
bench/.venv/.installed: bench/requirements.txt
	$(PYTHON) -m venv bench/.venv
	bench/.venv/bin/pip install --quiet --upgrade pip
	bench/.venv/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed-runtime bench/.venv/.installed
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } || \
	  { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
	bench/.venv/bin/python bench/run.py --tips $(BENCH_TIPS) --seconds $(BENCH_SECONDS) $(BENCH_ARGS)

## make bench-drills: resilience drills (bench/drills.py); results in bench/results/drills-*.md.
## DRILLS=postgres restarts the machine's PostgreSQL cluster: run it alone.
DRILLS ?= load load-queue redis
bench-drills: $(VENV)/.installed-runtime bench/.venv/.installed
	bench/.venv/bin/python bench/drills.py $(DRILLS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
