"""The corpus format: load, check, stats, export, build from drafts, from-headings.

A corpus is a folder::

    catalogue.jsonl          one line per report: report, file, kind, title, area
    reports/<id>.md|.txt     the report as a user would have it
    annotations/<id>.jsonl   one line per labelled paragraph

An annotation line is ``{"report", "paragraph", "kind", "start", "end",
"outcome", "text", "sentences": [{"start", "end", "sentiment", "text"}]}``;
offsets are into the report's text as :func:`pipeline.read.read` returns it.
``sentiment`` may be null in silver corpora (``from-headings``), where only
the outcome is known; such sentences are not used to train sentiment.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .markup import REPORT_KINDS, MarkupError, parse_markup
from ..read.reader import ReadError, read
from ..standards import CORE_OUTCOMES, GENERAL, SENTIMENTS, label_key, parse_outcome_label

__all__ = [
    "DEFAULT_CORPUS",
    "CorpusError",
    "CorpusSentence",
    "CorpusParagraph",
    "CorpusReport",
    "load",
    "check",
    "stats",
    "export_records",
    "corpus_hash",
    "build_from_drafts",
    "from_headings",
    "near_duplicates",
    "stock_lines",
    "REQUIRED_LABELS",
    "agreement",
    "agreement_batches",
]

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "corpus"
#: Labels the corpus must cover with at least 60 paragraphs each.
REQUIRED_LABELS: tuple = (GENERAL, *CORE_OUTCOMES, 20)


class CorpusError(ValueError):
    """A problem in a corpus, naming file and line."""


@dataclass
class CorpusSentence:
    start: int
    end: int
    sentiment: str | None
    text: str


@dataclass
class CorpusParagraph:
    report: str
    paragraph: int
    kind: str
    start: int
    end: int
    outcome: int | str
    text: str
    sentences: list[CorpusSentence] = field(default_factory=list)


@dataclass
class CorpusReport:
    id: str
    kind: str
    path: Path
    text: str
    title: str = ""
    area: str = ""
    paragraphs: list[CorpusParagraph] = field(default_factory=list)


def _catalogue(root: Path) -> list[dict]:
    path = root / "catalogue.jsonl"
    if not path.exists():
        raise CorpusError(f"{path}: no catalogue.jsonl; is {root} a corpus folder?")
    entries = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
    return entries


def _paragraph(obj: dict, report_id: str) -> CorpusParagraph:
    return CorpusParagraph(
        report=report_id,
        paragraph=obj["paragraph"],
        kind=obj.get("kind", "finding"),
        start=obj["start"],
        end=obj["end"],
        outcome=parse_outcome_label(obj["outcome"]),
        text=obj["text"],
        sentences=[CorpusSentence(s["start"], s["end"], s.get("sentiment"), s["text"]) for s in obj["sentences"]],
    )


def load(roots: Path | str | Iterable[Path | str] | None = None) -> Iterator[CorpusReport]:
    """Stream the reports of one or more corpus folders (default: the project's).

    Raises :class:`CorpusError` on the first malformed line; run :func:`check`
    for every problem at once.
    """
    if roots is None:
        roots = [DEFAULT_CORPUS]
    elif isinstance(roots, (str, Path)):
        roots = [roots]
    for root in map(Path, roots):
        for entry in _catalogue(root):
            path = root / entry["file"]
            text = read(path).text
            report = CorpusReport(entry["report"], entry["kind"], path, text,
                                  entry.get("title", ""), entry.get("area", ""))
            ann = root / "annotations" / f"{entry['report']}.jsonl"
            for lineno, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        report.paragraphs.append(_paragraph(json.loads(line), report.id))
                    except (KeyError, ValueError, TypeError) as exc:
                        raise CorpusError(f"{ann}:{lineno}: {exc}") from None
            yield report


def check(root: Path | str | None = None) -> list[str]:
    """Every problem in a corpus folder, as ``file:line: problem`` strings."""
    root = Path(root) if root else DEFAULT_CORPUS
    problems: list[str] = []
    try:
        entries = _catalogue(root)
    except CorpusError as exc:
        return [str(exc)]
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        where = f"{root / 'catalogue.jsonl'}:{n}"
        rid = entry.get("report")
        if not rid or "file" not in entry:
            problems.append(f"{where}: needs 'report' and 'file'")
            continue
        if rid in seen:
            problems.append(f"{where}: report id {rid!r} listed twice")
        seen.add(rid)
        if entry.get("kind") not in REPORT_KINDS:
            problems.append(f"{where}: kind {entry.get('kind')!r} is not one of {', '.join(REPORT_KINDS)}")
        try:
            text = read(root / entry["file"]).text
        except ReadError as exc:
            problems.append(f"{where}: {exc}")
            continue
        ann = root / "annotations" / f"{rid}.jsonl"
        if not ann.exists():
            problems.append(f"{ann}: missing annotation file for report {rid!r}")
            continue
        spans: list[tuple[int, int, int]] = []
        for lineno, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), 1):
            at = f"{ann}:{lineno}"
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                p = _paragraph(obj, rid)
            except json.JSONDecodeError as exc:
                problems.append(f"{at}: not JSON ({exc.msg})")
                continue
            except KeyError as exc:
                problems.append(f"{at}: missing field {exc}")
                continue
            except (ValueError, TypeError) as exc:
                problems.append(f"{at}: {exc}")
                continue
            if p.kind not in ("finding", "recommendation"):
                problems.append(f"{at}: kind {p.kind!r} is not finding or recommendation")
            if not (0 <= p.start < p.end <= len(text)):
                problems.append(f"{at}: paragraph offsets {p.start}-{p.end} outside the text (length {len(text)})")
                continue
            if text[p.start:p.end] != p.text:
                problems.append(f"{at}: paragraph text does not match the report at {p.start}-{p.end}")
            spans.append((p.start, p.end, lineno))
            if not p.sentences:
                problems.append(f"{at}: paragraph has no sentences")
            last = p.start
            for k, s in enumerate(p.sentences, 1):
                if not (p.start <= s.start < s.end <= p.end):
                    problems.append(f"{at}: sentence {k} offsets {s.start}-{s.end} outside its paragraph")
                    continue
                if s.start < last:
                    problems.append(f"{at}: sentence {k} overlaps the sentence before it")
                last = s.end
                if text[s.start:s.end] != s.text:
                    problems.append(f"{at}: sentence {k} text does not match the report at {s.start}-{s.end}")
                if s.sentiment is not None and s.sentiment not in SENTIMENTS:
                    problems.append(f"{at}: sentence {k} sentiment {s.sentiment!r} is not one of {', '.join(SENTIMENTS)}")
        spans.sort()
        for (a0, a1, la), (b0, b1, lb) in zip(spans, spans[1:]):
            if b0 < a1:
                problems.append(f"{ann}:{lb}: paragraph overlaps the paragraph on line {la}")
    return problems


def stats(roots=None) -> dict:
    """The counts the corpus is held to: paragraphs, sentences, by kind, label and sentiment."""
    out: dict = {"reports": 0, "paragraphs": 0, "sentences": 0, "by_kind": {},
                 "outcomes": Counter(), "sentiments": Counter()}
    for report in load(roots):
        k = out["by_kind"].setdefault(report.kind, {"reports": 0, "paragraphs": 0, "sentences": 0,
                                                      "outcomes": Counter(), "sentiments": Counter()})
        out["reports"] += 1
        k["reports"] += 1
        for p in report.paragraphs:
            for d in (out, k):
                d["paragraphs"] += 1
                d["outcomes"][label_key(p.outcome)] += 1
                for s in p.sentences:
                    d["sentences"] += 1
                    d["sentiments"][s.sentiment or "unlabelled"] += 1
    total = sum(out["sentiments"].values()) or 1
    out["sentiment_share"] = {s: round(out["sentiments"][s] / total, 3) for s in SENTIMENTS}
    out["below_60"] = [label_key(l) for l in REQUIRED_LABELS if out["outcomes"][label_key(l)] < 60]

    def plain(d):
        return {k: plain(v) if isinstance(v, dict) else v for k, v in d.items()}
    return plain(out)


def export_records(roots=None) -> Iterator[dict]:
    """One flat record per labelled paragraph, for pandas and other tools."""
    for report in load(roots):
        for p in report.paragraphs:
            yield {
                "report": report.id,
                "report_kind": report.kind,
                "area": report.area,
                "paragraph": p.paragraph,
                "kind": p.kind,
                "outcome": p.outcome,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                "sentences": [{"text": s.text, "sentiment": s.sentiment, "start": s.start, "end": s.end}
                              for s in p.sentences],
            }


def corpus_hash(roots=None) -> str:
    """sha256 over every catalogue, report and annotation file, in a fixed order."""
    if roots is None:
        roots = [DEFAULT_CORPUS]
    elif isinstance(roots, (str, Path)):
        roots = [roots]
    h = hashlib.sha256()
    for root in map(Path, roots):
        for path in sorted(p for sub in ("catalogue.jsonl", "reports", "annotations")
                           for p in ([root / sub] if (root / sub).is_file() else sorted((root / sub).glob("*")))):
            if path.is_file():
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def _write_report(root: Path, rid: str, kind: str, text: str, paragraphs: list[dict], suffix: str,
                  title: str = "", area: str = "") -> dict:
    (root / "reports").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "reports" / f"{rid}{suffix}").write_text(text, encoding="utf-8")
    with open(root / "annotations" / f"{rid}.jsonl", "w", encoding="utf-8") as fh:
        for p in paragraphs:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return {"report": rid, "file": f"reports/{rid}{suffix}", "kind": kind, "title": title, "area": area}


def build_from_drafts(drafts: Path | str, root: Path | str) -> list[dict]:
    """Turn marked-up drafts (see :mod:`pipeline.markup`) into a corpus folder.

    Writes ``reports/``, ``annotations/`` and ``catalogue.jsonl`` under ``root``.
    """
    drafts, root = Path(drafts), Path(root)
    catalogue = []
    for path in sorted(drafts.glob("*.md")):
        if path.name.isupper() or path.stem.upper() == path.stem:
            continue  # BRIEF.md and other notes
        try:
            marked = parse_markup(path.read_text(encoding="utf-8"))
        except MarkupError as exc:
            raise CorpusError(f"{path}: {exc}") from None
        rid = path.stem
        paragraphs = []
        for n, p in enumerate(marked.paragraphs, 1):
            paragraphs.append({
                "report": rid, "paragraph": n, "kind": p.kind, "start": p.start, "end": p.end,
                "outcome": p.outcome, "text": marked.text[p.start:p.end],
                "sentences": [{"start": s.start, "end": s.end, "sentiment": s.sentiment,
                               "text": marked.text[s.start:s.end]} for s in p.sentences],
            })
        catalogue.append(_write_report(root, rid, marked.header["kind"], marked.text, paragraphs, ".md",
                                       marked.header.get("title", ""), marked.header.get("area", "")))
    with open(root / "catalogue.jsonl", "w", encoding="utf-8") as fh:
        for entry in catalogue:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return catalogue


def from_headings(paths: Iterable[Path | str], root: Path | str, nlp=None) -> dict:
    """Silver corpus from real reports with outcome headings.

    Paragraphs under an outcome (or General) heading take that heading as
    their outcome label; recommendation bullets, by ANNOTATION.md, have
    improvement sentences but no outcome here and are left out.  Sentences
    are split by spaCy and left unlabelled (``sentiment: null``).
    Returns counts: reports written, paragraphs, and skipped files with reasons.
    """
    from ..model.nlp import analyse, build_nlp
    from ..segment.segmenter import segment

    nlp = nlp or build_nlp()
    root = Path(root)
    catalogue_path = root / "catalogue.jsonl"
    existing = {e["report"]: e for e in _catalogue(root)} if catalogue_path.exists() else {}
    result = {"reports": 0, "paragraphs": 0, "skipped": []}
    for path in map(Path, paths):
        try:
            text = read(path)
        except ReadError as exc:
            result["skipped"].append(str(exc))
            continue
        report = segment(text)
        labelled = [p for p in report.paragraphs if p.heading_outcome is not None and p.kind == "finding"]
        if not labelled:
            result["skipped"].append(f"{path}: no paragraphs under outcome headings")
            continue
        paragraphs = []
        for n, (p, analysed) in enumerate(zip(labelled, analyse(nlp, (p.text for p in labelled))), 1):
            paragraphs.append({
                "report": report.id, "paragraph": p.number or n, "kind": "finding", "start": p.start, "end": p.end,
                "outcome": p.heading_outcome, "text": p.text,
                "sentences": [{"start": p.start + s.start, "end": p.start + s.end, "sentiment": None,
                               "text": s.text} for s in analysed.sentences],
            })
        suffix = path.suffix if path.suffix in (".md", ".txt") else ".txt"
        existing[report.id] = _write_report(root, report.id, "provider" if re.search(r"Outcome\s+0\d", report.text)
                                            else "joint", report.text, paragraphs, suffix,
                                            report.meta.get("title", ""), report.meta.get("authority", ""))
        result["reports"] += 1
        result["paragraphs"] += len(paragraphs)
    root.mkdir(parents=True, exist_ok=True)
    with open(catalogue_path, "w", encoding="utf-8") as fh:
        for entry in existing.values():
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return result


def stock_lines(root: Path | str | None = None) -> frozenset[str]:
    """The corpus's listed stock judgement lines (``stock_lines.txt``): short verdicts real reports
    repeat word for word, the one exception to the near-duplicate rule."""
    path = Path(root or DEFAULT_CORPUS) / "stock_lines.txt"
    if not path.exists():
        return frozenset()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _tokens(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def near_duplicates(texts: list[str], threshold: float = 0.8) -> list[tuple[int, int, float]]:
    """Pairs of texts whose token sets have Jaccard similarity ≥ ``threshold``.

    Uses prefix filtering (tokens ordered rarest first), so a corpus of tens
    of thousands of sentences is checked in seconds rather than comparing
    every pair.
    """
    sets = [_tokens(t) for t in texts]
    df = Counter(tok for s in sets for tok in s)
    ordered = [sorted(s, key=lambda t: (df[t], t)) for s in sets]
    index: dict[str, list[int]] = {}
    pairs = []
    for i in sorted(range(len(sets)), key=lambda i: len(sets[i])):
        s = sets[i]
        if not s:
            continue
        prefix = len(s) - int(threshold * len(s) + 1e-9) + 1
        candidates = set()
        for tok in ordered[i][:prefix]:
            candidates.update(index.get(tok, ()))
            index.setdefault(tok, []).append(i)
        for j in candidates:
            t = sets[j]
            if len(t) < threshold * len(s):
                continue
            jac = len(s & t) / len(s | t)
            if jac >= threshold:
                pairs.append((min(i, j), max(i, j), round(jac, 3)))
    return sorted(pairs)


def agreement(second_pass: Path | str, roots=None, adjudication: Path | str | None = None,
              undo: Iterable[Path | str] = ()) -> dict:
    """Cohen's kappa between the corpus labels and a blind second pass.

    ``second_pass`` is JSONL, one line per re-labelled paragraph:
    ``{"report", "paragraph", "outcome", "sentiments": [one label per sentence]}``.
    To measure agreement as it was before disagreements were resolved, the
    first pass's labels are restored: ``undo`` names review files (lines
    ``{"report", "paragraph", "sentence", "decision"}`` that turned a
    ``neutral`` sentence into ``decision``, or ``{"report", "paragraph", "first",
    "decision"}`` that changed a paragraph's outcome) made after the second pass, and
    ``adjudication`` (lines ``{"report", "paragraph", "unit", "first",
    "second", "decision", "text"?}``) the resolutions.  Returns kappa and raw
    agreement for outcomes and sentence sentiment, the disagreements, and
    ``labels`` (the paired label lists the figures come from).
    """
    import copy

    from sklearn.metrics import cohen_kappa_score

    first = {(r.id, p.paragraph): p for r in load(roots) for p in r.paragraphs}
    for review in undo:  # later reviews first: they are undone before the adjudication
        for obj in map(json.loads, Path(review).read_text(encoding="utf-8").splitlines()):
            key = (obj["report"], obj["paragraph"])
            if key not in first or str(obj.get("decision")) == str(obj.get("first", "neutral")):
                continue
            p = first[key] = copy.deepcopy(first[key])
            if "sentence" in obj:
                p.sentences[obj["sentence"]].sentiment = "neutral"
            else:  # an outcome review (the narrowing of `general`) records the label it replaced
                p.outcome = parse_outcome_label(obj["first"])
    if adjudication is not None:
        for obj in map(json.loads, Path(adjudication).read_text(encoding="utf-8").splitlines()):
            key = (obj["report"], obj["paragraph"])
            if key not in first or str(obj["decision"]) == str(obj["first"]):
                continue
            p = first[key] = copy.deepcopy(first[key])
            if obj["unit"] == "outcome":
                p.outcome = parse_outcome_label(obj["first"])
            else:
                hits = [s for s in p.sentences if s.text == obj.get("text") or
                        (obj.get("text") is None and s.sentiment == obj["decision"])]
                for s in hits[:1]:
                    s.sentiment = obj["first"]
    o1, o2, s1, s2, diffs = [], [], [], [], []
    path = Path(second_pass)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        key = (obj["report"], obj["paragraph"])
        if key not in first:
            raise CorpusError(f"{path}:{lineno}: no paragraph {obj['paragraph']} in report {obj['report']!r}")
        p = first[key]
        if len(obj["sentiments"]) != len(p.sentences):
            raise CorpusError(f"{path}:{lineno}: {len(obj['sentiments'])} sentiments for {len(p.sentences)} sentences")
        second = parse_outcome_label(obj["outcome"])
        o1.append(label_key(p.outcome))
        o2.append(label_key(second))
        if p.outcome != second:
            diffs.append({"report": key[0], "paragraph": key[1], "unit": "outcome", "first": p.outcome,
                          "second": second, "text": p.text})
        for s, label in zip(p.sentences, obj["sentiments"]):
            s1.append(s.sentiment)
            s2.append(label)
            if s.sentiment != label:
                diffs.append({"report": key[0], "paragraph": key[1], "unit": "sentence", "first": s.sentiment,
                              "second": label, "text": s.text})
    if not o1:
        raise CorpusError(f"{path}: no paragraphs")
    agree = lambda a, b: round(sum(x == y for x, y in zip(a, b)) / len(a), 4)  # noqa: E731
    return {
        "paragraphs": len(o1), "sentences": len(s1),
        "outcome": {"kappa": round(float(cohen_kappa_score(o1, o2)), 4), "agreement": agree(o1, o2)},
        "sentiment": {"kappa": round(float(cohen_kappa_score(s1, s2)), 4), "agreement": agree(s1, s2)},
        "disagreements": diffs,
        "labels": {"o1": o1, "o2": o2, "s1": s1, "s2": s2},
    }


def agreement_batches(root: Path | str | None = None, resolved: bool = False) -> list[dict]:
    """Agreement for every batch listed in ``<corpus>/agreement/batches.json``, and pooled.

    Each batch names its ``second_pass`` file, its ``adjudication`` file and
    the reviews to ``undo`` (all relative to the agreement folder).  With
    ``resolved``, agreement is measured against the corpus as it is now.
    """
    from sklearn.metrics import cohen_kappa_score

    root = Path(root) if root else DEFAULT_CORPUS
    folder = root / "agreement"
    spec = json.loads((folder / "batches.json").read_text(encoding="utf-8"))
    out, pooled = [], {"o1": [], "o2": [], "s1": [], "s2": []}
    for batch in spec:
        res = agreement(folder / batch["second_pass"], root,
                        None if resolved else folder / batch["adjudication"],
                        [] if resolved else [folder / u for u in batch.get("undo", [])])
        res["batch"] = batch["name"]
        out.append(res)
        for key, values in res.pop("labels").items():
            pooled[key].extend(values)
    agree = lambda a, b: round(sum(x == y for x, y in zip(a, b)) / len(a), 4)  # noqa: E731
    out.append({"batch": "all", "paragraphs": len(pooled["o1"]), "sentences": len(pooled["s1"]),
                "outcome": {"kappa": round(float(cohen_kappa_score(pooled["o1"], pooled["o2"])), 4),
                            "agreement": agree(pooled["o1"], pooled["o2"])},
                "sentiment": {"kappa": round(float(cohen_kappa_score(pooled["s1"], pooled["s2"])), 4),
                              "agreement": agree(pooled["s1"], pooled["s2"])}})
    return out
