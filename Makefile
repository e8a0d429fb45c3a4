# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLAMA_CPP_VERSION ?= 0.3.36

.PHONY: install demo test check bench clean

$(STAMP): pyproject.toml scripts/install-llama-cpp.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip wheel
	# The CPU build of torch first, so nothing later pulls CUDA packages.
	$(BIN)/python -m pip install torch==2.13.0
	# llama.cpp without its AMX kernels (they crash on CPUs that report AMX), built once per flag set.
	scripts/install-llama-cpp.sh $(BIN)/python $(LLAMA_CPP_VERSION)
	$(BIN)/python -m pip install -e ".[all,test,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/coalign demo

test: check
	$(BIN)/python -m pytest

# The house rules, checked: layers and cycles, types, lint and format.
check: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) coalign-demo .pytest_cache
