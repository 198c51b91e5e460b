"""The regulator's own verdicts in provider reports of 2010-2014, read as structured data.

Provider inspection reports follow one template (README, "Layouts esq
reads").  Two places in it say, outcome by outcome, what the regulator
decided:

* the **summary table** on the front page: one row per outcome inspected,
  the outcome's title and its status ("Met this standard", "Action
  needed", "Enforcement action taken");
* the **judgement** of each outcome section: a status line under the
  outcome heading (2013-14) and the paragraph under "Our judgement"
  ("The provider was not meeting this standard ... The impact on people
  was moderate"; 2010-11: "Overall, we found that ... There are minor
  concerns with Outcome 13").

:class:`Verdict` holds one of them: met or not met, the impact where the
report grades it, and the action the regulator took (an improvement or
compliance action, enforcement, a warning notice).  The sections on actions
at the end of the report ("Compliance actions", "Improvement actions") name
the outcomes each action covers; where a judgement leaves its action
unsaid, that is where it is read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..standards import OUTCOMES, outcome_from_heading

__all__ = ["Verdict", "VERDICTS", "ACTIONS", "IMPACTS", "SOURCES", "is_provider_template", "outcome_from_title",
           "status", "judgement", "action_outcomes", "section_action"]

VERDICTS = ("met", "not_met")
ACTIONS = (None, "improvement", "compliance", "enforcement", "warning_notice")
IMPACTS = (None, "minor", "moderate", "major")
SOURCES = ("summary-table", "judgement")


@dataclass
class Verdict:
    """The regulator's verdict on one outcome of one report, located by offsets into ``Report.text``."""

    outcome: int | str
    verdict: str  # "met" | "not_met"
    action: str | None  # what the regulator did: None, "improvement", "compliance", "enforcement", "warning_notice"
    impact: str | None  # None, "minor", "moderate", "major"
    source: str  # "summary-table" | "judgement"
    start: int
    end: int
    text: str


# Headings only the provider template has; two of them make a report one of its kind.
_MARKERS = [re.compile(p, re.IGNORECASE) for p in (
    r"^our judge?ment$", r"^reasons for our judge?ment$", r"^what the outcome says$",
    r"^why we carried out this (?:inspection|review)$", r"^how we carried out (?:this|the) (?:inspection|review)$",
    r"^our judge?ments for each standard inspected$", r"^what we found about the standards we reviewed\b",
    r"^summary of our findings for the essential standards\b", r"^our current overall judge?ment$",
    r"^what people told us and what we found$", r"^we inspected the following standards\b")]


def is_provider_template(norms) -> bool:
    """Do these paragraphs (normal forms) follow the provider template of 2010-2014?"""
    seen = set()
    for norm in norms:
        text = norm.strip(" *#_")
        for k, marker in enumerate(_MARKERS):
            if marker.match(text):
                seen.add(k)
        if len(seen) >= 2:
            return True
    return False


def _words(text: str) -> list[str]:
    text = text.lower().replace("co-operat", "cooperat").replace("’", "'")
    return re.findall(r"[a-z]+", text)


_STOP = frozenset("and of the to who use services people a for with by".split())
_TITLES = {n: frozenset(_words(o.title)) - _STOP for n, o in OUTCOMES.items()}
_TITLE_WORDS = {n: _words(o.title) for n, o in OUTCOMES.items()}


def outcome_from_title(text: str) -> int | None:
    """The outcome a line names by number ("Outcome 04") or by its whole title ("Management of medicines")."""
    n = outcome_from_heading(text)
    if isinstance(n, int):
        return n
    words = _words(text)
    if not words or len(words) > 20:
        return None
    key = frozenset(words) - _STOP
    for n, title in _TITLES.items():
        if words == _TITLE_WORDS[n] or (key and key == title):
            return n
    best, score = None, 0.0
    for n, title in _TITLES.items():
        if len(title) >= 2 and key:
            jaccard = len(key & title) / len(key | title)
            if jaccard > score:
                best, score = n, jaccard
    return best if score >= 0.75 else None


_STATUS = [
    (re.compile(r"^(?:met|compliant|met this (?:essential )?standard|meeting this standard|standard met|"
                r"compliant with (?:this|the) (?:standard|outcome))\.?$", re.I), ("met", None, None)),
    (re.compile(r"^(?:action needed|action was needed|compliance action|not met(?: this standard)?|"
                r"not meeting this standard|non-?compliant)\.?$", re.I), ("not_met", "compliance", None)),
    (re.compile(r"^(?:enforcement action taken|enforcement action|enforcement)\.?$", re.I),
     ("not_met", "enforcement", None)),
    (re.compile(r"^warning notice(?: served| issued)?\.?$", re.I), ("not_met", "warning_notice", None)),
    (re.compile(r"^minor concerns?\.?$", re.I), ("not_met", "improvement", "minor")),
    (re.compile(r"^moderate concerns?\.?$", re.I), ("not_met", "compliance", "moderate")),
    (re.compile(r"^major concerns?\.?$", re.I), ("not_met", "compliance", "major")),
]


def status(text: str) -> tuple[str, str | None, str | None] | None:
    """A status as the template writes it on its own ("Met this standard", "Action needed") →
    (verdict, action, impact), else None."""
    text = " ".join(text.split()).strip(" *_")
    for pattern, value in _STATUS:
        if pattern.match(text):
            return value
    return None


_NOT_MET = re.compile(
    r"\b(?:was|were|is|are|been)\s+not\s+(?:meeting|compliant|met)\b|\bnot\s+(?:being\s+)?met\b"
    r"|\b(?:did|does|do|could)\s+not\s+(?:meet|comply)\b|\bnon-?compliant\b|\bnot compliant\b"
    r"|\bf[ae]ll short of\b|\bfalls short of\b|\bfailed to meet\b|\bin breach of\b|\baction (?:was |is )?needed\b"
    r"|\b(?:minor|moderate|major) concerns?\b|\bconcerns? (?:\w+ ){0,6}(?:is|are|were|was) (?:minor|moderate|major)\b"
    r"|\b(?:had|has|have) not (?:been )?met\b|\bnot (?:fully |wholly |yet )?compliant\b|\bcompliance action\b"
    r"|\bwarning notice\b", re.IGNORECASE)
_MET = re.compile(
    r"\b(?:met|meets|meeting|satisfied|complied with|compliant with)\s+(?:(?:this|the|that)\s+)?"
    r"(?:essential\s+)?(?:standard|outcome)\b"
    r"|\b(?:standard|outcome)\s+(?:was|is|to be|has been)\s+(?:therefore\s+)?(?:being\s+)?met\b"
    r"|\b(?:this|the) (?:standard|outcome) met\b|\b(?:was|were|is|are|be)\s+compliant\b"
    r"|\bcompliance with this outcome was achieved\b|^met\b|\bcompliant\b|\bmeet (?:this|the) (?:essential )?standard\b",
    re.IGNORECASE)
_IMPACT = re.compile(r"[^.;]*\b(minor|moderate|major)\b[^.;]*", re.IGNORECASE)
_IMPACT_CONTEXT = re.compile(r"\b(?:impact|effect|affected|concerns?|degree|risk)\b", re.IGNORECASE)
_ACTIONS = [
    ("warning_notice", re.compile(r"\bwarning notices?\b", re.I)),
    ("enforcement", re.compile(r"\benforcement action\b|\bconditions on (?:its |their )?registration\b"
                               r"|\b(?:taken|took|take) enforcement\b", re.I)),
    ("compliance", re.compile(r"\bcompliance actions?\b|\baction (?:was |is )?needed\b|\basked the (?:provider|trust|"
                              r"practice|service|home|agency) (?:to )?(?:send|tell|give|provide)", re.I)),
    ("improvement", re.compile(r"\bimprovement actions?\b|\bsuggested (?:that )?(?:some )?improvements\b"
                               r"|\bto maintain this\b", re.I)),
]


def _impact(text: str) -> str | None:
    for m in _IMPACT.finditer(text):
        if _IMPACT_CONTEXT.search(m.group(0)):
            return m.group(1).lower()
    return None


def judgement(text: str) -> tuple[str | None, str | None, str | None]:
    """A judgement paragraph → (verdict or None where it gives none, action, impact)."""
    verdict = "not_met" if _NOT_MET.search(text) else "met" if _MET.search(text) else None
    action = next((name for name, pattern in _ACTIONS if pattern.search(text)), None)
    impact = _impact(text) if verdict != "met" else None
    if verdict == "not_met" and action is None and re.search(r"\bminor concerns?\b", text, re.I):
        action = "improvement"  # 2010-11: minor concerns were met with improvement actions
    if verdict == "met" and action not in (None, "improvement"):
        action = None  # "we have not asked the provider for a report of action"
    return verdict, action, impact


_REGULATION = re.compile(r"\bregulation\s+(\d{1,2})\b", re.IGNORECASE)
_BY_REGULATION = {o.regulation: n for n, o in OUTCOMES.items() if o.regulation}
_TITLE_PATTERNS = sorted(((re.compile(r"\b" + re.escape(o.title.lower()).replace("cooperating", "co-?operating")
                                      + r"\b"), n) for n, o in OUTCOMES.items()), key=lambda p: -len(p[0].pattern))


def action_outcomes(text: str) -> list[int]:
    """The outcomes a line of an action section names: "Outcome 13", the regulation it cites first
    (Regulated Activities Regulations 2010), or an outcome's title."""
    found = [int(m.group(1)) for m in re.finditer(r"\boutcome\s*0?(\d{1,2})\b", text, re.I) if int(m.group(1)) in OUTCOMES]
    if found:
        return list(dict.fromkeys(found))
    m = _REGULATION.search(text)
    if m and int(m.group(1)) in _BY_REGULATION and not re.search(r"\bregistration\b|\b2009\b", text, re.I):
        return [_BY_REGULATION[int(m.group(1))]]
    low = text.lower()
    return [n for pattern, n in _TITLE_PATTERNS if pattern.search(low) and " " in OUTCOMES[n].title][:1]


def section_action(heading: str) -> str | None:
    """The action an action section's heading names ("Improvement actions" → "improvement")."""
    low = heading.lower()
    if "warning notice" in low:
        return "warning_notice"
    if "enforcement" in low:
        return "enforcement"
    if "improvement" in low:
        return "improvement"
    if "compliance" in low or "told the provider" in low or "asked the" in low:
        return "compliance"
    return None
