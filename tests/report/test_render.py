"""Writing a run's results: CSV, Parquet, Markdown, figures and one self-contained HTML page; `esq report`."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from pipeline.cli import main
from pipeline.report.html import report_html, share_colour
from pipeline.report.render import write_report


def para(report, outcome, sentiments, authority, paragraph, kind="finding", timescale=None, heading_outcome=None):
    sents = [{"start": 100 * paragraph + 20 * i, "end": 100 * paragraph + 20 * i + 15, "text": f"Sentence {i}.",
              "sentiment": s, "confidence": round(0.95 - 0.05 * i, 2)} for i, s in enumerate(sentiments)]
    predicted = outcome
    return {"report": report, "source": f"{report}.txt", "authority": authority, "paragraph": paragraph,
            "kind": kind, "heading": None, "heading_outcome": heading_outcome, "predicted_outcome": predicted,
            "outcome_confidence": 0.7, "outcome": heading_outcome if heading_outcome is not None else predicted,
            "disagreement": heading_outcome is not None and heading_outcome != predicted, "timescale": timescale,
            "sentiment": "mixed", "start": 100 * paragraph, "end": 100 * paragraph + 90, "page": None,
            "text": "A paragraph.", "sentences": sents}


# A name that must be escaped, an authority with two reports, a report without one.
NASTY = 'St <Ann> & "Co"'


def run_records():
    s, i, n = "strength", "improvement", "neutral"
    return [
        para("ashby-1", 7, [s, s, s, i, n], "Ashby", 1),
        para("ashby-1", "general", [s, i, i], "Ashby", 2, heading_outcome="general"),
        para("ashby-1", 9, [i], "Ashby", 3, kind="recommendation", timescale="Within 3 months"),
        para("ashby-2", 7, [i, i, s], "Ashby", 1, heading_outcome=7),
        para("ashby-2", 4, [s, s], "Ashby", 2, heading_outcome=13),
        para("nasty-3", 7, [i, i, i, i, s], NASTY, 1),
        para("nasty-3", 9, [s, s, s, s, s, i], NASTY, 2),
        para("loose-4", 7, [s, i], None, 1),
    ]


MANIFEST = [{"path": "ashby-1.txt", "report": "ashby-1", "status": "ok", "title": "Ashby one",
             "authority": "Ashby", "grades": {"Overall": "Good"}},
            {"path": "ashby-2.txt", "report": "ashby-2", "status": "ok", "title": "Ashby two",
             "authority": "Ashby", "grades": {"Overall": "Adequate"}},
            {"path": "nasty-3.txt", "report": "nasty-3", "status": "ok", "title": "Nasty <report>",
             "authority": NASTY, "grades": {"Overall": "Inadequate"}},
            {"path": "loose-4.txt", "report": "loose-4", "status": "ok", "title": None, "grades": None}]


class Page(HTMLParser):
    """What a self-contained page must be checked for: anchors, links, resources, tables."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.resources, self.tags, self.heat_cells = set(), [], [], [], []
        self._heat, self._td = False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if self._td is not None:
                self._td.append(a["href"])
        for key in ("src", "srcset", "data", "xlink:href"):
            if key in a:
                self.resources.append(a[key])
        if tag == "link":
            self.resources.append(a.get("href"))
        if tag == "table" and "heat" in (a.get("class") or ""):
            self._heat = True
        if tag == "td" and self._heat:
            self._td = []

    def handle_endtag(self, tag):
        if tag == "td" and self._td is not None:
            self.heat_cells.append(self._td)
            self._td = None
        if tag == "table":
            self._heat = False

    def handle_data(self, data):
        if self._td is not None and data.strip():
            self._td.append(("text", data.strip()))


@pytest.fixture
def written(tmp_path):
    records = run_records()
    summary = pipeline.summarize(records, meta=MANIFEST)
    cmp = pipeline.compare(records, MANIFEST, resamples=200, min_judged=2)
    paths = write_report(summary, tmp_path, comparison=cmp)
    return tmp_path, paths, summary, cmp


def test_every_output_is_written(written):
    out, paths, summary, cmp = written
    names = {p.name for p in paths}
    for table in ("counts", "evidence", "recommendations", "disagreements", "grades", "compare_table",
                  "compare_ranking", "compare_groups", "compare_correlation", "compare_evidence", "compare_grades"):
        assert f"{table}.csv" in names
    assert {"ashby-1.md", "ashby-2.md", "nasty-3.md", "loose-4.md", "comparison.md", "report.html"} <= names
    assert all(p.exists() for p in paths)
    table = pd.read_csv(out / "compare_table.csv")
    assert {"group", "outcome", "regulation", "improvement_share", "share_lo", "share_hi", "total_per_100"} <= set(table)
    assert set(table["group"]) == {"Ashby", NASTY, "loose-4"}  # no authority: the report id


def test_parquet_round_trip(written):
    pytest.importorskip("pyarrow")
    out, _, summary, cmp = written
    back = pd.read_parquet(out / "compare_table.parquet")
    assert back[["group", "outcome", "strength", "improvement"]].equals(
        cmp.table[["group", "outcome", "strength", "improvement"]])
    ev = pd.read_parquet(out / "evidence.parquet")  # paragraph labels are text and numbers; Parquet has one type
    assert len(ev) == len(summary.evidence)


def test_figures(written):
    pytest.importorskip("matplotlib")
    out, paths, _, _ = written
    for name in ("heatmap", "grades"):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (out / f"{name}.svg").read_text()


def test_comparison_markdown(written):
    out, *_ = written
    md = (out / "comparison.md").read_text()
    assert "# Comparison by authority or provider" in md
    assert "### 7: Safeguarding people who use services from abuse (Regulation 11)" in md
    # two graded groups (Ashby's two reports average Good and Adequate): too few for a correlation
    assert "| improvement share vs grade score | 2 | - | - | - |" in md
    assert "![Improvement share by group and outcome](heatmap.png)" in md or "heatmap" not in {
        p.stem for p in out.iterdir()}


def test_html_is_self_contained_and_every_cell_links_to_its_evidence(written):
    out, _, summary, cmp = written
    text = (out / "report.html").read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    # embedded (a heatmap's raster inside its SVG is a data URI) or within the page; nothing to fetch
    assert not [r for r in page.resources if r and not r.startswith(("#", "data:"))], page.resources
    assert "http://" not in text.replace("http://www.w3.org/", "") and "https://" not in text
    assert "@import" not in text and not re.search(r"url\((?!#)", text)  # only references within the page
    for ref in re.findall(r'(?:xlink:href|url\()="?#([^")]+)', text):
        assert ref in page.ids, ref  # figures' own references (glyphs, clip paths) resolve too
    internal = [h for h in page.links if h.startswith("#")]
    assert internal and all(h[1:] in page.ids for h in internal), set(h for h in internal if h[1:] not in page.ids)
    assert len(internal) == len(page.links)
    # every filled cell of the comparison tables is a link; empty cells are empty
    filled = [c for c in page.heat_cells if c]
    assert len(filled) == 2 * len(cmp.table)
    assert all(isinstance(c[0], str) and c[0].startswith("#ev-") for c in filled)
    if "matplotlib" in {p.stem for p in out.iterdir()} or (out / "heatmap.svg").exists():
        assert "svg" in page.tags and "<?xml" not in text
    assert "St &lt;Ann&gt; &amp; &quot;Co&quot;" in text or "St &lt;Ann&gt; &amp; \"Co\"" in text
    assert NASTY not in text


def test_html_cells_reach_the_right_sentences(written):
    _, _, summary, cmp = written
    text = report_html(summary, cmp)
    # Ashby has two reports: its outcome-7 cell links to a block of its own, naming both reports
    page = Page()
    page.feed(text)
    block = text[text.index('id="ev-g0-7"'):]
    block = block[:block.index("</ul>")]
    assert "ashby-1" in block and "ashby-2" in block
    # a one-report group links straight into the report's own evidence
    assert any(c and c[0].startswith("#ev-r") for c in page.heat_cells)


def test_share_colour():
    assert share_colour(0) == "#a6d96a" and share_colour(0.5) == "#ffffbf" and share_colour(1) == "#f46d43"
    assert share_colour(float("nan")) == "#f0f0f0"


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_html_renders_in_headless_chromium(written):
    out, _, _, cmp = written
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-background-networking", "--dump-dom", (out / "report.html").as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    page = Page()
    page.feed(result.stdout)
    assert len([c for c in page.heat_cells if c]) == 2 * len(cmp.table)
    assert all(h[1:] in page.ids for h in page.links if h.startswith("#"))


def write_run(folder: Path, records, manifest):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "paragraphs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "manifest.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest))


def test_cli_report_writes_the_comparison(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run, run_records(), MANIFEST)
    assert main(["report", str(run), "--resamples", "100", "--min-judged", "2"]) == 0
    out = run / "report"
    assert (out / "report.html").exists() and (out / "comparison.md").exists()
    ranking = pd.read_csv(out / "compare_ranking.csv")
    assert {"outcome", "regulation", "rank", "tier", "group"} <= set(ranking)
    assert "ashby-1" in (out / "ashby-1.md").read_text()
    assert main(["report", str(run), "--by", "report", "--out", str(tmp_path / "by_report"),
                 "--resamples", "50"]) == 0
    groups = pd.read_csv(tmp_path / "by_report" / "compare_groups.csv")
    assert set(groups["group"]) == {"ashby-1", "ashby-2", "nasty-3", "loose-4"}


def test_cli_report_bad_input_is_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run, run_records(), MANIFEST)
    with open(run / "paragraphs.jsonl", "a") as fh:
        fh.write("{not json\n")
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "paragraphs.jsonl line 9: not JSON" in err and "Traceback" not in err
    (run / "paragraphs.jsonl").write_text(json.dumps({"report": "x"}) + "\n")
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "paragraphs.jsonl" in err and "sentences" in err
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    with pytest.raises(SystemExit):
        main(["report", str(run), "--resamples", "0"])
