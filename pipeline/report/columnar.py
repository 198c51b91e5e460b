"""A run's Parquet parts → the narrow tables `esq report` and :func:`pipeline.compare` aggregate.

At archive scale a run's records do not fit in memory as dicts (each holds
its paragraph's and sentences' text).  Every figure of a summary or a
comparison needs far less: how many sentences of each sentiment each
paragraph has under each outcome (the bootstrap resamples paragraphs), a
handful of the most confident sentences per report, outcome and sentiment
(any group's evidence is among its reports'), and the recommendation and
disagreement paragraphs.  :func:`read_run` reduces the run to those, one
Parquet part at a time (a part is one batch of inputs and holds all of its
reports' rows), so what is held is one row per paragraph and sentiment,
without text, plus the evidence: about 60 bytes per paragraph.  The tables
built from it are the ones the JSONL records give (a test compares them),
except that paragraph numbers are text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..run.parquet import assign, part_reports
from ..standards import framework_label

__all__ = ["RunColumns", "read_run", "has_parquet"]

_SENTENCE_COLUMNS = ["report", "authority", "paragraph", "kind", "outcome", "sentiment", "confidence", "start",
                     "end", "text"]
_COUNT_KEYS = ["report", "authority", "paragraph", "kind", "outcome", "sentiment"]


@dataclass
class RunColumns:
    """A tagged run reduced for summaries and comparisons (what :func:`read_run` returns; pass it to
    :func:`pipeline.summarize` or :func:`pipeline.compare` in place of the records).

    ``counts``: one row per paragraph and sentiment, ``n`` its sentences (the columns of
    :func:`pipeline.report.summarize.sentence_table` less the sentence's own, plus ``n``), in input
    order.  ``candidates``: per report, outcome and sentiment the ``per_kind`` most confident sentences
    of finding paragraphs and of recommendations, as sentence-table rows in input order.
    ``recommendations`` and ``disagreements``: the paragraphs
    :func:`~pipeline.report.summarize.recommendations` and :func:`~pipeline.report.summarize.disagreements`
    list.  ``reports``: one dict per report (``report``, ``source``, ``authority``), in input order.
    """

    counts: pd.DataFrame
    candidates: pd.DataFrame
    recommendations: list[dict]
    disagreements: list[dict]
    reports: list[dict]
    per_kind: int
    paragraphs: int

    def __len__(self) -> int:
        return self.paragraphs

    def flagged(self) -> list[dict]:
        """The recommendation and disagreement paragraphs, each once, in input order."""
        pos = {r["report"]: k for k, r in enumerate(self.reports)}
        rows = {(r["report"], r["paragraph_index"]): r for r in [*self.recommendations, *self.disagreements]}
        return sorted(rows.values(), key=lambda r: (pos[r["report"]], r["paragraph_index"]))

    def regrouped(self, framework: str) -> RunColumns:
        """The same run with every outcome replaced by its group under ``framework`` (as
        :func:`pipeline.report.frameworks.regroup` does to records)."""
        def f(o):
            return str(framework_label(o, framework))
        return replace(self, counts=self.counts.assign(outcome=self.counts["outcome"].map(f)),
                       candidates=self.candidates.assign(outcome=self.candidates["outcome"].map(f)),
                       recommendations=[{**r, "outcome": framework_label(r["outcome"], framework),
                                         "outcome_2010": r.get("outcome_2010", r["outcome"])}
                                        for r in self.recommendations],
                       disagreements=[{**r, "outcome": framework_label(r["outcome"], framework),
                                       "outcome_2010": r.get("outcome_2010", r["outcome"])}
                                      for r in self.disagreements])


def has_parquet(run_dir: str | Path) -> bool:
    """True where the run folder holds Parquet parts (runs tagged before esq wrote them hold none)."""
    return bool(part_reports(run_dir))


def _outcome(value):
    """An outcome as the records hold it: 1-28 as an int, ``general`` as text."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def read_run(run_dir: str | Path, manifest: Iterable[dict], per_kind: int = 3) -> RunColumns:
    """Reduce the Parquet parts of ``run_dir`` to a :class:`RunColumns`, one part at a time.

    ``manifest`` is the run's manifest lines: only the reports it lists as tagged are read (each from
    the newest part that holds it), in its order.  ``per_kind`` evidence sentences are kept per report,
    outcome and sentiment: at least what the summary and comparison will show.
    """
    from .summarize import evidence
    order: dict[str, int] = {}
    for e in manifest:
        if e.get("status") == "ok" and not e.get("duplicate_of") and e.get("report"):
            order.setdefault(e["report"], len(order))
    base = Path(run_dir) / "parquet"
    counts, candidates, recs, disagree, reports = [], [], [], [], {}
    for name, wanted in assign(part_reports(run_dir), order).items():
        if not wanted:
            continue
        keep = [("report", "in", sorted(wanted))]
        s = pq.read_table(base / "sentences" / name, filters=keep,
                          columns=[*_SENTENCE_COLUMNS, "paragraph_index", "sentence_index"]).to_pandas()
        s = s.assign(_o=s["report"].map(order)).sort_values(["_o", "paragraph_index", "sentence_index"],
                                                             kind="stable")
        c = s.groupby([*_COUNT_KEYS, "_o", "paragraph_index"], sort=False, dropna=False).size()
        counts.append(c.rename("n").reset_index())
        top = evidence(s, per_kind, keys=("report",)) if len(s) else s
        candidates.append(top)
        p = pq.read_table(base / "paragraphs" / name, filters=keep, columns=[
            "report", "source", "authority", "paragraph_index", "paragraph", "kind", "heading", "heading_outcome",
            "predicted_outcome", "outcome_confidence", "outcome", "disagreement", "timescale", "start", "end",
            "text"]).to_pandas()
        p = p.assign(_o=p["report"].map(order)).sort_values(["_o", "paragraph_index"], kind="stable")
        for r in p.drop_duplicates("report")[["report", "source", "authority", "_o"]].to_dict("records"):
            reports[r["report"]] = {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        flagged = p[(p["kind"] == "recommendation") | p["disagreement"].fillna(False).astype(bool)]
        for r in flagged.drop(columns="_o").to_dict("records"):
            r = {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for k in ("outcome", "heading_outcome", "predicted_outcome"):
                r[k] = _outcome(r[k])
            if r["kind"] == "recommendation":
                recs.append(r)
            if r["disagreement"]:
                disagree.append(r)
    counts = (pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(columns=[*_COUNT_KEYS, "_o",
                                                                                      "paragraph_index", "n"]))
    counts = counts.sort_values(["_o", "paragraph_index"], kind="stable")
    paragraphs = int(counts[["_o", "paragraph_index"]].drop_duplicates().shape[0]) if len(counts) else 0
    counts = counts.drop(columns=["_o", "paragraph_index"]).reset_index(drop=True)
    counts["n"] = counts["n"].astype(int)
    cand = pd.concat(candidates, ignore_index=True) if candidates else pd.DataFrame(columns=_SENTENCE_COLUMNS)
    cand = (cand.assign(_o=cand["report"].map(order))
            .sort_values(["_o", "paragraph_index", "sentence_index"], kind="stable")[_SENTENCE_COLUMNS]
            .reset_index(drop=True))
    key = lambda r: (order[r["report"]], r["paragraph_index"])  # noqa: E731
    return RunColumns(counts=counts, candidates=cand, recommendations=sorted(recs, key=key),
                      disagreements=sorted(disagree, key=key),
                      reports=[{k: v for k, v in r.items() if k != "_o"}
                               for r in sorted(reports.values(), key=lambda r: r["_o"])],
                      per_kind=per_kind, paragraphs=paragraphs)
