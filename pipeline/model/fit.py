"""Feature frames → fitted estimators: the two scikit-learn Pipelines of a model, fitted together."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .classify import make_outcome_model, make_sentiment_model
from .persist import Model

__all__ = ["Frames", "fit_model"]


@dataclass
class Frames:
    """Feature frames with labels and report groups for both tasks."""

    paragraphs: pd.DataFrame  # text, lemmas, y, group, report_kind
    sentences: pd.DataFrame   # text, lemmas, prev, next, y, group, report_kind


def fit_model(frames: Frames, outcome_params: dict | None = None, sentiment_params: dict | None = None,
              n_jobs: int = 1) -> Model:
    """Fit both estimators on all of ``frames`` (in ``n_jobs`` processes: the two are independent)."""
    jobs = [(make_outcome_model(**(outcome_params or {})), frames.paragraphs),
            (make_sentiment_model(**(sentiment_params or {})), frames.sentences)]
    if n_jobs > 1:
        from joblib import Parallel, delayed
        outcome, sentiment = Parallel(n_jobs=min(n_jobs, 2))(delayed(_fit)(est, df) for est, df in jobs)
    else:
        outcome, sentiment = (_fit(est, df) for est, df in jobs)
    return Model(outcome, sentiment)


def _fit(estimator, frame: pd.DataFrame):
    return estimator.fit(frame, frame["y"])
