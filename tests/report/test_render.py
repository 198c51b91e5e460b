"""Writing a run's results: CSV, Parquet, Markdown, figures and the HTML pages; `esq report`."""

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
from pipeline.report.compare import compare as compare_records
from pipeline.report.correct import ErrorModel
from pipeline.report.html import rate_class, report_html, share_class, share_colour
from pipeline.report.figures import HEATMAP_ROWS, heatmap_figures
from pipeline.report.render import write_report

CONFUSION = [[880, 40, 80], [180, 720, 100], [220, 40, 740]]


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
        para("ashby-1", 7, [s, i], "Ashby", 4),
        para("ashby-1", "general", [s, i, i], "Ashby", 2, heading_outcome="general"),
        para("ashby-1", 9, [i], "Ashby", 3, kind="recommendation", timescale=float("nan")),
        para("ashby-1", 9, [i], "Ashby", 5, kind="recommendation", timescale="Within 3 months"),
        para("ashby-2", 7, [i, i, s], "Ashby", 1, heading_outcome=7),
        para("ashby-2", 4, [s, s], "Ashby", 2, heading_outcome=13),
        para("nasty-3", 7, [i, i, i, i, s], NASTY, 1),
        para("nasty-3", 7, [i, s], NASTY, 3),
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

# Characters every system font has: the pages' own words use nothing else (the test data is ASCII).
SAFE = set(map(chr, range(32, 127))) | set("\n\t") | set(map(chr, range(0xA0, 0x100))) | {"–"}


class Page(HTMLParser):
    """Anchors, links, resources and the cells of the heat tables (class, link, text) of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.resources, self.tags, self.heat = set(), [], [], [], []
        self._table, self._td, self._th = None, None, None
        self.headers = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if self._td is not None:
                self._td["href"] = a["href"]
        for key in ("src", "srcset", "data", "xlink:href"):
            if key in a:
                self.resources.append(a[key])
        if tag == "link":
            self.resources.append(a.get("href"))
        if tag == "table" and "heat" in (a.get("class") or ""):
            self._table = []
            self.heat.append(self._table)
        if tag == "td" and self._table is not None:
            self._td = {"class": a.get("class") or "", "href": None, "text": ""}
        if tag == "th" and self._table is not None and "o" in (a.get("class") or "").split():
            self._th = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._td is not None:
            self._table.append(self._td)
            self._td = None
        if tag == "th" and self._th is not None:
            self.headers.append(self._th)
            self._th = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._td is not None:
            self._td["text"] += data.strip()
        if self._th is not None:
            self._th += data.strip()


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture
def written(tmp_path):
    records = run_records()
    summary = pipeline.summarize(records, meta=MANIFEST)
    cmp = compare_records(records, MANIFEST, resamples=200, min_judged=2,
                                  error=ErrorModel.from_confusion({"labels": ["strength", "improvement", "neutral"],
                                                                   "matrix": CONFUSION}))
    paths = write_report(summary, tmp_path, comparison=cmp)
    return tmp_path, paths, summary, cmp


def test_every_output_is_written(written):
    out, paths, summary, cmp = written
    names = {p.relative_to(out).as_posix() for p in paths}
    for table in ("counts", "evidence", "recommendations", "disagreements", "grades", "compare_table",
                  "compare_ranking", "compare_groups", "compare_reports", "compare_validity", "compare_correlation",
                  "compare_evidence", "compare_grades"):
        assert f"{table}.csv" in names and f"{table}.parquet" in names
    for report in ("ashby-1", "ashby-2", "nasty-3", "loose-4"):
        assert f"{report}.md" in names and f"reports/{report}.html" in names
    assert {"comparison.md", "report.html", "evidence.html", "heatmap.png", "heatmap.svg", "grades.png",
            "figures/forest-7.svg"} <= names
    assert all(p.exists() for p in paths)
    table = pd.read_csv(out / "compare_table.csv")
    assert {"group", "outcome", "regulation", "improvement_share", "share_lo", "share_hi", "corrected_share",
            "corrected_lo", "corrected_hi", "paragraphs", "total_per_100"} <= set(table)
    assert set(table["group"]) == {"Ashby", NASTY, "loose-4"}  # no authority anywhere: the report id


def test_parquet_round_trip(written):
    out, _, summary, cmp = written
    back = pd.read_parquet(out / "compare_table.parquet")
    assert back[["group", "outcome", "strength", "improvement"]].equals(
        cmp.table[["group", "outcome", "strength", "improvement"]])
    ev = pd.read_parquet(out / "evidence.parquet")  # paragraph labels are text and numbers; Parquet has one type
    assert len(ev) == len(summary.evidence)


def test_figures(written):
    out, *_ = written
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for svg in ("heatmap.svg", "grades.svg", "figures/forest-7.svg"):
        assert "<svg" in (out / svg).read_text()


def test_heatmaps_split_so_100_groups_stay_legible():
    records = [para(f"r{g}", outcome, ["strength", "improvement", "neutral"], f"Group {g:03d}", p)
               for g in range(95) for outcome in (4, 7) for p in (1, 2)]
    cmp = compare_records(records, resamples=20, read_sources=False)
    figs = heatmap_figures(cmp)
    assert len(figs) == -(-95 // HEATMAP_ROWS)
    labels = [t.get_text() for t in figs[0].axes[0].get_yticklabels()]
    assert len(labels) == HEATMAP_ROWS and all(t.get_fontsize() >= 8 for t in figs[0].axes[0].get_yticklabels())
    assert [t.get_text() for t in figs[0].axes[0].get_xticklabels()] == ["4 Care and welfare", "7 Safeguarding"]


def test_comparison_markdown(written):
    out, *_ = written
    md = (out / "comparison.md").read_text()
    assert "# Comparison by authority or provider" in md
    assert "### 7: Safeguarding people who use services from abuse (Regulation 11)" in md
    assert "| group | General | 7 Safeguarding | 9 Medicines | 13 Staffing |" in md  # short titles
    assert "adjusted classify-and-count (Forman 2005, 2008)" in md
    assert "## Validity against the regulator" in md and "No verdicts" in md
    assert "| improvement share vs grade score | 2 | - | - | - |" in md  # two graded groups: too few
    assert "![Corrected improvement share by group and outcome](heatmap.png)" in md
    assert "![Forest plot, outcome 7](figures/forest-7.svg)" in md
    assert not re.search(r"\bnan\b", md, re.IGNORECASE)
    report_md = (out / "ashby-1.md").read_text()
    assert "| 3 | - | 9: Management of medicines (Regulation 13) |" in report_md  # a missing timescale is "-"
    assert not re.search(r"\bnan\b", report_md, re.IGNORECASE)


def test_pages_link_within_the_output_and_need_no_network(written):
    out, *_ = written
    pages = [out / "report.html", out / "evidence.html", *sorted((out / "reports").glob("*.html"))]
    parsed = {p: parse(p) for p in pages}
    for path, page in parsed.items():
        text = path.read_text(encoding="utf-8")
        assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
        assert not [r for r in page.resources if r and not r.startswith(("#", "data:"))], page.resources
        assert "http://" not in text.replace("http://www.w3.org/", "") and "https://" not in text
        assert "@import" not in text and not re.search(r"url\((?!#)", text)
        assert not re.search(r"\bnan\b", text, re.IGNORECASE), path
        assert not set(text) - SAFE, (path, set(text) - SAFE)  # no glyph a system font may lack
        assert NASTY not in text  # escaped everywhere
        for link in page.links:
            target, _, anchor = link.partition("#")
            dest = (path.parent / target).resolve() if target else path
            assert dest.exists(), (path, link)
            if anchor and dest.suffix == ".html":
                assert anchor in parsed.get(dest, parse(dest)).ids, (path, link)


def test_heat_tables_are_coloured_by_what_they_show_and_fade_thin_cells(written):
    out, _, _, cmp = written
    page = parse(out / "report.html")
    share, per100 = page.heat
    assert len([c for c in share if c["href"]]) == len(cmp.table) == len([c for c in per100 if c["href"]])
    assert "7 Safeguarding" in page.headers and "General" in page.headers
    top = cmp.table["total_per_100"].max()
    cells = cmp.table.set_index(["group", "outcome"])
    m = cmp.matrix("corrected_share")
    shown = [(g, o) for g in m.index for o in m.columns if (g, o) in cells.index]
    for (g, o), cell, rate in zip(shown, [c for c in share if c["href"]], [c for c in per100 if c["href"]]):
        c = cells.loc[(g, o)]
        assert cell["class"].split()[0] == share_class(c["corrected_share"])
        assert rate["class"].split()[0] == rate_class(c["total_per_100"], top)
        few = c["judged"] < cmp.min_judged
        assert ("few" in cell["class"].split()) == few and cell["text"].startswith("(") == few
    # a one-report group links into its report's page; Ashby (two reports) into the evidence page
    hrefs = [c["href"] for c in share if c["href"]]
    assert any(h.startswith("reports/loose-4.html#o-7") for h in hrefs)
    assert any(h.startswith("evidence.html#g") for h in hrefs)
    evidence = (out / "evidence.html").read_text()
    block = evidence[evidence.index('-o-7"'):]
    block = block[:block.index("</ul>")]
    assert "ashby-1" in block and "ashby-2" in block


def test_a_page_of_100_groups_stays_small():
    records = [para(f"r{g}-0000000{g % 10}", outcome, ["strength", "improvement", "neutral", "strength"],
                    f"Group {g:03d}", p)
               for g in range(100) for outcome in (1, 4, 5, 7, 8, 9, 10, 13, 14, 16, 17, 21) for p in (1, 2)]
    summary = pipeline.summarize(records)
    cmp = compare_records(records, resamples=20, read_sources=False,
                                  error=ErrorModel.from_confusion({"labels": ["strength", "improvement", "neutral"],
                                                                   "matrix": CONFUSION}))
    page = report_html(summary, cmp)
    assert len(page.encode("utf-8")) < 1_000_000
    assert page.count('class="r"') == len(cmp.ranking)  # one forest-plot row per ranked group and outcome


def test_share_colour():
    assert share_colour(0) == "#a6d96a" and share_colour(0.5) == "#ffffbf" and share_colour(1) == "#f46d43"
    assert share_colour(float("nan")) == "#f0f0f0"
    assert share_class(0.51) == "s10" and share_class(None) == "sx" and rate_class(5, 10) == "b5"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_pages_load_in_headless_chromium(written):
    out, _, _, cmp = written
    for path in (out / "report.html", out / "reports" / "ashby-1.html"):
        result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                                 "--disable-background-networking", "--enable-logging=stderr", "--v=0",
                                 "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-500:]
        assert "ERROR:CONSOLE" not in result.stderr and "Uncaught" not in result.stderr
        page = Page()
        page.feed(result.stdout)
        assert "main" in page.tags and "nav" in page.tags
        if path.name == "report.html":
            assert len([c for c in page.heat[0] if c["href"]]) == len(cmp.table)
            assert 'class="forest"' in result.stdout


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
    assert {"outcome", "regulation", "rank", "group", "corrected_share", "corrected_lo"} <= set(ranking)
    assert "ashby-1" in (out / "ashby-1.md").read_text()
    assert "no corrected shares" in capsys.readouterr().err  # no run.json: the model is unknown
    assert main(["report", str(run), "--group-by", "report", "--out", str(tmp_path / "by_report"),
                 "--resamples", "50"]) == 0
    groups = pd.read_csv(tmp_path / "by_report" / "compare_groups.csv")
    assert set(groups["group"]) == {"ashby-1", "ashby-2", "nasty-3", "loose-4"}
    mapping = tmp_path / "study.csv"
    mapping.write_text("report,group\nashby-1,North\nnasty-3.txt,North\nloose-4,South\n")
    assert main(["report", str(run), "--groups", str(mapping), "--out", str(tmp_path / "study"),
                 "--resamples", "50"]) == 0
    assert "1 reports are not in" in capsys.readouterr().err
    groups = pd.read_csv(tmp_path / "study" / "compare_groups.csv")
    assert dict(zip(groups["group"], groups["reports"])) == {"North": 2, "South": 1}


def test_cli_report_bad_input_is_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run, run_records(), MANIFEST)
    with open(run / "paragraphs.jsonl", "a") as fh:
        fh.write("{not json\n")
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "paragraphs.jsonl line 12: not JSON" in err and "Traceback" not in err
    (run / "paragraphs.jsonl").write_text(json.dumps({"report": "x"}) + "\n")
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "paragraphs.jsonl" in err and "sentences" in err
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    capsys.readouterr()
    (tmp_path / "bad.csv").write_text("who,what\n")
    write_run(run, run_records(), MANIFEST)
    assert main(["report", str(run), "--groups", str(tmp_path / "bad.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.csv: needs a header row" in err
    with pytest.raises(SystemExit):
        main(["report", str(run), "--resamples", "0"])


def test_cli_report_on_an_empty_or_failed_run_exits_1(tmp_path, capsys):
    run = tmp_path / "run"
    write_run(run, [], [{"path": "a.pdf", "status": "no text layer"}, {"path": "b.txt", "status": "missing"}])
    assert main(["report", str(run)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no tagged paragraphs" in err and "1 missing, 1 no text layer" in err
    assert not (run / "report").exists()
