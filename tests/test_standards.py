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
