# The two commands a new user needs: `make demo` and `make test`. Both set up everything else.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
AXE_VERSION := 4.11.4
AXE := .kompeten/npm/node_modules/axe-core/axe.min.js
PACKAGES := -e shared -e shared/chassis -e services/enrollment -e services/assessment -e services/certificate \
	-e plugins/lsp-reference -e plugins/partner-garment -e plugins/webhook-bridge \
	-e services/placement -e services/console -e '.[dev]'

.PHONY: demo test unit servers browser catalogue lint clean bench bench-import bench-certificates \
	bench-registration bench-console bench-scenario bench-store

$(BIN)/.installed: pyproject.toml shared/pyproject.toml shared/chassis/pyproject.toml services/*/pyproject.toml plugins/*/pyproject.toml deploy/constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Kompeten needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c deploy/constraints.txt $(PACKAGES)
	touch $@

# SCENARIO names a file of deploy/scenarios: menjahit-probolinggo (the default),
# tata-rias-samarinda, batik-probolinggo, disnakertrans-kaltim, rajut-bontang, garmen-bandung.
SCENARIO ?= menjahit-probolinggo
demo: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.demo $(SCENARIO)

# Everything a test needs is set up here or by the test fixtures (servers): nothing before it.
# TESTS narrows the run, e.g. `make test TESTS=tests/cluster`.
test: $(BIN)/.installed browser lint
	$(BIN)/python -m pytest -q $(TESTS)

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not integration and not e2e and not cluster and not faults and not setup"

servers: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.servers

# Debian's Chromium and ChromeDriver for the browser tests. Someone who is not root gets a note
# instead: the browser tests then skip (or fail, under KOMPETEN_STRICT).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "no chromium/chromedriver: the browser tests will skip (as root: make browser)"; fi
	@# axe-core checks every screen's accessibility in the browser tests (npm registry).
	@if [ -f $(AXE) ]; then :; elif command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix .kompeten/npm axe-core@$(AXE_VERSION); \
	else echo "no npm: the accessibility checks will skip"; fi

catalogue: $(BIN)/.installed
	$(BIN)/python -m kompeten_chassis.catalogue write

lint: $(BIN)/.installed
	$(BIN)/ruff check shared services plugins deploy tests conftest.py

clean:
	rm -rf $(VENV)

bench: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench

bench-import: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_import

# A field scenario at full size (issue 15), default Disnakertrans Kaltim's 1,900 people.
BENCH_SCENARIO ?= disnakertrans-kaltim
bench-scenario: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_scenario $(BENCH_SCENARIO)

bench-certificates: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_certificates

bench-registration: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_registration

# FerretDB on SQLite (the embedded default) beside FerretDB on PostgreSQL (Debian's).
bench-store: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_store

bench-console: $(BIN)/.installed
	$(BIN)/python -m kompeten_deploy.bench_console
