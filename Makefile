# grenzenlos: two commands do everything on a fresh machine with Python 3.11.
#   make demo   install, then run localize_catalog once on the bundled sample catalog
#   make test   install, then run the whole test suite
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
RUN_DATE ?= $(shell date -u +%Y-%m-%d)

export AIRFLOW_HOME ?= $(ROOT)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(ROOT)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(ROOT)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM ?= 4
export PATH := $(BIN):$(PATH)

.PHONY: demo test test-fast lint wheel-check install onboard airflow-db airflow-ui benchmark bench-guard clean cluster-up cluster-down cluster-status

install: $(BIN)/airflow
$(BIN)/airflow: pyproject.toml uv.lock
	@echo "Installing the pinned dependencies into .venv (uv.lock; a minute or two the first time) ..."
	@command -v uv >/dev/null || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv sync --frozen --python 3.11 --quiet --compile-bytecode
	@touch $@

airflow-db: install
	@echo "Preparing Airflow's database (SQLite in var/airflow) ..."
	@mkdir -p $(AIRFLOW_HOME) var/logs
	@airflow db migrate > var/logs/airflow-db-migrate.log 2>&1 || (tail -20 var/logs/airflow-db-migrate.log; exit 1)
	@airflow pools import config/pools.json >> var/logs/airflow-db-migrate.log 2>&1 || (tail -20 var/logs/airflow-db-migrate.log; exit 1)

demo: airflow-db
	@echo "Running localize_catalog for $(RUN_DATE) (full log: var/logs/demo-$(RUN_DATE).log) ..."
	@airflow dags test localize_catalog $(RUN_DATE) > var/logs/demo-$(RUN_DATE).log 2>&1 \
		|| (cat var/output/runs/$$(cat var/output/runs/LATEST 2>/dev/null)/summary.txt 2>/dev/null \
			|| grep -E "ERROR|Error|error" var/logs/demo-$(RUN_DATE).log | tail -20; \
			echo "The run failed; full log: var/logs/demo-$(RUN_DATE).log"; exit 1)
	@echo
	@cat var/output/runs/$$(cat var/output/runs/LATEST)/summary.txt
	@echo "Feeds are in $(ROOT)/var/output/<market>/; findings and the run report (report.html)"
	@echo "in var/output/runs/$$(cat var/output/runs/LATEST)/; every run: var/output/runs/index.html."

# Try a catalog before going live: read, check and build it without translating or
# publishing; prints what each market and channel would list and what fixes the rest.
#   make onboard CONFIG=my-shop.toml MARKETS=DE,US
onboard: install
	$(BIN)/python -m pipeline.onboarding $(if $(CONFIG),--config $(CONFIG)) $(if $(MARKETS),--markets $(MARKETS))

# The whole suite in two processes (pytest-xdist, one file per process at a time) and, at
# the same time, the Celery cluster tests: they share one cluster (scheduler, API server,
# DAG processor, triggerer, two workers) and one run on it, whose time goes mostly to waiting
# (process starts, scheduler loops, a missed heartbeat), so they run beside the rest; the
# rest runs under `nice`, so the cluster's processes get the cores first when they need
# them to meet their timeouts. CLUSTER_ALONE=1 runs them afterwards, alone, instead.
# Each part ends with its slowest tests; the cluster's output is printed at the end.
PYTEST_PROCESSES ?= 2
CLUSTER_ALONE ?=
CLUSTER_TESTS := $(BIN)/pytest -p no:xdist --durations=5 tests/integration/test_celery_cluster.py tests/integration/test_triggerer_restart.py
test: install
ifeq ($(CLUSTER_ALONE),)
	@mkdir -p var/logs
	@$(CLUSTER_TESTS) > var/logs/test-cluster.log 2>&1 & cluster=$$!; \
	nice -n 10 $(BIN)/pytest -n $(PYTEST_PROCESSES) --dist loadfile -m "not cluster" --durations=15; \
	rest=$$?; wait $$cluster; cluster_status=$$?; \
	echo "--- the Celery cluster tests (var/logs/test-cluster.log):"; cat var/logs/test-cluster.log; \
	exit $$(( rest != 0 ? rest : cluster_status ))
else
	$(BIN)/pytest -n $(PYTEST_PROCESSES) --dist loadfile -m "not cluster" --durations=15
	$(CLUSTER_TESTS)
endif

# The unit tier, for every edit: no DAG runs, no PostgreSQL, no DeepL mock, no browser.
test-fast: install
	$(BIN)/pytest -n $(PYTEST_PROCESSES) --durations=10 \
		-m "not integration and not cluster and not browser and not postgres and not deepl_mock" \
		tests/unit tests/dags schemas transforms feeds pipeline

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy plugins/grenzenlos_reports.py

# The package works installed: build the wheel, install it into a fresh virtual environment
# outside the repository and run the sample pipeline steps from it (.ci/wheel_check.sh).
wheel-check: install
	.ci/wheel_check.sh

# CI's speed guard: every channel's ratio to a bare-lxml floor against benchmarks/baseline.json
# (fails when one falls more than 15 % below; README "Scale: a million products").
bench-guard: install
	$(BIN)/python benchmarks/guard.py

benchmark: install
	$(BIN)/python benchmarks/nightly.py --products 100000
	$(BIN)/python benchmarks/ingest_and_feed.py --products 100000
	$(BIN)/python benchmarks/ingest_and_feed.py --products 1000000
	$(BIN)/python benchmarks/validate_catalog.py --products 100000
	$(BIN)/python benchmarks/validate_catalog.py --products 1000000
	$(BIN)/python benchmarks/localize_pairs.py --pairs 1000000
	$(BIN)/python benchmarks/translation.py --segments 1000000 --products 100000
	$(BIN)/python benchmarks/feeds.py --products 100000
	for format in shopify woocommerce magento shopware bmecat; do \
		$(BIN)/python benchmarks/catalog_$$format.py --products 100000 || exit 1; done
	$(BIN)/python benchmarks/catalog_akeneo_api.py --products 10000

airflow-ui: airflow-db
	AIRFLOW__CORE__PARALLELISM=4 airflow standalone

# Airflow with the Celery executor: PostgreSQL, Redis, scheduler, API server, DAG processor,
# triggerer and two Celery workers as separate processes (README, "Running on Celery").
cluster-up: install
	@examples/cluster/cluster.sh up

cluster-down:
	@examples/cluster/cluster.sh down

cluster-status:
	@examples/cluster/cluster.sh status

clean:
	rm -rf var
