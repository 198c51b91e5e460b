"""``esq tag --engine dask``: the same run on a Dask cluster (``dask.distributed``).

Without a scheduler address a ``LocalCluster`` of worker processes starts on
this machine; with one, the work goes to that cluster (dask-jobqueue on an
HPC queue, Kubernetes, ``dask scheduler`` + ``dask worker`` by hand).  The
client lists the inputs and keeps the manifest; the workers hash, read, tag
and write: each task is a batch of inputs, tagged by the very function the
local engine calls (:func:`pipeline.run.batch.tag_input`), written into the
run folder as JSONL parts and one Parquet part.  So the run folder and the
inputs must be where every worker sees them under the same path (a shared
file system), or inputs must be URLs the workers read (``s3://``,
``gs://``, ``file://``; :mod:`pipeline.run.remote`).

Each worker process loads the model once, from the directory the client
checked, and refuses it if its id is not the one the client checked.  A
worker that dies costs only the tasks it held: Dask runs them again on
another worker.  A batch that kills worker after worker (Dask then gives up
on it, ``KilledWorker``) is split into its inputs, each tried alone, so the
input that kills workers is the only one with the status ``error``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from ..model.persist import Model, ModelError, load_model
from .remote import fingerprint, read_any

__all__ = ["DaskEngine"]

# Worker state: the model and spaCy pipeline, loaded once per worker process.
_LOADED: dict = {}


def _worker_model(model_path: str, model_id: str, spacy_model: str | None, trust_pickle: bool):
    key = (model_path, model_id, spacy_model, trust_pickle)
    if key not in _LOADED:
        from ..model.nlp import build_nlp
        model = load_model(model_path, trust_pickle=trust_pickle)
        if model.id != model_id:
            raise ModelError(f"{model_path}: the worker found model {model.id}, not {model_id}, which the client "
                             "checked (the workers must see the same model directory)")
        _LOADED.clear()
        _LOADED[key] = (model, build_nlp(spacy_model))
    return _LOADED[key]


def _fingerprint_batch(paths: list[str], max_bytes: int) -> list[tuple[int | None, str | None]]:
    return [fingerprint(p, max_bytes) for p in paths]


def _tag_batch(tasks: list, out: str, model_path: str, model_id: str, spacy_model: str | None,
               trust_pickle: bool, explain: int, work) -> list[dict]:
    """On a worker: tag a batch of inputs, write their parts and the batch's Parquet part; their manifest
    lines.  ``work`` is (tag_input, write_input, write_batch) of :mod:`pipeline.run.batch`."""
    tag_input, write_input, write_batch = work
    model, nlp = _worker_model(model_path, model_id, spacy_model, trust_pickle)
    done = []
    for task in tasks:
        entry, records, sidecar = tag_input(task, model, nlp, reader=read_any)
        write_input(Path(out), entry, records, sidecar)
        done.append((entry, records))
    write_batch(Path(out), done, model.id, explain)
    return [e for e, _ in done]


class DaskEngine:
    """A Dask client for one run (a context manager: it closes the client, and the LocalCluster it
    started).  ``fingerprints`` and ``execute`` are what :func:`pipeline.run.batch.run` calls; ``work`` is
    the per-input work it hands over (``tag_input``, ``write_input``, ``write_batch``), and ``died`` makes
    the manifest line of an input whose worker died."""

    def __init__(self, out: Path, model: Model, work: tuple, died: Callable, scheduler: str | None = None,
                 workers: int = 1, spacy_model: str | None = None, trust_pickle: bool = False, explain: int = 0,
                 batch: int = 16, say: Callable[[str], None] | None = None):
        self.out, self.model, self.scheduler, self.workers = Path(out).resolve(), model, scheduler, max(1, workers)
        self.spacy_model, self.trust_pickle, self.explain, self.batch = spacy_model, trust_pickle, explain, batch
        self.work, self.died = work, died
        self.say = say or (lambda line: None)
        self.client = self.cluster = None

    def __enter__(self) -> DaskEngine:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ValueError("--engine dask needs Dask: pip install 'esq[dask]'") from None
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ValueError(f"cannot reach the Dask scheduler at {self.scheduler} ({exc})") from None
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        info = self.client.scheduler_info()
        where = f"Dask scheduler {info.get('address', self.scheduler)}, {len(info.get('workers', {}))} workers"
        if "dashboard" in (info.get("services") or {}):
            where += f"; dashboard {self.client.dashboard_link}"
        self.say(where)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def fingerprints(self, paths: list[str], max_bytes: int) -> dict:
        """Each path's (size, sha256), computed by the workers: the client never reads an input."""
        chunks = [paths[k:k + 256] for k in range(0, len(paths), 256)]
        futures = self.client.map(_fingerprint_batch, chunks, max_bytes=max_bytes, pure=False)
        prints: dict = {}
        for chunk, result in zip(chunks, self.client.gather(futures)):
            prints.update(zip(chunk, result))
        return prints

    def execute(self, tasks: list, seen: Callable[[dict], None]) -> Iterator[dict]:
        """Tag ``tasks`` in batches on the cluster; yield each manifest line as its batch finishes."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        try:
            from distributed import KilledWorker
        except ImportError:  # older distributed
            from distributed.scheduler import KilledWorker

        def submit(chunk):
            return self.client.submit(_tag_batch, chunk, str(self.out), str(self.model.path), self.model.id,
                                      self.spacy_model, self.trust_pickle, self.explain, self.work, pure=False)

        # Batches of up to ``batch`` inputs, but enough of them to keep every worker busy to the end.
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        size = max(1, min(self.batch, -(-len(tasks) // (2 * workers))))
        chunks = [tasks[k:k + size] for k in range(0, len(tasks), size)]
        futures = {submit(chunk): chunk for chunk in chunks}
        pending = as_completed(list(futures))
        try:
            for future in pending:
                chunk = futures.pop(future)
                try:
                    entries = future.result()
                except KilledWorker:
                    if len(chunk) == 1:  # this input kills the workers that tag it
                        entries = [self.died(chunk[0], self.model.id)[0]]
                    else:
                        self.say(f"a batch of {len(chunk)} inputs killed {self._tries()} workers; "
                                 "trying its inputs one by one")
                        for task in chunk:
                            again = submit([task])
                            futures[again] = [task]
                            pending.add(again)
                        continue
                except FutureCancelledError:
                    raise ValueError("the Dask cluster cancelled the run (its scheduler went away?)") from None
                except ModelError as exc:
                    raise ValueError(f"a Dask worker could not load the model: {exc}") from None
                for entry in entries:
                    seen(entry)
                    yield entry
        finally:
            if futures:
                self.client.cancel(list(futures))  # Ctrl-C or an error: stop the work at once

    @staticmethod
    def _tries() -> int:
        import dask
        return int(dask.config.get("distributed.scheduler.allowed-failures", 3)) + 1
