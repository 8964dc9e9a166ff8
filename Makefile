# Two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
DB ?= sqlite+aiosqlite:///./data/conversations.db
HOST ?= 127.0.0.1

# PostgreSQL tests run when the local server answers; otherwise they skip.
PG_URL := postgresql+asyncpg://postgres@127.0.0.1:5432/test
SEGUE_TEST_PG_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(PG_URL))
export SEGUE_TEST_PG_URL

.PHONY: install run test lint typecheck docs fuzz bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p data
	@KEY=$$($(BIN)/segue bootstrap conversations --db $(DB) | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["api_key"])') && \
	echo "API key: $$KEY" && \
	echo "Try:     curl -H 'Authorization: Bearer '$$KEY http://$(HOST):$(PORT)/api/v2/conversations" && \
	echo "Docs:    http://$(HOST):$(PORT)/api/v2/docs  (v1: http://$(HOST):$(PORT)/v1/docs)" && \
	exec $(BIN)/segue serve conversations --host $(HOST) --port $(PORT) --db $(DB)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs/examples
	$(BIN)/ruff format --check src tests bench docs/examples

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site, into site/ (git-ignored); --strict fails on a broken link or
# reference. Every example on its pages is run by tests/docs.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck docs
	$(BIN)/pytest

# The fuzz module of `make test` (schemathesis on every version of every service) with many
# more generated requests per operation; FUZZ_EXAMPLES=N to change, FUZZ_SEED=N to vary.
FUZZ_EXAMPLES ?= 500
FUZZ_SEED ?= 13
fuzz: $(STAMP)
	SEGUE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SEGUE_FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest tests/apps/test_fuzz.py

bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/overhead.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data site .pytest_cache .mypy_cache .ruff_cache

# The committed v1 OpenAPI documents that tests/segue/test_snapshots.py diffs against.
SNAPSHOT_SERVICES ?= conversations demo leads processes workspace
.PHONY: snapshots
snapshots: $(STAMP)
	@mkdir -p snapshots/openapi
	@for s in $(SNAPSHOT_SERVICES); do \
		$(BIN)/segue openapi $$s v1 --db 'sqlite+aiosqlite:///:memory:' > snapshots/openapi/$$s-v1.json.tmp && \
		mv snapshots/openapi/$$s-v1.json.tmp snapshots/openapi/$$s-v1.json && \
		echo "snapshots/openapi/$$s-v1.json" || exit 1; \
	done
