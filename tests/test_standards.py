import pytest

from pipeline.evaluation.peers import OUTCOME_KEYWORDS
from pipeline.standards import (CORE_OUTCOMES, OUTCOME_LABELS, OUTCOMES, label_key, outcome_from_heading,
                                parse_outcome_label)


@pytest.mark.parametrize("heading,outcome", [
    ("6. Outcome 7 Safeguarding", 7),
    ("Outcome 09: Management of medicines", 9),
    ("Outcome 16: The service should have quality checking systems to manage risks", 16),
    ("1. General – leadership and management", "general"),
    ("Context", None),
    ("Outcome 99 Nonsense", None),
])
def test_heading_forms(heading, outcome):
    assert outcome_from_heading(heading) == outcome


def test_taxonomy_is_complete_and_shared():
    assert len(OUTCOMES) == 28 and len(OUTCOME_LABELS) == 29 and len(CORE_OUTCOMES) == 16
    assert OUTCOMES[4].regulation == 9 and OUTCOMES[20].regulation is None
    assert set(OUTCOME_KEYWORDS) == {label_key(l) for l in OUTCOME_LABELS}


def test_parse_outcome_label():
    assert parse_outcome_label("07") == 7 and parse_outcome_label("General") == "general"
    with pytest.raises(ValueError, match="1-28"):
        parse_outcome_label("29")


# -- the crosswalk to the 2014 fundamental standards and the five key questions ---------------------

from pipeline.standards import (CROSSWALK, FRAMEWORK_LABELS, FUNDAMENTAL_STANDARDS, KEY_QUESTIONS,  # noqa: E402
                                REGISTRATION_2009, REGULATIONS_2014, framework_label, outcome_short_title,
                                outcome_title)


def test_regulation_titles_as_published():
    # The titles of SI 2014/2936 Part 3 and SI 2009/3112 Part 4, checked against CQC's list of regulations.
    assert REGULATIONS_2014["9"] == "Person-centred care"
    assert REGULATIONS_2014["12"] == "Safe care and treatment"
    assert REGULATIONS_2014["13"] == "Safeguarding service users from abuse and improper treatment"
    assert REGULATIONS_2014["17"] == "Good governance"
    assert REGULATIONS_2014["19"] == "Fit and proper persons employed"
    assert REGULATIONS_2014["20A"] == "Requirement as to display of performance assessments"
    assert REGISTRATION_2009["18"] == "Notification of other incidents"
    assert FUNDAMENTAL_STANDARDS[0] == "9" and FUNDAMENTAL_STANDARDS[-1] == "20A"
    assert set(FUNDAMENTAL_STANDARDS) <= set(REGULATIONS_2014)
    assert list(KEY_QUESTIONS) == ["safe", "effective", "caring", "responsive", "well-led"]


def test_every_label_is_mapped_with_its_source():
    assert set(CROSSWALK) == set(OUTCOME_LABELS)
    for label, walk in CROSSWALK.items():
        assert walk.regulations and walk.key_questions, label
        for ref in walk.regulations:
            table, number = (REGISTRATION_2009, ref.split("/")[1]) if ref.startswith("2009/") else (REGULATIONS_2014, ref)
            assert number in table, (label, ref)
        assert set(walk.key_questions) <= set(KEY_QUESTIONS), label
        assert walk.regulation_source and walk.key_question_source, label
        # a key question that CQC's definition does not settle is marked as a judgement, with the reason
        if "definition" not in walk.key_question_source:
            assert walk.judgement, label


def test_mappings_follow_the_regulations_that_replaced_them():
    # where 2010 and 2014 regulate the same subject, the crosswalk must say so
    same = {2: "11", 5: "14", 7: "13", 9: "12", 10: "15", 12: "19", 13: "18", 14: "18", 16: "17", 17: "16",
            21: "17", 24: "7"}
    for outcome, reg in same.items():
        assert CROSSWALK[outcome].regulations[0] == reg, outcome
    # the notifications, fees and statement of purpose stayed in the 2009 Registration Regulations
    for outcome, reg in {3: "19", 15: "12", 18: "16", 19: "17", 20: "18", 26: "13", 27: "14", 28: "15"}.items():
        assert CROSSWALK[outcome].regulations == (f"2009/{reg}",), outcome
        assert framework_label(outcome, "2014") == "other"


def test_framework_labels_and_titles():
    assert framework_label(9, "2014") == "reg12" and framework_label("09", "key-question") == "safe"
    assert framework_label("general", "2014") == "reg17" and framework_label(1, "key-question") == "caring"
    assert framework_label("reg12", "2014") == "reg12"  # regrouping twice changes nothing
    with pytest.raises(ValueError, match="framework must be one of"):
        framework_label(9, "2008")
    used = {framework_label(l, f) for l in OUTCOME_LABELS for f in ("2014", "key-question")}
    assert used <= set(FRAMEWORK_LABELS) and set(KEY_QUESTIONS) <= used
    assert outcome_title("reg12") == "Safe care and treatment (regulation 12, 2014)"
    assert outcome_title("safe").startswith("People are protected from abuse")
    assert all(len(outcome_short_title(l)) <= 22 for l in FRAMEWORK_LABELS)
