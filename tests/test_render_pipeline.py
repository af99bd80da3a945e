"""The render pipeline: atomic writes, manifest, pruning, --check, cache, hand-written files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obskit.catalog import load_catalog
from obskit.render import registry
from obskit.render.output import MANIFEST_PATH, OutputError
from obskit.render.pipeline import dry_render, render

import fake_renderer

CATALOG = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: shop}
teams: [{name: a}]
services:
  - {name: api, team: a}
  - {name: web, team: a}
  - {name: db, team: a, metrics: {preset: none}}
"""


@pytest.fixture(autouse=True)
def fake_registry(monkeypatch, tmp_path):
    monkeypatch.setitem(registry.REGISTRY, "dashboards", "fake_renderer:RENDERER")
    monkeypatch.setattr(registry, "RENDERER_NAMES", ("dashboards",))
    monkeypatch.setattr("obskit.render.pipeline.RENDERER_NAMES", ("dashboards",))
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    # these tests render twice within milliseconds: inside the cache's racy window every
    # file would be compared again (tests/test_render_cache.py tests that window)
    monkeypatch.setattr("obskit.render.cache.RACY_NS", 0)
    fake_renderer.CALLS.clear()


def catalog(tmp_path: Path, text: str = CATALOG):
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return load_catalog(path)


def test_render_writes_files_and_manifest(tmp_path):
    out = tmp_path / "out"
    outcome = render(catalog(tmp_path), out)
    assert sorted(outcome.written) == [
        MANIFEST_PATH,
        "dashboards/api.json",
        "dashboards/db.json",
        "dashboards/overview/fleet.json",
        "dashboards/web.json",
    ]
    manifest = json.loads((out / MANIFEST_PATH).read_text())
    assert manifest["generated"]["dashboards"] == sorted(outcome.written[:-1])
    assert not list(out.rglob("*.tmp")), "no temporary files left behind"


def test_second_render_touches_nothing(tmp_path):
    out = tmp_path / "out"
    cat = catalog(tmp_path)
    render(cat, out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    fake_renderer.CALLS.clear()
    outcome = render(cat, out)
    assert outcome.written == [] and outcome.removed == []
    assert fake_renderer.CALLS == [], "unchanged units come from the cache"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_one_changed_service_renders_only_that_unit(tmp_path):
    out = tmp_path / "out"
    render(catalog(tmp_path), out)
    fake_renderer.CALLS.clear()
    changed = CATALOG.replace("{name: web, team: a}", "{name: web, team: a, tier: low}")
    outcome = render(catalog(tmp_path, changed), out)
    assert fake_renderer.CALLS == ["web"]
    assert outcome.written == ["dashboards/web.json"]


def test_cache_never_hides_a_hand_edit(tmp_path):
    out = tmp_path / "out"
    cat = catalog(tmp_path)
    render(cat, out)
    (out / "dashboards/api.json").write_text("edited\n")
    outcome = render(cat, out, check=True)
    assert list(outcome.changed) == ["dashboards/api.json"]
    assert "-edited" in outcome.changed["dashboards/api.json"]
    assert render(cat, out).written == ["dashboards/api.json"]


def test_check_current_edited_missing_stale(tmp_path):
    out = tmp_path / "out"
    cat = catalog(tmp_path)
    render(cat, out)
    assert render(cat, out, check=True).current
    (out / "dashboards/web.json").unlink()
    (out / "dashboards/api.json").write_text('{"service": "api"}\n')
    smaller = catalog(
        tmp_path, CATALOG.replace("  - {name: db, team: a, metrics: {preset: none}}\n", "")
    )
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    outcome = render(smaller, out, check=True)
    assert not outcome.current
    assert outcome.missing == ["dashboards/web.json"]
    assert set(outcome.changed) == {
        "dashboards/api.json",
        "dashboards/overview/fleet.json",
        MANIFEST_PATH,
    }
    assert outcome.stale == ["dashboards/db.json"]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before, "check wrote"


def test_removed_service_is_pruned_hand_written_files_survive(tmp_path):
    out = tmp_path / "out"
    render(catalog(tmp_path), out)
    (out / "dashboards/custom.json").write_text("{}\n")
    (out / "dashboards/overview/mine.json").write_text("{}\n")
    smaller = CATALOG.replace("  - {name: db, team: a, metrics: {preset: none}}\n", "")
    outcome = render(catalog(tmp_path, smaller), out)
    assert outcome.removed == ["dashboards/db.json"]
    assert not (out / "dashboards/db.json").exists()
    assert (out / "dashboards/custom.json").read_text() == "{}\n"
    assert (out / "dashboards/overview/mine.json").exists()


def test_empty_folders_of_pruned_files_are_removed(tmp_path):
    out = tmp_path / "out"
    render(catalog(tmp_path), out)
    (out / "dashboards/overview/fleet.json").unlink()
    manifest = json.loads((out / MANIFEST_PATH).read_text())
    manifest["generated"]["dashboards"].append("dashboards/old/gone.json")
    (out / "dashboards/old").mkdir()
    (out / "dashboards/old/gone.json").write_text("x")
    (out / MANIFEST_PATH).write_text(json.dumps(manifest))
    render(catalog(tmp_path), out)
    assert not (out / "dashboards/old").exists()


def test_hand_written_file_in_the_way_is_refused_not_overwritten(tmp_path):
    out = tmp_path / "out"
    (out / "dashboards").mkdir(parents=True)
    (out / "dashboards/api.json").write_text("mine\n")
    outcome = render(catalog(tmp_path), out)
    assert outcome.conflicts == ["dashboards/api.json"]
    assert (out / "dashboards/api.json").read_text() == "mine\n"


def test_unknown_only_is_an_error(tmp_path):
    with pytest.raises(OutputError, match="unknown output kind"):
        render(catalog(tmp_path), tmp_path / "out", only=["dashbords"])


def test_unsafe_paths_are_refused(tmp_path, monkeypatch):
    from obskit.render.registry import RenderUnit

    monkeypatch.setattr(
        fake_renderer.FakeRenderer,
        "units",
        lambda self, c: [RenderUnit("x", b"", lambda: {"../evil": b"x"})],
    )
    with pytest.raises(OutputError, match="unsafe path"):
        render(catalog(tmp_path), tmp_path / "out")
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_path_two_units_produce_is_refused_naming_both(tmp_path, monkeypatch, use_cache):
    """The overview unit also writing api's file: refused, nothing written, both named."""
    monkeypatch.setattr(
        fake_renderer.RENDERER,
        "units",
        lambda cat, units=fake_renderer.RENDERER.units: [
            *units(cat),
            registry.RenderUnit("twin", b"", lambda: {"dashboards/api.json": b"{}\n"}),
        ],
    )
    out = tmp_path / "out"
    with pytest.raises(OutputError) as caught:
        render(catalog(tmp_path), out, use_cache=use_cache, jobs=1)
    assert str(caught.value) == (
        "dashboards/api.json is produced twice (by dashboards:service/api and dashboards:twin)"
    )
    assert not (out / "dashboards").exists()
    with pytest.raises(OutputError, match="produced twice"):
        dry_render(catalog(tmp_path))
