# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz lint typecheck format bench bench-smoke schema constraints clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Serve on 127.0.0.1:8000 with demo data (embedded PostgreSQL unless DATABASE_URL is set)
run: $(STAMP)
	$(BIN)/hireloop migrate
	$(BIN)/hireloop demo
	$(BIN)/hireloop serve --with-worker

## The whole suite (TEST_DATABASE_URL, else an embedded PostgreSQL started for the run), on
## PYTEST_WORKERS processes (pytest-xdist, each taking whole test files); PYTEST_WORKERS=0 runs
## it in this one process (docs/testing.md). Bytecode caches are written even where
## PYTHONDONTWRITEBYTECODE is set: each worker would otherwise rewrite every test module again.
PYTEST_WORKERS ?= 3
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## Schemathesis at length: FUZZ_EXAMPLES (default 200) generated examples per operation instead of
## the suite's 25, every check; FUZZ_OPERATIONS='regex' limits it to the matching operations.
## Not part of `make test` (docs/testing.md).
FUZZ_EXAMPLES ?= 200
FUZZ_OPERATIONS ?=
fuzz: $(STAMP)
	HIRELOOP_FUZZ_EXAMPLES='$(FUZZ_EXAMPLES)' HIRELOOP_FUZZ_OPERATIONS='$(FUZZ_OPERATIONS)' \
		$(BIN)/pytest tests/test_schemathesis.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Load on loopback; figures as ratios to a bare FastAPI + asyncpg app measured in the same run
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || (sudo apt-get update -qq && sudo apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

## What CI runs after the tests: the bench's seeding and answer checks and a 1-second round of
## each load scenario, no targets (about a minute), so a change that breaks the bench is caught
bench-smoke: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || (sudo apt-get update -qq && sudo apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run --smoke --json /tmp/hireloop-bench-smoke.json

## Write openapi.json and schema.graphql (checked in)
schema: $(STAMP)
	$(BIN)/hireloop export-schema

## Re-pin every dependency to what resolves today
constraints:
	rm -rf /tmp/hireloop-pin && $(PYTHON) -m venv /tmp/hireloop-pin
	/tmp/hireloop-pin/bin/pip install --quiet -e '.[dev]'
	(echo '# Pinned versions for a reproducible install: pip install -c constraints.txt -e ".[dev]"'; \
	 echo '# Regenerate with: make constraints'; \
	 /tmp/hireloop-pin/bin/pip freeze --exclude-editable | sort -f) > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
