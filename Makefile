# Two commands on a fresh machine: `make book` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EDITION ?= final-2025
DATA ?=
DATA_ARG := $(if $(DATA),--data $(DATA),)

.PHONY: book test setup synth bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

setup: $(VENV)/.installed

book: $(VENV)/.installed
	$(BIN)/python -m analysis build --edition $(EDITION) $(DATA_ARG)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

synth: $(VENV)/.installed
	$(BIN)/python -m analysis synth

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_register.py

clean:
	rm -rf _build
