"""What a reader gives: extracted text, and the error a reader raises for bytes it cannot read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Extracted", "FormatError", "Removed"]


class FormatError(Exception):
    """Bytes a reader cannot turn into text; ``status`` is the manifest's short code."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class Removed:
    """Text a reader left out of the text it gives, and why: ``offset`` is where in that text it stood.

    ``reason`` is ``"page-furniture"`` (running headers and footers, page
    numbers), ``"navigation"`` (a web page's menus, breadcrumbs, forms) or
    ``"boilerplate:web"`` (a cookie notice), as in
    :data:`pipeline.segment.boilerplate.REASONS`.
    """

    offset: int
    reason: str
    text: str


@dataclass(frozen=True)
class Extracted:
    """What a reader got: the text, how it was decoded, page start offsets (empty without pages),
    and what it removed (page furniture, web page chrome)."""

    text: str
    encoding: str
    pages: tuple[int, ...] = ()
    removed: tuple[Removed, ...] = ()
