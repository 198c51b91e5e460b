"""Does the improvement share agree with the regulator?  AUCs against verdicts and graded judgements.

Two kinds of regulator's judgement sit beside the text esq reads:

* **verdicts**, per report and outcome: met or not met (``verdicts.jsonl`` in
  a run folder, read from the reports' summary tables and judgements);
* **graded judgements** of the front matter (Outstanding 4 .. Inadequate 1),
  per report.

For verdicts the figure is the **AUC**: the chance that an outcome the
regulator found not met has a higher improvement share than one it found met
(ties count one half; 0.5 is chance, 1 perfect separation).  For grades it is
the same concordance over pairs of reports with different grade scores: the
chance that the worse-graded report has the higher improvement share.  Both
get a percentile bootstrap interval that resamples *reports* (a report's
outcomes share one inspection and one writer).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_verdicts", "auc", "concordance", "verdict_validity", "grade_validity", "VERDICTS_FILE"]

VERDICTS_FILE = "verdicts.jsonl"
_VALUES = {"met": 0, "not_met": 1, "not met": 1}


def read_verdicts(run_dir: str | Path) -> list[dict] | None:
    """The regulator's verdicts of a run (``RUN/verdicts.jsonl``), or None where the run has none.

    Each line: ``report``, ``outcome`` (1-28 or ``general``), ``verdict``
    (``met`` | ``not_met``) and other fields that are kept as they are.
    Raises ValueError naming the file and line of a bad line.
    """
    path = Path(run_dir) / VERDICTS_FILE
    if not path.exists():
        return None
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {n}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not row.get("report") or row.get("outcome") is None \
                    or str(row.get("verdict", "")).lower() not in _VALUES:
                raise ValueError(f"{path} line {n}: a verdict needs report, outcome and verdict (met or not_met)")
            rows.append(row)
    return rows


def auc(scores, positive) -> float:
    """P(score of a positive > score of a negative), ties one half (the Mann-Whitney AUC); NaN without both."""
    scores, positive = np.asarray(scores, float), np.asarray(positive, bool)
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def concordance(scores, badness) -> float:
    """Over pairs with different ``badness``, P(the worse one has the higher score), ties one half."""
    scores, badness = np.asarray(scores, float), np.asarray(badness, float)
    ds = scores[:, None] - scores[None, :]
    db = badness[:, None] - badness[None, :]
    pairs = db > 0
    if not pairs.any():
        return float("nan")
    return float(((ds > 0) + 0.5 * (ds == 0))[pairs].mean())


def _by_report_bootstrap(reports, scores, labels, stat, resamples: int, seed: int, key: str,
                         level: float) -> tuple[float, float]:
    """Percentile interval of ``stat(scores, labels)`` over resamples of whole reports."""
    codes, uniques = pd.factorize(pd.Series(reports))
    members = [np.flatnonzero(codes == i) for i in range(len(uniques))]
    rng = np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])
    values = np.empty(resamples)
    for b in range(resamples):
        idx = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        values[b] = stat(scores[idx], labels[idx])
    defined = values[~np.isnan(values)]
    if len(defined) < resamples / 2:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(defined, [alpha, 1 - alpha])
    return float(lo), float(hi)


def verdict_validity(shares: pd.DataFrame, verdicts: list[dict], resamples: int = 1000, seed: int = 0,
                     level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How well the improvement share of a report's outcome tells not met from met.

    ``shares`` has one row per report and outcome with ``improvement_share``
    and ``corrected_share``.  Returns (figures, pairs): ``figures`` one row per
    share (``raw``, ``corrected``) with ``outcomes`` (verdicts with a share),
    ``not_met``, ``met``, ``reports``, ``auc``, ``lo``, ``hi`` and
    ``unmatched`` (verdicts on outcomes with no judged sentence, left out; verdicts on reports outside
    ``shares`` are dropped);
    ``pairs`` the verdicts joined to their shares.
    """
    v = pd.DataFrame(verdicts)
    v["report"] = v["report"].astype(str)
    v["outcome"] = v["outcome"].astype(str)
    v["not_met"] = v["verdict"].astype(str).str.lower().map(_VALUES).astype(int)
    # One verdict per report and outcome: a report that states both (a summary table and a judgement)
    # counts once, as not met if either says so.
    v = v.groupby(["report", "outcome"], as_index=False)["not_met"].max()
    v = v[v["report"].isin(set(shares["report"].astype(str)))]  # verdicts on reports outside the comparison
    pairs = v.merge(shares[["report", "outcome", "improvement_share", "corrected_share", "judged"]],
                    on=["report", "outcome"], how="left")
    rows = []
    for name, col in (("raw", "improvement_share"), ("corrected", "corrected_share")):
        have = pairs[pairs[col].notna()].reset_index(drop=True)
        row = {"share": name, "outcomes": len(have), "not_met": int(have["not_met"].sum()),
               "met": int((have["not_met"] == 0).sum()), "reports": have["report"].nunique(),
               "unmatched": int(len(pairs) - len(have)), "auc": float("nan"), "lo": float("nan"),
               "hi": float("nan")}
        if len(have):
            row["auc"] = auc(have[col], have["not_met"])
            if not np.isnan(row["auc"]):
                row["lo"], row["hi"] = _by_report_bootstrap(
                    have["report"], have[col].to_numpy(float), have["not_met"].to_numpy(bool), auc, resamples,
                    seed, f"verdicts-{name}", level)
        rows.append(row)
    return pd.DataFrame(rows), pairs


def grade_validity(report_shares: pd.DataFrame, grades: pd.DataFrame, resamples: int = 1000, seed: int = 0,
                   level: float = 0.95) -> pd.DataFrame:
    """How well a report's overall improvement share orders reports by their graded judgements.

    ``report_shares`` has one row per report with ``improvement_share`` and
    ``corrected_share``; ``grades`` the graded judgements (``report``,
    ``score``).  A report's grade score is the mean of its judgements.
    Returns one row per share with ``reports``, ``auc`` (the concordance:
    of two reports with different grade scores, the chance the worse-graded
    one has the higher share), ``lo`` and ``hi``.
    """
    score = grades.dropna(subset=["score"]).groupby("report")["score"].mean().rename("grade_score")
    joined = report_shares.merge(score, left_on="report", right_index=True)
    rows = []
    for name, col in (("raw", "improvement_share"), ("corrected", "corrected_share")):
        have = joined[joined[col].notna()].reset_index(drop=True)
        row = {"share": name, "reports": len(have), "auc": float("nan"), "lo": float("nan"), "hi": float("nan")}
        if len(have) >= 2:
            scores, badness = have[col].to_numpy(float), -have["grade_score"].to_numpy(float)  # lower is worse
            row["auc"] = concordance(scores, badness)
            if not np.isnan(row["auc"]):
                row["lo"], row["hi"] = _by_report_bootstrap(have["report"], scores, badness, concordance,
                                                            resamples, seed, f"grades-{name}", level)
        rows.append(row)
    return pd.DataFrame(rows)
