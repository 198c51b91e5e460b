"""The figures of a comparison (matplotlib): heatmaps, a forest plot per outcome, shares against grades.

PNG for documents and SVG for papers; the HTML pages draw their own tables
and forest plots and inline only the small grades figure.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from .files import _importable, replacing
from .labels import outcome_heading, outcome_short, what

__all__ = ["heatmap_figures", "forest_figure", "grades_figure", "figure_svg_text", "write_figures",
           "figures_available", "HEATMAP_ROWS", "GRADE_NAMES"]

GRADE_NAMES = {1: "Inadequate", 2: "Adequate / RI", 3: "Good", 4: "Outstanding"}
#: Groups per heatmap figure: more rows than this are split over several figures, so labels stay legible.
HEATMAP_ROWS = 40


def figures_available() -> bool:
    """Whether figures can be drawn (matplotlib, a core dependency, is importable)."""
    return _importable("matplotlib")


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _short(label: str, width: int = 38) -> str:
    label = " ".join(str(label).split())  # a tab has no glyph in the figure's font
    return label if len(label) <= width else label[: width - 1] + "..."


def heatmap_figures(cmp, value: str | None = None) -> list:
    """Groups × outcomes heatmaps of ``value`` (default: the corrected share where known, else the raw one;
    0 green .. 1 red), groups from the lowest overall share, :data:`HEATMAP_ROWS` groups per figure.  Cells
    with fewer than ``cmp.min_judged`` judged sentences are faded and hatched, their value in brackets."""
    import numpy as np
    from matplotlib.patches import Rectangle
    value = value or cmp.share_column
    m = cmp.matrix(value)
    if m.empty:
        return []
    plt = _plt()
    judged = cmp.matrix("judged").reindex_like(m)
    share = value.endswith("share")
    figs = []
    chunks = [m.iloc[i:i + HEATMAP_ROWS] for i in range(0, len(m), HEATMAP_ROWS)]
    cmap = plt.get_cmap("RdYlGn_r" if share else "Blues").with_extremes(bad="#f4f4f4")
    vmax = 1 if share else float(np.nanmax(m.to_numpy(dtype=float)) or 1)
    for n, part in enumerate(chunks, 1):
        fig, ax = plt.subplots(figsize=(0.36 * len(part.columns) + 4.8, 0.26 * len(part) + 2.6))
        data = part.to_numpy(dtype=float)
        few = judged.reindex_like(part).to_numpy(dtype=float) < cmp.min_judged
        rgba = cmap(np.ma.masked_invalid(data) / vmax)
        rgba[few & ~np.isnan(data), 3] = 0.35  # faded: the least reliable cells must not catch the eye
        ax.imshow(rgba, aspect="auto", interpolation="nearest")
        for (i, j), v in np.ndenumerate(data):
            if np.isnan(v):
                continue
            label = f"{v * 100:.0f}" if share else f"{v:.0f}"
            if few[i, j]:
                label = f"({label})"
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="////", edgecolor="#bbbbbb",
                                       linewidth=0))
            ax.text(j, i, label, ha="center", va="center", fontsize=6.5, color="#222222" if few[i, j] else "black")
        ax.set_xticks(range(len(part.columns)), [_short(outcome_short(c), 22) for c in part.columns],
                      rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(part)), [_short(str(i)) for i in part.index], fontsize=8)
        label = "corrected improvement share" if value == "corrected_share" else value.replace("_", " ")
        more = f" ({n} of {len(chunks)})" if len(chunks) > 1 else ""
        ax.set_title(f"{label} by {what(cmp)} and outcome, %{more}\nlowest overall share first; faded, hatched "
                     f"and in brackets: fewer than {cmp.min_judged} judged sentences", fontsize=9)
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax))
        fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.01)
        fig.tight_layout()
        figs.append(fig)
    return figs


def forest_figure(cmp, outcome: str):
    """One outcome's forest plot: each ranked group's share (corrected where known, filled) and raw share
    (hollow), each with its interval, lowest first.  None where no group is ranked on the outcome."""
    sub = cmp.ranking[cmp.ranking["outcome"] == str(outcome)]
    if sub.empty:
        return None
    plt = _plt()
    sub = sub.iloc[::-1]  # lowest share at the top
    y = range(len(sub))
    fig, ax = plt.subplots(figsize=(7.5, 0.24 * len(sub) + 1.6))
    if cmp.corrected:
        ax.errorbar(sub["improvement_share"], [i - 0.18 for i in y],
                    xerr=[sub["improvement_share"] - sub["share_lo"], sub["share_hi"] - sub["improvement_share"]],
                    fmt="o", mfc="white", color="#888888", ms=3.5, lw=0.8, capsize=0, label="raw")
        ax.errorbar(sub["corrected_share"], [i + 0.1 for i in y],
                    xerr=[sub["corrected_share"] - sub["corrected_lo"], sub["corrected_hi"] - sub["corrected_share"]],
                    fmt="o", color="#b42318", ms=4, lw=1.2, capsize=0, label="corrected")
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    else:
        ax.errorbar(sub["improvement_share"], list(y),
                    xerr=[sub["improvement_share"] - sub["share_lo"], sub["share_hi"] - sub["improvement_share"]],
                    fmt="o", color="#b42318", ms=4, lw=1.2, capsize=0)
    ax.set_yticks(list(y), [_short(g, 34) for g in sub["group"]], fontsize=7.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.7, len(sub) - 0.3)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_xlabel(f"improvement share ({cmp.level:.0%} interval)")
    ax.set_title(outcome_heading(outcome), fontsize=9)
    fig.tight_layout()
    return fig


def grades_figure(cmp):
    """Each graded group's share (corrected where known) with its interval against its grade score, with
    Spearman's rho and its bootstrap interval in the title; None where no group is graded."""
    g = cmp.groups[cmp.groups["grade_score"].notna() & cmp.groups[cmp.share_column].notna()]
    if g.empty:
        return None
    plt = _plt()
    col = cmp.share_column
    lo, hi = ("corrected_lo", "corrected_hi") if cmp.corrected else ("share_lo", "share_hi")
    c = cmp.correlation.set_index("measure").loc[col]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.errorbar(g["grade_score"], g[col], yerr=[(g[col] - g[lo]).fillna(0), (g[hi] - g[col]).fillna(0)],
                fmt="o", capsize=2, alpha=0.8)
    for _, r in g.iterrows():
        ax.annotate(_short(str(r["group"]), 18), (r["grade_score"], r[col]), fontsize=6,
                    xytext=(3, 2), textcoords="offset points")
    ax.set_xticks(list(GRADE_NAMES), list(GRADE_NAMES.values()))
    ax.set_xlim(0.7, 4.3)
    ax.set_ylim(0, 1)
    ax.set_xlabel("grade score (mean of the report's graded judgements)")
    ax.set_ylabel(("corrected " if cmp.corrected else "") + "improvement share (all outcomes)")
    title = f"n = {int(c['n'])} groups"
    if not pd.isna(c["rho"]):
        ci = "" if pd.isna(c["lo"]) else f" [{cmp.level:.0%} CI {c['lo']:.2f}, {c['hi']:.2f}]"
        title = f"Spearman rho = {c['rho']:.2f}{ci}, " + title
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def figure_svg_text(fig) -> str:
    """A figure as SVG whose text stays text (small, and editable for a paper; needs a font to show)."""
    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _save(fig, out: Path, stem: str, png: bool = True) -> list[Path]:
    # SVG keeps its text as text: a tenth of the size and time of glyph outlines, and editable in a paper.
    written = []
    if png:
        with replacing(out / f"{stem}.png") as tmp:
            fig.savefig(tmp, format="png", dpi=150)
        written.append(out / f"{stem}.png")
    atomic_write(out / f"{stem}.svg", [figure_svg_text(fig)])
    _plt().close(fig)
    return written + [out / f"{stem}.svg"]


def write_figures(cmp, out: Path) -> dict[str, list[Path]]:
    """Figures: ``heatmap.png``/``.svg`` (``heatmap-2.*`` ... past :data:`HEATMAP_ROWS` groups),
    ``figures/forest-<outcome>.svg`` per ranked outcome (the pages draw their own) and, where groups are
    graded, ``grades.png``/``.svg``; every SVG keeps its text as text.  Returns
    ``{"heatmap"|"forest"|"grades": [paths written]}``."""
    written: dict[str, list[Path]] = {"heatmap": [], "forest": [], "grades": []}
    for n, fig in enumerate(heatmap_figures(cmp), 1):
        written["heatmap"] += _save(fig, out, "heatmap" if n == 1 else f"heatmap-{n}")
    for outcome in cmp.ranking["outcome"].drop_duplicates():
        fig = forest_figure(cmp, outcome)
        if fig is not None:
            written["forest"] += _save(fig, out / "figures", f"forest-{outcome}", png=False)
    fig = grades_figure(cmp)
    if fig is not None:
        written["grades"] += _save(fig, out, "grades")
    return written
