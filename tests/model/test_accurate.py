"""The accurate mode: sentence embeddings inside the same estimators (needs the ``accurate`` extra)."""

import json

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
    model = fit_model(frames, {"mode": "accurate"}, {"mode": "accurate"})
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


def test_encoder_is_not_pickled(accurate_dir):
    # the model file holds estimators, not the 90 MB encoder
    assert (accurate_dir / "model.joblib").stat().st_size < 5_000_000


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
