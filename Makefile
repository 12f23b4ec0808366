# Two commands on a fresh machine with only Python 3.11+: `make run` and `make test`.
# Both create .venv and install the pinned dependencies the first time (and after a
# pyproject or constraints change).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PACKAGES := -e 'shared[test]' -e services/eligibility -e services/benefit-calc -e services/approval \
            -e services/means-check -e services/disbursement

.PHONY: install run test demo bench bench-deadlines bench-means bench-payroll bench-recalculate bench-referrals bench-status chaos contract clean

$(STAMP): constraints.txt shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "relief needs Python 3.11+, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt $(PACKAGES)
	@touch $(STAMP)

install: $(STAMP)

run: install  ## NATS on 14222, services on 8001-8005, SQLite files in ./data; Ctrl-C stops all
	$(BIN)/python -m relief_shared.stack --data-dir data

test: install  ## the whole suite; add PostgreSQL with RELIEF_TEST_POSTGRES_URL=postgresql://…
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: install  ## with `make run` going in another terminal
	$(BIN)/python deploy/demo.py

contract: install  ## regenerate docs/asyncapi.json, docs/events.md and the released schema snapshot
	$(BIN)/python -m relief_shared.contract --root .

bench: install
	$(BIN)/python bench/chain.py $(BENCH_ARGS)

bench-deadlines: install  ## 100,000 open deadlines, 10,000 made due by one clock advance; idle CPU
	$(BIN)/python bench/deadlines.py $(BENCH_ARGS)

bench-means: install  ## 10,000 verifications against the department simulators at 50-500 ms a call
	$(BIN)/python bench/means.py $(BENCH_ARGS)

bench-recalculate: install  ## 1,000,000 households on columns, the command on a 1,000,000-line file, POST /v1/calculations at concurrency 8
	cd bench && ../$(BIN)/python recalculation.py $(BENCH_ARGS)

bench-payroll: install  ## the monthly payroll of 1,000,000 recipients: produce, pay (killed and resumed), reconcile; SQLite and PostgreSQL
	$(BIN)/python bench/payroll.py $(BENCH_ARGS)

bench-status: install  ## GET /v1/status/{id} with every lookup logged, beside a bare FastAPI endpoint; SQLite (and PostgreSQL with BENCH_ARGS="--postgres URL")
	cd bench && ../$(BIN)/python status_lookup.py $(BENCH_ARGS)

bench-referrals: install  ## 10,000 cases with three needs each: time until all 30,000 referrals are consumed by partner consumers
	$(BIN)/python bench/referrals.py $(BENCH_ARGS)

chaos: install  ## CHAOS_ARGS="--cases 100 --kills 10 --broker-restarts 3 --seed 7"; exit 1 if a case is stuck or paid twice
	$(BIN)/python tests/e2e/chaos.py $(CHAOS_ARGS)

clean:
	rm -rf data
