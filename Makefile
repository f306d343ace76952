# Everything the project needs is installed from here: a fresh machine with Python 3.11 is enough.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
TOLOKA_VENV := .venv-toloka

.PHONY: demo test install dev toloka-venv browser lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# toloka-kit 1.2.3 pins httpx<0.28, cattrs<24, pandas<3 and needs pkg_resources: it gets its own
# virtualenv so that clipcrowd itself is tested with current libraries.
$(TOLOKA_VENV)/.installed: tests/toloka/requirements.txt
	$(PYTHON) -m venv $(TOLOKA_VENV)
	$(TOLOKA_VENV)/bin/pip install --quiet --upgrade pip
	$(TOLOKA_VENV)/bin/pip install --quiet -r tests/toloka/requirements.txt
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed
toloka-venv: $(TOLOKA_VENV)/.installed

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

demo: install
	$(BIN)/clipcrowd demo

test: dev toloka-venv browser
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: dev
	$(BIN)/python bench/issue_submit.py

clean:
	rm -rf $(VENV) $(TOLOKA_VENV) .pytest_cache .mypy_cache .ruff_cache
