import json
import shutil

import pytest

from pipeline.cli import main
from pipeline.model.persist import DEFAULT_MODEL, ModelError, load_model, verify


def test_shipped_model_card():
    card = verify(DEFAULT_MODEL)
    assert card["labels"]["sentiment"] == ["strength", "improvement", "neutral"]
    assert "general" in card["labels"]["outcome"] and len(card["labels"]["outcome"]) == 29
    assert card["corpus"]["sha256"] and card["evaluation"]["outcome"]["macro_f1"] > 0
    assert (DEFAULT_MODEL / "model.joblib").stat().st_size < 5_000_000


@pytest.fixture
def model_copy(tmp_path):
    d = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL, d)
    return d


def test_tampered_file_is_refused_before_unpickling(model_copy):
    with open(model_copy / "model.joblib", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="does not match the card"):
        load_model(model_copy)


def test_version_mismatch_is_refused(model_copy):
    card = json.loads((model_copy / "card.json").read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        load_model(model_copy)


def test_cli_refuses_untrusted_model(tmp_path, joint_file, capsys):
    assert main(["tag", str(joint_file), "--out", str(tmp_path / "r"), "--model", str(tmp_path)]) == 2
    assert "model directory" in capsys.readouterr().err


def test_shipped_models_were_trained_on_this_corpus():
    """A corpus change must come with retrained models (`esq train --out models/esq-fast`)."""
    from pipeline.corpus.store import corpus_hash
    here = corpus_hash()
    for name in ("esq-fast", "esq-accurate"):
        card = json.loads((DEFAULT_MODEL.parent / name / "card.json").read_text())
        assert card["corpus"]["sha256"] == here, name
