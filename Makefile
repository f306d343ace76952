# Everything the project needs is installed from here: a fresh machine with Python 3.11 is enough.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
TOLOKA_VENV := .venv-toloka

.PHONY: demo test install dev peer toloka-venv browser axe lint typecheck bench clean

# Virtualenvs are made without pip (installing pip into one costs ~7 s of CPU): uv installs into them.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# uv installs what pip would (the same resolution: the newest versions that fit) in a fraction of its
# time: it fetches in parallel. It is fetched by the pip of the Python that makes the virtualenvs, into a
# folder of its own. Where uv cannot be had or cannot reach the index (a pip.conf mirror uv does not
# read), pip is put into the virtualenv and installs instead.
UV := $(VENV)/.uv/bin/uv
$(UV): | $(BIN)/python
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(VENV)/.uv uv || true
# $(call pip_install,<python>,<arguments>). The product's install compiles its bytecode up front, so a
# server started where PYTHONDONTWRITEBYTECODE is set does not compile what it imports each time. The
# test virtualenvs do not (UV_COMPILE empty for their targets): compiling all 20,000 files of the dev one
# cost ~23 s of CPU per fresh clone, and `make test` writes the bytecode of what the run imports instead,
# once (tests/bytecode.py).
UV_COMPILE := --compile-bytecode
pip_install = if [ -x $(UV) ] && $(UV) pip install --quiet $(UV_COMPILE) --python $(1) $(2); then :; \
	else { $(1) -m pip --version >/dev/null 2>&1 || $(1) -m ensurepip --upgrade >/dev/null; } && \
	$(1) -m pip install --quiet --upgrade pip && $(1) -m pip install --quiet $(2); fi

$(VENV)/.installed: pyproject.toml | $(UV)
	$(call pip_install,$(BIN)/python,-e .)
	touch $@

$(VENV)/.dev-installed: UV_COMPILE :=
$(VENV)/.dev-installed: pyproject.toml | $(UV)
	$(call pip_install,$(BIN)/python,-e '.[dev]')
	touch $(VENV)/.installed $@

# toloka-kit 1.2.3 pins httpx<0.28, cattrs<24, pandas<3 and needs pkg_resources: it gets its own
# virtualenv so that clipcrowd itself is tested with current libraries. Its bytecode is not compiled
# up front: one process per test run imports toloka-kit (tests/warm_toloka.py) and compiles the few
# hundred modules it needs, about 2.5 s of CPU, where compiling all 8,900 files of the virtualenv
# (crowd-kit brings transformers and scikit-learn) costs 15 s of CPU and ~20 s of a fresh clone's wall time.
$(TOLOKA_VENV)/.installed: UV_COMPILE :=
$(TOLOKA_VENV)/.installed: tests/toloka/requirements.txt | $(UV)
	$(PYTHON) -m venv --without-pip $(TOLOKA_VENV)
	$(call pip_install,$(TOLOKA_VENV)/bin/python,-r tests/toloka/requirements.txt)
	touch $@

# crowd-kit, for the peer tier (`pytest -m peer`) and the aggregation benchmarks; `make test` does not need it
$(VENV)/.peer-installed: UV_COMPILE :=
# (the extras are named through a variable: a literal comma would split $(call)'s arguments)
PEER_EXTRAS := .[dev,peer]
$(VENV)/.peer-installed: pyproject.toml | $(UV)
	$(call pip_install,$(BIN)/python,-e '$(PEER_EXTRAS)')
	touch $(VENV)/.installed $(VENV)/.dev-installed $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed
peer: $(VENV)/.peer-installed
toloka-venv: $(TOLOKA_VENV)/.installed

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# axe-core for the browser tests' accessibility audits, from the npm registry, pinned; the tests inject it
# into the page under test (the app never serves it).
AXE_VERSION := 4.10.2
AXE_JS := tests/.node/node_modules/axe-core/axe.min.js
$(AXE_JS):
	npm install --silent --no-save --no-audit --no-fund --prefix tests/.node axe-core@$(AXE_VERSION)
axe: $(AXE_JS)

demo: install
	$(BIN)/clipcrowd demo

# Every test runs: a skip counts as a failure (CLIPCROWD_REQUIRE_ALL=1). Where no PostgreSQL answers
# at CLIPCROWD_TEST_DATABASE_URL, tests/pg_throwaway.py starts a private one for the run and removes it.
# PYTEST_ARGS narrows the run, e.g. `make test PYTEST_ARGS="tests/test_store.py -x"`.
# pytest-xdist runs TEST_WORKERS processes (each with its own databases and ports): one more than the
# cores, four at most. Most tests wait on a server, a browser or a subprocess, so a worker more than the
# cores keeps them busy; each worker also pays its own start (a Chromium, a PostgreSQL database, a SQLite
# template), and on two cores three workers took 206-212 s and 379-391 busy core-seconds against four's
# 216-222 s and 421-433 (docs/testing.md). `--dist loadgroup`
# keeps the tests of a module-wide fixture on one worker (tests/conftest.py says which); TEST_WORKERS=0
# runs in one process. Every process of the run may write bytecode (PYTHONDONTWRITEBYTECODE cleared): the
# first to import a module compiles it, the rest read it (tests/bytecode.py).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n + 1 < 4 ? n + 1 : 4 )))
PYTEST_ARGS ?=
test: dev toloka-venv browser axe
	env -u PYTHONDONTWRITEBYTECODE CLIPCROWD_REQUIRE_ALL=1 $(BIN)/python tests/pg_throwaway.py \
	  $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=20 $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: dev
	$(BIN)/python bench/issue_submit.py

clean:
	rm -rf $(VENV) $(TOLOKA_VENV) tests/.node .pytest_cache .mypy_cache .ruff_cache
