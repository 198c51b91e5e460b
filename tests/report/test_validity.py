"""Validity against the regulator: AUCs against verdicts and grades, read from a run folder by `esq report`."""

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.report.validity import auc, concordance, grade_validity, read_verdicts, verdict_validity
from pipeline.standards import SENTIMENTS


def test_auc_and_concordance():
    assert auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1
    assert auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
    assert np.isnan(auc([0.5, 0.6], [1, 1]))
    # the worse-graded (higher badness) report has the higher share in 2 of the 3 pairs
    assert concordance([0.9, 0.5, 0.7], [3, 2, 1]) == pytest.approx(2 / 3)
    assert np.isnan(concordance([0.1, 0.2], [1, 1]))


def test_verdict_validity_counts_and_interval():
    rng = np.random.default_rng(0)
    shares, verdicts = [], []
    for r in range(30):
        for outcome in (4, 7, 9):
            not_met = rng.random() < 0.3
            share = float(np.clip(rng.normal(0.7 if not_met else 0.4, 0.1), 0, 1))
            shares.append({"report": f"r{r}", "outcome": str(outcome), "improvement_share": share - 0.1,
                           "corrected_share": share, "judged": 10})
            verdicts.append({"report": f"r{r}", "outcome": outcome, "verdict": "not_met" if not_met else "met"})
    verdicts.append({"report": "r0", "outcome": 13, "verdict": "met"})  # no sentence on it: left out, counted
    figures, pairs = verdict_validity(pd.DataFrame(shares), verdicts, resamples=300, seed=0)
    row = figures.set_index("share").loc["corrected"]
    assert row["outcomes"] == 90 and row["unmatched"] == 1 and row["reports"] == 30
    assert row["not_met"] + row["met"] == 90 and row["auc"] > 0.9
    assert row["lo"] <= row["auc"] <= row["hi"] and row["hi"] - row["lo"] < 0.2
    assert len(pairs) == 91


def test_grade_validity():
    shares = pd.DataFrame({"report": ["a", "b", "c", "d"], "improvement_share": [0.2, 0.4, 0.6, 0.8],
                           "corrected_share": [0.1, 0.5, 0.4, 0.9]})
    grades = pd.DataFrame({"report": ["a", "a", "b", "c", "d"], "score": [4, 4, 3, 2, 1]})
    g = grade_validity(shares, grades, resamples=200).set_index("share")
    assert g.loc["raw", "auc"] == 1 and g.loc["raw", "reports"] == 4
    assert g.loc["corrected", "auc"] == pytest.approx(5 / 6)


def test_read_verdicts(tmp_path):
    assert read_verdicts(tmp_path) is None
    (tmp_path / "verdicts.jsonl").write_text(json.dumps({"report": "a", "outcome": 7, "verdict": "met"}) + "\n\n")
    assert read_verdicts(tmp_path) == [{"report": "a", "outcome": 7, "verdict": "met"}]
    (tmp_path / "verdicts.jsonl").write_text(json.dumps({"report": "a", "outcome": 7, "verdict": "maybe"}) + "\n")
    with pytest.raises(ValueError, match="verdicts.jsonl line 1: a verdict needs"):
        read_verdicts(tmp_path)


CONFUSION = {"labels": list(SENTIMENTS), "matrix": [[880, 40, 80], [180, 720, 100], [220, 40, 740]]}


def hand_written_run(folder, verdicts=True, confusion=True):
    """A run folder as `esq tag` writes it, by hand: 12 reports; in each, outcome 9 not met carries mostly
    improvement sentences and outcome 4 met mostly strengths."""
    folder.mkdir()
    model = folder.parent / "model"
    model.mkdir(exist_ok=True)
    card = {"model_id": "hand-1", "evaluation": {"sentiment": {"accuracy": 0.8, "macro_f1": 0.8}}}
    if confusion:
        card["evaluation"]["sentiment"]["confusion"] = CONFUSION
    (model / "card.json").write_text(json.dumps(card))
    (folder / "run.json").write_text(json.dumps({"model": "hand-1", "model_path": str(model)}))
    records, manifest, lines = [], [], []
    for r in range(12):
        rid = f"home{r}-0000000{r % 10}"
        manifest.append({"path": f"home{r}.txt", "report": rid, "status": "ok", "title": f"Home {r}",
                         "authority": f"Provider {r % 4}", "grades": {}})
        for p, (outcome, mix) in enumerate([(9, ["improvement"] * 3 + ["strength"]),
                                            (9, ["improvement", "neutral", "strength"]),
                                            (4, ["strength"] * 3 + ["improvement"]),
                                            (4, ["strength", "neutral"])]):
            records.append({"report": rid, "source": f"home{r}.txt", "authority": f"Provider {r % 4}",
                            "paragraph": p + 1, "kind": "finding", "outcome": outcome, "heading_outcome": outcome,
                            "predicted_outcome": outcome, "outcome_confidence": 0.9, "disagreement": False,
                            "timescale": None, "start": 0, "end": 10, "text": "t", "page": None,
                            "sentences": [{"start": i, "end": i + 1, "text": f"s{i}.", "sentiment": s,
                                           "confidence": 0.8} for i, s in enumerate(mix)]})
        lines += [{"report": rid, "path": f"home{r}.txt", "outcome": 9, "verdict": "not_met", "action": "compliance",
                   "impact": "moderate", "source": "summary-table", "start": 0, "end": 5, "text": "Action needed"},
                  {"report": rid, "source": f"home{r}.txt", "outcome": 4, "verdict": "met", "action": None,
                   "impact": None, "start": 6, "end": 9, "text": "Met this standard"}]
    (folder / "paragraphs.jsonl").write_text("".join(json.dumps(x) + "\n" for x in records))
    (folder / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in manifest))
    if verdicts:
        (folder / "verdicts.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder


def test_esq_report_measures_validity_against_verdicts(tmp_path, capsys):
    run = hand_written_run(tmp_path / "run")
    assert main(["report", str(run), "--resamples", "100"]) == 0
    err = capsys.readouterr().err
    assert "corrected shares: adjusted classify-and-count" in err and "no validity" not in err
    v = pd.read_csv(run / "report" / "compare_validity.csv")
    verdicts = v[v["against"] == "verdicts"].set_index("share")
    assert verdicts.loc["corrected", "auc"] == 1 and verdicts.loc["corrected", "outcomes"] == 24
    md = (run / "report" / "comparison.md").read_text()
    assert "Against the regulator's verdicts: 24 outcomes of 12 reports" in md
    html = (run / "report" / "report.html").read_text()
    assert "Against the regulator's verdicts" in html and "12 not met, 12 met" in html
    page = (run / "report" / "reports" / "home0-00000000.html").read_text()
    assert "not met" in page


def test_esq_report_says_when_a_run_has_no_verdicts_or_no_measured_error(tmp_path, capsys):
    run = hand_written_run(tmp_path / "run", verdicts=False, confusion=False)
    assert main(["report", str(run), "--resamples", "50"]) == 0
    err = capsys.readouterr().err
    assert "no validity against verdicts" in err and "holds no verdicts.jsonl" in err
    assert "no corrected shares" in err and "no cross-validated confusion matrix" in err
    html = (run / "report" / "report.html").read_text()
    assert "No verdicts: this run holds no verdicts of the regulator" in html
    assert "The corrected share is unavailable" in html
    md = (run / "report" / "comparison.md").read_text()
    assert "Corrected share unavailable:" in md and "No verdicts: this run holds no verdicts" in md
