"""Layout does not change the findings: the same report in every layout real reports arrive in gives the same paragraphs.

Metamorphic tests: reports of the corpus (each kind) and the seed report
(where present) are laid out with blank lines or one paragraph per line,
LF or CRLF, tabs and runs of spaces inside sentences, non-breaking and
zero-width spaces, headings with and without a blank line after them, and
as .txt, .md, .html, .docx and .pdf (tests/segment/layouts.py); each must
give the same paragraphs as the plain text: the same count, kinds,
numbers, headings, outcomes and timescales, and text equal after
whitespace normalisation.  Hypothesis generates reports and layouts of its
own for the same property.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import layouts as L
from pipeline.read.reader import Text, read
from pipeline.segment.coverage import coverage
from pipeline.segment.segmenter import segment

ROOT = Path(__file__).resolve().parents[2]
# A few reports of each kind: joint (numbered), narrative (a committee paper, a review), provider (the
# 2012-14 and the 2010-11 templates).
CORPUS = ["h1_joint_caldwick.md", "r3_h_joint_blackmere_vale.md", "h4_narrative_fenwick_vale.md",
          "r2_c_narrative_quarrendale.md", "r4_a_provider_marlpit_house.md", "r4_a_provider_wrayfold_care.md",
          "h2_provider_st_aldhelm_hospital.md"]


def _text(s: str, name: str = "x.txt") -> Text:
    return Text(s, name, "0" * 64, "utf-8")


def _check_every_layout(plain: str, tmp_path: Path) -> None:
    base = segment(_text(plain))
    expected = L.findings(base)
    assert expected, "the plain layout must hold findings for the test to mean anything"
    base_cov = coverage(base)
    for name, (suffix, make) in L.LAYOUTS.items():
        path = tmp_path / (name.replace(" ", "_").strip(".") + suffix)
        path.write_bytes(make(plain))
        report = segment(read(path))
        got = L.findings(report)
        assert len(got) == len(expected), name
        for want, have in zip(expected, got):
            assert have == want, f"{name}: {have[:5]} != {want[:5]}\n{have[5][:120]}\n{want[5][:120]}"
        for p in report.paragraphs:
            assert report.text[p.start:p.end] == p.text
        cov = coverage(report)
        assert "unaccounted" not in cov["left_out"]
        if suffix in (".txt", ".md"):
            # The same words in the same places: whitespace is not counted, so the figures do not move.
            assert cov["findings"] == base_cov["findings"], name
            assert cov["recommendations"] == base_cov["recommendations"], name


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_reports_read_the_same_in_every_layout(name, tmp_path):
    _check_every_layout((ROOT / "corpus" / "reports" / name).read_text(encoding="utf-8"), tmp_path)


def test_the_seed_reads_the_same_in_every_layout(seed_path, tmp_path):
    plain = seed_path.read_text(encoding="utf-8-sig")
    _check_every_layout(plain, tmp_path)
    r = segment(_text(L.spaced(plain)))  # the case: three spaces after each full stop
    assert sum(p.kind == "finding" for p in r.paragraphs) == 41
    r = segment(_text(L.one_per_line(plain)))  # the case: a word processor's plain text
    assert sum(p.kind == "recommendation" for p in r.paragraphs) == 12


def test_a_table_is_known_by_its_shape_not_by_one_tab():
    text = ("Staffing\n\nThere were\tenough staff on the ward,  and people said   their bells were answered quickly.\n\n"
            "The rota showed two nurses on each shift.\tAgency staff covered the gaps.\n\n"
            "Ward\tNurses\tCare assistants\nBeech\t2\t5\nLarch\t1\t4\n")
    r = segment(_text(text))
    assert [p.text.split()[0] for p in r.paragraphs] == ["There", "The"]
    assert [s.reason for s in r.skipped if "Beech" in s.text] == ["table"]


def test_hard_wrapped_text_is_read_as_paragraphs():
    para = ("Medicines were stored in a locked trolley and the keys were held by the nurse in charge. "
            "Two of the records we looked at had gaps that nobody could explain to us on the day.")
    wrapped = "\n".join(L._wrap(para, 72))
    text = f"Outcome 09: Management of medicines\n\n{wrapped}\n\n{wrapped}\n"
    r = segment(_text(text))
    assert len(r.paragraphs) == 2 and all(" ".join(p.text.split()) == para for p in r.paragraphs)
    assert all(p.heading_outcome == 9 for p in r.paragraphs)


# -- generated reports ------------------------------------------------------------------------------------------
SENTENCES = [
    "Staff on Wren Ward knew each person by name and spoke to them kindly.",
    "Two of the nine care plans we read had not been reviewed since March.",
    "The home had 24.5 per cent more admissions this year than last.",
    "People said, \"The night staff are wonderful, nothing is too much trouble.\"",
    "We looked at the rotas for the four weeks before our visit.",
    "Hoists were serviced every six months and the records were up to date.",
    "The manager, Mrs Okafor, had started a weekly audit of call bell times.",
    "Fluid charts on Heron Unit were not totalled, so nobody could tell how much people drank.",
    "NHS Brackenby and the council agreed a new protocol in May 2013.",
    "Complaints were answered within 20 days; one took longer because a relative was away.",
    "There was no pain assessment for a man who could not say when he was in pain.",
    "Safeguarding training had been completed by 41 of the 45 staff.",
]
HEADINGS = ["Outcome 04: Care and welfare of people who use services", "Outcome 13: Staffing",
            "3. Outcome 7 Safeguarding", "Medicines on the wards", "1. General – leadership and management",
            "Outcome 21: Records", "What we found on Heron Unit"]

paragraph = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4).map(" ".join)
section = st.tuples(st.sampled_from(HEADINGS), st.lists(st.tuples(st.booleans(), paragraph), min_size=1, max_size=4))
recommendations = st.lists(st.sampled_from(SENTENCES), min_size=0, max_size=3)


@st.composite
def reports(draw):
    numbered = draw(st.booleans())
    lines = ["Review of services at Fenmoor House", "Date of visit:\t3 June 2013", "Provider:\tFenmoor Care Ltd", ""]
    for s, (heading, paras) in enumerate(draw(st.lists(section, min_size=1, max_size=4)), 1):
        lines.append(heading)
        for k, (bullet, text) in enumerate(paras, 1):
            lines.append(f"{s}.{k} {text}" if numbered else ("- " + text if bullet else text))
    recs = draw(recommendations)
    if recs:
        lines += ["Recommendations", "Within 3 months"] + ["- " + r for r in recs]
    return "\n\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(reports(), st.sampled_from(sorted(L.TEXT_LAYOUTS)), st.integers(0, 1000))
def test_generated_reports_read_the_same_in_every_text_layout(plain, layout, seed):
    expected = L.findings(segment(_text(plain)))
    make = L.TEXT_LAYOUTS[layout]
    laid_out = make(plain, seed) if make in (L.spaced, L.odd_spaces) else make(plain)
    got = L.findings(segment(_text(laid_out.replace("\r\n", "\n"))))
    assert got == expected
