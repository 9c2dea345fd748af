"""Sphinx configuration of the tearcorpus documentation site (``make docs``).

The pages are Markdown (MyST); the API reference and the command-line reference are
generated when the site is built, by the local extension ``docs/_ext/tearcorpus_docs.py``,
from the package's public modules and ``__all__`` and from the argument parser.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import tearcorpus  # noqa: E402  (after the path set-up above, like the extension)

project = "tearcorpus"
author = "tearcorpus developers"
copyright = "tearcorpus developers (MIT licence)"
release = tearcorpus.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "tearcorpus_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# Markdown: GitHub-style heading anchors (``model.md#one-record-per-id``), tables, and
# ``{directive}`` fences.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence", "deflist"]

# The docstrings are reST with Sphinx roles (:class:, :func:, :data: ...), and data and
# fields are documented by ``#:`` comments: autodoc reads both as they are.
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
add_module_names = False
python_display_short_literal_types = True

# Option names stay as typed (``--to``, not an en dash), quotes straight.
smartquotes = False

html_theme = "furo"
html_title = f"tearcorpus {release}"
html_static_path: list[str] = []

# A warning is an error (``make docs`` runs sphinx-build -W): a broken link between pages,
# an unknown cross-reference target in a page, a docstring autodoc cannot read, a public
# name without a docstring.
