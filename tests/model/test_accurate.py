"""The accurate mode: a fine-tuned sentence encoder inside the same estimators (needs the ``accurate`` extra)."""

import json

import numpy as np
import pytest

from pipeline.model.embed import encoder_available

pytestmark = pytest.mark.skipif(not encoder_available(),
                                reason="accurate extra not installed (pip install torch==2.13.0 'esq[accurate]')")


@pytest.fixture(scope="module")
def accurate_dir(tmp_path_factory, nlp):
    from pipeline import corpus
    from pipeline.model.persist import save_model
    from pipeline.corpus.frames import training_frames
    from pipeline.model.fit import fit_model
    frames = training_frames(list(corpus.load())[::6], nlp)
    # a tiny fine-tuning run: the contract, not the quality, is under test here
    tiny = {"mode": "accurate", "finetune": {"epochs": 1, "max_examples": 48, "batch_size": 16}}
    model = fit_model(frames, tiny, tiny)
    from pipeline.model.embed import encoder_files
    model.card = {"model_id": "esq-accurate-test", "mode": "accurate", "encoder": {"files_sha256": encoder_files()}}
    return save_model(model, tmp_path_factory.mktemp("m") / "accurate")


def test_tag_picks_the_mode_from_the_model(accurate_dir, joint_file, tmp_path):
    from pipeline.cli import main
    out = tmp_path / "run"
    assert main(["tag", str(joint_file), "--out", str(out), "--model", str(accurate_dir), "--jobs", "1",
                 "--quiet"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["mode"] == "accurate"
    rows = [json.loads(l) for l in (out / "paragraphs.jsonl").read_text().splitlines()]
    assert len(rows) == 5 and all(r["sentences"] for r in rows)


def test_model_file_holds_the_tuned_update_not_the_encoder(accurate_dir):
    # the tuned layers travel as low-rank float16 updates (a few MB); the 90 MB base encoder never does
    from pipeline.model.persist import load_model
    size = (accurate_dir / "model.skops").stat().st_size
    assert 500_000 < size < 8_000_000
    enc = load_model(accurate_dir).sentiment.named_steps["features"].named_transformers_["embedding"]
    matrices = [v for v in enc.weights_.values() if isinstance(v, tuple)]
    assert matrices and all(kind == "delta" and left.shape[1] == enc.rank == right.shape[0]
                            for kind, left, right in matrices)


def test_card_names_the_int8_graphs_and_loading_checks_them(accurate_dir, tmp_path):
    import shutil

    from pipeline.model.persist import ModelError, load_model
    d = tmp_path / "m"
    shutil.copytree(accurate_dir, d)
    model = load_model(d)
    encoder = model.sentiment.named_steps["features"].named_transformers_["embedding"]
    card = json.loads((d / "card.json").read_text())
    card["encoder"]["onnx"] = {"sentiment": {"sha256": encoder.onnx_sha256_}}
    (d / "card.json").write_text(json.dumps(card))
    load_model(d)
    card["encoder"]["onnx"]["sentiment"]["sha256"] = "0" * 64
    (d / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="int8 graph"):
        load_model(d)


def test_stored_update_rebuilds_the_tuned_weights():
    import numpy as np
    import torch

    from pipeline.model.finetune import _compress, _expand
    rng = np.random.default_rng(0)
    base = {"w": torch.from_numpy(rng.normal(size=(40, 30)).astype(np.float32))}
    change = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 30)) * 0.01
    tuned = {"w": base["w"] + torch.from_numpy(change.astype(np.float32)), "b": torch.ones(30)}
    for rank in (3, 8):
        rebuilt = _expand(_compress(tuned, base, rank), base)
        assert np.allclose(rebuilt["w"].numpy(), tuned["w"].numpy(), atol=1e-3)
        assert torch.equal(rebuilt["b"], tuned["b"])
    whole = _expand(_compress(tuned, base, None), base)  # int8: within a quantisation step of each row
    assert np.allclose(whole["w"].numpy(), tuned["w"].numpy(), atol=np.abs(tuned["w"].numpy()).max() / 127)
    too_small = _expand(_compress(tuned, base, 1), base)  # a rank-1 update cannot hold a rank-3 change
    assert not np.allclose(too_small["w"].numpy(), tuned["w"].numpy(), atol=1e-3)


def test_changed_encoder_files_are_refused(accurate_dir, monkeypatch, nlp):
    import pandas as pd

    from pipeline.model import embed
    from pipeline.model.features import frame
    from pipeline.model.persist import load_model
    model = load_model(accurate_dir)
    monkeypatch.setattr(embed, "encoder_files", lambda: {"model.safetensors": "0" * 64})
    X = frame([{"text": "Staff were kind.", "lemmas": "staff be kind"}])
    with pytest.raises(embed.EncoderUnavailable, match="differ"):
        model.sentiment.predict(X)
    assert isinstance(X, pd.DataFrame)


def test_fine_tuning_learns_the_labels_it_is_given():
    import numpy as np

    from pipeline.model.finetune import FineTunedEncoder
    good = ["Staff were kind and patient with every person.", "Records were complete and up to date.",
            "People praised the food and the activities.", "Medicines were stored and given safely.",
            "The manager knew each person well.", "Call bells were answered within minutes."]
    bad = ["Staff were rushed and often unkind.", "Records were missing and out of date.",
           "People complained that meals arrived cold.", "Medicines were left in an unlocked trolley.",
           "The manager had not checked the rotas.", "Call bells rang for a long time unanswered."]
    X = [[t] for t in good + bad] * 4
    y = ["strength"] * 6 + ["improvement"] * 6
    enc = FineTunedEncoder(epochs=3, batch_size=8, learning_rate=1e-4).fit(X, y * 4)
    assert set(enc.classes_) == {"strength", "improvement"}
    v = enc.transform([[t] for t in good + bad])
    assert v.shape == (12, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    # after tuning, each sentence sits nearer its own class's centre than the other's
    centre_good, centre_bad = v[:6].mean(0), v[6:].mean(0)
    nearer = [(x @ centre_good > x @ centre_bad) == (i < 6) for i, x in enumerate(v)]
    assert sum(nearer) >= 11


def test_paragraph_vectors_average_their_sentences():
    import numpy as np

    from pipeline.model.finetune import FineTunedEncoder, split_sentences
    assert split_sentences('Staff were kind. "It is lovely here," she said. 12 people lived there.') == [
        "Staff were kind.", '"It is lovely here," she said.', "12 people lived there."]
    enc = FineTunedEncoder(unit="paragraph", epochs=1, batch_size=4, max_examples=4).fit(
        [["Staff were kind. Food was good."], ["Rotas were short. Nobody came."]], ["4", "13"])
    para = enc.transform([["Staff were kind. Food was good."]])[0]
    parts = enc.embed_sentences(["Staff were kind.", "Food was good."]).mean(0)
    assert np.allclose(para, parts / np.linalg.norm(parts), atol=1e-5)


def test_stock_encoder_paragraph_vectors_average_their_sentences():
    # the outcome classifier's stock vectors: each sentence encoded once, never the paragraph again
    import pandas as pd

    from pipeline.model.embed import SentenceEmbedder
    text = "Staff were kind. Food was good. Records were late."
    enc = SentenceEmbedder(unit="paragraph").fit(pd.DataFrame({"text": [text]}))
    para = enc.transform(pd.DataFrame({"text": [text]}))[0]
    parts = SentenceEmbedder().fit(pd.DataFrame({"text": ["x"]})).transform(
        pd.DataFrame({"text": ["Staff were kind.", "Food was good.", "Records were late."]}))
    mean = parts.mean(0)
    assert np.allclose(para, mean / np.linalg.norm(mean), atol=1e-3)


def test_sentence_encoder_can_read_the_previous_sentence():
    import pandas as pd

    from pipeline.model.finetune import FineTunedEncoder
    X = pd.DataFrame({"text": ["Staff were kind.", "However, two records were late.", "Meals were hot.",
                               "Call bells went unanswered."] * 3,
                      "prev": ["", "Staff were kind.", "", "Meals were hot."] * 3})
    y = ["strength", "improvement", "strength", "improvement"] * 3
    enc = FineTunedEncoder(context=True, epochs=1, batch_size=4, max_examples=12).fit(X, y)
    assert enc._texts(X)[1] == "However, two records were late. [SEP] Staff were kind."
    # the same sentence after another one is another input, so another vector
    other = X.assign(prev=["Meals were hot."] * len(X))
    assert not np.allclose(enc.transform(X)[1], enc.transform(other)[1])
    with pytest.raises(ValueError, match="second column"):
        FineTunedEncoder(context=True).fit(X[["text"]], y)


def test_shipped_accurate_model_loads_and_tags(joint_file):
    # a model saved before a parameter was added still loads, with the parameter's default
    import pipeline
    from pipeline.model.persist import DEFAULT_MODEL, load_model
    model = load_model(DEFAULT_MODEL.parent / "esq-accurate")
    assert model.card["mode"] == "accurate"
    df = pipeline.tag(joint_file, model=model)
    assert len(df) == 5 and df["review"].notna().all()
