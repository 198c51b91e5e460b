"""Comparing authorities (or providers, or reports) outcome by outcome across the reports of a run.

:func:`compare` groups the sentences of many reports by authority (the
record's ``authority``, falling back to the report id) and outcome, and
returns a :class:`Comparison` of DataFrames: counts and improvement shares
with bootstrap intervals, rates per 100 sentences, a ranking per outcome
that ties groups whose intervals overlap, and, where the reports carry
graded judgements, the rank correlation between improvement share and
grade.  Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..standards import SENTIMENTS
from .summarize import (_records, _with_titles, evidence, grades_table, outcome_order, report_meta,
                        sentence_table, sentiment_counts)

__all__ = ["Comparison", "compare", "group_labels", "bootstrap_share", "rank_tiers", "spearman_bootstrap"]

BY = ("authority", "report")


@dataclass
class Comparison:
    """Many reports compared outcome by outcome; every attribute is a DataFrame except the settings.

    ``table``
        one row per group and outcome: ``strength``, ``improvement``,
        ``neutral``, ``total``, ``judged`` (strength + improvement),
        ``improvement_share`` with its bootstrap interval ``share_lo`` ..
        ``share_hi``, the same counts per 100 sentences (``*_per_100``: each
        report's count per 100 of its sentences, averaged over the group's
        reports, so a long report weighs no more than a short one),
        ``reports`` (how many of the group's reports speak to the outcome),
        the outcome's ``title`` and the ``regulation`` it rests on.
    ``ranking``
        per outcome, the groups with at least ``min_judged`` judged
        sentences from the lowest improvement share (``rank`` 1) up, and
        ``tier``: groups in one tier are not told apart by the data (their
        intervals overlap the tier's first group's interval).
    ``groups``
        one row per group: its reports, sentences, overall improvement share
        with interval, and ``grade_score`` (mean of its reports' graded
        judgements, 1 Inadequate .. 4 Outstanding; NaN where none).
    ``grades``
        the graded judgements behind ``grade_score``, one row each.
    ``correlation``
        Spearman's rho between ``grade_score`` and each group's improvement
        share (and improvement sentences per 100), with a bootstrap interval
        over groups; NaN where fewer than 3 groups are graded.
    ``evidence``
        the ``evidence_per_kind`` most confident sentences of each sentiment
        per group and outcome, with report, paragraph and offsets.
    """

    by: str
    table: pd.DataFrame
    ranking: pd.DataFrame
    groups: pd.DataFrame
    grades: pd.DataFrame
    correlation: pd.DataFrame
    evidence: pd.DataFrame
    resamples: int
    seed: int
    level: float
    min_judged: int

    def matrix(self, value: str = "improvement_share") -> pd.DataFrame:
        """``value`` as a groups × outcomes table (outcomes in order: general, 1-28)."""
        wide = self.table.pivot(index="group", columns="outcome", values=value)
        return wide[sorted(wide.columns, key=lambda o: outcome_order(pd.Series([o]))[0])]

    def heatmap(self, value: str = "improvement_share"):
        """The matrix as a matplotlib heatmap (needs matplotlib: the ``report`` extra)."""
        from .render import heatmap_figure
        return heatmap_figure(self, value)

    def grades_plot(self):
        """Improvement share against grade, one point per graded group (needs matplotlib)."""
        from .render import grades_figure
        return grades_figure(self)


def group_labels(sentences: pd.DataFrame, by, meta: Mapping[str, dict] | None = None) -> pd.Series:
    """The group of each sentence: its authority (falling back to the report id), its report, or
    ``by[report]`` where ``by`` is a mapping from report id to group (unmapped reports keep their id)."""
    reports = sentences["report"].astype(str)
    if isinstance(by, Mapping):
        return reports.map(lambda r: by.get(r) or r)
    if by == "report":
        return reports
    if by != "authority":
        raise ValueError(f"by must be one of {', '.join(BY)} or a mapping from report id to group, not {by!r}")
    meta = meta or {}
    fallback = reports.map(lambda r: (meta.get(r) or {}).get("authority") or r)
    authority = sentences["authority"].where(sentences["authority"].notna() & (sentences["authority"] != ""))
    return authority.fillna(fallback).astype(str)


def _cell_seed(seed: int, *key: str) -> list[int]:
    # One generator per cell, seeded by the cell's name: a cell's interval does not move when
    # other authorities are added to or removed from the run.
    return [seed, zlib.crc32("\x1f".join(key).encode("utf-8"))]


def bootstrap_share(improvement: int, judged: int, resamples: int = 1000, seed=0,
                    level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of improvement / judged, resampling the judged sentences.

    Drawing ``judged`` sentences with replacement from sentences of which
    ``improvement`` are improvement yields a Binomial(judged,
    improvement/judged) number of improvement sentences, so one binomial
    draw per resample is the same distribution as resampling the sentences
    one by one.  Returns (NaN, NaN) where nothing is judged.  Where every
    judged sentence has the same sentiment the interval has no width: the
    bootstrap cannot see beyond the sentences it has, which is why
    :func:`compare` leaves groups with few judged sentences out of rankings.
    """
    if judged <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.binomial(judged, improvement / judged, size=resamples) / judged
    alpha = (1 - level) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha])
    return float(lo), float(hi)


def _intervals(df: pd.DataFrame, keys: list[str], resamples: int, seed: int, level: float) -> pd.DataFrame:
    bounds = [bootstrap_share(int(r["improvement"]), int(r["judged"]), resamples,
                              _cell_seed(seed, *(str(r[k]) for k in keys)), level)
              for _, r in df.iterrows()]
    df = df.copy()
    df["share_lo"] = [b[0] for b in bounds]
    df["share_hi"] = [b[1] for b in bounds]
    return df


def rank_tiers(shares: pd.Series, lo: pd.Series, hi: pd.Series) -> pd.DataFrame:
    """Rank by share (lowest first) and tie groups whose intervals overlap.

    Walking up the ranking, a group joins the current tier while its
    interval's lower end is at or below the upper end of the tier's first
    group; otherwise it starts the next tier.  Overlap is not transitive, so
    anchoring each tier on its first group keeps a tier from drifting:
    every member is indistinguishable from the tier's best.  Returns
    ``rank`` (ties in share share the lower rank), ``tier`` and ``tier_size``
    indexed like ``shares``.
    """
    order = pd.DataFrame({"share": shares, "lo": lo, "hi": hi}).sort_values("share", kind="stable")
    tiers, tier, leader_hi = [], 0, None
    for _, r in order.iterrows():
        if leader_hi is None or r["lo"] > leader_hi:
            tier += 1
            leader_hi = r["hi"]
        tiers.append(tier)
    order["tier"] = tiers
    order["rank"] = order["share"].rank(method="min").astype(int)
    order["tier_size"] = order.groupby("tier")["tier"].transform("size")
    return order[["rank", "tier", "tier_size"]].reindex(shares.index)


def _rankings(table: pd.DataFrame, min_judged: int) -> pd.DataFrame:
    columns = ["outcome", "title", "regulation", "rank", "tier", "tier_size", "group", "improvement_share",
               "share_lo", "share_hi", "judged"]
    parts = []
    for outcome, sub in table[table["judged"] >= min_judged].groupby("outcome", sort=False):
        tiers = rank_tiers(sub["improvement_share"], sub["share_lo"], sub["share_hi"])
        parts.append(sub.join(tiers))
    if not parts:
        return pd.DataFrame(columns=columns)
    ranking = pd.concat(parts)
    return (ranking.assign(_o=outcome_order(ranking["outcome"]))
            .sort_values(["_o", "rank", "group"], kind="stable")[columns].reset_index(drop=True))


def spearman_bootstrap(x, y, resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Spearman's rho of paired values with a percentile bootstrap interval over pairs.

    Returns ``n``, ``rho``, ``p_value`` (scipy's, from the t distribution),
    ``lo``, ``hi`` and ``valid_resamples`` (resamples in which neither side
    was constant, the only ones where rho is defined).  Fewer than 3 pairs,
    or a constant side, give NaN.
    """
    from scipy import stats  # scipy.stats takes most of a second to import; only grades need it
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    out = {"n": n, "rho": np.nan, "p_value": np.nan, "lo": np.nan, "hi": np.nan, "valid_resamples": 0}
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    res = stats.spearmanr(x, y)
    out["rho"], out["p_value"] = float(res.statistic), float(res.pvalue)
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    rx, ry = stats.rankdata(x[idx], axis=1), stats.rankdata(y[idx], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    denom = np.sqrt((rx ** 2).sum(axis=1) * (ry ** 2).sum(axis=1))
    valid = denom > 0
    rhos = (rx * ry).sum(axis=1)[valid] / denom[valid]
    out["valid_resamples"] = int(valid.sum())
    if len(rhos):
        alpha = (1 - level) / 2
        out["lo"], out["hi"] = (float(v) for v in np.quantile(rhos, [alpha, 1 - alpha]))
    return out


def _per_100(sentences: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each report's sentences of each sentiment per 100 of its sentences, averaged over the group's
    reports (a report silent on an outcome counts as 0)."""
    per_report = sentiment_counts(sentences, ["group", "report", *keys])
    size = sentences.groupby("report").size()
    reports_in_group = sentences.groupby("group")["report"].nunique()
    cols = [*SENTIMENTS, "total"]
    rates = per_report[cols].mul(100 / per_report["report"].map(size).to_numpy(), axis=0)
    rates[["group", *keys]] = per_report[["group", *keys]]
    summed = rates.groupby(["group", *keys])[cols].sum()
    summed = summed.div(summed.index.get_level_values("group").map(reports_in_group).to_numpy(), axis=0)
    summed.columns = [f"{c}_per_100" for c in cols]
    summed["reports"] = per_report.groupby(["group", *keys])["report"].nunique()
    return summed.reset_index()


def compare(records, meta=None, by="authority", resamples: int = 1000, seed: int = 0, level: float = 0.95,
            min_judged: int = 5, evidence_per_kind: int = 3) -> Comparison:
    """Compare the reports of a run, grouped by authority, report or a mapping, outcome by outcome.

    ``records`` are tagged records (dicts, or the DataFrame of
    :func:`pipeline.tag`); ``meta`` their front matter (manifest lines, a
    ``{report: {...}}`` mapping, or :func:`pipeline.front_matter`), needed
    for grades and used for authorities missing from the records.
    ``resamples`` bootstrap draws at confidence ``level`` (seeded by
    ``seed``); ``min_judged`` judged sentences a group needs on an outcome
    to be ranked on it.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    meta = report_meta(meta)
    sentences = sentence_table(_records(records))
    by_name = by if isinstance(by, str) else "group"
    sentences.insert(0, "group", group_labels(sentences, by, meta) if len(sentences) else pd.Series(dtype=str))

    counts = sentiment_counts(sentences, ["group", "outcome"])
    counts = _intervals(counts, ["group", "outcome"], resamples, seed, level)
    table = counts.merge(_per_100(sentences, ["outcome"]), on=["group", "outcome"], how="left") \
        if len(sentences) else counts.assign(**{f"{c}_per_100": [] for c in [*SENTIMENTS, "total"]}, reports=[])
    table = _with_titles(table, 2)
    table = (table.assign(_o=outcome_order(table["outcome"])).sort_values(["group", "_o"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    table["reports"] = table["reports"].astype(int)

    reports = sentences.groupby("group")["report"].agg(lambda s: sorted(set(s)))
    totals = sentiment_counts(sentences, ["group"])
    totals = _intervals(totals, ["group"], resamples, seed, level)
    rates = _per_100(sentences.assign(_all="all"), ["_all"]).set_index("group")
    groups = totals.set_index("group")
    groups.insert(0, "reports", reports.map(len))
    groups.insert(1, "report_ids", reports.map("; ".join))
    groups["improvement_per_100"] = rates["improvement_per_100"]

    # A report's grade score is the mean of its judgements; a group's, the mean over its graded reports.
    report_group = sentences.drop_duplicates("report").set_index("report")["group"]
    grades = grades_table({r: meta[r] for r in report_group.index if r in meta})
    grades.insert(1, "group", grades["report"].map(report_group))
    per_report = grades.dropna(subset=["score"]).groupby(["group", "report"])["score"].mean()
    by_group = per_report.groupby(level="group")
    groups["graded_reports"] = by_group.size().reindex(groups.index, fill_value=0).astype(int)
    groups["grade_score"] = by_group.mean().reindex(groups.index).astype(float)
    groups = groups.reset_index()

    correlation = pd.DataFrame([
        {"measure": measure, "against": "grade_score",
         **spearman_bootstrap(groups["grade_score"], groups[measure], resamples, seed, level)}
        for measure in ("improvement_share", "improvement_per_100")])

    ev = evidence(sentences, evidence_per_kind, keys=("group",))
    return Comparison(by=by_name, table=table, ranking=_rankings(table, min_judged), groups=groups,
                      grades=grades, correlation=correlation, evidence=ev, resamples=resamples, seed=seed,
                      level=level, min_judged=min_judged)
