"""Reports of 2010-2014 compared by the 2014 fundamental standards or CQC's five key questions."""

import json

import pytest

import pipeline
from pipeline.cli import main
from pipeline.report.frameworks import regroup


def para(report, outcome, sentiments, authority, paragraph=1):
    sents = [{"start": 10 * i, "end": 10 * i + 9, "text": f"{report} {outcome} s{i}.", "sentiment": s,
              "confidence": 0.9} for i, s in enumerate(sentiments)]
    return {"report": report, "source": f"{report}.txt", "authority": authority, "paragraph": paragraph,
            "kind": "finding", "heading": None, "heading_outcome": None, "predicted_outcome": outcome,
            "outcome_confidence": 0.9, "outcome": outcome, "disagreement": False, "timescale": None,
            "sentiment": "mixed", "start": 0, "end": 10 * len(sents), "page": None, "text": "", "sentences": sents}


def run_records():
    records = []
    for name, n in (("Ashby", 1), ("Brill", 2)):
        rid = f"{name.lower()}-0000000{n}"
        records += [para(rid, 8, ["strength"] * 3 + ["improvement"] * n, name, 1),   # infection → reg 12, safe
                    para(rid, 9, ["improvement"] * 2 + ["neutral"], name, 2),        # medicines → reg 12, safe
                    para(rid, 13, ["strength", "improvement"], name, 3),             # staffing → reg 18, safe
                    para(rid, 14, ["strength"] * 2, name, 4),                        # supporting workers → reg 18, effective
                    para(rid, 17, ["improvement", "neutral"], name, 5)]              # complaints → reg 16, responsive
    return records


def test_compare_by_2014_regulation_counts_every_sentence_once():
    records = run_records()
    by_outcome = pipeline.compare(records, resamples=50)
    cmp = pipeline.compare(records, resamples=50, framework="2014")
    assert list(cmp.matrix().columns) == ["reg12", "reg16", "reg18"]
    ashby = cmp.table[cmp.table["group"] == "Ashby"].set_index("outcome")
    assert ashby.loc["reg12", ["strength", "improvement", "neutral"]].tolist() == [3, 3, 1]
    assert ashby.loc["reg18", "title"] == "Staffing (regulation 18, 2014)"
    assert cmp.table["total"].sum() == by_outcome.table["total"].sum()
    assert cmp.groups.set_index("group")["improvement_share"].equals(
        by_outcome.groups.set_index("group")["improvement_share"])  # only the outcome axis changes


def test_compare_by_key_question_and_verdicts_regrouped():
    records = run_records()
    verdicts = [{"report": "ashby-00000001", "outcome": 8, "verdict": "met"},
                {"report": "ashby-00000001", "outcome": 9, "verdict": "not_met"},
                {"report": "brill-00000002", "outcome": 9, "verdict": "met"},
                {"report": "brill-00000002", "outcome": 17, "verdict": "not_met"}]
    cmp = pipeline.compare(records, resamples=50, framework="key-question", verdicts=verdicts)
    assert list(cmp.matrix().columns) == ["safe", "effective", "responsive"]
    pairs = cmp.verdict_pairs.set_index(["report", "outcome"])["not_met"]
    # a key question is not met where any outcome under it is not
    assert pairs[("ashby-00000001", "safe")] == 1 and pairs[("brill-00000002", "safe")] == 0
    assert pairs[("brill-00000002", "responsive")] == 1
    assert [r["outcome_2010"] for r in regroup(records[:2], "key-question")] == [8, 9]


def test_cli_report_by_framework(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "paragraphs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in run_records()))
    assert main(["report", str(run), "--by-framework", "key-question", "--resamples", "50"]) == 0
    md = (run / "report" / "comparison.md").read_text()
    assert "safe: People are protected" in md and "responsive" in md and "Outcome 9" not in md
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(run), "--by-framework", "2008"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err
