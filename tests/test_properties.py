"""Hypothesis drives the readers (text, HTML, PDF page assembly), segmenter and markup parser with arbitrary input."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.corpus.markup import MarkupError, parse_markup
from pipeline.read.reader import ReadError, Text, read
from pipeline.segment.boilerplate import REASONS
from pipeline.segment.coverage import coverage
from pipeline.segment.layout import lines
from pipeline.segment.segmenter import segment

# Text shaped like reports: headings, numbers, bullets, tabs, blank lines, odd characters.
pieces = st.sampled_from(["\n", "\n\n", "\t", " ", "1.", "2.3 ", "- ", "• ", "Outcome 07: Safeguarding", "Recommendations",
                          "Within 3 months", "Next steps", "Date of Inspection\t1 May 2011", ":", ".", "Good", "\r\n",
                          "General – leadership", "*", "#", "\u00a0", "\u200b", "   ", "Our judgement",
                          "Reasons for our judgement", "Met this standard", "Action needed", "People should be safe.",
                          "Compliance actions", "About CQC inspections", "Staffing\tAction needed", "| a | b |",
                          "Home > Reports", "© CQC 2013", "We use cookies on this site.", "Print this page",
                          "What people told us and what we found", "What the outcome says"])
report_text = st.lists(st.one_of(pieces, st.text(min_size=0, max_size=40)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(report_text)
def test_segment_never_crashes_and_offsets_slice(text):
    report = segment(Text(text, "x.txt", hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), "utf-8"))
    for p in report.paragraphs:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == p.text
        assert p.kind in ("finding", "recommendation")
    assert_every_line_placed_once(report)


def assert_every_line_placed_once(report):
    """Each non-blank line lies in exactly one span: a paragraph, the front matter, or one left out with a reason."""
    text = report.text
    spans = ([(p.start, p.end) for p in report.paragraphs] + [(f.start, f.end) for f in report.front_matter]
             + [(s.start, s.end) for s in report.skipped if s.end > s.start])
    for s in report.skipped:
        assert s.reason in REASONS
        assert s.text == (text[s.start:s.end] if s.end > s.start else s.text)
    for start, end in spans:
        assert 0 <= start < end <= len(text) and text[start:end].strip()
    for line in lines(text):
        holders = [sp for sp in spans if sp[0] < line.end and sp[1] > line.start]
        assert len(holders) == 1, (text[line.start:line.end], holders)
    cov = coverage(report)
    assert "unaccounted" not in cov["left_out"]
    assert cov["findings"] + cov["recommendations"] + cov["front_matter"] + sum(cov["left_out"].values()) \
        == cov["chars"]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_reader_gives_text_or_a_clear_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("r") / "r.txt"
    path.write_bytes(data)
    try:
        t = read(path)
    except ReadError as exc:
        assert str(path) in str(exc) and exc.status
        return
    assert "\r" not in t.text
    segment(t)


@settings(max_examples=200, deadline=None)
@given(report_text)
def test_markup_parser_errors_are_clean(text):
    try:
        r = parse_markup("%% kind: joint\n\n" + text)
    except MarkupError as exc:
        assert str(exc).startswith("line ")
        return
    for p in r.paragraphs:
        for s in p.sentences:
            assert r.text[s.start:s.end].strip()


# HTML shaped like saved web pages, and like damaged ones: unclosed and stray tags, entities, scripts.
html_pieces = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<li>", "</li>", "<ul>", "</ul>",
                               "<table>", "<tr>", "<td>", "</td>", "</tr>", "<h2>", "</h2>", "<script>", "</script>",
                               "<style>", "</style>", "<nav>", "</nav>", "<head>", "<body>", "<pre>", "</pre>",
                               "&amp;", "&nbsp;", "&#8217;", "&bogus;", "<!--", "-->", "<![CDATA[", "]]>", "<", ">",
                               "<svg/>", "<p class='x'", "Outcome 07: Safeguarding", "Recommendations", "\n", "\t"])
html_text = st.lists(st.one_of(html_pieces, st.text(max_size=30)), max_size=50).map("".join)


@settings(max_examples=300, deadline=None)
@given(html_text)
def test_html_reader_never_crashes_and_offsets_slice(tmp_path_factory, html):
    path = tmp_path_factory.mktemp("h") / "page.html"
    path.write_bytes(html.encode("utf-8", "surrogatepass"))
    try:
        t = read(path)
    except ReadError as exc:
        assert str(path) in str(exc) and exc.status and "\n" not in str(exc)
        return
    assert "\r" not in t.text
    report = segment(t)
    for p in report.paragraphs:
        assert 0 <= p.start < p.end <= len(t.text)
        assert t.text[p.start:p.end] == p.text
        assert p.page is None


line_text = st.one_of(st.sampled_from(["Page 3 of 9", "4", "iv", "- item", "1.2 Numbered", "admin-", "istration",
                                       "Care Quality Commission", ""]), st.text(max_size=60))
pdf_pages = st.lists(st.lists(st.tuples(line_text, st.floats(8, 20)), max_size=12), max_size=6)


@settings(max_examples=200, deadline=None)
@given(pdf_pages)
def test_pdf_page_starts_are_ordered_and_point_at_each_page_text(pages):
    from pipeline.read.pdf import Line, assemble
    lines = [[Line(t, 72.0, 780.0 - 14 * k, size) for k, (t, size) in enumerate(page)] for page in pages]
    text, starts = assemble(lines)
    assert len(starts) == len(pages)
    assert list(starts) == sorted(starts) and all(0 <= s <= len(text) for s in starts)
    t = Text(text, "x.pdf", "0" * 64, "pdf", pages=starts)
    for p in segment(t).paragraphs:
        assert t.text[p.start:p.end] == p.text and 1 <= p.page <= len(pages)
