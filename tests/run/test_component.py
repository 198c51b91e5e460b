"""esq inside spaCy: nlp.add_pipe("esq") gives what `esq tag` gives for the same paragraph."""

import json
import subprocess
import sys
import warnings
from importlib.metadata import entry_points

import pytest
import spacy

from pipeline.cli import main
from pipeline.model.classify import OUTCOME_KEYS
from pipeline.model.persist import ModelError, PickleModelWarning

PARAGRAPHS = [
    "Staff knew each resident well and spoke to them kindly. However, two care plans had not been reviewed "
    "since the spring, and one did not record a change in mobility. We read six care plans.",
    "Medicines were kept in a locked room at the right temperature. Administration records were complete "
    "for the fortnight we checked.",
    "The home had enough staff on each shift, and agency workers were given an induction. Rotas showed "
    "that night cover was sometimes one carer short.",
    "People said they knew how to complain. The provider had not kept a record of the outcome of three "
    "complaints received in the last year.",
]


@pytest.fixture(scope="module")
def esq_nlp():
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)  # the shipped model may still be a pickle
        nlp.add_pipe("esq")
    return nlp


def test_registered_as_a_spacy_factory_entry_point():
    found = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    assert found.get("esq") == "pipeline.run.component:make_esq"


def test_add_pipe_by_name_in_a_fresh_interpreter():
    # Nothing of esq is imported first: spaCy itself must find the factory through the entry point.
    code = ("import json, warnings; warnings.simplefilter('ignore'); import spacy; nlp = spacy.blank('en'); "
            "nlp.add_pipe('esq'); doc = nlp('Medicines were stored safely and records were complete.'); "
            "print(json.dumps([nlp.pipe_names, max(doc.cats, key=doc.cats.get), "
            "[s._.esq_sentiment for s in doc.sents]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    pipes, outcome, sentiments = json.loads(out.stdout.strip().splitlines()[-1])
    assert pipes == ["esq"] and outcome in OUTCOME_KEYS and len(sentiments) == 1


def test_results_equal_esq_tag(esq_nlp, tmp_path):
    files = []
    for k, text in enumerate(PARAGRAPHS):
        files.append(tmp_path / f"p{k}.txt")
        files[-1].write_text(text + "\n", encoding="utf-8")
    assert main(["tag", *map(str, files), "--out", str(tmp_path / "run"), "--jobs", "1", "--quiet"]) == 0
    records = {r["text"]: r for r in map(json.loads, (tmp_path / "run" / "paragraphs.jsonl").read_text().splitlines())}
    assert set(records) == set(PARAGRAPHS)
    docs = list(esq_nlp.pipe(PARAGRAPHS, batch_size=3))  # batches must not change a paragraph's result
    for doc in docs:
        record = records[doc.text]
        assert set(doc.cats) == set(OUTCOME_KEYS)
        assert {k: v for k, v in doc.cats.items() if v} == record["outcome_probabilities"]
        assert doc._.esq_outcome == record["predicted_outcome"]
        assert doc._.esq_confidence == record["outcome_confidence"]
        assert doc._.esq_sentiment == record["sentiment"]
        got = [(s.start_char, s.end_char, s.text, s._.esq_sentiment, s._.esq_confidence) for s in doc.spans["esq"]]
        want = [(s["start"] - record["start"], s["end"] - record["start"], s["text"], s["sentiment"],
                 s["confidence"]) for s in record["sentences"]]
        assert got == want
        # the doc had no sentence boundaries: esq's are now its sentences, with the same values
        assert [(s.text, s._.esq_sentiment) for s in doc.sents] == [(w[2], w[3]) for w in want]
    assert [esq_nlp(PARAGRAPHS[0]).cats] == [docs[0].cats]  # one at a time: the same again


def test_blank_documents_pass_through(esq_nlp):
    blank, text = esq_nlp.pipe(["  ", PARAGRAPHS[1]])
    assert blank.cats == {} and blank._.esq_outcome is None and "esq" not in blank.spans
    assert text._.esq_outcome is not None


def test_sentences_already_set_are_kept():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": ["!"]})  # a splitter that finds no boundary here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PickleModelWarning)
        nlp.add_pipe("esq")
    doc = nlp(PARAGRAPHS[0])
    assert len(list(doc.sents)) == 1 and len(doc.spans["esq"]) == 3


def test_model_path_is_configurable(tmp_path):
    nlp = spacy.blank("en")
    with pytest.raises(ModelError, match="model directory"):
        nlp.add_pipe("esq", config={"model": str(tmp_path)})
