"""What a report is about: one rule for every format, the corpus read consistently, groups and mapping files."""

import pytest

from pipeline.corpus import DEFAULT_CORPUS
from pipeline.read.reader import read
from pipeline.report.compare import compare
from pipeline.report.groups import group_of, identify, read_group_file

LETTERHEAD = ["Care Quality Commission", "Inspection Report", "Elmcrest Care Homes Limited", "Oakhollow Nursing Home",
              "14 Quarry Lane, Oakhollow, Brindlecote OH7 4QT"]
FIELDS = [("Date of Inspection", "14 August 2012"), ("Region", "North East"), ("Type of service", "Care home")]
BODY = ["Outcome 9: Management of medicines",
        "Medicines were stored safely. However, two charts had gaps that had not been explained to us."]


def minimal_pdf(lines) -> bytes:
    """A one-page PDF with one line of Helvetica text per entry."""
    body = b"".join(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (780 - 18 * i, t.encode("cp1252"))
                    for i, t in enumerate(lines))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
               b"/Contents 4 0 R >>", b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, obj)
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def write_formats(folder):
    """The same front matter saved as plain text, Markdown (a pipe table), HTML (tables), Word and PDF."""
    import docx
    lines = LETTERHEAD + [f"{k}: {v}" for k, v in FIELDS] + BODY
    (folder / "r.txt").write_text("\n\n".join(lines[:5]) + "\n\n" + "\n".join(lines[5:8]) + "\n\n"
                                  + "\n\n".join(BODY) + "\n")
    (folder / "r.md").write_text("\n".join(LETTERHEAD) + "\n\n| field | value |\n|---|---|\n"
                                 + "".join(f"| {k} | {v} |\n" for k, v in FIELDS) + "\n## " + BODY[0] + "\n\n"
                                 + BODY[1] + "\n")
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in FIELDS)
    (folder / "r.html").write_text(
        "<html><body><header><p>Care Quality Commission</p></header><h1>Inspection Report</h1><table>"
        + "".join(f"<tr><td>{line}</td></tr>" for line in LETTERHEAD[2:]) + f"</table><table>{rows}</table>"
        + f"<h2>{BODY[0]}</h2><p>{BODY[1]}</p></body></html>")
    d = docx.Document()
    for line in LETTERHEAD:
        d.add_paragraph(line)
    table = d.add_table(rows=len(FIELDS), cols=2)
    for n, (k, v) in enumerate(FIELDS):
        table.cell(n, 0).text, table.cell(n, 1).text = k, v
    d.add_heading(BODY[0], 1)
    d.add_paragraph(BODY[1])
    d.save(folder / "r.docx")
    (folder / "r.pdf").write_bytes(minimal_pdf(lines))
    return [folder / f"r.{ext}" for ext in ("txt", "md", "html", "docx", "pdf")]


def test_one_rule_for_every_format(tmp_path):
    for path in write_formats(tmp_path):
        ident = identify(read(path).text, path.name)
        assert (ident.kind, ident.provider, ident.location, ident.area) == (
            "location", "Elmcrest Care Homes Limited", "Oakhollow Nursing Home", "Brindlecote"), path.suffix
        assert ident.title == "Oakhollow Nursing Home", path.suffix
        assert group_of(ident, "authority") == "Elmcrest Care Homes Limited"
        assert group_of(ident, "Region") == "North East" and group_of(ident, "type of service") == "Care home"
        assert group_of(ident, "Ward") == "(no Ward)"


@pytest.mark.parametrize("lines, expected", [
    # an area's review: the place before the colon, or after a final "in"
    (["Caldwick: joint inspection of safeguarding services", "Date of Inspection\t13 February 2012"],
     ("area", None, None, "Caldwick", "Caldwick: joint inspection of safeguarding services")),
    (["Care Quality Commission", "Review of health services for children looked after in Thornleigh"],
     ("area", None, None, "Thornleigh", "Review of health services for children looked after in Thornleigh")),
    # a council's paper in capitals: the place in the body's name, the title tidied
    (["FENWICK VALE COUNCIL", "Adult Social Care Scrutiny Panel"],
     ("area", None, None, "Fenwick Vale", "Fenwick Vale Council")),
    # a generic heading never becomes the title; the provider comes from the letterhead either way
    (["Care Quality Commission", "Review of compliance", "Larkmead Support Services Limited", "Rowan Court",
      "Region:\tEast Midlands", "Location address:\tRowan Court, 7 Quarry Hill Lane, Brindleford, BF9 2LT"],
     ("location", "Larkmead Support Services Limited", "Rowan Court", "Brindleford", "Rowan Court")),
    # the same layout naming no provider in the letterhead, but in a field further down
    (["Inspection Report", "Larchfield House", "27 Coppergate Lane, Pellbridge, PB4 7QJ", "Tel: 01632 960418",
      "Registered Provider\tFernlow Care Homes Limited"],
     ("location", "Fernlow Care Homes Limited", "Larchfield House", "Pellbridge", "Larchfield House")),
    # an address line with a telephone number in the next cell is an address, not a field
    (["Inspection Report", "Thistledown Court", "14 Marram Lane, Fenhallow, FH3 9LD\tTel: 01862 557304"],
     ("location", None, "Thistledown Court", "Fenhallow", "Thistledown Court")),
])
def test_front_matter_rule(lines, expected):
    ident = identify("\n".join(lines) + "\n\nThe findings begin here. They are long sentences about care.\n")
    assert (ident.kind, ident.provider, ident.location, ident.area, ident.title) == expected


def test_fallbacks_are_documented_order():
    ident = identify("Inspection Report\nWillowmead Medical Practice\n2 Orchard Lane, Willowmead, Ashcombe QW7 3LN\n")
    assert ident.provider is None
    assert group_of(ident, "provider") == "Willowmead Medical Practice"  # provider -> location
    assert group_of(ident, "authority") == "Willowmead Medical Practice"
    assert group_of(ident, "area") == "Ashcombe"
    nothing = identify("", report="x-1")
    assert group_of(nothing, "authority") == "x-1" and group_of(nothing, "report") == "x-1"


def test_the_corpus_is_read_consistently():
    for path in sorted((DEFAULT_CORPUS / "reports").glob("*.md")):
        ident = identify(read(path).text, path.stem)
        if "_provider_" in path.stem:
            assert ident.kind == "location" and ident.location and ident.area, path.stem
            assert group_of(ident, "authority") == (ident.provider or ident.location), path.stem
            assert ident.title == ident.location, path.stem
        else:
            assert ident.kind == "area" and ident.area, path.stem
            assert group_of(ident, "authority") == ident.area, path.stem
        assert ident.title.lower() not in {"review of compliance", "inspection report", "care quality commission"}


def test_group_file(tmp_path):
    f = tmp_path / "groups.csv"
    f.write_text("report,group\nashby-1,North\nreports/b.txt,South\n")
    assert read_group_file(f) == {"ashby-1": "North", "reports/b.txt": "South"}
    f.write_text("id,name\na,b\n")
    with pytest.raises(ValueError, match="groups.csv: needs a header row with the columns report,group"):
        read_group_file(f)
    f.write_text("report,group\na,North\na,South\n")
    with pytest.raises(ValueError, match="line 3: a is given two groups"):
        read_group_file(f)
    with pytest.raises(ValueError, match="no such groups file"):
        read_group_file(tmp_path / "nowhere.csv")


def record(report, source, authority=None):
    return {"report": report, "source": source, "authority": authority, "paragraph": 1, "kind": "finding",
            "outcome": 7, "sentences": [{"start": 0, "end": 1, "text": "x", "sentiment": s, "confidence": 0.9}
                                        for s in ("strength", "improvement")]}


def test_compare_groups_by_a_mapping_a_field_and_the_sources(tmp_path):
    paths = write_formats(tmp_path)
    records = [record(f"r{n}", str(p)) for n, p in enumerate(paths)] + [record("gone", str(tmp_path / "gone.txt"),
                                                                              authority="Ashby")]
    by_authority = compare(records, resamples=20)
    assert set(by_authority.groups["group"]) == {"Elmcrest Care Homes Limited", "Ashby"}  # unreadable: its record
    assert set(compare(records, by="location", resamples=20).groups["group"]) == {"Oakhollow Nursing Home", "Ashby"}
    assert set(compare(records, by="Region", resamples=20).groups["group"]) == {"North East", "(no Region)"}
    mapped = compare(records, by={"r0": "North", "r.md": "North", str(paths[2]): "South"}, resamples=20)
    assert set(mapped.groups["group"]) == {"North", "South"} and mapped.groups["reports"].sum() == 3
    assert mapped.left_out == ["gone", "r3", "r4"]
    with pytest.raises(ValueError, match="by must be one of"):
        compare(records, by="", resamples=20)
