"""A report's text → its lines and paragraphs, whatever the layout it arrived in.

Reports reach esq laid out in many ways: paragraphs separated by blank
lines or one paragraph per line, hard-wrapped lines, tabs or runs of
spaces inside sentences (text copied out of a PDF viewer), non-breaking
and zero-width spaces, tables as tab- or space-separated columns.  This
module reads all of them the same way, so the segmenter decides on what a
line says, not on how it was typed:

* :func:`lines` gives every non-blank line with its offsets into the text
  and its *normal form*: zero-width characters dropped, every run of
  whitespace (tabs and non-breaking spaces included) one space;
* a line is a *table row* only by its shape: cells separated by a tab, a
  run of spaces or a pipe, none of the separators inside a sentence (a
  separator followed by a lower-case word, after a word like "the", or
  between two sentences is a sentence's whitespace, not a column);
* :func:`paragraphs` joins the lines of a hard-wrapped paragraph; in any
  other layout each line is a paragraph of its own;
* :func:`tables` marks runs of rows that make a table: two or more rows
  of short cells, or a single row of short cells that is not a sentence.

Offsets always point into the text as given; only decisions use the normal form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Line", "Unit", "lines", "paragraphs", "tables", "normalise", "ZERO_WIDTH"]

#: Characters that take no space: dropped from the normal form, and never part of a span's edge.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZW = set(ZERO_WIDTH)
# what the normal form changes: whitespace other than one plain space, invisible characters
_IRREGULAR = re.compile("[^\\S ]|  |[" + ZERO_WIDTH + "]")


def _blank(ch: str) -> bool:
    return ch.isspace() or ch in _ZW


def normalise(text: str) -> str:
    """``text`` as a reader sees it: zero-width characters dropped, each run of whitespace one space."""
    return " ".join("".join(ch for ch in text if ch not in _ZW).split())


# A cell separator: a tab, a run of two or more spaces of any kind, or a pipe between spaces.
_SEPARATOR = re.compile(r"[^\S\n]*\t[^\S\n]*|[^\S\t\n]{2,}|[^\S\n]+\|[^\S\n]+")
# Words a cell rarely ends with but a sentence often breaks after.
_FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for with and or but from that which who whom whose was were is are be been "
    "being had has have as their its our we they not no into onto than this these those there it he she his "
    "her them so if when where while".split())
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*$")
_MARKER_ONLY = re.compile(r"^\s*(?:[-*•▪◦‣·●■–]|\(?[a-z]\)|\(?[ivx]{1,4}\)|\d{1,3}(?:\.\d{1,3})*[.)]?)\s*$")
_OUTCOME_HEADING = re.compile(r"^(?:\d+\.?\s*)?(?:outcome\s*\d|general\b)", re.IGNORECASE)
_MD_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


@dataclass
class Line:
    """One non-blank line: ``text[start:end]`` without the whitespace around it, and its normal form."""

    start: int
    end: int
    norm: str
    index: list[int] = field(repr=False)  # offset in the text of each character of ``norm``
    blank_before: bool = False
    cells: tuple[str, ...] | None = None  # the line's cells where it reads as a table row

    def offset(self, k: int) -> int:
        """The text offset of position ``k`` of the normal form (``len(norm)`` → the line's end)."""
        return self.index[k] if k < len(self.index) else self.end


def _normal_form(src: str, start: int, end: int) -> tuple[str, list[int]]:
    plain = src[start:end]
    if not _IRREGULAR.search(plain) and plain[:1] != " " and plain[-1:] != " ":
        return plain, list(range(start, end))  # most lines: already their normal form
    out: list[str] = []
    index: list[int] = []
    space = False
    for k in range(start, end):
        ch = src[k]
        if ch in _ZW:
            continue
        if ch.isspace():
            space = bool(out)
            continue
        if space:
            out.append(" ")
            index.append(k - 1)
            space = False
        out.append(ch)
        index.append(k)
    return "".join(out), index


def _in_sentence(left: str, right: str) -> bool:
    """Is the whitespace between ``left`` and ``right`` a sentence's, not a column break?"""
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return False
    words = left.split()
    last = words[-1].lower().strip("\"'’“”(")
    if right[0].islower() and (left[-1].isalnum() or left[-1] in ",;)’'\"”"):
        return True
    if last in _FUNCTION_WORDS:
        return True
    # Two sentences with extra space between them ("...were kind.   Staff said..."), or a sentence run on.
    return bool(_SENTENCE_END.search(left)) and len(words) >= 3 and not left.endswith(":")


def _cells(raw: str) -> tuple[str, ...] | None:
    """The cells of a line that reads as a table row, else None."""
    if _MD_RULE.match(raw.strip()):
        return ("",)  # a Markdown table's rule line: part of the table around it
    stripped = raw.strip("".join(_ZW) + " \t\u00a0")
    if stripped.startswith("|") or stripped.endswith("|"):
        stripped = stripped.strip("|")
        parts = [p for p in re.split(r"\|", stripped)]
        if len(parts) >= 2:
            return tuple(normalise(p) for p in parts)
    pieces: list[str] = []
    pos = 0
    for m in _SEPARATOR.finditer(raw):
        left = raw[pos:m.start()]
        if not left.strip() or _MARKER_ONLY.match(left) or _in_sentence(left, raw[m.end():]):
            continue  # indentation, the space after a paragraph's number or bullet, or inside a sentence
        pieces.append(left)
        pos = m.end()
    if not pieces:
        return None
    pieces.append(raw[pos:])
    return tuple(normalise(p) for p in pieces)


def lines(src: str) -> list[Line]:
    """Every non-blank line of ``src`` (``\\n``-separated; a stray ``\\r`` counts as whitespace)."""
    out: list[Line] = []
    pos = 0
    blank = False
    for raw in src.split("\n"):
        a, b = pos, pos + len(raw)
        pos = b + 1
        while a < b and _blank(src[a]):
            a += 1
        while b > a and _blank(src[b - 1]):
            b -= 1
        if a == b:
            blank = True
            continue
        norm, index = _normal_form(src, a, b)
        if not norm:
            blank = True
            continue
        out.append(Line(a, b, norm, index, blank_before=blank or not out, cells=_cells(src[a:b])))
        blank = False
    return out


@dataclass
class Unit:
    """A paragraph: one line, or the lines of a hard-wrapped paragraph."""

    lines: list[Line]
    table: bool = False

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].end

    @property
    def norm(self) -> str:
        return " ".join(l.norm for l in self.lines)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def blank_before(self) -> bool:
        return self.lines[0].blank_before

    def offset(self, k: int) -> int:
        """The text offset of position ``k`` of the first line's normal form."""
        return self.lines[0].offset(k)


_ITEM = re.compile(r"^(?:[-*•▪◦‣·●■–]\s|\(?[a-z]\)\s|\(?[ivx]{1,4}\)\s|\d{1,3}(?:\.\d{1,3})*[.)]?\s)")
# Lines longer than this were not wrapped by a text editor or e-mail program.
_MAX_WRAP = 100
# A wrapped line stops short of the width by less than a long word.
_WORD = 15
_BULLET_MARK = re.compile(r"^[-*•▪◦‣·●■–]\s")


def _wrap_width(ls: list[Line]) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None where lines are paragraphs."""
    prose = [len(l.norm) for l in ls if l.cells is None and len(l.norm.split()) >= 4]
    if len(prose) < 4:
        return None
    prose.sort()
    width = prose[int(0.9 * (len(prose) - 1))]
    if width > _MAX_WRAP:
        return None
    # Wrapped text: most prose lines run close to the width (short of it by less than a long word);
    # a list of short paragraphs does not.
    near = sum(1 for n in prose if n >= width - _WORD)
    return width if near >= 0.5 * len(prose) else None


def paragraphs(ls: list[Line]) -> list[Unit]:
    """Lines → paragraphs: a hard-wrapped paragraph's lines are joined; elsewhere each line stands alone."""
    width = _wrap_width(ls)
    units: list[Unit] = []
    for line in ls:
        if units and width and _continues(units[-1].lines[-1], line, width):
            units[-1].lines.append(line)
        else:
            units.append(Unit([line]))
    return units


def _continues(a: Line, b: Line, width: int) -> bool:
    if b.blank_before or a.cells is not None or b.cells is not None or _ITEM.match(b.norm):
        return False
    if len(a.norm) < width - _WORD:
        return False  # a short line ends its paragraph (or is a heading)
    return not _SENTENCE_END.search(a.norm) or b.norm[:1].islower()


def _clean_row(line: Line) -> bool:
    """A row of short cells that is neither a heading naming an outcome nor a list item's sentence."""
    cells = line.cells
    if len(cells) < 2 or not all(len(c.split()) <= 12 for c in cells) or _OUTCOME_HEADING.match(line.norm):
        return False
    if _BULLET_MARK.match(line.norm):
        return False  # a list item: "- care homes: 211 referrals (38%);"
    return not (_ITEM.match(line.norm) and _SENTENCE_END.search(line.norm))


def tables(units: list[Unit]) -> None:
    """Mark the units that are rows of a table (``Unit.table``).

    A table is a run of rows (blank lines between them do not matter: the
    same table may be typed either way) holding at least two rows of short
    cells, or a single row of short cells that does not end as a sentence
    ends ("Management of medicines<TAB>Action needed").  A heading that names
    an outcome ("Outcome 7<TAB>Safeguarding") is not a row.
    """
    run: list[Unit] = []

    def close():
        rows = [u for u in run if len(u.lines) == 1 and u.first.cells is not None]
        clean = [u for u in rows if _clean_row(u.first)]
        if len(clean) >= 2:
            # A table may hold one long cell ("Overview of the service<TAB>Marlpit House is ..."), but a row
            # whose first cell runs on, or that opens as a paragraph does, is a sentence with a stray tab in it.
            for u in rows:
                u.table = u in clean or (len(u.first.cells[0].split()) <= 8 and not _ITEM.match(u.first.norm))
        elif len(clean) == 1:
            cells = [c for c in clean[0].first.cells if c]
            # One row alone: a label and its value ("Management of medicines<TAB>Action needed"), or three
            # columns or more; two long halves are a sentence or a heading with a tab inside.
            clean[0].table = (not _SENTENCE_END.search(clean[0].first.norm)
                              and (len(cells) >= 3 or len(cells[-1].split()) <= 4 or cells[0].endswith(":")))
        run.clear()

    for u in units:
        if len(u.lines) == 1 and u.first.cells is not None:
            run.append(u)
        else:
            close()
    close()
