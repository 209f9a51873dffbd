"""Sphinx configuration: the API reference (autodoc + numpydoc), an examples
gallery (sphinx-gallery) and the markdown pages (MyST).

Build with ``python -m sphinx -W -b html docs docs/_build/html``. The gallery
runs only the fast examples (``SMRT_DOCS_RUN`` widens the pattern); the
others are shown with their code, unexecuted.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from smrt_keras import __version__  # noqa: E402

project = "smrt-keras"
author = "smrt-keras developers"
copyright = "2026, smrt-keras developers"  # noqa: A001 - Sphinx's name
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "alabaster"
html_static_path = []

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# Keras's own docstrings (markdown, not numpydoc) stay on Keras's pages.
autodoc_inherit_docstrings = False
# numpydoc writes the member tables; autosummary stubs would repeat them.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# The markdown pages link to files of the repository (benchmarks, tests); those
# links are kept as plain links, not Sphinx cross-references.
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Fast examples run at every build (the test suite's too); the MNIST one
    # needs the dataset and minutes of training, so it is shown, not run.
    "filename_pattern": os.environ.get(
        "SMRT_DOCS_RUN", r"plot_(quickstart|mixed_table|quality_report)"
    ),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
