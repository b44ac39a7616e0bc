# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run     set up .venv and run the main job: `chainrule train` on the bundled breast-cancer set
#   make test    set up .venv (and Chromium for the browser tests) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: run test lint format bench docs venv clean

run: $(RUN_STAMP)
	$(BIN)/chainrule train

test: $(TEST_STAMP)
	bash scripts/install-browser.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(MKDOCS) build --strict
	$(BIN)/python -m pytest

# The documentation site, into site/ (mkdocs.yml): --strict fails on a broken link or anchor, a
# missing page, a docstring that does not parse or names no object, and a page's code that raises.
docs: $(TEST_STAMP)
	$(MKDOCS) build --strict

# Steps per second against hand-written NumPy, PyTorch, JAX and scikit-learn (benchmarks/RESULTS.md),
# both backends (numba, numpy). The environment of this machine pins OpenBLAS to its Haswell kernels
# (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, against bugs of old builds); the benchmark runs on the
# kernel OpenBLAS would pick, so both are unset for it alone (tests and CI keep them as they are).
bench: $(TEST_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/bench_step.py

venv: $(TEST_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chainrule needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	@$(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): install your Python's venv module (Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }

# The main job needs the command line's extras (rich, scikit-learn, matplotlib).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[cli]'
	@touch $@

# The tests need every extra, since they test every part (ONNX, safetensors, the playground, the
# compiled step, MPI, the documentation site).
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[cli,onnx,safetensors,playground,parquet,fast,distributed,docs,test]'
	@touch $@ $(RUN_STAMP)

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The style, the floors' import contract (docs/architecture.md) and the engine's and nn's types.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .mypy_cache .import_linter_cache .hypothesis test-artifacts site
