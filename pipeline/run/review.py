"""A run's least certain paragraphs → annotation tasks for Label Studio or Prodigy.

``esq review RUN --out FILE`` picks the paragraphs whose outcome or whose
sentences the model is least sure of, lowest confidence first and spread
across outcomes, and writes one task per paragraph with the model's labels
pre-filled as suggestions: the outcome as a choice, each sentence as a span
labelled with its sentiment.  Every task carries the ids and offsets that
lead back to the report (:data:`META_KEYS`), which
:mod:`pipeline.corpus.importer` reads to turn the corrected tasks into a
corpus folder.

Formats, as each tool documents its import:

* Label Studio: a JSON list of tasks ``{"data": {...}, "predictions":
  [{"model_version", "score", "result": [...]}]}`` with a ``choices`` result
  named ``outcome`` and ``labels`` results named ``sentiment`` on the ``text``
  object (Label Studio imports JSON lists, not JSONL); the labeling
  configuration they need is written beside it (:func:`label_studio_config`).
* Prodigy: JSONL, one task per line ``{"text", "meta", "options", "accept",
  "spans"}``, for ``textcat.manual`` (outcome) and ``spans.manual`` (sentences).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..atomic import atomic_write
from ..standards import OUTCOME_LABELS, SENTIMENTS, label_key, outcome_title

__all__ = ["FORMATS", "META_KEYS", "OUTCOME_FIELD", "SENTIMENT_FIELD", "TEXT_FIELD", "select", "tasks",
           "label_studio_config", "write_tasks", "review_run"]

FORMATS = ("labelstudio", "prodigy")
#: Label Studio names: the text object and the two controls of :func:`label_studio_config`.
TEXT_FIELD, OUTCOME_FIELD, SENTIMENT_FIELD = "text", "outcome", "sentiment"
#: What every task carries back to the report (Label Studio: in ``data``; Prodigy: in ``meta``).
META_KEYS = ("esq_id", "report", "source", "paragraph", "kind", "start", "end", "heading_outcome", "sentences",
             "model", "least_sure")


def _least_sure(record: dict) -> float:
    """The lowest confidence among what a reviewer would correct: the outcome (where no heading
    fixes it) and the sentences (where no rule fixes them, as for recommendations)."""
    scores = [] if record.get("heading_outcome") is not None else [record["outcome_confidence"]]
    if record.get("kind") != "recommendation":
        scores += [s["confidence"] for s in record.get("sentences", [])]
    return min(scores) if scores else 1.0


def select(records: Iterable[dict], limit: int = 200) -> list[dict]:
    """The ``limit`` paragraphs the model is least sure of, spread across outcomes.

    Within each outcome paragraphs go from the least sure up; the outcomes then
    take turns (the least sure paragraph of every outcome, then the second, …),
    each turn ordered by confidence, so a common outcome cannot crowd out the
    rest.  Paragraphs that are certain throughout (confidence 1) are left out.
    """
    by_outcome: dict[str, list[tuple[float, int, dict]]] = defaultdict(list)
    for n, r in enumerate(records):
        score = _least_sure(r)
        if score < 1.0:
            by_outcome[label_key(r["outcome"])].append((score, n, r))
    ranked = []
    for items in by_outcome.values():
        items.sort(key=lambda t: (t[0], t[1]))
        ranked.extend((turn, score, n, r) for turn, (score, n, r) in enumerate(items))
    ranked.sort(key=lambda t: t[:3])
    return [r for *_, r in ranked[:limit]]


def _meta(r: dict, model: str | None) -> dict:
    return {
        "esq_id": f"{r['report']}#{r['paragraph']}@{r['start']}",
        "report": r["report"], "source": r.get("source"), "paragraph": r["paragraph"], "kind": r.get("kind"),
        "start": r["start"], "end": r["end"], "heading_outcome": r.get("heading_outcome"),
        # sentence boundaries relative to the paragraph, so they survive a tool that keeps only the labels
        "sentences": [[s["start"] - r["start"], s["end"] - r["start"]] for s in r.get("sentences", [])],
        "model": model, "least_sure": round(_least_sure(r), 4),
    }


def _outcome_option(label) -> dict:
    key = label_key(label)
    return {"id": key, "text": outcome_title(label) if key == "general" else f"{key} {outcome_title(label)}"}


def _label_studio(r: dict, model: str | None) -> dict:
    meta = _meta(r, model)
    outcome = label_key(r["outcome"])
    result = [{"id": "outcome", "from_name": OUTCOME_FIELD, "to_name": TEXT_FIELD, "type": "choices",
               "value": {"choices": [outcome]},
               "score": 1.0 if r.get("heading_outcome") is not None else r["outcome_confidence"]}]
    for k, s in enumerate(r.get("sentences", []), 1):
        a, b = s["start"] - r["start"], s["end"] - r["start"]
        result.append({"id": f"s{k}", "from_name": SENTIMENT_FIELD, "to_name": TEXT_FIELD, "type": "labels",
                       "value": {"start": a, "end": b, "text": r["text"][a:b], "labels": [s["sentiment"]]},
                       "score": s["confidence"]})
    return {"data": {TEXT_FIELD: r["text"], **meta},
            "predictions": [{"model_version": model or "esq", "score": meta["least_sure"], "result": result}]}


def _prodigy(r: dict, model: str | None) -> dict:
    spans = [{"start": s["start"] - r["start"], "end": s["end"] - r["start"], "label": s["sentiment"]}
             for s in r.get("sentences", [])]
    return {"text": r["text"], "meta": _meta(r, model), "options": [_outcome_option(l) for l in OUTCOME_LABELS],
            "accept": [label_key(r["outcome"])], "spans": spans}


def tasks(records: Iterable[dict], fmt: str, model: str | None = None) -> list[dict]:
    """One task per record in ``fmt`` (``labelstudio`` or ``prodigy``), suggestions pre-filled."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    make = _label_studio if fmt == "labelstudio" else _prodigy
    return [make(r, model) for r in records]


def label_studio_config() -> str:
    """The Label Studio labeling configuration the exported tasks fit: sentence spans labelled with
    a sentiment, one outcome chosen per paragraph."""
    colours = {"strength": "#2e7d32", "improvement": "#e65100", "neutral": "#757575"}
    labels = "\n".join(f'    <Label value="{s}" background="{colours.get(s, "#1565c0")}"/>' for s in SENTIMENTS)
    choices = "\n".join(f"    <Choice value={quoteattr(label_key(l))} hint={quoteattr(outcome_title(l))}/>"
                        for l in OUTCOME_LABELS)
    return (f'<View>\n  <Header value="Mark each sentence\'s sentiment; choose the outcome the paragraph concerns"/>\n'
            f'  <Labels name="{SENTIMENT_FIELD}" toName="{TEXT_FIELD}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TEXT_FIELD}" value="${TEXT_FIELD}" granularity="word"/>\n'
            f'  <Choices name="{OUTCOME_FIELD}" toName="{TEXT_FIELD}" choice="single" showInline="false">\n'
            f'{choices}\n  </Choices>\n</View>\n')


def write_tasks(items: list[dict], out: Path | str, fmt: str) -> list[Path]:
    """Write tasks (Label Studio: a JSON list, one task a line, and ``<out>.xml`` beside it with the
    labeling configuration; Prodigy: JSONL).  Returns the files written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "prodigy":
        atomic_write(out, (json.dumps(t, ensure_ascii=False) + "\n" for t in items))
        return [out]
    lines = [json.dumps(t, ensure_ascii=False) for t in items]
    atomic_write(out, ["[\n", ",\n".join(lines), "\n]\n"])
    config = out.with_suffix(".xml")
    atomic_write(config, [label_studio_config()])
    return [out, config]


def review_run(run: Path | str, out: Path | str, fmt: str = "labelstudio", limit: int = 200) -> dict:
    """Export the least certain paragraphs of a run folder as tasks; returns counts and the files."""
    run = Path(run)
    paragraphs = run / "paragraphs.jsonl"
    if not paragraphs.exists():
        raise ValueError(f"{run}: not a tagged run (no paragraphs.jsonl); run `esq tag ... --out {run}` first")
    if fmt == "labelstudio" and Path(out).suffix.lower() == ".jsonl":
        raise ValueError(f"{out}: Label Studio imports a JSON list of tasks, not JSONL: name the file .json "
                         "(or use --format prodigy)")
    records = []
    with open(paragraphs, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{paragraphs} line {n}: not JSON ({exc.msg})") from None
    model = None
    if (run / "run.json").exists():
        try:
            model = json.loads((run / "run.json").read_text(encoding="utf-8")).get("model")
        except json.JSONDecodeError:
            model = None
    try:
        chosen = select(records, limit)
        items = tasks(chosen, fmt, model)
    except KeyError as exc:
        raise ValueError(f"{paragraphs}: a record lacks {exc}") from None
    files = write_tasks(items, out, fmt)
    outcomes = len({label_key(r["outcome"]) for r in chosen})
    sentences = sum(len(r.get("sentences", [])) for r in chosen)
    least = min((_least_sure(r) for r in chosen), default=None)
    return {"tasks": len(items), "paragraphs_in_run": len(records), "outcomes": outcomes, "sentences": sentences,
            "least_sure": least, "files": [str(f) for f in files]}
