"""Per-report summaries: counts and shares per outcome with regulations, evidence, recommendations,
disagreements and graded judgements."""

import math

import pandas as pd
import pytest

import pipeline
from pipeline.report.render import report_markdown
from pipeline.report.summarize import GRADE_SCORES, report_meta


def para(report, paragraph, outcome, sentences, kind="finding", authority="Fernhollow", heading_outcome=None,
         predicted=None, timescale=None, start=0):
    """A tagged record as esq writes it; ``sentences`` are (sentiment, confidence) pairs."""
    sents, pos = [], start
    for i, (sentiment, confidence) in enumerate(sentences):
        text = f"Sentence {i} of {paragraph} is {sentiment}."
        sents.append({"start": pos, "end": pos + len(text), "text": text, "sentiment": sentiment,
                      "confidence": confidence})
        pos += len(text) + 1
    predicted = outcome if predicted is None else predicted
    return {"report": report, "source": f"{report}.txt", "authority": authority, "paragraph": paragraph,
            "kind": kind, "heading": None, "heading_outcome": heading_outcome, "predicted_outcome": predicted,
            "outcome_confidence": 0.8, "outcome": heading_outcome if heading_outcome is not None else predicted,
            "disagreement": heading_outcome is not None and heading_outcome != predicted, "timescale": timescale,
            "sentiment": "mixed", "start": start, "end": pos, "page": None,
            "text": " ".join(s["text"] for s in sents), "sentences": sents}


@pytest.fixture
def records():
    return [
        para("fern", "2.1", 9, [("strength", 0.9), ("strength", 0.7), ("improvement", 0.95), ("neutral", 0.6)],
             heading_outcome=9),
        para("fern", "2.2", 9, [("strength", 0.99), ("improvement", 0.5)], heading_outcome=9, predicted=13,
             start=200),
        para("fern", "1.1", "general", [("strength", 0.8), ("neutral", 0.9)], heading_outcome="general", start=400),
        para("fern", 7, 9, [("improvement", 1.0)], kind="recommendation", timescale="Within 3 months", start=600),
    ]


MANIFEST = [
    {"path": "fern.txt", "report": "fern", "status": "ok", "title": "Inspection of Fernhollow",
     "authority": "Fernhollow", "grades": {"Overall effectiveness": "Good", "Being healthy": "Adequate"}},
    {"path": "copy.txt", "report": "fern", "status": "ok", "duplicate_of": "fern.txt", "grades": {"x": "Inadequate"}},
    {"path": "missing.txt", "report": None, "status": "missing"},
]


def test_counts_share_and_regulation(records):
    counts = pipeline.summarize(records).counts.set_index("outcome")
    assert list(counts.index) == ["general", "9"]  # general first, then outcomes in number order
    row = counts.loc["9"]
    assert (row["strength"], row["improvement"], row["neutral"], row["total"]) == (3, 3, 1, 7)
    # neutral sentences judge nothing: share = improvement / (strength + improvement)
    assert row["improvement_share"] == 0.5 and row["judged"] == 6
    assert row["regulation"] == 13 and row["title"] == "Management of medicines"
    assert pd.isna(counts.loc["general", "regulation"])


def test_evidence_prefers_findings_and_keeps_positions(records):
    ev = pipeline.summarize(records, evidence_per_kind=1).evidence
    nine = ev[ev["outcome"] == "9"]
    assert list(nine["sentiment"]) == ["strength", "improvement", "neutral"]
    improvement = nine[nine["sentiment"] == "improvement"].iloc[0]
    # the recommendation bullet has confidence 1.0 by rule; the finding sentence is the evidence
    assert improvement["kind"] == "finding" and improvement["confidence"] == 0.95
    assert improvement["paragraph"] == "2.1"
    assert records[0]["text"][improvement["start"]:improvement["end"]] == improvement["text"]
    strength = nine[nine["sentiment"] == "strength"].iloc[0]
    assert strength["confidence"] == 0.99 and strength["paragraph"] == "2.2"


def test_recommendation_alone_still_gives_evidence():
    recs = [para("r", 1, 7, [("improvement", 1.0)], kind="recommendation", timescale="Immediately")]
    ev = pipeline.summarize(recs).evidence
    assert len(ev) == 1 and ev.iloc[0]["kind"] == "recommendation"


def test_recommendations_and_disagreements(records):
    s = pipeline.summarize(records)
    rec = s.recommendations.iloc[0]
    assert (rec["timescale"], rec["outcome"], rec["regulation"]) == ("Within 3 months", "9", 13)
    dis = s.disagreements
    assert list(dis["paragraph"]) == ["2.2"]
    assert dis.iloc[0]["heading_outcome"] == "9" and dis.iloc[0]["predicted_outcome"] == "13"
    assert dis.iloc[0]["predicted_title"] == "Staffing"


def test_grades_from_manifest_lines(records):
    s = pipeline.summarize(records, meta=MANIFEST)
    assert list(s.grades["grade"]) == ["Good", "Adequate"]  # the duplicate's line is not the report's
    assert list(s.grades["score"]) == [GRADE_SCORES["good"], GRADE_SCORES["adequate"]]
    assert s.meta["fern"]["title"] == "Inspection of Fernhollow" and s.meta["fern"]["source"] == "fern.txt"


def test_unknown_grade_scores_nan():
    meta = report_meta({"r": {"grades": {"Overall": "Excellent"}}})
    g = pipeline.summarize([para("r", 1, 7, [("strength", 0.9)])], meta=meta).grades
    assert math.isnan(g.iloc[0]["score"])


def test_dataframe_input_equals_records(records):
    from_records = pipeline.summarize(records)
    from_frame = pipeline.summarize(pd.DataFrame(records))
    pd.testing.assert_frame_equal(from_records.counts, from_frame.counts)
    # a DataFrame turns a missing timescale into NaN; the summary gives it back as null
    assert from_frame.recommendations["timescale"].tolist() == ["Within 3 months"]
    assert pipeline.summarize(pd.DataFrame(records[:1])).sentences["authority"].tolist()[0] == "Fernhollow"


def test_report_markdown_has_every_part(records):
    s = pipeline.summarize(records, meta=MANIFEST)
    md = report_markdown(s, "fern")
    assert md.startswith("# Inspection of Fernhollow")
    assert "| Overall effectiveness | Good |" in md
    assert "| 9 | Management of medicines | 13 | 3 | 3 | 1 | 50% |" in md
    assert "### 9: Management of medicines (Regulation 13)" in md
    assert "- **improvement** (0.95, ¶2.1, " in md
    assert "| 7 | Within 3 months | 9: Management of medicines (Regulation 13) |" in md
    assert "| 2.2 | 9 | 13: Staffing (Regulation 22) | 0.80 |" in md


def test_summary_of_splits_per_report(records):
    other = para("other", 1, 4, [("strength", 0.9)], authority="Elsewhere")
    s = pipeline.summarize(records + [other])
    assert set(s.of("other")["counts"]["outcome"]) == {"4"}
    assert s.of("fern")["recommendations"]["report"].tolist() == ["fern"]
    assert s.of("other")["recommendations"].empty and s.of("nobody")["counts"].empty


def test_empty_run():
    s = pipeline.summarize([])
    assert s.counts.empty and s.evidence.empty and s.reports == []
