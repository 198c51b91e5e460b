"""Line accounting: where each non-blank line of a report went, and the share of its text in each place.

Every non-blank line of the text a reader extracted ends up in exactly one
place: a finding, a recommendation, the front matter, or left out with a
reason.  :func:`placements` says where each line went; :func:`coverage`
sums the non-blank characters per place, adding what the reader removed
before the text existed (page furniture, a web page's chrome).  An input
whose left-out share is above :data:`WARN_LEFT_OUT` is flagged by
:func:`warning`: a layout esq does not read, or a report that is mostly
not findings, never passes silently.
"""

from __future__ import annotations

from .layout import ZERO_WIDTH, lines as layout_lines
from .segmenter import Report

__all__ = ["placements", "coverage", "warning", "WARN_LEFT_OUT", "WARN_MIN_CHARS"]

#: A left-out share above this gets a warning.  On the 95 corpus reports the
#: share runs from 0.7% to 35%: joint and narrative reports leave out at most
#: 5% (headings, back matter); provider reports, whose template repeats an
#: expectation statement, a verdict and sub-headings for every outcome and
#: ends with the actions required and pages of back matter, leave out a
#: median 14%, 95th percentile 28%, most 35%.  A report read wrongly (a
#: layout not recognised, findings taken for a table) leaves out most of
#: its text: half is well above every report read right and well below those.
WARN_LEFT_OUT = 0.5
#: Below this many characters a share says little: no warning.
WARN_MIN_CHARS = 400


def _chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace() and ch not in ZERO_WIDTH)


def placements(report: Report) -> list[tuple[int, int, str | None]]:
    """(start, end, place) for every non-blank line of ``report.text``, in order.

    ``place`` is ``"finding"``, ``"recommendation"``, ``"front_matter"`` or
    the reason it was left out; None where no span covers the line (which
    the segmenter never allows).
    """
    spans = [(p.start, p.end, p.kind) for p in report.paragraphs]
    spans += [(f.start, f.end, "front_matter") for f in report.front_matter]
    spans += [(s.start, s.end, s.reason) for s in report.skipped if s.end > s.start]
    spans.sort()
    out = []
    k = 0
    for line in layout_lines(report.text):
        while k < len(spans) and spans[k][1] <= line.start:
            k += 1
        place = None
        j = k
        while j < len(spans) and spans[j][0] < line.end:
            if spans[j][1] > line.start:
                place = spans[j][2] if place is None else place
            j += 1
        out.append((line.start, line.end, place))
    return out


def coverage(report: Report) -> dict:
    """Non-blank characters in findings, recommendations, front matter and left out by reason.

    ``{"chars", "findings", "recommendations", "front_matter", "left_out": {reason: chars}}``;
    ``chars`` is their sum: the text's non-blank characters plus those a reader removed.
    """
    result = {"chars": 0, "findings": 0, "recommendations": 0, "front_matter": 0, "left_out": {}}
    for start, end, place in placements(report):
        n = _chars(report.text[start:end])
        result["chars"] += n
        if place in ("finding", "recommendation"):
            result[place + "s"] += n
        elif place == "front_matter":
            result["front_matter"] += n
        else:
            reason = place or "unaccounted"
            result["left_out"][reason] = result["left_out"].get(reason, 0) + n
    for s in report.skipped:
        if s.end == s.start and s.text:
            n = _chars(s.text)
            result["chars"] += n
            result["left_out"][s.reason] = result["left_out"].get(s.reason, 0) + n
    result["left_out"] = dict(sorted(result["left_out"].items(), key=lambda kv: -kv[1]))
    return result


def warning(cov: dict) -> str | None:
    """One line when an unusually high share of an input was left out, else None."""
    total = cov.get("chars") or 0
    left = sum(cov.get("left_out", {}).values())
    if total < WARN_MIN_CHARS or left / total <= WARN_LEFT_OUT:
        return None
    top = ", ".join(f"{reason} {n / total:.0%}" for reason, n in list(cov["left_out"].items())[:3])
    return (f"{left / total:.0%} of the text was left out ({top}); findings are {cov['findings'] / total:.0%}: "
            f"is this a layout esq does not read? see skipped.jsonl")
