"""PDF → text and page starts: the text layer read by pypdf, page furniture removed, lines rejoined.

A PDF holds positioned lines, not paragraphs.  :func:`read_pdf` reads each
page's lines with their position and font size, then :func:`assemble`

* drops page furniture: lines repeated at the top or bottom of most pages
  (digits ignored, so "Page 3 of 9" matches "Page 4 of 9"), bare page numbers,
  "Page N of M", and running headers or footers that carry the page number;
* joins the lines of a paragraph with a space, mending words hyphenated
  across lines ("inspec-" + "tion" → "inspection") but keeping a compound's
  hyphen where the document's own words show one ("multi-agency");
* starts a new paragraph (a blank line) at a larger vertical gap, a change of
  font size, a bullet or numbered paragraph, or after a short line;
* separates text set well apart on one line (a table's columns) by a tab,
  and keeps each such row a line of its own;
* joins a paragraph broken across pages.

It returns the text and the offset where each page's text starts, so every
offset into the text maps back to a page.  A PDF without a text layer (a
scan) or whose text layer is not readable text raises
:class:`~pipeline.formats.FormatError` with the status ``no text layer``.
"""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
import warnings
from collections import Counter
from dataclasses import dataclass

from .document import Extracted, FormatError, Removed

__all__ = ["Line", "read_pdf", "assemble"]

# pypdf reports recoverable damage through logging; without a handler Python
# would print it to stderr, in the middle of a progress bar.  The file's
# status says what matters.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

_EDGE = 3  # lines at the top and at the bottom of a page that may be furniture
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
                          r"\s*[-–—)\]]?"
                          r"(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
# A page number leading or ending a short line: "4 | Annual report", "Chapter 2: Findings 4".
_EDGE_NUMBER = re.compile(r"^(\d{1,4})\s+(?![.)])|\s(\d{1,4})$")
_STARTS_ITEM = re.compile(r"^(?:[•▪◦‣·●■\-–*]\s|\d{1,2}(?:\.\d{1,3})+\.?\s|\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})[.)]\s)")
_SENTENCE_END = re.compile(r"[.!?:;][\"'’”)]*$")
_NUMBER_START = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?\s")
_HYPHENATED = re.compile(r"[a-zà-ÿ][-\u2010\u00ad]$")


@dataclass
class Line:
    """One line of a page: its text and, where the PDF gave them, the position of its first text and its font size."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float | None = None


def _lines_of(page) -> list[Line]:
    """A page's lines, with the position and size of the first text on each."""
    chunks: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font, size):
        # pypdf passes the text matrix and the graphics matrix; their product places the glyphs.
        _, _, c, d, e, f = tm
        A, B, C, D, E, F = cm
        x, y = e * A + f * C + E, e * B + f * D + F
        scale = math.hypot(c * A + d * C, c * B + d * D) or 1.0
        chunks.append((text, x, y, float(size or 0) * scale))

    plain = page.extract_text(visitor_text=visit)
    if "".join(t for t, *_ in chunks) != plain:
        # The visitor no longer mirrors the output: keep the text, lose the geometry.
        return [Line(t) for t in plain.split("\n")]
    lines = [Line("")]
    last = None  # (x, y, size, length) of the text placed last on this line
    for text, x, y, size in chunks:
        for k, piece in enumerate(text.split("\n")):
            if k:
                lines.append(Line(""))
                last = None
            line = lines[-1]
            if piece.strip():
                if line.y is None:
                    line.x, line.y = x, y
                elif last is not None and abs(y - last[1]) < 0.5 * size:
                    # Text placed well right of where the text before it ends is a table's next column.
                    # 0.6 em a character overestimates most fonts, so wrapped words are never split apart.
                    if x - (last[0] + 0.6 * last[2] * last[3]) > 1.5 * max(size, last[2]):
                        line.text, piece = line.text.rstrip(), "\t" + piece.lstrip()
                # the largest font on the line: an inline code or footnote font is smaller than the text's
                line.size = max(line.size or 0.0, size)
                last = (x, y, size, len(piece.strip()))
            line.text += piece
    return lines


def _clean(text: str) -> str:
    # Control characters from odd fonts become spaces, runs of spaces one space; a tab separates columns.
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    text = re.sub(r"[^\S\t]+", " ", text)
    return re.sub(r" *\t[\t ]*", "\t", text).strip()


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _edge_number(text: str) -> int | None:
    m = _EDGE_NUMBER.search(text) if len(text) <= 100 else None
    return int(m.group(1) or m.group(2)) if m else None


def strip_furniture(pages: list[list[Line]], removed: list[tuple[int, str]] | None = None) -> list[list[Line]]:
    """Drop headers, footers and page numbers: lines at a page's edge repeated on most pages.

    Where ``removed`` is given, each dropped line is added to it as (page index, text).
    """
    pages = [[l for l in page if l.text] for page in pages]
    with_text = [p for p in pages if p]
    if not with_text:
        return pages
    edges = [p[:_EDGE] + p[-_EDGE:] if len(p) > 2 * _EDGE else p for p in pages]
    repeated = Counter(k for edge in edges for k in {_key(l.text) for l in edge})
    # Running heads with the page number ("Chapter 2: Findings 4"): the number
    # minus the page's index is the same on most pages.
    offsets = Counter()
    for i, edge in enumerate(edges):
        offsets.update({n - i for n in (_edge_number(l.text) for l in edge) if n is not None})
    most = len(with_text) / 2
    sizes = [l.size for p in pages for l in p if l.size]
    body = statistics.median(sizes) if sizes else None

    def furniture(line: Line, index: int) -> bool:
        if _PAGE_NUMBER.match(line.text):
            return True
        if len(with_text) < 2 or (body and line.size and line.size > 1.1 * body):
            return False  # a heading, however often its words recur
        if repeated[_key(line.text)] > most and repeated[_key(line.text)] >= 2:
            return True
        n = _edge_number(line.text)
        return n is not None and offsets[n - index] > most and offsets[n - index] >= 2

    out = []
    for i, page in enumerate(pages):
        top, bottom = 0, len(page)
        while top < min(_EDGE, bottom) and furniture(page[top], i):
            top += 1
        while bottom > max(top, len(page) - _EDGE) and furniture(page[bottom - 1], i):
            bottom -= 1
        out.append(page[top:bottom])
        if removed is not None:
            removed.extend((i, l.text) for l in page[:top] + page[bottom:])
    return out


_WORD_END = re.compile(r"([\w-]*\w)[-\u2010\u00ad]$")
_WORD_START = re.compile(r"^\w+")
# Prefixes written with a hyphen ("pre-admission", "multi-agency"), not words of their own.
_PREFIXES = frozenset("ante anti co counter cross ex extra inter intra mid multi non over part post pre pro re "
                      "self semi sub super trans ultra under".split())


@dataclass(frozen=True)
class _Words:
    """The document's own words, to tell a typesetter's hyphen from a compound's."""

    words: frozenset[str]  # words inside lines, not the fragments at a hyphenated break
    compounds: frozenset[str]  # hyphenated words inside lines

    @classmethod
    def of(cls, lines: list[str]) -> "_Words":
        words, compounds = set(), set()
        for k, line in enumerate(lines):
            tokens = re.findall(r"\w+(?:-\w+)*", line.lower())
            if k and _HYPHENATED.search(lines[k - 1]) and tokens:
                tokens = tokens[1:]  # the second half of a broken word
            if _HYPHENATED.search(line) and tokens:
                tokens = tokens[:-1]  # the first half
            for t in tokens:
                (compounds if "-" in t else words).add(t)
        return cls(frozenset(words), frozenset(compounds))

    def keeps_hyphen(self, head: str, tail: str) -> bool:
        head, tail = head.lower(), tail.lower()
        if head + tail in self.words:
            return False  # the document writes it as one word elsewhere
        if f"{head}-{tail}" in self.compounds or "-" in head:
            return True  # a compound, written with its hyphen elsewhere; "long-term-" + "plan"
        return tail in self.words and (head in self.words or head in _PREFIXES)


def _join(left: str, right: str, words: _Words | None = None) -> str:
    """Two pieces of one paragraph; a word hyphenated across the break is mended.

    A hyphen at a line's end is the typesetter's ("inspec-" + "tion" →
    "inspection") unless the document's own words say it is a compound's:
    "multi-" + "agency" where both halves are words it uses ("child-friendly")
    or it writes "multi-agency" elsewhere.
    """
    if _HYPHENATED.search(left) and right[:1].islower():
        head, tail = _WORD_END.search(left), _WORD_START.match(right)
        if left[-1] != "\u00ad" and words is not None and head and tail and words.keeps_hyphen(
                head.group(1), tail.group(0)):
            return left[:-1] + "-" + right
        return left[:-1] + right
    return left.rstrip("\u00ad") + " " + right


def assemble(pages: list[list[Line]], removed: list[tuple[int, str]] | None = None) -> tuple[str, tuple[int, ...]]:
    """Lines per page → (text, offset where each page's text starts).

    Where ``removed`` is given, the page furniture dropped is added to it as
    (page index, text); :func:`read_pdf` places it at its page's start.
    """
    pages = [[Line(_clean(l.text), l.x, l.y, l.size) for l in page] for page in pages]
    pages = strip_furniture(pages, removed)
    lengths = sorted(len(l.text) for page in pages for l in page)
    # A line that reaches the right margin was wrapped; a short one ends its paragraph.
    full = 0.75 * lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    gaps = [a.y - b.y for page in pages for a, b in zip(page, page[1:])
            if a.y is not None and b.y is not None and a.size and b.size
            and abs(a.size - b.size) < 0.5 and 0 < a.y - b.y < 3 * a.size]
    pitch = statistics.median(gaps) if gaps else None
    sizes = [l.size for page in pages for l in page if l.size]
    body = statistics.median(sizes) if sizes else 0.0
    words = _Words.of([l.text for page in pages for l in page])

    def new_paragraph(a: Line, b: Line) -> bool:
        if len(a.text) < full or "\t" in a.text or "\t" in b.text:
            return True  # a short line ends its paragraph; a table's rows stay lines of their own
        if _STARTS_ITEM.match(b.text) and not (
                _NUMBER_START.match(b.text) and not _SENTENCE_END.search(a.text) and same_size(a, b)):
            return True  # a bullet or numbered paragraph; but "24.5 per cent" wrapped to a line's start is not
        if pitch is not None and None not in (a.y, b.y):
            gap = a.y - b.y
            if gap < -1 or gap > pitch * 1.15 + 1:  # a new column, or space between paragraphs
                return True
            if a.size and b.size and abs(a.size - b.size) > 0.15 * max(a.size, b.size):
                return True
            if (b.x is not None and a.x is not None and b.x > a.x + (b.size or 10) * 0.5
                    and _SENTENCE_END.search(a.text)):
                return True  # a first-line indent
        return False

    def same_size(a: Line, b: Line) -> bool:
        return not (a.size and b.size and abs(a.size - b.size) > 0.15 * max(a.size, b.size))

    def continues(a: Line, b: Line) -> bool:
        """Does the first line of a page carry on the last paragraph of the page before?"""
        if "\t" in a.text + b.text or a.text.endswith(":"):
            return False
        if _STARTS_ITEM.match(b.text) and not (_NUMBER_START.match(b.text) and not _SENTENCE_END.search(a.text)):
            return False
        if a.size and b.size and (abs(a.size - b.size) > 0.15 * max(a.size, b.size)
                                  or max(a.size, b.size) > 1.1 * body):
            return False  # a heading is a paragraph of its own
        if b.text[:1].islower() and not _SENTENCE_END.search(a.text):
            return True
        if len(a.text) < full:
            return False  # a short line ended its paragraph
        if _SENTENCE_END.search(a.text):
            # A full line may end a sentence and the paragraph go on; a heading on the new page does not.
            return len(b.text) >= full or bool(_SENTENCE_END.search(b.text))
        # a full line that stops mid-sentence: after a word or a comma, not a number
        return a.text[-1].isalpha() or a.text[-1] in ",-\u2013\u00ad("

    parts: list[str] = []  # paragraphs; the last one may still grow
    starts: list[int | None] = []
    length = 0  # len("\n\n".join(parts))
    previous: Line | None = None
    for page in pages:
        if not page:
            starts.append(None)  # an empty page starts where the next one does
        for k, line in enumerate(page):
            if previous is not None and (continues(previous, line) if k == 0 else not new_paragraph(previous, line)):
                joined = _join(parts[-1], line.text, words)
                length += len(joined) - len(parts[-1])
                parts[-1] = joined
                at = length - len(line.text)  # _join keeps the right-hand piece whole at the end
            else:
                length += 2 if parts else 0
                at = length
                parts.append(line.text)
                length += len(line.text)
            if k == 0:
                starts.append(at)
            previous = line
    text = "\n\n".join(parts)
    following = len(text)
    for k in range(len(starts) - 1, -1, -1):
        if starts[k] is None:
            starts[k] = following
        following = starts[k]
    return (text + "\n" if text else ""), tuple(starts)


def _readable(text: str) -> bool:
    """Text, not the glyph codes of fonts that lack a Unicode map."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return False
    letters = sum(c.isalpha() for c in visible)
    odd = sum(c == "\ufffd" or "\ue000" <= c <= "\uf8ff" for c in visible)
    return letters / len(visible) >= 0.5 and odd / len(visible) < 0.05


def read_pdf(data: bytes) -> Extracted:
    """The text layer of a PDF, with the offset where each page starts."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise FormatError("corrupt", "not a PDF file (no %PDF header)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise FormatError("encrypted", "password-protected PDF; save a copy without the password")
            count = len(reader.pages)
        except FormatError:
            raise
        except (DependencyError, FileNotDecryptedError) as exc:
            raise FormatError("encrypted", f"encrypted PDF that cannot be opened ({exc})") from None
        except Exception as exc:  # pypdf raises many kinds on damaged files
            raise FormatError("corrupt", f"damaged PDF ({type(exc).__name__}: {exc})") from None
        pages = []
        for i in range(count):
            try:
                pages.append(_lines_of(reader.pages[i]))
            except Exception as exc:
                raise FormatError("corrupt", f"cannot read the text of page {i + 1} "
                                  f"({type(exc).__name__}: {exc})") from None
    if not count:
        raise FormatError("corrupt", "damaged PDF (no pages)")
    if not any(l.text.strip() for page in pages for l in page):
        raise FormatError("no text layer", f"no text layer on its {count} page{'s' * (count != 1)} "
                          "(a scan?); run OCR on it first")
    furniture: list[tuple[int, str]] = []
    text, starts = assemble(pages, furniture)
    if not _readable(text):
        raise FormatError("no text layer", "its text layer is not readable text (fonts without a Unicode map?); "
                          "run OCR on it first")
    removed = tuple(Removed(starts[i] if i < len(starts) else len(text), "page-furniture", t) for i, t in furniture)
    return Extracted(text, "pdf", starts, removed)
