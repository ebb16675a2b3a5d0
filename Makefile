# The two commands of the README: `make run` and `make test`. Each sets itself up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.8

.PHONY: setup setup-test run test clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The main job needs the locked core dependencies; the tests also exercise the Dask extra.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --python "$(PYTHON)"
	touch $@

$(VENV)/.synced-test: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --inexact --extra dask --python "$(PYTHON)"
	touch $@

setup: $(VENV)/.synced

setup-test: $(VENV)/.synced-test

run: setup
	$(VENV)/bin/newsevents run $(ARGS)

test: setup-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache
