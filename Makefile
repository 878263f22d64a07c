# Every target installs what it needs into .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONTENT ?= site
OUT ?= build/hub
PORT ?= 8000

export NO_MKDOCS_2_WARNING := 1
export PYTHONPATH := $(CURDIR)/scripts:$(CURDIR)/functions

.PHONY: dev test lint typecheck build validate codeowners bench chromium clean

$(STAMP): requirements-dev.txt functions/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Debian's Chromium for the browser tests and benchmarks (never `playwright install`).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

build: $(STAMP)
	COMMONS_CONTENT=$(abspath $(CONTENT)) COMMONS_OUT=$(abspath $(OUT)) $(BIN)/mkdocs build --strict

validate: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT)

codeowners: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT) --write-codeowners

dev: build
	$(BIN)/python scripts/devserver.py --root $(OUT) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy scripts functions tests

test: $(STAMP) chromium lint typecheck
	$(BIN)/pytest

bench: $(STAMP) chromium
	$(BIN)/python -m bench

clean:
	rm -rf build
