# Two commands on a fresh machine: `make book` and `make test`. Everything else is set up here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# EDITION empty: the edition the extract's extract.json names (DATA=...), else final-2025
EDITION ?=
EDITION_ARG := $(if $(EDITION),--edition $(EDITION),)
SITE_EDITION := $(or $(EDITION),final-2025)
DATA ?=
BUNDLE ?=
PORT ?= 8000
DATA_ARG := $(if $(DATA),--data "$(DATA)",)
# with BUNDLE=dir the book is rendered from that (exported) bundle: no extract is read
SOURCE_ARG := $(if $(BUNDLE),--bundle "$(BUNDLE)",$(DATA_ARG))

.PHONY: book html bundle test setup system-packages test-packages synth bench serve clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

system-packages:
	bash scripts/install-system-packages.sh

# the build's packages and Chromium with chromium-driver for the browser test
test-packages:
	bash scripts/install-system-packages.sh --test

setup: $(VENV)/.installed system-packages

book: setup
	$(BIN)/python -m analysis build $(EDITION_ARG) $(SOURCE_ARG)

html: $(VENV)/.installed
	$(BIN)/python -m analysis build $(EDITION_ARG) $(SOURCE_ARG) --no-pdf

bundle: $(VENV)/.installed
	$(BIN)/python -m analysis compute $(EDITION_ARG) $(DATA_ARG)

test: $(VENV)/.installed test-packages
	$(BIN)/python -m pytest

serve:
	@test -f _build/$(SITE_EDITION)/html/index.html || { echo "no site yet: run 'make book' first"; exit 1; }
	@echo "serving _build/$(SITE_EDITION)/html on http://localhost:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/$(SITE_EDITION)/html

synth: $(VENV)/.installed
	$(BIN)/python -m analysis synth $(EDITION_ARG)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_register.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_pool.py

clean:
	rm -rf _build
