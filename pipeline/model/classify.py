"""The two estimators: paragraph outcome and sentence sentiment; build, predict, explain.

Both are plain scikit-learn ``Pipeline`` objects (a ``ColumnTransformer`` of
features into a ``LogisticRegression``) taking the DataFrame of
:func:`pipeline.features.frame`.  Outcome labels are strings inside the
estimator (``"general"``, ``"7"``) and parsed back with
:func:`pipeline.standards.parse_outcome_label` at the edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .features import CueFeatures
from .ngrams import CharNgrams, WordNgrams
from ..standards import OUTCOME_LABELS, label_key

__all__ = [
    "make_outcome_model",
    "make_sentiment_model",
    "full_proba",
    "explain",
    "paragraph_sentiment",
    "OUTCOME_KEYS",
    "MODES",
    "ENCODERS",
]

OUTCOME_KEYS = tuple(label_key(l) for l in OUTCOME_LABELS)


MODES = ("fast", "accurate")


ENCODERS = ("finetuned", "frozen")


def _embedding(mode: str, weight: float, encoder: str, unit: str, finetune: dict | None,
               columns: tuple[str, ...] = ("text",)):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if encoder not in ENCODERS:
        raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")
    if mode == "fast":
        return []
    if encoder == "frozen":
        from .embed import SentenceEmbedder
        # a paragraph's vector is the mean of its sentences': each sentence is encoded once
        return [("embedding", SentenceEmbedder(weight=weight, unit="paragraph" if unit == "paragraph" else "text"),
                 ["text"])]
    from .finetune import FineTunedEncoder
    return [("embedding", FineTunedEncoder(unit=unit, weight=weight, context=len(columns) > 1, **(finetune or {})),
             list(columns))]


def make_outcome_model(C: float = 30.0, max_features: int = 20000, mode: str = "fast",
                       embedding_weight: float = 1.0, context: bool = True,
                       context_weight: float = 0.5, encoder: str = "finetuned",
                       finetune: dict | None = None) -> Pipeline:
    """Paragraph → outcome: TF-IDF over lemma uni- and bigrams (:mod:`pipeline.model.ngrams`;
    plus, in the accurate mode, the paragraph's vector from an encoder fine-tuned on outcomes, or with
    ``encoder="frozen"`` the stock encoder's; with ``context``, the lemmas of the
    neighbouring paragraphs, down-weighted).  ``finetune`` passes settings to
    :class:`~pipeline.model.finetune.FineTunedEncoder`.

    It sees only paragraph text, never a heading.
    """
    parts = [
        ("words", WordNgrams(ngram_range=(1, 2), min_df=2, max_df=0.5, max_features=max_features), "lemmas"),
        *_embedding(mode, embedding_weight, encoder, "paragraph", finetune),
    ]
    weights = None
    if context:
        parts.append(("context", WordNgrams(min_df=2, max_df=0.5, max_features=max_features // 2), "neighbours"))
        weights = {"context": context_weight}
    return Pipeline([
        ("features", ColumnTransformer(parts, transformer_weights=weights)),
        ("clf", LogisticRegression(C=C, max_iter=3000, class_weight="balanced")),
    ])


def make_sentiment_model(C: float = 4.0, max_features: int = 40000, context: bool = True, mode: str = "fast",
                         embedding_weight: float = 1.0, encoder: str = "finetuned",
                         finetune: dict | None = None, encoder_context: bool = False) -> Pipeline:
    """Sentence → sentiment: lemma 1-3-grams, character n-grams, cue counts, and
    (with ``context``) the previous sentence's cues, so "However, ..." after a
    strength reads as the turn it is; in the accurate mode also the sentence's
    vector from an encoder fine-tuned on sentiment (or ``encoder="frozen"``); with
    ``encoder_context`` the fine-tuned encoder also reads the previous sentence."""
    parts = [
        ("words", WordNgrams(ngram_range=(1, 3), min_df=2, max_features=max_features), "lemmas"),
        ("chars", CharNgrams(ngram_range=(3, 5), min_df=3, max_features=max_features), "text"),
        ("cues", CueFeatures(), ["text"]),
        *_embedding(mode, embedding_weight, encoder, "sentence", finetune,
                    ("text", "prev") if encoder_context else ("text",)),
    ]
    if context:
        parts.append(("prev_cues", CueFeatures(prefix="prev_"), ["prev"]))
    return Pipeline([
        ("features", ColumnTransformer(parts)),
        ("clf", LogisticRegression(C=C, max_iter=3000, class_weight="balanced")),
    ])


def full_proba(model: Pipeline, X: pd.DataFrame, labels: tuple[str, ...]) -> pd.DataFrame:
    """Probabilities for every label in ``labels`` (0 for labels unseen in training)."""
    proba = model.predict_proba(X)
    out = pd.DataFrame(0.0, index=range(len(X)), columns=list(labels))
    for j, cls in enumerate(model.classes_):
        out[str(cls)] = proba[:, j]
    return out


def explain(model: Pipeline, X: pd.DataFrame, label: str | None = None, k: int = 5) -> list[list[tuple[str, float]]]:
    """For each row, the ``k`` features that pushed the prediction (or ``label``) most.

    Contributions are feature value × the linear model's weight for the class;
    feature names read like ``words__safeguard training`` or ``cues__cue:contrast``.
    """
    features = model.named_steps["features"]
    clf = model.named_steps["clf"]
    names = features.get_feature_names_out()
    Z = features.transform(X)
    classes = [str(c) for c in clf.classes_]
    predicted = clf.predict(Z)
    out = []
    for i in range(Z.shape[0]):
        cls = str(label if label is not None else predicted[i])
        j = classes.index(cls)
        coef = clf.coef_[j] if clf.coef_.shape[0] > 1 else (clf.coef_[0] if j == 1 else -clf.coef_[0])
        row = Z[i]
        row = row.tocsr() if hasattr(row, "tocsr") else row
        idx = row.indices
        contrib = row.data * coef[idx]
        order = np.argsort(-contrib)[:k]
        out.append([(names[idx[o]].split("__", 1)[-1], round(float(contrib[o]), 4)) for o in order if contrib[o] > 0])
    return out


def paragraph_sentiment(sentiments) -> str:
    """ANNOTATION.md unit 3: strength / improvement / mixed / neutral from sentence labels."""
    s = set(sentiments)
    if "strength" in s and "improvement" in s:
        return "mixed"
    if "strength" in s:
        return "strength"
    if "improvement" in s:
        return "improvement"
    return "neutral"

