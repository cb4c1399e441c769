# The whole set-up: `make run` and `make test` on a fresh clone with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo clean lint screens

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/incubase db upgrade

run: migrate
	$(BIN)/incubase demo --tokens
	$(BIN)/incubase run

test: install
	@# the browser tests need Debian's chromium and CJK fonts; without them they skip, loudly
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null || true; fi
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# the README's screenshots, taken by the browser test (tests/web/test_browser.py)
screens: install
	INCUBASE_SCREENS=docs/screens $(BIN)/python -m pytest -q tests/web/test_browser.py

clean:
	rm -rf $(VENV) var/*.db

.PHONY: bench
# the benchmarks of issue 7, at full sizes (bench/README.md): each prints medians and ratios and
# writes bench/results/<name>.json; `make test` runs each only with --smoke (tests/bench)
bench: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test,bench]'
	@for b in b1_act b2_http b3_sweep b4_replay b5_audit b6_intake; do \
		$(BIN)/python -m bench.$$b $(BENCH_ARGS) || exit 1; done
