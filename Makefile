# Two commands for a fresh machine with Python 3.10+ and make: `make demo` and `make test`.
# Each creates what it needs: uv (from PyPI) in .tools/, the project's environment in .venv/.
SHELL := /bin/bash
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
VPY := $(VENV)/bin/python
export UV_CACHE_DIR ?= $(CURDIR)/.tools/cache

.PHONY: demo bench test lint services unit unit-pythons unit-airflow2 browser deployment-test docs release-check env clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: pyproject.toml constraints/airflow-$(AIRFLOW_VERSION).txt | $(UV)
	$(UV) venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet -e ".[test,deployment]" "apache-airflow==$(AIRFLOW_VERSION)" \
		--constraint constraints/airflow-$(AIRFLOW_VERSION).txt
	touch $@

env: $(VENV)/.installed

demo: env
	./scripts/demo.sh

# Benchmarks (benchmarks/RESULTS.md and its PNG plots; 27-37 minutes on 2 cores). Bytecode compiled first, as a
# pip install leaves it (uv does not compile): a first import must not pay the compiler.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet -e ".[test,deployment,bench]" "apache-airflow==$(AIRFLOW_VERSION)" \
		--constraint constraints/airflow-$(AIRFLOW_VERSION).txt
	touch $@

bench: env $(VENV)/.bench-installed
	$(VPY) -m compileall -q -j 0 "$$($(VPY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
		airflow_provider_every8d > /dev/null
	$(VPY) benchmarks/run_all.py

lint: env
	$(VENV)/bin/ruff check airflow_provider_every8d tests example_dags
	$(VENV)/bin/mypy

services:
	./scripts/install-services.sh

unit: env services
	$(VPY) -m pytest -q

# The pure unit tests on every other Python 3.10-3.13 the machine has (the whole suite runs in `unit`).
unit-pythons: env
	./scripts/test-pythons.sh

unit-airflow2: $(UV)
	./scripts/test-airflow2.sh

# Chromium and a CJK font for tests/deployment/test_browser.py (apt-get, when missing and root).
browser:
	./scripts/install_browser.sh

# PostgreSQL, Redis, CeleryExecutor; API server x2, scheduler, DAG processor, triggerer x2, Celery worker x2
# (tests/deployment/conftest.py). A failure names the component; logs stay under pytest's basetemp.
deployment-test: env services browser
	mkdir -p .airflow
	$(VPY) -m pytest -q -rs -m deployment --basetemp=.airflow/deployment-test

docs: env
	./scripts/build_docs.sh

release-check: env
	./scripts/release_check.sh

# The whole suite. The environments first, one after another (installs: network, uv's cache); then the stages
# that are independent of each other side by side, at most one per core (scripts/run-stages.sh: each its own
# log under .airflow/test-logs, one line each, a failed one's log in full; longest first); then the
# deployment test alone (many Airflow processes, timing-sensitive). Fails if any stage failed.
# `JOBS=1 make test` runs the stages one after another.
TEST_STAGES := unit unit-airflow2 unit-pythons docs lint release-check
test: env services browser
	./scripts/test-airflow2.sh --install-only
	./scripts/test-pythons.sh --install-only
	./scripts/build_docs.sh --install-only
	./scripts/run-stages.sh $(TEST_STAGES)
	$(MAKE) --no-print-directory deployment-test

clean:
	rm -rf $(VENV) .airflow dist
