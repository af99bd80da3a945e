"""The extension point: Python functions that add panels to every service dashboard."""

from __future__ import annotations

import json
import shutil

import pytest
from dashboards_support import SCHEMA, panels, render

from obskit.catalog.loader import load_catalog
from obskit.renderers.dashboards import RENDERER
from obskit.renderers.dashboards.plugins import PluginError, plugin_sources

from conftest import FIXTURES

PLUGIN_CATALOG = FIXTURES / "dashboards" / "plugin_catalog"


@pytest.fixture
def plugin_catalog(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(PLUGIN_CATALOG, target)
    return target


def test_plugin_panels_are_appended_in_a_custom_row(plugin_catalog, shared_reference):
    from jsonschema import Draft7Validator

    rendered = render(load_catalog(plugin_catalog / "catalog.yaml"))
    validator = Draft7Validator(json.loads((shared_reference / SCHEMA).read_text()))
    for name in ("orders", "worker"):
        dash = rendered[f"dashboards/{name}.json"]
        assert list(validator.iter_errors(dash)) == []
        titles = [p["title"] for p in panels(dash)]
        assert titles[-3:] == ["Custom panels", "Queue throughput", "Queue depth"]
        throughput, depth = list(panels(dash))[-2:]
        assert f'service="{name}"' in throughput["targets"][0]["expr"]
        assert throughput["gridPos"]["w"] == 24 and throughput["gridPos"]["h"] == 6
        assert depth["gridPos"]["y"] == throughput["gridPos"]["y"] + 6  # wrapped below
        assert throughput["datasource"]["uid"] == "${datasource}"  # filled in by the normaliser
        assert depth["fieldConfig"]["defaults"]["unit"] == "short"


def one_plugin_catalog(folder, spec: str):
    """A one-service catalog in ``folder`` with the dashboard plugin ``spec``."""
    path = folder / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\n"
        f"metadata: {{name: x, plugins: {{dashboards: ['{spec}']}}}}\n"
        "teams: [{name: t}]\nservices: [{name: s, team: t}]\n"
    )
    return path


def _inputs(directory):
    catalog = load_catalog(directory / "catalog.yaml")
    return {u.key: u.inputs for u in RENDERER.units(catalog)}


def test_plugin_source_is_part_of_the_fingerprint(plugin_catalog):
    before = _inputs(plugin_catalog)
    source = plugin_catalog / "shop_plugins" / "queue.py"
    source.write_text(source.read_text().replace("Queue depth", "Backlog"))
    after = _inputs(plugin_catalog)
    assert before["service/orders"] != after["service/orders"]
    assert before["service/worker"] != after["service/worker"]


def test_every_module_of_the_plugins_package_is_part_of_the_fingerprint(plugin_catalog):
    before = _inputs(plugin_catalog)
    helper = plugin_catalog / "shop_plugins" / "helpers.py"
    helper.write_text("UNIT = 'ops'\n")
    added = _inputs(plugin_catalog)
    assert added["service/orders"] != before["service/orders"], "a new helper module counts"
    helper.write_text("UNIT = 'short'\n")
    assert _inputs(plugin_catalog)["service/orders"] != added["service/orders"]
    cache = plugin_catalog / "shop_plugins" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "helpers.cpython-311.pyc").write_bytes(b"bytecode")
    assert _inputs(plugin_catalog) == _inputs(plugin_catalog)


def test_a_plugin_package_on_sys_path_is_fingerprinted_whole(tmp_path, monkeypatch):
    package = tmp_path / "site" / "fleet_panels"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "panels.py").write_text(
        "from fleet_panels.helpers import X\n\ndef p(s, c):\n    return []\n"
    )
    (package / "helpers.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    cat = tmp_path / "cat"
    cat.mkdir()
    one_plugin_catalog(cat, "fleet_panels.panels:p")
    before = _inputs(cat)
    (package / "helpers.py").write_text("X = 2\n")
    assert _inputs(cat)["service/s"] != before["service/s"]


def test_only_the_plugins_own_package_is_fingerprinted(tmp_path):
    """A deep plugin (``corp.obs.panels``) is its package ``corp/obs/``: not the whole
    ``corp`` tree, which in a monorepo may hold thousands of files."""
    obs = tmp_path / "corp" / "obs"
    obs.mkdir(parents=True)
    (tmp_path / "corp" / "billing.py").write_text("X = 1\n")
    (obs / "panels.py").write_text("def p(s, c):\n    return []\n")
    (obs / "helpers.py").write_text("Y = 1\n")
    one_plugin_catalog(tmp_path, "corp.obs.panels:p")
    before = _inputs(tmp_path)
    (tmp_path / "corp" / "billing.py").write_text("X = 2\n")
    assert _inputs(tmp_path) == before
    (obs / "helpers.py").write_text("Y = 2\n")
    assert _inputs(tmp_path) != before


def test_unknown_plugin_is_one_clear_error(plugin_catalog):
    text = (plugin_catalog / "catalog.yaml").read_text().replace("queue_panels", "nope")
    (plugin_catalog / "catalog.yaml").write_text(text)
    catalog = load_catalog(plugin_catalog / "catalog.yaml")
    with pytest.raises(PluginError, match="has no function nope"):
        render(catalog)


def test_plugin_spec_is_validated_by_the_catalog(tmp_path):
    from obskit.catalog.errors import CatalogError

    with pytest.raises(CatalogError):
        load_catalog(one_plugin_catalog(tmp_path, "not a spec"))


def test_a_folder_or_broken_link_named_py_in_the_plugins_package_is_not_read(plugin_catalog):
    """Only files are fingerprinted: ``validate`` raised FileNotFoundError (a traceback)
    and ``render`` said 'cannot write' the plugin's own broken link."""
    before = _inputs(plugin_catalog)
    package = plugin_catalog / "shop_plugins"
    (package / "old.py").symlink_to(package / "gone.py")
    (package / "fixtures.py").mkdir()
    assert _inputs(plugin_catalog) == before


def test_an_unreadable_plugin_source_is_one_clear_error(plugin_catalog, monkeypatch):
    from pathlib import Path

    read_bytes = Path.read_bytes

    def refuse(path):
        if path.name == "queue.py":
            raise PermissionError(13, "Permission denied")
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(PluginError, match=r"cannot read \S*queue\.py: Permission denied"):
        _inputs(plugin_catalog)


def test_a_symlinked_plugin_module_is_fingerprinted_with_its_own_package(tmp_path):
    """The package is the folder the link is in: the link target's folder (a home folder,
    a shared checkout) was walked instead, and the package's helpers were missed."""
    shared = tmp_path / "shared"
    (shared / "other").mkdir(parents=True)
    (shared / "panels.py").write_text("def p(s, c):\n    return []\n")
    (shared / "other" / "unrelated.py").write_text("Z = 1\n")
    package = tmp_path / "cat" / "pk"
    package.mkdir(parents=True)
    (package / "m.py").symlink_to(shared / "panels.py")
    (package / "helpers.py").write_text("Y = 1\n")
    one_plugin_catalog(tmp_path / "cat", "pk.m:p")
    before = _inputs(tmp_path / "cat")
    (shared / "other" / "unrelated.py").write_text("Z = 2\n")
    assert _inputs(tmp_path / "cat") == before
    (package / "helpers.py").write_text("Y = 2\n")
    helper_edited = _inputs(tmp_path / "cat")
    assert helper_edited != before
    (shared / "panels.py").write_text("def p(s, c):\n    return list()\n")
    assert _inputs(tmp_path / "cat") != helper_edited, "the linked file's text counts"


def test_an_aliased_submodule_is_fingerprinted_as_the_module_it_is(tmp_path, monkeypatch):
    """``os.path`` is ``posixpath``: the folder of a top-level module it aliases (the whole
    stdlib, 13,000 files without frozen modules) was walked as its 'package'."""
    import importlib
    import sys

    site = tmp_path / "site"
    site.mkdir()
    (site / "flat_panels.py").write_text("def p(s, c):\n    return []\n")
    (site / "unrelated.py").write_text("Z = 1\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setitem(sys.modules, "json.flat", importlib.import_module("flat_panels"))
    cat = tmp_path / "cat"
    cat.mkdir()
    one_plugin_catalog(cat, "json.flat:p")
    catalog = load_catalog(cat / "catalog.yaml")
    assert [name for name, _ in plugin_sources(catalog, "json.flat")] == ["flat_panels.py"]


def test_a_plugin_whose_parent_package_fails_to_import_is_one_clear_error(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "boom").mkdir(parents=True)
    (site / "boom" / "__init__.py").write_text("raise RuntimeError('no config')\n")
    monkeypatch.syspath_prepend(str(site))
    one_plugin_catalog(tmp_path, "boom.panels:p")
    with pytest.raises(PluginError, match=r"boom\.panels: import failed: no config"):
        render(load_catalog(tmp_path / "catalog.yaml"))
