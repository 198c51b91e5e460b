"""A run's paragraphs and sentences as partitioned Parquet: one part per batch of inputs, written atomically.

``DIR/parquet/paragraphs/<part>.parquet`` holds one row per tagged
paragraph, ``DIR/parquet/sentences/<part>.parquet`` one row per sentence
(the paragraph's report, authority, number, kind and outcome repeated on
each, so a sentence table needs no join).  A part holds the inputs of one
batch; its name is a hash of the reports in it and the model, so a batch
tagged again (a worker that died, a rerun) rewrites the same file.  At the
end of every run the parts are tidied (:func:`prune`) to hold each tagged
report of the manifest once; readers of a folder a killed run left behind
take each report from one part only (:func:`assign`).  A part is written to
a temporary name and renamed into place: a reader sees all of a part or
none of it.

Any Parquet reader opens them: ``pandas.read_parquet("DIR/parquet/sentences")``,
DuckDB's ``read_parquet('DIR/parquet/sentences/*.parquet')``, pyarrow
datasets, dask.dataframe, R's arrow.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq

from ..atomic import public

__all__ = ["PARAGRAPHS", "SENTENCES", "part_name", "write_part", "paragraph_rows", "sentence_rows",
           "part_reports", "assign", "prune", "STALE"]

_S, _I, _F, _B = pa.string(), pa.int32(), pa.float64(), pa.bool_()  # float64: confidences read back exactly

#: One row per paragraph: the record of ``paragraphs.jsonl`` less its sentences, plus its place.
PARAGRAPHS = pa.schema([
    ("report", _S), ("source", _S), ("authority", _S), ("paragraph_index", _I), ("paragraph", _S),
    ("kind", _S), ("heading", _S), ("heading_outcome", _S), ("predicted_outcome", _S),
    ("outcome_confidence", _F), ("review", _B), ("outcome", _S), ("disagreement", _B), ("timescale", _S),
    ("sentiment", _S), ("start", _I), ("end", _I), ("page", _I), ("text", _S), ("sentences", _I),
    ("outcome_probabilities", _S), ("explanation", _S)])

#: One row per sentence, with its paragraph's keys.
SENTENCES = pa.schema([
    ("report", _S), ("authority", _S), ("paragraph_index", _I), ("paragraph", _S), ("kind", _S),
    ("outcome", _S), ("sentence_index", _I), ("start", _I), ("end", _I), ("text", _S), ("sentiment", _S),
    ("confidence", _F), ("review", _B), ("explanation", _S)])

#: Temporary parts of a write that was killed, swept at the start of a run.
STALE = ".*.parquet.tmp"


def _str(value) -> str | None:
    return None if value is None else str(value)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def paragraph_rows(records: Iterable[dict]) -> list[dict]:
    """``paragraphs.jsonl`` records → rows of :data:`PARAGRAPHS` (outcomes and paragraph numbers as text,
    probabilities and explanations as JSON text)."""
    rows = []
    for k, r in enumerate(records):
        rows.append({"report": r["report"], "source": r.get("source"), "authority": r.get("authority"),
                     "paragraph_index": k, "paragraph": _str(r["paragraph"]), "kind": r["kind"],
                     "heading": r.get("heading"), "heading_outcome": _str(r.get("heading_outcome")),
                     "predicted_outcome": _str(r.get("predicted_outcome")),
                     "outcome_confidence": r.get("outcome_confidence"), "review": r.get("review"),
                     "outcome": _str(r["outcome"]), "disagreement": r.get("disagreement"),
                     "timescale": r.get("timescale"), "sentiment": r.get("sentiment"), "start": r.get("start"),
                     "end": r.get("end"), "page": r.get("page"), "text": r.get("text"),
                     "sentences": len(r.get("sentences") or []),
                     "outcome_probabilities": _json(r.get("outcome_probabilities")),
                     "explanation": _json(r.get("explanation"))})
    return rows


def sentence_rows(records: Iterable[dict]) -> list[dict]:
    """``paragraphs.jsonl`` records → rows of :data:`SENTENCES`."""
    rows = []
    for k, r in enumerate(records):
        for i, s in enumerate(r.get("sentences") or []):
            rows.append({"report": r["report"], "authority": r.get("authority"), "paragraph_index": k,
                         "paragraph": _str(r["paragraph"]), "kind": r["kind"], "outcome": _str(r["outcome"]),
                         "sentence_index": i, "start": s.get("start"), "end": s.get("end"), "text": s.get("text"),
                         "sentiment": s.get("sentiment"), "confidence": s.get("confidence"),
                         "review": s.get("review"), "explanation": _json(s.get("explanation"))})
    return rows


def part_name(reports: Iterable[str], model_id: str, explain: int) -> str:
    """The file name of the part holding ``reports``: the same batch tagged again gets the same name."""
    h = hashlib.sha256("\x1f".join([model_id, str(explain), *sorted(reports)]).encode("utf-8"))
    return f"part-{h.hexdigest()[:20]}.parquet"


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        public(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_part(out: str | Path, by_report: dict[str, list[dict]], model_id: str, explain: int) -> str | None:
    """Write the records of one batch (``{report: its records}``, in input order) as one part of each
    table; returns the part's file name (None for a batch with no record).  The sentences part is
    written before the paragraphs part: a part counts only where both exist."""
    if not by_report:
        return None
    name = part_name(by_report, model_id, explain)
    paras, sents = [], []
    for records in by_report.values():
        paras.extend(paragraph_rows(records))
        sents.extend(sentence_rows(records))
    out = Path(out) / "parquet"
    _write(pa.Table.from_pylist(sents, schema=SENTENCES), out / "sentences" / name)
    _write(pa.Table.from_pylist(paras, schema=PARAGRAPHS), out / "paragraphs" / name)
    return name


def part_reports(out: str | Path) -> dict[str, list[str]]:
    """``{part file name: the reports it holds}`` for the parts on disk in both tables, newest first
    (only each part's ``report`` column is read)."""
    base = Path(out) / "parquet"
    found = [p for p in (base / "paragraphs").glob("*.parquet")
             if (base / "sentences" / p.name).exists()] if (base / "paragraphs").is_dir() else []
    names = [p.name for p in sorted(found, key=lambda p: (-p.stat().st_mtime_ns, p.name))]
    return {name: pq.read_table(base / "paragraphs" / name, columns=["report"]).column("report").unique().to_pylist()
            for name in names}


def assign(parts: dict[str, list[str]], reports: Iterable[str]) -> dict[str, set[str]]:
    """Which part each of ``reports`` is read from: the newest part that holds it (``parts`` as
    :func:`part_reports` orders them), since the last tagging of a report is the one its manifest line
    describes; a report in two parts (tagged again, or by a run killed before it tidied up) counts once."""
    wanted, placed, out = set(reports), set(), {}
    for name in parts:
        mine = (set(parts[name]) & wanted) - placed
        placed |= mine
        out[name] = mine
    return out


def prune(out: str | Path, reports: Iterable[str]) -> None:
    """Make the parts on disk hold each of the run's tagged ``reports`` once and nothing else: a part
    with none of them is removed, and one that holds others (tagged again since, or dropped from the
    inputs) or a report another part already holds is rewritten without them, so
    ``read_parquet('DIR/parquet/sentences/*.parquet')`` counts each paragraph once."""
    parts = part_reports(out)
    base = Path(out) / "parquet"
    for name, keep in assign(parts, reports).items():
        if keep == set(parts[name]):
            continue
        for table in ("sentences", "paragraphs"):
            path = base / table / name
            if not keep:
                path.unlink(missing_ok=True)
                continue
            t = pq.read_table(path)
            _write(t.filter(pa.compute.is_in(t.column("report"), value_set=pa.array(sorted(keep), pa.string()))),
                   path)
    for table in ("sentences", "paragraphs"):  # half a pair: its other half was never written
        for path in (base / table).glob("*.parquet") if (base / table).is_dir() else []:
            if path.name not in parts:
                path.unlink(missing_ok=True)
