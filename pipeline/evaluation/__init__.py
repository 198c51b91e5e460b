"""Evaluation: a model's figures on held-out reports (grouped cross-validation, real reports), peers
on the same folds, and the plots the notebooks draw.

Takes feature frames or tagged real reports; gives metrics dictionaries and DataFrames.
"""

from .evaluate import (comparison_table, cross_validate, evaluate_real, folds_for, learning_curve, metrics,
                       oof_predictions)
from .peers import OUTCOME_PEERS, SENTIMENT_PEERS, PeerUnavailable, make_peer

__all__ = ["cross_validate", "comparison_table", "evaluate_real", "folds_for", "learning_curve", "metrics",
           "oof_predictions", "OUTCOME_PEERS", "SENTIMENT_PEERS", "PeerUnavailable", "make_peer"]
