"""Grouped evaluation: no report on both sides, same figures twice, peers beside esq."""

import json

import numpy as np
import pytest

from pipeline import corpus
from pipeline.cli import main
from pipeline.evaluation.evaluate import comparison_table, cross_validate, folds_for, metrics
from pipeline.corpus.frames import training_frames


@pytest.fixture(scope="module")
def small_frames(nlp):
    reports = list(corpus.load())[::5]  # 13 reports of every kind
    return training_frames(reports, nlp)


def test_folds_never_split_a_report(small_frames):
    frame = small_frames.sentences
    for train, test in folds_for(frame, 3, 0):
        assert not set(frame["group"].iloc[train]) & set(frame["group"].iloc[test])


def test_same_figures_twice_and_peers_side_by_side(small_frames, monkeypatch):
    from pipeline.evaluation import peers
    # keep the run small: the rule peers and VADER, not the trained ones
    monkeypatch.setattr(peers, "OUTCOME_PEERS", {"keywords": peers.KeywordOutcome})
    monkeypatch.setattr(peers, "SENTIMENT_PEERS", {"keywords": peers.KeywordSentiment, "vader": peers.VaderSentiment})
    import pipeline.evaluation.evaluate as ev
    monkeypatch.setattr(ev, "OUTCOME_PEERS", peers.OUTCOME_PEERS)
    monkeypatch.setattr(ev, "SENTIMENT_PEERS", peers.SENTIMENT_PEERS)
    a = cross_validate(small_frames, folds=3, seed=1)
    b = cross_validate(small_frames, folds=3, seed=1)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    for task in ("outcome", "sentiment"):
        assert {"esq", "keywords"} <= set(a[task])
        for m in a[task].values():
            assert 0 <= m["accuracy"] <= 1 and 0 <= m["macro_f1"] <= 1
    ours = a["sentiment"]["esq"]
    assert {"ece", "brier", "per_class", "confusion"} <= set(ours)
    # the corpus is learnable: esq beats the keyword search it replaces
    assert a["outcome"]["esq"]["macro_f1"] > a["outcome"]["keywords"]["macro_f1"]
    table = comparison_table(a)
    assert "vader" in table and "esq" in table


def test_table_says_when_a_peer_wins():
    result = {"outcome": {"esq": {"accuracy": 0.5, "macro_f1": 0.5}, "rival": {"accuracy": 0.6, "macro_f1": 0.4}},
              "sentiment": {}, "skipped": {"sentiment:zero_shot": "not installed"}}
    table = comparison_table(result)
    assert "BEATS esq on accuracy" in table and "skipped sentiment:zero_shot: not installed" in table


def test_metrics_calibration_of_a_perfect_model():
    y = np.array(["a", "b", "a"])
    proba = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    m = metrics(y, y, proba, ["a", "b"])
    assert m["accuracy"] == 1 and m["ece"] == 0 and m["brier"] == 0


def test_cli_real_reports(seed_path, tmp_path, capsys):
    out = tmp_path / "e.json"
    assert main(["evaluate", "--skip-cv", "--real", str(seed_path.parent), "--json", str(out)]) == 0
    real = json.loads(out.read_text())["real"]
    assert real["paragraphs_with_headings"] == 41
    assert 0 <= real["outcome"]["accuracy"] <= 1
    assert "heading-blind outcome accuracy" in capsys.readouterr().out
