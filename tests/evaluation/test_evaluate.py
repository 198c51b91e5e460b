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


def test_transfer_schemes_hold_out_whole_kinds_and_rounds(small_frames):
    from pipeline.evaluation.evaluate import split_names, splits_for, writer_round
    frame = small_frames.sentences
    kinds = splits_for(frame, "kind")
    assert split_names(frame, "kind") == ["joint", "narrative", "provider"] and len(kinds) == 3
    for (train, test), kind in zip(kinds, split_names(frame, "kind")):
        assert set(frame["report_kind"].iloc[test]) == {kind}
        assert kind not in set(frame["report_kind"].iloc[train])
    assert writer_round("h3_joint_x") == "round 1" and writer_round("r4_a_provider_y") == "round 4"
    assert writer_round("my_own_report") == "other"
    for train, test in splits_for(frame, "round"):
        held = set(frame["group"].iloc[test].map(writer_round))
        assert len(held) == 1 and not held & set(frame["group"].iloc[train].map(writer_round))
    with pytest.raises(ValueError, match="scheme"):
        splits_for(frame, "by-colour")


def test_leave_one_kind_out_reports_each_held_out_kind(small_frames):
    result = cross_validate(small_frames, peers=False, scheme="kind", keep_oof=True)
    per = result["sentiment"]["esq"]["per_split"]
    assert set(per) == {"joint", "narrative", "provider"}
    assert sum(v["n"] for v in per.values()) == len(small_frames.sentences)
    y, proba, classes = result["oof"]["sentiment"]
    assert proba.shape == (len(y), len(classes)) and np.allclose(proba.sum(axis=1), 1.0)
    assert "joint" in comparison_table(result)


def test_real_figures_split_by_review_flag():
    from pipeline.evaluation.evaluate import evaluate_real

    def record(heading, predicted, review):
        return {"report": "r", "source": None, "heading_outcome": heading, "predicted_outcome": predicted,
                "review": review, "sentences": []}
    records = [record(4, 4, False), record(4, 4, False), record(7, 4, True), record(9, 9, True),
               record(None, 2, True)]
    review = evaluate_real(records)["outcome"]["review"]
    assert review == {"flagged": 2, "share_flagged": 0.5, "accuracy_flagged": 0.5, "accuracy_not_flagged": 1.0}
    # a model without calibration flags nothing: no split rather than a made-up one
    assert "review" not in evaluate_real([{**r, "review": None} for r in records])["outcome"]
