# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STOREMON := $(VENV)/bin/storemon
STAMP := $(VENV)/.installed
# Days of sample polls: enough for the Trends page's 30 days and the week before.
SAMPLE_DAYS ?= 35

.PHONY: run test lint typecheck unit bench sample clean

# The project itself is installed too (editable), so that `storemon`, scripts/ and
# bench/ import storemon_core from this checkout without any path set-up.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(STAMP)

sample: $(STAMP)
	$(STOREMON) sample --out data/sample --days $(SAMPLE_DAYS) --load --if-empty

run: sample
	$(VENV)/bin/streamlit run streamlit_app.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest

test: lint unit

bench: $(STAMP)
	$(PY) bench/engine.py
	$(PY) bench/database.py
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
