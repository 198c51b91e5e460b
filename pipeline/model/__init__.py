"""Stage 3, model: the spaCy stage, features, the two scikit-learn estimators, fitting and model files.

Takes paragraph and sentence texts; gives outcome and sentiment probabilities, and saves or loads a
:class:`Model` with its card.
"""

# scipy.special first: loading a model imports skops, whose import looks up each of SciPy's 400
# ufuncs in every module imported before it, in import order, until it finds the one holding it.
# Imported here, ahead of pandas, scikit-learn and spaCy, scipy.special is about the 500th module
# instead of past the 1,000th: skops's import fell from 1.2 s to 0.4 s of CPU.  It costs nothing
# extra (scikit-learn imports it anyway).
import scipy.special  # noqa: F401, I001

from .classify import MODES, OUTCOME_KEYS, make_outcome_model, make_sentiment_model
from .fit import Frames, fit_model
from .nlp import analyse, build_nlp
from .persist import DEFAULT_MODEL, Model, ModelError, load_model, save_model

__all__ = ["build_nlp", "analyse", "make_outcome_model", "make_sentiment_model", "OUTCOME_KEYS", "MODES",
           "Frames", "fit_model", "Model", "ModelError", "DEFAULT_MODEL", "load_model", "save_model"]
