"""Which authority, provider, location and area a report is about: one rule for every input format.

Every reader turns its format into the same text (table rows become
tab-separated lines, so a front-matter table in HTML, Word or PDF reads like
``Provider<TAB>Name`` in plain text), and :func:`identify` reads that text,
never the file, so a report says the same thing whatever it was saved as.

The rule, in the order it is applied (the README's "Groups" section says the same):

1. **Fields** of the front matter (the first 60 lines): ``Key: value``,
   ``Key<TAB>value`` and ``| Key | value |`` lines.  ``Provider``,
   ``Registered provider``, ``Name of provider`` give the provider;
   ``Location``, ``Name of location``, ``Service``, ``Name of service`` the
   location; ``Local authority``, ``Authority``, ``Council``, ``Area`` the
   area; ``Location address``/``Address`` the address.
2. **The letterhead**: the lines above the first address line (one with a
   postcode, a house number or a street) or the first field, less the
   regulator's own lines ("Care Quality Commission", "Inspection Report",
   "Review of compliance", its strap line).  Of these name lines, one that
   names an organisation (Limited, Ltd, LLP, plc, Trust, Partnership,
   partners, Council ...) is the provider; the last one that does not is the
   location.  A report with an address or a provider or location is about a
   *location*; any other report is about an *area*.
3. **The area**: the area field; else, from the title, the place before a
   colon ("Caldwick: joint inspection ..."), the place after a final "in" or
   "for" ("... in Thornleigh"), or the place in a body's name ("Orrinsby
   Health and Wellbeing Board", "NHS Redwater Clinical Commissioning
   Group"); else a short title that is a place name; else, for a location,
   the town of its address (the part before the postcode).
4. **Missing parts fall back**, in this order: provider → location → area;
   location → provider → area; area → provider → location; and last the
   report's title, then its id.

Groupings (:func:`group_of`): ``authority`` is the body a report holds to
account: the provider for a report on a location, the area for a report on
an area.  ``provider``, ``location`` and ``area`` are those parts;
``report`` is the report itself; any other name is a front-matter field
("Region", "Type of service"), with reports that lack it grouped as
``(no <field>)``.

The title of a report (:attr:`Identity.title`) is its location, or, for an
area report, its heading where that names something more than the
regulator's generic words ("Review of compliance"), else its area.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Identity", "identify", "identities", "group_of", "read_group_file", "BUILT_IN", "FRONT_LINES"]

#: Groupings every report has; any other ``--group-by`` name is a front-matter field.
BUILT_IN = ("authority", "provider", "location", "area", "report")
#: How far into a report its front matter is looked for (lines of extracted text).
FRONT_LINES = 60

_PROVIDER_KEYS = {"provider", "registered provider", "name of provider", "provider name", "service provider"}
_LOCATION_KEYS = {"location", "name of location", "location name", "service", "name of service", "service name",
                  "establishment"}
_AREA_KEYS = {"local authority", "authority", "council", "area", "local area", "local authority area"}
_ADDRESS_KEYS = {"location address", "address", "address of location", "service address"}

_BOILERPLATE = re.compile(
    r"^(?:care quality commission|cqc|ofsted|inspection report|review of compliance|summary|report|"
    r"we are the regulator\b.*|we check that\b.*|our current overall judgement|inspection report summary)$",
    re.IGNORECASE)
_GENERIC_TITLE = re.compile(
    r"^(?:care quality commission|cqc|inspection report|review of compliance|inspection|report|summary|"
    r"annual report(?: \d{4}(?:[/-]\d{2,4})?)?|quality report|compliance report)$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s*\d[A-Z]{2}\b")
_STREET = re.compile(r"\b(?:Road|Rd|Lane|Way|Street|St|Avenue|Drive|Close|Hill|Row|Park|Yard|Place|Square|Walk|"
                     r"Rise|Parade|Terrace|Crescent|Gardens|Green|Estate|Court Road|Mews|Grove|Wharf|Quay|Steps)\b")
_ORG = re.compile(
    r"(?:\b(?:Limited|Ltd\.?|LLP|plc|PLC|CIC|Trust|Partnerships?|Partners|Council|Group|Company|Co\.|"
    r"Association|Society|Charity|Foundation)\s*$|\(partnership\)\s*$|^(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s)")
# Words that start the body part of an organisation's name: the place is what comes before them.
_BODY_WORDS = {"council", "county", "borough", "city", "metropolitan", "district", "health", "local", "safeguarding",
               "primary", "clinical", "community", "hospitals", "hospital", "nhs", "partnership", "children",
               "children's", "adults", "adult", "board", "trust", "services", "ccg", "pct", "care", "and",
               "quality", "scrutiny", "overview", "committee", "joint", "mental", "healthcare", "foundation"}
_BODY_NAME = re.compile(r"\b(?:Council|Board|Trust|Clinical Commissioning Group|CCG|PCT|Health Services|"
                        r"Community Health|Hospitals)\b", re.IGNORECASE)
_PLACE_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|of|on|upon|in|the|and|le|by|en|under|-)$")
_SENTENCE = re.compile(r"[.!?][\"'’”)]*$")


@dataclass(frozen=True)
class Identity:
    """What a report is about, read from its front matter by the rule in this module's docstring.

    ``kind`` is ``location`` (an inspection of a registered location),
    ``area`` (a review of an area's services, a council or board paper) or
    ``unknown`` (the source could not be read: only the run's manifest was
    used).  ``provider``, ``location`` and ``area`` are None where the front
    matter does not say (see :meth:`part` for the fallbacks).
    """

    report: str
    kind: str
    provider: str | None = None
    location: str | None = None
    area: str | None = None
    heading: str | None = None
    fields: dict = field(default_factory=dict)

    def part(self, name: str) -> str:
        """``provider``, ``location``, ``area`` or ``authority`` with the documented fallbacks."""
        order = {"provider": ("provider", "location", "area"), "location": ("location", "provider", "area"),
                 "area": ("area", "provider", "location"),
                 "authority": ("provider", "location", "area") if self.kind == "location"
                 else ("area", "provider", "location")}[name]
        for key in order:
            value = getattr(self, key)
            if value:
                return value
        return self.title

    @property
    def title(self) -> str:
        """The report's title: its location; for an area report its heading unless generic, else its area."""
        if self.kind == "location" and (self.location or self.provider):
            return self.location or self.provider
        heading = _tidy(self.heading) if self.heading else None
        if heading and not _GENERIC_TITLE.match(heading):
            return heading
        return self.area or self.location or self.provider or heading or self.report


def _tidy(name: str) -> str:
    """Names as a reader writes them: "FENWICK VALE COUNCIL" → "Fenwick Vale Council"."""
    name = " ".join(str(name).split()).strip(" *#|")
    if name.isupper() and len(name) > 4:
        small = {"and", "of", "for", "the", "in", "on", "to"}
        words = name.lower().split()
        name = " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))
    return name


def _clean(value) -> str | None:
    """A name, or None for None, NaN (a DataFrame's missing value) and blank strings."""
    return value.strip() or None if isinstance(value, str) else None


def _key(key: str) -> str:
    return " ".join(key.lower().replace("(s)", "").strip(" :*|").split())


def _split_field(line: str) -> tuple[str, str] | None:
    """``Key: value``, ``Key<TAB>value`` or ``| Key | value |`` → (key, value); None for other lines."""
    if line.startswith("|"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] and not set(cells[0]) <= set("-: "):
            return cells[0], cells[1]
        return None
    if "\t" in line:
        key, _, value = line.partition("\t")
    else:
        m = re.match(r"^([A-Z][\w '()/&,-]{1,50}):\s+(\S.*)$", line)
        if not m:
            return None
        key, value = m.groups()
    key, value = key.strip().rstrip(":").strip(), value.strip().strip("\t |").strip()
    if not key or not value or len(key.split()) > 6 or _SENTENCE.search(key):
        return None
    return key, value.split("\t")[0].strip()


def _is_address(line: str) -> bool:
    line = line.split("\t")[0].strip()
    if _POSTCODE.search(line):
        return True
    parts = [p.strip() for p in line.split(",")]
    return len(parts) >= 2 and (bool(re.match(r"^(?:\d|Unit\b|Flat\b)", parts[0]))
                                or any(_STREET.search(p) for p in parts[:-1]))


def _town(address: str) -> str | None:
    """The town of an address: the last part before the postcode."""
    address = address.split("\t")[0]
    m = _POSTCODE.search(address)
    if m:  # a PDF's text layer may run the next line on after the postcode
        address = address[:m.start()]
    parts = [p.strip() for p in address.split(",")]
    parts = [p for p in parts if p and not re.match(r"^(?:Tel|Telephone)\b", p, re.IGNORECASE)]
    return _tidy(parts[-1]) if len(parts) >= 2 else None


def _place(name: str) -> str | None:
    """The place an organisation's or a title's name starts with ("NHS Redwater CCG" → "Redwater")."""
    words = _tidy(name).split()
    if words and words[0].upper() == "NHS":
        words = words[1:]
    place = []
    for w in words:
        if w.lower().strip(",") in _BODY_WORDS and place:
            break
        if not _PLACE_WORD.match(w):
            return None
        place.append(w)
    place_name = " ".join(place).strip(" ,")
    return place_name if place_name and len(place) <= 4 and place_name.lower() not in _BODY_WORDS else None


def _area_from_title(title: str) -> str | None:
    m = re.match(r"^([^:]{2,60}):\s+\S", title)
    if m and all(_PLACE_WORD.match(w) for w in m.group(1).split()):
        return _place(m.group(1)) or _tidy(m.group(1))
    m = re.search(r".*(?:\b(?:in|for)|:)\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})\s*$", title)
    if m:
        return _place(m.group(1)) or m.group(1)
    if _BODY_NAME.search(title):
        return _place(title)
    words = title.split()
    if 1 <= len(words) <= 3 and all(_PLACE_WORD.match(w) for w in words) and not _GENERIC_TITLE.match(title):
        return _tidy(title)
    return None


def identify(text: str, report: str = "", heading: str | None = None) -> Identity:
    """Read what a report is about from its extracted text (the rule in this module's docstring).

    ``heading`` overrides the title line (the run's manifest already holds
    it); otherwise the first line that is not the regulator's letterhead.
    """
    lines = [l.strip().strip("#*").strip() for l in text.split("\n")[:FRONT_LINES * 3]]
    lines = [l for l in lines if l][:FRONT_LINES]
    fields: dict[str, str] = {}
    letterhead: list[str] = []
    address = None
    in_letterhead = True
    for line in lines:
        kv = _split_field(line)
        if kv and _is_address(kv[0]):
            kv = None  # "14 Marram Lane, Fenhallow, FH3 9LD<TAB>Tel: ...": an address line, not a field
        if kv and not _BOILERPLATE.match(kv[0]) and not _BOILERPLATE.match(line):
            fields.setdefault(kv[0], kv[1])
            if _key(kv[0]) in _ADDRESS_KEYS and address is None:
                address = kv[1]
            in_letterhead = False
            continue
        if not in_letterhead:
            continue
        if _is_address(line):
            address = line.split("\t")[0].strip()
            in_letterhead = False
        elif not _BOILERPLATE.match(line) and not _SENTENCE.search(line) and len(line.split()) <= 12:
            letterhead.append(_tidy(line))
        elif len(letterhead) and _SENTENCE.search(line) and len(line.split()) > 12:
            in_letterhead = False  # the body has begun: no letterhead after the first long sentence
    by_key = {}
    for k, v in fields.items():
        by_key.setdefault(_key(k), _tidy(v))
    provider = next((by_key[k] for k in _PROVIDER_KEYS if k in by_key), None)
    location = next((by_key[k] for k in _LOCATION_KEYS if k in by_key), None)
    area = next((_place(by_key[k]) or by_key[k] for k in _AREA_KEYS if k in by_key), None)
    if heading is None:
        heading = next((l for l in lines if not _BOILERPLATE.match(l)), None)
    heading = _tidy(heading) if heading else None
    is_location = bool(address or provider or location)
    if is_location and address is not None:
        names = [n for n in letterhead if n != heading or len(letterhead) <= 2]
        orgs = [n for n in names if _ORG.search(n)]
        others = [n for n in names if not _ORG.search(n)]
        provider = provider or (orgs[0] if orgs else None)
        location = location or (others[-1] if others else (names[-1] if names else None))
        if address and location is None:
            first = address.split(",")[0].strip()
            if first and not first[0].isdigit() and not _STREET.search(first):
                location = _tidy(first)
    if area is None and not is_location and heading:
        area = _area_from_title(heading)
        if area is None:
            area = next((p for l in letterhead[:4] if _BODY_NAME.search(l) for p in [_place(l)] if p), None)
    if area is None and address:
        area = _town(address)
    return Identity(report=report, kind="location" if is_location else "area", provider=provider,
                    location=location, area=area, heading=heading, fields=fields)


def identities(meta: Mapping[str, dict], read_sources: bool = True) -> dict[str, Identity]:
    """Each report's :class:`Identity`, read from its source file (``meta[report]["source"]``).

    Where the source cannot be read (moved, deleted), the report's
    ``authority`` and ``title`` from the run's manifest stand in, with
    ``kind="unknown"``.
    """
    from ..read.reader import ReadError, read
    out = {}
    for report, m in meta.items():
        source = m.get("source") or m.get("path")
        if read_sources and source:
            try:
                out[report] = identify(read(source).text, report)
                continue
            except (ReadError, OSError):
                pass
        out[report] = Identity(report=report, kind="unknown", area=_clean(m.get("authority")),
                               heading=_clean(m.get("title")))
    return out


def group_of(identity: Identity, by: str) -> str:
    """The group a report falls in under ``by`` (see the module docstring)."""
    if by == "report":
        return identity.report
    if by in BUILT_IN:
        return identity.part(by)
    wanted = _key(by)
    for key, value in identity.fields.items():
        if _key(key) == wanted:
            return _tidy(value)
    return f"(no {by})"


def read_group_file(path: str | Path) -> dict[str, str]:
    """A study's own groups: a CSV with the columns ``report`` and ``group`` (header row required).

    ``report`` may be a report id (``name-1a2b3c4d``), a source path or a
    file name; returns ``{that key: group}``.  Raises ValueError naming the
    file and the problem.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such groups file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path}: not a readable CSV ({exc})") from None
    if not rows or not {"report", "group"} <= {(k or "").strip().lower() for k in rows[0]}:
        raise ValueError(f"{path}: needs a header row with the columns report,group")
    out = {}
    for n, row in enumerate(rows, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not row["report"] or not row["group"]:
            raise ValueError(f"{path} line {n}: report and group must both be given")
        if out.get(row["report"], row["group"]) != row["group"]:
            raise ValueError(f"{path} line {n}: {row['report']} is given two groups")
        out[row["report"]] = row["group"]
    return out
