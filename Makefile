# `make run` and `make test` are the only two commands a newcomer needs (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test install browser clean

$(STAMP): requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/python -m app.devstack

browser: tests/browser/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json
	cd tests/browser && npm install --no-audit --no-fund --silent

tests/oidc_provider/node_modules/.installed: tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	cd tests/oidc_provider && npm ci --no-audit --no-fund --silent && touch node_modules/.installed

test: install browser tests/oidc_provider/node_modules/.installed
	.ci/pytest-all

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
