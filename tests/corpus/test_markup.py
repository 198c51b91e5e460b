import pytest

from pipeline.corpus.markup import MarkupError, parse_markup

DRAFT = """%% kind: joint
%% title: Test

Title line

2. Outcome 9 Medicines

2.1 [[o:9]][[s]]Medicines were stored well. [[i]]However, two MAR charts had gaps.

Within 3 months
- [[r:21]][[i]]Improve the records.
Next steps
"""


def test_markers_become_offsets():
    r = parse_markup(DRAFT)
    assert "[[" not in r.text
    para, rec = r.paragraphs
    assert (para.kind, para.outcome, rec.kind, rec.outcome) == ("finding", 9, "recommendation", 21)
    assert [r.text[s.start:s.end] for s in para.sentences] == ["Medicines were stored well.",
                                                                "However, two MAR charts had gaps."]
    assert r.text[rec.start:rec.end] == "Improve the records."


@pytest.mark.parametrize("bad,msg", [
    ("%% kind: joint\n\n[[o:99]][[s]]x.", "unknown outcome"),
    ("%% kind: joint\n\n[[o:4]]No sentence marker.", "without a sentence marker"),
    ("%% kind: joint\n\n[[s]]Stray.", "outside a marked paragraph"),
    ("%% kind: nope\n\n[[o:4]][[s]]x.", "kind"),
    ("%% kind: joint\n\n[[o:4]][[q]]x.", "unknown marker"),
])
def test_errors_name_the_line(bad, msg):
    with pytest.raises(MarkupError, match=msg) as exc:
        parse_markup(bad)
    assert str(exc.value).startswith("line ")
