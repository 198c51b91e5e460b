"""The provider template of 2010-2014, read as it is: what is a finding, what is boilerplate, which verdicts are read.

The two reports below are written for these tests (fictional services and
places) with every part of the template: the front page with its summary
table, the summary (why and how we inspected, what people told us, what we
told the provider to do), one section per outcome (its title, the statement
of what people should expect, "Our judgement" with the verdict, "Reasons
for our judgement" and the findings), the actions required and the back
matter.
"""

from pipeline.read.reader import Text
from pipeline.segment.coverage import coverage
from pipeline.segment.segmenter import segment

INSPECTION_REPORT = """Care Quality Commission

Inspection Report

We are the regulator: Our job is to check whether hospitals, care homes and care services are meeting essential standards.

Hollowmere Court

9 Tanner's Row, Stannerby, SY4 8PL\tTel: 01632 960555

Date of Inspection:\t4 March 2013\t5 March 2013
Date of Publication:\tApril 2013

We inspected the following standards as part of a routine inspection. This is what we found:

Consent to care and treatment\tMet this standard
Management of medicines\tAction needed
Staffing\tEnforcement action taken
Complaints\tMet this standard

Details about this location

Registered Provider\tBrightholme Care Limited
Registered Manager\tMr Declan Fairweather
Overview of the service\tHollowmere Court is a care home for up to 30 older people, some of whom live with dementia.
Type of service\tCare home service without nursing

Summary of this inspection

Why we carried out this inspection

We carried out this inspection because relatives had written to us about the number of staff on duty at weekends.

How we carried out this inspection

Two inspectors visited over two days. We spoke with eleven residents, six visitors and nine members of staff, and we read care records.

What people told us and what we found

Most residents told us the staff were patient with them. One man said, "They never rush me when I'm getting dressed."

At weekends there were often two care workers for 27 residents, and breakfasts were served late on both Sundays we checked.

You can see our judgements on the front page of this report.

What we have told the provider to do

We have asked the provider to send us a report by 20 May 2013, setting out the action they will take to meet the standards we have judged were not being met.

We have served a warning notice on Brightholme Care Limited about staffing.

Where providers are not meeting essential standards, we have a range of enforcement powers we can use to protect the health, safety and welfare of people who use the service.

More information about the provider

Please see our website www.cqc.org.uk for more information, including our most recent judgements against the essential standards.

Our judgements for each standard inspected

Outcome 02: Consent to care and treatment

Met this standard

Before people are given any examination, care or support, they should be asked whether they agree to it.

Our judgement

The provider was meeting this standard. Residents were asked before staff helped them, and best interests decisions were written down.

Reasons for our judgement

Each of the six care files we read held a consent form signed by the resident or by the person who held lasting power of attorney.

We watched a care worker ask a woman whether she would like her hearing aid put in before lunch, and wait for her answer.

Outcome 09: Management of medicines

Action needed

People should have the medicines they need, when they need them, given in a safe way.

Our judgement

The provider was not meeting this standard. Medicine records were incomplete and creams were not recorded. We judged that this had a moderate impact on people who use the service. Action was needed for this standard.

Reasons for our judgement

The medicine administration records for March had fourteen blank boxes across five residents, and nobody could tell us whether the tablets had been given.

Creams were applied by care workers but no chart showed where or when.

Outcome 13: Staffing

Enforcement action taken

There should be enough members of staff on duty to keep people safe and to meet their needs.

Our judgement

The provider was not meeting this standard. There were not enough care workers at weekends to meet people's needs. The impact on people was major.

Reasons for our judgement

Rotas for the six weekends before our visit showed two care workers on the floor for most of each morning shift.

A visitor told us her mother had waited until eleven o'clock to be helped out of bed on the Sunday before our inspection.

Outcome 17: Complaints

Met this standard

People should have their comments and complaints listened to and acted on.

Our judgement

Comments and complaints people made were responded to appropriately.

Reasons for our judgement

The complaints file held three complaints from the last year, and each had a written reply within the home's own 28 days.

Compliance actions

The table below shows the standards that were not being met. The provider must send CQC a report that says what action they are going to take to meet these standards.

Regulated activity\tRegulation\tHow the regulation was not being met:
Accommodation for persons who require nursing or personal care

- Regulation 13 HSCA 2008 (Regulated Activities) Regulations 2010, Management of medicines: the registered person did not keep an accurate record of the medicines given to each resident.

The provider's report should be sent to us by 20 May 2013.

Enforcement action we have taken

- Regulation 22 HSCA 2008 (Regulated Activities) Regulations 2010, Staffing: we served a warning notice on 12 April 2013.

About CQC inspections

We are the regulator of health and social care in England. We check that the care people receive meets essential standards.

How we define our judgements

Met this standard: this means that the standard was being met, in that the provider was compliant with the regulation.

Action needed: this means that the standard was not being met.

Glossary of terms we use in this report

Essential standards: the standards of quality and safety that people who use services have a right to expect.

Contact us

Phone: 01632 960999
Website: www.cqc.org.uk
"""

REVIEW_OF_COMPLIANCE = """Review of compliance

Brightholme Care Limited
Larkspur Lodge

Region:\tSouth West
Location address:\tLarkspur Lodge, 3 Orchard Lane, Pollbury, PB2 5TT
Date of Publication:\tJune 2011

Summary of our findings for the essential standards of quality and safety

Our current overall judgement

Larkspur Lodge was not meeting one or more essential standards. Improvements are needed.

How we carried out the review

We visited on 11 May 2011 and spoke with residents and staff.

What people told us

Residents said the food had got better since a new cook started in the spring.

What we found about the standards we reviewed and how well Larkspur Lodge was meeting them

Outcome 5: Meeting nutritional needs

People were offered a choice of meals and were helped to eat when they needed it.

Outcome 21: Records

Records of people's care were not always complete. We have minor concerns about records.

What we found for each essential standard of quality and safety we reviewed

Outcome 5: Meeting nutritional needs

What the outcome says

This is what people who use services should expect.

People who use services:
- Are supported to have enough to eat and drink.
- Can choose food that meets their religious and cultural needs.

What we found

Our judgement

Overall, we found that residents had enough to eat and drink. Larkspur Lodge was compliant with this outcome.

Our findings

What people who use the service experienced and told us

A resident said the cook always asked what she fancied and made her a curry on Fridays.

Other evidence

Weight charts were kept for every resident and a dietitian had reviewed two people who had lost weight.

Outcome 21: Records

What the outcome says

This is what people who use services should expect.

People who use services:
- Can be confident that their personal records are accurate and kept safe.

What we found

Our judgement

Overall, we found that care records were not always kept up to date. There are minor concerns with Outcome 21.

Our findings

Other evidence

Daily notes for three of the eight residents had gaps of up to four days in April.

Improvement actions

The table below shows where improvements should be made so that the service provider maintains compliance.

Regulated activity\tRegulation\tOutcome
Accommodation for persons who require nursing or personal care\tRegulation 20\tOutcome 21: Records

What is a review of compliance?

A review of compliance is how we check that a registered provider is meeting the essential standards.

Contact us

Phone: 01632 960888
"""


def _report(text, name="r.txt"):
    return segment(Text(text, name, "0" * 64, "utf-8"))


def _skipped(report, needle):
    return [s.reason for s in report.skipped if needle in s.text]


def test_inspection_report_findings_and_boilerplate():
    r = _report(INSPECTION_REPORT)
    assert r.meta["template"] == "provider"
    texts = [p.text for p in r.paragraphs]
    assert all(p.kind == "finding" for p in r.paragraphs)
    # "What people told us and what we found": findings, under no outcome heading, so classified heading-blind
    summary = [p for p in r.paragraphs if p.heading == "What people told us and what we found"]
    assert [p.text[:9] for p in summary] == ["Most resi", "At weeken"]
    assert all(p.heading_outcome is None for p in summary)
    # per outcome: the judgement and the reasons are findings under the outcome's heading
    by_outcome = {}
    for p in r.paragraphs:
        by_outcome.setdefault(p.heading_outcome, []).append(p.text[:20])
    assert by_outcome == {None: ["Most residents told ", "At weekends there we"],
                          2: ["The provider was mee", "Each of the six care", "We watched a care wo"],
                          9: ["The provider was not", "The medicine adminis", "Creams were applied "],
                          13: ["The provider was not", "Rotas for the six we", "A visitor told us he"],
                          17: ["Comments and complai", "The complaints file "]}
    # nothing of the front page, the template's sentences, the expectations, actions or back matter
    for phrase in ("We are the regulator", "Why we carried", "relatives had written", "Two inspectors visited",
                   "You can see our judgements", "send us a report", "should be asked", "Met this standard",
                   "warning notice", "HSCA 2008", "About CQC", "Essential standards:", "01632"):
        assert not any(phrase in t for t in texts), phrase
    assert _skipped(r, "Before people are given any examination") == ["boilerplate:expectation"]
    assert _skipped(r, "There should be enough members of staff") == ["boilerplate:expectation"]
    assert _skipped(r, "You can see our judgements") == ["boilerplate:template"]
    assert _skipped(r, "We have asked the provider to send us a report") == ["boilerplate:action-plan"]
    assert _skipped(r, "Regulation 13 HSCA 2008") == ["boilerplate:action-plan"]
    assert _skipped(r, "We are the regulator of health") == ["boilerplate:back-matter"]
    assert _skipped(r, "Phone: 01632 960999") == ["boilerplate:back-matter"]
    assert [s.reason for s in r.skipped if s.text == "Action needed"] == ["verdict"]
    assert any(f.start <= r.text.index("Why we carried out") < f.end for f in r.front_matter)
    assert r.meta["authority"] == "Brightholme Care Limited"  # the registered provider
    cov = coverage(r)
    assert cov["findings"] + cov["front_matter"] + sum(cov["left_out"].values()) == cov["chars"]
    assert {"boilerplate:expectation", "boilerplate:action-plan", "boilerplate:back-matter", "verdict",
            "heading"} <= set(cov["left_out"])


def test_inspection_report_verdicts():
    r = _report(INSPECTION_REPORT)
    table = {v.outcome: (v.verdict, v.action, v.impact) for v in r.verdicts if v.source == "summary-table"}
    assert table == {2: ("met", None, None), 9: ("not_met", "compliance", None),
                     13: ("not_met", "enforcement", None), 17: ("met", None, None)}
    judged = {v.outcome: (v.verdict, v.action, v.impact) for v in r.verdicts if v.source == "judgement"}
    # the warning notice is read from the actions at the report's end, the impact from the judgement
    assert judged == {2: ("met", None, None), 9: ("not_met", "compliance", "moderate"),
                      13: ("not_met", "warning_notice", "major"), 17: ("met", None, None)}
    for v in r.verdicts:
        assert r.text[v.start:v.end] == v.text
    medicines = next(v for v in r.verdicts if v.outcome == 9 and v.source == "judgement")
    assert medicines.text.startswith("The provider was not meeting this standard.")


def test_an_outcome_title_alone_heads_its_section_even_straight_after_back_matter():
    # 2013-14 reports may head a section with the outcome's title alone, and may go from "More information
    # about the provider" straight to the first outcome
    text = INSPECTION_REPORT.replace("Our judgements for each standard inspected\n\n", "").replace(
        "Outcome 02: Consent to care and treatment", "Consent to care and treatment")
    r = _report(text)
    assert [p.heading_outcome for p in r.paragraphs][:5] == [None, None, 2, 2, 2]
    assert r.paragraphs[2].heading == "Consent to care and treatment"


def test_review_of_compliance_2010_11():
    r = _report(REVIEW_OF_COMPLIANCE)
    assert r.meta["template"] == "provider"
    got = [(p.heading_outcome, p.text[:24]) for p in r.paragraphs]
    assert got == [(None, "Residents said the food "), (5, "People were offered a ch"), (21, "Records of people's care"),
                   (5, "Overall, we found that r"), (5, "A resident said the cook"), (5, "Weight charts were kept "),
                   (21, "Overall, we found that c"), (21, "Daily notes for three of")]
    assert _skipped(r, "What we found about the standards we reviewed") == ["boilerplate:section-heading"]
    assert set(_skipped(r, "should expect")) == {"boilerplate:expectation"}
    assert set(_skipped(r, "Are supported to have enough")) == {"boilerplate:expectation"}
    assert _skipped(r, "A review of compliance is how") == ["boilerplate:back-matter"]
    assert any(f.start <= r.text.index("Improvements are needed") < f.end for f in r.front_matter)
    judged = {v.outcome: (v.verdict, v.action, v.impact) for v in r.verdicts}
    assert judged == {5: ("met", None, None), 21: ("not_met", "improvement", "minor")}
    assert r.meta["authority"] == "Larkspur Lodge"


def test_template_rules_stay_in_the_template():
    """An expectation-like sentence, or a heading that is an outcome's title, is read as such only in a report
    that follows the provider template."""
    text = ("Staffing\n\nThe council should review night staffing in its homes before the winter.\n\n"
            "Records were kept securely in every home we visited.\n")
    r = _report(text)
    assert [p.heading_outcome for p in r.paragraphs] == [None, None]
    assert r.verdicts == [] and "template" not in r.meta
