# Two commands do all the set-up on a fresh machine with only python3:
#   make demo   builds a corpus from the bundled sample dump and prints a summary
#   make test   lint, type check, tests (with hypothesis) and the examples
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip -q --disable-pip-version-check

.PHONY: demo test lint typecheck unit examples screenshot clean

demo: $(STAMP)
	$(BIN)/tearcorpus demo

test: lint typecheck unit examples

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[all,dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
unit: $(STAMP)
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

examples: $(STAMP)
	@set -e; for script in examples/*.py; do \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done

# The README's picture of the report page: the bundled sample's report in headless
# Chromium (Debian: apt-get install chromium, and fonts-noto-color-emoji for emoji).
screenshot: $(STAMP)
	$(BIN)/python -m tests.browser docs/images/report.png

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis tearcorpus-demo
