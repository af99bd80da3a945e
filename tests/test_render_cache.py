"""The render cache proves a file untouched by its lstat, never by trust: every way a file
can change on disk renders its unit again, and an untouched tree is not read at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_render_pipeline import catalog, fake_registry  # noqa: F401 (fixture, autouse)

from obskit.render import cache as render_cache
from obskit.render.contain import Root
from obskit.render.pipeline import render

import fake_renderer


def _rendered(tmp_path: Path) -> tuple[object, Path]:
    cat, out = catalog(tmp_path), tmp_path / "out"
    render(cat, out)
    fake_renderer.CALLS.clear()
    return cat, out


def test_an_untouched_tree_is_neither_rendered_nor_read(tmp_path, monkeypatch):
    cat, out = _rendered(tmp_path)

    read = Root.read

    def no_reading(self, rel):
        assert not rel.startswith("dashboards/"), f"{rel} was read"
        return read(self, rel)

    monkeypatch.setattr(Root, "read", no_reading)
    outcome = render(cat, out)
    assert fake_renderer.CALLS == []
    assert outcome.written == [] and len(outcome.unchanged) == 4
    assert render(cat, out, check=True).current


@pytest.mark.parametrize(
    "change",
    [
        "same size, new mtime",  # an ordinary edit
        "same size and mtime, new inode",  # a file replaced, its mtime copied
        "touched, bytes unchanged",
    ],
)
def test_every_change_on_disk_renders_the_unit_again(tmp_path, change):
    cat, out = _rendered(tmp_path)
    path = out / "dashboards/api.json"
    original = path.read_bytes()
    before = path.stat()
    if change == "same size, new mtime":
        path.write_bytes(original.replace(b"api", b"xyz"))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns - 10_000_000_000))
    elif change == "same size and mtime, new inode":
        path.unlink()
        path.write_bytes(original.replace(b"api", b"xyz"))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    else:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns - 10_000_000_000))
    check = render(cat, out, check=True)
    outcome = render(cat, out)
    assert fake_renderer.CALLS.count("api") == 2  # the check and the render
    assert path.read_bytes() == original
    if change == "touched, bytes unchanged":
        assert check.current and outcome.written == []
        fake_renderer.CALLS.clear()
        render(cat, out)
        assert fake_renderer.CALLS == [], "proven again: the touched file is trusted anew"
    else:
        assert list(check.changed) == ["dashboards/api.json"]
        assert outcome.written == ["dashboards/api.json"]


def test_keys_within_the_racy_window_are_not_trusted(tmp_path, monkeypatch):
    # a change in the same clock tick as a recorded key would not show: keys younger than
    # RACY_NS are not recorded, so their units render again (and compare the bytes)
    monkeypatch.setattr(render_cache, "RACY_NS", 10**15)
    cat, out = _rendered(tmp_path)
    outcome = render(cat, out)
    assert sorted(fake_renderer.CALLS) == ["api", "db", "web"]
    assert outcome.written == []


def test_a_corrupt_or_old_cache_file_only_costs_a_render(tmp_path):
    cat, out = _rendered(tmp_path)
    for raw in (b"not json", b'{"version": 1, "units": {"dashboards:service/api": {}}}'):
        for path in (tmp_path / "cache").glob("render-*.json"):
            path.write_bytes(raw)
        outcome = render(cat, out)
        assert sorted(fake_renderer.CALLS) == ["api", "db", "web"]
        assert outcome.written == []
        fake_renderer.CALLS.clear()


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b'{"version": 2, "units": []}',
        b'{"version": 2, "units": {"dashboards:service/api": "x"}}',
        b'{"version": 2, "units": {"dashboards:service/api": {"fingerprint": 1}}}',
    ],
)
def test_a_cache_file_of_another_shape_only_costs_a_render(tmp_path, raw):
    cat, out = _rendered(tmp_path)
    for path in (tmp_path / "cache").glob("render-*.json"):
        path.write_bytes(raw)
    outcome = render(cat, out)
    assert sorted(fake_renderer.CALLS) == ["api", "db", "web"]
    assert outcome.written == []


def test_a_same_second_rewrite_on_a_one_second_filesystem_is_seen(tmp_path, monkeypatch):
    """On a filesystem storing whole seconds (ext4 with 128-byte inodes, HFS+; FAT: 2 s), a
    file compared 60 ms after it was written and rewritten, same size, in that same second
    keeps its key: it must not have been trusted (``render --check`` said up to date)."""
    import time

    from obskit.render import pipeline

    def one_second(st: os.stat_result) -> render_cache.Key:
        size, mtime, inode, ctime = render_cache.stat_key(st)
        return (size, mtime // 10**9 * 10**9, inode, ctime // 10**9 * 10**9)

    monkeypatch.setattr(pipeline, "stat_key", one_second)
    monkeypatch.setattr(render_cache, "RACY_NS", 50_000_000)  # the real window
    cat, out = _rendered(tmp_path)
    path = out / "dashboards/api.json"
    original = path.read_bytes()
    start = int(time.time()) + 1.3  # 0.3 s into the next second: the steps fit in it
    time.sleep(start - time.time())
    with open(path, "r+b") as f:
        f.write(original)  # rewritten with the same bytes (a checkout, an editor saving)
    time.sleep(0.06)
    assert render(cat, out).written == []  # compared, found equal
    with open(path, "r+b") as f:
        f.write(original.replace(b"api", b"xyz"))
    assert int(time.time()) == int(start), "too slow: the steps left their second"
    assert list(render(cat, out, check=True).changed) == ["dashboards/api.json"]


def test_a_file_times_step_is_waited_out_before_its_key_is_trusted(monkeypatch):
    monkeypatch.setattr(render_cache, "RACY_NS", 50_000_000)
    second = 1_796_621_905 * 10**9
    assert render_cache.granularity(second) == 10**9
    assert render_cache.granularity(second + 10**9) == 2 * 10**9  # FAT's 2 s
    assert render_cache.granularity(second + 123_456_789) == 1
    racy = 50_000_000
    fine = (10, second + 123_456_789, 1, second + 123_456_789)
    assert render_cache.settled(fine, fine[1] + racy + 1)
    coarse = (10, second, 1, second)
    assert not render_cache.settled(coarse, second + racy + 1)
    assert render_cache.settled(coarse, second + 10**9 + racy)


def test_an_upgraded_library_renders_everything_again(tmp_path, monkeypatch):
    """PyYAML, grafanalib, pydantic write the bytes too: a cache made with other versions
    proves nothing (``render --check`` would trust output a fresh render no longer gives)."""
    from importlib import metadata

    cat, out = _rendered(tmp_path)
    version = metadata.version

    def upgraded(name: str) -> str:
        return "99.0" if name.lower() == "pyyaml" else version(name)

    monkeypatch.setattr(metadata, "version", upgraded)
    render_cache.code_fingerprint.cache_clear()
    try:
        render(cat, out)
    finally:
        render_cache.code_fingerprint.cache_clear()
    assert sorted(fake_renderer.CALLS) == ["api", "db", "web"]
