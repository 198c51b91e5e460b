"""Stage 1, read: a file (txt, md, html, docx, pdf) → its text, with page offsets.

Takes paths; gives :class:`Text`, or raises :class:`ReadError` naming the file and a manifest status.
"""

from .document import Extracted, FormatError, Removed
from .reader import DEFAULT_MAX_BYTES, STATUSES, SUPPORTED_SUFFIXES, ReadError, Text, read

__all__ = ["read", "Text", "ReadError", "Extracted", "FormatError", "Removed", "SUPPORTED_SUFFIXES", "DEFAULT_MAX_BYTES",
           "STATUSES"]
