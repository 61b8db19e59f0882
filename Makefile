# Wardrobe API. `make run` serves on http://127.0.0.1:8000; `make test` runs every test.
# Both create .venv and install what is missing first; nothing else is needed but Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate docs clean

# The stamp files re-run pip only when a requirements file changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

run: migrate
	@echo "Wardrobe API on http://$(HOST):$(PORT)  (Swagger UI: http://$(HOST):$(PORT)/docs)"
	@echo "Make an admin:   $(FLASK) create-admin admin@example.com"
	@echo "Demo clothes:    $(FLASK) seed-demo --count 50"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: $(VENV)/.installed
	$(FLASK) routes-by-role > docs/roles.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
