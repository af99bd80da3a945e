"""Parallel rendering: worker processes, output byte-identical to a serial render."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from pathlib import Path

import pytest

from obskit.catalog import load_catalog
from obskit.render import parallel
from obskit.render.pipeline import render
from obskit.render.registry import RenderUnit, render_session

REPO = Path(__file__).resolve().parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".obskit" not in p.relative_to(root).parts[:1]
    }


def _units(n: int, fail_at: int | None = None) -> list[tuple[str, RenderUnit]]:
    def produce(i: int):
        if i == fail_at:
            raise ValueError(f"unit {i} is broken")
        return {f"x/{i}.txt": f"{i} {os.getpid()}".encode()}

    return [
        ("fake", RenderUnit(f"k{i // 3:04d}", str(i).encode(), lambda i=i: produce(i)))
        for i in range(n)
    ]


@pytest.fixture
def eager(monkeypatch):
    """Workers even for a handful of units."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)


def test_units_run_in_workers_and_come_back_in_order(eager):
    with render_session():
        results = list(parallel.produce_all(_units(90), jobs=2))
    assert [next(iter(r)) for r in results] == [f"x/{i}.txt" for i in range(90)]
    pids = [int(r[next(iter(r))].split()[1]) for r in results]
    # the first chunk here (it warms imports and caches for the workers), the rest in workers
    first = parallel._chunks(_units(90), 2)[0]
    assert set(pids[: first[1]]) == {os.getpid()}
    assert pids[first[1] :] and os.getpid() not in pids[first[1] :]


def test_a_failing_unit_raises_its_own_error_after_the_units_before_it(eager):
    seen = []
    with render_session(), pytest.raises(ValueError, match="unit 50 is broken"):
        for files in parallel.produce_all(_units(90, fail_at=50), jobs=2):
            seen.append(next(iter(files)))
    assert seen == [f"x/{i}.txt" for i in range(50)]


def test_chunks_never_split_one_keys_units():
    work = _units(100)
    spans = parallel._chunks(work, 2)
    assert spans[0][0] == 0 and spans[-1][1] == 100
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    for start, _ in spans[1:]:
        assert work[start][1].key != work[start - 1][1].key


def test_parallel_render_is_byte_identical_to_serial(eager, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    catalog = load_catalog(REPO / "catalog.yaml")
    render(catalog, tmp_path / "serial", jobs=1, use_cache=False)
    render(catalog, tmp_path / "parallel", jobs=2, use_cache=False)
    serial, par = _tree(tmp_path / "serial"), _tree(tmp_path / "parallel")
    assert len(serial) > 50 and serial.keys() == par.keys()
    assert [p for p in serial if serial[p] != par[p]] == []
    # and equal to the committed output (rendered serially or not, it is one output)
    committed = {p: (REPO / p).read_bytes() for p in par}
    assert [p for p in par if committed[p] != par[p]] == []


def test_a_caller_with_threads_renders_serially(eager):
    import threading

    done = threading.Event()
    worker = threading.Thread(target=done.wait)
    worker.start()
    try:
        with render_session():
            results = list(parallel.produce_all(_units(30), jobs=2))
    finally:
        done.set()
        worker.join()
    assert {int(r[next(iter(r))].split()[1]) for r in results} == {os.getpid()}


def test_a_worker_that_dies_does_not_hang_the_render(eager):
    """A worker killed mid-chunk (as by the OOM killer): the rest is produced here, in order."""
    parent = os.getpid()

    def produce(i: int):
        if i == 40 and os.getpid() != parent:
            os._exit(137)
        return {f"x/{i}.txt": str(i).encode()}

    units = [
        ("fake", RenderUnit(f"k{i // 3:04d}", str(i).encode(), lambda i=i: produce(i)))
        for i in range(90)
    ]
    with render_session():
        results = list(parallel.produce_all(units, jobs=2))
    assert [next(iter(r)) for r in results] == [f"x/{i}.txt" for i in range(90)]


def test_a_fleets_alert_classes_are_built_once_before_the_workers_fork(
    eager, tmp_path, monkeypatch
):
    import yaml
    from test_alerts_by_class import GENERATOR

    from obskit.renderers.alerts import by_class

    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(GENERATOR.build(90), sort_keys=False))
    catalog = load_catalog(path)
    by_class._MEMO.clear()
    render(catalog, tmp_path / "parallel", only=["alerts"], jobs=2, use_cache=False)
    # this process produced no unit: the classes in its memo were built for the workers
    sizes = Counter(by_class.class_key(s) for s in catalog.services)
    assert set(by_class._MEMO) == {k for k, n in sizes.items() if n > 1}
    assert len(by_class._MEMO) > 20 and all(c is not None for c in by_class._MEMO.values())
    by_class._MEMO.clear()
    monkeypatch.setenv("OBSKIT_SHARE_RENDER", "0")
    render(catalog, tmp_path / "serial", only=["alerts"], jobs=1, use_cache=False)
    serial, par = _tree(tmp_path / "serial"), _tree(tmp_path / "parallel")
    assert len(serial) > 200 and serial == par


def test_a_render_that_fails_while_taking_the_files_unfreezes_gc_at_once(eager, monkeypatch):
    """The error reaches the caller with gc unfrozen and the workers gone, not whenever the
    error's traceback (which holds the producing generator) is dropped."""
    import gc
    from types import SimpleNamespace

    from obskit.render import pipeline
    from obskit.render.cache import RenderCache

    class Tree:
        outcome = SimpleNamespace(check=True)

        def put(self, name, path, data):
            raise OSError("disk full")

    monkeypatch.setattr(pipeline, "prepare", lambda work, jobs: None)
    cache = RenderCache(Path("."), enabled=False)
    with pytest.raises(OSError, match="disk full") as failed:
        pipeline._run_units(_units(90), Tree(), cache, jobs=2)
    assert failed.value.__traceback__ is not None  # still held, as a caller may hold it
    assert gc.get_freeze_count() == 0


def test_a_caller_that_froze_gc_itself_keeps_its_objects_frozen(eager):
    """gc.unfreeze thaws every frozen object: the render unfreezes only what it froze."""
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with render_session():
            assert len(list(parallel.produce_all(_units(30), jobs=2))) == 30
        assert gc.get_freeze_count() > frozen // 2  # (a frozen object may have died)
    finally:
        gc.unfreeze()
    with render_session():
        list(parallel.produce_all(_units(30), jobs=2))
    assert gc.get_freeze_count() == 0
