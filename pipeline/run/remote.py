"""Inputs given as URLs (``s3://``, ``gs://``, ``file://`` ...): listed, hashed and read through fsspec.

A URL is read by whoever tags it (on a Dask cluster, the worker), into
memory and then through the same readers as a local file, so a report reads
the same from a bucket as from disk.  fsspec and the file system's own
package (``s3fs``, ``gcsfs``) come with the ``dask`` extra or are installed
beside it; without them a URL input gets the status ``unreadable`` with a
message that says what to install.  Local paths pass straight through to
:func:`pipeline.read.read`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import replace
from pathlib import PurePosixPath

from ..read.reader import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, ReadError, Text, read

__all__ = ["is_url", "expand_url", "fingerprint", "read_any"]

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+://")


def is_url(path: str) -> bool:
    """True for ``scheme://...`` (a Windows drive letter, ``C:\\``, is not a scheme)."""
    return bool(_URL.match(str(path)))


def _fs(url: str):
    try:
        import fsspec
    except ImportError:
        raise ReadError(url, "unreadable", "reading URLs needs fsspec (pip install 'esq[dask]')") from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # no package for the protocol (s3fs, gcsfs), or an unknown one
        raise ReadError(url, "unreadable", f"no file system for this URL ({exc})") from None


def _url(fs, path: str) -> str:
    return fs.unstrip_protocol(path)


def _wanted(path: str) -> bool:
    name = PurePosixPath(path).name
    return PurePosixPath(path).suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith((".", "~$"))


def expand_url(url: str) -> list[str]:
    """A URL's inputs, as :func:`pipeline.run.batch.expand_inputs` expands local paths: a folder
    (prefix) recursively, a glob its matches, anything else itself (a URL that matches nothing stays,
    so it is listed as missing)."""
    try:
        fs, path = _fs(url)
        if any(ch in path for ch in "*?["):
            found = sorted(p for p in fs.glob(path) if not fs.isdir(p))
        elif fs.isdir(path):
            found = sorted(p for p in fs.find(path) if _wanted(p))
        else:
            return [url]
    except (ReadError, OSError):
        return [url]
    return [_url(fs, p) for p in found] or [url]


def _open(url: str, max_bytes: int) -> bytes:
    """The bytes at ``url``: ReadError (missing, unreadable, too large) naming the URL where they cannot
    be had."""
    fs, path = _fs(url)
    try:
        if not fs.exists(path):
            raise ReadError(url, "missing", "no such file")
        if fs.isdir(path):
            raise ReadError(url, "unsupported", "is a folder that holds no file esq reads")
        size = fs.size(path)
        if size is not None and size > max_bytes:
            raise ReadError(url, "too large", f"{size} bytes is over the limit of {max_bytes} (--max-bytes)")
        with fs.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise ReadError(url, "unreadable", "permission denied") from None
    except OSError as exc:
        raise ReadError(url, "unreadable", exc.strerror or str(exc)) from None
    if len(data) > max_bytes:
        raise ReadError(url, "too large", f"over the limit of {max_bytes} bytes (--max-bytes)")
    return data


def _fingerprint(path: str, max_bytes: int) -> tuple[int | None, str | None]:
    """(size, sha256) streamed from disk; no hash for a file over the limit or one that cannot be read."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes or not os.path.isfile(path):
            return size, None
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return size, h.hexdigest()
    except OSError:
        return None, None


def fingerprint(path: str, max_bytes: int) -> tuple[int | None, str | None]:
    """(size, sha256) of a URL's bytes, (size, None) over the limit, (None, None) where it cannot be read."""
    if not is_url(path):
        return _fingerprint(path, max_bytes)
    try:
        data = _open(path, max_bytes)
    except ReadError as exc:
        return (None, None) if exc.status != "too large" else (max_bytes + 1, None)
    return len(data), hashlib.sha256(data).hexdigest()


def read_any(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Text:
    """:func:`pipeline.read.read` for a local path; for a URL, its bytes read through the same reader for
    its suffix, with ``source`` and every message naming the URL."""
    if not is_url(path):
        return read(path, max_bytes=max_bytes)
    data = _open(path, max_bytes)
    suffix = PurePosixPath(path.split("?")[0]).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(path, "unsupported", f"unsupported file type {suffix or '(none)'!r}; "
                        f"esq reads {', '.join(SUPPORTED_SUFFIXES)}")
    # The readers take a file: a private temporary copy, gone when read.
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix="esq-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            text = read(tmp, max_bytes=max_bytes)
        except ReadError as exc:
            raise ReadError(path, exc.status, str(exc).split(": ", 1)[-1]) from None
    finally:
        os.unlink(tmp)
    return replace(text, source=path)
