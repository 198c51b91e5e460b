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


def fit_model(frames: Frames, outcome_params: dict | None = None, sentiment_params: dict | None = None) -> Model:
    """Fit both estimators on all of ``frames``."""
    outcome = make_outcome_model(**(outcome_params or {})).fit(frames.paragraphs, frames.paragraphs["y"])
    sentiment = make_sentiment_model(**(sentiment_params or {})).fit(frames.sentences, frames.sentences["y"])
    return Model(outcome, sentiment)
