"""Confidence a user can act on: temperature scaling and the review threshold.

Both are fitted at train time on out-of-fold probabilities from report-grouped
cross-validation (never on the data a model was fitted to), and stored on the
model's card as plain numbers, so a user can read them:

* the **temperature** ``T`` rescales the classifier's log-probabilities
  (``p_k ∝ p_k^(1/T)``) so that predicted confidence matches held-out accuracy
  (Guo et al., 2017, "On calibration of modern neural networks"); it never
  changes which label wins;
* the **review threshold** is the lowest calibrated confidence at which the
  out-of-fold predictions at or above it are right at least ``target`` of the
  time; a prediction under it carries ``review: true``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = ["fit_temperature", "apply_temperature", "review_threshold", "calibration_card"]

#: Out-of-fold accuracy the unflagged predictions should reach.
REVIEW_TARGET = 0.9
_GRID = np.round(np.arange(0.30, 0.96, 0.05), 2)


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of probabilities rescaled by ``temperature`` (1.0 leaves them as they are)."""
    proba = np.asarray(proba, dtype=np.float64)
    if temperature == 1.0:
        return proba
    with np.errstate(divide="ignore"):
        logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits) * (proba > 0)  # labels the model never saw stay at 0
    return out / out.sum(axis=1, keepdims=True)


def _targets(y, classes) -> np.ndarray:
    index = {str(c): i for i, c in enumerate(classes)}
    return np.array([index[str(v)] for v in y])


def fit_temperature(y, proba: np.ndarray, classes) -> float:
    """The temperature minimising the negative log-likelihood of the true labels."""
    t = _targets(y, classes)

    def nll(log_t: float) -> float:
        p = apply_temperature(proba, float(np.exp(log_t)))
        return -float(np.mean(np.log(np.clip(p[np.arange(len(t)), t], 1e-12, 1.0))))

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return round(float(np.exp(res.x)), 4)


def review_threshold(y, proba: np.ndarray, classes, target: float = REVIEW_TARGET) -> dict:
    """The confidence under which a prediction should be reviewed, with the figures behind it.

    Returns ``{"review_below", "target", "accuracy_at_or_above", "accuracy_below",
    "share_flagged"}`` computed on the given (calibrated, held-out) probabilities.
    """
    t = _targets(y, classes)
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == t
    chosen = float(_GRID[-1])
    for c in _GRID:
        above = conf >= c
        if above.any() and right[above].mean() >= target:
            chosen = float(c)
            break
    above = conf >= chosen
    return {"review_below": chosen, "target": target,
            "accuracy_at_or_above": round(float(right[above].mean()), 4) if above.any() else None,
            "accuracy_below": round(float(right[~above].mean()), 4) if (~above).any() else None,
            "share_flagged": round(float((~above).mean()), 4)}


def calibration_card(y, proba: np.ndarray, classes) -> dict:
    """Temperature and review threshold for one task, as stored on the card."""
    temperature = fit_temperature(y, proba, classes)
    calibrated = apply_temperature(proba, temperature)
    t = _targets(y, classes)
    before = -float(np.mean(np.log(np.clip(np.asarray(proba)[np.arange(len(t)), t], 1e-12, 1.0))))
    after = -float(np.mean(np.log(np.clip(calibrated[np.arange(len(t)), t], 1e-12, 1.0))))
    return {"method": "temperature scaling on report-grouped out-of-fold probabilities",
            "temperature": temperature, "nll_before": round(before, 4), "nll_after": round(after, 4),
            **review_threshold(y, calibrated, classes)}
