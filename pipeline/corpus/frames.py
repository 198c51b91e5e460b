"""Corpus reports → feature frames with labels and report groups, for training and evaluation."""

from __future__ import annotations

from collections.abc import Iterable

from ..model.features import frame, sentence_rows, with_neighbours
from ..model.fit import Frames
from ..model.nlp import analyse, build_nlp
from ..standards import label_key
from .store import CorpusReport

__all__ = ["training_frames"]


def training_frames(reports: Iterable[CorpusReport], nlp=None) -> Frames:
    """Frames from corpus reports; sentences use the corpus's gold boundaries."""
    nlp = nlp or build_nlp()
    para_rows, sent_rows = [], []
    items = [(r, p) for r in reports for p in r.paragraphs]
    texts = (p.text for _, p in items)
    spans = ([(s.start - p.start, s.end - p.start) for s in p.sentences] for _, p in items)
    report_rows: list[dict] = []
    for (report, p), a in zip(items, analyse(nlp, texts, spans)):
        if report_rows and report_rows[-1]["group"] != report.id:
            para_rows.extend(with_neighbours(report_rows))
            report_rows = []
        report_rows.append({"text": p.text, "lemmas": a.lemmas, "y": label_key(p.outcome), "group": report.id,
                            "report_kind": report.kind, "paragraph_kind": p.kind})
        for row, s in zip(sentence_rows(a.sentences), p.sentences):
            if s.sentiment is not None:
                sent_rows.append({**row, "y": s.sentiment, "group": report.id, "report_kind": report.kind})
    para_rows.extend(with_neighbours(report_rows))
    return Frames(frame(para_rows), frame(sent_rows))
