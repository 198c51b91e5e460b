"""Writing grouped results: Markdown, CSV, Parquet and figures (the HTML page is :mod:`pipeline.html`).

:func:`write_report` writes one run's outputs into a folder; the functions
it calls are public so a notebook can produce any single piece.
"""

from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write, public
from ..standards import outcome_title
from .labels import interval, outcome_heading, pct
from .summarize import Summary, regulation

__all__ = ["write_csv", "write_parquet", "parquet_available", "figures_available", "write_tables", "report_markdown", "comparison_markdown",
           "heatmap_figure", "grades_figure", "figure_svg", "write_figures", "write_report"]

GRADE_NAMES = {1: "Inadequate", 2: "Adequate / RI", 3: "Good", 4: "Outstanding"}


def write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, [df.to_csv(index=False)])


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    # Parquet columns have one type; paragraph labels mix "4.3" and 7, outcomes "general" and 9.
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col] if v is not None and not (isinstance(v, float) and pd.isna(v))}
            if len(kinds) > 1:
                df[col] = df[col].map(lambda v: v if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return df


@contextmanager
def _replacing(path: Path):
    """A temporary path beside ``path``, renamed onto it when the block succeeds (as
    :func:`pipeline.atomic.atomic_write` does for text), for writers that want a file name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        public(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` as Parquet (needs pyarrow: the ``report`` extra)."""
    with _replacing(path) as tmp:
        _parquet_ready(df).to_parquet(tmp, index=False, engine="pyarrow")


def _importable(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def parquet_available() -> bool:
    """Whether Parquet can be written (pyarrow, from the ``report`` extra, is installed)."""
    return _importable("pyarrow")


def figures_available() -> bool:
    """Whether figures can be drawn (matplotlib, from the ``report`` extra, is installed)."""
    return _importable("matplotlib")


def write_tables(tables: dict[str, pd.DataFrame], out: Path, parquet: bool = True) -> list[Path]:
    """Each table as ``<name>.csv`` and, where ``parquet`` and pyarrow is installed, ``<name>.parquet``."""
    written = []
    for name, df in tables.items():
        write_csv(df, out / f"{name}.csv")
        written.append(out / f"{name}.csv")
        if parquet:
            write_parquet(df, out / f"{name}.parquet")
            written.append(out / f"{name}.parquet")
    return written


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(summary: Summary, report: str, meta: dict | None = None) -> str:
    """One report's summary as Markdown: graded judgements, per-outcome counts and improvement share with
    the regulation, the strongest evidence of each kind (paragraph and offsets), recommendations with
    timescales and outcomes, and the paragraphs where heading and model disagree."""
    meta = meta or summary.meta.get(report) or {}
    lines = [f"# {meta.get('title') or report}", "", f"Report id: `{report}`"]
    if meta.get("source"):
        lines.append(f"Source: `{meta['source']}`")
    if meta.get("authority"):
        lines.append(f"Authority or provider: {meta['authority']}")
    grades = meta.get("grades") or {}
    if grades:
        lines += ["", "## Graded judgements", "", "| judgement | grade |", "|---|---|"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in grades.items()]
    part = summary.of(report)
    counts = part["counts"]
    lines += ["", "## Sentences by outcome", "",
              "Improvement share = improvement / (strength + improvement); recommendation bullets count as "
              "improvement.", "",
              "| outcome | title | regulation | strength | improvement | neutral | improvement share |",
              "|---|---|---|---|---|---|---|"]
    for _, row in counts.iterrows():
        reg = "-" if pd.isna(row["regulation"]) else f"{int(row['regulation'])}"
        lines.append(f"| {row['outcome']} | {_cell(row['title'])} | {reg} | {row['strength']} | "
                     f"{row['improvement']} | {row['neutral']} | {pct(row['improvement_share'])} |")
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
        lines += [f"| {r['paragraph']} | {_cell(r['timescale'] or '-')} | {_cell(outcome_heading(r['outcome']))} | "
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


def comparison_markdown(cmp, figures: dict[str, str] | None = None) -> str:
    """The comparison as Markdown: groups, the share table, rankings with tiers, grades and correlation.
    ``figures`` maps ``heatmap``/``grades`` to image paths relative to the Markdown file."""
    figures = figures or {}
    what = {"authority": "authority or provider", "report": "report"}.get(cmp.by, cmp.by)
    g = cmp.groups
    level = f"{cmp.level:.0%}"
    lines = [f"# Comparison by {what}", "",
             f"{int(g['reports'].sum())} reports in {len(g)} groups; {int(g['total'].sum())} sentences.", "",
             "Improvement share = improvement / (strength + improvement) sentences; recommendation bullets count "
             f"as improvement. Intervals: {level} percentile bootstrap, {cmp.resamples} resamples of the "
             f"sentences within each group and outcome (seed {cmp.seed}). Per 100: each report's sentences per "
             "100 of its sentences, averaged over the group's reports.", "",
             "## Groups", "",
             f"| group | reports | sentences | improvement share | {level} interval | improvement per 100 "
             "| grade score |", "|---|---|---|---|---|---|---|"]
    for _, r in g.iterrows():
        grade = "-" if pd.isna(r["grade_score"]) else f"{r['grade_score']:.2f}"
        lines.append(f"| {_cell(r['group'])} | {r['reports']} | {r['total']} | {pct(r['improvement_share'])} | "
                     f"{interval(r['share_lo'], r['share_hi'])} | {r['improvement_per_100']:.1f} | {grade} |")
    m = cmp.matrix()
    if figures.get("heatmap"):
        lines += ["", f"![Improvement share by group and outcome]({figures['heatmap']})"]
    lines += ["", "## Improvement share by outcome", "",
              "| group | " + " | ".join(str(c) for c in m.columns) + " |",
              "|---|" + "---|" * len(m.columns)]
    for group, row in m.iterrows():
        lines.append(f"| {_cell(group)} | " + " | ".join(pct(v) for v in row) + " |")
    lines += ["", "## Ranking per outcome", "",
              f"Lowest improvement share first; groups with fewer than {cmp.min_judged} judged sentences on an "
              "outcome are not ranked on it. Groups in one tier are not told apart by the data: their intervals "
              "overlap the interval of the tier's first group.", ""]
    for outcome, sub in cmp.ranking.groupby("outcome", sort=False):
        lines += [f"### {outcome_heading(outcome)}", "", f"| rank | tier | group | improvement share | {level} "
                  "interval | judged |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['rank']} | {r['tier']}{' (tied)' if r['tier_size'] > 1 else ''} | {_cell(r['group'])} | "
                  f"{pct(r['improvement_share'])} | {interval(r['share_lo'], r['share_hi'])} | {r['judged']} |"
                  for _, r in sub.iterrows()]
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
            rho = "-" if pd.isna(c["rho"]) else f"{c['rho']:.2f}"
            ci = "-" if pd.isna(c["lo"]) else f"{c['lo']:.2f} to {c['hi']:.2f}"
            p = "-" if pd.isna(c["p_value"]) else f"{c['p_value']:.2g}"
            lines.append(f"| {c['measure'].replace('_', ' ')} vs grade score | {c['n']} | {rho} | {ci} | {p} |")
        if figures.get("grades"):
            lines += ["", f"![Improvement share against grade]({figures['grades']})"]
    return "\n".join(lines) + "\n"


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _short(label: str, width: int = 38) -> str:
    label = " ".join(str(label).split())  # a tab has no glyph in the figure's font
    return label if len(label) <= width else label[: width - 1] + "…"


def heatmap_figure(cmp, value: str = "improvement_share"):
    """Groups × outcomes heatmap of ``value`` (default the improvement share, 0 green .. 1 red); cells
    show the percentage, in brackets where fewer than ``cmp.min_judged`` sentences are judged.  None
    where there is nothing to draw."""
    import numpy as np
    m = cmp.matrix(value)
    if m.empty:
        return None
    plt = _plt()
    judged = cmp.matrix("judged").reindex_like(m)
    share = value.endswith("share")
    fig, ax = plt.subplots(figsize=(0.42 * len(m.columns) + 4.5, 0.3 * len(m) + 2))
    data = np.ma.masked_invalid(m.to_numpy(dtype=float))
    cmap = plt.get_cmap("RdYlGn_r" if share else "Blues").with_extremes(bad="#eeeeee")
    im = ax.imshow(data, cmap=cmap, vmin=0, vmax=1 if share else None, aspect="auto")
    ax.set_xticks(range(len(m.columns)), [str(c) for c in m.columns], rotation=90, fontsize=8)
    ax.set_yticks(range(len(m)), [_short(str(i)) for i in m.index], fontsize=7)
    ax.set_xlabel("outcome")
    if m.size <= 3000:
        for (i, j), v in np.ndenumerate(m.to_numpy(dtype=float)):
            if np.isnan(v):
                continue
            text = f"{v * 100:.0f}" if share else f"{v:.0f}"
            if judged.iat[i, j] < cmp.min_judged:
                text = f"({text})"
            ax.text(j, i, text, ha="center", va="center", fontsize=5.5, color="black")
    label = value.replace("_", " ")
    ax.set_title(f"{label} by {cmp.by} and outcome" + (f" (%; brackets: < {cmp.min_judged} judged sentences)"
                                                         if share else ""), fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
    fig.tight_layout()
    return fig


def grades_figure(cmp):
    """Each graded group's improvement share (with its interval) against its grade score, with
    Spearman's rho and its bootstrap interval in the title; None where no group is graded."""
    plt = _plt()
    g = cmp.groups[cmp.groups["grade_score"].notna()]
    if g.empty:
        return None
    c = cmp.correlation.set_index("measure").loc["improvement_share"]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.errorbar(g["grade_score"], g["improvement_share"],
                yerr=[g["improvement_share"] - g["share_lo"], g["share_hi"] - g["improvement_share"]],
                fmt="o", capsize=2, alpha=0.8)
    for _, r in g.iterrows():
        ax.annotate(_short(str(r["group"]), 18), (r["grade_score"], r["improvement_share"]), fontsize=6,
                    xytext=(3, 2), textcoords="offset points")
    ax.set_xticks(list(GRADE_NAMES), list(GRADE_NAMES.values()))
    ax.set_xlim(0.7, 4.3)
    ax.set_ylim(0, 1)
    ax.set_xlabel("grade score (mean of the report's graded judgements)")
    ax.set_ylabel("improvement share (all outcomes)")
    title = f"n = {int(c['n'])} groups"
    if not pd.isna(c["rho"]):
        ci = "" if pd.isna(c["lo"]) else f" [{cmp.level:.0%} CI {c['lo']:.2f}, {c['hi']:.2f}]"
        title = f"Spearman rho = {c['rho']:.2f}{ci}, " + title
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def figure_svg(fig) -> str:
    """A figure as standalone SVG text (text drawn as paths, so no font is needed; no timestamp)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def write_figures(cmp, out: Path) -> dict[str, str]:
    """``heatmap.png``/``.svg`` and, where groups are graded, ``grades.png``/``.svg``; returns
    ``{name: svg text}`` for the HTML page."""
    plt = _plt()
    svgs = {}
    for name, fig in (("heatmap", heatmap_figure(cmp)), ("grades", grades_figure(cmp))):
        if fig is None:
            continue
        with _replacing(out / f"{name}.png") as tmp:
            fig.savefig(tmp, format="png", dpi=150)
        svgs[name] = figure_svg(fig)
        atomic_write(out / f"{name}.svg", [svgs[name]])
        plt.close(fig)
    return svgs


def write_report(summary: Summary, out: Path, metas: dict[str, dict] | None = None, comparison=None,
                 parquet: bool | None = None, figures: bool | None = None, html: bool = True) -> list[Path]:
    """Write a run's grouped results into ``out`` and return the paths written.

    Always: ``counts``, ``evidence``, ``recommendations``, ``disagreements``
    and ``grades`` as CSV, and one ``<report>.md`` per report.  With a
    :class:`~pipeline.compare.Comparison`: ``compare_table``,
    ``compare_ranking``, ``compare_groups``, ``compare_correlation``,
    ``compare_evidence`` and ``compare_grades`` as CSV, ``comparison.md``,
    the heatmap and grade plots as PNG and SVG, and ``report.html``.  Every
    table is also written as Parquet.  ``parquet``/``figures`` default to
    whether pyarrow/matplotlib is installed (the ``report`` extra).
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
                       "compare_groups": comparison.groups, "compare_correlation": comparison.correlation,
                       "compare_evidence": comparison.evidence, "compare_grades": comparison.grades})
    written = write_tables(tables, out, parquet)
    for report in summary.reports:
        path = out / f"{report}.md"
        atomic_write(path, [report_markdown(summary, report, (metas or {}).get(report))])
        written.append(path)
    if comparison is None:
        return written
    if figures is None:
        figures = figures_available()
    svgs = write_figures(comparison, out) if figures else {}
    written += [out / f"{name}.{ext}" for name in svgs for ext in ("png", "svg")]
    atomic_write(out / "comparison.md", [comparison_markdown(comparison, {k: f"{k}.png" for k in svgs})])
    written.append(out / "comparison.md")
    if html:
        from .html import report_html
        atomic_write(out / "report.html", [report_html(summary, comparison, svgs)])
        written.append(out / "report.html")
    return written
