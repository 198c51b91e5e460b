import json
import shutil
import warnings

import joblib
import numpy as np
import pytest
import skops.io as sio

from pipeline.cli import main
from pipeline.model.persist import (DEFAULT_MODEL, MODEL_FILE, PICKLE_FILE, ModelError, PickleModelWarning,
                                    convert_model, library_versions, load_model, sha256_file, verify)


def _model_file(directory):
    return directory / json.loads((directory / "card.json").read_text())["file"]["name"]


def test_shipped_model_card():
    card = verify(DEFAULT_MODEL)
    assert card["labels"]["sentiment"] == ["strength", "improvement", "neutral"]
    assert "general" in card["labels"]["outcome"] and len(card["labels"]["outcome"]) == 29
    assert card["corpus"]["sha256"] and card["evaluation"]["outcome"]["macro_f1"] > 0
    # a few MB: weights in float32, terms as arrays (their 64-bit keys, 0.8 MB, do not compress)
    assert _model_file(DEFAULT_MODEL).stat().st_size < 5_000_000


def test_shipped_model_loads_and_tags(joint_file, nlp):
    # The shipped models may still be pickles (until they are re-saved): esq tag must work either way.
    import pipeline
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)
        df = pipeline.tag(joint_file, model=load_model(), nlp=nlp)
    assert len(df) == 5


def test_saved_as_skops_and_read_back(tiny_dir, tiny_frames):
    card = json.loads((tiny_dir / "card.json").read_text())
    assert card["file"]["name"] == MODEL_FILE and card["file"]["sha256"] == sha256_file(tiny_dir / MODEL_FILE)
    assert not (tiny_dir / PICKLE_FILE).exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a skops model loads without any warning
        model = load_model(tiny_dir)
    again = load_model(tiny_dir)
    for est, frame in ((model.outcome, tiny_frames.paragraphs), (model.sentiment, tiny_frames.sentences)):
        assert est.predict_proba(frame).shape[0] == len(frame)
    assert np.array_equal(model.outcome.predict_proba(tiny_frames.paragraphs),
                          again.outcome.predict_proba(tiny_frames.paragraphs))


def test_saving_leaves_the_model_as_it_was_and_loading_restores_it(tiny_frames, tmp_path):
    # terms travel as arrays (a small schema that loads in a blink), never entry by entry
    import zipfile

    from pipeline.model.fit import fit_model
    from pipeline.model.persist import save_model
    model = fit_model(tiny_frames)
    model.card = {"model_id": "esq-tiny", "mode": "fast"}
    words = model.sentiment.named_steps["features"].named_transformers_["words"]
    keys, names = words.keys_.copy(), words.names_.copy()
    expected = model.sentiment.predict_proba(tiny_frames.sentences)
    save_model(model, tmp_path / "m")
    assert np.array_equal(words.keys_, keys)
    with zipfile.ZipFile(tmp_path / "m" / MODEL_FILE) as z:
        schema = z.read("schema.json").decode()
    assert not any(term in schema for term in names if " " in term)  # no bigram is a JSON entry
    loaded = load_model(tmp_path / "m").sentiment.named_steps["features"].named_transformers_["words"]
    assert np.array_equal(loaded.keys_, keys) and list(loaded.names_) == list(names)
    assert np.allclose(load_model(tmp_path / "m").sentiment.predict_proba(tiny_frames.sentences), expected,
                       atol=1e-5)


@pytest.fixture
def model_copy(tiny_dir, tmp_path):
    d = tmp_path / "m"
    shutil.copytree(tiny_dir, d)
    return d


def test_tampered_file_is_refused_before_reading(model_copy):
    with open(model_copy / MODEL_FILE, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="does not match the card"):
        load_model(model_copy)


def test_version_mismatch_is_refused(model_copy):
    card = json.loads((model_copy / "card.json").read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        load_model(model_copy)


def test_card_cannot_name_another_file(model_copy):
    card = json.loads((model_copy / "card.json").read_text())
    card["file"]["name"] = "../../elsewhere.skops"
    (model_copy / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="names the model file"):
        load_model(model_copy)


def test_cli_refuses_untrusted_model(tmp_path, joint_file, capsys):
    assert main(["tag", str(joint_file), "--out", str(tmp_path / "r"), "--model", str(tmp_path)]) == 2
    assert "model directory" in capsys.readouterr().err


class Payload:
    """What an attacker would put in a model file: code that runs when the object is rebuilt."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __setstate__(self, state):  # skops rebuilds an object through __setstate__
        from pathlib import Path
        Path(state["marker"]).write_text("ran")

    def __reduce__(self):  # pickle rebuilds it by calling what __reduce__ names
        from pathlib import Path
        return (Path.write_text, (Path(self.marker), "ran"))


def _directory_holding(obj, directory, pickle=False):
    """A model directory whose card is in order (an attacker controls the whole folder)."""
    directory.mkdir()
    name = PICKLE_FILE if pickle else MODEL_FILE
    (joblib.dump if pickle else sio.dump)({"outcome": obj, "sentiment": obj}, directory / name)
    card = {"format_version": 1 if pickle else 2, "model_id": "evil", "versions": library_versions(),
            "file": {"name": name, "sha256": sha256_file(directory / name)}}
    (directory / "card.json").write_text(json.dumps(card))
    return directory


def test_malicious_skops_file_is_refused_before_anything_runs(tmp_path, joint_file, capsys):
    marker = tmp_path / "marker"
    evil = _directory_holding(Payload(marker), tmp_path / "evil")
    with pytest.raises(ModelError, match=r"untrusted type .*Payload"):
        load_model(evil)
    with pytest.raises(ModelError, match="Payload"):
        load_model(evil, trust_pickle=True)  # trusting pickles does not widen what a skops file may hold
    assert main(["tag", str(joint_file), "--out", str(tmp_path / "run"), "--model", str(evil)]) == 2
    err = capsys.readouterr().err
    assert "untrusted type" in err and "Payload" in err and "Traceback" not in err
    assert not marker.exists()
    # the file is live: a loader that trusted the type would have run the payload
    sio.load(evil / MODEL_FILE, trusted=sio.get_untrusted_types(file=evil / MODEL_FILE))
    assert marker.read_text() == "ran"


def test_skops_file_naming_a_function_is_refused(tmp_path):
    import os
    evil = _directory_holding(os.system, tmp_path / "evil")
    with pytest.raises(ModelError, match=r"untrusted type .*system"):
        load_model(evil)


def test_pickle_is_read_only_when_trusted(tmp_path):
    marker = tmp_path / "marker"
    evil = _directory_holding(Payload(marker), tmp_path / "evil", pickle=True)
    with pytest.raises(ModelError, match="--trust-pickle"):
        load_model(evil)
    assert not marker.exists()
    with pytest.warns(PickleModelWarning, match="pickle"):
        load_model(evil, trust_pickle=True)
    assert marker.read_text() == "ran"  # what --trust-pickle means: the pickle's code runs


@pytest.fixture
def pickled_dir(tiny_dir, tmp_path):
    """The tiny model as esq 0.1 saved models: model.joblib and a card of format 1."""
    d = tmp_path / "old"
    d.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)
        model = load_model(tiny_dir)
    joblib.dump({"outcome": model.outcome, "sentiment": model.sentiment}, d / PICKLE_FILE)
    card = {**model.card, "format_version": 1,
            "file": {"name": PICKLE_FILE, "sha256": sha256_file(d / PICKLE_FILE)}}
    (d / "card.json").write_text(json.dumps(card))
    return d


def test_convert_resaves_a_pickle_as_skops(pickled_dir, tiny_frames, capsys):
    with pytest.warns(PickleModelWarning):
        before = load_model(pickled_dir, trust_pickle=True)
    assert main(["model", "convert", str(pickled_dir)]) == 2  # not without --trust-pickle
    assert "--trust-pickle" in capsys.readouterr().err and (pickled_dir / PICKLE_FILE).exists()
    assert main(["model", "convert", str(pickled_dir), "--trust-pickle"]) == 0
    assert "model.skops" in capsys.readouterr().err
    assert not (pickled_dir / PICKLE_FILE).exists()
    card = verify(pickled_dir)
    assert card["file"]["name"] == MODEL_FILE and card["model_id"] == "esq-tiny" and card["format_version"] == 2
    after = load_model(pickled_dir)
    for a, b, X in ((before.outcome, after.outcome, tiny_frames.paragraphs),
                    (before.sentiment, after.sentiment, tiny_frames.sentences)):
        assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    with pytest.raises(ModelError, match="nothing to convert"):
        convert_model(pickled_dir)


def test_tag_reads_a_pickle_only_with_trust_pickle(pickled_dir, joint_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["tag", str(joint_file), "--out", str(out), "--model", str(pickled_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "pickle" in err and "--trust-pickle" in err and len(err.strip().splitlines()) == 1
    second = tmp_path / "second.txt"
    second.write_text(joint_file.read_text(encoding="utf-8") + "\n3.1 Staff were kind.\n", encoding="utf-8")
    for jobs in ("1", "2"):  # the worker processes of --jobs 2 read the pickle too
        out = tmp_path / f"run{jobs}"
        assert main(["tag", str(joint_file), str(second), "--out", str(out), "--model", str(pickled_dir),
                     "--trust-pickle", "--quiet", "--jobs", jobs]) == 0
        err = capsys.readouterr().err
        assert err.count("esq: warning:") == 1 and "pickle" in err
        assert (out / "paragraphs.jsonl").read_text().count("\n") >= 10


def test_shipped_models_were_trained_on_this_corpus():
    """A corpus change must come with retrained models (`esq train --scheme kind --out models/esq-fast`, and the accurate one)."""
    from pipeline.corpus.store import corpus_hash
    here = corpus_hash()
    for name in ("esq-fast", "esq-accurate"):
        card = json.loads((DEFAULT_MODEL.parent / name / "card.json").read_text())
        assert card["corpus"]["sha256"] == here, name
