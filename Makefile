# What a contributor types, and what CI calls.
PY := .venv/bin/python
# Rasa sends no telemetry and no error reports to its servers from anything make runs.
export RASA_TELEMETRY_ENABLED := false
# Rasa's command line with Tandem's extensions applied first (rasa_extensions/cli.py); the
# scripts below start Rasa only this way. By hand: $(RASA) shell --model models/...
RASA := $(PY) -m rasa_extensions.cli

.PHONY: install run test lint validate kb-approve kb-report eval bench nlu-bench fuzz clean

install:
	@./scripts/setup.sh

run: install
	@$(PY) -m scripts.run

lint: install
	@.venv/bin/ruff check actions policies connectors core rasa_extensions shop scripts tests
	@.venv/bin/ruff format --check --quiet actions policies connectors core rasa_extensions shop scripts tests
	@.venv/bin/lint-imports --no-cache  # the layering: pyproject.toml, [tool.importlinter]
	@.venv/bin/mypy  # types of core/, shop/ and actions/: pyproject.toml, [tool.mypy]

# Everything a designer edits, without training: articles and their approved versions, escalation
# rules and risks, handoff and retrieval settings, domain and training data (scripts/validate.py).
validate: install
	@$(PY) -m scripts.validate

# Record the new version of every edited or new article in data/kb/versions.lock.
kb-approve: install
	@$(PY) -m scripts.kb approve

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
