""":class:`~pipeline.read.Text` → :class:`Report`: front matter, headings, paragraphs, recommendations.

The segmenter decides which parts of a report are findings.  Two layouts
are recognised:

* numbered reports (the joint inspection format): only numbered paragraphs
  ("4.3 ...") and recommendation bullets are findings; unnumbered prose such
  as "Context" or the letter-style introduction is front matter;
* unnumbered reports (provider reports, reviews, committee papers, a single
  paragraph): every prose paragraph and bullet outside the front matter is a
  finding.

Headings that name an outcome ("6. Outcome 7 Safeguarding", "Outcome 09:
Management of medicines", "1. General – leadership") give the paragraphs
under them a ``heading_outcome``.  Every span is a (start, end) offset pair
into ``Text.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..read.reader import Text
from ..standards import outcome_from_heading

__all__ = ["Paragraph", "Report", "segment", "report_id"]

GRADES = ("outstanding", "good", "adequate", "inadequate", "requires improvement")

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,3})+)\.?\s+(?=\S)")
_TOP_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?=\S)")
_BULLET = re.compile(r"^\s*(?:[-*•▪◦‣·]|\(?[a-z]\)|\(?[ivx]{1,4}\)|\d{1,2}[.)])\s+(?=\S)")
_TIMESCALE = re.compile(r"^\s*\**\s*(immediately|within\s+(?:\d+|one|two|three|four|six|nine|twelve)\s+(?:weeks?|months?|days?)"
                        r"|by\s+\w+\s+\d{4}|longer term|ongoing)\b", re.IGNORECASE)
_REC_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(recommendations?|areas? for (?:improvement|development)|action we have told"
                          r"|compliance actions?|improvement actions?|enforcement action|what (?:the provider|they) (?:needs|need) to do"
                          r"|actions? required|requirements?)\b", re.IGNORECASE)
_STOP_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(next steps|about cqc|glossary|how to contact|contact us|appendix"
                           r"|annex|distribution|information for the reader|copyright)\b", re.IGNORECASE)
_FRONT_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(the inspection process|context|contents|about this (?:report|inspection)"
                            r"|purpose of (?:this )?(?:report|paper)|background|distribution|introduction)\b", re.IGNORECASE)
# Sub-headings inside an outcome section: they do not end the section.
_SUB_HEADING = re.compile(r"^\s*(our judge?ment|reasons for our judge?ment|judge?ment|our findings|findings|evidence"
                          r"|what we found|what people told us|why we (?:are|were) concerned|overall)\b", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^[A-Z][\w '()/&,-]{1,60}:\s*\S")
_OUTCOME_LINE = re.compile(r"^(?:\d+\.\s*)?outcome\s+0?\d{1,2}\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"'’”)*]*\s*$")


@dataclass
class Paragraph:
    """One finding or recommendation, located by offsets into ``Report.text``."""

    ordinal: int
    number: str | None
    kind: str  # "finding" | "recommendation"
    heading: str | None
    heading_outcome: int | str | None
    timescale: str | None
    start: int
    end: int
    text: str
    page: int | None = None

    @property
    def label(self) -> str | int:
        """The paragraph's number where the report gives one, else its ordinal."""
        return self.number if self.number is not None else self.ordinal


@dataclass
class Report:
    id: str
    source: str
    text: str
    sha256: str
    meta: dict = field(default_factory=dict)
    paragraphs: list[Paragraph] = field(default_factory=list)


def report_id(source: str, sha256: str) -> str:
    """A stable id: the file's stem plus the start of its content hash."""
    return f"{Path(source).stem}-{sha256[:8]}"


@dataclass
class _Block:
    start: int
    end: int
    lines: list[tuple[int, str]]  # (offset, line) pairs

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def _blocks(text: str):
    """Runs of non-blank lines; a bullet or numbered paragraph starts a new run."""
    current: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        starts_item = bool(_BULLET.match(line) or _NUMBERED.match(line))
        if not line.strip() or (starts_item and current):
            if current:
                yield _Block(current[0][0], current[-1][0] + len(current[-1][1]), current)
            current = []
        if line.strip():
            current.append((pos, line))
        pos += len(line) + 1
    if current:
        yield _Block(current[0][0], current[-1][0] + len(current[-1][1]), current)


def _is_heading(block: _Block) -> bool:
    if len(block.lines) != 1:
        return False
    line = block.lines[0][1].strip().strip("*#_ ").strip()
    if _OUTCOME_LINE.match(line) and len(line) < 300 and not line.endswith("."):
        return True  # provider reports spell out the outcome as a long heading
    if not line or "\t" in line or len(line) > 120 or len(line.split()) > 14:
        return False
    if _NUMBERED.match(line):
        return False
    if line[-1] in ".;,:?!" and not re.match(r"^\d+\.$", line):
        return False
    if _BULLET.match(block.lines[0][1]) and not _TOP_NUMBERED.match(line):
        return False
    return line[0].isupper() or line[0].isdigit()


def _is_table(block: _Block) -> bool:
    lines = [l for _, l in block.lines]
    if any("\t" in l or "|" in l or re.search(r"\S {3,}\S", l) for l in lines):
        return True
    if all(_KEY_VALUE.match(l) and len(l) < 120 for l in lines):
        # "Date of inspection: 3 May 2012" is a field; "This standard was met: staff..." is a sentence.
        return len(lines) > 1 or not _SENTENCE_END.search(lines[0])
    # An address or a letterhead: several short lines, none of them a sentence.
    return len(lines) > 1 and all(len(l) < 80 and not _SENTENCE_END.search(l) for l in lines)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# Provider reports open with a paragraph or two about the regulator before the
# provider's letterhead: front matter is looked for among the first few blocks.
_FRONT_WINDOW = 3
_AUTHORITY_FIELDS = re.compile(r"^(?:local authority|authority|council|area|location|name of (?:provider|service|location)"
                               r"|(?:registered )?provider|service)$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b")
_PLACE_SUFFIX = re.compile(r"^([A-Z][\w'’ -]+?)\s+(?:Council|County Council|Borough Council|City Council|Metropolitan "
                           r"Borough Council|Local Safeguarding Children Board|Safeguarding Children Board|Primary Care Trust|NHS Trust|Clinical "
                           r"Commissioning Group)\b", re.IGNORECASE)


def _authority(fields: dict, lines: list[str], title: str, blocks: list[_Block]) -> str | None:
    """The area or provider a report is about, from the front matter, best evidence first."""
    for key, value in fields.items():
        if _AUTHORITY_FIELDS.match(key) and len(value) < 100:
            return _tidy(value)
    for key, value in fields.items():
        # "Location address: Rowan Court, 7 Quarry Hill Lane, …" names the location first.
        name = value.split(",")[0].strip()
        if re.match(r"^(?:location )?address$", key, re.IGNORECASE) and name and not name[0].isdigit():
            return _tidy(name)
    # "… Services in Dudley", "Review of … in Thornleigh": the place after the last "in"/"for".
    m = re.search(r".*(?:\b(?:in|for)|:)\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)\s*$", title)
    if m:
        return _tidy(m.group(1))
    # "Westmarch: Joint targeted review …"
    m = re.match(r"^([A-Z][\w'’ -]{2,40}):\s+\S", title)
    if m and len(m.group(1).split()) <= 4:
        return _tidy(m.group(1))
    # A provider's letterhead: the first line of an address block with a postcode.
    for b in blocks:
        block_lines = [l.strip() for _, l in b.lines]
        if (len(block_lines) > 1 and any(_POSTCODE.search(l) for l in block_lines[1:])
                and not re.search(r"[:\t]", block_lines[0])):
            return _tidy(block_lines[0])
    for line in lines:
        m = _PLACE_SUFFIX.match(line)
        if m:
            return _tidy(m.group(1))
    return None


def _tidy(name: str) -> str:
    """Names as a reader writes them: "CRESSINGTON" → "Cressington"."""
    name = " ".join(name.split())
    return name.title() if name.isupper() else name


_LETTERHEAD = re.compile(r"^(?:care quality commission|inspection report|we are the regulator\b.*|cqc|ofsted)$",
                         re.IGNORECASE)


def _title(text: str) -> str | None:
    """The report's title: its first line that is not a regulator's letterhead."""
    for line in text.split("\n"):
        line = line.strip().strip("#* ").strip()
        if line and not _LETTERHEAD.match(line):
            return line
    return None


def _front_matter(blocks: list[_Block], title: str | None) -> dict:
    meta: dict = {"fields": {}, "grades": {}}
    for b in blocks:
        for _, line in b.lines:
            if "\t" in line:
                key, _, value = (part.strip() for part in line.partition("\t"))
                key = key.rstrip(":").strip()
            elif _KEY_VALUE.match(line) and len(line) < 160:
                key, _, value = (part.strip() for part in line.partition(":"))
            else:
                continue
            value = value.strip("\t |")
            if not key or not value:
                continue
            if value.lower().strip(" *") in GRADES:
                meta["grades"][key] = value.strip(" *")
            else:
                meta["fields"].setdefault(key, value)
    lines = [line.strip().strip("#* ") for b in blocks for _, line in b.lines if line.strip()]
    if title:
        meta["title"] = title
    fields = meta["fields"]
    meta["authority"] = _authority(fields, lines, title or "", blocks)
    for key, value in fields.items():
        if "date" in key.lower():
            meta.setdefault("dates", {})[key] = value
        if "provider" in key.lower():
            meta.setdefault("providers", []).append(value)
    return meta


def segment(text: Text) -> Report:
    """Split a report into its front matter and finding paragraphs."""
    src = text.text
    blocks = list(_blocks(src))
    numbered = sum(1 for b in blocks if _NUMBERED.match(b.lines[0][1])) >= 3

    paragraphs: list[Paragraph] = []
    section_heading: str | None = None
    section_outcome: int | str | None = None
    last_heading: str | None = None
    in_recs = stopped = front = False
    timescale: str | None = None
    front_blocks: list[_Block] = []

    for block in blocks:
        first = block.lines[0][1]
        if _is_heading(block) or (_TIMESCALE.match(first) and len(block.lines) == 1 and len(first) < 80):
            line = first.strip().strip("*#_ ").strip()
            if _TIMESCALE.match(line) and in_recs:
                timescale = line
                continue
            if _SUB_HEADING.match(line) and section_outcome is not None:
                continue
            outcome = outcome_from_heading(line)
            last_heading = line
            if len(paragraphs) < _FRONT_WINDOW:
                front_blocks.append(block)
            if outcome is not None:
                section_heading, section_outcome = line, outcome
                in_recs = stopped = front = False
            elif _REC_HEADING.match(line):
                section_heading, section_outcome = line, None
                in_recs, stopped, front, timescale = True, False, False, None
            elif _STOP_HEADING.match(line):
                stopped, in_recs = True, False
            elif _FRONT_HEADING.match(line):
                front, in_recs = True, False
                section_heading = section_outcome = None
            else:
                # Any other heading starts a new section, so recommendations placed early
                # in a report ("Areas for improvement" before the findings) end with it.
                section_heading, section_outcome = line, None
                in_recs = stopped = front = False
            continue
        if stopped:
            continue
        if _is_table(block):
            if len(paragraphs) < _FRONT_WINDOW:
                front_blocks.append(block)
            continue
        if _TIMESCALE.match(first) and in_recs:
            # A timescale written as the opening of a sentence ("Within 3 months the trust should...")
            timescale = _TIMESCALE.match(first).group(1).strip()

        number = None
        start, end = block.start, block.end
        bullet = _BULLET.match(first)
        m = _NUMBERED.match(first)
        if m:
            number = m.group(1)
            start = block.start + m.end()
        elif bullet:
            start = block.start + bullet.end()
        start, end = _trim(src, start, end)
        body = src[start:end]
        if not body:
            continue
        is_bullet = bool(bullet) and not m
        if numbered and not m and not (in_recs and is_bullet):
            # Numbered reports keep their findings in numbered paragraphs; the rest is front matter.
            if len(paragraphs) < _FRONT_WINDOW:
                front_blocks.append(block)
            continue
        if not numbered:
            if front and not is_bullet:
                if len(paragraphs) < _FRONT_WINDOW:
                    front_blocks.append(block)
                continue
            # A lone short line that is neither heading nor sentence is a label, not a finding.
            if len(body.split()) < 4 and not _SENTENCE_END.search(body):
                continue
        if body.rstrip("* ").endswith(":") and len(body) < 300:
            continue  # a list's introduction, e.g. "Ensure that the PCT takes action to:"
        kind = "recommendation" if in_recs else "finding"
        paragraphs.append(Paragraph(
            ordinal=len(paragraphs) + 1,
            number=number,
            kind=kind,
            heading=section_heading if section_heading is not None else (None if in_recs else last_heading),
            heading_outcome=section_outcome if not in_recs else None,
            timescale=timescale if in_recs else None,
            start=start,
            end=end,
            text=body,
            page=text.page_at(start),
        ))
    return Report(
        id=report_id(text.source, text.sha256),
        source=text.source,
        text=src,
        sha256=text.sha256,
        meta=_front_matter(front_blocks, _title(src)),
        paragraphs=paragraphs,
    )
