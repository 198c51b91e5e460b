"""Grouping per report and outcome: counts, shares, evidence, recommendations, disagreements, grades.

Input is the tagged records of a run (as dicts or the DataFrame from
:func:`pipeline.tag`) and, optionally, each report's front matter (the run's
manifest lines, or :func:`pipeline.front_matter`); output is DataFrames,
which :mod:`pipeline.render` writes as Markdown, CSV, Parquet and HTML.
:mod:`pipeline.compare` groups the same sentences across reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from ..standards import FRAMEWORK_LABELS, GENERAL, OUTCOME_LABELS, OUTCOMES, SENTIMENTS, outcome_title

__all__ = ["GRADE_SCORES", "sentence_table", "outcome_counts", "evidence", "recommendations", "disagreements",
           "grades_table", "report_meta", "outcome_order", "regulation", "Summary", "summarize"]

#: Graded judgements as numbers (higher is better).  "Requires improvement" replaced
#: "Adequate" as the third of four grades in 2012, so both score 2.
GRADE_SCORES = {"outstanding": 4, "good": 3, "requires improvement": 2, "adequate": 2, "inadequate": 1}

# outcomes first; the groups of a later framework (records regrouped by pipeline.report.frameworks) after
_ORDER = {str(k): i for i, k in enumerate((*OUTCOME_LABELS, *FRAMEWORK_LABELS))}
_SENTIMENT_ORDER = {s: i for i, s in enumerate(SENTIMENTS)}


def outcome_order(outcomes: pd.Series) -> pd.Series:
    """Sort key for outcome labels as strings: ``general`` first, then 1-28 numerically."""
    return outcomes.astype(str).map(_ORDER)


def regulation(outcome: str | int):
    """The regulation an outcome rests on (None for ``general``, for outcomes without one and for the
    groups of a later framework)."""
    return None if str(outcome) == GENERAL or str(outcome) in FRAMEWORK_LABELS else OUTCOMES[int(outcome)].regulation


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _records(records) -> list[dict]:
    if isinstance(records, pd.DataFrame):
        # A DataFrame turns missing values into NaN; the record contract says null.
        return [{k: (None if not isinstance(v, (list, dict)) and _missing(v) else v) for k, v in r.items()}
                for r in records.to_dict("records")]
    return list(records)


def report_meta(meta) -> dict[str, dict]:
    """Front matter keyed by report id, from any of the forms users hold it in.

    Accepts a mapping ``{report: {...}}``, a DataFrame with a ``report``
    column (e.g. :func:`pipeline.front_matter`), or manifest lines (dicts with
    ``report``; lines without one, or marked ``duplicate_of``, are skipped).
    Each value keeps ``title``, ``source``, ``authority`` and ``grades``.
    """
    if meta is None:
        return {}
    if isinstance(meta, Mapping):
        return {str(k): dict(v) for k, v in meta.items()}
    rows = _records(meta)
    out = {}
    for r in rows:
        if not r.get("report") or r.get("duplicate_of"):
            continue
        out[r["report"]] = {"title": r.get("title"), "source": r.get("source") or r.get("path"),
                            "authority": r.get("authority"), "grades": r.get("grades") or {}}
    return out


def sentence_table(records) -> pd.DataFrame:
    """One row per sentence with its paragraph's report, authority, outcome and position."""
    rows = []
    for r in _records(records):
        for s in r["sentences"]:
            rows.append({"report": r["report"], "authority": r.get("authority"), "paragraph": r["paragraph"],
                         "kind": r["kind"], "outcome": str(r["outcome"]), "sentiment": s["sentiment"],
                         "confidence": s["confidence"], "start": s["start"], "end": s["end"], "text": s["text"]})
    return pd.DataFrame(rows, columns=["report", "authority", "paragraph", "kind", "outcome", "sentiment",
                                       "confidence", "start", "end", "text"])


def sentiment_counts(sentences: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sentences of each sentiment per ``keys`` group, with ``total``, ``judged`` and ``improvement_share``.

    The improvement share is improvement / (strength + improvement): neutral
    sentences judge nothing, so they are left out of it; it is NaN where a
    group has no judged sentence.
    """
    grouped = sentences.groupby(keys + ["sentiment"])
    # ``n``: rows that stand for n sentences each (pipeline.report.columnar's paragraph counts)
    sizes = grouped["n"].sum() if "n" in sentences.columns else grouped.size()
    counts = (sizes
              .unstack("sentiment", fill_value=0).reindex(columns=list(SENTIMENTS), fill_value=0).reset_index())
    counts.columns.name = None
    counts["total"] = counts[list(SENTIMENTS)].sum(axis=1)
    counts["judged"] = counts["strength"] + counts["improvement"]
    counts["improvement_share"] = counts["improvement"] / counts["judged"].where(counts["judged"] > 0)
    return counts


def _with_titles(df: pd.DataFrame, at: int) -> pd.DataFrame:
    df.insert(at, "title", df["outcome"].map(outcome_title))
    df.insert(at + 1, "regulation", df["outcome"].map(regulation).astype("Int64"))
    return df


def outcome_counts(sentences: pd.DataFrame) -> pd.DataFrame:
    """Per report and outcome: sentences of each sentiment, judged sentences, improvement share
    (rounded to 3 places), the outcome's title and the regulation it rests on."""
    columns = ["report", "outcome", "title", "regulation", *SENTIMENTS, "total", "judged", "improvement_share"]
    if sentences.empty:
        return pd.DataFrame(columns=columns)
    counts = sentiment_counts(sentences, ["report", "outcome"])
    counts["improvement_share"] = counts["improvement_share"].round(3)
    counts = _with_titles(counts, 2)
    return counts.sort_values(["report", "outcome"], key=lambda c: outcome_order(c) if c.name == "outcome" else c,
                              ignore_index=True)[columns]


def evidence(sentences: pd.DataFrame, per_kind: int = 3, keys: tuple[str, ...] = ("report",)) -> pd.DataFrame:
    """The most confident sentences of each sentiment for each ``keys`` group and outcome.

    Sentences of finding paragraphs come first: recommendation bullets are
    improvement with confidence 1.0 by rule, not by the model, and are listed
    on their own (:func:`recommendations`), so they only fill a slot where a
    group has no finding sentence of that kind.  Rows keep the paragraph
    number and the sentence's character offsets.
    """
    keys = list(keys)
    if sentences.empty:
        return sentences.copy()
    ranked = sentences.assign(_rec=sentences["kind"] == "recommendation").sort_values(
        ["_rec", "confidence"], ascending=[True, False], kind="stable")
    top = ranked.groupby(keys + ["outcome", "sentiment"], sort=False).head(per_kind).drop(columns="_rec")
    top = top.assign(_o=outcome_order(top["outcome"]), _s=top["sentiment"].map(_SENTIMENT_ORDER))
    return (top.sort_values(keys + ["_o", "_s", "confidence"], ascending=[True] * (len(keys) + 2) + [False],
                            kind="stable")
            .drop(columns=["_o", "_s"]).reset_index(drop=True))


def recommendations(records) -> pd.DataFrame:
    """Every recommendation with its timescale, outcome, title, regulation and the model's confidence."""
    rows = [{"report": r["report"], "paragraph": r["paragraph"], "timescale": r.get("timescale"),
             "outcome": str(r["outcome"]), "title": outcome_title(r["outcome"]),
             "regulation": regulation(r["outcome"]), "confidence": r["outcome_confidence"],
             "start": r.get("start"), "end": r.get("end"), "text": r["text"]}
            for r in _records(records) if r["kind"] == "recommendation"]
    df = pd.DataFrame(rows, columns=["report", "paragraph", "timescale", "outcome", "title", "regulation",
                                     "confidence", "start", "end", "text"])
    df["regulation"] = df["regulation"].astype("Int64")
    return df


def disagreements(records) -> pd.DataFrame:
    """Paragraphs whose outcome heading names another outcome than the model predicts from the text."""
    rows = [{"report": r["report"], "paragraph": r["paragraph"], "heading": r.get("heading"),
             "heading_outcome": str(r["heading_outcome"]), "predicted_outcome": str(r["predicted_outcome"]),
             "predicted_title": outcome_title(r["predicted_outcome"]), "confidence": r["outcome_confidence"],
             "start": r.get("start"), "end": r.get("end"), "text": r["text"]}
            for r in _records(records) if r.get("disagreement")]
    return pd.DataFrame(rows, columns=["report", "paragraph", "heading", "heading_outcome", "predicted_outcome",
                                       "predicted_title", "confidence", "start", "end", "text"])


def grades_table(meta: Mapping[str, dict]) -> pd.DataFrame:
    """One row per graded judgement in the reports' front matter: report, judgement, grade and its
    score (:data:`GRADE_SCORES`; NaN for a grade outside that scale)."""
    rows = [{"report": report, "judgement": judgement, "grade": grade,
             "score": GRADE_SCORES.get(str(grade).strip().lower(), float("nan"))}
            for report, m in meta.items() for judgement, grade in (m.get("grades") or {}).items()]
    return pd.DataFrame(rows, columns=["report", "judgement", "grade", "score"])


class Summary:
    """The grouped results of a run, as DataFrames.

    Attributes: ``sentences`` (one row per sentence), ``counts`` (per report
    and outcome), ``evidence`` (the strongest sentences of each sentiment per
    report and outcome), ``recommendations``, ``disagreements``, ``grades``
    (the graded judgements of the front matter, where ``meta`` was given),
    ``meta`` (front matter by report id) and ``reports`` (sorted ids).
    """

    def __init__(self, records: Iterable[dict], evidence_per_kind: int = 3, meta=None):
        if hasattr(records, "candidates"):  # a run read from its Parquet parts (report.columnar): counts
            _enough_evidence(records, evidence_per_kind)
            self.sentences = records.counts
            self.evidence = evidence(records.candidates, evidence_per_kind)
            self.reports = sorted(r["report"] for r in records.reports)
            records = records.flagged()
        else:
            records = _records(records)
            self.sentences = sentence_table(records)
            self.evidence = evidence(self.sentences, evidence_per_kind)
            self.reports = sorted({r["report"] for r in records})
        self.counts = outcome_counts(self.sentences)
        self.recommendations = recommendations(records)
        self.disagreements = disagreements(records)
        self.meta = report_meta(meta)
        self.grades = grades_table({k: v for k, v in self.meta.items() if k in set(self.reports)})
        self.evidence_per_kind = evidence_per_kind
        self._split: dict | None = None

    def of(self, report: str) -> dict[str, pd.DataFrame]:
        """One report's rows of ``counts``, ``evidence``, ``recommendations``, ``disagreements`` and
        ``grades``, keyed by those names (empty frames where it has none)."""
        if self._split is None:
            # Split once: renderers ask for every report in turn.
            self._split = {name: dict(tuple(df.groupby("report", sort=False))) if len(df) else {}
                           for name, df in self._tables().items()}
        return {name: self._split[name].get(report, df.iloc[:0]) for name, df in self._tables().items()}

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"counts": self.counts, "evidence": self.evidence, "recommendations": self.recommendations,
                "disagreements": self.disagreements, "grades": self.grades}


def _enough_evidence(columns, per_kind: int) -> None:
    if per_kind > columns.per_kind:
        raise ValueError(f"{per_kind} evidence sentences were asked for, but the run was read with "
                         f"{columns.per_kind} (read_run(..., per_kind={per_kind}))")


def summarize(records, evidence_per_kind: int = 3, meta=None) -> Summary:
    """Group tagged records per report and outcome; ``meta`` adds the front matter (titles, grades)."""
    return Summary(records, evidence_per_kind, meta)
