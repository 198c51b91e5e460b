"""The same report laid out the ways real reports arrive: for the metamorphic and property tests of the segmenter.

A report is given as its plain text (one paragraph per line, blank lines
between).  :func:`blocks` reads it into (kind, text) blocks by a rule of
its own (not the segmenter's), and each layout function turns it into
bytes of one file format and layout.  Every layout keeps the words and
their order; only whitespace, line breaks, markup and the container change.
"""

from __future__ import annotations

import io
import random
import re
from html import escape

from documents import make_pdf

BULLET = re.compile(r"^\s*(?:[-*•]\s)")


def blocks(plain: str) -> list[tuple[str, str]]:
    """(kind, text) per non-blank line: "row" (a table row), "bullet", "heading" or "para"."""
    out = []
    for line in plain.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        if "\t" in line:
            out.append(("row", line.rstrip("\n")))
        elif BULLET.match(line):
            out.append(("bullet", line.strip()))
        elif len(line.split()) <= 14 and not re.search(r"[.!?:;,]\W*$", line.strip()):
            out.append(("heading", line.strip()))
        else:
            out.append(("para", line.strip()))
    return out


def _prose_lines(plain: str, change) -> str:
    """``change`` applied to every line that is a sentence (not a heading, a table row or a bullet marker)."""
    out = []
    for line in plain.split("\n"):
        if "\t" in line or not line.strip() or len(line.split()) <= 14:
            out.append(line)
        else:
            m = BULLET.match(line) or re.match(r"^\s*\d+(?:\.\d+)*\.?\s", line)
            head = m.group(0) if m else ""
            out.append(head + change(line[len(head):]))
    return "\n".join(out)


# -- plain-text layouts: str → str ----------------------------------------------------------------------------
def blank_lines(plain: str) -> str:
    """Paragraphs separated by blank lines."""
    return "\n\n".join(text if kind != "row" else text for kind, text in blocks(plain)) + "\n"


def one_per_line(plain: str) -> str:
    """A word processor's plain text: one paragraph per line, no blank lines."""
    return "\n".join(text for _, text in blocks(plain)) + "\n"


def crlf(plain: str) -> str:
    """Windows line endings."""
    return blank_lines(plain).replace("\n", "\r\n")


def spaced(plain: str, seed: int = 0) -> str:
    """Text copied out of a PDF viewer: three spaces after each full stop, tabs and runs of spaces between words."""
    rng = random.Random(seed)

    def change(line: str) -> str:
        line = re.sub(r"([.!?]) (?=[A-Z\"'])", r"\1   ", line)
        return re.sub(r"(?<=\S) (?=\S)", lambda m: rng.choice(["\t", "  ", "   "]) if rng.random() < 0.08 else " ",
                      line)
    return _prose_lines(blank_lines(plain), change)


def odd_spaces(plain: str, seed: int = 0) -> str:
    """Non-breaking spaces between words, zero-width spaces between and inside words."""
    rng = random.Random(seed)

    def change(line: str) -> str:
        line = re.sub(r"(?<=\S) (?=\S)", lambda m: "\u00a0" if rng.random() < 0.2 else " ", line)
        return re.sub(r"(?<=\w)(?=\w)", lambda m: "\u200b" if rng.random() < 0.01 else "", line)
    return _prose_lines(blank_lines(plain), change)


def tight_headings(plain: str) -> str:
    """A heading followed at once by its text, with no blank line after it."""
    parts = []
    for kind, text in blocks(plain):
        parts.append(text + ("\n" if kind == "heading" else "\n\n"))
    return "".join(parts)


def markdown(plain: str) -> str:
    """Markdown: headings marked with ##."""
    return "\n\n".join(("## " + text) if kind == "heading" else text for kind, text in blocks(plain)) + "\n"


# -- file formats: str → bytes --------------------------------------------------------------------------------
CHROME = ("<header class='site-header'><a href='/'>Care Quality Commission</a><p>The independent regulator of health "
          "and social care in England</p></header>"
          "<nav><ul><li><a href='/'>Home</a></li><li><a href='/s'>Find a service</a></li>"
          "<li><a href='/a'>About us</a></li></ul></nav>"
          "<div class='cookie-banner'><p>We use cookies to make this site work and to see how it is used. "
          "<a href='/c'>Accept all cookies</a></p></div>"
          "<ol class='breadcrumb'><li>Home</li><li>Inspection reports</li></ol>")
FOOTER = ("<footer><p>Contact us | Accessibility | Privacy</p><p>© Care Quality Commission 2013</p></footer>")


def html(plain: str) -> bytes:
    """A report page saved from a browser: the site's header, navigation, cookie notice, breadcrumbs and footer
    around the report's headings, paragraphs, lists and tables, and a "Print this page" link."""
    body, table, items = [], [], []

    def flush():
        if table:
            body.append("<table>" + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row.split("\t"))
                                            + "</tr>" for row in table) + "</table>")
            table.clear()
        if items:
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for kind, text in blocks(plain):
        if kind != "row" and table or kind != "bullet" and items:
            flush()
        if kind == "row":
            table.append(text)
        elif kind == "bullet":
            items.append(BULLET.sub("", text))
        elif kind == "heading":
            body.append(f"<h2>{escape(text)}</h2>")
        else:
            body.append(f"<p>{escape(text)}</p>")
    flush()
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Report</title>"
            "<script>var tracking = 1;</script><style>p {margin: 0}</style></head><body>" + CHROME
            + "<main><article><p class='print-link'><a href='#'>Print this page</a></p>" + "\n".join(body)
            + "</article></main>" + FOOTER + "</body></html>")
    return page.encode("utf-8")


def docx(plain: str) -> bytes:
    """A Word document: headings in heading styles, bullets in a list style, rows as a table; a header and a
    footer on every page."""
    import docx as python_docx

    doc = python_docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Inspection report"
    section.footer.paragraphs[0].text = "Care Quality Commission"
    rows: list[list[str]] = []

    def flush():
        if rows:
            width = max(len(r) for r in rows)
            table = doc.add_table(rows=len(rows), cols=width)
            for i, r in enumerate(rows):
                for j, cell in enumerate(r):
                    table.cell(i, j).text = cell
            rows.clear()

    for kind, text in blocks(plain):
        if kind != "row":
            flush()
        if kind == "row":
            rows.append(text.split("\t"))
        elif kind == "bullet":
            doc.add_paragraph(BULLET.sub("", text), style="List Bullet")
        elif kind == "heading":
            doc.add_heading(text, level=2)
        else:
            doc.add_paragraph(text)
    flush()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def pdf(plain: str) -> bytes:
    """A PDF of A4 pages in Helvetica: wrapped paragraphs, larger headings, table cells in columns, a running
    header and a page number on every page."""
    pages: list[list[tuple[float, float, float, str]]] = [[]]
    y = 770.0

    def put(x, size, text, gap):
        nonlocal y
        if y - gap < 60:
            pages.append([])
            y = 770.0
        y -= gap
        pages[-1].append((x, y, size, text))

    previous = None
    for kind, text in blocks(plain):
        if kind == "heading":
            put(72, 13, text, 24)
        elif kind == "row":
            cells = text.split("\t")
            step = 451 / max(1, len(cells))
            y_row = None
            for j, cell in enumerate(cells):
                if cell.strip():
                    text_ = cell[:int(step / 7)].strip()  # a cell's text ends well before the next column
                    if y_row is None:
                        put(72 + j * step, 10, text_, 14 if previous == "row" else 20)
                        y_row = y
                    else:
                        pages[-1].append((72 + j * step, y_row, 10, text_))
        else:
            lines = _wrap(text, 88)
            for k, line in enumerate(lines):
                gap = 20 if k == 0 else 13
                if k == len(lines) - 1 and len(line) >= 60 and y - gap - 20 < 60 <= y - gap:
                    # A paragraph's last line, as long as a full one, at the foot of a page: no reader could
                    # tell the next page does not carry on the paragraph, so it goes over with the next line.
                    y = 0
                put(72, 10, line, gap)
        previous = kind
    total = len(pages)
    for n, page in enumerate(pages, 1):
        page.insert(0, (72, 810, 8, "Care Quality Commission - inspection report"))
        page.append((280, 30, 8, f"Page {n} of {total}"))
    return make_pdf(pages)


TEXT_LAYOUTS = {"blank lines": blank_lines, "one paragraph per line": one_per_line, "CRLF": crlf,
                "tabs and runs of spaces": spaced, "NBSP and zero-width spaces": odd_spaces,
                "headings without a blank line": tight_headings}
#: Every layout: name → (file suffix, plain text → bytes).
LAYOUTS = {**{name: (".txt", lambda p, f=f: f(p).encode("utf-8")) for name, f in TEXT_LAYOUTS.items()},
           ".md": (".md", lambda p: markdown(p).encode("utf-8")),
           ".html": (".html", html), ".docx": (".docx", docx), ".pdf": (".pdf", pdf)}


def findings(report) -> list[tuple]:
    """What must not change with the layout: each paragraph's kind, number, heading, outcome, timescale and
    text, whitespace normalised."""
    def norm(s):
        return None if s is None else " ".join(s.replace("\u200b", "").split())
    return [(p.kind, p.number, norm(p.heading), p.heading_outcome, norm(p.timescale), norm(p.text))
            for p in report.paragraphs]
