"""The baselines users would otherwise pick, as estimators with the same interface.

Each peer takes the same feature frame as esq's estimators (it reads the
``text`` column) and has ``fit``/``predict``, so evaluation runs it on the
same folds.  Peers whose optional package is missing raise
:class:`PeerUnavailable` from :func:`make_peer`; evaluation reports them as
skipped with that reason.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..model.nlp import cue_counts
from ..standards import GENERAL

__all__ = ["PeerUnavailable", "OUTCOME_PEERS", "SENTIMENT_PEERS", "make_peer", "KeywordOutcome", "KeywordSentiment",
           "VaderSentiment", "TextBlobSentiment", "SpacyTextcat", "ZeroShotEmbedding", "OUTCOME_KEYWORDS"]


class PeerUnavailable(RuntimeError):
    """A peer whose optional package is not installed."""


#: What an analyst would search for, per outcome: the title's words plus the
#: obvious terms.  Deliberately not tuned on the corpus.
OUTCOME_KEYWORDS: dict[str, list[str]] = {
    GENERAL: ["leadership", "governance", "overall", "strategic", "board", "partnership", "capacity for improvement"],
    "1": ["involv", "dignity", "respect", "privacy", "views", "choice", "participat", "voice"],
    "2": ["consent", "capacity", "gillick", "fraser", "best interest", "mental capacity"],
    "3": ["fees", "charges", "invoice"],
    "4": ["care plan", "assessment", "health assessment", "welfare", "needs", "treatment", "camhs"],
    "5": ["nutrition", "food", "meal", "diet", "fluid", "weight", "drink", "malnutrition"],
    "6": ["joint working", "partner", "multi-agency", "co-operat", "cooperat", "liaison", "information sharing"],
    "7": ["safeguard", "abuse", "child protection", "neglect", "marac", "exploitation"],
    "8": ["infection", "clean", "hygiene", "decontamination", "hand wash", "mrsa", "c. diff"],
    "9": ["medicine", "medication", "mar chart", "prescri", "drug", "controlled drug", "pharmac"],
    "10": ["premises", "building", "environment", "repair", "maintenance", "fire", "décor", "decor"],
    "11": ["equipment", "hoist", "resuscitation", "defibrillator", "servic", "wheelchair"],
    "12": ["recruit", "crb", "dbs", "references", "employment check", "vetting"],
    "13": ["staffing", "vacanc", "caseload", "workforce", "agency staff", "staffing levels", "capacity"],
    "14": ["training", "supervision", "appraisal", "induction", "support for staff"],
    "15": ["statement of purpose"],
    "16": ["audit", "quality assurance", "monitor", "performance", "survey", "feedback"],
    "17": ["complaint", "concerns raised", "pals", "complain"],
    "18": ["death", "died"],
    "19": ["absence without leave", "awol", "detained"],
    "20": ["notif", "serious incident", "untoward", "steis", "whistle", "incident report"],
    "21": ["record", "documentation", "notes", "information system", "electronic record"],
    "22": ["partnership"], "23": ["nominated individual"], "24": ["registered manager"],
    "25": ["registered person", "training of the registered"], "26": ["financial", "insolven"],
    "27": ["notice of absence"], "28": ["notice of change"],
}


class KeywordOutcome(ClassifierMixin, BaseEstimator):
    """The analyst's search: the outcome whose keywords occur most; ties and no hits → general."""

    def fit(self, X, y=None):
        self.classes_ = np.array(list(OUTCOME_KEYWORDS))
        return self

    def predict(self, X):
        out = []
        for text in X["text"]:
            low = text.lower()
            scores = {k: sum(low.count(w) for w in words) for k, words in OUTCOME_KEYWORDS.items()}
            best = max(scores.values())
            out.append(GENERAL if best == 0 else next(k for k, v in scores.items() if v == best))
        return np.array(out)


class KeywordSentiment(ClassifierMixin, BaseEstimator):
    """Rule baseline: gap or call-for-change words → improvement; praise words → strength; else neutral."""

    def fit(self, X, y=None):
        self.classes_ = np.array(["strength", "improvement", "neutral"])
        return self

    def predict(self, X):
        out = []
        for text in X["text"]:
            c = cue_counts(text)
            neg = c["hedge"] + c["call_for_change"] + c["negation"]
            if neg > 0 and neg >= c["positive"]:
                out.append("improvement")
            elif c["positive"] > 0:
                out.append("strength")
            else:
                out.append("neutral")
        return np.array(out)


class _PolaritySentiment(ClassifierMixin, BaseEstimator):
    """A general-purpose polarity score thresholded into the three labels."""

    threshold = 0.05

    def fit(self, X, y=None):
        self.classes_ = np.array(["strength", "improvement", "neutral"])
        self.scorer_ = self._scorer()
        return self

    def predict(self, X):
        out = []
        for text in X["text"]:
            score = self.scorer_(text)
            out.append("strength" if score > self.threshold else "improvement" if score < -self.threshold else "neutral")
        return np.array(out)


class VaderSentiment(_PolaritySentiment):
    """VADER's compound score (vaderSentiment package)."""

    def _scorer(self):
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError:
            raise PeerUnavailable("vaderSentiment is not installed (pip install 'esq[peers]')") from None
        analyzer = SentimentIntensityAnalyzer()
        return lambda t: analyzer.polarity_scores(t)["compound"]


class TextBlobSentiment(_PolaritySentiment):
    """TextBlob's pattern-based polarity."""

    def _scorer(self):
        try:
            from textblob import TextBlob
        except ImportError:
            raise PeerUnavailable("textblob is not installed (pip install 'esq[peers]')") from None
        return lambda t: TextBlob(t).sentiment.polarity


class SpacyTextcat(ClassifierMixin, BaseEstimator):
    """spaCy's own exclusive ``textcat`` (bag-of-words architecture), trained on the same folds.

    Parameters
    ----------
    epochs : int
        Passes over the training texts.
    seed : int
        spaCy's random seed, so figures repeat.
    """

    def __init__(self, epochs: int = 8, seed: int = 0):
        self.epochs = epochs
        self.seed = seed

    def fit(self, X, y):
        import random

        from .._imports import import_spacy
        spacy = import_spacy()
        from spacy.training import Example

        spacy.util.fix_random_seed(self.seed)
        self.classes_ = np.array(sorted(set(map(str, y))))
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat", config={"model": {
            "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
            "no_output_layer": False, "length": 262144}})
        for label in self.classes_:
            textcat.add_label(label)
        examples = [Example.from_dict(nlp.make_doc(t), {"cats": {c: float(c == str(l)) for c in self.classes_}})
                    for t, l in zip(X["text"], y)]
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for start in range(0, len(examples), 32):
                nlp.update(examples[start:start + 32], sgd=optimizer, drop=0.1)
        self.nlp_ = nlp
        return self

    def predict_proba(self, X):
        docs = self.nlp_.pipe(list(X["text"]), batch_size=128)
        return np.array([[d.cats[c] for c in self.classes_] for d in docs])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


#: What the zero-shot peer compares each sentence with.
SENTIMENT_DESCRIPTIONS = {
    "strength": "The inspectors found good, effective practice that is working well.",
    "improvement": "The inspectors found a gap, shortfall, delay or risk that needs to improve.",
    "neutral": "A factual description of the service or of how the inspection gathered evidence.",
}


class ZeroShotEmbedding(ClassifierMixin, BaseEstimator):
    """all-MiniLM-L6-v2 similarity between each text and a description of each label
    (outcome titles; :data:`SENTIMENT_DESCRIPTIONS`).  Learns nothing from the folds.

    Parameters
    ----------
    task : str
        ``"outcome"`` or ``"sentiment"``.
    """

    def __init__(self, task: str = "outcome"):
        self.task = task

    def fit(self, X=None, y=None):
        from ..model.embed import encode, encoder_available
        from ..standards import outcome_title
        if not encoder_available():
            raise PeerUnavailable("zero-shot needs the accurate extra (pip install torch==2.13.0 'esq[accurate]')")
        if self.task == "outcome":
            labels = list(OUTCOME_KEYWORDS)
            descriptions = [f"Inspection finding about {outcome_title(l).lower()}." for l in labels]
        else:
            labels = list(SENTIMENT_DESCRIPTIONS)
            descriptions = list(SENTIMENT_DESCRIPTIONS.values())
        self.classes_ = np.array(labels)
        self.label_vectors_ = encode(descriptions)
        return self

    def predict(self, X):
        from ..model.embed import encode
        sims = encode([str(t) for t in X["text"]]) @ self.label_vectors_.T
        return self.classes_[sims.argmax(axis=1)]


OUTCOME_PEERS = {"keywords": KeywordOutcome, "spacy_textcat": SpacyTextcat,
                 "zero_shot": lambda: ZeroShotEmbedding("outcome")}
SENTIMENT_PEERS = {"keywords": KeywordSentiment, "vader": VaderSentiment, "textblob": TextBlobSentiment,
                   "spacy_textcat": SpacyTextcat, "zero_shot": lambda: ZeroShotEmbedding("sentiment")}


def make_peer(task: str, name: str):
    """A fresh, unfitted peer; raises :class:`PeerUnavailable` where its package is missing."""
    peer = (OUTCOME_PEERS if task == "outcome" else SENTIMENT_PEERS)[name]()
    if isinstance(peer, (_PolaritySentiment, ZeroShotEmbedding)):
        peer.fit(None)  # probe the optional import early, so a missing package is reported as skipped
    return peer


