# The whole set-up: `make run` and `make test` on a fresh clone with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# exact versions (with hashes) of everything installed, so a fresh machine gets what the tests passed
# with; `make lock` re-resolves them from pyproject.toml's ranges, a deliberate commit of its own
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: run test test-scale check install migrate demo clean lint screens lock

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	@# bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process would compile its imports again
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# an upgrade: re-resolve every version within pyproject.toml's ranges, then run the whole suite
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet uv==$(UV_VERSION); }
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --upgrade \
		--extra test --extra bench --output-file $(LOCK) pyproject.toml

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
	$(BIN)/mypy
	@# files in collection order (acceptance first), not xdist's default of the most tests first, which left the
	@# long files of few tests (make run, the README, the deployments) for the end, one worker idle meanwhile
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder

# the scale-out acceptance runs of issue 16 (tests marked `scale`, left out of `make test`: several
# minutes): a Prefect server on PostgreSQL, two workers from different directories sharing the
# deadline sweep of a few thousand timers, one of them killed mid-sweep; prints timers/s of 1 vs 2
test-scale: install
	$(BIN)/python -m pytest -m scale tests/acceptance

# the checks that take seconds, to run before every commit: lint, layering, types, the pure domain
check: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q tests/unit

# the README's screenshots, taken by the browser tests (tests/web/test_browser*.py)
screens: install
	INCUBASE_SCREENS=docs/screens $(BIN)/python -m pytest -q tests/web/test_browser*.py

clean:
	rm -rf $(VENV) var/*.db

.PHONY: bench
# the benchmarks of issue 7, at full sizes (bench/README.md): each prints medians and ratios and
# writes bench/results/<name>.json; `make test` runs each only with --smoke (tests/bench)
bench: install
	@for b in b1_act b2_http b3_sweep b4_replay b5_audit b6_intake b7_verify b8_reads; do \
		$(BIN)/python -m bench.$$b $(BENCH_ARGS) || exit 1; done
