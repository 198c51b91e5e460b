"""Writing grouped results: Markdown and the whole output folder (:func:`write_report`).

Tables go out through :mod:`pipeline.report.files`, figures through
:mod:`pipeline.report.figures`, HTML pages through :mod:`pipeline.report.html`;
the functions here are public so a notebook can produce any single piece.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from .figures import figures_available, write_figures
from .files import parquet_available, write_tables
from .labels import interval, missing, number, outcome_heading, outcome_short, pct, report_file, share_note, text, what
from .html import write_pages
from .summarize import Summary

__all__ = ["report_markdown", "comparison_markdown", "validity_lines", "write_report", "figures_available",
           "parquet_available"]


def _cell(value: object) -> str:
    return text(value).replace("|", "\\|").replace("\n", " ")


def report_markdown(summary: Summary, report: str, meta: dict | None = None, cmp=None) -> str:
    """One report's summary as Markdown: what it is about, graded judgements and verdicts, per-outcome
    counts with raw and corrected improvement shares, the strongest evidence of each kind (paragraph and
    offsets), recommendations with timescales and outcomes, and where heading and model disagree."""
    meta = meta or summary.meta.get(report) or {}
    ident = (cmp.identities.get(report) if cmp is not None else None)
    title = ident.title if ident is not None else (meta.get("title") or report)
    lines = [f"# {title}", "", f"Report id: `{report}`"]
    if meta.get("source"):
        lines.append(f"Source: `{meta['source']}`")
    if ident is not None and ident.kind != "unknown":
        lines.append(f"About: {'a location' if ident.kind == 'location' else 'an area'}; provider "
                     f"{text(ident.provider)}; location {text(ident.location)}; area {text(ident.area)}")
    elif meta.get("authority"):
        lines.append(f"Authority or provider: {meta['authority']}")
    grades = meta.get("grades") or {}
    if grades:
        lines += ["", "## Graded judgements", "", "| judgement | grade |", "|---|---|"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in grades.items()]
    if cmp is not None and cmp.verdict_pairs is not None and len(cmp.verdict_pairs):
        mine = cmp.verdict_pairs[cmp.verdict_pairs["report"] == report]
        if len(mine):
            lines += ["", "## The regulator's verdicts", "", "| outcome | verdict | improvement share | corrected |",
                      "|---|---|---|---|"]
            lines += [f"| {_cell(outcome_short(r['outcome']))} | {'not met' if r['not_met'] else 'met'} | "
                      f"{pct(r['improvement_share'])} | {pct(r['corrected_share'])} |" for _, r in mine.iterrows()]
    part = summary.of(report)
    counts = part["counts"]
    shares = (cmp.reports[cmp.reports["report"] == report].set_index("outcome")
              if cmp is not None else pd.DataFrame())
    lines += ["", "## Sentences by outcome", "",
              "Improvement share = improvement / (strength + improvement); recommendation bullets count as "
              "improvement." + (" Corrected: for the classifier's measured error." if cmp is not None
                                and cmp.corrected else ""), "",
              "| outcome | title | regulation | strength | improvement | neutral | improvement share | corrected |",
              "|---|---|---|---|---|---|---|---|"]
    for _, row in counts.iterrows():
        reg = text(row["regulation"] if missing(row["regulation"]) else int(row["regulation"]))
        corrected = shares["corrected_share"].get(row["outcome"]) if len(shares) else None
        lines.append(f"| {row['outcome']} | {_cell(row['title'])} | {reg} | {row['strength']} | "
                     f"{row['improvement']} | {row['neutral']} | {pct(row['improvement_share'])} | {pct(corrected)} |")
    ev = dict(tuple(part["evidence"].groupby("outcome", sort=False)))
    lines += ["", "## Evidence", "",
              f"The {summary.evidence_per_kind} most confident sentences of each kind per outcome "
              "(confidence, paragraph, character offsets).", ""]
    for outcome in counts["outcome"]:
        lines += [f"### {outcome_heading(outcome)}", ""]
        # evidence() orders sentences by sentiment (strength, improvement, neutral), then confidence.
        for s in ev[outcome].to_dict("records") if outcome in ev else []:
            lines.append(f"- **{s['sentiment']}** ({s['confidence']:.2f}, ¶{s['paragraph']}, "
                         f"{s['start']}-{s['end']}): {_cell(s['text'])}")
        lines.append("")
    recs = part["recommendations"]
    lines += ["## Recommendations", ""]
    if recs.empty:
        lines.append("None found.")
    else:
        lines += ["| ¶ | timescale | outcome | recommendation |", "|---|---|---|---|"]
        lines += [f"| {r['paragraph']} | {_cell(r['timescale'])} | {_cell(outcome_heading(r['outcome']))} | "
                  f"{_cell(r['text'])} |" for _, r in recs.iterrows()]
    dis = part["disagreements"]
    lines += ["", "## Where heading and model disagree", ""]
    if dis.empty:
        lines.append("None.")
    else:
        lines += ["| ¶ | heading | model | confidence | paragraph |", "|---|---|---|---|---|"]
        lines += [f"| {r['paragraph']} | {r['heading_outcome']} | {_cell(outcome_heading(r['predicted_outcome']))} | "
                  f"{r['confidence']:.2f} | {_cell(r['text'])} |" for _, r in dis.iterrows()]
    return "\n".join(lines) + "\n"


def validity_lines(cmp) -> list[str]:
    """The validity figures as Markdown lines (shared with the notebook)."""
    level = f"{cmp.level:.0%}"
    lines = []
    v = cmp.validity
    verdicts = v[v["against"] == "verdicts"] if len(v) else v
    if len(verdicts):
        r0 = verdicts.iloc[0]
        lines += [f"Against the regulator's verdicts: {int(r0['outcomes'])} outcomes of {int(r0['reports'])} reports "
                  f"with a share ({int(r0['not_met'])} not met, {int(r0['met'])} met; {int(r0['unmatched'])} verdicts "
                  "on outcomes without a judged sentence left out). AUC: the chance that a not-met outcome has a "
                  "higher improvement share than a met one (0.5 is chance); interval: bootstrap over reports.", "",
                  f"| share | AUC | {level} interval |", "|---|---|---|"]
        lines += [f"| {r['share']} | {number(r['auc'], '{:.2f}')} | {_ci(r)} |" for _, r in verdicts.iterrows()]
    else:
        lines.append(f"No verdicts: {cmp.verdicts_note}.")
    grades = v[v["against"] == "grades"] if len(v) else v
    lines.append("")
    if len(grades):
        lines += [f"Against the graded judgements of {int(grades['reports'].max())} reports: the chance that, of two "
                  "reports with different grade scores, the worse-graded one has the higher improvement share "
                  "(all its outcomes); interval: bootstrap over reports.", "",
                  f"| share | AUC | {level} interval |", "|---|---|---|"]
        lines += [f"| {r['share']} | {number(r['auc'], '{:.2f}')} | {_ci(r)} |" for _, r in grades.iterrows()]
    else:
        lines.append("No report in this run carries graded judgements.")
    return lines


def _ci(r, lo="lo", hi="hi") -> str:
    return "-" if missing(r[lo]) else f"{r[lo]:.2f} to {r[hi]:.2f}"


def comparison_markdown(cmp, figures: dict[str, list[str]] | None = None) -> str:
    """The comparison as Markdown: groups, the share table, validity, forest-plot data per outcome, grades.
    ``figures`` maps ``heatmap``/``forest``/``grades`` to image paths relative to the Markdown file."""
    figures = figures or {}
    g = cmp.groups.set_index("group").reindex(cmp.group_order()).reset_index()
    level = f"{cmp.level:.0%}"
    lead = "corrected" if cmp.corrected else "raw"
    lines = [f"# Comparison by {what(cmp)}", "",
             f"{int(g['reports'].sum())} reports in {len(g)} groups; {int(g['total'].sum())} sentences.", "",
             share_note(cmp) + " Per 100: each report's sentences per 100 of its sentences, averaged over the "
             "group's reports.", ""]
    if cmp.left_out:
        lines += [f"Left out (not in the groups file): {', '.join(cmp.left_out)}.", ""]
    lines += ["## Groups", "", f"Lowest {lead} share first.", "",
              f"| group | reports | sentences | improvement share | {level} interval | corrected | {level} interval "
              "| improvement per 100 | grade score |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in g.iterrows():
        lines.append(f"| {_cell(r['group'])} | {r['reports']} | {r['total']} | {pct(r['improvement_share'])} | "
                     f"{interval(r['share_lo'], r['share_hi'])} | {pct(r['corrected_share'])} | "
                     f"{interval(r['corrected_lo'], r['corrected_hi'])} | {number(r['improvement_per_100'])} | "
                     f"{number(r['grade_score'], '{:.2f}')} |")
    m = cmp.matrix(cmp.share_column)
    judged = cmp.matrix("judged")
    for path in figures.get("heatmap", []):
        lines += ["", f"![{lead.capitalize()} improvement share by group and outcome]({path})"]
    lines += ["", f"## {lead.capitalize()} improvement share by outcome", "",
              f"Percent; in brackets where fewer than {cmp.min_judged} sentences are judged.", "",
              "| group | " + " | ".join(outcome_short(c) for c in m.columns) + " |",
              "|---|" + "---|" * len(m.columns)]
    for group, row in m.iterrows():
        cells = [("-" if missing(v) else (f"({v:.0%})" if judged.at[group, o] < cmp.min_judged else f"{v:.0%}"))
                 for o, v in row.items()]
        lines.append(f"| {_cell(group)} | " + " | ".join(cells) + " |")
    lines += ["", "## Validity against the regulator", ""] + validity_lines(cmp)
    lines += ["", "## Groups ranked per outcome", "",
              f"Lowest {lead} share first; groups with fewer than {cmp.min_judged} judged sentences or one paragraph "
              "on an outcome are not ranked on it. Read the intervals, not the ranks: ranks of groups whose "
              "intervals overlap are not told apart by the data.", ""]
    forests = dict(zip(cmp.ranking["outcome"].drop_duplicates(), figures.get("forest", [])))
    for outcome, sub in cmp.ranking.groupby("outcome", sort=False):
        lines += [f"### {outcome_heading(outcome)}", ""]
        if outcome in forests:
            lines += [f"![Forest plot, outcome {outcome}]({forests[outcome]})", ""]
        lines += [f"| rank | group | corrected | {level} interval | improvement share | {level} interval | judged |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['rank']} | {_cell(r['group'])} | {pct(r['corrected_share'])} | "
                  f"{interval(r['corrected_lo'], r['corrected_hi'])} | {pct(r['improvement_share'])} | "
                  f"{interval(r['share_lo'], r['share_hi'])} | {r['judged']} |" for _, r in sub.iterrows()]
        lines.append("")
    lines += ["## Grades and improvement share", ""]
    graded = g[g["grade_score"].notna()]
    if graded.empty:
        lines.append("No report in this run carries graded judgements.")
    else:
        lines += [f"{len(graded)} groups carry graded judgements (score: mean of their reports' judgements, "
                  "Inadequate 1, Adequate or Requires improvement 2, Good 3, Outstanding 4).", "",
                  f"| measure | groups | Spearman rho | {level} interval | p |", "|---|---|---|---|---|"]
        for _, c in cmp.correlation.iterrows():
            lines.append(f"| {c['measure'].replace('_', ' ')} vs grade score | {c['n']} | "
                         f"{number(c['rho'], '{:.2f}')} | {_ci(c)} | {number(c['p_value'], '{:.2g}')} |")
        for path in figures.get("grades", []):
            lines += ["", f"![Improvement share against grade]({path})"]
    return "\n".join(lines) + "\n"


def write_report(summary: Summary, out: Path, metas: dict[str, dict] | None = None, comparison=None,
                 parquet: bool | None = None, figures: bool | None = None, html: bool = True) -> list[Path]:
    """Write a run's grouped results into ``out`` and return the paths written.

    Always: ``counts``, ``evidence``, ``recommendations``, ``disagreements``
    and ``grades`` as CSV and Parquet, and ``<report>.md`` per report.
    With a :class:`~pipeline.report.compare.Comparison`: ``compare_table``,
    ``compare_ranking``, ``compare_groups``, ``compare_reports``,
    ``compare_validity``, ``compare_correlation``, ``compare_evidence`` and
    ``compare_grades``; ``comparison.md``; the figures (:func:`write_figures`);
    and the HTML pages: ``report.html`` (the comparison), ``evidence.html``
    (groups of several reports) and ``reports/<report>.html``.
    ``parquet``/``figures`` default to whether pyarrow/matplotlib import.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if parquet is None:
        parquet = parquet_available()
    metas = metas if metas is not None else summary.meta
    tables = {"counts": summary.counts, "evidence": summary.evidence, "recommendations": summary.recommendations,
              "disagreements": summary.disagreements, "grades": summary.grades}
    if comparison is not None:
        tables.update({"compare_table": comparison.table, "compare_ranking": comparison.ranking,
                       "compare_groups": comparison.groups, "compare_reports": comparison.reports,
                       "compare_validity": comparison.validity, "compare_correlation": comparison.correlation,
                       "compare_evidence": comparison.evidence, "compare_grades": comparison.grades})
    written = write_tables(tables, out, parquet)
    for report in summary.reports:
        path = out / f"{report_file(report)}.md"
        atomic_write(path, [report_markdown(summary, report, (metas or {}).get(report), comparison)])
        written.append(path)
    if comparison is None:
        return written
    if figures is None:
        figures = figures_available()
    paths = write_figures(comparison, out) if figures else {}
    for ps in paths.values():
        written += ps
    # Markdown shows the PNGs; the forest plots exist as SVG only.
    rel = {k: [p.relative_to(out).as_posix() for p in ps if p.suffix == (".svg" if k == "forest" else ".png")]
           for k, ps in paths.items()}
    atomic_write(out / "comparison.md", [comparison_markdown(comparison, rel)])
    written.append(out / "comparison.md")
    if html:
        written += write_pages(summary, comparison, out, {k: [p.relative_to(out).as_posix() for p in ps]
                                                          for k, ps in paths.items()})
    return written
