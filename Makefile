# Wardrobe API. `make run` serves on http://127.0.0.1:8000 (`make run PORT=8001` for another
# port); `make test` runs every test but the browser check and the two-instance test, which
# `make e2e` and `make test-scale` run. All create .venv and install what is missing first;
# nothing else is needed but Python 3.11+ (checked before .venv is made; `make
# PYTHON=python3.12 ...` picks another) and, for `make e2e`, Debian's chromium, and for
# `make test-scale` and `make bench-scale`, Debian's nginx, each installed by its target when
# run as root.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-pg test-scale e2e chromium nginx lint format migrate docs bench bench-scale soak clean

# The stamp files re-run pip only when a requirements file changes.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Wardrobe API needs Python 3.11+, but $(PYTHON) is" \
			"$$(command -v $(PYTHON) >/dev/null && $(PYTHON) -V 2>&1 || echo 'not found'):" \
			"pass another, e.g. make PYTHON=python3.12" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed $(VENV)/.installed-examples

# What examples/client.py needs beyond the app (requests), at the versions requirements-dev.txt
# pins, without the test tools: `make run` installs it, so the examples run against it.
$(VENV)/.installed-examples: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c requirements-dev.txt requests
	touch $@

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

run: migrate $(VENV)/.installed-examples
	@echo "Wardrobe API on http://$(HOST):$(PORT)  (Swagger UI: http://$(HOST):$(PORT)/docs)"
	@echo "Port taken?      make run PORT=8001  (or any free port)"
	@echo "Make an admin:   $(FLASK) create-admin admin@example.com"
	@echo "Demo clothes:    $(FLASK) seed-demo --count 50"
	@echo "Examples:        examples/walkthrough.sh http://$(HOST):$(PORT)"
	@echo "                 $(BIN)/python examples/client.py http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not e2e and not scale" --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

# Swagger UI in a real browser (tests/e2e). Playwright drives the system Chromium: it
# cannot download a browser of its own here, and never needs `playwright install`.
e2e: $(VENV)/.installed-dev chromium
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest -m e2e $(PYTEST_ARGS)

# $(call apt_install,PATH,PACKAGE,WHAT FOR,HOW TO POINT ELSEWHERE): installs Debian's PACKAGE
# once, quietly, when PATH is not there (nothing to do when it is). Needs root; without it,
# says what to install instead.
define apt_install
	@if [ -x "$(1)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's $(2) for $(3)..."; \
		log=$$(mktemp); \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); } >"$$log" 2>&1 \
			|| { cat "$$log" >&2; rm -f "$$log"; exit 1; }; \
		rm -f "$$log"; \
		[ -x "$(1)" ] || { echo "$(2) installed, but not at $(1)" >&2; exit 1; }; \
	else \
		echo "$(3) needs $(2) at $(1): install it (Debian: sudo apt-get install $(2))," \
			"or pass $(4)." >&2; \
		exit 1; \
	fi
endef

# Debian's chromium, for make e2e.
chromium:
	$(call apt_install,$(CHROMIUM),chromium,make e2e,CHROMIUM=/path/to/chromium)

# Debian's nginx, for make test-scale and make bench-scale. The package's own service is not
# started (no init here): the tests and the bench run private nginx processes from a temp
# folder, as the current user.
NGINX ?= $(shell command -v nginx || echo /usr/sbin/nginx)
nginx:
	$(call apt_install,$(NGINX),nginx,make test-scale,NGINX=/path/to/nginx)

# The same suite on PostgreSQL and Redis. The tests create their own database next to
# TEST_DATABASE_URL's (dropped afterwards) and use a key prefix of their own in Redis (deleted
# afterwards), so they can share these servers with anything else.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
test-pg: $(VENV)/.installed-dev
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest -m "not e2e and not scale" --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

# Two app instances (one gunicorn worker each) on one PostgreSQL database and one Redis key
# prefix, behind a private nginx (docs/scaling.md): a logout, a refresh replay and the login
# limits, checked across instances. Needs both servers and nginx; CI=true fails without them.
# Only tests/operations is collected (where the marker is used): the whole suite takes longer.
test-scale: $(VENV)/.installed-dev nginx
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) NGINX=$(NGINX) \
		$(BIN)/pytest -m scale tests/operations $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: $(VENV)/.installed
	$(FLASK) routes-by-role > docs/roles.md

# Throughput and latency under gunicorn with wrk (see docs/performance.md). Uses SQLite in a
# temp folder, or DATABASE_URL / REDIS_URL when set. BENCH_ARGS="--seconds 5 --rounds 3".
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } \
		|| { echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# `make bench` on the deployment's shape (docs/scaling.md): one instance with 2 workers against
# two instances with 1 worker each behind nginx, and the one instance behind nginx, for
# /healthz, /auth/me and /clothes. PostgreSQL and Redis when TEST_DATABASE_URL and
# TEST_REDIS_URL answer (a database and key prefix of its own, removed afterwards), else SQLite.
bench-scale: $(VENV)/.installed-dev nginx
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } \
		|| { echo "make bench-scale needs wrk: sudo apt-get install wrk"; exit 1; }
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) NGINX=$(NGINX) \
		$(BIN)/python bench/scale.py $(BENCH_ARGS)

# A mixed workload from several client processes against gunicorn (2 workers) while one
# worker gets SIGKILL and a private Redis restarts empty; checks nothing is lost and no dead
# token works (docs/reliability.md). PostgreSQL when TEST_DATABASE_URL answers (a database
# of its own, dropped afterwards), else SQLite. SOAK_SECONDS=10 for a short run.
SOAK_SECONDS ?= 60
soak: $(VENV)/.installed-dev
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python soak/run.py --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .coverage htmlcov
