"""Produce render units on every core, in order: output identical to a serial render.

Units are closures over the catalog, so they are handed to forked worker processes by index
(a fork inherits them), never pickled. Work goes out in chunks that keep one key's units
(a service's dashboards, alerts and manifests) together, so :func:`shared_produce` still
reuses a service's output within a worker. Results come back in unit order, a bounded number
of chunks ahead, so memory stays flat. A chunk that fails in a worker is produced again in
this process, which raises the very error a serial render raises; so is every chunk left
when a worker dies (an OOM kill): the render finishes serially instead of hanging.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from obskit.render.registry import Files, RenderUnit, render_session, shared_produce

#: fewer units than this to produce: not worth starting workers
PARALLEL_MIN = 64
#: chunks per worker (smaller chunks balance better; each costs one round trip)
CHUNKS_PER_WORKER = 8
#: most units in one chunk: a chunk's files are held (and pickled) whole, so this and the
#: window of chunks in flight bound the memory a render takes, whatever the fleet's size
MAX_CHUNK = 24

_WORK: list[tuple[str, RenderUnit]] = []
_TASKS: list[Callable[[], object]] = []


def default_jobs() -> int:
    """``$OBSKIT_JOBS``, or the CPUs this process may run on."""
    env = os.environ.get("OBSKIT_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _fork_safe() -> bool:
    """Fork only a single-threaded process (a library caller's threads could hold locks)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _chunks(work: list[tuple[str, RenderUnit]], jobs: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of about equal size that never split one key's units."""
    target = max(1, min(MAX_CHUNK, len(work) // (jobs * CHUNKS_PER_WORKER)))
    ranges, start = [], 0
    for i in range(1, len(work) + 1):
        if i == len(work) or (i - start >= target and work[i][1].key != work[i - 1][1].key):
            ranges.append((start, i))
            start = i
    return ranges


def _produce_range(span: tuple[int, int]) -> list[dict[str, bytes]] | None:
    try:
        with render_session():
            return [dict(shared_produce(name, unit)) for name, unit in _WORK[span[0] : span[1]]]
    except BaseException:  # re-raised by the parent, which produces the chunk itself
        return None


def produce_all(work: list[tuple[str, RenderUnit]], jobs: int | None = None) -> Iterator[Files]:
    """Each unit's files, in the order of ``work`` (inside a :func:`render_session`)."""
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(work) < PARALLEL_MIN or not _fork_safe():
        for name, unit in work:
            yield shared_produce(name, unit)
        return
    global _WORK
    _WORK = work
    frozen_by_us = False
    try:
        spans = iter(_chunks(work, jobs))
        # the first chunk is produced here, before the fork: the imports and caches it fills
        # (renderer modules, panel shapes, the kubernetes client) are then every worker's
        first = next(spans)
        warm = [shared_produce(name, unit) for name, unit in work[first[0] : first[1]]]
        fork = multiprocessing.get_context("fork")
        # objects alive now are never collected during the render: frozen, gc neither scans
        # them nor writes their headers, so the forked workers and this process keep sharing
        # their pages instead of copying them on write
        # (a caller that froze objects itself keeps them frozen: gc.unfreeze thaws them all)
        frozen_by_us = gc.get_freeze_count() == 0
        gc.freeze()
        with ProcessPoolExecutor(jobs, mp_context=fork) as pool:
            window: deque[tuple[tuple[int, int], Future | None]] = deque()
            broken = False

            def submit(span: tuple[int, int]) -> Future | None:
                nonlocal broken
                if broken:
                    return None
                try:
                    return pool.submit(_produce_range, span)
                except BrokenProcessPool:
                    broken = True
                    return None

            for span in spans:
                window.append((span, submit(span)))
                if len(window) > jobs:
                    break
            yield from warm
            warm.clear()
            while window:
                span, pending = window.popleft()
                if not broken:
                    nxt = next(spans, None)
                    if nxt is not None:
                        window.append((nxt, submit(nxt)))
                files = None
                if pending is not None:
                    try:
                        files = pending.result()
                    except BrokenProcessPool:  # a worker died (OOM kill, signal)
                        broken = True
                if files is None:  # the same error a serial render meets, raised here
                    for name, unit in work[span[0] : span[1]]:
                        yield shared_produce(name, unit)
                else:
                    yield from files
            for span in spans:  # left after a worker died: produced here, in order
                for name, unit in work[span[0] : span[1]]:
                    yield shared_produce(name, unit)
    finally:
        if frozen_by_us:
            gc.unfreeze()
        _WORK = []


def _run_task(index: int) -> tuple[bool, object]:
    try:
        return True, _TASKS[index]()
    except BaseException:  # the caller falls back: the work it prepares meets the error
        return False, None


def run_all(tasks: list[Callable[[], object]], jobs: int | None = None) -> list[object]:
    """Each task's result in order (None for a task that raised), on every core.

    For work a render prepares before its units are produced (the alert classes): a forked
    pool, or this process when there is one job, one task or threads.
    """
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(tasks) < 2 or not _fork_safe():
        return [value if ok else None for ok, value in map(_serial_task, tasks)]
    global _TASKS
    _TASKS = tasks
    try:
        fork = multiprocessing.get_context("fork")
        chunk = max(1, len(tasks) // (jobs * CHUNKS_PER_WORKER))
        with ProcessPoolExecutor(jobs, mp_context=fork) as pool:
            pairs = list(pool.map(_run_task, range(len(tasks)), chunksize=chunk))
    except BrokenProcessPool:
        pairs = [_serial_task(task) for task in tasks]
    finally:
        _TASKS = []
    return [value if ok else None for ok, value in pairs]


def _serial_task(task: Callable[[], object]) -> tuple[bool, object]:
    try:
        return True, task()
    except Exception:
        return False, None
