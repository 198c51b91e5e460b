"""What a reader gives: extracted text, and the error a reader raises for bytes it cannot read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Extracted", "FormatError"]


class FormatError(Exception):
    """Bytes a reader cannot turn into text; ``status`` is the manifest's short code."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Extracted:
    """What a reader got: the text, how it was decoded, and page start offsets (empty without pages)."""

    text: str
    encoding: str
    pages: tuple[int, ...] = ()
