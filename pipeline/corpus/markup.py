"""The corpus drafting format: a report written with inline label markers.

Writers draft a corpus report as the text a user would have, with markers
that carry the labels.  :func:`parse_markup` strips the markers and returns
the clean text plus the labelled spans located by character offsets into
that clean text, which is what ``corpus/`` stores.

Format
------
Lines starting with ``%%`` at the top are header fields (``%% kind: joint``).
In the body:

* ``[[o:N]]`` / ``[[o:general]]`` at the start of a paragraph's text (after
  any number such as ``4.3`` or bullet) marks a finding paragraph with
  outcome N; ``[[r:N]]`` marks a recommendation bullet.
* Every sentence of a marked paragraph starts with ``[[s]]`` (strength),
  ``[[i]]`` (improvement) or ``[[n]]`` (neutral).
* A paragraph ends at the end of its line block (a blank line), or at the
  end of the line for bullets (lines starting with ``-``, ``*`` or ``•``).
* Unmarked text (front matter, headings, boilerplate) is not labelled.

This module has no dependencies so it also runs as a script::

    python pipeline/markup.py corpus/drafts/*.md
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field

__all__ = ["MarkupError", "MarkedSpan", "MarkedParagraph", "MarkedReport", "parse_markup"]

SENTIMENT_CODES = {"s": "strength", "i": "improvement", "n": "neutral"}
REPORT_KINDS = ("joint", "provider", "narrative")
_OUTCOMES = {str(n) for n in range(1, 29)} | {"general"}

_MARKER = re.compile(r"\[\[([^\]]*)\]\]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


class MarkupError(ValueError):
    """A problem in a draft, naming the line it is on."""


@dataclass
class MarkedSpan:
    start: int
    end: int
    sentiment: str


@dataclass
class MarkedParagraph:
    kind: str  # "finding" | "recommendation"
    outcome: int | str
    start: int
    end: int
    line: int
    sentences: list[MarkedSpan] = field(default_factory=list)


@dataclass
class MarkedReport:
    header: dict[str, str]
    text: str
    paragraphs: list[MarkedParagraph]


def _outcome(value: str, line: int) -> int | str:
    value = value.strip().lower()
    if value not in _OUTCOMES:
        raise MarkupError(f"line {line}: unknown outcome {value!r} (use 1-28 or general)")
    return value if value == "general" else int(value)


def parse_markup(source: str) -> MarkedReport:
    """Parse a draft into clean text and labelled spans.

    Raises :class:`MarkupError` naming the line of the first problem.
    """
    source = source.replace("\r\n", "\n").lstrip("\ufeff")
    lines = source.split("\n")
    header: dict[str, str] = {}
    body_start = 0
    for i, line in enumerate(lines):
        if line.startswith("%%"):
            key, _, value = line[2:].partition(":")
            header[key.strip().lower()] = value.strip()
            body_start = i + 1
        elif line.strip() == "" and not header:
            continue
        else:
            break
    if header.get("kind") not in REPORT_KINDS:
        raise MarkupError(f"line 1: header '%% kind:' must be one of {', '.join(REPORT_KINDS)}")
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1

    out: list[str] = []
    pos = 0
    paragraphs: list[MarkedParagraph] = []
    current: MarkedParagraph | None = None

    def close() -> None:
        nonlocal current
        if current is None:
            return
        if not current.sentences:
            raise MarkupError(f"line {current.line}: paragraph has no sentence markers [[s]]/[[i]]/[[n]]")
        text_so_far = "".join(out)
        end = len(text_so_far.rstrip())
        current.end = end
        for k, span in enumerate(current.sentences):
            nxt = current.sentences[k + 1].start if k + 1 < len(current.sentences) else end
            span.end = len(text_so_far[:nxt].rstrip())
            if span.end <= span.start:
                raise MarkupError(f"line {current.line}: empty sentence after a marker")
        paragraphs.append(current)
        current = None

    for lineno, line in enumerate(lines[body_start:], start=body_start + 1):
        is_bullet = bool(_BULLET.match(line))
        if not line.strip() or (is_bullet and current is not None):
            close()
        last = 0
        for m in _MARKER.finditer(line):
            chunk = line[last:m.start()]
            out.append(chunk)
            pos += len(chunk)
            code = m.group(1).strip()
            if code.startswith(("o:", "r:")):
                if current is not None:
                    raise MarkupError(f"line {lineno}: a paragraph marker inside another paragraph (missing blank line?)")
                kind = "finding" if code[0] == "o" else "recommendation"
                current = MarkedParagraph(kind, _outcome(code[2:], lineno), pos, -1, lineno)
            elif code in SENTIMENT_CODES:
                if current is None:
                    raise MarkupError(f"line {lineno}: sentence marker [[{code}]] outside a marked paragraph")
                if chunk.strip() and current.sentences == [] and current.start != pos:
                    raise MarkupError(f"line {lineno}: text between the paragraph marker and the first sentence marker")
                current.sentences.append(MarkedSpan(pos, -1, SENTIMENT_CODES[code]))
            else:
                raise MarkupError(f"line {lineno}: unknown marker [[{code}]]")
            last = m.end()
        chunk = line[last:] + "\n"
        if current is not None and current.sentences == [] and chunk.strip():
            raise MarkupError(f"line {lineno}: paragraph text without a sentence marker")
        out.append(chunk)
        pos += len(chunk)
        if "[[" in line[last:] or "]]" in line[last:]:
            raise MarkupError(f"line {lineno}: malformed marker")
        if is_bullet and current is not None:
            close()  # a bullet is one paragraph: it ends with its line
    close()
    text = "".join(out).rstrip() + "\n"
    if not paragraphs:
        raise MarkupError("line 1: no marked paragraphs")
    return MarkedReport(header, text, paragraphs)


def _stats(report: MarkedReport) -> dict:
    sentiments: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for p in report.paragraphs:
        outcomes[str(p.outcome)] = outcomes.get(str(p.outcome), 0) + 1
        for s in p.sentences:
            sentiments[s.sentiment] = sentiments.get(s.sentiment, 0) + 1
    return {
        "kind": report.header.get("kind"),
        "paragraphs": len(report.paragraphs),
        "sentences": sum(sentiments.values()),
        "sentiment": sentiments,
        "outcomes": dict(sorted(outcomes.items(), key=lambda kv: (kv[0] != "general", kv[0].zfill(2)))),
    }


def main(argv: list[str]) -> int:
    status = 0
    for path in argv:
        try:
            with open(path, encoding="utf-8") as fh:
                report = parse_markup(fh.read())
        except (OSError, UnicodeDecodeError, MarkupError) as exc:
            print(f"{path}: {exc}")
            status = 1
            continue
        print(f"{path}: {json.dumps(_stats(report))}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
