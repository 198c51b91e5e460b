"""Files → :class:`Text`: the one entry point for every format, and the first line of defence against bad input.

Offsets everywhere in esq point into ``Text.text``: the text extracted from
the file (for plain text and Markdown, the decoded file with a BOM removed),
with line endings normalised to ``\\n``.  Formats with pages (PDF) also give
the offset where each page starts, so any offset maps back to its page.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .document import Removed
from .formats import READERS, FormatError

__all__ = ["Text", "ReadError", "read", "SUPPORTED_SUFFIXES", "DEFAULT_MAX_BYTES", "STATUSES"]

SUPPORTED_SUFFIXES = tuple(READERS)
DEFAULT_MAX_BYTES = 20_000_000
# Every status a ReadError may carry (the manifest adds "ok", "no paragraphs" and "error").
STATUSES = ("missing", "unreadable", "unsupported", "too large", "empty", "binary", "undecodable",
            "corrupt", "encrypted", "no text layer")


class ReadError(Exception):
    """An input that cannot be read; ``status`` is a short machine code, the message one line naming the file."""

    def __init__(self, path: str | Path, status: str, message: str):
        self.path = str(path)
        self.status = status
        super().__init__(f"{path}: {' '.join(str(message).split())}")


@dataclass(frozen=True)
class Text:
    """What a reader got from one file.

    ``pages`` holds the offset where each page's text starts (page 1 first),
    empty for formats without pages; :meth:`page_at` maps an offset to its page.
    ``removed`` lists what the reader left out of ``text`` (page furniture,
    a web page's navigation), each with the offset it stood at and why.
    """

    text: str
    source: str
    sha256: str
    encoding: str
    pages: tuple[int, ...] = ()
    removed: tuple[Removed, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page whose text holds ``offset``, or None where the format has no pages."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))


def read(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Text:
    """Read a report: plain text, Markdown, HTML, DOCX, or a PDF's text layer.

    Raises :class:`ReadError` with a status of ``missing``, ``unreadable``,
    ``unsupported``, ``too large``, ``empty``, ``binary``, ``undecodable``,
    ``corrupt``, ``encrypted`` or ``no text layer``; its message is one line
    that names the file.
    """
    path = Path(path)
    try:
        if not path.exists():
            raise ReadError(path, "missing", "no such file")
        if path.is_dir():
            raise ReadError(path, "unsupported", "is a folder that holds no file esq reads"
                            f" ({', '.join(SUPPORTED_SUFFIXES)})")
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise ReadError(path, "unsupported", f"unsupported file type {path.suffix or '(none)'!r}; "
                            f"esq reads {', '.join(SUPPORTED_SUFFIXES)}")
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(path, "too large", f"{size} bytes is over the limit of {max_bytes} (--max-bytes)")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise ReadError(path, "unreadable", "permission denied") from None
    except OSError as exc:
        raise ReadError(path, "unreadable", exc.strerror or str(exc)) from None
    if len(data) > max_bytes:  # it grew after stat
        raise ReadError(path, "too large", f"over the limit of {max_bytes} bytes (--max-bytes)")
    if not data.strip():
        raise ReadError(path, "empty", "file is empty")
    try:
        extracted = reader(data)
    except FormatError as exc:
        raise ReadError(path, exc.status, str(exc)) from None
    text = extracted.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ReadError(path, "empty", "holds no text")
    removed = extracted.removed
    if len(text) != len(extracted.text):  # CRLF became LF: move what was removed with the text
        removed = tuple(Removed(len(_lf(extracted.text[:r.offset])), r.reason, r.text) for r in removed)
    return Text(text=text, source=str(path), sha256=hashlib.sha256(data).hexdigest(),
                encoding=extracted.encoding, pages=extracted.pages, removed=removed)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
