"""One reader per file format: the bytes of a file → :class:`Extracted` text.

Readers know formats, not files: :func:`pipeline.read.read` checks the file,
picks the reader by suffix and names the file in any error.  Each reader
returns text whose paragraphs are separated by blank lines (what the
segmenter expects) and raises :class:`FormatError` with a short status for
input it cannot turn into text.

* plain text and Markdown: UTF-8 (with or without BOM), UTF-16 with a BOM, cp1252;
* HTML: the page's text with script and style dropped; navigation, site
  headers and footers, breadcrumbs, cookie notices and forms removed (and
  listed in ``Extracted.removed`` with the reason); block elements become
  paragraphs, list items "- " bullets, table rows tab-separated lines;
* DOCX: the body's paragraphs and tables in order (headers and footers are
  page furniture: left out, and listed in ``Extracted.removed``); list
  paragraphs become "- " bullets;
* PDF: the text layer, see :mod:`pipeline.pdf`.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser

from .document import Extracted, FormatError, Removed

__all__ = ["READERS", "read_plain", "read_html", "read_docx"]

# An unpacked DOCX past this is a zip bomb, not a report.
MAX_UNPACKED_BYTES = 500_000_000


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes → (text, encoding): a BOM wins, then UTF-8, then a declared charset, then cp1252."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise FormatError("undecodable", f"not valid {codec} text (byte {exc.start})") from None
    if _looks_binary(data):
        raise FormatError("binary", "looks like a binary file, not text")
    # Bytes that decode as UTF-8 are UTF-8 whatever a page declares: pages saved from a browser
    # keep their old <meta charset> but are often rewritten as UTF-8.
    candidates = ["utf-8", "cp1252"]
    if declared:
        try:
            candidates.insert(1, codecs.lookup(declared).name)
        except LookupError:
            pass  # an unknown charset label: fall back to the usual guesses
    for codec in dict.fromkeys(candidates):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            last = exc
    # cp1252 leaves 5 bytes undefined, so data that is not text at all fails here.
    raise FormatError("undecodable", f"not UTF-8 or cp1252 text (byte {last.start})")


def read_plain(data: bytes) -> Extracted:
    """Plain text or Markdown."""
    text, encoding = _decode(data)
    return Extracted(text, encoding)


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)

# Elements whose content is not text at all: code, embedded media.
_SKIP = {"head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas"}
# Elements that hold a web page's chrome, not the report: removed, with the reason.
_CHROME_TAGS = {"nav": "navigation", "form": "navigation", "button": "navigation", "select": "navigation",
                "textarea": "navigation", "dialog": "navigation", "menu": "navigation"}
_CHROME_ROLES = {"navigation": "navigation", "search": "navigation", "menu": "navigation", "menubar": "navigation",
                 "banner": "page-furniture", "contentinfo": "page-furniture", "complementary": "navigation"}
_CHROME_CLASS = [(re.compile(r"cookie|consent|gdpr", re.I), "boilerplate:web"),
                 (re.compile(r"breadcrumb|(?:^|[-_ ])nav(?:bar|igation)?(?:$|[-_ ])|menu|skip-?link|share|social"
                             r"|print-?(?:link|page)|sidebar|pagination|related", re.I), "navigation"),
                 (re.compile(r"(?:^|[-_ ])(?:site-?)?(?:header|footer|masthead|banner)(?:$|[-_ ])", re.I),
                  "page-furniture")]
_CONTENT = {"article", "main"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "div", "dl",
          "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
          "html", "legend", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "ul"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


def _chrome(tag: str, attrs, in_content: bool) -> str | None:
    """Why an element is a web page's chrome (navigation, site header or footer, cookie notice), or None."""
    if tag in _CHROME_TAGS:
        return _CHROME_TAGS[tag]
    attrs = dict(attrs)
    role = (attrs.get("role") or "").lower()
    if role in _CHROME_ROLES:
        return _CHROME_ROLES[role]
    if tag in ("header", "footer") and not in_content:
        return "page-furniture"  # an article's own header holds its title
    if tag == "aside" and not in_content:
        return "navigation"
    names = " ".join(filter(None, (attrs.get("class"), attrs.get("id"))))
    if names:
        for pattern, reason in _CHROME_CLASS:
            if pattern.search(names) and not (reason == "page-furniture" and in_content):
                return reason
    return None


class _HTMLText(HTMLParser):
    """Collects a page's text: paragraphs separated by blank lines; chrome set aside in ``removed``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.length = 0  # len("".join(self.out))
        self.skipping: list[str] = []  # open elements whose content is dropped
        self.chrome: list[tuple[str, str]] = []  # open chrome elements: (tag, reason)
        self.chrome_text: list[str] = []
        self.removed: list[tuple[int, str, str]] = []  # (offset in the raw output, reason, text)
        self.content = 0  # open <article>/<main> elements
        self.pending = 0  # newlines owed before the next text: 1 a line break, 2 a new paragraph
        self.space = False  # a space is owed before the next text on this line
        self.prefix = ""  # "- " for a list item, "\t" between table cells
        self.pre = 0
        self.cell = 0  # inside a table cell, block elements are spaces: a row stays one line

    def _break(self, n: int) -> None:
        if self.chrome:
            self.chrome_text.append("\n")
        elif self.cell:
            self.space = True
        else:
            self.pending = max(self.pending, n)

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.skipping.clear()  # a <head> left open ends here
        if self.skipping or tag in _SKIP:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        if tag in _CONTENT:
            self.content += 1
        reason = None if self.chrome else _chrome(tag, attrs, self.content > 0)
        if reason is not None and tag not in _VOID:
            self.chrome.append((tag, reason))
            self.chrome_text = []
            return
        if self.chrome:
            if tag in _BLOCK or tag in ("li", "br", "tr", "td", "th"):
                self._break(1)
            return
        if tag == "li":
            self._break(1)
            if not self.cell:
                self.prefix = "- "
        elif tag == "tr":
            self.pending = max(self.pending, 1)
            self.prefix = ""
        elif tag in ("td", "th"):
            if self.out and self.pending == 0 and not self.cell:
                self.prefix = "\t"
            self.cell += 1
        elif tag == "br":
            self._break(1)
        elif tag in _BLOCK:
            self._break(2)
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag, attrs):
        if not self.skipping and tag not in _SKIP:
            self.handle_starttag(tag, attrs)
            if tag not in _VOID:
                self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skipping:
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
            return
        if tag in _CONTENT:
            self.content = max(0, self.content - 1)
        if self.chrome:
            if any(t == tag for t, _ in self.chrome):
                while self.chrome:
                    t, reason = self.chrome.pop()
                    if t == tag:
                        break
                if not self.chrome:
                    self._end_chrome(reason)
            return
        if tag in ("td", "th"):
            self.cell = max(0, self.cell - 1)
        elif tag == "tr":
            self.pending = max(self.pending, 1)
        elif tag == "li":
            self._break(1)
        elif tag in _BLOCK:
            self._break(2)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def _end_chrome(self, reason: str) -> None:
        text = "\n".join(" ".join(line.split()) for line in "".join(self.chrome_text).split("\n"))
        text = "\n".join(line for line in text.split("\n") if line)
        if text:
            self.removed.append((self.length, reason, text))
        self.chrome_text = []
        self.pending = max(self.pending, 2)

    def close(self):
        super().close()
        if self.chrome:
            reason = self.chrome[0][1]
            self.chrome.clear()
            self._end_chrome(reason)

    def handle_data(self, data):
        if self.skipping:
            return
        if self.chrome:
            self.chrome_text.append(data)
            return
        if self.pre:
            lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for k, line in enumerate(lines):
                if k:
                    self._break(1)
                self._emit(line.rstrip())  # leading spaces are the layout of preformatted text
            return
        if data[:1].isspace():
            self.space = True
        words = data.split()
        if words:
            self._emit(" ".join(words))
            self.space = data[-1:].isspace()

    def _append(self, piece: str) -> None:
        self.out.append(piece)
        self.length += len(piece)

    def _emit(self, text: str) -> None:
        if not text.strip():
            return
        if self.out:
            if self.pending:
                self._append("\n" * self.pending)
            elif self.space and self.prefix != "\t":
                self._append(" ")
        if self.prefix:
            self._append(self.prefix)
        self._append(text)
        self.pending, self.space, self.prefix = 0, False, ""


def _tidy_lines(raw: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Trailing spaces off every line; ``offsets`` into ``raw`` moved with the text."""
    lines, kept, shift = [], [], []  # shift: (raw offset where a cut starts, characters cut so far after it)
    pos = cut = 0
    for line in raw.replace("\r", "\n").split("\n"):
        stripped = line.rstrip()
        lines.append(stripped)
        if len(stripped) < len(line):
            cut += len(line) - len(stripped)
            shift.append((pos + len(stripped), cut))
        pos += len(line) + 1
    out = "\n".join(lines)
    for offset in offsets:
        before = 0
        for at, total in shift:
            if at < offset:
                before = total
        kept.append(offset - before)
    return out, kept


def read_html(data: bytes) -> Extracted:
    """An HTML page's text: script and style dropped, chrome removed (with reasons); blocks become paragraphs."""
    declared = _META_CHARSET.search(data[:4096])
    html, encoding = _decode(data, declared.group(1).decode("ascii", "replace") if declared else None)
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it still rejects is damage
        raise FormatError("corrupt", f"cannot parse HTML ({type(exc).__name__}: {exc})") from None
    text, offsets = _tidy_lines("".join(parser.out), [r[0] for r in parser.removed])
    removed = tuple(Removed(min(o, len(text)), reason, t) for o, (_, reason, t) in zip(offsets, parser.removed))
    return Extracted(text + "\n" if text else "", encoding, removed=removed)


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _docx_text(doc) -> str:
    from docx.table import Table

    blocks: list[str] = []
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            rows = []
            for row in item.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    rows.append("\t".join(cells))
            if rows:
                blocks.append("\n".join(rows))
            continue
        text = "\n".join(" ".join(line.split()) for line in item.text.split("\n")).strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        ppr = item._p.pPr
        listed = style.lower().startswith("list") or (ppr is not None and ppr.numPr is not None)
        if listed and not style.lower().startswith(("heading", "title")):
            text = "- " + text
        blocks.append(text)
    return "\n\n".join(blocks)


def read_docx(data: bytes) -> Extracted:
    """A Word document's body: paragraphs and tables in order."""
    if data.startswith(_OLE):
        if _ENCRYPTED_PACKAGE in data:
            raise FormatError("encrypted", "password-protected Word document; save a copy without the password")
        raise FormatError("unsupported", "a Word 97-2003 (.doc) file, not .docx; save it as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED_BYTES:
                raise FormatError("too large", f"unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    except zipfile.BadZipFile:
        raise FormatError("corrupt", "not a valid .docx file (not a zip archive)") from None
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        text = _docx_text(document)
    except Exception as exc:  # python-docx and lxml raise many kinds on damaged files
        raise FormatError("corrupt", f"damaged .docx file ({type(exc).__name__}: {exc})") from None
    text = text + "\n" if text else ""
    return Extracted(text, "docx", removed=_docx_furniture(document, len(text)))


def _docx_furniture(document, end: int) -> tuple[Removed, ...]:
    """The document's headers (at its start) and footers (at its end): page furniture, each text once."""
    found: dict[str, int] = {}
    try:
        for section in document.sections:
            for name in ("header", "first_page_header", "even_page_header",
                         "footer", "first_page_footer", "even_page_footer"):
                part = getattr(section, name)
                if part.is_linked_to_previous:
                    continue
                lines = [" ".join(p.text.split()) for p in part.paragraphs]
                for table in part.tables:
                    lines.extend(" ".join(c.text.split()) for row in table.rows for c in row.cells)
                piece = "\n".join(l for l in lines if l)
                if piece:
                    found.setdefault(piece, 0 if "header" in name else end)
    except Exception:  # a damaged header is no reason to lose the body's text
        return ()
    return tuple(Removed(offset, "page-furniture", piece) for piece, offset in found.items())


def _read_pdf(data: bytes) -> Extracted:
    from .pdf import read_pdf  # pypdf is imported only when a PDF is met
    return read_pdf(data)


READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": read_plain, ".text": read_plain, ".md": read_plain, ".markdown": read_plain,
    ".html": read_html, ".htm": read_html, ".xhtml": read_html,
    ".docx": read_docx,
    ".pdf": _read_pdf,
}
