"""scikit-learn transformers over paragraphs and sentences.

Estimators in esq take a DataFrame with the columns of :data:`COLUMNS`
(built by :func:`frame`): the raw ``text``, its ``lemmas`` from the spaCy
stage, for sentences the ``prev`` and ``next`` sentence of the same
paragraph, and for paragraphs the lemmas of the ``neighbours`` (previous and
next paragraph of the same report); empty at the edges.  Context features
thus stay inside the estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .nlp import CUES, cue_vector, visible

__all__ = ["CueFeatures", "frame", "with_neighbours", "sentence_rows", "COLUMNS"]

COLUMNS = ("text", "lemmas", "prev", "next", "neighbours")
_VISIBLE = ("text", "prev", "next")  # the columns holding raw text


def frame(rows) -> pd.DataFrame:
    """A DataFrame with :data:`COLUMNS` from dicts (missing context → empty); the texts
    without invisible characters (:func:`pipeline.model.nlp.visible`)."""
    rows = list(rows)
    names = list(dict.fromkeys(key for row in rows for key in row))
    names += [col for col in COLUMNS if col not in names]

    def cell(value, col):
        if value is None or (isinstance(value, float) and value != value):  # missing or NaN
            return ""
        return visible(value) if col in _VISIBLE and isinstance(value, str) else value

    # object columns: pandas's Arrow-backed strings cost more to build and to iterate than the
    # estimators spend on them
    return pd.DataFrame({col: pd.Series([cell(row.get(col), col) for row in rows], dtype=object)
                         for col in names}, index=pd.RangeIndex(len(rows)))


class CueFeatures(TransformerMixin, BaseEstimator):
    """Counts of the judgement cues of :data:`pipeline.nlp.CUES` in a text column.

    Parameters
    ----------
    prefix : str
        Prefix for feature names (``"prev_"`` for the previous sentence).
    log : bool
        Whether counts are log1p-scaled, so one long paragraph does not dominate.
    """

    def __init__(self, prefix: str = "", log: bool = True):
        self.prefix = prefix
        self.log = log

    def fit(self, X, y=None):
        self.names_ = np.array([f"{self.prefix}cue:{name}" for name in CUES])
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        check_is_fitted(self, "names_")
        texts = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(np.asarray(X).ravel())
        counts = np.array([cue_vector(str(t)) for t in texts], dtype=float)
        counts = counts.reshape(len(texts), len(CUES))
        if self.log:
            counts = np.log1p(counts)
        return sparse.csr_matrix(counts)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "names_")
        return self.names_


def with_neighbours(rows: list[dict]) -> list[dict]:
    """Add each paragraph row's ``neighbours``: the lemmas of the paragraphs either side."""
    for i, row in enumerate(rows):
        before = rows[i - 1]["lemmas"] if i > 0 else ""
        after = rows[i + 1]["lemmas"] if i + 1 < len(rows) else ""
        row["neighbours"] = f"{before} {after}".strip()
    return rows


def sentence_rows(sentences) -> list[dict]:
    """Feature rows for a paragraph's sentences, each with its neighbours as context."""
    texts = [s.text for s in sentences]
    return [{"text": s.text, "lemmas": s.lemmas,
             "prev": texts[i - 1] if i > 0 else "", "next": texts[i + 1] if i + 1 < len(texts) else ""}
            for i, s in enumerate(sentences)]
