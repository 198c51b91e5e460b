"""Grouping per report and outcome: counts, shares, evidence, recommendations, disagreements.

Input is the tagged records of a run (as dicts or the DataFrame from
:func:`pipeline.tag`); output is DataFrames, which :mod:`pipeline.render`
writes as Markdown and CSV.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .standards import GENERAL, OUTCOMES, SENTIMENTS, outcome_title

__all__ = ["sentence_table", "outcome_counts", "evidence", "recommendations", "disagreements", "Summary", "summarize"]


def _records(records) -> list[dict]:
    if isinstance(records, pd.DataFrame):
        return records.to_dict("records")
    return list(records)


def sentence_table(records) -> pd.DataFrame:
    """One row per sentence with its paragraph's report, outcome and position."""
    rows = []
    for r in _records(records):
        for s in r["sentences"]:
            rows.append({"report": r["report"], "authority": r.get("authority"), "paragraph": r["paragraph"],
                         "kind": r["kind"], "outcome": str(r["outcome"]), "sentiment": s["sentiment"],
                         "confidence": s["confidence"], "start": s["start"], "end": s["end"], "text": s["text"]})
    return pd.DataFrame(rows, columns=["report", "authority", "paragraph", "kind", "outcome", "sentiment",
                                       "confidence", "start", "end", "text"])


def _regulation(outcome: str):
    return None if outcome == GENERAL else OUTCOMES[int(outcome)].regulation


def outcome_counts(sentences: pd.DataFrame) -> pd.DataFrame:
    """Per report and outcome: sentences of each sentiment, improvement share, title and regulation."""
    if sentences.empty:
        return pd.DataFrame(columns=["report", "outcome", "title", "regulation", *SENTIMENTS, "total",
                                     "improvement_share"])
    counts = (sentences.groupby(["report", "outcome", "sentiment"]).size()
              .unstack("sentiment", fill_value=0).reindex(columns=list(SENTIMENTS), fill_value=0).reset_index())
    counts["total"] = counts[list(SENTIMENTS)].sum(axis=1)
    judged = counts["strength"] + counts["improvement"]
    counts["improvement_share"] = (counts["improvement"] / judged.where(judged > 0)).round(3)
    counts.insert(2, "title", counts["outcome"].map(outcome_title))
    counts.insert(3, "regulation", counts["outcome"].map(_regulation).astype("Int64"))
    order = {str(k): i for i, k in enumerate([GENERAL, *OUTCOMES])}
    return counts.sort_values(["report", "outcome"], key=lambda c: c.map(order) if c.name == "outcome" else c,
                              ignore_index=True)


def evidence(sentences: pd.DataFrame, per_kind: int = 3) -> pd.DataFrame:
    """The most confident sentences of each sentiment for each report and outcome."""
    if sentences.empty:
        return sentences
    ranked = sentences.sort_values("confidence", ascending=False)
    return (ranked.groupby(["report", "outcome", "sentiment"], sort=False).head(per_kind)
            .sort_values(["report", "outcome", "sentiment", "confidence"], ascending=[True, True, True, False],
                         ignore_index=True))


def recommendations(records) -> pd.DataFrame:
    rows = [{"report": r["report"], "paragraph": r["paragraph"], "timescale": r.get("timescale"),
             "outcome": str(r["outcome"]), "title": outcome_title(r["outcome"]),
             "confidence": r["outcome_confidence"], "text": r["text"]}
            for r in _records(records) if r["kind"] == "recommendation"]
    return pd.DataFrame(rows, columns=["report", "paragraph", "timescale", "outcome", "title", "confidence", "text"])


def disagreements(records) -> pd.DataFrame:
    rows = [{"report": r["report"], "paragraph": r["paragraph"], "heading_outcome": str(r["heading_outcome"]),
             "predicted_outcome": str(r["predicted_outcome"]), "confidence": r["outcome_confidence"],
             "text": r["text"]}
            for r in _records(records) if r.get("disagreement")]
    return pd.DataFrame(rows, columns=["report", "paragraph", "heading_outcome", "predicted_outcome",
                                       "confidence", "text"])


class Summary:
    """The grouped results of a run, as DataFrames."""

    def __init__(self, records: Iterable[dict], evidence_per_kind: int = 3):
        records = _records(records)
        self.sentences = sentence_table(records)
        self.counts = outcome_counts(self.sentences)
        self.evidence = evidence(self.sentences, evidence_per_kind)
        self.recommendations = recommendations(records)
        self.disagreements = disagreements(records)
        self.reports = sorted({r["report"] for r in records})


def summarize(records, evidence_per_kind: int = 3) -> Summary:
    """Group tagged records per report and outcome."""
    return Summary(records, evidence_per_kind)
