# The commands a user types: `make studio`, `make test`, `make demo`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint studio demo clean installer installer-test

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

# Headless: storyboard -> shots -> timeline -> every export, with the demo model, into out/demo
# (made afresh each time).
demo: setup
	rm -rf out/demo
	$(BIN)/studio demo --out out/demo

lint: setup
	$(BIN)/ruff check studio tests

# The studio window on the demo project, which `make demo` builds the first time.
DEMO_PROJECT := out/demo/Demo.studio
studio: setup
	test -d "$(DEMO_PROJECT)" || $(MAKE) demo
	$(BIN)/studio "$(DEMO_PROJECT)"

# The self-contained app (PyInstaller) in dist/; slow (tens of minutes), so not part of `make test`.
installer: setup
	nice -n 10 $(BIN)/python build_installer.py

# Builds the app, then runs its doctor, plugins, a demo generate and the window (offscreen)
# with a clean environment from an empty folder.
installer-test: installer
	$(BIN)/python installer/check_app.py

clean:
	rm -rf $(VENV) build *.egg-info
