"""Improvement shares corrected for the sentence classifier's measured error, with honest intervals.

**Method: adjusted classify-and-count** (ACC; Forman, "Counting positives
accurately despite inaccurate classification", ECML 2005, and "Quantifying
counts and costs via classification", Data Mining and Knowledge Discovery
17(2), 2008), in its multi-class form.  The model card holds the sentence
classifier's out-of-fold confusion matrix from report-grouped
cross-validation: ``M[i, j]`` = P(predicted j | true i).  In a cell whose
sentences truly have the sentiment mix ``p``, the expected mix of
predictions is ``q = Mᵀ p``; ACC observes ``q`` and solves for ``p``.  Where
sampling noise puts the exact solution outside the simplex (a negative
share), the estimate is the mix on the simplex nearest in least squares
(exactly, by trying every face).  The corrected improvement share is
``p_improvement / (p_strength + p_improvement)``; recommendation bullets are
improvement by rule, not by the model, so they are added as known
improvement sentences, uncorrected.

**Interval**: a cluster bootstrap that resamples *paragraphs* (sentences of
one paragraph are not independent) and, in each replicate, a fresh error
matrix drawn from the posterior of the cross-validated counts (each row a
Dirichlet with the counts plus one half, Jeffreys' prior).  Percentile
interval of the replicates.  The raw share gets the same paragraph
bootstrap, so the two intervals differ only by the correction.

What it assumes: the classifier errs on these reports as it did in
cross-validation on the corpus (the same confusion, whatever the outcome or
author).  On prose unlike the corpus the error is larger (see the README's
seed-report figures) and the correction is then too small.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from ..standards import SENTIMENTS

__all__ = ["ErrorModel", "error_model_from_card", "load_error_model", "acc_mix", "cell_counts",
           "share_replicates", "corrected_table", "METHOD", "MIN_PARAGRAPHS"]

METHOD = "adjusted classify-and-count (Forman 2005, 2008)"
_S, _I, _N = (SENTIMENTS.index(k) for k in ("strength", "improvement", "neutral"))
#: Cells drawn from fewer paragraphs get no interval: one paragraph cannot show how much paragraphs vary.
MIN_PARAGRAPHS = 2
_PRIOR = 0.5  # Jeffreys' prior for a multinomial row's Dirichlet posterior


@dataclass
class ErrorModel:
    """The sentence classifier's measured error: out-of-fold counts of true (rows) × predicted (columns)
    sentiments, in :data:`pipeline.standards.SENTIMENTS` order; ``source`` says where they came from."""

    counts: np.ndarray
    source: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self.counts = np.asarray(self.counts, dtype=float)
        k = len(SENTIMENTS)
        if self.counts.shape != (k, k) or (self.counts < 0).any():
            raise ValueError(f"{self.source or 'confusion matrix'}: needs {k} × {k} non-negative counts")
        if (self.counts.sum(axis=1) == 0).any():
            missing = [s for s, n in zip(SENTIMENTS, self.counts.sum(axis=1)) if n == 0]
            raise ValueError(f"{self.source or 'confusion matrix'}: no cross-validated sentence of "
                             f"{', '.join(missing)}: the error on it is unknown")

    @classmethod
    def from_confusion(cls, confusion: Mapping, source: str = "") -> ErrorModel:
        """From ``{"labels": [...], "matrix": [[...]]}`` (rows true, columns predicted), any label order."""
        labels = [str(x) for x in confusion["labels"]]
        matrix = np.asarray(confusion["matrix"], dtype=float)
        if sorted(labels) != sorted(SENTIMENTS) or matrix.shape != (len(labels), len(labels)):
            raise ValueError(f"{source or 'confusion matrix'}: labels must be {', '.join(SENTIMENTS)} "
                             f"with a square matrix, not {labels}")
        order = [labels.index(s) for s in SENTIMENTS]
        return cls(matrix[np.ix_(order, order)], source)

    @property
    def rates(self) -> np.ndarray:
        """P(predicted j | true i), the row-normalised counts."""
        return self.counts / self.counts.sum(axis=1, keepdims=True)

    def solver(self, resamples: int, seed: int) -> _Solver:
        """ACC for ``resamples`` error matrices drawn from the posterior (cached: every cell of a run shares
        them, so a cell's interval does not depend on the other cells)."""
        key = (resamples, seed)
        if key not in self._cache:
            rng = np.random.default_rng([seed, zlib.crc32(b"error-model")])
            draws = np.stack([rng.dirichlet(row + _PRIOR, size=resamples) for row in self.counts], axis=1)
            self._cache[key] = _Solver(draws)
        return self._cache[key]

    def point_solver(self) -> _Solver:
        if "point" not in self._cache:
            self._cache["point"] = _Solver(self.rates[None])
        return self._cache["point"]


class _Solver:
    """Least-squares ACC on the simplex for a stack of error matrices ``M`` (B × K × K).

    The minimum of ``|Mᵀp - q|²`` over the simplex lies in the relative
    interior of one face, where it is the equality-constrained least-squares
    solution on that face; so solve on every face (2^K - 1 of them, 7 for three
    sentiments), keep the feasible solutions and take the best.  The KKT
    matrices depend only on ``M``, so they are inverted once per draw.
    """

    def __init__(self, m: np.ndarray):
        self.m = m
        b, k, _ = m.shape
        self.k = k
        self.faces = []
        a = np.transpose(m, (0, 2, 1))  # a[:, :, j] = column j of Mᵀ = P(pred | true j)
        for size in range(k, 0, -1):
            for face in combinations(range(k), size):
                a_s = a[:, :, face]                                     # B × K × s
                kkt = np.zeros((b, size + 1, size + 1))
                kkt[:, :size, :size] = 2 * np.einsum("bki,bkj->bij", a_s, a_s)
                kkt[:, :size, size] = kkt[:, size, :size] = 1
                with np.errstate(all="ignore"):
                    inv = np.linalg.pinv(kkt)
                self.faces.append((face, a_s, inv))

    def solve(self, q: np.ndarray) -> np.ndarray:
        """Sentiment mixes ``p`` (B × K) for observed prediction mixes ``q`` (B × K, or K for all draws)."""
        q = np.broadcast_to(q, (self.m.shape[0], self.k))
        best = np.full(q.shape, np.nan)
        best_res = np.full(q.shape[0], np.inf)
        todo = np.arange(q.shape[0])
        for n, (face, a_s, inv) in enumerate(self.faces):
            if not len(todo):
                break
            a_t, q_t = a_s[todo], q[todo]
            rhs = np.concatenate([2 * np.einsum("bks,bk->bs", a_t, q_t), np.ones((len(todo), 1))], axis=1)
            p_s = np.einsum("bij,bj->bi", inv[todo], rhs)[:, :len(face)]
            res = ((np.einsum("bks,bs->bk", a_t, p_s) - q_t) ** 2).sum(axis=1)
            ok = (p_s >= -1e-9).all(axis=1) & (res < best_res[todo] - 1e-12)
            rows = todo[ok]
            p = np.zeros((len(rows), self.k))
            p[:, face] = np.clip(p_s[ok], 0, None)
            best[rows] = p / p.sum(axis=1, keepdims=True)
            best_res[rows] = res[ok]
            if n == 0:
                # Where the exact solution (the full face) is feasible it fits perfectly: nothing beats it.
                todo = todo[~ok]
        return best


def acc_mix(predicted: np.ndarray, error: ErrorModel) -> np.ndarray:
    """The true sentiment mix of sentences whose predictions were ``predicted`` (counts or shares, in
    :data:`SENTIMENTS` order), by adjusted classify-and-count with the measured error rates."""
    predicted = np.asarray(predicted, dtype=float)
    return error.point_solver().solve(predicted / predicted.sum())[0]


def _shares(counts: np.ndarray, solver: _Solver | None) -> tuple[np.ndarray, np.ndarray]:
    """Raw and corrected improvement shares of count rows ``[strength, improvement, neutral, rec]``."""
    counts = np.atleast_2d(counts).astype(float)
    s, i, n, r = counts[:, _S], counts[:, _I], counts[:, _N], counts[:, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = (i + r) / (s + i + r)
        if solver is None:
            return raw, np.full(len(raw), np.nan)
        found = s + i + n
        mix = solver.solve(counts[:, :3] / np.where(found > 0, found, 1)[:, None])
        imp = found * mix[:, _I] + r
        stren = found * mix[:, _S]
        corrected = np.where(found > 0, imp / (imp + stren), np.where(r > 0, 1.0, np.nan))
    return raw, corrected


def share_replicates(paragraphs: np.ndarray, solver: _Solver | None, rng,
                     resamples: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of the raw and corrected improvement share of one cell.

    ``paragraphs`` is one row per paragraph: its finding sentences predicted
    strength, improvement and neutral, and its recommendation sentences.
    Replicate b resamples the paragraphs with replacement and corrects with
    the b-th error matrix of ``solver`` (:meth:`ErrorModel.solver`, whose
    draws set the number of replicates; None for no correction and
    ``resamples`` replicates).  Returns (raw, corrected) arrays with one value per
    replicate (NaN where a replicate has no judged sentence).
    """
    paragraphs = np.asarray(paragraphs, dtype=float)
    n = len(paragraphs)
    resamples = solver.m.shape[0] if solver is not None else resamples
    picks = rng.integers(0, n, size=(resamples, n))
    return _shares(paragraphs[picks].sum(axis=1), solver)


def cell_counts(sentences: pd.DataFrame) -> pd.DataFrame:
    """One row per paragraph: predicted ``strength``/``improvement``/``neutral`` among finding sentences and
    ``recommendation`` sentences (improvement by rule), with the paragraph's other columns kept as keys."""
    finding = sentences["kind"] != "recommendation"
    flags = pd.DataFrame({s: (finding & (sentences["sentiment"] == s)).astype(int) for s in SENTIMENTS})
    flags["recommendation"] = (~finding).astype(int)
    if "n" in sentences.columns:  # rows that stand for n sentences each (pipeline.report.columnar)
        flags = flags.mul(sentences["n"].to_numpy(), axis=0)
    return flags


def corrected_table(sentences: pd.DataFrame, keys: list[str], error: ErrorModel | None, resamples: int = 1000,
                    seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Per ``keys`` cell: ``paragraphs``, the raw share's paragraph-bootstrap interval ``share_lo`` ..
    ``share_hi``, and ``corrected_share`` with ``corrected_lo`` .. ``corrected_hi`` (NaN where ``error`` is
    None: no measured error, no correction); cells of fewer than :data:`MIN_PARAGRAPHS` paragraphs get no
    interval.  Each cell's generator is seeded by the cell's name, so a
    cell's interval does not move when other cells are added."""
    columns = [*keys, "paragraphs", "share_lo", "share_hi", "corrected_share", "corrected_lo", "corrected_hi"]
    if sentences.empty:
        return pd.DataFrame(columns=columns)
    flags = cell_counts(sentences)
    para_keys = [*keys, *(k for k in ("report", "paragraph") if k not in keys)]
    per_para = (pd.concat([sentences[para_keys].astype(str), flags], axis=1)
                .groupby(para_keys, sort=False).sum().reset_index())
    cells = per_para[keys].drop_duplicates().reset_index(drop=True)
    codes = per_para[keys].merge(cells.reset_index(), on=keys, how="left")["index"].to_numpy()
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(cells) + 1))
    matrix = per_para[[*SENTIMENTS, "recommendation"]].to_numpy(dtype=float)[order]
    alpha = (1 - level) / 2
    point = error.point_solver() if error is not None else None
    solver = error.solver(resamples, seed) if error is not None else None
    rows = []
    for c, key in enumerate(cells.itertuples(index=False, name=None)):
        cell = matrix[bounds[c]:bounds[c + 1]]
        rng = np.random.default_rng([seed, zlib.crc32("\x1f".join(map(str, key)).encode("utf-8"))])
        raw_b, cor_b = share_replicates(cell, solver, rng, resamples)
        _, corrected = _shares(cell.sum(axis=0), point)
        if len(cell) < MIN_PARAGRAPHS:
            raw_b = cor_b = np.full(1, np.nan)
        rows.append([*key, len(cell), *_quantiles(raw_b, alpha), float(corrected[0]), *_quantiles(cor_b, alpha)])
    return pd.DataFrame(rows, columns=columns)


def _quantiles(values: np.ndarray, alpha: float) -> tuple[float, float]:
    defined = values[~np.isnan(values)]
    # A replicate with no judged sentence has no share; if most have none, neither has the cell an interval.
    if len(defined) == 0 or len(defined) < 0.5 * len(values):
        return float("nan"), float("nan")
    lo, hi = np.quantile(defined, [alpha, 1 - alpha])
    return float(lo), float(hi)


def error_model_from_card(card: Mapping, source: str = "") -> tuple[ErrorModel | None, str]:
    """The sentence classifier's error from a model card, or (None, why it is unavailable)."""
    confusion = (((card or {}).get("evaluation") or {}).get("sentiment") or {}).get("confusion")
    where = source or "the model card"
    if not confusion:
        return None, (f"{where} holds no cross-validated confusion matrix of the sentence classifier "
                      "(models trained before it was recorded); retrain with `esq train` to get one")
    try:
        return ErrorModel.from_confusion(confusion, where), ""
    except (KeyError, TypeError, ValueError) as exc:
        return None, f"{where}: unusable confusion matrix ({exc})"


def load_error_model(run_dir: str | Path, model_dir: str | Path | None = None) -> tuple[ErrorModel | None, str]:
    """The error of the model that tagged a run: ``run.json`` names its directory (or ``model_dir`` gives
    it, where the model has moved), whose ``card.json`` holds the confusion matrix; the card must name the
    run's model.  Returns (None, why) where any of that is missing."""
    run_json = Path(run_dir) / "run.json"
    try:
        info = json.loads(run_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        info = {}
        if model_dir is None:
            return None, f"{run_json} is missing, so the model that tagged the run is unknown"
    except (OSError, ValueError) as exc:
        return None, f"{run_json}: unreadable ({exc})"
    model_path = model_dir or info.get("model_path")
    if not model_path:
        return None, f"{run_json} names no model directory"
    card_path = Path(model_path) / "card.json"
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"the model card {card_path} is missing (give the model's directory with --model)"
    except (OSError, ValueError) as exc:
        return None, f"{card_path}: unreadable ({exc})"
    if info.get("model") and card.get("model_id") and info["model"] != card["model_id"]:
        return None, (f"{card_path} describes model {card['model_id']}, but the run was tagged by "
                      f"{info['model']} (retag the run, or give that model's directory with --model)")
    return error_model_from_card(card, str(card_path))
