# Two commands do all the set-up on a fresh machine with only python3:
#   make demo   builds a corpus from the bundled sample dump and prints a summary
#   make test   lint, type check, tests (with hypothesis) and the examples
# and two more for what CI also checks (each installs its extra into .venv first):
#   make docs       the documentation site, built strictly (warnings are errors), in docs/_build/html
#   make test-ray   the datatrove pipelines on a local Ray runtime (tests marked ray)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
RAY_STAMP  := $(VENV)/.ray-stamp
PIP    := $(BIN)/python -m pip -q --disable-pip-version-check

.PHONY: demo test lint typecheck unit examples docs test-ray screenshot clean

demo: $(STAMP)
	$(BIN)/tearcorpus demo

test: lint typecheck unit examples

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[all,dev]'
	touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(PIP) install -e '.[all,dev,docs]'
	touch $(DOCS_STAMP)

$(RAY_STAMP): $(STAMP)
	$(PIP) install -e '.[all,dev,ray]'
	touch $(RAY_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks docs/conf.py docs/_ext
	$(BIN)/ruff format --check src tests examples benchmarks docs/conf.py docs/_ext

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
# The Ray tests have their own target (they need the ray extra and a Ray runtime).
unit: $(STAMP)
	@rc=0; $(BIN)/python -m pytest -m "not ray" $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

examples: $(STAMP)
	@set -e; for script in examples/*.py; do \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done

# -W: a warning (a broken link or reference, a public name without a docstring, a
# docstring autodoc cannot read) fails the build; --keep-going reports all of them.
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

# Ray must import here: a missing extra fails this target instead of skipping the tests.
test-ray: $(RAY_STAMP)
	$(BIN)/python -c "import ray, datatrove.executor.ray"
	@rc=0; $(BIN)/python -m pytest -m ray $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-ray: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# The README's picture of the report page: the bundled sample's report in headless
# Chromium (Debian: apt-get install chromium, and fonts-noto-color-emoji for emoji).
screenshot: $(STAMP)
	$(BIN)/python -m tests.browser docs/images/report.png

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis tearcorpus-demo docs/_build
