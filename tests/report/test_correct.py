"""Shares corrected for the classifier's measured error: the method, its intervals, and where the error comes from.

The simulation is the test a reader of a paper would ask for: a known truth,
a classifier of known confusion whose confusion is itself only estimated (as
cross-validation estimates it), sentences clustered in paragraphs.  Run
``python -m pytest -q -s tests/report/test_correct.py -k simulation`` to see
the figures.
"""

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.report.compare import compare
from pipeline.report.correct import (ErrorModel, acc_mix, corrected_table, error_model_from_card, load_error_model,
                                     share_replicates)
from pipeline.standards import SENTIMENTS

# Rows: true strength, improvement, neutral; columns: predicted.  Like esq's own errors: neutral sentences and
# calmly stated gaps read as strengths, so the raw improvement share is too low.
CONFUSION = np.array([[0.88, 0.04, 0.08],
                      [0.18, 0.72, 0.10],
                      [0.22, 0.04, 0.74]])
TRUTH_MIX = np.array([0.35, 0.25, 0.40])
TRUTH_SHARE = TRUTH_MIX[1] / (TRUTH_MIX[0] + TRUTH_MIX[1])


def simulate(repeats=300, paragraphs=50, per_paragraph=5, validation=600, resamples=400, seed=0):
    """Repeated cells with a known truth; returns the raw and corrected estimates and intervals per repeat."""
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("raw", "raw_lo", "raw_hi", "corrected", "lo", "hi")}
    cum = CONFUSION.cumsum(axis=1)
    for r in range(repeats):
        # the confusion as cross-validation would measure it: a finite sample of each true class
        counts = np.stack([rng.multinomial(validation, row) for row in CONFUSION])
        error = ErrorModel(counts)
        # paragraphs differ from one another (sentences of one paragraph are alike): each draws its own mix
        mixes = rng.dirichlet(4 * TRUTH_MIX, size=paragraphs)
        truth = (rng.random((paragraphs, per_paragraph, 1)) > mixes.cumsum(axis=1)[:, None, :]).sum(axis=2)
        truth = np.minimum(truth, 2)
        predicted = (rng.random((paragraphs, per_paragraph, 1)) > cum[truth]).sum(axis=2).clip(max=2)
        cell = np.stack([(predicted == k).sum(axis=1) for k in range(3)] + [np.zeros(paragraphs)], axis=1)
        raw_b, cor_b = share_replicates(cell, error.solver(resamples, seed=r), rng)
        total = cell.sum(axis=0)
        out["raw"].append(total[1] / (total[0] + total[1]))
        mix = acc_mix(total[:3], error)
        out["corrected"].append(mix[1] / (mix[0] + mix[1]))
        for name, b in (("raw", raw_b), ("", cor_b)):
            lo, hi = np.nanquantile(b, [0.025, 0.975])
            out[f"{name}_lo" if name else "lo"].append(lo)
            out[f"{name}_hi" if name else "hi"].append(hi)
    return {k: np.array(v) for k, v in out.items()}


def test_simulation_corrected_is_unbiased_and_covers_while_raw_does_not():
    s = simulate()
    corrected_cover = np.mean((s["lo"] <= TRUTH_SHARE) & (TRUTH_SHARE <= s["hi"]))
    raw_cover = np.mean((s["raw_lo"] <= TRUTH_SHARE) & (TRUTH_SHARE <= s["raw_hi"]))
    bias, raw_bias = s["corrected"].mean() - TRUTH_SHARE, s["raw"].mean() - TRUTH_SHARE
    se = s["corrected"].std(ddof=1) / np.sqrt(len(s["corrected"]))
    print(f"\ntruth {TRUTH_SHARE:.3f}; {len(s['raw'])} repeats of 50 paragraphs x 5 sentences, confusion "
          f"estimated from 600 sentences per class\n"
          f"  corrected: mean {s['corrected'].mean():.3f} (bias {bias:+.3f}, MC s.e. {se:.3f}), "
          f"95% interval covers the truth in {corrected_cover:.1%}, mean width {np.mean(s['hi'] - s['lo']):.3f}\n"
          f"  raw:       mean {s['raw'].mean():.3f} (bias {raw_bias:+.3f}), "
          f"95% interval covers the truth in {raw_cover:.1%}, mean width {np.mean(s['raw_hi'] - s['raw_lo']):.3f}")
    assert abs(bias) < max(3 * se, 0.01)          # unbiased, within Monte Carlo error
    assert 0.90 <= corrected_cover <= 0.99
    assert raw_bias < -0.05 and raw_cover < 0.5   # the raw share misses: its error is not noise


def test_acc_recovers_the_mix_and_stays_on_the_simplex():
    error = ErrorModel(CONFUSION * 1000)
    expected = CONFUSION.T @ TRUTH_MIX
    assert np.allclose(acc_mix(expected, error), TRUTH_MIX)
    # observed mixes no true mix could give: the nearest mix on the simplex, never a negative share
    for q in ([0.95, 0.0, 0.05], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]):
        p = acc_mix(np.array(q), error)
        assert (p >= 0).all() and p.sum() == pytest.approx(1)
        grid = np.array([(a, b, 1 - a - b) for a in np.linspace(0, 1, 101) for b in np.linspace(0, 1, 101)
                         if a + b <= 1 + 1e-9])
        best = ((grid @ CONFUSION - q) ** 2).sum(axis=1).min()
        assert ((p @ CONFUSION - q) ** 2).sum() <= best + 1e-9


def test_a_perfect_classifier_changes_nothing():
    error = ErrorModel(np.eye(3) * 500)
    cell = np.array([[3, 1, 2, 0], [1, 2, 0, 1], [0, 0, 4, 0]])
    raw, corrected = share_replicates(cell, error.solver(200, seed=0), np.random.default_rng(0))
    assert np.allclose(acc_mix(cell[:, :3].sum(axis=0), error), [4 / 13, 3 / 13, 6 / 13])
    # only the posterior spread of the (perfect) error matrix separates the two
    assert np.nanmean(np.abs(raw - corrected)) < 0.02


def sentence_rows(cells):
    """Sentences of paragraphs: cells = {(group, paragraph): [sentiments...]}; 'rec' marks a recommendation."""
    rows = []
    for (group, para), sents in cells.items():
        for s in sents:
            rows.append({"group": group, "report": group, "paragraph": para, "outcome": "7",
                         "kind": "recommendation" if s == "rec" else "finding",
                         "sentiment": "improvement" if s == "rec" else s})
    return pd.DataFrame(rows)


def test_corrected_table_counts_recommendations_as_known_improvement_and_needs_two_paragraphs():
    error = ErrorModel(CONFUSION * 1000)
    s, i, n = SENTIMENTS
    df = sentence_rows({("A", 1): [s, s, i, n], ("A", 2): [s, "rec", "rec"], ("B", 1): [s, i]})
    t = corrected_table(df, ["group"], error, resamples=200, seed=0).set_index("group")
    assert t.loc["A", "paragraphs"] == 2 and t.loc["B", "paragraphs"] == 1
    mix = acc_mix(np.array([3, 1, 1]), error)  # finding sentences of A: 3 strength, 1 improvement, 1 neutral
    imp, stren = 5 * mix[1] + 2, 5 * mix[0]
    assert t.loc["A", "corrected_share"] == pytest.approx(imp / (imp + stren))
    assert not np.isnan(t.loc["A", "corrected_lo"]) and not np.isnan(t.loc["A", "share_lo"])
    assert np.isnan(t.loc["B", "share_lo"]) and np.isnan(t.loc["B", "corrected_lo"])  # one paragraph: no interval
    # without a measured error the correction is absent, not guessed
    t0 = corrected_table(df, ["group"], None, resamples=50).set_index("group")
    assert t0["corrected_share"].isna().all() and t0.loc["A", "share_lo"] <= t0.loc["A", "share_hi"]


def test_cells_are_seeded_by_their_name():
    error = ErrorModel(CONFUSION * 1000)
    s, i, n = SENTIMENTS
    cells = {("A", k): [s, i, n, s] for k in range(4)} | {("B", k): [i, i, s] for k in range(3)}
    both = corrected_table(sentence_rows(cells), ["group"], error, resamples=300, seed=1).set_index("group")
    only_a = corrected_table(sentence_rows({k: v for k, v in cells.items() if k[0] == "A"}), ["group"], error,
                             resamples=300, seed=1).set_index("group")
    pd.testing.assert_series_equal(both.loc["A"], only_a.loc["A"])


def card(confusion=None):
    ev = {"accuracy": 0.8, "macro_f1": 0.8}
    if confusion is not None:
        ev["confusion"] = confusion
    return {"model_id": "m-1", "evaluation": {"sentiment": ev, "outcome": {"accuracy": 0.9}}}


def test_error_model_from_a_card_in_any_label_order():
    confusion = {"labels": ["improvement", "neutral", "strength"],
                 "matrix": [[72, 10, 18], [4, 74, 22], [4, 8, 88]]}
    error, why = error_model_from_card(card(confusion))
    assert why == "" and np.allclose(error.rates, CONFUSION)
    none, why = error_model_from_card(card())
    assert none is None and "no cross-validated confusion matrix" in why and "esq train" in why
    bad, why = error_model_from_card(card({"labels": ["a", "b"], "matrix": [[1, 0], [0, 1]]}))
    assert bad is None and "labels must be" in why
    absent, why = error_model_from_card(card({"labels": list(SENTIMENTS), "matrix": [[5, 0, 0], [0, 0, 0],
                                                                                     [0, 0, 5]]}))
    assert absent is None and "improvement" in why


def test_load_error_model_follows_the_run_to_its_model(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    confusion = {"labels": list(SENTIMENTS), "matrix": (CONFUSION * 100).astype(int).tolist()}
    (model / "card.json").write_text(json.dumps(card(confusion)))
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"model": "m-1", "model_path": str(model)}))
    error, why = load_error_model(run)
    assert error is not None and why == ""
    (run / "run.json").write_text(json.dumps({"model": "m-2", "model_path": str(model)}))
    error, why = load_error_model(run)
    assert error is None and "tagged by m-2" in why
    (run / "run.json").write_text(json.dumps({"model": "m-1", "model_path": str(tmp_path / "moved")}))
    assert "missing" in load_error_model(run)[1]
    assert load_error_model(run, model_dir=model)[0] is not None  # --model: where the model went
    (run / "run.json").unlink()
    assert "run.json is missing" in load_error_model(run)[1]


def test_compare_with_and_without_a_measured_error():
    s, i, n = SENTIMENTS
    records = [{"report": f"r{k}", "source": f"r{k}.txt", "authority": "Ashby", "paragraph": p, "kind": "finding",
                "outcome": 7, "sentences": [{"start": 0, "end": 1, "text": "x", "sentiment": x, "confidence": 0.9}
                                            for x in (s, s, i, n)]}
               for k in range(2) for p in range(3)]
    error = ErrorModel(CONFUSION * 1000)
    with_error = compare(records, resamples=200, error=error)
    row = with_error.table.iloc[0]
    assert with_error.corrected and "Forman" in with_error.correction
    assert row["corrected_share"] > row["improvement_share"]  # strengths were partly misread gaps
    assert row["corrected_lo"] <= row["corrected_share"] <= row["corrected_hi"]
    without = compare(records, resamples=200, error_note="the card holds no confusion matrix")
    assert not without.corrected and without.correction == "the card holds no confusion matrix"
    assert without.table["corrected_share"].isna().all()
