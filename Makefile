# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv/demo (runtime dependencies only) and runs the demo
#   make test   creates .venv/test (with test tools) and runs ruff, mypy and the test suite
# Both install exact versions from the committed locks in requirements/ (hashes checked),
# so a clone installs the same packages next year as today. `make lock` refreshes the locks;
# `make test-latest` runs the same checks on the newest versions pyproject allows and
# `make test-oldest` on the oldest.
PYTHON ?= python3
DEMO_VENV := .venv/demo
TEST_VENV := .venv/test
TOOLS_VENV := .venv/tools
UV_VERSION := 0.13.8
PYTEST_ARGS ?=
SOURCES := auditkit tests benchmarks notebooks
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"

.PHONY: demo test lint bench docs browser clean lock test-latest test-oldest

# A venv made anew from a lock: nothing installed by hand survives, nothing unpinned comes in.
# $(1): the venv, $(2): the lock.
define venv_from_lock
	rm -rf $(1)
	$(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --require-hashes --no-deps -r $(2)
	$(1)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(1)/bin/python -m pip check
	touch $(1)/.installed
endef

# ruff (lint and format), mypy (configured in pyproject) and the test suite, in the venv $(1).
define checks
	$(1)/bin/ruff check $(SOURCES)
	$(1)/bin/ruff format --check $(SOURCES)
	$(1)/bin/mypy
	$(1)/bin/python -m pytest -n 2 $(PYTEST_ARGS)
endef

$(DEMO_VENV)/.installed: pyproject.toml requirements/demo.lock
	$(call venv_from_lock,$(DEMO_VENV),requirements/demo.lock)

$(TEST_VENV)/.installed: pyproject.toml requirements/test.lock
	$(call venv_from_lock,$(TEST_VENV),requirements/test.lock)

demo: $(DEMO_VENV)/.installed
	$(DEMO_VENV)/bin/auditkit demo --out demo-output

test: $(TEST_VENV)/.installed
	$(call checks,$(TEST_VENV))

lint: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check $(SOURCES)
	$(TEST_VENV)/bin/ruff format --check $(SOURCES)

$(TOOLS_VENV)/.installed: Makefile
	rm -rf $(TOOLS_VENV)
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

# Re-resolve both locks from pyproject.toml (and requirements/build.in): newest allowed versions.
lock: $(TOOLS_VENV)/.installed
	$(TOOLS_VENV)/bin/uv pip compile pyproject.toml requirements/build.in $(LOCK_FLAGS) \
		-o requirements/demo.lock
	$(TOOLS_VENV)/bin/uv pip compile pyproject.toml requirements/build.in --extra test $(LOCK_FLAGS) \
		-o requirements/test.lock

# The same checks on the newest (or oldest) versions pyproject's ranges allow, in venvs of
# their own, from a lock resolved now into .venv/ (not committed).
test-latest: $(TOOLS_VENV)/.installed
	$(TOOLS_VENV)/bin/uv pip compile pyproject.toml requirements/build.in --extra test \
		$(LOCK_FLAGS) --upgrade -o .venv/latest.lock
	$(call venv_from_lock,.venv/latest,.venv/latest.lock)
	$(call checks,.venv/latest)

test-oldest: $(TOOLS_VENV)/.installed
	$(TOOLS_VENV)/bin/uv pip compile pyproject.toml requirements/build.in --extra test \
		$(LOCK_FLAGS) --resolution lowest-direct -o .venv/oldest.lock
	$(call venv_from_lock,.venv/oldest,.venv/oldest.lock)
	$(call checks,.venv/oldest)

bench: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python benchmarks/run.py
	$(TEST_VENV)/bin/python benchmarks/panel_update.py

docs: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python docs/render_charts.py
	$(TEST_VENV)/bin/python scripts/render_panel_png.py
	$(TEST_VENV)/bin/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=120 \
		--output-dir docs/notebooks notebooks/quickstart.ipynb notebooks/investigate.ipynb \
		notebooks/investigate_v2.ipynb

browser: $(TEST_VENV)/.installed
	bash scripts/ci-browser-deps.sh
	$(TEST_VENV)/bin/python -m pytest -m browser tests/test_browser.py

clean:
	rm -rf .venv demo-output .pytest_cache .ruff_cache
