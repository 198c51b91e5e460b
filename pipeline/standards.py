"""The outcome taxonomy: the single source of truth for outcome labels.

Everything that names an outcome (the segmenter reading headings, the
classifiers' label sets, the corpus checker, the summaries' crosswalk to
regulations) reads it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Outcome",
    "OUTCOMES",
    "GENERAL",
    "OUTCOME_LABELS",
    "CORE_OUTCOMES",
    "SENTIMENTS",
    "PARAGRAPH_SENTIMENTS",
    "outcome_title",
    "outcome_short_title",
    "SHORT_TITLES",
    "parse_outcome_label",
    "outcome_from_heading",
    "label_key",
]

GENERAL = "general"
SENTIMENTS = ("strength", "improvement", "neutral")
PARAGRAPH_SENTIMENTS = ("strength", "improvement", "mixed", "neutral")


@dataclass(frozen=True)
class Outcome:
    number: int
    title: str
    core: bool
    regulation: int | None  # Health and Social Care Act 2008 (Regulated Activities) Regulations 2010


OUTCOMES: dict[int, Outcome] = {
    o.number: o
    for o in [
        Outcome(1, "Respecting and involving people who use services", True, 17),
        Outcome(2, "Consent to care and treatment", True, 18),
        Outcome(3, "Fees", False, None),
        Outcome(4, "Care and welfare of people who use services", True, 9),
        Outcome(5, "Meeting nutritional needs", True, 14),
        Outcome(6, "Cooperating with other providers", True, 24),
        Outcome(7, "Safeguarding people who use services from abuse", True, 11),
        Outcome(8, "Cleanliness and infection control", True, 12),
        Outcome(9, "Management of medicines", True, 13),
        Outcome(10, "Safety and suitability of premises", True, 15),
        Outcome(11, "Safety, availability and suitability of equipment", True, 16),
        Outcome(12, "Requirements relating to workers", True, 21),
        Outcome(13, "Staffing", True, 22),
        Outcome(14, "Supporting workers", True, 23),
        Outcome(15, "Statement of purpose", False, None),
        Outcome(16, "Assessing and monitoring the quality of service provision", True, 10),
        Outcome(17, "Complaints", True, 19),
        Outcome(18, "Notification of death of a person who uses services", False, None),
        Outcome(19, "Notification of death or unauthorised absence of a person who is detained "
                    "or liable to be detained under the Mental Health Act 1983", False, None),
        Outcome(20, "Notification of other incidents", False, None),
        Outcome(21, "Records", True, 20),
        Outcome(22, "Requirements where the service provider is an individual or partnership", False, None),
        Outcome(23, "Requirement where the service provider is a body other than a partnership", False, None),
        Outcome(24, "Requirements relating to registered managers", False, None),
        Outcome(25, "Registered person: training", False, None),
        Outcome(26, "Financial position", False, None),
        Outcome(27, "Notifications – notice of absence", False, None),
        Outcome(28, "Notifications – notice of changes", False, None),
    ]
}

#: Every paragraph label, in display order: ``general`` then outcomes 1-28.
OUTCOME_LABELS: tuple[int | str, ...] = (GENERAL, *OUTCOMES)
CORE_OUTCOMES: tuple[int, ...] = tuple(n for n, o in OUTCOMES.items() if o.core)


def outcome_title(label: int | str) -> str:
    """Human title of a label (``general`` included)."""
    if label == GENERAL:
        return "General – leadership and management"
    return OUTCOMES[int(label)].title


#: Short forms of the outcome titles, for table headers and figure labels (at most 22 characters).
SHORT_TITLES: dict[int | str, str] = {
    GENERAL: "General", 1: "Respect, involvement", 2: "Consent", 3: "Fees", 4: "Care and welfare",
    5: "Nutrition", 6: "Cooperation", 7: "Safeguarding", 8: "Infection control", 9: "Medicines",
    10: "Premises", 11: "Equipment", 12: "Recruitment", 13: "Staffing", 14: "Supporting workers",
    15: "Statement of purpose", 16: "Quality monitoring", 17: "Complaints", 18: "Deaths notified",
    19: "Detained deaths", 20: "Incidents notified", 21: "Records", 22: "Individual provider",
    23: "Provider body", 24: "Registered managers", 25: "Training", 26: "Financial position",
    27: "Absence notices", 28: "Change notices",
}


def outcome_short_title(label: int | str) -> str:
    """Short title of a label for headers ("Medicines" for 9; "General" for ``general``)."""
    return SHORT_TITLES[GENERAL if str(label) == GENERAL else int(label)]


def parse_outcome_label(value: object) -> int | str:
    """Normalise a label as written in files (``7``, ``"07"``, ``"general"``).

    Raises ValueError naming the allowed values.
    """
    if isinstance(value, str):
        v = value.strip().lower()
        if v == GENERAL:
            return GENERAL
        if v.isdigit():
            value = int(v)
    if isinstance(value, int) and not isinstance(value, bool) and value in OUTCOMES:
        return value
    raise ValueError(f"unknown outcome label {value!r}: use 1-28 or 'general'")


def label_key(label: int | str) -> str:
    """String form used for column names and JSON keys."""
    return str(label)


_OUTCOME_HEADING = re.compile(r"\boutcome\s*0?(\d{1,2})\b", re.IGNORECASE)
_GENERAL_HEADING = re.compile(r"^\s*(?:\d+\.\s*)?general\b", re.IGNORECASE)


def outcome_from_heading(heading: str) -> int | str | None:
    """The outcome a report heading files its paragraphs under, if any.

    Reads the forms real reports use: ``6. Outcome 7 Safeguarding``,
    ``Outcome 09: Management of medicines``, ``1. General – leadership and
    management``.  Returns None for headings that name no outcome.
    """
    m = _OUTCOME_HEADING.search(heading)
    if m and int(m.group(1)) in OUTCOMES:
        return int(m.group(1))
    if _GENERAL_HEADING.match(heading):
        return GENERAL
    return None
