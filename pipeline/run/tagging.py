""":class:`~pipeline.segment.Report` → tagged records, one per finding paragraph.

The record is esq's output contract (README, "Output schema"): ids and
offsets, the heading's outcome beside the model's heading-blind prediction,
paragraph sentiment derived from its sentences, and the sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model.calibrate import apply_temperature
from ..model.classify import OUTCOME_KEYS, explain, full_proba, paragraph_sentiment
from ..model.features import frame, sentence_rows, with_neighbours
from ..model.nlp import analyse
from ..model.persist import Model
from ..segment.segmenter import Report
from ..standards import SENTIMENTS, parse_outcome_label

__all__ = ["tag_report", "tag_reports"]


def _calibrated(proba, card: dict | None):
    """Probabilities under the card's temperature (models without calibration: unchanged)."""
    return apply_temperature(proba, card["temperature"]) if card else proba


def _review_below(card: dict | None) -> float | None:
    return card.get("review_below") if card else None


def tag_report(report: Report, model: Model, nlp, explain_terms: int = 0, neighbours: bool = True) -> list[dict]:
    """Tag every paragraph of one report.  ``explain_terms`` > 0 adds the top terms.

    ``neighbours=False`` tags each paragraph as if it stood alone, without the context of the
    paragraphs either side (the spaCy component's many one-paragraph documents, in one batch).
    """
    paragraphs = report.paragraphs
    if not paragraphs:
        return []
    analysed = list(analyse(nlp, (p.text for p in paragraphs)))
    rows = [{"text": p.text, "lemmas": a.lemmas} for p, a in zip(paragraphs, analysed)]
    para_X = frame(with_neighbours(rows) if neighbours else rows)
    calibration = model.card.get("calibration") or {}
    outcome_proba = full_proba(model.outcome, para_X, OUTCOME_KEYS)
    sent_rows, owner = [], []
    for k, a in enumerate(analysed):
        sent_rows.extend(sentence_rows(a.sentences))
        owner.extend((k, i) for i in range(len(a.sentences)))
    sent_X = frame(sent_rows) if sent_rows else None
    sent_proba = full_proba(model.sentiment, sent_X, SENTIMENTS) if sent_rows else None
    outcome_why = explain(model.outcome, para_X, k=explain_terms) if explain_terms else None
    sent_why = explain(model.sentiment, sent_X, k=explain_terms) if explain_terms and sent_rows else None

    records = []
    per_para: list[list[dict]] = [[] for _ in paragraphs]
    # Plain arrays: row access on a DataFrame costs more than the classifiers.
    sent_p = _calibrated(sent_proba.to_numpy(), calibration.get("sentiment")) if sent_rows else None
    sent_review = _review_below(calibration.get("sentiment"))
    for j, (k, i) in enumerate(owner):
        s = analysed[k].sentences[i]
        best_j = int(sent_p[j].argmax())
        label = SENTIMENTS[best_j]
        confidence = float(sent_p[j, best_j])
        if paragraphs[k].kind == "recommendation":
            # ANNOTATION.md: a recommendation is an area for improvement by definition.
            label, confidence = "improvement", 1.0
        entry = {"start": paragraphs[k].start + s.start, "end": paragraphs[k].start + s.end, "text": s.text,
                 "sentiment": label, "confidence": round(confidence, 4),
                 "review": None if sent_review is None else confidence < sent_review}
        if sent_why is not None:
            entry["explanation"] = [{"term": t, "weight": w} for t, w in sent_why[j]]
        per_para[k].append(entry)
    out_p = _calibrated(outcome_proba.to_numpy(), calibration.get("outcome"))
    outcome_review = _review_below(calibration.get("outcome"))
    for k, p in enumerate(paragraphs):
        row = out_p[k]
        best_j = int(row.argmax())
        best = OUTCOME_KEYS[best_j]
        predicted = parse_outcome_label(best)
        record = {
            "report": report.id,
            "source": report.source,
            "authority": report.meta.get("authority"),
            "paragraph": p.label,
            "kind": p.kind,
            "heading": p.heading,
            "heading_outcome": p.heading_outcome,
            "predicted_outcome": predicted,
            "outcome_confidence": round(float(row[best_j]), 4),
            "review": None if outcome_review is None else bool(row[best_j] < outcome_review),
            "outcome": p.heading_outcome if p.heading_outcome is not None else predicted,
            "disagreement": p.heading_outcome is not None and p.heading_outcome != predicted,
            "timescale": p.timescale,
            "sentiment": paragraph_sentiment(s["sentiment"] for s in per_para[k]),
            "start": p.start,
            "end": p.end,
            "page": p.page,
            "text": p.text,
            "sentences": per_para[k],
            "outcome_probabilities": {key: round(float(v), 4) for key, v in zip(OUTCOME_KEYS, row) if v >= 0.01},
        }
        if outcome_why is not None:
            record["explanation"] = [{"term": t, "weight": w} for t, w in outcome_why[k]]
        records.append(record)
    return records


def tag_reports(reports: Iterable[Report], model: Model, nlp, explain_terms: int = 0) -> Iterator[dict]:
    """Stream tagged records over many reports, one report in memory at a time."""
    for report in reports:
        yield from tag_report(report, model, nlp, explain_terms)
