"""Writing grouped results: Markdown and CSV per run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import atomic_write
from .standards import SENTIMENTS, outcome_title
from .summarize import Summary

__all__ = ["write_csv", "report_markdown", "write_report"]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, [df.to_csv(index=False)])


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(summary: Summary, report: str, meta: dict | None = None) -> str:
    """One report's summary as Markdown: grades, per-outcome counts with evidence, recommendations, disagreements."""
    meta = meta or {}
    lines = [f"# {meta.get('title') or report}", "", f"Report id: `{report}`"]
    if meta.get("source"):
        lines.append(f"Source: `{meta['source']}`")
    grades = meta.get("grades") or {}
    if grades:
        lines += ["", "## Graded judgements", "", "| judgement | grade |", "|---|---|"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in grades.items()]
    counts = summary.counts[summary.counts["report"] == report]
    lines += ["", "## Sentences by outcome", "",
              "| outcome | title | regulation | strength | improvement | neutral | improvement share |",
              "|---|---|---|---|---|---|---|"]
    for _, row in counts.iterrows():
        share = "-" if pd.isna(row["improvement_share"]) else f"{row['improvement_share']:.0%}"
        reg = "-" if pd.isna(row["regulation"]) else f"{int(row['regulation'])}"
        lines.append(f"| {row['outcome']} | {_cell(row['title'])} | {reg} | {row['strength']} | "
                     f"{row['improvement']} | {row['neutral']} | {share} |")
    ev = summary.evidence[summary.evidence["report"] == report]
    lines += ["", "## Evidence", ""]
    for outcome in counts["outcome"]:
        sub = ev[ev["outcome"] == outcome]
        lines += [f"### {outcome}: {outcome_title(outcome)}", ""]
        for sentiment in SENTIMENTS:
            for _, s in sub[sub["sentiment"] == sentiment].iterrows():
                lines.append(f"- **{sentiment}** ({s['confidence']:.2f}, ¶{s['paragraph']}, "
                             f"{s['start']}-{s['end']}): {_cell(s['text'])}")
        lines.append("")
    recs = summary.recommendations[summary.recommendations["report"] == report]
    lines += ["## Recommendations", ""]
    if recs.empty:
        lines.append("None found.")
    else:
        lines += ["| timescale | outcome | recommendation |", "|---|---|---|"]
        lines += [f"| {_cell(r['timescale'] or '-')} | {r['outcome']} | {_cell(r['text'])} |" for _, r in recs.iterrows()]
    dis = summary.disagreements[summary.disagreements["report"] == report]
    lines += ["", "## Where heading and model disagree", ""]
    if dis.empty:
        lines.append("None.")
    else:
        lines += ["| ¶ | heading | model | confidence |", "|---|---|---|---|"]
        lines += [f"| {r['paragraph']} | {r['heading_outcome']} | {r['predicted_outcome']} | {r['confidence']:.2f} |"
                  for _, r in dis.iterrows()]
    return "\n".join(lines) + "\n"


def write_report(summary: Summary, out: Path, metas: dict[str, dict] | None = None) -> list[Path]:
    """Write ``counts.csv``, ``evidence.csv``, ``recommendations.csv``, ``disagreements.csv`` and one
    ``<report>.md`` per report into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in (("counts", summary.counts), ("evidence", summary.evidence),
                     ("recommendations", summary.recommendations), ("disagreements", summary.disagreements)):
        write_csv(df, out / f"{name}.csv")
        written.append(out / f"{name}.csv")
    for report in summary.reports:
        path = out / f"{report}.md"
        atomic_write(path, [report_markdown(summary, report, (metas or {}).get(report))])
        written.append(path)
    return written
