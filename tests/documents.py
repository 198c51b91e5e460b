"""Small documents built in code for the reader's tests: a minimal PDF, a report PDF, a DOCX."""


def make_pdf(pages, width=595, height=842) -> bytes:
    """A minimal valid PDF; ``pages`` lists each page's lines as (x, y, font size, text) in Helvetica.

    A page with no lines gets a filled rectangle and no text, like a scan.
    """
    def escape(s):
        return s.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    font = 3 + 2 * len(pages)
    objects, kids = {}, []
    for i, lines in enumerate(pages):
        page, content = 3 + 2 * i, 4 + 2 * i
        kids.append(f"{page} 0 R")
        stream = b"".join(b"BT /F1 %g Tf %g %g Td (%s) Tj ET\n" % (size, x, y, escape(text))
                          for x, y, size, text in lines) or b"0 0 0 rg 50 50 200 200 re f\n"
        objects[page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                         f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>").encode()
        objects[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    objects[font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for k in sorted(objects):
        offsets[k] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (k, objects[k])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (font + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[k] for k in range(1, font + 1))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (font + 1, xref)
    return bytes(out)


def _page(n, body, total=3):
    return [(72, 800, 9, "Fernhollow Hospital - Inspection report")] + body + [(280, 40, 9, f"Page {n} of {total}")]


REPORT_PAGES = [
    _page(1, [(72, 760, 16, "Inspection report: Fernhollow Hospital"),
              (72, 720, 14, "Outcome 4: Care and welfare"),
              (72, 690, 11, "Staff were kind and caring, and people who use the service told us they felt safe and"),
              (72, 676, 11, "well supported. Care plans were detailed and had been reviewed every month by the"),
              (72, 662, 11, "named nurse."),
              (72, 636, 11, "Medicines were stored securely in a locked trolley. However, two medication admin-"),
              (72, 622, 11, "istration records had gaps that had not been explained, and staff could not tell us"),
              (72, 608, 11, "why the doses had been missed on the ward during the night shifts in the previous")]),
    _page(2, [(72, 760, 11, "month, and the manager agreed to review the recording of medicines at once."),
              (72, 720, 14, "Outcome 16: Assessing and monitoring the quality of service provision"),
              (72, 690, 11, "The provider had an effective system to regularly assess and monitor the quality of"),
              (72, 676, 11, "the service that people receive. Audits were completed every month.")]),
    _page(3, [(72, 760, 11, "- Ensure that all staff complete level 3 safeguarding training."),
              (72, 740, 11, "- Review the recording of medicines on the children's ward.")]),
]


def make_report_pdf(path):
    path.write_bytes(make_pdf(REPORT_PAGES))
    return path


def make_docx(path):
    import docx
    d = docx.Document()
    d.add_heading("Inspection report: Fernhollow Hospital", 0)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Date of inspection", "3 May 2012"
    table.cell(1, 0).text, table.cell(1, 1).text = "Provider", "Fernhollow NHS Trust"
    d.add_heading("Outcome 9: Management of medicines", 1)
    d.add_paragraph("Medicines were stored safely. However, two MAR charts had gaps that had not been explained.")
    d.add_paragraph("We looked at six MAR charts on the ward.")
    d.add_heading("Recommendations", 1)
    d.add_paragraph("Review the recording of medicines on the ward.", style="List Bullet")
    d.add_paragraph("Ensure that all staff complete safeguarding training.", style="List Bullet")
    d.sections[0].header.paragraphs[0].text = "Running header on every page"
    d.save(path)
    return path
