"""Run a function over tasks in worker processes, losing no task to a worker that dies.

:func:`in_processes` yields one result per task, as tasks finish.  A worker
that dies (a crash in a C library, the out-of-memory killer) breaks the
whole process pool; the tasks it took down with it are then run again one at
a time in a fresh worker, so a second death is pinned on the task that
caused it, which yields ``died(task)``, and the other tasks still run.

Workers are started with ``spawn`` (the same on Linux, macOS and Windows,
and safe with threads), ignore Ctrl-C (the parent decides), and exit when
their parent is gone, even after a SIGKILL that gave it no time to stop them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

__all__ = ["in_processes"]


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _start(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _executor(workers: int, initializer, initargs) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start,
                               initargs=(os.getpid(), initializer, initargs))


def _stop(executor: ProcessPoolExecutor, finished: bool) -> None:
    """Shut the workers down; unless the work is finished (Ctrl-C, an error), without waiting for them."""
    if finished:
        executor.shutdown(wait=True)
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in processes:  # shutdown() alone would let the running tasks finish first
        if proc.is_alive():
            proc.terminate()


def _one_by_one(fn, tasks, initializer, initargs, died) -> Iterator:
    executor, finished = None, False
    try:
        for task in tasks:
            if executor is None:
                executor = _executor(1, initializer, initargs)
            try:
                result = executor.submit(fn, task).result()
            except BrokenProcessPool:
                _stop(executor, finished=False)
                executor, result = None, died(task)
            yield result
        finished = True
    finally:
        if executor is not None:
            _stop(executor, finished)


def in_processes(fn: Callable, tasks: Sequence, jobs: int, died: Callable, initializer: Callable | None = None,
                 initargs: tuple = ()) -> Iterator:
    """Yield ``fn(task)`` for every task, in the order they finish, from ``jobs`` processes.

    ``fn``, ``initializer`` (run once in each worker) and the tasks must be
    picklable.  A task whose worker died yields ``died(task)`` instead; an
    exception raised by ``fn`` propagates, so catch it in ``fn`` to go on.
    Closing the generator (or Ctrl-C while it waits) stops the workers at once.
    """
    if not tasks:
        return
    executor = _executor(max(1, min(jobs, len(tasks))), initializer, initargs)
    futures = {executor.submit(fn, task): k for k, task in enumerate(tasks)}
    lost: list[int] = []
    finished = False
    try:
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(futures[future])  # the culprit, and the tasks that were queued beside it
                continue
            yield result
        finished = not lost
    finally:
        _stop(executor, finished)
    if lost:
        yield from _one_by_one(fn, [tasks[k] for k in sorted(lost)], initializer, initargs, died)
