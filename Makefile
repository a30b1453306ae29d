# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv/demo (runtime dependencies only) and runs the demo
#   make test   creates .venv/test (with test tools) and runs ruff and the test suite
PYTHON ?= python3
DEMO_VENV := .venv/demo
TEST_VENV := .venv/test
PYTEST_ARGS ?=

.PHONY: demo test lint bench docs browser clean

$(DEMO_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -e .
	touch $@

$(TEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TEST_VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(DEMO_VENV)/.installed
	$(DEMO_VENV)/bin/auditkit demo --out demo-output

test: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check auditkit tests benchmarks notebooks
	$(TEST_VENV)/bin/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check auditkit tests benchmarks notebooks
	$(TEST_VENV)/bin/ruff format --check auditkit tests benchmarks notebooks

bench: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python benchmarks/run.py
	$(TEST_VENV)/bin/python benchmarks/panel_update.py

docs: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=120 \
		--output-dir docs/notebooks notebooks/quickstart.ipynb notebooks/investigate.ipynb

browser: $(TEST_VENV)/.installed
	bash scripts/ci-browser-deps.sh
	$(TEST_VENV)/bin/python -m pytest -m browser tests/test_browser.py

clean:
	rm -rf .venv demo-output .pytest_cache .ruff_cache
