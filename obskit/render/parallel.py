"""Produce render units on every core: output identical to a serial render.

Units are closures over the catalog, so they are handed to forked worker processes by index
(a fork inherits them), never pickled. A worker produces a chunk of units and *places* each
file itself (``place``: compare it with the tree, stage it when it differs), so only small
records come back, never the bytes. Chunks keep one key's units together (a service's
dashboards, alerts and manifests: :func:`shared_produce` reuses a service's output within a
worker) and group the keys that share work (units with one *affinity token*, such as the
services of one alert class, whose class is built once per process that meets it); the
largest chunks go out first. Records are handed on in unit order, whatever order the chunks
finish in. A chunk that fails in a worker is produced again in this process when its turn
comes, which raises the very error a serial render raises; so is every chunk left when a
worker dies (an OOM kill): the render finishes serially instead of hanging.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from obskit.render.contain import safe_relative
from obskit.render.errors import OutputError
from obskit.render.registry import RenderUnit, affinities, render_session, shared_produce

#: fewer units than this to produce: not worth starting workers
PARALLEL_MIN = 64
#: chunks per worker (smaller chunks balance better; each costs one round trip)
CHUNKS_PER_WORKER = 8
#: the one-time cost of an affinity token in a process (an alert class build), in the
#: milliseconds of :data:`Affinity` costs
TOKEN_COST = 35

#: ``prctl`` option: a signal the calling process gets when its parent dies (Linux)
PR_SET_PDEATHSIG = 1

T = TypeVar("T")
#: a unit's affinity token (units with one token are best produced in one process; None: no
#: such work) and its estimated cost in milliseconds (:attr:`RenderUnit.cost`)
Affinity = tuple[bytes | None, int]
#: places one file (its safe relative path and bytes) and gives its record
Place = Callable[[str, bytes], T]

_WORK: list[tuple[str, RenderUnit]] = []
_PLACE: list[Callable[[str, bytes], Any]] = []


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


def _end_with(parent: int) -> None:
    """A worker's start: be killed when the render's process dies (an OOM kill, kill -9);
    else it waits for work forever, holding the output folder's lock (forked with it)."""
    import ctypes

    try:
        prctl = ctypes.CDLL(None).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call
        os._exit(1)


def place_unit(name: str, unit: RenderUnit, place: Place[T]) -> list[T]:
    """Produce one unit and place its files, in path order."""
    produced = shared_produce(name, unit)
    files = {safe_relative(p): b for p, b in produced.items()}
    if len(files) != len(produced):  # two spellings of one path (a//b and a/b)
        twice = sorted(p for p in produced if safe_relative(p) != p)[0]
        raise OutputError(
            f"{safe_relative(twice)} is produced twice (by {name}:{unit.key} and {name}:{unit.key})"
        )
    return [place(path, files[path]) for path in sorted(files)]


def _key_spans(work: Sequence[tuple[str, RenderUnit]]) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of units with one key (``work`` is ordered by key)."""
    spans, start = [], 0
    for i in range(1, len(work) + 1):
        if i == len(work) or work[i][1].key != work[i - 1][1].key:
            spans.append((start, i))
            start = i
    return spans


def _chunks(
    work: Sequence[tuple[str, RenderUnit]], jobs: int, affinity: Sequence[Affinity] | None = None
) -> list[list[int]]:
    """Chunks of unit indices, largest estimated cost first.

    A chunk never splits one key's units; keys with one affinity token share chunks (split
    only when one would be much larger than the rest); the other keys go in runs in order.
    """
    costs = affinity or [(None, 1)] * len(work)
    keys = []
    for start, end in _key_spans(work):
        token = next((costs[i][0] for i in range(start, end) if costs[i][0] is not None), None)
        keys.append((token, sum(costs[i][1] for i in range(start, end)), range(start, end)))
    tokens: dict[bytes, list[tuple[int, range]]] = {}
    for token, cost, span in keys:
        if token is not None:
            tokens.setdefault(token, []).append((cost, span))
    total = sum(cost for _, cost, _ in keys) + TOKEN_COST * len(tokens)
    target = max(1.0, total / (jobs * CHUNKS_PER_WORKER))
    chunks: list[tuple[float, list[int]]] = []
    run: list[int] = []
    run_cost = 0
    for token, cost, span in keys:
        if token is not None:
            continue
        run.extend(span)
        run_cost += cost
        if run_cost >= target:
            chunks.append((run_cost, run))
            run, run_cost = [], 0
    if run:
        chunks.append((run_cost, run))
    for members in tokens.values():
        cost = TOKEN_COST + sum(c for c, _ in members)
        pieces = min(len(members), math.ceil(cost / (2 * target)))
        for k in range(pieces):
            part = members[k * len(members) // pieces : (k + 1) * len(members) // pieces]
            chunks.append(
                (TOKEN_COST + sum(c for c, _ in part), [i for _, span in part for i in span])
            )
    chunks.sort(key=lambda c: (-c[0], c[1][0]))
    return [indices for _, indices in chunks]


def _produce_chunk(indices: list[int]) -> list[list[Any]] | None:
    try:
        with render_session():
            return [place_unit(*_WORK[i], _PLACE[0]) for i in indices]
    except BaseException:  # re-raised by the parent, which produces the chunk itself
        return None


def produce_all(
    work: list[tuple[str, RenderUnit]], place: Place[T], jobs: int | None = None
) -> Iterator[list[T]]:
    """Each unit's placed files (:func:`place_unit`), in the order of ``work``.

    Call it inside a :func:`render_session`. On several cores, units are grouped by their
    renderers' :func:`~obskit.render.registry.affinities`.
    """
    jobs = jobs or default_jobs()
    if jobs <= 1 or len(work) < PARALLEL_MIN or not _fork_safe():
        for name, unit in work:
            yield place_unit(name, unit, place)
        return
    chunks = _chunks(work, jobs, affinities(work))
    # one key's units are produced here, before the fork (the first of those with the most
    # renderers: a service's): the imports and caches they fill (renderer modules, panel
    # shapes, the kubernetes client, its alert class) are then every worker's
    spans = _key_spans(work)
    first = max(spans, key=lambda span: span[1] - span[0])
    # (a unit that fails here is left to its chunk, so its error is raised in its turn: a
    # unit before this key may fail too, and a serial render raises that one)
    ready: dict[int, list[T]] = {}
    try:
        for i in range(*first):
            ready[i] = place_unit(*work[i], place)
    except Exception:
        pass
    chunks = [c for c in ([i for i in c if i not in ready] for c in chunks) if c]
    owner = {i: n for n, chunk in enumerate(chunks) for i in chunk}
    global _WORK, _PLACE
    _WORK, _PLACE = work, [place]
    fork = multiprocessing.get_context("fork")
    # objects alive now are never collected during the render: frozen, gc neither scans
    # them nor writes their headers, so the forked workers and this process keep sharing
    # their pages instead of copying them on write
    # (a caller that froze objects itself keeps them frozen: gc.unfreeze thaws them all)
    frozen_by_us = gc.get_freeze_count() == 0
    gc.freeze()
    pool = ProcessPoolExecutor(
        jobs, mp_context=fork, initializer=_end_with, initargs=(os.getpid(),)
    )
    try:
        futures: list[Future | None] = []
        for chunk in chunks:
            try:
                futures.append(pool.submit(_produce_chunk, chunk))
            except BrokenProcessPool:
                futures.append(None)
        failed: set[int] = set()
        for i in range(len(work)):
            if i not in ready and owner[i] not in failed:
                n = owner[i]
                records = _result(futures[n])
                futures[n] = None
                if records is None:
                    failed.add(n)
                else:
                    ready.update(zip(chunks[n], records, strict=True))
            if i in ready:
                yield ready.pop(i)
            else:  # the same error a serial render meets, raised here in its turn
                yield place_unit(*work[i], place)
    finally:
        # queued chunks are dropped, running ones finish: an error is not held up by the
        # whole render
        pool.shutdown(wait=True, cancel_futures=True)
        if frozen_by_us:
            gc.unfreeze()
        _WORK, _PLACE = [], []


def _result(future: Future | None) -> list | None:
    """A chunk's records; None when it failed or its worker died (an OOM kill, a signal)."""
    if future is None:
        return None
    try:
        return future.result()
    except BrokenProcessPool:
        return None
