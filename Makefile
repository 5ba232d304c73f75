# `make demo` generates and checks the example charts; `make test` runs every test.
# Both set up what they need first: the virtual environment and the two pinned helm releases.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
HELM4 := $(TOOLS)/helm-4.3.1/helm
HELM3 := $(TOOLS)/helm-3.17.2/helm
# pytest-xdist workers; the suite spends most of its time waiting for helm.
TEST_WORKERS ?= 2

# The YAML language server the editor tests drive, pinned in tools/editor/package-lock.json.
LANGUAGE_SERVER := tools/editor/node_modules/.bin/yaml-language-server

.PHONY: setup test-setup registry demo test bench clean

setup: $(BIN)/.installed $(HELM4) $(HELM3)

# What only the tests need: the language server and the OCI registry.
test-setup: setup $(LANGUAGE_SERVER) registry

$(LANGUAGE_SERVER): tools/editor/package.json tools/editor/package-lock.json
	npm ci --prefix tools/editor --no-audit --no-fund --loglevel=error
	touch $@

registry:
	sh tools/install_registry.sh

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(HELM4) $(HELM3): tools/install_helm.py
	$(PYTHON) tools/install_helm.py $(TOOLS)

demo: setup
	$(BIN)/python tools/demo.py --output out

test: test-setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Thousands of generated values cases checked by chartgen and both helms, then
# `chartgen validate` timed against `helm lint` per file. Both run; either failing fails.
bench: setup
	$(BIN)/python bench/agreement.py; status=$$?; $(BIN)/python bench/validate.py && exit $$status

clean:
	rm -rf $(VENV) $(TOOLS) out .pytest_cache tools/editor/node_modules
