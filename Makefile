# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench sample clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

sample: $(STAMP)
	$(PY) scripts/make_sample_data.py --out data/sample
	$(PY) scripts/dbcreate.py --data-dir data/sample --if-empty

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
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
