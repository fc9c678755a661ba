# What a contributor types, and what CI calls.
PY := .venv/bin/python
# Rasa sends no telemetry and no error reports to its servers from anything make runs.
export RASA_TELEMETRY_ENABLED := false
RASA := .venv/bin/rasa

.PHONY: install run test lint validate kb-report eval bench nlu-bench fuzz clean

install:
	@./scripts/setup.sh

run: install
	@$(PY) -m scripts.run

lint: install
	@.venv/bin/ruff check actions policies connectors core scripts tests
	@.venv/bin/ruff format --check --quiet actions policies connectors core scripts tests
	@.venv/bin/lint-imports --no-cache  # the layering: pyproject.toml, [tool.importlinter]

validate: install
	@$(PY) -m scripts.kb validate

kb-report: install
	@$(PY) -m scripts.kb sync && $(PY) -m scripts.kb report

test: lint validate
	@./scripts/setup.sh --with-browser
	@$(PY) -m pytest

eval: install
	@$(PY) -m scripts.evaluate

fuzz: install
	@$(PY) -m scripts.fuzz $(FUZZ_ARGS)

bench: install
	@$(PY) -m scripts.bench $(BENCH_ARGS)

# The intent classifier of config.yml on BANKING77, HWU64 and CLINC150 (results/nlu_bench.md).
nlu-bench: install
	@$(PY) -m scripts.nlu_bench $(NLU_BENCH_ARGS)

clean:
	rm -rf models var results .pytest_cache
