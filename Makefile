# Developer and CI entry points. Every target is idempotent and works on a fresh clone of a fresh
# machine that has only Python 3.11, Java 17, Maven and apt: whatever else the tests need is fetched here.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# Taken once per make run so that `make test` can report the wall time including its prerequisites.
MAKE_START_NS := $(shell date +%s%N)

VENV := .venv
VENV_BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
# Lazy (=) so that the interpreter is only looked up when a virtualenv actually has to be created.
PYTHON = $(shell command -v python3.11 2>/dev/null || command -v python3)

# The test server is shared by every clone on the machine, so it lives in the user cache, not the repo.
TEST_SERVER_VERSION := 1.38.0
CACHE_HOME := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)
TEST_SERVER_DIR := $(CACHE_HOME)/elevator-orders/temporal-test-server-$(TEST_SERVER_VERSION)
TEST_SERVER_WRAPPER := $(TEST_SERVER_DIR)/wrapper

# Temporal's production server and its SQL tool, built from the Go module proxy at a pinned release (the
# newest whose go.mod asks no newer Go than this machine's), with the release's PostgreSQL schemas: the
# topology tests run the app on it. Shared by every clone on the machine, like the test server.
TEMPORAL_SERVER_VERSION := 1.32.1
TEMPORAL_SERVER_DIR := $(CACHE_HOME)/elevator-orders/temporal-server-$(TEMPORAL_SERVER_VERSION)
TEMPORAL_SERVER_BIN := $(TEMPORAL_SERVER_DIR)/bin/temporal-server

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

TYPED_PACKAGES := domain workflows activities notifications store api worker elevator_orders tests faults

.PHONY: help venv test-server temporal-server postgres browser lint typecheck test test-as-of run format clean bench bench-full faults

help: ## List the targets
	@printf 'Usage: make TARGET\n\n'
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-12s %s\n", $$1, $$2 }'

venv: $(VENV_STAMP) ## Create .venv and install the project with its dev extras

# The stamp makes a second `make venv` free until pyproject.toml changes.
$(VENV_STAMP): pyproject.toml
	@if [ ! -x $(VENV_BIN)/python ]; then \
	  echo "creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(VENV_BIN)/python -m pip install -e '.[dev]'
	@touch $@

test-server: $(TEST_SERVER_WRAPPER) ## Fetch Temporal's Java time-skipping test server into the user cache

# Fetched into a temporary sibling and renamed at the end: an interrupted fetch leaves no wrapper
# behind, so the next run starts over instead of trusting a half-filled lib/. Maven's output is kept
# only for a failure: on success -q still prints stray ANSI resets.
$(TEST_SERVER_WRAPPER):
	@mkdir -p '$(dir $(TEST_SERVER_DIR))'
	@tmp=$$(mktemp -d '$(TEST_SERVER_DIR).partial.XXXXXX'); \
	trap 'rm -rf "$$tmp"' EXIT; \
	printf '%s\n' \
	  '<project xmlns="http://maven.apache.org/POM/4.0.0">' \
	  '  <modelVersion>4.0.0</modelVersion>' \
	  '  <groupId>local.elevator-orders</groupId>' \
	  '  <artifactId>temporal-test-server-fetch</artifactId>' \
	  '  <version>0</version>' \
	  '  <packaging>pom</packaging>' \
	  '  <dependencies>' \
	  '    <dependency>' \
	  '      <groupId>io.temporal</groupId>' \
	  '      <artifactId>temporal-test-server</artifactId>' \
	  '      <version>$(TEST_SERVER_VERSION)</version>' \
	  '    </dependency>' \
	  '  </dependencies>' \
	  '</project>' > "$$tmp/pom.xml"; \
	echo "fetching io.temporal:temporal-test-server:$(TEST_SERVER_VERSION) with Maven"; \
	if ! mvn -q -B -f "$$tmp/pom.xml" dependency:copy-dependencies -DoutputDirectory="$$tmp/lib" \
	    > "$$tmp/mvn.log" 2>&1; then \
	  cat "$$tmp/mvn.log" >&2; exit 1; \
	fi; \
	ls "$$tmp"/lib/temporal-test-server-*.jar > /dev/null; \
	rm -f "$$tmp/pom.xml" "$$tmp/mvn.log"; \
	printf '%s\n' '#!/usr/bin/env bash' \
	  'exec java -cp "$(TEST_SERVER_DIR)/lib/*" io.temporal.testserver.TestServer "$$@"' > "$$tmp/wrapper"; \
	chmod 755 "$$tmp" "$$tmp/wrapper"; \
	rm -rf '$(TEST_SERVER_DIR)'; \
	if ! mv -T "$$tmp" '$(TEST_SERVER_DIR)' && [ ! -x '$(TEST_SERVER_WRAPPER)' ]; then exit 1; fi; \
	echo "test server ready: $(TEST_SERVER_WRAPPER) ($$(ls '$(TEST_SERVER_DIR)'/lib/*.jar | wc -l) jars)"

temporal-server: $(TEMPORAL_SERVER_BIN) ## Build Temporal's production server and SQL tool into the user cache

$(TEMPORAL_SERVER_BIN):
	@mkdir -p '$(dir $(TEMPORAL_SERVER_DIR))'
	@tmp=$$(mktemp -d '$(TEMPORAL_SERVER_DIR).partial.XXXXXX'); \
	trap 'rm -rf "$$tmp"' EXIT; \
	started=$$(date +%s); \
	echo "building go.temporal.io/server v$(TEMPORAL_SERVER_VERSION) with $$(go version | cut -d' ' -f3)"; \
	GOBIN="$$tmp/bin" go install \
	  go.temporal.io/server/cmd/server@v$(TEMPORAL_SERVER_VERSION) \
	  go.temporal.io/server/cmd/tools/sql@v$(TEMPORAL_SERVER_VERSION); \
	mv "$$tmp/bin/server" "$$tmp/bin/temporal-server"; \
	mv "$$tmp/bin/sql" "$$tmp/bin/temporal-sql-tool"; \
	mkdir -p "$$tmp/schema"; \
	cp -R "$$(go env GOMODCACHE)/go.temporal.io/server@v$(TEMPORAL_SERVER_VERSION)/schema/postgresql" "$$tmp/schema/"; \
	chmod -R u+w "$$tmp/schema"; \
	rm -rf '$(TEMPORAL_SERVER_DIR)'; \
	if ! mv -T "$$tmp" '$(TEMPORAL_SERVER_DIR)' && [ ! -x '$(TEMPORAL_SERVER_BIN)' ]; then exit 1; fi; \
	echo "temporal server ready in $$(( $$(date +%s) - started )) s: $(TEMPORAL_SERVER_BIN)"

postgres: ## Make sure a PostgreSQL server binary is installed (tests start their own server)
	@if compgen -G '/usr/lib/postgresql/*/bin/initdb' > /dev/null; then \
	  echo "postgresql present: $$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"; \
	else \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	fi

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`: no download of
# browser builds); the CJK fonts make Chinese pages render as text, not boxes, in their screenshots.
BROWSER_PACKAGES := chromium fonts-noto-cjk

browser: ## Make sure Chromium and the CJK fonts are installed (for tests/browser)
	@missing=$$(for package in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q 'ok installed' || echo "$$package"; \
	done); \
	if [ -z "$$missing" ] && [ -x /usr/bin/chromium ]; then \
	  echo "browser present: chromium $$(dpkg-query -W -f='$${Version}' chromium)"; \
	else \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); \
	fi

lint: venv ## ruff check and ruff format --check
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .

typecheck: venv ## mypy over the application packages
	$(VENV_BIN)/mypy $(TYPED_PACKAGES)

# lint and typecheck run inside this recipe, not as prerequisites, so that they keep their order under
# `make -j`. The trap prints the wall time whether the run passed or failed.
test: venv test-server temporal-server postgres browser ## lint, typecheck and the whole pytest suite
	@trap 'rc=$$?; ms=$$(( ($$(date +%s%N) - $(MAKE_START_NS)) / 1000000 )); \
	  printf "\nmake test: %s, total wall time %d.%03d s\n" \
	    "$$( [ $$rc -eq 0 ] && echo passed || echo "FAILED (exit $$rc)" )" $$((ms / 1000)) $$((ms % 1000))' EXIT; \
	run() { printf '+ %s\n' "$$*"; "$$@"; }; \
	run $(VENV_BIN)/ruff check .; \
	run $(VENV_BIN)/ruff format --check .; \
	run $(VENV_BIN)/mypy $(TYPED_PACKAGES); \
	export TEMPORAL_TEST_SERVER_WRAPPER='$(TEST_SERVER_WRAPPER)'; \
	export TEMPORAL_SERVER_DIR='$(TEMPORAL_SERVER_DIR)'; \
	run $(VENV_BIN)/pytest

# The tests whose outcome depends on a date, run as of another day: `make test-as-of AS_OF=2031-01-01`.
# The clocks tests control and the time-skipping server move by the same whole days (tests/support/
# clock.py); the API tests on the dev server are left out, since the dev server runs on the real now.
DATED_TESTS = tests/workflows tests/e2e tests/domain tests/activities tests/notifications tests/store \
  tests/worker tests/support tests/api/test_public_pages.py tests/api/test_public_page_limits.py \
  tests/api/test_auth.py

test-as-of: venv test-server postgres ## The date-dependent tests as of AS_OF (a later day, YYYY-MM-DD)
	@test -n "$(AS_OF)" || { echo "set AS_OF=YYYY-MM-DD"; exit 2; }
	TESTS_AS_OF='$(AS_OF)' TEMPORAL_TEST_SERVER_WRAPPER='$(TEST_SERVER_WRAPPER)' $(VENV_BIN)/pytest $(DATED_TESTS)

# The benchmarks of issue 8 (bench/run.py): ratios against bare Temporal measured in the same run,
# appended to var/bench/report.md; each run ends with one `goal <name> <measured> <target> met|missed`
# line per goal. PostgreSQL is needed by the read-model goal.
# A deployed worker loads its workflow modules from bytecode. Without it, the workflow sandbox compiles a
# workflow's source again for every run it loads (8% of the worker's time opening hazards), and this
# machine's PYTHONDONTWRITEBYTECODE=1 would keep any bytecode from being written.
BENCH_ENV = env -u PYTHONDONTWRITEBYTECODE PYTHONPATH=.

faults: venv postgres ## Lifecycles under killed workers and stopped Temporal, PostgreSQL and SMTP (~4 min)
	$(VENV_BIN)/python -m faults.run

bench: venv postgres ## Short benchmarks (< 10 minutes): every goal at small sizes
	$(BENCH_ENV) $(VENV_BIN)/python bench/run.py --short

bench-full: venv postgres ## The benchmarks at the issue's sizes (long)
	$(BENCH_ENV) $(VENV_BIN)/python bench/run.py --full

run: venv ## Run `elevator-orders dev` (the local development stack)
	$(VENV_BIN)/elevator-orders dev

format: venv ## Reformat and apply ruff's safe fixes
	$(VENV_BIN)/ruff format .
	$(VENV_BIN)/ruff check --fix .

clean: ## Remove var/ and tool caches (keeps .venv and the test-server cache)
	rm -rf var build .pytest_cache .mypy_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
