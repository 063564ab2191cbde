# The two commands a new machine needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=
# pytest-xdist: a worker per core, at most 8 (each takes a Redis database after REDIS_URL's,
# tests/conftest.py); `make test XDIST=` runs the suite in one process.
XDIST ?= -n auto --maxprocesses 8
COVERAGE_ARGS ?=

.PHONY: run test coverage lint typecheck-baseline format clean prod-check css bench bench-quick bench-lighthouse bench-drills lock upgrade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The locks (requirements*.txt, compiled from requirements*.in by `make lock`) name every
# package with its hashes; pip refuses anything else. requirements-dev.txt is the whole set.
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

## make run: install, migrate, load the content and the demo (staff, tips), start the worker and serve http://127.0.0.1:$(PORT)
# The background worker (alerts, escalations, daily jobs) runs beside the dev server and
# prints to the same terminal (e-mails too: EMAIL_URL defaults to console://; texts too:
# SMS_URL is console://+13145550190, a fictional sender, here unless a Twilio account is configured). The trap stops it
# when the server stops, however that happens.
run: export DEBUG ?= true
run: export SMS_URL ?= $(if $(TWILIO_ACCOUNT_SID),,console://+13145550190)
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: export PYTHONUNBUFFERED ?= 1
# The 24/7 fallback of the demo (README, Configuration): alerts to it print like the others.
run: export ALERT_FALLBACK_NAME ?= St. Louis County Police dispatch (demo)
run: export ALERT_FALLBACK_EMAIL ?= county-dispatch@example.org
run: export ALERT_FALLBACK_PHONES ?= +13145550199
run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_content
	$(PY) manage.py load_demo
	$(PY) manage.py load_casework_demo
	$(PY) manage.py start_schedule
	@echo "Site: $(SITE_URL)/   Worker: manage.py db_worker   (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: install the test tools and run the whole suite
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS) $(COVERAGE_ARGS)

## make coverage: `make test` measuring line and branch coverage ([tool.coverage] in
## pyproject.toml); fails below the floor there. CI runs it on PostgreSQL.
coverage: COVERAGE_ARGS = --cov --cov-report=term-missing:skip-covered
coverage: test

## make prod-check: `check --deploy` with production-like settings; fails on any finding.
## Throwaway secrets are generated for the run; nothing is connected to or written.
prod-check: $(VENV)/.installed-runtime
	@secret() { $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))'; }; \
	DEBUG=false HTTPS=true ALLOWED_HOSTS=safeschools.example.org \
	SITE_URL=https://safeschools.example.org CSRF_TRUSTED_ORIGINS=https://safeschools.example.org \
	DATABASE_URL=postgres://safeschools:unused@db.invalid:5432/safeschools CONN_MAX_AGE=60 \
	REDIS_URL=redis://cache.invalid:6379/0 CLIENT_ADDRESS_HEADER=HTTP_X_REAL_IP \
	EMAIL_URL=smtp+tls://alerts:unused@smtp.invalid:587 VAR_DIR=/nonexistent/safeschools-prod-check \
	ALERT_FALLBACK_EMAIL=dispatch@safeschools.example.org \
	SECRET_KEY=$$(secret) RECEIPT_PEPPER=$$(secret) RATELIMIT_KEY_SECRET=$$(secret) SEARCH_INDEX_KEY=$$(secret) PHONE_INDEX_KEY=$$(secret) \
	FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	$(PY) manage.py check --deploy --fail-level WARNING

## make css: static/css/bootstrap.css from frontend/ (Bootstrap's Sass, only the modules the
## pages use, then PurgeCSS over the templates). Needs node/npm; the built file is committed,
## so CI and `make run` need neither. tests/frontend/test_css_build.py checks it.
css:
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run css

## make bench: the load benchmark (bench/README.md). Short by default; the full run is
## make bench BENCH_TIPS=1000000 BENCH_SECONDS=30. Needs PostgreSQL, Redis and wrk.
## make bench-quick: does the bench work? (50,000 tips, 3 s a scenario, one round: not results)
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

bench-quick: $(VENV)/.installed-runtime bench/.venv/.installed
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
	bench/.venv/bin/python bench/run.py --quick $(BENCH_ARGS)

## make bench-lighthouse: Lighthouse (phone) on the home page, the tip form and the check page,
## served by gunicorn with production settings (bench/lighthouse.py; needs node: make css).
bench-lighthouse: $(VENV)/.installed-runtime bench/.venv/.installed
	bench/.venv/bin/python bench/lighthouse.py --tips $(BENCH_TIPS)

## make bench-drills: resilience drills (bench/drills.py); results in bench/results/drills-*.md.
## DRILLS=postgres restarts the machine's PostgreSQL cluster: run it alone. two-nodes: nginx + two
## web nodes + two workers (installs nginx if missing, as root); restore: an encrypted backup restored.
DRILLS ?= load load-queue redis two-nodes restore
bench-drills: $(VENV)/.installed-runtime bench/.venv/.installed
	bench/.venv/bin/python bench/drills.py $(DRILLS)

## make lint: ruff, the migrations check and mypy (strict; known errors in mypy-baseline.txt, which only shrinks)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) tools/typecheck.py

## make typecheck-baseline: remove fixed errors from mypy-baseline.txt (it never adds any)
typecheck-baseline: $(VENV)/.installed-dev
	$(PY) tools/typecheck.py --shrink

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make lock: compile requirements*.in into the hashed locks (requirements*.txt), keeping the
## versions already locked where the .in files allow them. After editing a .in file.
## make upgrade: the same, re-resolved to the newest versions the .in files allow.
## The compiler (uv, pinned in requirements-lock-tools.txt) lives in its own $(LOCK_VENV).
## The locks are resolved for CPython 3.11 (and newer) on Linux x86_64, wherever make runs.
LOCK_VENV ?= .venv-lock
LOCK_ARGS ?=
LOCK_PYTHON ?= 3.11
LOCK_PLATFORM ?= x86_64-unknown-linux-gnu
LOCK_COMPILE = $(LOCK_VENV)/bin/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) \
	--python-platform $(LOCK_PLATFORM) --custom-compile-command "make lock"
$(LOCK_VENV)/.installed: requirements-lock-tools.txt
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --require-hashes -r requirements-lock-tools.txt
	touch $@

lock: $(LOCK_VENV)/.installed
	$(LOCK_COMPILE) $(LOCK_ARGS) requirements.in -o requirements.txt
	$(LOCK_COMPILE) $(LOCK_ARGS) requirements-dev.in -o requirements-dev.txt
	$(LOCK_COMPILE) requirements-lock-tools.in -o requirements-lock-tools.txt

upgrade: LOCK_ARGS += --upgrade
upgrade: lock

clean:
	rm -rf $(VENV) $(LOCK_VENV) var .pytest_cache .ruff_cache .mypy_cache .coverage
