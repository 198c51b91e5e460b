"""Hypothesis drives the reader and segmenter with arbitrary text."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.markup import MarkupError, parse_markup
from pipeline.read import ReadError, Text, read
from pipeline.segment import segment

# Text shaped like reports: headings, numbers, bullets, tabs, blank lines, odd characters.
pieces = st.sampled_from(["\n", "\n\n", "\t", " ", "1.", "2.3 ", "- ", "• ", "Outcome 07: Safeguarding", "Recommendations",
                          "Within 3 months", "Next steps", "Date of Inspection\t1 May 2011", ":", ".", "Good", "\r\n",
                          "General – leadership", "*", "#"])
report_text = st.lists(st.one_of(pieces, st.text(min_size=0, max_size=40)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(report_text)
def test_segment_never_crashes_and_offsets_slice(text):
    report = segment(Text(text, "x.txt", hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), "utf-8"))
    for p in report.paragraphs:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == p.text
        assert p.kind in ("finding", "recommendation")


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
