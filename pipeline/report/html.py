"""One self-contained HTML page for a run: comparison tables, figures, rankings, grades, evidence, reports.

The page needs nothing from the network: styles are inline, figures are
inline SVG, and there is no script.  Every cell of the comparison tables
links to the evidence sentences behind it by an anchor within the page.
"""

from __future__ import annotations

import re
from html import escape

import pandas as pd

from .labels import interval, outcome_heading, pct
from ..standards import SENTIMENTS
from .summarize import Summary

__all__ = ["report_html", "share_colour"]

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1400px;
 padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1.05em;margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ddd;padding:2px 6px;vertical-align:top}
th{background:#f4f4f4;text-align:left}td.n{text-align:right}
table.heat td{text-align:center;min-width:2.6em;padding:1px 3px}table.heat td a{color:#111;text-decoration:none;
 display:block}table.heat td a:hover{text-decoration:underline}table.heat th.g{white-space:nowrap;max-width:22em;
 overflow:hidden;text-overflow:ellipsis}
.scroll{overflow-x:auto}.few{opacity:.55}.muted{color:#666}.tied{color:#8a5a00}
li.strength{list-style:"＋ "}li.improvement{list-style:"− "}li.neutral{list-style:"· "}
.sent{font-weight:600}.strength .sent{color:#1a7f37}.improvement .sent{color:#b42318}.neutral .sent{color:#555}
nav a{margin-right:1em}figure{margin:1em 0}figure svg{max-width:100%;height:auto}
section.report{border-top:3px solid #ddd;margin-top:2.5em}
"""

_GREEN, _YELLOW, _RED = (166, 217, 106), (255, 255, 191), (244, 109, 67)


def share_colour(share) -> str:
    """Background for an improvement share: green at 0, yellow at one half, red at 1; grey if missing."""
    if share is None or pd.isna(share):
        return "#f0f0f0"
    share = min(max(float(share), 0.0), 1.0)
    a, b, t = (_GREEN, _YELLOW, share * 2) if share <= 0.5 else (_YELLOW, _RED, share * 2 - 1)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def _e(value) -> str:
    return escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


class _Ids:
    """Anchor ids made of indexes, so any group or report name (spaces, quotes, Unicode) is safe."""

    def __init__(self, groups, reports):
        self.group = {g: f"g{i}" for i, g in enumerate(groups)}
        self.report = {r: f"r{i}" for i, r in enumerate(reports)}

    @staticmethod
    def outcome(outcome) -> str:
        return re.sub(r"\W", "", str(outcome))

    def report_evidence(self, report, outcome) -> str:
        return f"ev-{self.report[report]}-{self.outcome(outcome)}"


def _sentences(rows: pd.DataFrame, show_report: bool) -> list[str]:
    # Rows come from evidence(): ordered by sentiment (strength, improvement, neutral), then confidence.
    out = ["<ul>"]
    for s in rows.to_dict("records"):
        where = (f"{_e(s['report'])}, " if show_report else "") + f"¶{_e(s['paragraph'])}, {s['start']}–{s['end']}"
        out.append(f'<li class="{s["sentiment"]}"><span class="sent">{s["sentiment"]}</span> '
                   f'<span class="muted">({s["confidence"]:.2f}; {where})</span> {_e(s["text"])}</li>')
    out.append("</ul>")
    return out


def _heat_table(cmp, ids: _Ids, targets: dict, value: str, fmt) -> list[str]:
    m = cmp.matrix(value)
    cells = cmp.table.set_index(["group", "outcome"])
    out = ['<div class="scroll"><table class="heat"><tr><th>group</th>']
    out += [f'<th title="{_e(outcome_heading(o))}">{_e(o)}</th>' for o in m.columns]
    out.append("</tr>")
    for group, row in m.iterrows():
        out.append(f'<tr><th class="g" title="{_e(group)}">{_e(group)}</th>')
        for outcome, v in row.items():
            if pd.isna(v) and (group, outcome) not in cells.index:
                out.append("<td></td>")
                continue
            c = cells.loc[(group, outcome)]
            tip = (f"{group} · {outcome_heading(outcome)}: {c['strength']} strength, {c['improvement']} improvement, "
                   f"{c['neutral']} neutral; improvement share {pct(c['improvement_share'])}"
                   + (f" ({interval(c['share_lo'], c['share_hi'])})" if not pd.isna(c['share_lo']) else "")
                   + f"; {c['total_per_100']:.1f} sentences per 100")
            few = ' class="few"' if c["judged"] < cmp.min_judged else ""
            out.append(f'<td style="background:{share_colour(c["improvement_share"])}"{few}>'
                       f'<a href="#{targets[(group, outcome)]}" title="{_e(tip)}">{fmt(v)}</a></td>')
        out.append("</tr>")
    out.append("</table></div>")
    return out


def _svg(svg: str, prefix: str) -> str:
    """A standalone SVG made fit to sit inline in the page.

    Drops the XML prolog, doctype and RDF metadata, and prefixes every id
    (and every reference to one): matplotlib names glyphs and clip paths the
    same way in every figure, and ids must be unique within a page.
    """
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    svg = re.sub(rf'\bid="({names})"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return re.sub(rf'#({names})(?=["\)])', lambda m: f"#{prefix}-{m.group(1)}", svg)


def report_html(summary: Summary, cmp, svgs: dict[str, str] | None = None, title: str | None = None) -> str:
    """The whole run as one HTML page (a string): comparison, rankings, grades, figures (inline SVG, from
    ``svgs``), evidence per group and outcome, and every report's own summary.  Opens offline."""
    svgs = svgs or {}
    groups = list(cmp.groups["group"])
    ids = _Ids(groups, summary.reports)
    level = f"{cmp.level:.0%}"
    g = cmp.groups
    reports_of = dict(zip(g["group"], g["report_ids"].str.split("; ")))

    # Where a group is one report, its evidence is that report's evidence (the same sentences chosen
    # the same way), so cells link into the report's section instead of repeating it.
    targets, group_blocks = {}, []
    for (group, outcome), _ in cmp.table.groupby(["group", "outcome"], sort=False):
        rs = reports_of[group]
        if len(rs) == 1 and rs[0] in ids.report:
            targets[(group, outcome)] = ids.report_evidence(rs[0], outcome)
        else:
            targets[(group, outcome)] = f"ev-{ids.group[group]}-{ids.outcome(outcome)}"
            group_blocks.append((group, outcome))

    what = {"authority": "authority or provider", "report": "report"}.get(cmp.by, cmp.by)
    title = title or f"esq: {int(g['reports'].sum())} reports compared by {what}"
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>", f"<h1>{_e(title)}</h1>",
         '<nav><a href="#share">Improvement share</a><a href="#per100">Per 100 sentences</a>'
         '<a href="#ranking">Ranking</a><a href="#grades">Grades</a><a href="#groups">Groups</a>'
         '<a href="#evidence">Evidence</a><a href="#reports">Reports</a></nav>',
         f"<p>{int(g['reports'].sum())} reports in {len(g)} groups, {int(g['total'].sum())} sentences. "
         "Improvement share = improvement / (strength + improvement) sentences; recommendation bullets count as "
         f"improvement. Intervals: {level} percentile bootstrap, {cmp.resamples} resamples of the sentences within "
         f"each group and outcome (seed {cmp.seed}). Faded cells have fewer than {cmp.min_judged} judged "
         "sentences. Every cell links to its evidence; hover for counts.</p>"]

    h += ['<h2 id="share">Improvement share by group and outcome (%)</h2>']
    h += _heat_table(cmp, ids, targets, "improvement_share", lambda v: "–" if pd.isna(v) else f"{v * 100:.0f}")
    if "heatmap" in svgs:
        h += ["<figure>", _svg(svgs["heatmap"], "svg-heatmap"), "<figcaption>The same table as a heatmap.</figcaption></figure>"]

    h += ['<h2 id="per100">Sentences per 100 of the group\'s sentences</h2>',
          "<p>Each report's sentences on the outcome per 100 of its sentences, averaged over the group's reports, "
          "so a long report weighs no more than a short one. Colour: improvement share.</p>"]
    h += _heat_table(cmp, ids, targets, "total_per_100", lambda v: f"{v:.1f}")

    h += ['<h2 id="ranking">Ranking per outcome</h2>',
          f"<p>Lowest improvement share first. Groups in one tier are not told apart by the data: their {level} "
          f"intervals overlap that of the tier's first group. Groups with fewer than {cmp.min_judged} judged "
          "sentences on an outcome are not ranked on it.</p>"]
    for outcome, sub in cmp.ranking.groupby("outcome", sort=False):
        h += [f"<h3>{_e(outcome_heading(outcome))}</h3>",
              f"<table><tr><th>rank</th><th>tier</th><th>group</th><th>improvement share</th><th>{level} interval"
              "</th><th>judged</th></tr>"]
        for _, r in sub.iterrows():
            tied = ' <span class="tied">tied</span>' if r["tier_size"] > 1 else ""
            h.append(f'<tr><td class="n">{r["rank"]}</td><td>{r["tier"]}{tied}</td>'
                     f'<td><a href="#{targets[(r["group"], outcome)]}">{_e(r["group"])}</a></td>'
                     f'<td class="n">{pct(r["improvement_share"])}</td>'
                     f'<td>{interval(r["share_lo"], r["share_hi"])}</td><td class="n">{r["judged"]}</td></tr>')
        h.append("</table>")

    h += ['<h2 id="grades">Grades and improvement share</h2>']
    graded = g[g["grade_score"].notna()]
    if graded.empty:
        h.append("<p>No report in this run carries graded judgements.</p>")
    else:
        h += [f"<p>{len(graded)} groups carry graded judgements; grade score = mean of their reports' judgements "
              "(Inadequate 1, Adequate or Requires improvement 2, Good 3, Outstanding 4). Spearman's rho with a "
              f"{level} bootstrap interval over groups.</p>",
              f"<table><tr><th>measure</th><th>groups</th><th>rho</th><th>{level} interval</th><th>p</th></tr>"]
        for _, c in cmp.correlation.iterrows():
            rho = "–" if pd.isna(c["rho"]) else f"{c['rho']:.2f}"
            ci = "–" if pd.isna(c["lo"]) else f"{c['lo']:.2f} to {c['hi']:.2f}"
            p = "–" if pd.isna(c["p_value"]) else f"{c['p_value']:.2g}"
            h.append(f"<tr><td>{_e(c['measure'].replace('_', ' '))} vs grade score</td><td class='n'>{c['n']}</td>"
                     f"<td class='n'>{rho}</td><td>{ci}</td><td class='n'>{p}</td></tr>")
        h.append("</table>")
        if "grades" in svgs:
            h += ["<figure>", _svg(svgs["grades"], "svg-grades"), "</figure>"]

    h += ['<h2 id="groups">Groups</h2>',
          f"<table><tr><th>group</th><th>reports</th><th>sentences</th><th>improvement share</th><th>{level} "
          "interval</th><th>improvement per 100</th><th>grade score</th></tr>"]
    for _, r in g.iterrows():
        links = ", ".join(f'<a href="#{ids.report[x]}">{_e(x)}</a>' for x in reports_of[r["group"]]
                          if x in ids.report)
        grade = "–" if pd.isna(r["grade_score"]) else f"{r['grade_score']:.2f}"
        h.append(f'<tr id="{ids.group[r["group"]]}"><td>{_e(r["group"])}</td><td>{links}</td>'
                 f'<td class="n">{r["total"]}</td><td class="n">{pct(r["improvement_share"])}</td>'
                 f'<td>{interval(r["share_lo"], r["share_hi"])}</td><td class="n">{r["improvement_per_100"]:.1f}</td>'
                 f'<td class="n">{grade}</td></tr>')
    h.append("</table>")

    h += ['<h2 id="evidence">Evidence of groups with several reports</h2>']
    if not group_blocks:
        h.append("<p>Every group is one report: its evidence is in the report's section below.</p>")
    ev = cmp.evidence.set_index(["group", "outcome"]).sort_index()
    cells = cmp.table.set_index(["group", "outcome"])
    for group, outcome in group_blocks:
        c = cells.loc[(group, outcome)]
        h += [f'<h3 id="{targets[(group, outcome)]}">{_e(group)} · {_e(outcome_heading(outcome))}</h3>',
              f"<p class='muted'>{c['strength']} strength, {c['improvement']} improvement, {c['neutral']} neutral "
              f"sentences; improvement share {pct(c['improvement_share'])} "
              f"({interval(c['share_lo'], c['share_hi'])}).</p>"]
        h += _sentences(ev.loc[[(group, outcome)]].reset_index(), show_report=True)

    h += ['<h2 id="reports">Reports</h2>']
    for report in summary.reports:
        h += _report_section(summary, report, ids)
    h.append("</body></html>")
    return "\n".join(h) + "\n"


def _report_section(summary: Summary, report: str, ids: _Ids) -> list[str]:
    meta = summary.meta.get(report) or {}
    h = [f'<section class="report" id="{ids.report[report]}"><h2>{_e(meta.get("title") or report)}</h2>',
         f"<p>Report id <code>{_e(report)}</code>"
         + (f"; source <code>{_e(meta['source'])}</code>" if meta.get("source") else "")
         + (f"; authority or provider: {_e(meta['authority'])}" if meta.get("authority") else "") + "</p>"]
    grades = meta.get("grades") or {}
    if grades:
        h += ["<h3>Graded judgements</h3>", "<table><tr><th>judgement</th><th>grade</th></tr>"]
        h += [f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in grades.items()]
        h.append("</table>")
    part = summary.of(report)
    counts = part["counts"]
    h += ["<h3>Sentences by outcome</h3>", "<table><tr><th>outcome</th><th>title</th><th>regulation</th>"
          "<th>strength</th><th>improvement</th><th>neutral</th><th>improvement share</th></tr>"]
    for _, r in counts.iterrows():
        target = ids.report_evidence(report, r["outcome"])
        reg = "–" if pd.isna(r["regulation"]) else int(r["regulation"])
        h.append(f'<tr><td><a href="#{target}">{_e(r["outcome"])}</a></td><td>{_e(r["title"])}</td>'
                 f'<td class="n">{reg}</td>'
                 + "".join(f'<td class="n"><a href="#{target}">{r[s]}</a></td>' for s in SENTIMENTS)
                 + f'<td class="n" style="background:{share_colour(r["improvement_share"])}">'
                 f'<a href="#{target}">{pct(r["improvement_share"])}</a></td></tr>')
    h.append("</table>")
    ev = dict(tuple(part["evidence"].groupby("outcome", sort=False)))
    h.append(f"<h3>Evidence</h3><p class='muted'>The {summary.evidence_per_kind} most confident sentences of each "
             "kind per outcome (confidence; paragraph, character offsets).</p>")
    for outcome in counts["outcome"]:
        h.append(f'<h4 id="{ids.report_evidence(report, outcome)}">{_e(outcome_heading(outcome))}</h4>')
        h += _sentences(ev.get(outcome, part["evidence"].iloc[:0]), show_report=False)
    recs = part["recommendations"]
    h.append("<h3>Recommendations</h3>")
    if recs.empty:
        h.append("<p>None found.</p>")
    else:
        h.append("<table><tr><th>¶</th><th>timescale</th><th>outcome</th><th>recommendation</th></tr>")
        h += [f"<tr><td>{_e(r['paragraph'])}</td><td>{_e(r['timescale'] or '–')}</td>"
              f"<td>{_e(outcome_heading(r['outcome']))}</td><td>{_e(r['text'])}</td></tr>" for _, r in recs.iterrows()]
        h.append("</table>")
    dis = part["disagreements"]
    h.append("<h3>Where heading and model disagree</h3>")
    if dis.empty:
        h.append("<p>None.</p>")
    else:
        h.append("<table><tr><th>¶</th><th>heading</th><th>model</th><th>confidence</th><th>paragraph</th></tr>")
        h += [f"<tr><td>{_e(r['paragraph'])}</td><td>{_e(r['heading_outcome'])}</td>"
              f"<td>{_e(outcome_heading(r['predicted_outcome']))}</td><td class='n'>{r['confidence']:.2f}</td>"
              f"<td>{_e(r['text'])}</td></tr>" for _, r in dis.iterrows()]
        h.append("</table>")
    h.append("</section>")
    return h
