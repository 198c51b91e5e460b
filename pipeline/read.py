"""Files → :class:`Text`: decoding and the first line of defence against bad input.

Offsets everywhere in esq point into ``Text.text``: the decoded file with a
BOM removed and line endings normalised to ``\\n``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Text", "ReadError", "read", "SUPPORTED_SUFFIXES", "DEFAULT_MAX_BYTES"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text")
DEFAULT_MAX_BYTES = 20_000_000


class ReadError(Exception):
    """An input that cannot be read; ``status`` is a short machine code."""

    def __init__(self, path: str | Path, status: str, message: str):
        self.path = str(path)
        self.status = status
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class Text:
    """What a reader got from one file."""

    text: str
    source: str
    sha256: str
    encoding: str


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Reports saved from Word on Windows are cp1252; its 5 undefined bytes
    # make the decode fail on data that is not text at all.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ReadError(path, "undecodable", f"not UTF-8 or cp1252 text (byte {exc.start})") from None


def read(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Text:
    """Read a plain-text or Markdown report.

    Raises :class:`ReadError` with a status of ``missing``, ``unreadable``,
    ``unsupported``, ``too large``, ``empty``, ``binary`` or ``undecodable``.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "missing", "no such file")
    if path.is_dir():
        raise ReadError(path, "unsupported", "is a folder, not a file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ReadError(path, "unsupported", f"unsupported file type {path.suffix or '(none)'!r}; "
                        f"esq reads {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(path, "too large", f"{size} bytes is over the limit of {max_bytes}")
        data = path.read_bytes()
    except PermissionError:
        raise ReadError(path, "unreadable", "permission denied") from None
    except OSError as exc:
        raise ReadError(path, "unreadable", exc.strerror or str(exc)) from None
    if not data.strip():
        raise ReadError(path, "empty", "file is empty")
    if b"\x00" in data[:8192]:
        raise ReadError(path, "binary", "looks like a binary file, not text")
    text, encoding = _decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Text(text=text, source=str(path), sha256=hashlib.sha256(data).hexdigest(), encoding=encoding)
