# mooc-bridge: `make demo` and `make test` do all the set-up on a fresh machine.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# the system Chromium that Playwright drives (playwright cannot download a browser here)
CHROMIUM ?= /usr/bin/chromium
# scorm-again comes from npm, pinned by xblocks/scorm/package-lock.json; vendored for the package build
SCORM_JS := xblocks/scorm
SCORM_VENDOR := $(SCORM_JS)/static/vendor/scorm-again

.PHONY: help demo test quality js system-deps translations bench clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed-%: setup.cfg setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e '.[$*]'
	touch $@

system-deps: ## install Debian's chromium and redis-server when missing (needs root)
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing from Debian's packages"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

js: ## install the pinned scorm-again from npm and vendor it (with its licence) into a git-ignored folder
	@if [ ! -d $(SCORM_JS)/node_modules/scorm-again ] || [ $(SCORM_JS)/package-lock.json -nt $(SCORM_JS)/node_modules/scorm-again ]; then \
	  (cd $(SCORM_JS) && npm ci --no-audit --no-fund --loglevel=error) && touch $(SCORM_JS)/node_modules/scorm-again; \
	fi
	@mkdir -p $(SCORM_VENDOR)
	@cp $(SCORM_JS)/node_modules/scorm-again/dist/scorm12.min.js $(SCORM_JS)/node_modules/scorm-again/dist/scorm2004.min.js \
	    $(SCORM_JS)/node_modules/scorm-again/LICENSE $(SCORM_VENDOR)/
	@node -e 'console.log("scorm-again " + require("./$(SCORM_JS)/node_modules/scorm-again/package.json").version + " vendored into $(SCORM_VENDOR)")'

# the shared golf packages join the demo when ../shared is beside the checkout
DEMO_SCORM := $(foreach f,$(sort $(wildcard ../shared/fixtures/scorm/valid/*.zip)),--scorm $(f))

demo: $(VENV)/.installed-demo js ## create .venv and start the XBlock workbench with demo content on 127.0.0.1:8000
	$(BIN)/mooc-bridge workbench $(DEMO_SCORM)

test: $(VENV)/.installed-test system-deps js ## create .venv and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

quality: $(VENV)/.installed-quality ## run ruff
	$(BIN)/ruff check xblocks adapters scorm sync tests benchmarks

translations: $(VENV)/.installed-dev ## extract messages into the zh_CN catalogs and compile them
	$(BIN)/python -m adapters.i18n_tools

bench: $(VENV)/.installed-test ## run every benchmark in its quick form
	@for b in benchmarks/*.py; do case $$b in */_*) continue;; esac; echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean: ## remove the environment and local state
	rm -rf $(VENV) var .pytest_cache .hypothesis
