"""Parallel rendering: worker processes, output byte-identical to a serial render."""

from __future__ import annotations

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


def _keep(path: str, data: bytes) -> tuple[str, bytes, int]:
    """A place function that keeps the bytes and says which process placed them."""
    return path, data, os.getpid()


def _produce(units, jobs=2) -> list[tuple[str, bytes, int]]:
    with render_session():
        return [one for placed in parallel.produce_all(units, _keep, jobs) for one in placed]


def test_units_run_in_workers_and_come_back_in_order(eager):
    results = _produce(_units(90))
    assert [path for path, _, _ in results] == [f"x/{i}.txt" for i in range(90)]
    producers = [int(data.split()[1]) for _, data, _ in results]
    placers = [pid for _, _, pid in results]
    # one key's units here (it warms imports and caches for the workers), the rest in
    # workers, which place (compare and stage) the files they produce themselves
    assert producers[:3] == placers[:3] == [os.getpid()] * 3
    assert os.getpid() not in producers[3:] and producers[3:] == placers[3:]
    assert len(set(producers[3:])) == 2


def test_a_failing_unit_raises_its_own_error_after_the_units_before_it(eager):
    seen = []
    with render_session(), pytest.raises(ValueError, match="unit 50 is broken"):
        for placed in parallel.produce_all(_units(90, fail_at=50), _keep, jobs=2):
            seen.extend(path for path, _, _ in placed)
    assert seen == [f"x/{i}.txt" for i in range(50)]


def test_chunks_keep_keys_whole_group_tokens_and_go_largest_first():
    work = _units(120)
    # keys k0000..k0039 (3 units each); keys 10-13 share token a or b, unit 15 is heavy
    affinity = [
        ((b"ab"[(i // 3) % 2 : (i // 3) % 2 + 1] if 10 <= i // 3 < 14 else None), 1)
        for i in range(120)
    ]
    affinity[15] = (None, 200)
    chunks = parallel._chunks(work, 2, affinity)
    flat = sorted(i for chunk in chunks for i in chunk)
    assert flat == list(range(120))
    owner = {i: n for n, chunk in enumerate(chunks) for i in chunk}
    for i in range(0, 120, 3):  # a key's units in one chunk
        assert owner[i] == owner[i + 1] == owner[i + 2]
    by_token = {
        t: {owner[i] for i, (tok, _) in enumerate(affinity) if tok == t} for t in (b"a", b"b")
    }
    assert all(len(n) == 1 for n in by_token.values())  # small groups are not split
    assert owner[15] == 0  # the heaviest chunk goes out first
    costs = [sum(affinity[i][1] for i in chunk) for chunk in chunks]
    tokenless = [c for c, chunk in zip(costs, chunks, strict=True) if affinity[chunk[0]][0] is None]
    assert tokenless == sorted(tokenless, reverse=True)


def test_a_large_token_group_is_split_over_the_cores():
    work = _units(300)
    chunks = parallel._chunks(work, 2, [(b"one class", 1)] * 300)
    assert len(chunks) > 2 and sorted(i for c in chunks for i in c) == list(range(300))


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
        results = _produce(_units(30))
    finally:
        done.set()
        worker.join()
    assert {pid for _, _, pid in results} == {os.getpid()}


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
    results = _produce(units)
    assert [path for path, _, _ in results] == [f"x/{i}.txt" for i in range(90)]


def test_a_fleets_alert_classes_are_each_built_once(eager, tmp_path, monkeypatch):
    """A class's services go to the workers together: each class is built in one process
    (the one warmed before the fork hands its class to both)."""
    import yaml
    from test_alerts_by_class import GENERATOR

    from obskit.renderers.alerts import by_class

    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(GENERATOR.build(90), sort_keys=False))
    catalog = load_catalog(path)
    log = tmp_path / "builds.log"
    build = by_class._render_class

    def logged(copy, clusters, keys):
        with log.open("a") as f:  # appends of one short line: whole, from any process
            f.write(f"{os.getpid()} {copy.model_dump_json()}\n")
        return build(copy, clusters, keys)

    monkeypatch.setattr(by_class, "_render_class", logged)
    by_class._MEMO.clear()
    render(catalog, tmp_path / "parallel", only=["alerts"], jobs=2, use_cache=False)
    builds = Counter(line.split(" ", 1)[1] for line in log.read_text().splitlines())
    sizes = Counter(by_class.class_key(s) for s in catalog.services)
    assert len(builds) == len([k for k, n in sizes.items() if k is not None and n > 1]) > 20
    assert set(builds.values()) == {1}
    assert len({line.split()[0] for line in log.read_text().splitlines()}) == 3
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

        def place(self, path, data, keyed=False):
            return SimpleNamespace(path=path)

        def take(self, name, placed):
            raise OSError("disk full")

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
        assert len(_produce(_units(30))) == 30
        assert gc.get_freeze_count() > frozen // 2  # (a frozen object may have died)
    finally:
        gc.unfreeze()
    _produce(_units(30))
    assert gc.get_freeze_count() == 0


def test_workers_place_files_as_a_serial_render_does(eager, tmp_path, monkeypatch):
    """What workers decide for each file (unchanged, staged, in conflict, or with --check
    missing or changed, with its diff) and the cache keys they take equal a serial render's."""
    import json

    from obskit.render import cache as render_cache

    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(render_cache, "RACY_NS", 0)  # every key settled at once
    catalog = load_catalog(REPO / "catalog.yaml")
    seen = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        (out / "alerts").mkdir(parents=True)
        (out / "alerts" / "checkout.rules.yaml").write_text("hand-written\n")
        refused = render(catalog, out, jobs=jobs)
        assert refused.conflicts == ["alerts/checkout.rules.yaml"] and not refused.written
        assert not (out / ".obskit" / "staging").exists()
        (out / "alerts" / "checkout.rules.yaml").unlink()
        first = render(catalog, out, jobs=jobs)
        assert len(first.written) > 50 and not (out / ".obskit" / "staging").exists()
        units = json.loads(render_cache.RenderCache(out).path.read_text())["units"]
        assert units and all(set(u["stat"]) == set(u["files"]) for u in units.values())
        (out / "alerts" / "checkout.rules.yaml").write_text("edited\n")
        (out / "dashboards" / "checkout.json").unlink()
        check = render(catalog, out, jobs=jobs, check=True, use_cache=False)
        again = render(catalog, out, jobs=jobs)
        seen[jobs] = (refused, first, check, again)
    for a, b in zip(seen[1], seen[2], strict=True):
        assert a == b
    check = seen[2][2]
    assert check.missing == ["dashboards/checkout.json"]
    assert "+++ b/alerts/checkout.rules.yaml" in check.changed["alerts/checkout.rules.yaml"]
    assert sorted(seen[2][3].written) == ["alerts/checkout.rules.yaml", "dashboards/checkout.json"]


def test_a_refused_render_leaves_no_file_a_worker_staged(eager, tmp_path):
    """Only workers staged files (the first service's files, produced here, were current):
    a render refused for a hand-written file in the way still removes them all."""
    catalog = load_catalog(REPO / "catalog.yaml")
    out = tmp_path / "out"
    render(catalog, out, jobs=2, use_cache=False)
    (out / ".obskit" / "manifest.json").unlink()  # nothing is obskit's now
    (out / "dashboards" / "reviews.json").unlink()  # to be staged by a worker
    (out / "alerts" / "shipping.rules.yaml").write_text("hand-written\n")
    refused = render(catalog, out, jobs=2, use_cache=False)
    assert refused.conflicts == ["alerts/shipping.rules.yaml"]
    assert not (out / ".obskit" / "staging").exists()


def test_an_error_before_the_key_produced_before_the_fork_is_raised_first(eager):
    """The key produced here before the fork (the one with the most units) is not the
    first: a unit before it that fails raises its own error, as in a serial render."""

    def produce(i: int):
        if i in (0, 2):
            raise ValueError(f"unit {i} is broken")
        return {f"x/{i}.txt": str(i).encode()}

    keys = ["a", "b", "b", "b", *(f"c{i:04d}" for i in range(4, 40))]
    units = [
        ("fake", RenderUnit(key, str(i).encode(), lambda i=i: produce(i)))
        for i, key in enumerate(keys)
    ]
    for jobs in (1, 2):
        with render_session(), pytest.raises(ValueError, match="unit 0 is broken"):
            list(parallel.produce_all(units, _keep, jobs))


ORPHAN_SCRIPT = """
import os, sys, time
from obskit.render import parallel
from obskit.render.registry import RenderUnit, render_session

parent, folder = os.getpid(), sys.argv[1]


def produce(i):
    if os.getpid() != parent:
        open(os.path.join(folder, str(os.getpid())), "w").close()
        time.sleep(30)
    return {f"x/{i}.txt": b""}


units = [("fake", RenderUnit(f"k{i:04d}", b"", lambda i=i: produce(i))) for i in range(70)]
with render_session():
    list(parallel.produce_all(units, lambda path, data: path, 2))
"""


def _running(pid: int) -> bool:
    """A live process (not a zombie nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_workers_end_with_a_render_that_is_killed(tmp_path):
    """The render's process killed (the OOM killer, kill -9): its workers end too, or they
    would wait for work forever, holding the output folder's lock inherited with the fork."""
    import contextlib
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(tmp_path)], env=env)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = {int(p.name) for p in tmp_path.iterdir()}
        assert len(workers) == 2
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(map(_running, workers)):
            time.sleep(0.1)
        assert not [w for w in workers if _running(w)]
    finally:
        proc.kill()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_unit_writing_one_path_two_ways_is_refused(eager, jobs):
    """``x//a.txt`` and ``x/a.txt`` are one file: a unit producing both is refused, as two
    units producing one path are, not collapsed into whichever came last."""
    from obskit.render.output import OutputError

    units = _units(6)
    units[4] = ("fake", RenderUnit("k0001", b"4", lambda: {"x/a.txt": b"1", "x//a.txt": b"2"}))
    with pytest.raises(OutputError, match=r"^x/a.txt is produced twice \(by fake:k0001"):
        _produce(units, jobs=jobs)
