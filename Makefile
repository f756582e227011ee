# Quick start:  make        builds every handout into output/
#               make test   runs the tests
# Both create the virtual environment (.venv) and install what is needed on first use.

PYTHON_SYSTEM ?= python3
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: all build test test-fast bench check-system clean

all: build

build: $(INSTALLED)
	$(PYTHON) generate.py build

# Everything, as CI runs it (browser, watch, wheel-install and property tests included).
test: $(INSTALLED)
	$(PYTHON) -m pytest

# The quick loop while editing: everything but the tests marked slow.
test-fast: $(INSTALLED)
	$(PYTHON) -m pytest -m "not slow"

# WeasyPrint draws text with Pango, a system library pip cannot install.
check-system:
	@$(PYTHON_SYSTEM) -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('pango-1.0') and ctypes.util.find_library('pangoft2-1.0') else 1)" || { \
	  echo "WeasyPrint needs the Pango library, which is not installed."; \
	  echo "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; \
	  echo "  Fedora:        sudo dnf install pango"; \
	  echo "  macOS:         brew install pango"; \
	  exit 1; }
	@$(PYTHON_SYSTEM) -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('harfbuzz-subset') else 1)" || { \
	  echo "Note: HarfBuzz's subsetter is not installed; Chinese and Korean handouts build, but slowly."; \
	  echo "  Debian/Ubuntu: sudo apt-get install libharfbuzz-subset0"; }

$(INSTALLED): pyproject.toml | check-system
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	@touch $@

clean:
	rm -rf output

# Build-time benchmark (not a test): prints a table with medians and ratios.
bench: $(INSTALLED)
	$(PYTHON) bench/run.py
