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

.PHONY: setup demo test clean

setup: $(BIN)/.installed $(HELM4) $(HELM3)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(HELM4) $(HELM3): tools/install_helm.py
	$(PYTHON) tools/install_helm.py $(TOOLS)

demo: setup
	$(BIN)/python tools/demo.py --output out

test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

clean:
	rm -rf $(VENV) $(TOOLS) out .pytest_cache
