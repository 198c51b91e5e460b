"""Comparing authorities (or providers, locations, areas, reports, or a study's own groups) outcome by outcome.

:func:`compare` groups the sentences of many reports (the grouping rule is
:mod:`pipeline.report.groups`) and outcome, and returns a
:class:`Comparison` of DataFrames: counts, the raw improvement share and the
share corrected for the sentence classifier's measured error
(:mod:`pipeline.report.correct`), both with paragraph-bootstrap intervals;
rates per 100 sentences; a ranking per outcome (drawn as a forest plot); the
rank correlation with graded judgements; and, where the regulator's verdicts
are given, how well the shares separate met from not-met outcomes
(:mod:`pipeline.report.validity`).  Everything is deterministic for a given
``seed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..standards import SENTIMENTS
from .correct import METHOD, ErrorModel, corrected_table
from .frameworks import regroup
from .groups import BUILT_IN, Identity, group_of, identities
from .columnar import RunColumns
from .summarize import (_enough_evidence, _records, _with_titles, evidence, grades_table, outcome_order, report_meta,
                        sentence_table, sentiment_counts)
from .validity import grade_validity, verdict_validity

__all__ = ["Comparison", "compare", "group_labels", "spearman_bootstrap"]

_SHARE_COLUMNS = ["share_lo", "share_hi", "corrected_share", "corrected_lo", "corrected_hi", "paragraphs"]


@dataclass
class Comparison:
    """Many reports compared outcome by outcome; every table attribute is a DataFrame.

    ``table``
        one row per group and outcome: ``strength``, ``improvement``,
        ``neutral``, ``total``, ``judged`` (strength + improvement),
        ``improvement_share`` (the raw share) with its interval ``share_lo`` ..
        ``share_hi``, ``corrected_share`` with ``corrected_lo`` ..
        ``corrected_hi`` (NaN where the model's error is unknown),
        ``paragraphs``, the counts per 100 sentences (``*_per_100``: each
        report's count per 100 of its sentences, averaged over the group's
        reports), ``reports``, the outcome's ``title`` and ``regulation``.
    ``ranking``
        per outcome, the groups with at least ``min_judged`` judged
        sentences, ``rank`` 1 for the lowest share (corrected where known),
        with both shares and intervals: the data of the forest plots.
    ``groups``
        one row per group over all outcomes: reports, counts, both shares
        with intervals, improvement per 100, ``grade_score``.
    ``reports``
        one row per report and outcome, like ``table`` without the rates;
        ``report_totals`` the same per report over all its outcomes.
    ``grades``, ``correlation``
        the graded judgements, and Spearman's rho between ``grade_score``
        and each group's shares and improvement per 100, with a bootstrap
        interval over groups (NaN where fewer than 3 groups are graded).
    ``validity``
        the AUC of each share against the regulator's verdicts (``against``
        ``verdicts``) and graded judgements (``grades``); see
        :mod:`pipeline.report.validity`.
    ``evidence``
        the most confident sentences of each sentiment per group and outcome.
    ``identities``
        what each report is about (:class:`pipeline.report.groups.Identity`).
    ``correction``
        the correction's method, or why there is none; ``verdicts_note`` the
        same for verdicts; ``left_out`` reports a mapping did not place.
    """

    by: str
    table: pd.DataFrame
    ranking: pd.DataFrame
    groups: pd.DataFrame
    reports: pd.DataFrame
    grades: pd.DataFrame
    correlation: pd.DataFrame
    validity: pd.DataFrame
    evidence: pd.DataFrame
    resamples: int
    seed: int
    level: float
    min_judged: int
    corrected: bool = False
    correction: str = ""
    verdicts_note: str = ""
    identities: dict = field(default_factory=dict)
    report_totals: pd.DataFrame | None = None
    verdict_pairs: pd.DataFrame | None = None
    left_out: list = field(default_factory=list)

    @property
    def share_column(self) -> str:
        """The share to lead with: ``corrected_share`` where the model's error is known, else the raw one."""
        return "corrected_share" if self.corrected else "improvement_share"

    def matrix(self, value: str = "improvement_share") -> pd.DataFrame:
        """``value`` as a groups × outcomes table (outcomes in order: general, 1-28; groups as in
        :meth:`group_order`)."""
        wide = self.table.pivot(index="group", columns="outcome", values=value)
        wide = wide[sorted(wide.columns, key=lambda o: outcome_order(pd.Series([o]))[0])]
        return wide.reindex([g for g in self.group_order() if g in wide.index])

    def group_order(self) -> list[str]:
        """Groups from the lowest overall share (corrected where known) to the highest; groups without
        one last, by name."""
        g = self.groups.assign(_s=self.groups[self.share_column].fillna(self.groups["improvement_share"]))
        return list(g.sort_values(["_s", "group"], na_position="last", kind="stable")["group"])

    def heatmap(self, value: str | None = None):
        """The matrix as matplotlib heatmaps, one figure per 40 groups (a list)."""
        from .figures import heatmap_figures
        return heatmap_figures(self, value)

    def forest(self, outcome):
        """One outcome's forest plot: each ranked group's shares with intervals."""
        from .figures import forest_figure
        return forest_figure(self, str(outcome))

    def grades_plot(self):
        """Improvement share against grade, one point per graded group (None where none is graded)."""
        from .figures import grades_figure
        return grades_figure(self)


def group_labels(sentences: pd.DataFrame, by, meta: Mapping[str, dict] | None = None,
                 ids: Mapping[str, Identity] | None = None) -> pd.Series:
    """The group of each sentence's report (NaN where a mapping does not place it).

    ``by`` is ``authority``, ``provider``, ``location``, ``area``, ``report``,
    a front-matter field name, or a mapping ``{report: group}`` whose keys are
    report ids, source paths or file names.
    """
    reports = sentences["report"].astype(str)
    meta = meta or {}
    if isinstance(by, Mapping):
        def place(report):
            source = str((meta.get(report) or {}).get("source") or "")
            for key in (report, source, Path(source).name, Path(source).stem):
                if key and by.get(key):
                    return by[key]
            return None
        return reports.map({r: place(r) for r in reports.unique()})
    if not isinstance(by, str) or not by.strip():
        raise ValueError(f"by must be one of {', '.join(BUILT_IN)}, a front-matter field name or a mapping "
                         f"from report to group, not {by!r}")
    if ids is None:
        ids = identities({r: meta.get(r) or {"authority": a} for r, a in
                          zip(reports, sentences["authority"])}, read_sources=False)
    return reports.map({r: group_of(ids[r], by) for r in reports.unique()})


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
    size = sentences.groupby("report")["n"].sum() if "n" in sentences.columns else sentences.groupby("report").size()
    reports_in_group = sentences.groupby("group")["report"].nunique()
    cols = [*SENTIMENTS, "total"]
    rates = per_report[cols].mul(100 / per_report["report"].map(size).to_numpy(), axis=0)
    rates[["group", *keys]] = per_report[["group", *keys]]
    summed = rates.groupby(["group", *keys])[cols].sum()
    summed = summed.div(summed.index.get_level_values("group").map(reports_in_group).to_numpy(), axis=0)
    summed.columns = [f"{c}_per_100" for c in cols]
    summed["reports"] = per_report.groupby(["group", *keys])["report"].nunique()
    return summed.reset_index()


def _shares(sentences: pd.DataFrame, keys: list[str], error, resamples, seed, level) -> pd.DataFrame:
    counts = sentiment_counts(sentences, keys)
    corr = corrected_table(sentences, keys, error, resamples, seed, level)
    for k in keys:
        corr[k] = corr[k].astype(counts[k].dtype)
    return counts.merge(corr, on=keys, how="left")


def _rankings(table: pd.DataFrame, min_judged: int, share: str) -> pd.DataFrame:
    columns = ["outcome", "title", "regulation", "rank", "group", "improvement_share", "share_lo", "share_hi",
               "corrected_share", "corrected_lo", "corrected_hi", "judged", "paragraphs"]
    lo = "corrected_lo" if share == "corrected_share" else "share_lo"
    # A group is ranked on an outcome where it has enough judged sentences and an interval (two paragraphs).
    ranked = table[(table["judged"] >= min_judged) & table[share].notna() & table[lo].notna()].copy()
    if ranked.empty:
        return pd.DataFrame(columns=columns)
    ranked["rank"] = ranked.groupby("outcome")[share].rank(method="min").astype(int)
    return (ranked.assign(_o=outcome_order(ranked["outcome"]))
            .sort_values(["_o", "rank", "group"], kind="stable")[columns].reset_index(drop=True))


def _meta_with_sources(meta: dict, records: list[dict]) -> dict:
    """Front matter for every report of the records: the records' own source and authority fill in where
    ``meta`` has nothing."""
    out = dict(meta)
    for r in records:
        rid = r["report"]
        if rid not in out:
            out[rid] = {"source": r.get("source"), "authority": r.get("authority"), "title": None, "grades": {}}
        else:
            have = out[rid]
            out[rid] = {**have, "source": have.get("source") or r.get("source"),
                        "authority": have.get("authority") or r.get("authority")}
    return out


def compare(records, meta=None, by="authority", resamples: int = 1000, seed: int = 0, level: float = 0.95,
            min_judged: int = 5, evidence_per_kind: int = 3, error: ErrorModel | None = None,
            error_note: str = "", verdicts: list[dict] | None = None, read_sources: bool = True,
            framework: str | None = None) -> Comparison:
    """Compare the reports of a run, grouped by ``by``, outcome by outcome.

    ``records`` are tagged records (dicts, or the DataFrame of
    :func:`pipeline.tag`), or a run reduced from its Parquet parts
    (:func:`pipeline.report.columnar.read_run`, for runs too large to hold
    as records); ``meta`` their front matter (manifest lines, a
    ``{report: {...}}`` mapping, or :func:`pipeline.front_matter`), for
    grades, titles and the source paths the groups are read from (set
    ``read_sources=False`` to use only the ``authority`` already in the
    records and meta).  ``by``: ``authority`` (default), ``provider``,
    ``location``, ``area``, ``report``, a front-matter field name, or a
    mapping ``{report id, source path or file name: group}`` (reports it
    does not place are left out and listed in ``left_out``).  ``error``:
    the sentence classifier's measured error (:func:`pipeline.report.correct.
    load_error_model`), without which the corrected columns are NaN and
    ``error_note`` says why.  ``verdicts``: the regulator's per-outcome
    verdicts (:func:`pipeline.report.validity.read_verdicts`).
    ``framework``: ``"2014"`` or ``"key-question"`` compares by the
    fundamental standard or key question each outcome maps to
    (:func:`pipeline.standards.framework_label`) instead of by outcome; a
    report's verdicts on the outcomes of one group count as not met if any is.
    ``resamples`` bootstrap draws at confidence ``level`` (seeded by
    ``seed``); ``min_judged`` judged sentences a group needs on an outcome
    to be ranked on it.
    """
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    columns = records if isinstance(records, RunColumns) else None  # a run read from its Parquet parts
    if columns is not None:
        _enough_evidence(columns, evidence_per_kind)
        if framework is not None:
            columns = columns.regrouped(framework)
            verdicts = regroup(verdicts, framework) if verdicts else verdicts
        records = columns.reports
    else:
        records = _records(records)
        if framework is not None:  # outcomes regrouped under the later framework before anything is counted
            records = regroup(records, framework)
            verdicts = regroup(verdicts, framework) if verdicts else verdicts
    meta = _meta_with_sources(report_meta(meta), records)
    ids = identities({r: meta[r] for r in {rec["report"] for rec in records}}, read_sources=read_sources)
    sentences = columns.counts.copy() if columns is not None else sentence_table(records)
    by_name = by if isinstance(by, str) else "group"
    groups_col = group_labels(sentences, by, meta, ids) if len(sentences) else pd.Series(dtype=object)
    left_out = sorted(set(sentences.loc[groups_col.isna(), "report"])) if len(sentences) else []
    sentences.insert(0, "group", groups_col)
    sentences = sentences[sentences["group"].notna()].reset_index(drop=True)
    sentences["group"] = sentences["group"].astype(str)
    correction = METHOD if error is not None else (error_note or "no measured error of the sentence classifier "
                                                   "was given")

    table = _shares(sentences, ["group", "outcome"], error, resamples, seed, level)
    if len(sentences):
        table = table.merge(_per_100(sentences, ["outcome"]), on=["group", "outcome"], how="left")
    else:
        table = table.assign(**{f"{c}_per_100": [] for c in [*SENTIMENTS, "total"]}, reports=[])
    table = _with_titles(table, 2)
    table = (table.assign(_o=outcome_order(table["outcome"])).sort_values(["group", "_o"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    table["reports"] = table["reports"].astype(int)

    report_table = _shares(sentences, ["report", "outcome"], error, resamples, seed, level)
    report_table = _with_titles(report_table, 2)
    report_totals = _shares(sentences, ["report"], error, resamples, seed, level)

    reports = sentences.groupby("group")["report"].agg(lambda s: sorted(set(s)))
    groups = _shares(sentences, ["group"], error, resamples, seed, level).set_index("group")
    rates = _per_100(sentences.assign(_all="all"), ["_all"]).set_index("group")
    groups.insert(0, "reports", reports.map(len))
    groups.insert(1, "report_ids", reports.map("; ".join))
    groups["improvement_per_100"] = rates["improvement_per_100"] if len(rates) else []

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
        for measure in ("improvement_share", "corrected_share", "improvement_per_100")])

    validity, pairs, verdicts_note = [], None, ""
    if verdicts:
        figures, pairs = verdict_validity(report_table, verdicts, resamples, seed, level)
        pairs = (pairs.assign(_o=outcome_order(pairs["outcome"])).sort_values(["report", "_o"], kind="stable")
                 .drop(columns="_o").reset_index(drop=True))
        validity.append(figures.assign(against="verdicts"))
    else:
        verdicts_note = "this run holds no verdicts of the regulator" if verdicts is not None else \
            "no verdicts of the regulator were given"
    if len(grades) and grades["score"].notna().any():
        validity.append(grade_validity(report_totals, grades, resamples, seed, level).assign(against="grades"))
    validity = pd.concat(validity, ignore_index=True) if validity else pd.DataFrame(
        columns=["against", "share", "reports", "auc", "lo", "hi"])
    validity = validity[["against", *[c for c in validity.columns if c != "against"]]]

    if columns is not None:  # evidence from each report's most confident sentences, placed in its group
        placed = dict(zip(sentences["report"], sentences["group"]))
        candidates = columns.candidates.assign(group=columns.candidates["report"].map(placed))
        candidates = candidates[candidates["group"].notna()]
        ev = evidence(candidates[["group", *columns.candidates.columns]], evidence_per_kind, keys=("group",))
    else:
        ev = evidence(sentences, evidence_per_kind, keys=("group",))
    cmp = Comparison(by=by_name, table=table, ranking=pd.DataFrame(), groups=groups, reports=report_table,
                     grades=grades, correlation=correlation, validity=validity, evidence=ev, resamples=resamples,
                     seed=seed, level=level, min_judged=min_judged, corrected=error is not None,
                     correction=correction, verdicts_note=verdicts_note, identities=ids,
                     report_totals=report_totals, verdict_pairs=pairs,
                     left_out=left_out)
    cmp.ranking = _rankings(table, min_judged, cmp.share_column)
    return cmp
