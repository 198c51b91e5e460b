"""Corrected review tasks (Label Studio or Prodigy exports) → a corpus folder.

``esq corpus import FILE --tool labelstudio|prodigy --out DIR`` reads the
annotations a researcher made on the tasks of ``esq review``
(:mod:`pipeline.run.review`) and writes them in the corpus format of
:mod:`pipeline.corpus.store`, so that ``esq corpus check DIR`` validates them
and ``esq train corpus DIR --out MODEL`` trains on the project corpus plus them.

Each report is read again from the source path the task names (or found by
file name under ``sources``) and must be the file that was tagged (its
content hash is in the report id); offsets then point into its text exactly
as in the run.  A paragraph takes the outcome the annotator chose, or, where
they chose none, the outcome its report heading names; without either it is
left out.  Sentences take the sentiment the annotator gave their span; a
sentence they left without a label keeps its boundaries with no sentiment
(not used to train sentiment), except in recommendations, which are
improvements by the labelling scheme.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write
from ..read.reader import ReadError, read
from ..run.review import OUTCOME_FIELD, SENTIMENT_FIELD
from ..segment.segmenter import report_id, segment
from ..standards import SENTIMENTS, parse_outcome_label
from .markup import REPORT_KINDS
from .store import CorpusError

__all__ = ["TOOLS", "Reviewed", "read_reviewed", "import_reviewed"]

TOOLS = ("labelstudio", "prodigy")
# Prodigy interfaces: which part of a task the annotator saw and could change.
_CHOICE_VIEWS = {"choice", "classification"}
_SPAN_VIEWS = {"spans_manual", "ner_manual", "spans", "ner"}


@dataclass
class Reviewed:
    """One paragraph as annotated: the export's meta, the outcome chosen (None: not chosen) and the
    sentence spans labelled, relative to the paragraph (None: the annotator saw no spans)."""

    where: str
    meta: dict
    text: str
    outcome: int | str | None
    spans: list[tuple[int, int, str]] | None


def _records(path: Path) -> list[dict]:
    """A JSON list (Label Studio's export) or JSON lines (Prodigy's ``db-out``; either tool)."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read ({exc})") from None
    try:
        data = json.loads(raw)
        return data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        pass
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return out


def _outcome(value, where: str):
    # A label as its id ("9", "general") or as an option's text ("9 Management of medicines").
    try:
        return parse_outcome_label(str(value).strip().split()[0].rstrip(":.") if str(value).strip() else value)
    except ValueError as exc:
        raise CorpusError(f"{where}: {exc}") from None


def _sentiment(value, where: str) -> str:
    if value not in SENTIMENTS:
        raise CorpusError(f"{where}: sentiment {value!r} is not one of {', '.join(SENTIMENTS)}")
    return value


def _meta(obj: dict, where: str) -> dict:
    if not isinstance(obj, dict) or not obj.get("esq_id"):
        raise CorpusError(f"{where}: no esq_id: not a task exported by `esq review`")
    missing = [k for k in ("report", "source", "start", "end") if k not in obj]
    if missing:
        raise CorpusError(f"{where}: the task lacks {', '.join(missing)}")
    return obj


def _from_label_studio(task: dict, where: str) -> Reviewed | None:
    data = task.get("data") if isinstance(task, dict) else None
    meta = _meta(data, where)
    done = [a for a in task.get("annotations") or task.get("completions") or [] if not a.get("was_cancelled")]
    if not done:
        return None  # exported but never annotated
    latest = max(enumerate(done), key=lambda ia: (str(ia[1].get("updated_at") or ia[1].get("created_at") or ""),
                                                  ia[0]))[1]
    outcome, spans = None, []
    for item in latest.get("result") or []:
        value = item.get("value") or {}
        if item.get("from_name") == OUTCOME_FIELD and item.get("type") == "choices" and value.get("choices"):
            outcome = _outcome(value["choices"][0], where)
        elif item.get("from_name") == SENTIMENT_FIELD and item.get("type") == "labels" and value.get("labels"):
            spans.append((int(value["start"]), int(value["end"]), _sentiment(value["labels"][0], where)))
    return Reviewed(where, meta, data.get("text", ""), outcome, spans or None)


def _from_prodigy(task: dict, where: str) -> Reviewed | None:
    meta = _meta(task.get("meta") if isinstance(task, dict) else None, where)
    if task.get("answer", "accept") != "accept":
        return None  # rejected or skipped by the annotator
    view = task.get("_view_id")
    outcome = spans = None
    if view is None or view not in _SPAN_VIEWS:
        chosen = task.get("accept")
        if chosen:
            outcome = _outcome(chosen[0], where)
    if view is None or view not in _CHOICE_VIEWS:
        if task.get("spans") is not None:
            spans = [(int(s["start"]), int(s["end"]), _sentiment(s.get("label"), where)) for s in task["spans"]]
    return Reviewed(where, meta, task.get("text", ""), outcome, spans)


def read_reviewed(path: Path | str, tool: str) -> list[Reviewed]:
    """The annotated paragraphs of an export, one per task id (a later record of the same paragraph,
    e.g. from a second Prodigy dataset, adds what the earlier lacks or corrects it)."""
    if tool not in TOOLS:
        raise CorpusError(f"--tool must be one of {', '.join(TOOLS)}, not {tool!r}")
    path = Path(path)
    parse = _from_label_studio if tool == "labelstudio" else _from_prodigy
    merged: dict[str, Reviewed] = {}
    for n, task in enumerate(_records(path), 1):
        where = f"{path} task {n}"
        try:
            r = parse(task, where)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CorpusError):
                raise
            raise CorpusError(f"{where}: malformed ({type(exc).__name__}: {exc})") from None
        if r is None:
            continue
        prev = merged.get(r.meta["esq_id"])
        if prev is not None:
            r.outcome = r.outcome if r.outcome is not None else prev.outcome
            r.spans = r.spans if r.spans is not None else prev.spans
        merged[r.meta["esq_id"]] = r
    return list(merged.values())


def _source(meta: dict, sources: Path | None, where: str) -> Path:
    path = Path(str(meta["source"]))
    if path.exists():
        return path
    if sources is not None:
        found = sorted(p for p in sources.rglob(path.name) if p.is_file())
        if found:
            return found[0]
    raise CorpusError(f"{where}: the report {path} is not there; pass --sources DIR (a folder holding it)")


def _sentences(r: Reviewed, text: str, start: int, end: int) -> list[dict]:
    length = end - start
    reviewed = sorted(set(r.spans or []))
    for a, b, _ in reviewed:
        if not 0 <= a < b <= length:
            raise CorpusError(f"{r.where}: span {a}-{b} lies outside the paragraph (length {length})")
    for (a0, a1, _), (b0, _, _) in zip(reviewed, reviewed[1:]):
        if b0 < a1:
            raise CorpusError(f"{r.where}: spans {a0}-{a1} and {b0}-… overlap; give each sentence one span")
    spans = list(reviewed)
    for a, b in r.meta.get("sentences") or []:  # boundaries the annotator left without a label
        if not any(a < y and x < b for x, y, _ in reviewed) and 0 <= a < b <= length:
            spans.append((a, b, None))
    rule = "improvement" if r.meta.get("kind") == "recommendation" else None
    out = []
    for a, b, label in sorted(spans, key=lambda s: s[0]):
        # spans drawn by hand may take in the space around a sentence: the corpus holds it trimmed
        piece = text[start + a:start + b]
        a, b = a + len(piece) - len(piece.lstrip()), b - (len(piece) - len(piece.rstrip()))
        if a < b:
            out.append({"start": start + a, "end": start + b, "sentiment": label or rule,
                        "text": text[start + a:start + b]})
    return out


def _kind(text: str, kind: str | None) -> str:
    if kind is not None:
        if kind not in REPORT_KINDS:
            raise CorpusError(f"--kind must be one of {', '.join(REPORT_KINDS)}, not {kind!r}")
        return kind
    # as `esq corpus from-headings` decides: the provider template numbers its outcomes "Outcome 04"
    return "provider" if re.search(r"Outcome\s+0\d", text) else "joint"


def import_reviewed(path: Path | str, tool: str, out: Path | str, sources: Path | str | None = None,
                    kind: str | None = None) -> dict:
    """Write the annotated paragraphs of an export into the corpus folder ``out`` (created or extended).

    Returns counts (``reports``, ``paragraphs``, ``sentences``, ``labelled_sentences``) and
    ``skipped``: one line per paragraph left out and why.  Raises :class:`CorpusError` naming the
    file and task for a malformed export, a missing report or one that changed since it was tagged.
    """
    out = Path(out)
    sources = Path(sources) if sources else None
    reviewed = read_reviewed(path, tool)
    by_report: dict[str, list[Reviewed]] = defaultdict(list)
    for r in reviewed:
        by_report[str(r.meta["report"])].append(r)
    catalogue_path = out / "catalogue.jsonl"
    catalogue: dict[str, dict] = {}
    if catalogue_path.exists():
        for n, line in enumerate(catalogue_path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{catalogue_path}:{n}: not JSON ({exc.msg})") from None
                catalogue[entry["report"]] = entry
    result = {"reports": 0, "paragraphs": 0, "sentences": 0, "labelled_sentences": 0, "skipped": []}
    written: list[tuple[str, str, str, list[dict], dict]] = []
    for rid, items in by_report.items():
        first = items[0]
        source = _source(first.meta, sources, first.where)
        try:
            doc = read(source)
        except ReadError as exc:
            raise CorpusError(f"{first.where}: {exc}") from None
        if report_id(str(source), doc.sha256) != rid:
            raise CorpusError(f"{first.where}: {source} is not the file that was tagged as {rid} "
                              "(its content has changed since); review a run of the file as it is now")
        text = doc.text
        paragraphs = []
        for r in sorted(items, key=lambda r: r.meta["start"]):
            start, end = int(r.meta["start"]), int(r.meta["end"])
            if not (0 <= start < end <= len(text)) or (r.text and text[start:end] != r.text):
                raise CorpusError(f"{r.where}: the paragraph is not at {start}-{end} of {source}")
            outcome = r.outcome if r.outcome is not None else r.meta.get("heading_outcome")
            if outcome is None:
                result["skipped"].append(f"{r.where}: {rid} paragraph {r.meta.get('paragraph')}: "
                                         "no outcome chosen and no outcome heading")
                continue
            sentences = _sentences(r, text, start, end)
            if not sentences:
                result["skipped"].append(f"{r.where}: {rid} paragraph {r.meta.get('paragraph')}: no sentences")
                continue
            paragraphs.append({"report": rid, "paragraph": r.meta.get("paragraph"),
                               "kind": r.meta.get("kind") or "finding", "start": start, "end": end,
                               "outcome": _outcome(outcome, r.where), "text": text[start:end],
                               "sentences": sentences})
        if paragraphs:
            report = segment(doc)
            written.append((rid, text, _kind(text, kind), paragraphs,
                            {"title": report.meta.get("title") or "", "area": report.meta.get("authority") or ""}))
    for rid, text, report_kind, paragraphs, info in written:
        (out / "reports").mkdir(parents=True, exist_ok=True)
        (out / "annotations").mkdir(parents=True, exist_ok=True)
        report_file = out / "reports" / f"{rid}.txt"
        atomic_write(report_file, [text])
        if read(report_file).text != text:
            raise CorpusError(f"{report_file}: reading the written report back gives other text; "
                              "offsets would not hold")
        ann = out / "annotations" / f"{rid}.jsonl"
        kept = []
        if ann.exists():  # extending: earlier paragraphs stay unless a new one covers them
            for line in ann.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    old = json.loads(line)
                    if not any(p["start"] < old["end"] and old["start"] < p["end"] for p in paragraphs):
                        kept.append(old)
        lines = sorted(kept + paragraphs, key=lambda p: p["start"])
        atomic_write(ann, (json.dumps(p, ensure_ascii=False) + "\n" for p in lines))
        catalogue[rid] = {"report": rid, "file": f"reports/{rid}.txt", "kind": report_kind, **info}
        result["reports"] += 1
        result["paragraphs"] += len(paragraphs)
        result["sentences"] += sum(len(p["sentences"]) for p in paragraphs)
        result["labelled_sentences"] += sum(s["sentiment"] is not None for p in paragraphs for s in p["sentences"])
    if written:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(catalogue_path, (json.dumps(e, ensure_ascii=False) + "\n" for e in catalogue.values()))
    return result
