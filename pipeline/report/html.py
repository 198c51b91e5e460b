"""The HTML pages of a run: the comparison (``report.html``), groups' evidence and one page per report.

The pages need nothing from the network: styles are inline, the one figure
is inline SVG, and there is no script.  The heat tables and forest plots are
plain HTML and CSS, so they stay sharp and small at any number of groups;
the figure files beside the pages are for papers.  Only characters every
system font has are used for the pages' own text (ASCII, Latin-1, en dash).
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write
from ..standards import SENTIMENTS
from .figures import figure_svg_text, figures_available
from .labels import interval, missing, number, outcome_heading, outcome_short, pct, report_file, share_note, text, what
from .summarize import Summary

__all__ = ["report_html", "report_page", "evidence_page", "write_pages", "share_colour", "rate_colour",
           "share_class", "rate_class"]

_STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0;color:#1f1f1f}
header.top{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid #d0d0d0;padding:.45em 1em;
 display:flex;flex-wrap:wrap;align-items:baseline;gap:.2em 1.2em}nav a{margin-right:1em;white-space:nowrap;color:#0b57a4;text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:1500px;margin:0 auto;padding:.5em 1.2em 4em}
h1{font-size:1.55em;margin:.6em 0 .3em}h2{font-size:1.3em;border-bottom:1px solid #ccc;margin-top:2em;
 scroll-margin-top:4.5em}h3{font-size:1.05em;margin:1.5em 0 .4em;scroll-margin-top:4.5em}h4{scroll-margin-top:4.5em}
p.note{background:#fff6e0;border-left:4px solid #d89b00;padding:.4em .8em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ddd;padding:3px 7px;vertical-align:top}
th{background:#f4f4f4;text-align:left;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
a{color:#0b57a4}.muted{color:#5f5f5f}
.heat-wrap{overflow:auto;max-height:85vh;width:fit-content;max-width:100%;border:1px solid #ddd;margin:.6em 0}
table.heat{margin:0;font-size:13px}table.heat th.o{position:sticky;top:0;z-index:2;vertical-align:bottom;
 padding:4px 2px;min-width:2.7em}table.heat th.o span{writing-mode:vertical-rl;transform:rotate(180deg);
 white-space:nowrap}table.heat th.g{position:sticky;left:0;z-index:1;background:#fafafa;white-space:nowrap;
 max-width:19em;overflow:hidden;text-overflow:ellipsis;font-weight:500}table.heat th.corner{position:sticky;
 top:0;left:0;z-index:3}table.heat td{text-align:center;padding:2px 3px}table.heat td a{color:#111;
 text-decoration:none;display:block}table.heat td a:hover{text-decoration:underline}
td.few,span.few{background-image:repeating-linear-gradient(135deg,rgba(255,255,255,.72) 0 3px,rgba(255,255,255,.25) 3px 6px)}
td.few a{color:#555}
.legend span{display:inline-block;padding:1px 8px;margin-right:2px;border:1px solid #ddd;font-size:13px}
.forest{margin:.4em 0 1.4em}.forest .r,.forest .axis{display:grid;grid-template-columns:minmax(9em,17em) 1fr 15em;
 align-items:center;gap:.6em;font-size:13px}.forest .r{border-bottom:1px solid #f0f0f0}
.forest .r a{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.forest b{display:block;position:relative;height:18px;background:linear-gradient(90deg,transparent calc(25% - 1px),
 #e6e6e6 calc(25% - 1px) 25%,transparent 25% calc(50% - 1px),#cfcfcf calc(50% - 1px) 50%,transparent 50%
 calc(75% - 1px),#e6e6e6 calc(75% - 1px) 75%,transparent 75%)}
.forest b::before,.forest i::before{content:"";position:absolute;left:var(--a);width:calc(var(--b) - var(--a))}
.forest b::after,.forest i::after{content:"";position:absolute;left:var(--x);border-radius:50%}
.forest b::before{top:8px;height:3px;background:#b42318}.forest b::after{top:4px;width:10px;height:10px;
 margin-left:-5px;background:#b42318}
.forest i{position:absolute;inset:0}.forest i::before{top:15px;height:1px;background:#8a8a8a}
.forest i::after{top:12px;width:7px;height:7px;margin-left:-4.5px;background:#fff;border:1px solid #6f6f6f}
.forest .axis{font-size:12px;color:#5f5f5f}.forest .axis .scale{display:flex;justify-content:space-between}
li.strength{list-style:"+ "}li.improvement{list-style:"- "}li.neutral{list-style:"o "}
.sent{font-weight:600}.strength .sent{color:#1a7f37}.improvement .sent{color:#b42318}.neutral .sent{color:#555}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
@media (max-width:900px){.forest .r,.forest .axis{grid-template-columns:8em 1fr 9em}}
"""

_GREEN, _YELLOW, _RED = (166, 217, 106), (255, 255, 191), (244, 109, 67)
_PALE, _BLUE = (247, 251, 255), (107, 174, 214)


def share_colour(share) -> str:
    """Background for a share: green at 0, yellow at one half, red at 1; grey if missing."""
    if missing(share):
        return "#f0f0f0"
    share = min(max(float(share), 0.0), 1.0)
    a, b, t = (_GREEN, _YELLOW, share * 2) if share <= 0.5 else (_YELLOW, _RED, share * 2 - 1)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def rate_colour(value, top: float) -> str:
    """Background for a count per 100 sentences: white at 0 to blue at ``top``; grey if missing."""
    if missing(value) or not top:
        return "#f0f0f0"
    t = min(max(float(value) / top, 0.0), 1.0)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(_PALE, _BLUE))


def _e(value) -> str:
    return escape(text(value, ""))


def _oid(outcome) -> str:
    return "o-" + re.sub(r"\W", "", str(outcome))


def _head(title: str, nav: list[tuple[str, str]], brand: str, style: str = "") -> list[str]:
    links = "".join(f'<a href="{href}">{_e(label)}</a>' for href, label in nav)
    return ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title><style>{_STYLE}{style}</style></head><body>",
            f'<header class="top"><b>{_e(brand)}</b><nav>{links}</nav></header><main>', f"<h1>{_e(title)}</h1>"]


_TAIL = ["</main></body></html>"]


class _Links:
    """Where each group and cell's evidence lives: a one-report group's in its report's page, a larger
    group's in ``evidence.html``."""

    def __init__(self, cmp, prefix: str = ""):
        self.prefix = prefix
        self.reports_of = dict(zip(cmp.groups["group"], cmp.groups["report_ids"].str.split("; ")))
        self.group_ids = {g: f"g{i}" for i, g in enumerate(cmp.groups["group"])}

    def report(self, report: str, outcome=None) -> str:
        return f"{self.prefix}reports/{report_file(report)}.html" + (f"#{_oid(outcome)}" if outcome is not None else "")

    def cell(self, group: str, outcome=None) -> str:
        rs = self.reports_of.get(group) or []
        if len(rs) == 1:
            return self.report(rs[0], outcome)
        return f"{self.prefix}evidence.html#{self.group_ids[group]}" + (
            f"-{_oid(outcome)}" if outcome is not None else "")


def _tip(c) -> str:
    return (f"{c['strength']} strength, {c['improvement']} improvement, {c['neutral']} neutral; "
            f"{c['paragraphs']} paragraphs; raw {pct(c['improvement_share'])} ({interval(c['share_lo'], c['share_hi'])})"
            f"; corrected {pct(c['corrected_share'])} ({interval(c['corrected_lo'], c['corrected_hi'])})")


def share_class(share) -> str:
    """The heat tables' colour class of a share: ``s0`` .. ``s20`` in steps of 5 points (:func:`share_colour`
    of the step), ``sx`` where missing.  Classes, not inline colours, keep large tables small."""
    return "sx" if missing(share) else f"s{round(min(max(float(share), 0.0), 1.0) * 20)}"


def rate_class(value, top: float) -> str:
    """``b0`` .. ``b10``: a count per 100 in tenths of ``top`` (:func:`rate_colour`), ``sx`` where missing."""
    return "sx" if missing(value) or not top else f"b{round(min(max(float(value) / top, 0.0), 1.0) * 10)}"


def _colour_classes(top: float) -> str:
    rules = [f".s{k}{{background:{share_colour(k / 20)}}}" for k in range(21)]
    rules += [f".b{k}{{background:{rate_colour(k / 10 * top, top)}}}" for k in range(11)]
    return "".join(rules) + ".sx{background:#f0f0f0}"


def _heat_table(cmp, links: _Links, value: str, fmt, colour, tips: bool = True) -> list[str]:
    m = cmp.matrix(value)
    if m.empty:
        return ["<p>Nothing to show: no judged sentence.</p>"]
    cells = cmp.table.set_index(["group", "outcome"])
    out = ['<div class="heat-wrap"><table class="heat"><tr><th class="o corner">group</th>']
    out += [f'<th class="o" title="{_e(outcome_heading(o))}"><span>{_e(outcome_short(o))}</span></th>'
            for o in m.columns]
    out.append("</tr>")
    for group, row in m.iterrows():
        out.append(f'<tr><th class="g" title="{_e(group)}">{_e(group)}</th>')
        for outcome, v in row.items():
            if (group, outcome) not in cells.index:
                out.append("<td></td>")
                continue
            c = cells.loc[(group, outcome)]
            few = c["judged"] < cmp.min_judged
            shown = fmt(v)
            if few and shown != "-":
                shown = f"({shown})"
            tip = f' title="{_e(_tip(c))}"' if tips else ""
            out.append(f'<td class="{colour(v)}{" few" if few else ""}"><a href="{links.cell(group, outcome)}"{tip}>'
                       f"{shown}</a></td>")
        out.append("</tr>")
    out.append("</table></div>")
    return out


def _forest(sub: pd.DataFrame, cmp, links: _Links, outcome) -> list[str]:
    """One outcome's forest plot in HTML: a row per group, the lead share's point and interval on a 0-100%
    track (the raw share below it, hollow, where the lead is the corrected share).  CSS draws the marks
    from three custom properties per share, which keeps a row to a couple of hundred bytes."""
    lead, lo, hi = (("corrected_share", "corrected_lo", "corrected_hi") if cmp.corrected
                    else ("improvement_share", "share_lo", "share_hi"))

    def at(v, a, b):
        return f"--a:{a * 100:.1f}%;--b:{b * 100:.1f}%;--x:{v * 100:.1f}%"

    out = ['<div class="forest">']
    for _, r in sub.iterrows():
        raw = (f'<i style="{at(r["improvement_share"], r["share_lo"], r["share_hi"])}"></i>'
               if cmp.corrected and not missing(r["share_lo"]) else "")
        nums = f"{pct(r[lead])} ({interval(r[lo], r[hi])})" + (
            f' <span class="muted">raw {pct(r["improvement_share"])}</span>' if cmp.corrected else "")
        out.append(f'<div class="r"><a href="{links.cell(r["group"], outcome)}">{_e(r["group"])}</a>'
                   f'<b style="{at(r[lead], r[lo], r[hi])}">{raw}</b><span>{nums}</span></div>')
    out.append('<div class="axis"><div></div><div class="scale"><span>0%</span><span>25%</span><span>50%</span>'
               '<span>75%</span><span>100%</span></div><div></div></div></div>')
    return out


def _svg(svg: str, prefix: str) -> str:
    """A standalone SVG made fit to sit inline in a page: no XML prolog, doctype or metadata, and every id
    (and every reference to one) prefixed, since ids must be unique within a page."""
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    svg = re.sub(rf'\bid="({names})"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return re.sub(rf'#({names})(?=["\)])', lambda m: f"#{prefix}-{m.group(1)}", svg)


def _validity(cmp) -> list[str]:
    level = f"{cmp.level:.0%}"
    h = []
    v = cmp.validity
    verdicts = v[v["against"] == "verdicts"] if len(v) else v
    h.append("<h3>Against the regulator's verdicts</h3>")
    if len(verdicts):
        r0 = verdicts.iloc[0]
        h += [f"<p>{int(r0['outcomes'])} outcomes of {int(r0['reports'])} reports carry a verdict and a share "
              f"({int(r0['not_met'])} not met, {int(r0['met'])} met; {int(r0['unmatched'])} verdicts on outcomes "
              "without a judged sentence are left out). AUC: the chance that an outcome the regulator found not "
              "met has a higher improvement share than one it found met (0.5 is chance, 1 perfect); interval: "
              "bootstrap over reports.</p>",
              f"<table><tr><th>share</th><th>AUC</th><th>{level} interval</th></tr>"]
        h += [f"<tr><td>{_e(r['share'])}</td><td class='n'>{number(r['auc'], '{:.2f}')}</td>"
              f"<td>{_ci(r)}</td></tr>" for _, r in verdicts.iterrows()]
        h.append("</table>")
    else:
        h.append(f'<p class="note">No verdicts: {_e(cmp.verdicts_note)}. Verdicts (met / not met per outcome) '
                 "are read from the reports' summary tables when the run is tagged.</p>")
    grades = v[v["against"] == "grades"] if len(v) else v
    h.append("<h3>Against the graded judgements</h3>")
    if len(grades):
        h += [f"<p>{int(grades['reports'].max())} reports carry graded judgements (score: the mean of a report's "
              "judgements, Inadequate 1 to Outstanding 4). AUC: the chance that, of two reports with different "
              "scores, the worse-graded one has the higher improvement share over all its outcomes; interval: "
              "bootstrap over reports.</p>",
              f"<table><tr><th>share</th><th>reports</th><th>AUC</th><th>{level} interval</th></tr>"]
        h += [f"<tr><td>{_e(r['share'])}</td><td class='n'>{int(r['reports'])}</td>"
              f"<td class='n'>{number(r['auc'], '{:.2f}')}</td><td>{_ci(r)}</td></tr>" for _, r in grades.iterrows()]
        h.append("</table>")
    else:
        h.append("<p>No report in this run carries graded judgements.</p>")
    return h


def _ci(r, lo="lo", hi="hi") -> str:
    return "-" if missing(r[lo]) else f"{r[lo]:.2f} to {r[hi]:.2f}"


def report_html(summary: Summary, cmp, figures: dict[str, list[str]] | None = None, title: str | None = None) -> str:
    """The comparison page (``report.html``): groups, the shares by outcome as heat tables, validity, a
    forest plot per outcome, grades, the list of reports, and links to the figure files (``figures`` maps
    ``heatmap``/``forest``/``grades`` to paths relative to the page).  Opens offline."""
    figures = figures or {}
    links = _Links(cmp)
    level = f"{cmp.level:.0%}"
    g = cmp.groups.set_index("group").reindex(cmp.group_order()).reset_index()
    lead = "corrected" if cmp.corrected else "raw"
    title = title or f"esq: {int(g['reports'].sum())} reports compared by {what(cmp)}"
    nav = [("#summary", "Summary"), ("#groups", "Groups"), ("#share", "Shares by outcome"),
           ("#per100", "Per 100"), ("#validity", "Validity"), ("#ranking", "Forest plots"),
           ("#grades", "Grades"), ("#reports", "Reports"), ("#files", "Files")]
    top = float(cmp.table["total_per_100"].max()) if len(cmp.table) else 0.0
    h = _head(title, nav, "esq report", _colour_classes(top))
    h += ['<section id="summary">',
          f"<p>{int(g['reports'].sum())} reports in {len(g)} groups, {int(g['total'].sum())} sentences. "
          f"{_e(share_note(cmp))}</p>"]
    if not cmp.corrected:
        h.append(f'<p class="note">The corrected share is unavailable: {_e(cmp.correction)}. '
                 "Raw shares are biased by the classifier's errors; read them with care.</p>")
    if cmp.left_out:
        h.append(f"<p class='note'>Left out (not in the groups file): {_e(', '.join(cmp.left_out))}.</p>")
    h.append("</section>")

    h += ['<h2 id="groups">Groups</h2>', f"<p>Lowest {lead} share first. Each share cell is coloured by the "
          "share it shows (green 0%, yellow 50%, red 100%).</p>",
          f"<table><tr><th>group</th><th>reports</th><th>sentences</th><th>improvement share (raw)</th>"
          f"<th>{level} interval</th><th>corrected</th><th>{level} interval</th><th>improvement per 100</th>"
          "<th>grade score</th></tr>"]
    for _, r in g.iterrows():
        h.append(f'<tr><td><a href="{links.cell(r["group"])}">{_e(r["group"])}</a></td>'
                 f'<td class="n">{r["reports"]}</td><td class="n">{r["total"]}</td>'
                 f'<td class="n" style="background:{share_colour(r["improvement_share"])}">'
                 f'{pct(r["improvement_share"])}</td><td>{interval(r["share_lo"], r["share_hi"])}</td>'
                 f'<td class="n" style="background:{share_colour(r["corrected_share"])}">'
                 f'{pct(r["corrected_share"])}</td><td>{interval(r["corrected_lo"], r["corrected_hi"])}</td>'
                 f'<td class="n">{number(r["improvement_per_100"])}</td>'
                 f'<td class="n">{number(r["grade_score"], "{:.2f}")}</td></tr>')
    h.append("</table>")

    legend = ('<p class="legend">' + "".join(f'<span style="background:{share_colour(x)}">{x:.0%}</span>'
                                             for x in (0, .25, .5, .75, 1))
              + f' <span class="s10 few">(50)</span> fewer than '
              f"{cmp.min_judged} judged sentences: faded, hatched, in brackets</p>")
    h += ['<h2 id="share">Improvement share by group and outcome</h2>',
          f"<p>The {lead} share, in percent; groups from the lowest overall share. Hover for counts and both "
          "shares with intervals; every cell links to the sentences behind it.</p>", legend]
    h += _heat_table(cmp, links, cmp.share_column, lambda v: "-" if missing(v) else f"{v * 100:.0f}", share_class)

    h += ['<h2 id="per100">Sentences per 100 of the group\'s sentences</h2>',
          "<p>How much of a group's text is about an outcome: each report's sentences on the outcome per 100 of "
          "its sentences, averaged over the group's reports. Coloured by this value (white 0, blue "
          f"{top:.0f}).</p>"]
    h += _heat_table(cmp, links, "total_per_100", lambda v: "-" if missing(v) else f"{v:.1f}",
                     lambda v: rate_class(v, top), tips=False)

    h += ['<h2 id="validity">Validity against the regulator</h2>'] + _validity(cmp)

    h += ['<h2 id="ranking">Forest plots per outcome</h2>',
          f"<p>Per outcome, each group with at least {cmp.min_judged} judged sentences in two or more "
          f"paragraphs: the {lead} share (dot) with its {level} interval (bar)"
          + (", and the raw share (hollow, grey) below it" if cmp.corrected else "")
          + ", lowest first. Groups whose bars overlap are not told apart by the data.</p>"]
    if cmp.ranking.empty:
        h.append("<p>No group has enough judged sentences on any outcome.</p>")
    outcomes = list(cmp.ranking["outcome"].drop_duplicates())
    if outcomes:
        h.append("<p>" + " | ".join(f'<a href="#rank-{_oid(o)}">{_e(outcome_short(o))}</a>' for o in outcomes)
                 + "</p>")
    for outcome, sub in cmp.ranking.groupby("outcome", sort=False):
        h.append(f'<h3 id="rank-{_oid(outcome)}">{_e(outcome_heading(outcome))} '
                 f'<span class="muted">({len(sub)} groups)</span></h3>')
        h += _forest(sub, cmp, links, outcome)

    h += ['<h2 id="grades">Grades and improvement share, by group</h2>']
    graded = g[g["grade_score"].notna()]
    if graded.empty:
        h.append("<p>No report in this run carries graded judgements.</p>")
    else:
        h += [f"<p>{len(graded)} groups carry graded judgements; grade score = mean of their reports' judgements "
              "(Inadequate 1, Adequate or Requires improvement 2, Good 3, Outstanding 4). Spearman's rho with a "
              f"{level} bootstrap interval over groups.</p>",
              f"<table><tr><th>measure</th><th>groups</th><th>rho</th><th>{level} interval</th><th>p</th></tr>"]
        for _, c in cmp.correlation.iterrows():
            h.append(f"<tr><td>{_e(c['measure'].replace('_', ' '))} vs grade score</td><td class='n'>{c['n']}</td>"
                     f"<td class='n'>{number(c['rho'], '{:.2f}')}</td><td>{_ci(c)}</td>"
                     f"<td class='n'>{number(c['p_value'], '{:.2g}')}</td></tr>")
        h.append("</table>")
        fig = cmp.grades_plot() if figures_available() else None
        if fig is not None:
            h += ["<figure>", _svg(figure_svg_text(fig), "svg-grades"), "</figure>"]
            _close(fig)

    h += ['<h2 id="reports">Reports</h2>', "<p>Each report's own page has its counts, evidence, recommendations "
          "and the paragraphs where heading and model disagree.</p>",
          "<table><tr><th>report</th><th>about</th><th>provider</th><th>location</th><th>area</th><th>group</th>"
          "<th>sentences</th><th>raw</th><th>corrected</th></tr>"]
    totals = _report_totals(cmp)
    group_of = dict(zip(cmp.groups["report_ids"].str.split("; ").explode(),
                        cmp.groups["group"].repeat(cmp.groups["reports"])))
    for report in summary.reports:
        ident = cmp.identities.get(report)
        t = totals.get(report, {})
        h.append(f'<tr><td><a href="{links.report(report)}">{_e(ident.title if ident else report)}</a></td>'
                 f"<td>{_e(text(ident.kind if ident else None))}</td>"
                 f"<td>{_e(text(ident.provider if ident else None))}</td>"
                 f"<td>{_e(text(ident.location if ident else None))}</td>"
                 f"<td>{_e(text(ident.area if ident else None))}</td>"
                 f"<td>{_e(text(group_of.get(report)))}</td><td class='n'>{t.get('total', 0)}</td>"
                 f"<td class='n' style='background:{share_colour(t.get('raw'))}'>{pct(t.get('raw'))}</td>"
                 f"<td class='n' style='background:{share_colour(t.get('corrected'))}'>{pct(t.get('corrected'))}"
                 "</td></tr>")
    h.append("</table>")

    h += ['<h2 id="files">Files</h2>', "<p>Tables as CSV and Parquet beside this page (<code>compare_table</code>, "
          "<code>compare_ranking</code>, <code>compare_groups</code>, <code>compare_reports</code>, "
          "<code>compare_validity</code>, ...), <code>comparison.md</code>, and the figures for papers:</p><ul>"]
    for kind, label in (("heatmap", "heatmaps (PNG and SVG)"), ("forest", "forest plots (SVG)"),
                        ("grades", "grades (PNG and SVG)")):
        paths = [p for p in figures.get(kind, []) if p.endswith(".svg")]
        if paths:
            h.append(f"<li>{label}: " + ", ".join(f'<a href="{_e(p)}">{_e(Path(p).stem)}</a>' for p in paths)
                     + "</li>")
    if not any(figures.values()):
        h.append("<li>none written (matplotlib could not be imported)</li>")
    h.append("</ul>")
    return "\n".join(h + _TAIL) + "\n"


def _close(fig) -> None:
    import matplotlib.pyplot as plt
    plt.close(fig)


def _report_totals(cmp) -> dict:
    t = cmp.report_totals
    if t is None or t.empty:
        return {}
    return {r["report"]: {"total": int(r["total"]), "raw": r["improvement_share"], "corrected": r["corrected_share"]}
            for _, r in t.iterrows()}


def _sentences(rows: pd.DataFrame, show_report: bool, links: _Links | None = None) -> list[str]:
    # Rows come from evidence(): ordered by sentiment (strength, improvement, neutral), then confidence.
    out = ["<ul>"]
    for s in rows.to_dict("records"):
        report = (f'<a href="{links.report(s["report"])}">{_e(s["report"])}</a>, ' if links else
                  f"{_e(s['report'])}, ") if show_report else ""
        out.append(f'<li class="{s["sentiment"]}"><span class="sent">{s["sentiment"]}</span> '
                   f'<span class="muted">({s["confidence"]:.2f}; {report}&para;{_e(s["paragraph"])}, '
                   f'{s["start"]}&ndash;{s["end"]})</span> {_e(s["text"])}</li>')
    out.append("</ul>")
    return out


def evidence_page(cmp) -> str | None:
    """``evidence.html``: the most confident sentences of each kind per outcome for every group of several
    reports (a one-report group's evidence is on its report's page); None where there is no such group."""
    links = _Links(cmp, prefix="")
    multi = cmp.groups[cmp.groups["reports"] > 1]
    if multi.empty:
        return None
    h = _head(f"Evidence of groups with several reports ({what(cmp)})", [("report.html", "Comparison")],
              "esq report")
    ev = cmp.evidence.set_index(["group", "outcome"]).sort_index()
    cells = cmp.table.set_index(["group", "outcome"])
    for _, grow in multi.iterrows():
        group = grow["group"]
        gid = links.group_ids[group]
        h.append(f'<h2 id="{gid}">{_e(group)}</h2><p class="muted">{grow["reports"]} reports: '
                 + ", ".join(f'<a href="{links.report(r)}">{_e(cmp.identities[r].title if r in cmp.identities else r)}'
                             "</a>" for r in grow["report_ids"].split("; ")) + "</p>")
        for outcome in cmp.table[cmp.table["group"] == group]["outcome"]:
            c = cells.loc[(group, outcome)]
            h += [f'<h3 id="{gid}-{_oid(outcome)}">{_e(outcome_heading(outcome))}</h3>',
                  f"<p class='muted'>{c['strength']} strength, {c['improvement']} improvement, {c['neutral']} "
                  f"neutral sentences; improvement share {pct(c['improvement_share'])} "
                  f"({interval(c['share_lo'], c['share_hi'])}); corrected {pct(c['corrected_share'])} "
                  f"({interval(c['corrected_lo'], c['corrected_hi'])}).</p>"]
            if (group, outcome) in ev.index:
                h += _sentences(ev.loc[[(group, outcome)]].reset_index(), show_report=True, links=links)
    return "\n".join(h + _TAIL) + "\n"


def report_page(summary: Summary, cmp, report: str) -> str:
    """A report's own page (``reports/<report>.html``): what it is about, graded judgements and verdicts,
    sentences by outcome with raw and corrected shares, evidence, recommendations and disagreements."""
    meta = summary.meta.get(report) or {}
    ident = cmp.identities.get(report) if cmp is not None else None
    title = ident.title if ident else (meta.get("title") or report)
    h = _head(title, [("../report.html", "Comparison"), ("../report.html#reports", "All reports"),
                      ("#counts", "Outcomes"), ("#evidence", "Evidence"), ("#recommendations", "Recommendations"),
                      ("#disagreements", "Disagreements")], "esq report")
    about = [f"Report id <code>{_e(report)}</code>"]
    if meta.get("source"):
        about.append(f"source <code>{_e(meta['source'])}</code>")
    if ident is not None and ident.kind != "unknown":
        about.append(f"about {'a location' if ident.kind == 'location' else 'an area'}; provider "
                     f"{_e(text(ident.provider))}; location {_e(text(ident.location))}; area {_e(text(ident.area))}")
    h.append("<p>" + "; ".join(about) + "</p>")
    if ident is not None and ident.heading and ident.heading != title:
        h.append(f"<p class='muted'>Heading: {_e(ident.heading)}</p>")
    grades = meta.get("grades") or {}
    if grades:
        h += ["<h2>Graded judgements</h2>", "<table><tr><th>judgement</th><th>grade</th></tr>"]
        h += [f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in grades.items()]
        h.append("</table>")
    if cmp is not None and cmp.verdict_pairs is not None and len(cmp.verdict_pairs):
        mine = cmp.verdict_pairs[cmp.verdict_pairs["report"] == report]
        if len(mine):
            h += ["<h2>The regulator's verdicts</h2>", "<table><tr><th>outcome</th><th>verdict</th>"
                  "<th>improvement share</th><th>corrected</th></tr>"]
            h += [f"<tr><td>{_e(outcome_short(r['outcome']))}</td><td>{'not met' if r['not_met'] else 'met'}</td>"
                  f"<td class='n' style='background:{share_colour(r['improvement_share'])}'>"
                  f"{pct(r['improvement_share'])}</td><td class='n' style='background:"
                  f"{share_colour(r['corrected_share'])}'>{pct(r['corrected_share'])}</td></tr>"
                  for _, r in mine.iterrows()]
            h.append("</table>")
    part = summary.of(report)
    counts = part["counts"]
    shares = cmp.reports[cmp.reports["report"] == report].set_index("outcome") if cmp is not None else None
    h += ['<h2 id="counts">Sentences by outcome</h2>',
          "<p class='muted'>Improvement share = improvement / (strength + improvement); recommendation bullets "
          f"count as improvement. Intervals: {cmp.level:.0%} bootstrap over paragraphs."
          + (" Corrected: for the classifier's measured error." if cmp is not None and cmp.corrected else "")
          + "</p>",
          "<table><tr><th>outcome</th><th>regulation</th><th>strength</th><th>improvement</th><th>neutral</th>"
          "<th>improvement share</th><th>interval</th><th>corrected</th><th>interval</th></tr>"]
    for _, r in counts.iterrows():
        target = f"#{_oid(r['outcome'])}"
        reg = "-" if missing(r["regulation"]) else int(r["regulation"])
        s = shares.loc[r["outcome"]] if shares is not None and r["outcome"] in shares.index else None
        cor = s["corrected_share"] if s is not None else None
        h.append(f'<tr><td><a href="{target}" title="{_e(outcome_heading(r["outcome"]))}">'
                 f'{_e(outcome_short(r["outcome"]))}</a></td><td class="n">{reg}</td>'
                 + "".join(f'<td class="n">{r[x]}</td>' for x in SENTIMENTS)
                 + f'<td class="n" style="background:{share_colour(r["improvement_share"])}">'
                 f'{pct(r["improvement_share"])}</td>'
                 f'<td>{interval(s["share_lo"], s["share_hi"]) if s is not None else "-"}</td>'
                 f'<td class="n" style="background:{share_colour(cor)}">{pct(cor)}</td>'
                 f'<td>{interval(s["corrected_lo"], s["corrected_hi"]) if s is not None else "-"}</td></tr>')
    h.append("</table>")
    ev = dict(tuple(part["evidence"].groupby("outcome", sort=False)))
    h.append(f"<h2 id='evidence'>Evidence</h2><p class='muted'>The {summary.evidence_per_kind} most confident "
             "sentences of each kind per outcome (confidence; paragraph, character offsets).</p>")
    for outcome in counts["outcome"]:
        h.append(f'<h3 id="{_oid(outcome)}">{_e(outcome_heading(outcome))}</h3>')
        h += _sentences(ev.get(outcome, part["evidence"].iloc[:0]), show_report=False)
    recs = part["recommendations"]
    h.append("<h2 id='recommendations'>Recommendations</h2>")
    if recs.empty:
        h.append("<p>None found.</p>")
    else:
        h.append("<table><tr><th>&para;</th><th>timescale</th><th>outcome</th><th>recommendation</th></tr>")
        h += [f"<tr><td>{_e(r['paragraph'])}</td><td>{_e(text(r['timescale']))}</td>"
              f"<td>{_e(outcome_heading(r['outcome']))}</td><td>{_e(r['text'])}</td></tr>" for _, r in recs.iterrows()]
        h.append("</table>")
    dis = part["disagreements"]
    h.append("<h2 id='disagreements'>Where heading and model disagree</h2>")
    if dis.empty:
        h.append("<p>None.</p>")
    else:
        h.append("<table><tr><th>&para;</th><th>heading</th><th>model</th><th>confidence</th><th>paragraph</th></tr>")
        h += [f"<tr><td>{_e(r['paragraph'])}</td><td>{_e(outcome_short(r['heading_outcome']))}</td>"
              f"<td>{_e(outcome_heading(r['predicted_outcome']))}</td><td class='n'>{r['confidence']:.2f}</td>"
              f"<td>{_e(r['text'])}</td></tr>" for _, r in dis.iterrows()]
        h.append("</table>")
    return "\n".join(h + _TAIL) + "\n"


def write_pages(summary: Summary, cmp, out: Path, figures: dict[str, list[str]] | None = None) -> list[Path]:
    """Write ``report.html``, ``evidence.html`` (where a group has several reports) and
    ``reports/<report>.html``; returns the paths written."""
    out = Path(out)
    written = [out / "report.html"]
    atomic_write(out / "report.html", [report_html(summary, cmp, figures)])
    page = evidence_page(cmp)
    if page is not None:
        atomic_write(out / "evidence.html", [page])
        written.append(out / "evidence.html")
    (out / "reports").mkdir(parents=True, exist_ok=True)
    for report in summary.reports:
        path = out / "reports" / f"{report_file(report)}.html"
        atomic_write(path, [report_page(summary, cmp, report)])
        written.append(path)
    return written
