"""Text that is not a finding, by name: the reasons esq gives for every line it leaves out.

Every line the segmenter does not make a finding, a recommendation or
front matter is left out with one of :data:`REASONS`.  This module holds
the reasons and the rules for the named kinds of boilerplate that are
recognised by what they say (web page chrome, the provider template's fixed
sentences and section headings); the rules that depend on where a line
stands (a heading, an expectation statement after an outcome heading, a
section of back matter) live in :mod:`pipeline.segment.segmenter`.
"""

from __future__ import annotations

import re

__all__ = ["REASONS", "web_kind", "template_sentence", "section_heading", "BACK_MATTER", "ACTION_SECTION",
           "PROVIDER_FRONT", "PROVIDER_BODY", "EXPECTATION_SECTION", "expectation"]

#: Why a span was left out: the fixed set every ``Skipped.reason`` comes from.
REASONS: dict[str, str] = {
    "heading": "a heading or sub-heading (its text is each paragraph's `heading`), or a recommendations timescale",
    "table": "rows of aligned cells after the front matter",
    "label": "a short line that is neither a heading nor a sentence",
    "lead-in": "a line that only introduces a list (\"... take action to:\")",
    "unnumbered": "prose outside the numbered paragraphs of a report whose findings are numbered",
    "verdict": "the provider template's verdict line (\"Met this standard\"); read into the verdicts",
    "navigation": "a web page's menus, breadcrumbs, skip, print and share links, forms",
    "page-furniture": "running headers and footers, page numbers (removed by the PDF, DOCX and HTML readers)",
    "boilerplate:expectation": "what an outcome expects (\"People should ...\"), not what inspectors found",
    "boilerplate:action-plan": "the provider must send an action plan; the regulations not met; enforcement powers",
    "boilerplate:section-heading": "a template's section heading long enough to read as a sentence",
    "boilerplate:back-matter": "about the regulator, how it defines judgements, glossary, contact details, next steps",
    "boilerplate:template": "a template's fixed sentences that point elsewhere (\"You can see our judgements on the "
                            "front page\")",
    "boilerplate:web": "a web page's cookie notice or copyright line",
}

_NAVIGATION = re.compile(
    r"^(?:skip to (?:main )?(?:content|navigation|main)|back to top|return to top|top of page|print(?: this)?"
    r"(?: page| report)?|share(?: this)?(?: page)?(?: on \w+)?|email this page|download (?:this )?(?:report|pdf)"
    r"(?: \(pdf.*\))?|previous page|next page|main menu|sign in|log in|you are here:?.*"
    r"|was this page (?:useful|helpful)\??.*|follow us.*)$", re.IGNORECASE)
# "Home > Services > Care homes" or "Home / Reports": a breadcrumb trail.
_BREADCRUMB = re.compile(r"^(?:home|cqc|start)\s*[>›»/|]\s*\S.*", re.IGNORECASE)
_MENU = re.compile(r"^[^|]{1,30}(?:\s\|\s[^|]{1,30}){2,}$")
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_CONTEXT = re.compile(r"\b(?:we use|this (?:site|website) uses|accept|settings|policy|consent|browser|"
                             r"continue|improve your|essential)\b", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:©|\([cC]\)\s*(?=[A-Z\d])|[Cc]opyright\b|COPYRIGHT\b|[Cc]rown [Cc]opyright|[Aa]ll rights reserved)")


def web_kind(norm: str) -> str | None:
    """``"navigation"`` or ``"boilerplate:web"`` for a web page's chrome, else None."""
    words = len(norm.split())
    if words <= 12 and (_NAVIGATION.match(norm) or _BREADCRUMB.match(norm)):
        return "navigation"
    if _MENU.match(norm) and not re.search(r"[.!?]$", norm):
        return "navigation"
    if words <= 80 and _COOKIE.search(norm) and _COOKIE_CONTEXT.search(norm):
        return "boilerplate:web"
    if words <= 30 and (_COPYRIGHT.match(norm) or re.search(r"©\s*\S+.*\d{4}", norm)) and re.search(r"\d{4}|reserved", norm):
        return "boilerplate:web"
    return None


# Fixed sentences of the provider template that point the reader elsewhere.
_TEMPLATE = re.compile(
    r"^(?:you can see our judge?ments on the front page of this report"
    r"|the summary below describes why we carried out (?:this|the) (?:review|inspection)"
    r"|this section is primarily information for the provider"
    r"|please see (?:our website|previous reports)\b"
    r"|(?:our website|the website)\b.{0,40}\b(?:has|holds) (?:more|further) information"
    r"|where amendments to the report were suggested by the provider)", re.IGNORECASE)


def template_sentence(norm: str) -> bool:
    """A whole paragraph that is one of the provider template's fixed signposts."""
    return bool(_TEMPLATE.match(norm)) and len(norm.split()) <= 40


# Template section headings, which may run longer than a heading ("... and how well X was meeting them").
_SECTION_HEADING = re.compile(
    r"^(?:what we found about the standards we reviewed and how well .{1,120} (?:was|were) meeting them"
    r"|what we found for each essential standard of quality and safety we reviewed"
    r"|our judge?ments for each standard inspected"
    r"|summary of our findings for the essential standards of quality and safety"
    r"|we inspected the following standards(?: as part of .{1,60})?\. this is what we found:?)$", re.IGNORECASE)


def section_heading(norm: str) -> bool:
    """One of the provider template's section headings."""
    return bool(_SECTION_HEADING.match(norm.strip(" *#_")))


_NUM = r"(?:\d+[.)]?\s*)?"
#: Back matter: about the regulator, definitions, glossary, contacts, next steps.
BACK_MATTER = re.compile(
    _NUM + r"(?:next steps|about cqc|about (?:the )?care quality commission|how we define our judge?ments"
    r"|glossary|how to contact|contact(?:ing)? (?:us|cqc|the care quality commission)|appendix|annex|distribution"
    r"|information for the reader|copyright|more information about the provider|other information"
    r"|what is a review of compliance|what are the essential standards|what happens after a review"
    r"|where to find more information|further information|useful contacts)\b", re.IGNORECASE)
#: The provider template's sections on actions the regulator requires: not findings, but the verdict restated.
ACTION_SECTION = re.compile(
    _NUM + r"(?:what we have told the provider to do|actions? we have (?:told|asked) the (?:provider|service)"
    r"(?: to take)?|compliance actions?|improvement actions?|enforcement action(?:s)?(?: we have taken)?"
    r"|action we have taken|actions? required)\b", re.IGNORECASE)
#: Headings of the provider template's front matter: the letterhead's parts, why and how it inspected.
PROVIDER_FRONT = re.compile(
    r"(?:summary of this (?:inspection|review)|why we carried out this (?:inspection|review)"
    r"|how we carried out (?:this|the) (?:inspection|review)|our current overall judge?ment|details about this "
    r"location|contents|summary of our findings\b.*|review of compliance|inspection report)$", re.IGNORECASE)
#: Headings where the provider template's findings begin.
PROVIDER_BODY = re.compile(r"(?:what people told us\b.*|what we found\b.*|our judge?ments for each standard.*)$",
                           re.IGNORECASE)
#: The 2010-11 template's section on what an outcome expects.
EXPECTATION_SECTION = re.compile(r"what the outcome says$", re.IGNORECASE)

_EXPECTS = re.compile(r"\b(?:should|must|can expect|can be confident|are entitled to|have a right)\b", re.IGNORECASE)


def expectation(norm: str) -> bool:
    """A statement of what people should expect: a modal verb, at most two sentences.

    Only ever asked of the paragraphs between an outcome heading and its
    "Our judgement" in the provider template, where nothing else is written.
    """
    low = norm.lower()
    if low.startswith(("what the outcome says", "this is what people who use services should expect",
                       "people who use services")):
        return True
    sentences = len(re.findall(r"[.!?](?:\s|$)", norm))
    return bool(_EXPECTS.search(norm)) and sentences <= 2 and len(norm.split()) <= 70
