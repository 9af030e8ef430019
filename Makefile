# The one entry point: every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install dot browser node site test demo lint bench loc notebooks ipynb clean

# A virtual environment with the package (editable) and everything tests, lint and bench use.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) dot

# graphviz's `dot` program (a system package, not a Python one).
dot:
	@bash tools/ensure-program.sh dot graphviz "rendering graph pictures; without it they are saved as .dot source" \
		"'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)"

# Debian's chromium, for the test that plays the HTML backward player in a real browser.
# Without root these print one line and go on: tests that need the program are then skipped
# with the reason (with CI=true they fail; see conftest.py).
browser:
	@bash tools/ensure-program.sh chromium chromium "the HTML backward player's browser test" \
		"'sudo apt-get install chromium' (Debian/Ubuntu), or set CHROMIUM=/path/to/chrome"

# Node.js's npm, which installs the browser playground's pinned runtime (make site).
node:
	@bash tools/ensure-program.sh npm npm "building the browser playground (make site)" \
		"'sudo apt-get install npm' (Debian/Ubuntu) or 'brew install node' (macOS)"

# The browser playground: a static site in site/ that runs autograd_lite offline.
site: $(STAMP) node
	$(BIN)/python tools/build_site.py

test: install browser node
	$(BIN)/python -m pytest

demo: install
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check autograd_lite tests bench examples tools web conftest.py
	$(BIN)/mypy autograd_lite

bench: install browser node
	$(BIN)/python bench/run.py
	$(BIN)/python bench/site.py
	$(BIN)/python bench/compile.py

# Lines per module, layer by layer (a reading guide), so growth is seen.
loc:
	@$(PYTHON) tools/loc.py

notebooks: install
	$(BIN)/python -m pip install -q jupyterlab ipywidgets
	$(BIN)/jupyter lab notebooks/

# Rebuild notebooks/*.ipynb from their sources notebooks/src/*.py (a test checks they match).
ipynb:
	$(PYTHON) tools/py2nb.py --all

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis site web/node_modules build
