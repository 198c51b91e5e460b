""":class:`~pipeline.read.Text` → :class:`Report`: findings, recommendations, front matter, what was left out and why.

The segmenter decides which parts of a report are findings, and accounts
for every other line.  It reads the report's lines through
:mod:`pipeline.segment.layout`, so blank lines or none, tabs or runs of
spaces, non-breaking or zero-width spaces, and the file format make no
difference.  Three layouts of report are recognised:

* numbered reports (the joint inspection format): only numbered paragraphs
  ("4.3 ...") and recommendation bullets are findings; unnumbered prose
  such as "Context" or the letter-style introduction is front matter;
* the provider template of 2010-2014 (:mod:`pipeline.segment.verdicts`):
  front page, summary, one section per outcome (its expectation statement,
  "Our judgement", the reasons), the actions required and the back matter;
  the findings are the summary's "What people told us" paragraphs (under
  no outcome heading, so classified heading-blind), the judgements and the
  reasons; the regulator's verdicts are read into :attr:`Report.verdicts`;
* other unnumbered reports (reviews, committee papers, a single
  paragraph): every prose paragraph and bullet outside the front matter is
  a finding.

Headings that name an outcome ("6. Outcome 7 Safeguarding", "Outcome 09:
Management of medicines", "1. General – leadership") give the paragraphs
under them a ``heading_outcome``.  Every non-blank line ends up in exactly
one place: a :class:`Paragraph`, the front matter (:attr:`Report.front_matter`)
or a :class:`Skipped` span whose ``reason`` is one of
:data:`pipeline.segment.boilerplate.REASONS`.  Every span is a (start, end)
offset pair into ``Text.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..read.reader import Text
from ..standards import outcome_from_heading
from . import boilerplate as bp
from .layout import ZERO_WIDTH, Unit, normalise, paragraphs as layout_paragraphs, lines as layout_lines, tables as layout_tables
from .verdicts import (Verdict, action_outcomes, is_provider_template, judgement, outcome_from_title, section_action,
                       status)

__all__ = ["Paragraph", "Report", "Span", "Skipped", "Verdict", "segment", "report_id"]

GRADES = ("outstanding", "good", "adequate", "inadequate", "requires improvement")

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,3})+)\.?\s+(?=\S)")
_TOP_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?=\S)")
_BULLET = re.compile(r"^\s*(?:[-*•▪◦‣·]|\(?[a-z]\)|\(?[ivx]{1,4}\)|\d{1,2}[.)])\s+(?=\S)")
_TIMESCALE = re.compile(r"^\s*\**\s*(immediately|within\s+(?:\d+|one|two|three|four|six|nine|twelve)\s+(?:weeks?|months?|days?)"
                        r"|by\s+\w+\s+\d{4}|longer term|ongoing)\b", re.IGNORECASE)
_REC_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(recommendations?|areas? for (?:improvement|development)|action we have told"
                          r"|compliance actions?|improvement actions?|enforcement action|what (?:the provider|they) (?:needs|need) to do"
                          r"|actions? required|requirements?|what needs to improve|priorit(?:y|ies) (?:for|and)\b"
                          r"|action plan|actions? being taken|recommended actions?)\b", re.IGNORECASE)
_FRONT_HEADING = re.compile(r"^\s*(?:\d+[.)]?\s*)?(the inspection process|context|contents|about this (?:report|inspection)"
                            r"|purpose of (?:this )?(?:report|paper)|background|introduction)\b", re.IGNORECASE)
# Sub-headings inside an outcome section: they do not end the section.
_SUB_HEADING = re.compile(r"^\s*(our judge?ment|reasons for our judge?ment|judge?ment|our findings|findings|evidence"
                          r"|other evidence|what we found|what people told us|what people who use the service"
                          r"|why we (?:are|were) concerned|overall|what the outcome says)\b", re.IGNORECASE)
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
class Span:
    """A stretch of ``Report.text`` (start inclusive, end exclusive)."""

    start: int
    end: int


@dataclass
class Skipped:
    """Text left out of the findings, and why.

    ``reason`` is one of :data:`pipeline.segment.boilerplate.REASONS`;
    ``detail`` says more where the reason has more to say (the outcome of a
    verdict line or an expectation statement, the heading's outcome, a
    reader's ``removed`` flag).  Text a reader removed before the text
    existed (page furniture, a web page's navigation) has ``start == end``
    at the place it was removed from, and its words in ``text``.
    """

    start: int
    end: int
    reason: str
    detail: dict = field(default_factory=dict)
    text: str = ""


@dataclass
class Report:
    id: str
    source: str
    text: str
    sha256: str
    meta: dict = field(default_factory=dict)
    paragraphs: list[Paragraph] = field(default_factory=list)
    front_matter: list[Span] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)


def report_id(source: str, sha256: str) -> str:
    """A stable id: the file's stem plus the start of its content hash."""
    return f"{Path(source).stem}-{sha256[:8]}"


def _bare(norm: str) -> str:
    """A line without Markdown's heading marks and emphasis."""
    return re.sub(r"^#{1,6}\s+", "", norm).strip("*#_ ").strip()


def _heading_text(u: Unit) -> str | None:
    """The heading a paragraph is, or None where it is not one."""
    if len(u.lines) != 1 or u.table:
        return None
    line = _bare(u.norm)
    if not line:
        return None
    if _OUTCOME_LINE.match(line) and len(line) < 300 and not line.endswith("."):
        return line  # provider reports spell out the outcome as a long heading
    if len(line) > 120 or len(line.split()) > 14 or _NUMBERED.match(line):
        return None
    if _is_field(line) and not _NAMED_HEADING.match(line):
        return None  # "Date of publication: 7 March 2014" is a field of the front page
    if line.endswith("?") and len(line.split()) <= 10 and line[0].isupper() and re.match(r"^(?:what|how|why|who|where|when)\b", line, re.I):
        return line  # the provider template's back matter asks questions: "What is a review of compliance?"
    if line[-1] in ".;,:?!" and not re.match(r"^\d+\.$", line):
        return None
    if _BULLET.match(line) and not _TOP_NUMBERED.match(line):
        return None
    return line if (line[0].isupper() or line[0].isdigit()) else None


# Headings that may hold a colon: "Appendix 1: Inspection findings", "Outcome 09: Management of medicines".
_NAMED_HEADING = re.compile("|".join(p.pattern for p in (_REC_HEADING, _FRONT_HEADING, _SUB_HEADING, _OUTCOME_LINE)) + "|"
                            + "|".join("^(?:" + p.pattern + ")" for p in (bp.BACK_MATTER, bp.ACTION_SECTION,
                                                                           bp.PROVIDER_FRONT, bp.PROVIDER_BODY)),
                            re.IGNORECASE)


def _is_field(line: str) -> bool:
    """A field of the front page, "Key: Value", not a sentence nor a heading ("Finding 1: Sharing information",
    "Understanding need: assessment and screening")."""
    if not _KEY_VALUE.match(line) or len(line) >= 200 or _SENTENCE_END.search(line):
        return False
    key, _, value = line.partition(":")
    value = value.strip()
    return len(key.split()) <= 6 and not re.search(r"\d$", key) and bool(value) and not value[0].islower()


# Modes: where in the report a paragraph stands.
_FRONT, _FRONT_SECTION, _BODY, _RECS, _BACK, _ACTIONS, _EXPECT = (
    "front", "front-section", "body", "recs", "back", "actions", "expect")
_MODE_REASON = {_BACK: "boilerplate:back-matter", _ACTIONS: "boilerplate:action-plan",
                _EXPECT: "boilerplate:expectation"}


class _Segmenter:
    """One pass over a report's paragraphs, placing each one."""

    def __init__(self, text: Text, units: list[Unit]):
        self.text, self.src, self.units = text, text.text, units
        self.numbered = sum(1 for u in units if not u.table and _NUMBERED.match(u.norm)) >= 3
        self.provider = is_provider_template(u.norm for u in units if len(u.lines) == 1)
        self.paragraphs: list[Paragraph] = []
        self.front_units: list[Unit] = []
        self.front: list[Span] = []
        self.skipped: list[Skipped] = []
        self.verdicts: list[Verdict] = []
        self.mode = _FRONT
        self.section_heading: str | None = None
        self.section_outcome: int | str | None = None
        self.last_heading: str | None = None
        self.timescale: str | None = None
        # The provider template's outcome section: its expectation statement, status line and judgement.
        self.expect_pending = False
        self.in_judgement = False
        self.status: tuple | None = None  # (verdict, action, impact, unit)
        self.judgements: list[tuple[tuple, Unit]] = []
        self.action_kind: str | None = None
        self.hints: dict[int, str] = {}  # outcome → the action the report's action sections name for it
        self.i = 0  # the paragraph being placed
        self.last_placed = -1  # where the paragraph placed last ends: spans grow only over neighbours

    # -- placing -------------------------------------------------------------------------------------------
    def _front(self, u: Unit) -> None:
        self.front_units.append(u)
        if self.front and self._adjacent(self.front[-1].end, u.start):
            self.front[-1].end = u.end
        else:
            self.front.append(Span(u.start, u.end))

    def _skip(self, u: Unit, reason: str, **detail) -> None:
        last = self.skipped[-1] if self.skipped else None
        if last is not None and last.reason == reason and last.detail == detail and self._adjacent(last.end, u.start):
            last.end = u.end
            last.text = self.src[last.start:last.end]
            return
        self.skipped.append(Skipped(u.start, u.end, reason, detail, self.src[u.start:u.end]))

    def _adjacent(self, end: int, start: int) -> bool:
        """Nothing but whitespace between ``end`` and ``start``, and nothing placed elsewhere in between."""
        return self.last_placed == end and not self.src[end:start].strip()

    @property
    def seen(self) -> bool:
        return bool(self.paragraphs)

    # -- the pass ------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.mode = _FRONT
        for i, u in enumerate(self.units):
            self.i = i
            self._place(u)
            self.last_placed = u.end
        self._close_section()
        self._apply_hints()

    def _place(self, u: Unit) -> None:
        bare = _bare(u.norm)  # Markdown's "## " and emphasis off
        single = len(u.lines) == 1
        kind = bp.web_kind(bare) if single else None
        if kind:
            return self._skip(u, kind)
        if u.table and not (self.provider and single and bp.section_heading(bare)):
            return self._table(u)  # (a template's section heading with a tab inside is still a heading)
        if self.provider and single and status(bare) is not None:
            return self._status(u, status(bare))
        heading = _heading_text(u)
        timescale = single and bool(_TIMESCALE.match(bare)) and len(bare) < 80
        if heading is not None or timescale or (self.provider and single and bp.section_heading(bare)):
            return self._heading(u, heading or bare, timescale)
        return self._prose(u)

    def _table(self, u: Unit) -> None:
        cells = [c for c in u.first.cells if c]
        if self.provider and len(cells) >= 2:
            outcome, found = outcome_from_title(cells[0]), status(cells[-1])
            if outcome is not None and found is not None and self.mode in (_FRONT, _FRONT_SECTION, _BODY):
                verdict, action, impact = found
                self.verdicts.append(Verdict(outcome, verdict, action, impact, "summary-table", u.start, u.end,
                                             self.src[u.start:u.end]))
        if self.mode == _ACTIONS:
            self._hint(u)
        if self.mode in _MODE_REASON:
            return self._skip(u, _MODE_REASON[self.mode])
        if self.mode in (_FRONT, _FRONT_SECTION) or not self.seen:
            return self._front(u)
        self._skip(u, "table")

    def _status(self, u: Unit, found: tuple) -> None:
        if self.mode in _MODE_REASON and self.mode != _EXPECT:
            return self._skip(u, _MODE_REASON[self.mode])
        if self.section_outcome is not None and self.mode in (_BODY, _EXPECT):
            self.status = (*found, u)
            return self._skip(u, "verdict", outcome=self.section_outcome)
        if self.mode in (_FRONT, _FRONT_SECTION) or not self.seen:
            return self._front(u)
        self._skip(u, "label")

    def _heading(self, u: Unit, line: str, timescale: bool) -> None:
        line = normalise(line)
        if timescale and self.mode == _RECS:
            self.timescale = line
            return self._skip(u, "heading")
        long = len(line.split()) > 14
        if self.provider and bp.section_heading(line):
            self._close_section()
            self._enter(_BODY, line, None)
            return self._skip(u, "boilerplate:section-heading" if long else "heading")
        in_outcome = self.section_outcome is not None and self.mode in (_BODY, _EXPECT)
        if _SUB_HEADING.match(line) and in_outcome:
            return self._sub_heading(u, line)
        outcome = outcome_from_heading(line)
        if outcome is None and self.provider and (self.mode != _BACK or self._judgement_follows()):
            # An outcome's title alone is its heading; in back matter (a glossary may list the titles)
            # only where its judgement follows.
            outcome = outcome_from_title(line)
            if outcome is not None and in_outcome and outcome == self.section_outcome:
                return self._skip(u, "heading", outcome=outcome)  # "Outcome 04" then its title on the next line
        if self.provider and self.mode == _BACK and outcome is None and not (
                bp.ACTION_SECTION.match(line) or bp.PROVIDER_BODY.match(line)):
            return self._skip(u, "boilerplate:back-matter")
        self.last_heading = line
        if outcome is not None:
            self._close_section()
            self._enter(_BODY, line, outcome)
            self.expect_pending = self.provider and self._judgement_follows()
            return self._skip(u, "heading", outcome=outcome)
        if self.provider and bp.ACTION_SECTION.match(line):
            self._close_section()
            kind = section_action(line)
            self.action_kind = kind or self.action_kind or "compliance"
            self.mode = _ACTIONS
            return self._skip(u, "boilerplate:action-plan")
        if self.provider and self.mode == _ACTIONS and not (bp.BACK_MATTER.match(line) or bp.PROVIDER_BODY.match(line)
                                                            or bp.PROVIDER_FRONT.match(line)):
            return self._skip(u, "boilerplate:action-plan")  # "Regulated activity", "Personal care": the table's parts
        if not self.provider and _REC_HEADING.match(line):
            self._enter(_RECS, line, None)
            self.timescale = None
            return self._skip(u, "heading")
        if bp.BACK_MATTER.match(line):
            self._close_section()
            self.mode = _BACK
            return self._skip(u, "boilerplate:back-matter")
        if _FRONT_HEADING.match(line) or (self.provider and bp.PROVIDER_FRONT.match(line)):
            self._close_section()
            self.section_heading = self.section_outcome = None
            self.mode = _FRONT if self.mode == _FRONT and self.provider else _FRONT_SECTION
            return self._front(u)
        if self.provider:
            if bp.PROVIDER_BODY.match(line):
                self._close_section()
                self._enter(_BODY, line, None)
                return self._skip(u, "heading")
            if self.mode in (_FRONT, _FRONT_SECTION):
                return self._front(u)  # the letterhead's parts: the location's name, "Details about this location"
            if self.mode == _EXPECT:
                return self._skip(u, "boilerplate:expectation")
        elif not self.seen and self.mode == _FRONT:
            # A title or a label of the front page; the findings start with the first paragraph.
            self.section_heading, self.section_outcome = line, None
            return self._front(u)
        # Any other heading starts a new section, so recommendations placed early
        # in a report ("Areas for improvement" before the findings) end with it.
        self._close_section()
        self._enter(_BODY, line, None)
        return self._skip(u, "heading")

    def _judgement_follows(self) -> bool:
        """Does "Our judgement" or "What the outcome says" follow within the next few paragraphs?"""
        for u in self.units[self.i + 1:self.i + 6]:
            if re.match(r"^(?:our judge?ment|what the outcome says|what we found)\b", u.norm.strip("*#_ "), re.I):
                return True
        return False

    def _sub_heading(self, u: Unit, line: str) -> None:
        low = line.lower()
        if low.startswith("what the outcome says"):
            self.mode, self.in_judgement = _EXPECT, False
            return self._skip(u, "boilerplate:expectation", outcome=self.section_outcome)
        self.mode = _BODY
        self.expect_pending = False
        self.in_judgement = bool(re.match(r"(?:our )?judge?ment$", low))
        return self._skip(u, "heading", outcome=self.section_outcome)

    def _enter(self, mode: str, heading: str | None, outcome) -> None:
        self.mode = mode
        self.section_heading, self.section_outcome = heading, outcome
        self.expect_pending = self.in_judgement = False

    def _prose(self, u: Unit) -> None:
        norm = u.norm
        if self.mode == _ACTIONS:
            self._hint(u)
        if self.mode in _MODE_REASON:
            detail = {"outcome": self.section_outcome} if self.mode == _EXPECT else {}
            return self._skip(u, _MODE_REASON[self.mode], **detail)
        if self.provider:
            if bp.template_sentence(norm):
                return self._skip(u, "boilerplate:template")
            if self.mode in (_FRONT, _FRONT_SECTION):
                return self._front(u)
            if self.expect_pending and bp.expectation(norm):
                return self._skip(u, "boilerplate:expectation", outcome=self.section_outcome)
        number = None
        mark = re.match(r"#{1,6}\s+", norm)  # a Markdown heading mark before a paragraph
        lead = mark.end() if mark else 0
        first = norm[lead:]
        m = _NUMBERED.match(first)
        bullet = _BULLET.match(first)
        is_bullet = bool(bullet) and not m
        if not self.provider and self.mode == _FRONT_SECTION and not (self.numbered and m):
            return self._front(u)
        if not self.seen and not self.provider and (_is_field(norm) or (not self.numbered and not is_bullet and
                                                                        not _SENTENCE_END.search(norm))):
            return self._front(u)  # the front page's fields and titles; findings are sentences
        under_heading = (self.mode == _BODY and self.section_heading is not None and len(norm.split()) >= 8
                         and bool(_SENTENCE_END.search(norm)))
        if self.numbered and not m and not (is_bullet and self.seen and self.mode in (_RECS, _BODY)) \
                and not under_heading:
            # Numbered reports keep their findings in numbered paragraphs and the bullets among them;
            # the rest is front matter.
            if not self.seen:
                return self._front(u)
            if norm.rstrip("* ").endswith(":") and len(norm) < 300:
                return self._skip(u, "lead-in")
            return self._skip(u, "unnumbered")
        if self.mode == _RECS and _TIMESCALE.match(first):
            # A timescale written as the opening of a sentence ("Within 3 months the trust should...")
            self.timescale = _TIMESCALE.match(first).group(1).strip()
        if m:
            number = m.group(1)
            start = u.offset(lead + m.end())
        elif bullet:
            start = u.offset(lead + bullet.end())
        else:
            start = u.offset(lead)
        start, end = _trim(self.src, start, u.end)
        body = self.src[start:end]
        if not body.strip():
            return self._skip(u, "label")
        if not self.numbered:
            # A lone short line that is neither heading nor sentence is a label, not a finding.
            if len(norm.split()) < 4 and not _SENTENCE_END.search(norm):
                return self._front(u) if not self.seen and not self.provider else self._skip(u, "label")
        if norm.rstrip("* ").endswith(":") and len(norm) < 300:
            # A list's introduction, e.g. "Ensure that the PCT takes action to:"
            return self._front(u) if not self.seen and not self.provider else self._skip(u, "lead-in")
        in_recs = self.mode == _RECS
        if self.mode == _FRONT:
            self.mode = _BODY
        self.expect_pending = False
        self.paragraphs.append(Paragraph(
            ordinal=len(self.paragraphs) + 1,
            number=number,
            kind="recommendation" if in_recs else "finding",
            heading=self.section_heading if self.section_heading is not None else (None if in_recs else self.last_heading),
            heading_outcome=self.section_outcome if not in_recs else None,
            timescale=self.timescale if in_recs else None,
            start=start,
            end=end,
            text=body,
            page=self.text.page_at(start),
        ))
        if self.in_judgement and self.section_outcome is not None:
            self.judgements.append((judgement(norm), u))

    # -- verdicts ------------------------------------------------------------------------------------------
    def _close_section(self) -> None:
        """The verdict of the outcome section that ends here, from its status line and judgement."""
        outcome, st, judged = self.section_outcome, self.status, self.judgements
        self.status, self.judgements = None, []
        if not self.provider or outcome is None or (st is None and not judged):
            return
        stated = next(((j, u) for j, u in judged if j[0] is not None), None)
        verdict = st[0] if st else stated[0][0] if stated else None
        if verdict is None:
            return
        action = (st[1] if st else None) or next((j[1] for j, _ in judged if j[1]), None)
        impact = next((j[2] for j, _ in judged if j[2]), None) or (st[2] if st else None)
        if verdict == "met":
            impact = None
        u = stated[1] if stated else st[3] if st else judged[0][1]
        self.verdicts.append(Verdict(outcome, verdict, action, impact, "judgement", u.start, u.end,
                                     self.src[u.start:u.end]))

    def _hint(self, u: Unit) -> None:
        kind = "warning_notice" if re.search(r"\bwarning notices?\b", u.norm, re.I) else self.action_kind
        if kind is None:
            return
        rank = ("improvement", "compliance", "enforcement", "warning_notice")
        for outcome in action_outcomes(u.norm):
            if rank.index(kind) > rank.index(self.hints.get(outcome, "improvement")) or outcome not in self.hints:
                self.hints[outcome] = kind

    def _apply_hints(self) -> None:
        """Where a judgement leaves its action unsaid, the action sections at the report's end say it."""
        for v in self.verdicts:
            hint = self.hints.get(v.outcome)
            if v.source != "judgement" or hint is None:
                continue
            if v.action is not None and not (hint == "warning_notice" and v.action == "enforcement"):
                continue  # a warning notice is the enforcement action a judgement may leave unnamed
            if v.verdict == "not_met" or hint == "improvement":
                v.action = hint


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ZERO_WIDTH):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ZERO_WIDTH):
        end -= 1
    return start, end


_AUTHORITY_FIELDS = re.compile(r"^(?:local authority|authority|council|area|location|name of (?:provider|service|location)"
                               r"|(?:registered )?provider|service)$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b")
_PLACE_SUFFIX = re.compile(r"^([A-Z][\w'’ -]+?)\s+(?:Council|County Council|Borough Council|City Council|Metropolitan "
                           r"Borough Council|Local Safeguarding Children Board|Safeguarding Children Board|Primary Care Trust|NHS Trust|Clinical "
                           r"Commissioning Group)\b", re.IGNORECASE)
_LETTERHEAD = re.compile(r"^(?:care quality commission|inspection report|we are the regulator\b.*|cqc|ofsted)$",
                         re.IGNORECASE)
_STREET = re.compile(r"\b(?:road|street|lane|avenue|way|drive|close|crescent|terrace|row|hill|place|gardens|square|walk"
                     r"|parade|grove|mews|rd|st|ave)$", re.IGNORECASE)


def _authority(fields: dict, lines: list[str], title: str) -> str | None:
    """The area or provider a report is about, from the front matter, best evidence first."""
    for key, value in fields.items():
        if _AUTHORITY_FIELDS.match(key) and len(value) < 100:
            return _tidy(value)
    for key, value in fields.items():
        # "Location address: Rowan Court, 7 Quarry Hill Lane, …" names the location first.
        name = value.split(",")[0].strip()
        if (re.match(r"^(?:location )?address$", key, re.IGNORECASE) and name and not name[0].isdigit()
                and not _STREET.search(name)):
            return _tidy(name)
    # "… Services in Dudley", "Review of … in Thornleigh": the place after the last "in"/"for".
    m = re.search(r".*(?:\b(?:in|for)|:)\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*)\s*$", title)
    if m:
        return _tidy(m.group(1))
    # "Westmarch: Joint targeted review …"
    m = re.match(r"^([A-Z][\w'’ -]{2,40}):\s+\S", title)
    if m and len(m.group(1).split()) <= 4:
        return _tidy(m.group(1))
    # A provider's letterhead: the name on the lines just above an address with a postcode.
    for k, line in enumerate(lines):
        if k and _POSTCODE.search(line):
            names = []
            for prev in reversed(lines[:k]):
                if not _name_like(prev):
                    break
                names.append(prev)
            if names:
                return _tidy(names[-1])
    for line in lines:
        m = _PLACE_SUFFIX.match(line)
        if m:
            return _tidy(m.group(1))
    return None


def _name_like(line: str) -> bool:
    """A line of a letterhead naming a provider or location: short, no field, no sentence, no address."""
    return (0 < len(line.split()) <= 8 and not re.search(r"[:\t]|\d", line) and not _LETTERHEAD.match(line)
            and not re.match(r"review of compliance$", line, re.IGNORECASE)
            and not _SENTENCE_END.search(line) and line[0].isupper())


def _tidy(name: str) -> str:
    """Names as a reader writes them: "CRESSINGTON" → "Cressington"."""
    name = " ".join(name.split())
    return name.title() if name.isupper() else name


def _title(units: list[Unit]) -> str | None:
    """The report's title: its first line that is not a regulator's letterhead."""
    for u in units:
        line = u.norm.strip("#* ").strip()
        if line and not _LETTERHEAD.match(line):
            return line
    return None


def _front_matter(units: list[Unit], title: str | None) -> dict:
    meta: dict = {"fields": {}, "grades": {}}
    lines = []
    for u in units:
        for line in u.lines:
            lines.append(line.norm.strip("#* "))
            if u.table and line.cells is not None and len(line.cells) >= 2:
                key, value = line.cells[0], " ".join(c for c in line.cells[1:] if c)
                key = key.rstrip(":").strip()
            elif _KEY_VALUE.match(line.norm) and len(line.norm) < 160:
                key, _, value = (part.strip() for part in line.norm.partition(":"))
            else:
                continue
            value = value.strip("\t |")
            if not key or not value:
                continue
            if value.lower().strip(" *") in GRADES:
                meta["grades"][key] = value.strip(" *")
            else:
                meta["fields"].setdefault(key, value)
    if title:
        meta["title"] = title
    fields = meta["fields"]
    meta["authority"] = _authority(fields, [l for l in lines if l], title or "")
    for key, value in fields.items():
        if "date" in key.lower():
            meta.setdefault("dates", {})[key] = value
        if "provider" in key.lower():
            meta.setdefault("providers", []).append(value)
    return meta


def segment(text: Text) -> Report:
    """Split a report into its findings, front matter and what is left out (with reasons), and read its verdicts."""
    src = text.text
    units = layout_paragraphs(layout_lines(src))
    layout_tables(units)
    s = _Segmenter(text, units)
    s.run()
    skipped = s.skipped + [Skipped(r.offset, r.offset, r.reason, {"removed": True}, r.text)
                           for r in text.removed]
    meta = _front_matter(s.front_units, _title(units))
    if s.provider:
        meta["template"] = "provider"
    return Report(
        id=report_id(text.source, text.sha256),
        source=text.source,
        text=src,
        sha256=text.sha256,
        meta=meta,
        paragraphs=s.paragraphs,
        front_matter=s.front,
        skipped=sorted(skipped, key=lambda k: (k.start, k.end)),
        verdicts=s.verdicts,
    )
