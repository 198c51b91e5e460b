"""Progress of a batch on stderr: a bar with counts and ETA on a terminal, one plain line per input elsewhere."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable

__all__ = ["Progress"]


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Report each finished input of a batch.

    On a terminal (``stream.isatty()``) one line is redrawn in place: done
    and total, a bar, ok and failed counts, inputs per second and the time
    left; a failed input is printed above it.  Elsewhere (a log file, CI)
    each input gets one line: ``[k/N] path: status - message``.
    """

    def __init__(self, stream=None, bar: bool | None = None, write: Callable[[str], None] | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.bar = bar if bar is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self._write = write
        self.total = self.done = self.ok = self.failed = 0
        self._t0 = time.monotonic()
        self._drawn = 0.0

    def line(self, message: str) -> None:
        """Print one line (above the bar, where there is one)."""
        if self._write is not None:
            self._write(message)
            return
        if self.bar:
            self.stream.write("\r\x1b[K")
        self.stream.write(message + "\n")
        self.stream.flush()

    def start(self, total: int, already_done: int = 0) -> None:
        """``total`` inputs to process now; ``already_done`` were skipped as done by an earlier run."""
        self.total, self._t0 = total, time.monotonic()
        if already_done:
            self.line(f"{already_done} inputs already done; {total} to tag")
        self._draw(force=True)

    def update(self, entry: dict) -> None:
        """One input finished; ``entry`` is its manifest line."""
        self.done += 1
        if entry["status"] == "ok":
            self.ok += 1
        else:
            self.failed += 1
        if not self.bar:
            detail = f" ({entry['message']})" if entry["status"] == "ok" else f" - {entry['message']}"
            self.line(f"[{self.done}/{self.total}] {entry['path']}: {entry['status']}{detail}")
            return
        if entry["status"] != "ok":
            self.line(f"{entry['status']}: {entry['message']}")
        self._draw(force=self.done == self.total)

    def _draw(self, force: bool = False) -> None:
        if not self.bar or not self.total:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return  # a terminal need not be redrawn faster than the eye reads
        self._drawn = now
        elapsed = now - self._t0
        rate = self.done / elapsed if elapsed > 0 and self.done else 0.0
        eta = f"ETA {_clock((self.total - self.done) / rate)}" if rate else "ETA -:--"
        if self.done == self.total:
            eta = f"in {_clock(elapsed)}"
        counts = f" {self.done}/{self.total} "
        tail = f" {100 * self.done // self.total:3d}%  ok {self.ok}  failed {self.failed}  {rate:.1f}/s  {eta}"
        width = max(10, min(40, shutil.get_terminal_size((80, 20)).columns - len(counts) - len(tail) - 3))
        filled = width * self.done // self.total
        self.stream.write(f"\r\x1b[K{counts}[{'#' * filled}{'.' * (width - filled)}]{tail}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.bar and self.total:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
