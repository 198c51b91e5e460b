"""spaCy and skops imported without PyTorch.

Two libraries esq needs import PyTorch whenever it is installed (the
accurate extra installs it) without using it for anything esq does: thinc,
spaCy's machine-learning layer, offers it to pipelines that run PyTorch
models; skops, when it is imported, lists scikit-learn's estimators by
importing every scikit-learn module, one of which wraps PyTorch's arrays.
That import cost a fast-mode run about 180 MB of memory and a second or more
of start-up.  The listing also imports pytest, where installed, through
scikit-learn's test helpers, and Dask through its array-API shims: hidden
too.  So both are imported here with PyTorch hidden from the import system
for that moment; PyTorch itself stays importable afterwards (the accurate
mode's training imports it).

A trained spaCy pipeline that runs PyTorch (a transformer pipeline, named
with ``--spacy-model``) needs thinc to see PyTorch: set the environment
variable ``ESQ_SPACY_TORCH=1``.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys

__all__ = ["import_spacy", "import_skops"]


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden while a library is imported)", name=name)
        return None


@contextlib.contextmanager
def _torch_hidden(first: str, also: tuple[str, ...] = ()):
    # only on the first import of ``first``, and never once PyTorch is imported (nothing to save)
    if first in sys.modules or "torch" in sys.modules or os.environ.get("ESQ_SPACY_TORCH"):
        yield
        return
    # a package already imported stays visible: hiding it would break its submodules' imports
    hide = _Hide(("torch", *(name for name in also if name not in sys.modules)))
    sys.meta_path.insert(0, hide)
    try:
        yield
    finally:
        sys.meta_path.remove(hide)


def import_spacy():
    """spaCy, imported (once per process) with PyTorch hidden from thinc unless ``ESQ_SPACY_TORCH`` is set."""
    with _torch_hidden("thinc"):
        import spacy
    return spacy


def import_skops():
    """``skops.io``, imported with PyTorch hidden from its listing of scikit-learn's estimators (and
    pytest, which scikit-learn's test helpers, imported by that listing, take if installed, and
    Dask, which its array-API shims take: 60 modules and 9 MB)."""
    with _torch_hidden("skops.io", also=("pytest", "dask")):
        import skops.io
    return skops.io
