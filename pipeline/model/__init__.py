"""Stage 3, model: the spaCy stage, features, the two scikit-learn estimators, fitting and model files.

Takes paragraph and sentence texts; gives outcome and sentiment probabilities, and saves or loads a
:class:`Model` with its card.
"""

from .classify import MODES, OUTCOME_KEYS, make_outcome_model, make_sentiment_model
from .fit import Frames, fit_model
from .nlp import analyse, build_nlp
from .persist import DEFAULT_MODEL, Model, ModelError, load_model, save_model

__all__ = ["build_nlp", "analyse", "make_outcome_model", "make_sentiment_model", "OUTCOME_KEYS", "MODES",
           "Frames", "fit_model", "Model", "ModelError", "DEFAULT_MODEL", "load_model", "save_model"]
