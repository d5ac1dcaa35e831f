# The commands a user types: `make studio`, `make test`, `make demo`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint studio demo clean

# Re-installs only when pyproject.toml is newer than the last install.
setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	$(BIN)/lint-imports

lint: setup
	$(BIN)/ruff check studio tests

clean:
	rm -rf $(VENV) build *.egg-info
