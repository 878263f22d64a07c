# Every target installs what it needs into .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
IDP := scripts/dev_idp
NODE_STAMP := $(IDP)/node_modules/.installed
CONTENT ?= site
OUT ?= build/hub
PORT ?= 8000

export NO_MKDOCS_2_WARNING := 1
export PYTHONPATH := $(CURDIR)/scripts:$(CURDIR)/functions

.PHONY: dev test lint typecheck build validate codeowners import-hr import-backstage bench chromium clean node

$(STAMP): requirements-dev.txt functions/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The dev identity provider (oidc-provider on Node 20+), installed exactly from its lock file.
$(NODE_STAMP): $(IDP)/package.json $(IDP)/package-lock.json
	cd $(IDP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_STAMP)

# Debian's Chromium for the browser tests and benchmarks (never `playwright install`).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

build: $(STAMP)
	COMMONS_CONTENT=$(abspath $(CONTENT)) COMMONS_OUT=$(abspath $(OUT)) $(BIN)/mkdocs build --strict

validate: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT)

codeowners: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT) --write-codeowners

# Import people: make import-hr FILE=export.csv [ARGS="--dry-run --remove-missing --team-map Dept=slug"]
import-hr: $(STAMP)
	$(BIN)/python -m hub.importers.hr_csv $(FILE) --content $(CONTENT) $(ARGS)

# make import-backstage FILE="catalog.yaml [more.yaml]" [ARGS=--dry-run]
import-backstage: $(STAMP)
	$(BIN)/python -m hub.importers.backstage $(FILE) --content $(CONTENT) $(ARGS)

# The hub, /auth and /api on http://localhost:$(PORT); the dev identity provider on port $(PORT)+1.
dev: build $(NODE_STAMP)
	$(BIN)/python scripts/devserver.py --root $(OUT) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy scripts functions tests

test: $(STAMP) $(NODE_STAMP) chromium lint typecheck
	$(BIN)/pytest

bench: $(STAMP) chromium
	$(BIN)/python -m bench

clean:
	rm -rf build
