"""The outcome taxonomy: the single source of truth for outcome labels.

Everything that names an outcome (the segmenter reading headings, the
classifiers' label sets, the corpus checker, the summaries' crosswalk to
regulations) reads it from here, and so does the crosswalk from each outcome
to the 2014 fundamental standards and CQC's five key questions
(:data:`CROSSWALK`, :func:`framework_label`).
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
    "REGULATIONS_2014",
    "FUNDAMENTAL_STANDARDS",
    "REGISTRATION_2009",
    "KEY_QUESTIONS",
    "FRAMEWORKS",
    "FRAMEWORK_LABELS",
    "OTHER_2014",
    "Crosswalk",
    "CROSSWALK",
    "framework_label",
    "framework_title",
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
    """Human title of a label (``general`` included; a framework group's, see :func:`framework_title`)."""
    if str(label) in FRAMEWORK_LABELS:
        return framework_title(str(label))
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
    """Short title of a label for headers ("Medicines" for 9; "General" for ``general``; "Safe care,
    treatment" for ``reg12``; nothing for a key question, whose label says it)."""
    if str(label) in FRAMEWORK_LABELS:
        return _framework_short(str(label))
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


# -- From 2010 to the later frameworks --------------------------------------------------------------
#
# In April 2015 the Essential Standards gave way to the fundamental standards: Part 3 of the Health and
# Social Care Act 2008 (Regulated Activities) Regulations 2014 (SI 2014/2936), regulations 9 to 20A,
# with the registration requirements of regulations 4 to 7 beside them, and the notifications, fees
# and statement of purpose still in Part 4 of the Care Quality Commission (Registration) Regulations
# 2009 (SI 2009/3112).  CQC's reports since then are organised by five key questions.  The crosswalk
# below maps every 2010 label to the 2014 regulation(s) and key question(s) covering the same ground,
# primary first; each mapping names its source and says where it is a judgement.

#: Regulations of the 2014 Regulated Activities Regulations (Part 3), by number, with their titles.
#: 9 to 20A are the fundamental standards (9A was inserted in 2024); 4 to 7 the registration
#: requirements on providers and managers; 8 says the fundamental standards apply.
REGULATIONS_2014: dict[str, str] = {
    "4": "Requirements where the service provider is an individual or partnership",
    "5": "Fit and proper persons: directors",
    "6": "Requirement where the service provider is a body other than a partnership",
    "7": "Requirements relating to registered managers",
    "8": "General",
    "9": "Person-centred care",
    "9A": "Visiting and accompanying in care homes, hospitals and hospices",
    "10": "Dignity and respect",
    "11": "Need for consent",
    "12": "Safe care and treatment",
    "13": "Safeguarding service users from abuse and improper treatment",
    "14": "Meeting nutritional and hydration needs",
    "15": "Premises and equipment",
    "16": "Receiving and acting on complaints",
    "17": "Good governance",
    "18": "Staffing",
    "19": "Fit and proper persons employed",
    "20": "Duty of candour",
    "20A": "Requirement as to display of performance assessments",
}
FUNDAMENTAL_STANDARDS: tuple[str, ...] = ("9", "9A", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19",
                                          "20", "20A")
#: Part 4 of the Care Quality Commission (Registration) Regulations 2009, still in force: references
#: to them are written ``"2009/<number>"``.
REGISTRATION_2009: dict[str, str] = {
    "12": "Statement of purpose",
    "13": "Financial position",
    "14": "Notice of absence",
    "15": "Notice of changes",
    "16": "Notification of death of service user",
    "17": "Notification of death or unauthorised absence of a service user who is detained or liable to be "
          "detained under the Mental Health Act 1983",
    "18": "Notification of other incidents",
    "19": "Fees etc.",
}
#: CQC's five key questions, each with what CQC means by it (paraphrased from CQC's guide for
#: providers, "How we inspect and regulate").
KEY_QUESTIONS: dict[str, str] = {
    "safe": "people are protected from abuse and from harm that could have been avoided",
    "effective": "care, treatment and support achieve good outcomes and a good quality of life, based on the "
                 "best available evidence",
    "caring": "staff involve people and treat them with compassion, kindness, dignity and respect",
    "responsive": "services are organised to meet people's needs",
    "well-led": "leadership, management and governance assure high-quality, person-centred care, support "
                "learning and innovation and promote an open, fair culture",
}
FRAMEWORKS = ("2014", "key-question")
_KQ_DEFINITION = "CQC's definition of the key question"
_KLOE = "CQC's key lines of enquiry, where it is asked"


@dataclass(frozen=True)
class Crosswalk:
    """Where one 2010 label went: 2014 regulations (``"12"``; ``"2009/18"`` for the 2009 Registration
    Regulations) and key questions, primary first; the source of each; and, where the mapping is not
    settled by the text of a regulation or CQC's definition of a key question, why it is a judgement."""

    regulations: tuple[str, ...]
    key_questions: tuple[str, ...]
    regulation_source: str
    key_question_source: str
    judgement: str | None = None


CROSSWALK: dict[int | str, Crosswalk] = {
    GENERAL: Crosswalk(("17",), ("well-led",), "reg 17 (systems to assess, monitor and improve quality and safety)",
                       _KQ_DEFINITION, "'general' is the joint-inspection heading for leadership and management, "
                       "not an Essential Standards outcome; governance is its nearest 2014 home"),
    1: Crosswalk(("10", "9"), ("caring", "responsive"),
                 "reg 10 (dignity, privacy, autonomy, involvement); reg 9(3) (involving people in their care)",
                 _KQ_DEFINITION),
    2: Crosswalk(("11",), ("effective",), "reg 11 (need for consent), the same subject as 2010 reg 18", _KLOE,
                 "consent sits under effective in CQC's key lines of enquiry, not in its definition"),
    3: Crosswalk(("2009/19",), ("well-led",), "2009 Registration Regulations reg 19 (fees), unchanged in 2014",
                 _KLOE, "no fundamental standard covers fees; meeting registration duties is asked under well-led"),
    4: Crosswalk(("9", "12"), ("responsive", "effective", "safe"),
                 "reg 9 (care that meets needs and preferences); reg 12(2)(a)-(b) (assessing and reducing risk)",
                 _KQ_DEFINITION, "care and welfare spans three key questions; responsive (care organised around "
                 "people's needs, reg 9) is taken as the primary one"),
    5: Crosswalk(("14",), ("effective",), "reg 14 (nutritional and hydration needs), the same subject", _KLOE,
                 "eating and drinking are asked under effective in CQC's key lines of enquiry"),
    6: Crosswalk(("12",), ("effective", "responsive"),
                 "reg 12(2)(i) (working with others where care is shared or transferred)", _KLOE,
                 "joint working between services is asked under effective in CQC's key lines of enquiry"),
    7: Crosswalk(("13",), ("safe",), "reg 13 (safeguarding from abuse and improper treatment)", _KQ_DEFINITION),
    8: Crosswalk(("12", "15"), ("safe",), "reg 12(2)(h) (preventing and controlling infection); reg 15(1)(a) "
                 "(clean premises and equipment)", _KQ_DEFINITION),
    9: Crosswalk(("12",), ("safe",), "reg 12(2)(g) (proper and safe management of medicines)", _KQ_DEFINITION),
    10: Crosswalk(("15",), ("safe", "effective"), "reg 15 (premises and equipment)", _KLOE,
                  "premises are safe first; their adaptation to people's needs is asked under effective"),
    11: Crosswalk(("15", "12"), ("safe",), "reg 15 (premises and equipment); reg 12(2)(e) (safe equipment)",
                  _KQ_DEFINITION),
    12: Crosswalk(("19",), ("safe",), "reg 19 (fit and proper persons employed; recruitment checks)", _KLOE,
                  "recruitment checks are asked under safe in CQC's key lines of enquiry"),
    13: Crosswalk(("18",), ("safe",), "reg 18(1) (sufficient numbers of suitable staff)", _KLOE,
                  "staffing levels are asked under safe in CQC's key lines of enquiry"),
    14: Crosswalk(("18",), ("effective",), "reg 18(2)(a) (support, training, supervision and appraisal)", _KLOE,
                  "staff skills and support are asked under effective in CQC's key lines of enquiry"),
    15: Crosswalk(("2009/12",), ("well-led",), "2009 Registration Regulations reg 12 (statement of purpose)",
                  _KLOE, "no fundamental standard covers it; registration duties are asked under well-led"),
    16: Crosswalk(("17",), ("well-led",), "reg 17(2)(a)-(b) (assessing, monitoring, improving quality; "
                  "managing risk)", _KQ_DEFINITION),
    17: Crosswalk(("16",), ("responsive",), "reg 16 (receiving and acting on complaints)", _KLOE,
                  "complaints are asked under responsive in CQC's key lines of enquiry"),
    18: Crosswalk(("2009/16",), ("well-led",), "2009 Registration Regulations reg 16 (notification of death)",
                  _KLOE, "notifications are registration duties, asked under well-led"),
    19: Crosswalk(("2009/17",), ("well-led",), "2009 Registration Regulations reg 17 (detained service users)",
                  _KLOE, "notifications are registration duties, asked under well-led"),
    20: Crosswalk(("2009/18",), ("well-led", "safe"), "2009 Registration Regulations reg 18 (other incidents)",
                  _KLOE, "notifications are registration duties, asked under well-led; the incidents themselves "
                  "concern safety"),
    21: Crosswalk(("17",), ("well-led",), "reg 17(2)(c)-(d) (accurate, complete and secure records)",
                  _KQ_DEFINITION),
    22: Crosswalk(("4",), ("well-led",), "reg 4, the same title as the 2010 requirement", _KLOE,
                  "registration requirements are asked under well-led"),
    23: Crosswalk(("6", "5"), ("well-led",), "reg 6, the same title as the 2010 requirement; reg 5 (fit and "
                  "proper directors) is new in 2014", _KLOE, "registration requirements are asked under well-led"),
    24: Crosswalk(("7",), ("well-led",), "reg 7 (requirements relating to registered managers)", _KLOE,
                  "registration requirements are asked under well-led"),
    25: Crosswalk(("4", "7"), ("well-led",), "regs 4 and 7 (fitness, including skills, of registered persons)",
                  _KLOE, "2014 has no separate training requirement for registered persons: their fitness under "
                  "regs 4 and 7 is the nearest home"),
    26: Crosswalk(("2009/13",), ("well-led",), "2009 Registration Regulations reg 13 (financial position)", _KLOE,
                  "no fundamental standard covers it; registration duties are asked under well-led"),
    27: Crosswalk(("2009/14",), ("well-led",), "2009 Registration Regulations reg 14 (notice of absence)", _KLOE,
                  "notifications are registration duties, asked under well-led"),
    28: Crosswalk(("2009/15",), ("well-led",), "2009 Registration Regulations reg 15 (notice of changes)", _KLOE,
                  "notifications are registration duties, asked under well-led"),
}

#: The group outcomes fall under when regrouped by the 2014 regulations but none of 9-20A covers them.
OTHER_2014 = "other"
_REG_LABELS = {f"reg{n}": n for n in FUNDAMENTAL_STANDARDS}
_SHORT_2014 = {"9": "Person-centred care", "9A": "Visiting", "10": "Dignity and respect", "11": "Consent",
               "12": "Safe care, treatment", "13": "Safeguarding", "14": "Nutrition, hydration",
               "15": "Premises, equipment", "16": "Complaints", "17": "Good governance", "18": "Staffing",
               "19": "Fit, proper staff", "20": "Duty of candour", "20A": "Display of ratings"}
#: Every framework group label, in display order: ``reg9`` … ``reg20A``, ``other``, then the key questions.
FRAMEWORK_LABELS: tuple[str, ...] = (*_REG_LABELS, OTHER_2014, *KEY_QUESTIONS)


def framework_label(outcome: int | str, framework: str) -> str:
    """The group a 2010 label falls under in ``framework``: ``"2014"`` gives its primary fundamental
    standard (``"reg12"``), or ``"other"`` where none of regulations 9-20A covers it; ``"key-question"``
    its primary key question (``"safe"``).  A label that is already a group of the framework stays."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {', '.join(FRAMEWORKS)}, not {framework!r}")
    own = (*_REG_LABELS, OTHER_2014) if framework == "2014" else tuple(KEY_QUESTIONS)
    if str(outcome) in own:
        return str(outcome)
    walk = CROSSWALK[parse_outcome_label(outcome)]
    if framework == "key-question":
        return walk.key_questions[0]
    first = walk.regulations[0]
    return f"reg{first}" if first in FUNDAMENTAL_STANDARDS else OTHER_2014


def framework_title(label: str) -> str:
    """``reg12`` → "Safe care and treatment (regulation 12, 2014)"; ``safe`` → "People are protected …"
    (what CQC means by the key question)."""
    if label in _REG_LABELS:
        return f"{REGULATIONS_2014[_REG_LABELS[label]]} (regulation {_REG_LABELS[label]}, 2014)"
    if label == OTHER_2014:
        return "Outside regulations 9-20A: registration requirements, notifications, fees"
    meaning = KEY_QUESTIONS[label]
    return meaning[:1].upper() + meaning[1:]


def _framework_short(label: str) -> str:
    if label in _REG_LABELS:
        return _SHORT_2014[_REG_LABELS[label]]
    return "Registration" if label == OTHER_2014 else ""
