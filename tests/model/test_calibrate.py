"""Calibrated confidence: temperature scaling and the review threshold."""

import numpy as np

from pipeline.model.calibrate import apply_temperature, calibration_card, fit_temperature, review_threshold


def _overconfident(n=4000, seed=0):
    # a 3-class classifier right 70% of the time that always claims about 95%
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    pred = np.where(rng.random(n) < 0.7, y, (y + rng.integers(1, 3, n)) % 3)
    proba = np.full((n, 3), 0.025)
    proba[np.arange(n), pred] = 0.95
    return y.astype(str), proba, ["0", "1", "2"]


def test_temperature_brings_confidence_down_to_accuracy():
    y, proba, classes = _overconfident()
    t = fit_temperature(y, proba, classes)
    assert t > 1.5
    calibrated = apply_temperature(proba, t)
    assert abs(calibrated.max(axis=1).mean() - 0.7) < 0.03
    # the winning label never changes, and unseen labels stay at zero
    assert (calibrated.argmax(axis=1) == proba.argmax(axis=1)).all()
    with_zero = np.array([[0.9, 0.1, 0.0]])
    assert apply_temperature(with_zero, 2.0)[0, 2] == 0.0


def test_review_threshold_separates_sure_from_unsure():
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.34, 1.0, 5000)
    right = rng.random(5000) < conf  # calibrated: right as often as it claims
    y = np.where(right, "a", "b")
    proba = np.column_stack([conf, 1 - conf])
    card = review_threshold(y, proba, ["a", "b"], target=0.9)
    assert card["accuracy_at_or_above"] >= 0.9 > card["accuracy_below"]
    assert 0.7 <= card["review_below"] <= 0.9 and 0 < card["share_flagged"] < 1


def test_calibration_card_is_plain_numbers():
    y, proba, classes = _overconfident()
    card = calibration_card(y, proba, classes)
    assert card["nll_after"] < card["nll_before"]
    assert all(isinstance(v, (int, float, str)) or v is None for v in card.values())
