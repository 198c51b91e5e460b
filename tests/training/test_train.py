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
