# Two commands on a fresh machine: `make book` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EDITION ?= final-2025
DATA ?=
PORT ?= 8000
DATA_ARG := $(if $(DATA),--data $(DATA),)

.PHONY: book html test setup system-packages synth bench serve clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

system-packages:
	bash scripts/install-system-packages.sh

setup: $(VENV)/.installed system-packages

book: setup
	$(BIN)/python -m analysis build --edition $(EDITION) $(DATA_ARG)

html: $(VENV)/.installed
	$(BIN)/python -m analysis build --edition $(EDITION) $(DATA_ARG) --no-pdf

test: setup
	$(BIN)/python -m pytest

serve:
	@test -f _build/$(EDITION)/html/index.html || { echo "no site yet: run 'make book' first"; exit 1; }
	@echo "serving _build/$(EDITION)/html on http://localhost:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/$(EDITION)/html

synth: $(VENV)/.installed
	$(BIN)/python -m analysis synth --edition $(EDITION)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_register.py

clean:
	rm -rf _build
