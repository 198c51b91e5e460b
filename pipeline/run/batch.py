"""A run folder: inputs, manifest, jobs, resumption, atomic writes.

``DIR/parts/<report>.jsonl`` holds each tagged report, ``DIR/manifest.jsonl``
one line per input (path, size, sha256, status, message, seconds, model,
and ``coverage``: where its text went, with a ``warning`` when an unusually
high share was left out), ``DIR/run.json`` the model's id and library
versions, ``DIR/paragraphs.jsonl`` every tagged paragraph in input order,
``DIR/skipped.jsonl`` every span left out of the findings with its reason,
and ``DIR/verdicts.jsonl`` the regulator's verdicts read from provider reports.
``DIR/parquet/`` holds the paragraphs and sentences as Parquet parts, one per
batch of inputs (:mod:`pipeline.run.parquet`); above :data:`JSONL_LIMIT`
tagged inputs ``paragraphs.jsonl`` is left out and the Parquet is the output.

The per-input work (:func:`tag_input`, :func:`write_input`) is the same
function whichever engine runs it: this module's processes on one machine
(``engine="local"``) or a Dask cluster (``engine="dask"``,
:mod:`pipeline.run.dask_engine`), so both give the same output.

Nothing is lost to an interruption: every file is written to a temporary
name and renamed into place, and the manifest is rewritten after each input,
so a run stopped at any point (Ctrl-C, a kill, a crash) leaves a folder the
next run of the same command completes: inputs already ``ok`` with the same
content, model and options are skipped.  One bad input never stops a batch:
it gets a status and a one-line message.  With several jobs, a worker
process that dies (a crash, the out-of-memory killer) costs only the input
it was reading, which gets the status ``error``.
"""

from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from ..atomic import atomic_write
from ..model.persist import Model, library_versions, load_model
from .progress import Progress
from ..read.reader import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, ReadError, read
from ..segment.coverage import coverage, warning as coverage_warning
from ..segment.records import skipped_records, verdict_records
from ..segment.segmenter import segment
from .parquet import STALE, part_reports, prune, write_part
from .remote import expand_url, fingerprint, is_url, read_any
from .tagging import tag_report
from .workers import in_processes

__all__ = ["expand_inputs", "Entry", "run", "read_jsonl", "RunFolderBusy", "default_jobs", "tag_input",
           "write_input", "ENGINES", "JSONL_LIMIT", "BATCH"]

#: Where a run's inputs are tagged: this machine's processes, or a Dask cluster.
ENGINES = ("local", "dask")
#: Above this many tagged inputs a run writes its paragraphs as Parquet only (no paragraphs.jsonl).
JSONL_LIMIT = 20_000
#: Inputs per Parquet part (and per Dask task).
BATCH = 16


class RunFolderBusy(ValueError):
    """Another ``esq tag`` is writing to the same run folder."""


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
    explain: int = 0
    duplicate_of: str | None = None
    title: str | None = None
    authority: str | None = None
    grades: dict | None = None
    coverage: dict | None = None
    warning: str | None = None


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _wanted(p: Path) -> bool:
    # Office lock files ("~$report.docx") and hidden files (".~lock.x#", macOS "._x.pdf") are not reports.
    return p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith((".", "~$"))


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files, folders (recursively, supported suffixes), globs, and ``@list`` files of paths.

    Paths that match nothing are kept, so they appear in the manifest as
    missing; so is a folder that holds no report, which reads as unsupported.
    Each path is listed once, in the order first met.
    """
    out: list[str] = []
    for item in inputs:
        if is_url(item):
            out.extend(expand_url(item))
        elif item.startswith("@") and not Path(item).exists():
            listing = Path(item[1:])
            try:
                lines = listing.read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                out.append(item)
                continue
            out.extend(expand_inputs(l.strip() for l in lines if l.strip() and not l.lstrip().startswith("#")))
        elif Path(item).is_dir():
            found = sorted(str(p) for p in Path(item).rglob("*") if _wanted(p))
            out.extend(found or [item])
        elif any(ch in item for ch in "*?[") and not Path(item).exists():
            matches = sorted(m for m in glob.glob(item, recursive=True) if not Path(m).is_dir())
            out.extend(matches if matches else [item])
        else:
            out.append(item)
    return list(dict.fromkeys(out))


def _previous(manifest: Path) -> dict[str, dict]:
    """The last run's manifest by path; a line that does not parse is tagged again, not trusted."""
    entries: dict[str, dict] = {}
    if not manifest.exists():
        return entries
    with open(manifest, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(e, dict) and isinstance(e.get("path"), str):
                entries[e["path"]] = e
    return entries


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


# Worker state: each process loads the model and builds nlp once.
_WORKER: dict = {}


def _init_worker(model_dir: str | None, spacy_model: str | None, trust_pickle: bool = False) -> None:
    from ..model.nlp import build_nlp
    _WORKER["model"] = load_model(model_dir, trust_pickle=trust_pickle)
    _WORKER["nlp"] = build_nlp(spacy_model)


def _tag_one(task) -> tuple[dict, list[dict], dict]:
    return tag_input(task, _WORKER["model"], _WORKER["nlp"])


def tag_input(task, model: Model, nlp, reader: Callable = read_any) -> tuple[dict, list[dict], dict]:
    """Read, segment and tag one input: (its manifest line, its records, its skipped and verdicts lines).

    ``task`` is ``(path, size, sha256, max_bytes, explain)``; ``reader`` reads a path into a
    :class:`~pipeline.read.Text` (URLs: :func:`pipeline.run.remote.read_any`).  Never raises for a bad
    input: its status and one-line message are in the manifest line.
    """
    path, size, sha, max_bytes, explain = task
    t0 = time.perf_counter()
    entry = Entry(path, size, sha, "ok", "", model=model.id, explain=explain)
    records: list[dict] = []
    sidecar: dict = {}
    try:
        text = reader(path, max_bytes=max_bytes)
        entry.sha256 = text.sha256  # the content actually tagged, should the file have changed since
        report = segment(text)
        entry.report = report.id
        entry.title = report.meta.get("title")
        entry.authority = report.meta.get("authority")
        entry.grades = report.meta.get("grades") or None
        entry.coverage = coverage(report)
        entry.warning = coverage_warning(entry.coverage)
        sidecar = {"skipped": skipped_records(report), "verdicts": verdict_records(report)}
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
    entry.message = _one_line(entry.message)
    entry.seconds = round(time.perf_counter() - t0, 4)
    return asdict(entry), records, sidecar


def _died(task, model_id: str) -> tuple[dict, list[dict], dict]:
    path, size, sha, _, explain = task
    return asdict(Entry(path, size, sha, "error", f"{path}: the worker process died while tagging it "
                        "(out of memory, or a crash in a library)", model=model_id, explain=explain)), [], {}


# Inputs whose left-out text is kept: tagged, or read but holding no finding (the case where it matters most).
_ACCOUNTED = ("ok", "no paragraphs")


def _sidecar(out: Path, report: str, kind: str) -> Path:
    return out / "parts" / f"{report}.{kind}.jsonl"


def write_input(out: Path, entry: dict, records: list[dict], sidecar: dict) -> None:
    """Write one tagged input's parts into the run folder (each atomically): its records, and for an input
    that was read its skipped spans and verdicts."""
    if entry["status"] in _ACCOUNTED:
        for kind in ("skipped", "verdicts"):
            atomic_write(_sidecar(out, entry["report"], kind),
                         (json.dumps(r, ensure_ascii=False) + "\n" for r in sidecar.get(kind, [])))
    if entry["status"] == "ok":
        atomic_write(out / "parts" / f"{entry['report']}.jsonl",
                     (json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_batch(out: Path, done: list[tuple[dict, list[dict]]], model_id: str, explain: int) -> str | None:
    """One Parquet part for the tagged inputs of ``done`` (manifest line, records); its file name."""
    return write_part(out, {e["report"]: records for e, records in done if e["status"] == "ok"}, model_id, explain)


@contextmanager
def _locked(out: Path):
    """Hold the run folder's lock: two runs writing one folder would undo each other's work."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one run per folder is then up to the user
        yield
        return
    with open(out / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RunFolderBusy(f"{out}: another `esq tag` is writing to this run folder") from None
        yield


def run(inputs: Iterable[str], out: Path | str, model_dir: str | None = None, jobs: int = 1,
        explain: int = 0, max_bytes: int = DEFAULT_MAX_BYTES, spacy_model: str | None = None,
        log: Callable[[str], None] | None = None, progress: Progress | None = None,
        trust_pickle: bool = False, engine: str = "local", scheduler: str | None = None,
        batch: int = BATCH) -> list[dict]:
    """Tag every input into the run folder ``out``; returns the manifest entries in input order.

    ``engine="local"``: ``jobs`` > 1 tags in that many processes of this machine.  ``engine="dask"``:
    on the Dask cluster whose scheduler is at ``scheduler``, or, without one, a ``LocalCluster`` of
    ``jobs`` worker processes (:mod:`pipeline.run.dask_engine`; needs the ``dask`` extra); the
    output is the same.  ``batch`` inputs make one Parquet part (and one Dask task).  ``progress`` is told
    of every finished input; ``log``, where given instead, receives one line per input.
    Raises :class:`pipeline.persist.ModelError` before any work if the model
    cannot be trusted, :class:`RunFolderBusy` if another run holds the folder, and ValueError for an
    unknown engine, a Dask engine that is not installed or a scheduler it cannot reach.  ``trust_pickle``
    lets a pickled (``model.joblib``) model be read (:func:`pipeline.model.persist.load_model`).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise ValueError("--scheduler needs --engine dask")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    out = Path(out)
    (out / "parts").mkdir(parents=True, exist_ok=True)
    # verify in the parent, so a bad model fails once, clearly
    model: Model = load_model(model_dir, trust_pickle=trust_pickle)
    if progress is None and log is not None:
        progress = Progress(bar=False, write=log)
    with _locked(out):
        for stale in [*out.glob(".*.tmp"), *(out / "parts").glob(".*.tmp"), *out.glob(f"parquet/*/{STALE}")]:
            stale.unlink(missing_ok=True)  # left by a run that was killed mid-write
        paths = expand_inputs(inputs)
        if engine == "dask":
            from .dask_engine import DaskEngine
            with DaskEngine(out, model, (tag_input, write_input, write_batch), _died, scheduler=scheduler,
                            workers=jobs, spacy_model=spacy_model,
                            trust_pickle=trust_pickle, explain=explain, batch=batch,
                            say=progress.line if progress is not None else None) as dask:
                return _run(paths, out, model, explain, max_bytes, progress,
                            lambda ps: dask.fingerprints(ps, max_bytes), dask.execute, spacy_model, batch)
        local = partial(_local, out=out, model=model, model_dir=model_dir, jobs=jobs, explain=explain,
                        spacy_model=spacy_model, trust_pickle=trust_pickle, batch=batch)
        return _run(paths, out, model, explain, max_bytes, progress,
                    lambda ps: {p: fingerprint(p, max_bytes) for p in ps}, local, spacy_model, batch)


def _local(tasks: list, seen: Callable[[dict], None], out: Path, model: Model, model_dir, jobs: int, explain: int,
           spacy_model, trust_pickle: bool, batch: int) -> Iterator[dict]:
    """This machine's engine: tag ``tasks`` in this process or ``jobs`` processes.  Each input is
    ``seen`` and yielded as soon as its JSONL parts are written; every ``batch`` inputs make a Parquet part
    (inputs of a part cut short by an interruption get theirs at the end of the next run)."""
    from ..model.nlp import build_nlp
    parallel = jobs > 1 and len(tasks) > 1
    if not parallel or spacy_model:
        nlp = build_nlp(spacy_model)  # in the parent too, so a missing --spacy-model fails once, clearly
    if parallel:
        results = in_processes(_tag_one, tasks, jobs, died=partial(_died, model_id=model.id),
                               initializer=_init_worker, initargs=(model_dir, spacy_model, trust_pickle))
    else:
        _WORKER["model"], _WORKER["nlp"] = model, nlp
        results = map(_tag_one, tasks)
    pending: list[tuple[dict, list[dict]]] = []
    try:
        for entry, records, sidecar in results:
            write_input(out, entry, records, sidecar)
            seen(entry)
            yield entry
            pending.append((entry, records))
            if len(pending) >= batch:
                write_batch(out, pending, model.id, explain)
                pending = []
    finally:
        if hasattr(results, "close"):
            results.close()  # stops the worker processes at once on Ctrl-C
    if pending:
        write_batch(out, pending, model.id, explain)


def _done(prev: dict | None, sha: str | None, model: Model, explain: int, out: Path) -> bool:
    """Tagged from the same bytes with the same model and options, its parts on disk."""
    return bool(prev and prev.get("status") == "ok" and sha is not None and prev.get("sha256") == sha
                and prev.get("model") == model.id and prev.get("explain", 0) == explain
                and not prev.get("duplicate_of") and (out / "parts" / f"{prev.get('report')}.jsonl").exists()
                and prev.get("coverage") is not None
                and all(_sidecar(out, prev.get("report"), k).exists() for k in ("skipped", "verdicts")))


def _run(paths: list[str], out: Path, model: Model, explain: int, max_bytes: int, progress: Progress | None,
         fingerprints: Callable[[list[str]], dict], execute: Callable, spacy_model: str | None,
         batch: int) -> list[dict]:
    """Plan (resume, copies), ``execute(tasks, seen)`` the rest, and write the run's files.

    ``fingerprints(paths)`` gives each path's (size, sha256); ``execute`` yields manifest lines as the
    engine finishes inputs (again when a line changes) and calls ``seen`` once per input."""
    manifest_path = out / "manifest.jsonl"
    previous = _previous(manifest_path)

    entries: dict[str, dict] = {}
    prints = fingerprints(paths)
    by_sha: dict[str, str] = {}  # content → the first input that holds it
    todo: list[str] = []
    for p in paths:
        size, sha = prints[p]
        prev = previous.get(p)
        # Copies are matched again on every run (it costs nothing), in case their original changed.
        if _done(prev, sha, model, explain, out):
            entries[p] = prev
            by_sha.setdefault(sha, p)
        else:
            todo.append(p)

    # The same content met twice is tagged once: later copies point at the first.
    unique, dups = [], []
    for p in todo:
        sha = prints[p][1]
        if sha is not None and sha in by_sha:
            dups.append((p, by_sha[sha]))
        else:
            if sha is not None:
                by_sha[sha] = p
            unique.append(p)

    lines = {p: json.dumps(e, ensure_ascii=False) + "\n" for p, e in entries.items()}
    last_write = 0.0

    def write_manifest(entry: dict | None = None, force: bool = True):
        nonlocal last_write
        if entry is not None:
            lines[entry["path"]] = json.dumps(entry, ensure_ascii=False) + "\n"
        # Rewriting the whole manifest after every input is quadratic; a few times a second is enough
        # (a part written but not yet listed is simply tagged again by the next run).
        if force or time.monotonic() - last_write > 0.25:
            atomic_write(manifest_path, (lines[p] for p in paths if p in lines))
            last_write = time.monotonic()

    tasks = [(p, *prints[p], max_bytes, explain) for p in unique]

    def seen(entry: dict) -> None:
        if progress is not None:
            progress.update(entry)
            if entry.get("warning"):
                progress.line(f"warning: {entry['path']}: {entry['warning']}")

    results = execute(tasks, seen)
    if progress is not None:
        progress.start(len(todo), already_done=len(paths) - len(todo))
    try:
        for entry in results:
            entries[entry["path"]] = entry
            write_manifest(entry, force=False)
    except BaseException:
        write_manifest()  # keep what is done (Ctrl-C, a kill with SIGTERM)
        if progress is not None:
            progress.close()  # end the bar's line before the error or "interrupted" is printed
        raise
    finally:
        if hasattr(results, "close"):
            results.close()  # stops the workers at once on Ctrl-C
    # Tagged inputs in no Parquet part (a run stopped before its batch's part was written, or one
    # tagged before runs wrote Parquet) get one from their JSONL parts: no need to tag them again.
    tagged = [e for e in entries.values() if e["status"] == "ok" and not e.get("duplicate_of")]
    held = {r for reports in part_reports(out).values() for r in reports}
    unparted = [e for e in tagged if e["report"] not in held]
    for k in range(0, len(unparted), batch):
        write_batch(out, [(e, list(read_jsonl(out / "parts" / f"{e['report']}.jsonl")))
                          for e in unparted[k:k + batch]], model.id, explain)
    for p, first in dups:
        size, sha = prints[p]
        src = entries.get(first, {})
        status = src.get("status", "ok")
        message = f"{p}: same content as {first}" + ("" if status == "ok" else f" ({status})")
        entries[p] = asdict(Entry(p, size, sha, status, message, report=src.get("report"),
                                  paragraphs=src.get("paragraphs", 0), model=model.id, explain=explain,
                                  duplicate_of=first, title=src.get("title"), authority=src.get("authority"),
                                  grades=src.get("grades"), coverage=src.get("coverage"), warning=src.get("warning")))
        lines[p] = json.dumps(entries[p], ensure_ascii=False) + "\n"
        if progress is not None:
            progress.update(entries[p])
    write_manifest()
    if progress is not None:
        progress.close()
    prune(out, (e["report"] for e in tagged))

    def all_records():
        for p in paths:
            e = entries.get(p)
            if e and e["status"] == "ok" and not e.get("duplicate_of"):
                with open(out / "parts" / f"{e['report']}.jsonl", encoding="utf-8") as fh:
                    yield from fh
    jsonl = len(tagged) <= JSONL_LIMIT
    if jsonl:
        atomic_write(out / "paragraphs.jsonl", all_records())
    else:  # an archive: the Parquet parts are the output; a paragraphs.jsonl of an earlier run would mislead
        (out / "paragraphs.jsonl").unlink(missing_ok=True)

    def all_sidecars(kind: str):
        for p in paths:
            e = entries.get(p)
            if e and e["status"] in _ACCOUNTED and not e.get("duplicate_of") and e.get("report"):
                part = _sidecar(out, e["report"], kind)
                if part.exists():
                    with open(part, encoding="utf-8") as fh:
                        yield from fh
    atomic_write(out / "skipped.jsonl", all_sidecars("skipped"))
    atomic_write(out / "verdicts.jsonl", all_sidecars("verdicts"))
    counts: dict[str, int] = {}
    for e in entries.values():
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    atomic_write(out / "run.json", [json.dumps({
        "model": model.id, "model_path": str(model.path), "mode": model.card.get("mode"),
        "versions": library_versions(), "inputs": len(paths), "status_counts": counts, "explain": explain,
        "spacy_pipeline": spacy_model or "blank:en + sentencizer + lookup lemmatizer",
        "paragraphs_jsonl": jsonl, "parquet": "parquet",
    }, indent=2) + "\n"])
    return [entries[p] for p in paths]
