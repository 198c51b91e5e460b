"""A run folder: inputs, manifest, jobs, resumption, atomic writes.

``DIR/parts/<report>.jsonl`` holds each tagged report, ``DIR/manifest.jsonl``
one line per input (path, size, sha256, status, message, seconds, model),
``DIR/run.json`` the model's id and library versions, and
``DIR/paragraphs.jsonl`` every tagged paragraph in input order.  Every file
is written to a temporary name and renamed into place, so an interrupted
run leaves a folder the next run completes: inputs already ``ok`` with the
same content and model are skipped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

from .atomic import atomic_write
from .persist import Model, library_versions, load_model
from .read import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, ReadError, read
from .segment import segment
from .tagging import tag_report

__all__ = ["expand_inputs", "Entry", "run", "atomic_write", "read_jsonl"]


@dataclass
class Entry:
    """One input's line in the manifest."""

    path: str
    size: int | None
    sha256: str | None
    status: str
    message: str
    report: str | None = None
    paragraphs: int = 0
    seconds: float = 0.0
    model: str | None = None
    duplicate_of: str | None = None
    title: str | None = None
    authority: str | None = None
    grades: dict | None = None


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files, folders (recursively, supported suffixes), globs, and ``@list`` files of paths.

    Paths that match nothing are kept, so they appear in the manifest as missing.
    """
    out: list[str] = []
    for item in inputs:
        if item.startswith("@"):
            listing = Path(item[1:])
            try:
                lines = listing.read_text(encoding="utf-8").splitlines()
            except OSError:
                out.append(item)
                continue
            out.extend(expand_inputs(l.strip() for l in lines if l.strip() and not l.startswith("#")))
        elif Path(item).is_dir():
            out.extend(sorted(str(p) for p in Path(item).rglob("*")
                              if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif any(ch in item for ch in "*?[") and not Path(item).exists():
            matches = sorted(glob.glob(item, recursive=True))
            out.extend(matches if matches else [item])
        else:
            out.append(item)
    seen, unique = set(), []
    for p in out:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def _hash(path: str) -> tuple[int | None, str | None]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None, None
    return len(data), hashlib.sha256(data).hexdigest()


# Worker state: each process loads the model and builds nlp once.
_WORKER: dict = {}


def _init_worker(model_dir: str | None, spacy_model: str | None) -> None:
    from .nlp import build_nlp
    _WORKER["model"] = load_model(model_dir)
    _WORKER["nlp"] = build_nlp(spacy_model)


def _tag_one(args) -> tuple[dict, list[dict]]:
    path, max_bytes, explain = args
    model, nlp = _WORKER["model"], _WORKER["nlp"]
    t0 = time.perf_counter()
    size, sha = _hash(path)
    entry = Entry(path, size, sha, "ok", "", model=model.id)
    records: list[dict] = []
    try:
        text = read(path, max_bytes=max_bytes)
        report = segment(text)
        entry.report = report.id
        entry.title = report.meta.get("title")
        entry.authority = report.meta.get("authority")
        entry.grades = report.meta.get("grades") or None
        if not report.paragraphs:
            entry.status, entry.message = "no paragraphs", f"{path}: no finding paragraphs found"
        else:
            records = tag_report(report, model, nlp, explain_terms=explain)
            entry.paragraphs = len(records)
            entry.message = f"{len(records)} paragraphs"
    except ReadError as exc:
        entry.status, entry.message = exc.status, str(exc)
    except Exception as exc:  # one bad report must not stop a batch; say what happened
        entry.status, entry.message = "error", f"{path}: {type(exc).__name__}: {exc}"
    entry.seconds = round(time.perf_counter() - t0, 4)
    return asdict(entry), records


def run(inputs: Iterable[str], out: Path | str, model_dir: str | None = None, jobs: int = 1,
        explain: int = 0, max_bytes: int = DEFAULT_MAX_BYTES, spacy_model: str | None = None,
        log=None) -> list[dict]:
    """Tag every input into the run folder ``out``; returns the manifest entries.

    Raises :class:`pipeline.persist.ModelError` before any work if the model
    cannot be trusted.
    """
    out = Path(out)
    (out / "parts").mkdir(parents=True, exist_ok=True)
    model: Model = load_model(model_dir)  # verify in the parent, so a bad model fails once, clearly
    paths = expand_inputs(inputs)
    manifest_path = out / "manifest.jsonl"
    previous = {e["path"]: e for e in read_jsonl(manifest_path)} if manifest_path.exists() else {}

    entries: dict[str, dict] = {}
    todo: list[str] = []
    by_sha: dict[str, str] = {}
    for p in paths:
        size, sha = _hash(p)
        prev = previous.get(p)
        if (prev and prev["status"] == "ok" and prev["sha256"] == sha and prev["model"] == model.id
                and (prev.get("duplicate_of") or (out / "parts" / f"{prev['report']}.jsonl").exists())):
            entries[p] = prev
            if not prev.get("duplicate_of"):
                by_sha.setdefault(sha, p)
        else:
            todo.append(p)

    def write_manifest():
        atomic_write(manifest_path, (json.dumps(entries[p], ensure_ascii=False) + "\n" for p in paths if p in entries))

    def emit(k, entry):
        if log is not None:
            log(f"[{k}/{len(todo)}] {entry['path']}: {entry['status']}"
                + (f" ({entry['message']})" if entry["status"] == "ok" else f" - {entry['message']}"))

    # The same content met twice is tagged once: later copies point at the first.
    unique, dups = [], []
    for p in todo:
        _, sha = _hash(p)
        if sha is not None and sha in by_sha:
            dups.append((p, by_sha[sha]))
        else:
            if sha is not None:
                by_sha[sha] = p
            unique.append(p)

    tasks = [(p, max_bytes, explain) for p in unique]
    done = 0
    if jobs > 1 and len(tasks) > 1:
        ctx = get_context("spawn")
        pool = ctx.Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(model_dir, spacy_model))
        results = pool.imap(_tag_one, tasks)
    else:
        pool = None
        _init_worker(model_dir, spacy_model)
        results = map(_tag_one, tasks)
    try:
        for entry, records in results:
            if entry["status"] == "ok":
                atomic_write(out / "parts" / f"{entry['report']}.jsonl",
                             (json.dumps(r, ensure_ascii=False) + "\n" for r in records))
            entries[entry["path"]] = entry
            done += 1
            emit(done, entry)
            write_manifest()
    finally:
        if pool is not None:
            pool.terminate()
    for p, first in dups:
        size, sha = _hash(p)
        src = entries.get(first, {})
        entries[p] = asdict(Entry(p, size, sha, src.get("status", "ok"), f"same content as {first}",
                                  report=src.get("report"), paragraphs=src.get("paragraphs", 0),
                                  model=model.id, duplicate_of=first))
        done += 1
        emit(done, entries[p])
    write_manifest()

    def all_records():
        for p in paths:
            e = entries.get(p)
            if e and e["status"] == "ok" and not e.get("duplicate_of"):
                yield from (json.dumps(r, ensure_ascii=False) + "\n" for r in read_jsonl(out / "parts" / f"{e['report']}.jsonl"))
    atomic_write(out / "paragraphs.jsonl", all_records())
    counts: dict[str, int] = {}
    for e in entries.values():
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    atomic_write(out / "run.json", [json.dumps({
        "model": model.id, "model_path": str(model.path), "mode": model.card.get("mode"),
        "versions": library_versions(), "inputs": len(paths), "status_counts": counts,
        "spacy_pipeline": spacy_model or "blank:en + sentencizer + lookup lemmatizer",
    }, indent=2) + "\n"])
    return [entries[p] for p in paths]


def stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
