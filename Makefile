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

# every install comes from a hashed lock in .requirements/ (`make lock` writes them; see docs/decisions/0019);
# all.txt locks every extra together and the others follow it, so installing two extras in one .venv agrees
LOCKS := .requirements
EXTRAS := base demo test quality dev tutor
UV_COMPILE = $(BIN)/uv pip compile setup.cfg $(LOCKS)/build.in --universal --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make lock"

.PHONY: help demo test quality js system-deps translations bench lock upgrade clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-13s %s\n", $$1, $$2}'

# the locked versions first (hash-checked: every package, pip and setuptools included), then our own code,
# built with the pinned setuptools and nothing else fetched
$(VENV)/.installed-%: setup.cfg setup.py $(LOCKS)/%.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes -r $(LOCKS)/$*.txt
	@# setuptools' notice that an editable install is one was read once; it says nothing about this checkout
	PYTHONWARNINGS="ignore:Editable installation" $(PIP) install -q --no-deps --no-build-isolation -e .
	touch $@

system-deps: ## install Debian's chromium, redis-server and a Chinese font when missing (needs root)
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -n "$$(fc-list :lang=zh family 2>/dev/null)" || missing="$$missing fonts-noto-cjk"; \
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
	@# the cross-frame pair serves a package on an operator's separate content origin (ADR 0031)
	@cp $(SCORM_JS)/node_modules/scorm-again/dist/scorm12.min.js $(SCORM_JS)/node_modules/scorm-again/dist/scorm2004.min.js \
	    $(SCORM_JS)/node_modules/scorm-again/dist/cross-frame-lms.min.js \
	    $(SCORM_JS)/node_modules/scorm-again/dist/cross-frame-api.min.js \
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

lock: ## rewrite the hashed locks in .requirements/ after setup.cfg changed, keeping every pin it still allows
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes -r $(LOCKS)/uv.txt
	$(BIN)/uv pip compile $(LOCKS)/uv.in --universal --python-version 3.11 --generate-hashes --quiet \
		--custom-compile-command "make lock" $(UPGRADE) -o $(LOCKS)/uv.txt
	$(UV_COMPILE) --all-extras $(UPGRADE) -o $(LOCKS)/all.txt
	$(UV_COMPILE) -c $(LOCKS)/all.txt -o $(LOCKS)/base.txt
	@for extra in $(filter-out base,$(EXTRAS)); do \
	  echo "locking [$$extra]"; \
	  $(UV_COMPILE) --extra $$extra -c $(LOCKS)/all.txt -o $(LOCKS)/$$extra.txt || exit 1; \
	done
	$(UV_COMPILE) --extra test --override $(LOCKS)/django42.in -o $(LOCKS)/test-django42.txt

upgrade: ## move every lock to the newest releases setup.cfg allows (then run `make test` and commit)
	$(MAKE) lock UPGRADE=--upgrade

clean: ## remove the environment and local state
	rm -rf $(VENV) var .pytest_cache .hypothesis
