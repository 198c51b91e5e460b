"""Readers for HTML, DOCX and PDF: the text they give, the pages they map, the errors they raise."""

import io
import zipfile

import pytest

from pipeline.read.document import FormatError
from pipeline.read.formats import read_docx, read_html
from pipeline.read.pdf import Line, assemble, strip_furniture
from pipeline.read.reader import ReadError, Text, read
from pipeline.segment.segmenter import segment

from documents import REPORT_PAGES, make_docx, make_pdf, make_report_pdf


@pytest.fixture
def report_pdf(tmp_path):
    return make_report_pdf(tmp_path / "fernhollow.pdf")


def test_pdf_text_layer_without_page_furniture(report_pdf):
    t = read(report_pdf)
    assert "Inspection report\n" not in t.text and "Fernhollow Hospital - Inspection" not in t.text
    assert "Page 1 of 3" not in t.text and "Page 3" not in t.text
    assert t.text.startswith("Inspection report: Fernhollow Hospital\n\nOutcome 4: Care and welfare")
    # a word hyphenated across lines is mended; wrapped lines are one paragraph
    assert "two medication administration records" in t.text
    assert "felt safe and well supported. Care plans" in t.text


def test_pdf_page_furniture_is_recorded_where_it_was_removed(report_pdf):
    t = read(report_pdf)
    furniture = [(r.offset, r.text) for r in t.removed]
    assert all(r.reason == "page-furniture" for r in t.removed)
    assert (t.pages[1], "Page 2 of 3") in furniture and (0, "Fernhollow Hospital - Inspection report") in furniture
    assert len(furniture) == 6  # a running head and a page number on each of three pages
    report = segment(t)
    removed = [s for s in report.skipped if s.detail.get("removed")]
    assert len(removed) == 6 and all(s.start == s.end and s.reason == "page-furniture" for s in removed)


def test_pdf_a_number_wrapped_to_a_line_start_does_not_start_a_paragraph(tmp_path):
    lines = [(72, 760, 11, "The proportion of children living in low-income households in the borough is"),
             (72, 746, 11, "24.5 per cent, above the national average, and it has risen each year since 2010."),
             (72, 720, 11, "2.1 Health visitors see every family within ten days of a birth.")]
    t = read(tmp_path / "p.pdf") if (tmp_path / "p.pdf").write_bytes(make_pdf([lines])) else None
    assert "is 24.5 per cent, above" in t.text and "\n\n2.1 Health visitors" in t.text


def test_pdf_paragraph_broken_across_pages_is_joined_and_mapped_to_its_pages(report_pdf):
    t = read(report_pdf)
    assert "night shifts in the previous month, and the manager agreed" in t.text
    assert len(t.pages) == 3 and t.pages[0] == 0
    # page 2 starts inside the joined paragraph, at the first word carried over
    assert t.text[t.pages[1]:].startswith("month, and the manager")
    assert t.text[t.pages[2]:].startswith("- Ensure that all staff")
    paragraphs = segment(t).paragraphs
    assert [(p.page, p.text[:20]) for p in paragraphs] == [
        (1, "Staff were kind and "), (1, "Medicines were store"), (2, "The provider had an "),
        (3, "Ensure that all staff"[:20]), (3, "Review the recording")]
    assert [p.heading_outcome for p in paragraphs[:3]] == [4, 4, 16]
    for p in paragraphs:
        assert t.text[p.start:p.end] == p.text
        assert t.page_at(p.start) == p.page


def test_scanned_pdf_has_no_text_layer(tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(make_pdf([[], []]))
    with pytest.raises(ReadError) as exc:
        read(scan)
    assert exc.value.status == "no text layer" and str(scan) in str(exc.value) and "OCR" in str(exc.value)


def test_unreadable_text_layer_is_not_passed_on_as_text(tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(make_pdf([[(72, 700, 11, "#### %%%% 1234 ()() ;;;; 5678 ]]]] ---- 0000")]]))
    with pytest.raises(ReadError) as exc:
        read(junk)
    assert exc.value.status == "no text layer"


def test_password_protected_pdf(tmp_path):
    import pypdf
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf(REPORT_PAGES)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    with pytest.raises(ReadError) as exc:
        read(locked)
    assert exc.value.status == "encrypted" and "password" in str(exc.value)


def test_pdf_encrypted_without_an_open_password_is_read(tmp_path):
    import pypdf
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf(REPORT_PAGES)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")  # restrictions only
    restricted = tmp_path / "restricted.pdf"
    with open(restricted, "wb") as fh:
        writer.write(fh)
    assert "administration records" in read(restricted).text


@pytest.mark.parametrize("data,status", [
    (b"this is not a PDF at all", "corrupt"),
    (b"%PDF-1.4\n" + bytes(range(256)) * 8, "corrupt"),
    (make_pdf(REPORT_PAGES)[:700], "corrupt"),
])
def test_damaged_pdf_is_corrupt(tmp_path, data, status):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(data)
    with pytest.raises(ReadError) as exc:
        read(bad)
    assert exc.value.status == status and str(bad) in str(exc.value) and "\n" not in str(exc.value)


def _lines(*texts, size=11.0):
    return [Line(t, 72.0, 700.0 - 14 * k, size) for k, t in enumerate(texts)]


BODY = "Staff told us the service was well led and they felt supported by the manager and"
WORDS = ["Medicines", "Staffing", "Complaints", "Safeguarding"]


def test_furniture_bare_numbers_roman_numerals_and_running_heads():
    pages = []
    for n, word in enumerate(WORDS, 1):
        pages.append(_lines(f"Chapter 2: Findings {n + 6}", f"{word} were reviewed.", f"{word} were good.",
                            "ii" if n == 1 else str(n)))
    kept = strip_furniture(pages)
    assert [[l.text for l in page] for page in kept] == [[f"{w} were reviewed.", f"{w} were good."] for w in WORDS]


def test_a_heading_that_recurs_is_not_furniture():
    pages = [[Line("Our judgement", 72, 760, 16)] + _lines(f"{w} were reviewed by the manager.", BODY) for w in WORDS]
    assert all(page[0].text == "Our judgement" for page in strip_furniture(pages))


def test_page_starts_follow_the_text():
    pages = [_lines(BODY, "ends here."), [], _lines("Next page starts a paragraph.")]
    text, starts = assemble(pages)
    assert starts[0] == 0 and starts[1] == starts[2]  # an empty page starts where the next one does
    assert text[starts[2]:].startswith("Next page starts")
    t = Text(text, "x.pdf", "0" * 64, "pdf", pages=starts)
    assert t.page_at(0) == 1 and t.page_at(starts[2]) == 3


def test_html_drops_code_and_navigation_and_keeps_structure():
    page = b"""<!DOCTYPE html><html><head><title>Site</title><style>p{color:red}</style>
<script>var s = "<p>not text</p>";</script></head><body>
<nav><ul><li>Home</li><li>Find a service</li></ul></nav>
<h1>Inspection report: Fernhollow&nbsp;Hospital</h1>
<table><tr><th>Date of inspection</th><td>3 May 2012</td></tr><tr><td>Provider</td><td><p>Fernhollow</p><p>Trust</p></td></tr></table>
<h2>Outcome 9: Management of medicines</h2>
<p>Medicines were stored   safely.
However, two <b>MAR</b> charts had gaps &amp; errors.</p><div>We looked at six charts<br>on the ward.</div>
<ul><li>Review the recording of medicines.</li><li>Train all staff.</li></ul>
<form><button>Search</button></form></body></html>"""
    text = read_html(page).text
    assert "not text" not in text and "color" not in text and "Home" not in text and "Search" not in text
    assert text == ("Inspection report: Fernhollow Hospital\n\nDate of inspection\t3 May 2012\nProvider\tFernhollow Trust\n\n"
                    "Outcome 9: Management of medicines\n\nMedicines were stored safely. However, two MAR charts had "
                    "gaps & errors.\n\nWe looked at six charts\non the ward.\n\n- Review the recording of medicines.\n"
                    "- Train all staff.\n")


SAVED_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Inspection report</title></head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><p>Care Quality Commission</p><p>The independent regulator of health and social care</p></header>
<div id="cookie-banner"><p>We use cookies to make this website work. <button>Accept cookies</button></p></div>
<nav aria-label="Main"><ul><li><a href="/">Home</a></li><li><a href="/find">Find a service</a></li></ul></nav>
<ol class="breadcrumbs"><li>Home</li><li>Care homes</li><li>Fernhollow House</li></ol>
<main><article><header><h1>Fernhollow House: inspection report</h1></header>
<p><a href="#" class="print-link">Print this page</a></p>
<h2>Outcome 9: Management of medicines</h2>
<p>Medicines were stored in a locked room and the keys were held by the nurse in charge.</p>
<p>Two of the eight records we read had gaps that nobody could explain.</p>
<aside class="related"><h3>Related reports</h3><ul><li>Fernhollow Lodge</li></ul></aside>
</article></main>
<footer><ul><li>Contact us</li><li>Accessibility</li></ul><p>&copy; Care Quality Commission 2013</p></footer>
</body></html>"""


def test_html_page_saved_from_a_browser_keeps_the_report_and_says_what_it_removed(tmp_path):
    page = tmp_path / "saved.html"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    t = read(page)
    for chrome in ("Find a service", "Care homes", "Accept cookies", "Accessibility", "Related reports",
                   "independent regulator"):
        assert chrome not in t.text
    assert t.text.startswith("Fernhollow House: inspection report")  # an article's own header is kept
    reasons = {r.reason for r in t.removed}
    assert reasons == {"navigation", "page-furniture", "boilerplate:web"}
    assert next(r for r in t.removed if "cookies" in r.text).reason == "boilerplate:web"
    assert all(0 <= r.offset <= len(t.text) for r in t.removed)
    report = segment(t)
    assert [p.text[:10] for p in report.paragraphs] == ["Medicines ", "Two of the"]
    assert all(p.heading_outcome == 9 for p in report.paragraphs)
    # what the reader removed is in the report's left-out spans, each with its reason
    removed = {(s.reason, s.text.split("\n")[0]) for s in report.skipped if s.detail.get("removed")}
    assert {("navigation", "Skip to main content"), ("navigation", "Print this page"), ("navigation", "Home"),
            ("boilerplate:web", "We use cookies to make this website work. Accept cookies"),
            ("page-furniture", "Contact us")} <= removed


def test_a_web_page_saved_as_text_leaves_out_its_chrome_by_what_it_says():
    text = ("Skip to main content\n\nHome > Care homes > Fernhollow House\n\nPrint this page\n\n"
            "Fernhollow House: inspection report\n\nOutcome 9: Management of medicines\n\n"
            "Medicines were stored in a locked room and the keys were held by the nurse in charge.\n\n"
            "This website uses cookies to improve your experience. Accept all cookies\n\n"
            "\u00a9 Care Quality Commission 2013. All rights reserved.\n")
    report = segment(Text(text, "saved.txt", "0" * 64, "utf-8"))
    assert [p.text[:9] for p in report.paragraphs] == ["Medicines"]
    # neighbouring lines left out for one reason make one span
    assert [(s.reason, s.text.count("\n\n") + 1) for s in report.skipped] == [
        ("navigation", 3), ("heading", 1), ("boilerplate:web", 2)]


def test_docx_headers_and_footers_are_recorded_as_page_furniture(tmp_path):
    t = read(make_docx(tmp_path / "r.docx"))
    assert [(r.offset, r.reason, r.text) for r in t.removed] == [(0, "page-furniture", "Running header on every page")]


def test_html_charset(tmp_path):
    body = "<p>Children\u2019s services \u2013 good</p>"
    cp = tmp_path / "cp.htm"
    cp.write_bytes(f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">{body}'.encode("cp1252"))
    assert read(cp).text == "Children\u2019s services \u2013 good\n"
    # bytes that are valid UTF-8 are read as UTF-8 whatever the page declares
    utf = tmp_path / "utf.html"
    utf.write_bytes(f'<meta charset="iso-8859-1">{body}'.encode("utf-8"))
    assert read(utf).text == "Children\u2019s services \u2013 good\n"


def test_html_report_segments_like_text(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("<h1>Inspection report</h1><h2>Outcome 7: Safeguarding</h2>"
                    "<p>Staff knew how to raise a safeguarding concern and had been trained.</p>"
                    "<h2>Recommendations</h2><ul><li>Review the safeguarding policy every year.</li></ul>",
                    encoding="utf-8")
    t = read(page)
    paragraphs = segment(t).paragraphs
    assert [(p.kind, p.heading_outcome, p.page) for p in paragraphs] == [("finding", 7, None),
                                                                         ("recommendation", None, None)]
    assert all(t.text[p.start:p.end] == p.text for p in paragraphs)


def test_docx_body_in_order(tmp_path):
    t = read(make_docx(tmp_path / "r.docx"))
    assert t.encoding == "docx" and t.pages == ()
    assert t.text == ("Inspection report: Fernhollow Hospital\n\nDate of inspection\t3 May 2012\n"
                      "Provider\tFernhollow NHS Trust\n\nOutcome 9: Management of medicines\n\n"
                      "Medicines were stored safely. However, two MAR charts had gaps that had not been explained.\n\n"
                      "We looked at six MAR charts on the ward.\n\nRecommendations\n\n"
                      "- Review the recording of medicines on the ward.\n\n"
                      "- Ensure that all staff complete safeguarding training.\n")
    report = segment(t)
    assert [(p.kind, p.heading_outcome) for p in report.paragraphs] == [
        ("finding", 9), ("finding", 9), ("recommendation", None), ("recommendation", None)]
    assert report.meta["authority"] == "Fernhollow NHS Trust"


def test_damaged_and_protected_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    not_word = io.BytesIO()
    with zipfile.ZipFile(not_word, "w") as zf:
        zf.writestr("notes.txt", "a zip, not a Word document")
    # Word saves a password-protected document as an OLE file holding an "EncryptedPackage" stream.
    protected = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    old_doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le") + bytes(64)
    for data, status in ((good[: len(good) // 2], "corrupt"), (not_word.getvalue(), "corrupt"),
                         (protected, "encrypted"), (old_doc, "unsupported")):
        with pytest.raises(FormatError) as exc:
            read_docx(data)
        assert exc.value.status == status


def test_docx_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ReadError) as exc:
        read(bad)
    assert exc.value.status == "corrupt" and str(exc.value).startswith(f"{bad}: ")
