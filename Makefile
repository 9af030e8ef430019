# The one entry point: every target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install dot browser test demo lint bench loc notebooks clean

# A virtual environment with the package (editable) and everything tests, lint and bench use.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) dot

# graphviz's `dot` program (a system package, not a Python one).
dot:
	@bash tools/ensure-program.sh dot graphviz "rendering graph pictures (without it they are saved as .dot source)" \
		"'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)"

# Debian's chromium, for the test that plays the HTML backward player in a real browser.
browser:
	@bash tools/ensure-program.sh chromium chromium "the HTML backward player's browser test" \
		"'sudo apt-get install chromium' (Debian/Ubuntu), or set CHROMIUM=/path/to/chrome"

test: install browser
	$(BIN)/python -m pytest

demo: install
	$(BIN)/python examples/demo.py

lint: $(STAMP)
	$(BIN)/ruff check autograd_lite tests bench examples tools
	$(BIN)/mypy autograd_lite

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/compile.py

# Lines per module, so growth is seen.
loc:
	@find autograd_lite -name '*.py' | sort | xargs wc -l

notebooks: install
	$(BIN)/python -m pip install -q jupyterlab ipywidgets
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
