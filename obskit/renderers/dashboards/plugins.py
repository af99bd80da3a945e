"""User dashboard plugins: ``metadata.plugins.dashboards: ["module.path:function"]``.

Each function is called as ``function(service, catalog)`` and returns grafanalib panels,
appended to that service's dashboard in a "Custom" row. A module is looked up next to the
catalog first (``<catalog dir>/module/path.py``), then on ``sys.path``. The plugin's source
bytes are part of the unit fingerprint, so editing a plugin re-renders the dashboards.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from obskit.catalog.model import Catalog
from obskit.render.output import OutputError

PanelFunction = Callable[[Any, Catalog], list[Any]]


class PluginError(OutputError):
    """A plugin that cannot be found, imported or called (the CLI prints one line, exit 2)."""


def plugin_specs(catalog: Catalog) -> tuple[str, ...]:
    plugins = catalog.metadata.plugins
    return tuple(plugins.dashboards) if plugins else ()


def catalog_dir(catalog: Catalog) -> Path:
    if not catalog.sources:
        return Path.cwd()
    first = Path(catalog.sources[0])
    return first.parent


def _local_path(catalog: Catalog, module: str) -> Path | None:
    """The module's file next to the catalog, as found there (a symlink not followed)."""
    base = catalog_dir(catalog).joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _local_file(catalog: Catalog, module: str) -> Path | None:
    local = _local_path(catalog, module)
    return local.resolve() if local is not None else None


@cache
def _load_file(path: Path, module: str) -> ModuleType:
    name = f"obskit_dashboard_plugin_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot load dashboard plugin {module} from {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _module(catalog: Catalog, module: str) -> ModuleType:
    local = _local_file(catalog, module)
    try:
        if local is not None:
            return _load_file(local, module)
        return importlib.import_module(module)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"dashboard plugin {module}: import failed: {exc}") from None


def load_plugin(catalog: Catalog, spec: str) -> PanelFunction:
    """The plugin function (its sources are fingerprinted by :func:`plugins_fingerprint`)."""
    module, _, attr = spec.partition(":")
    func = getattr(_module(catalog, module), attr, None)
    if not callable(func):
        raise PluginError(f"dashboard plugin {spec}: {module} has no function {attr}")
    return func


def _package_files(folder: Path) -> list[tuple[str, Path]]:
    """The package's ``.py`` files (not a folder, a broken link or a pipe so named)."""
    files = (p for p in folder.rglob("*.py") if "__pycache__" not in p.parts and p.is_file())
    return sorted((p.relative_to(folder).as_posix(), p) for p in files)


def plugin_sources(catalog: Catalog, module: str) -> list[tuple[str, Path]]:
    """The files a plugin module's code comes from, each with a name for the fingerprint:
    every ``.py`` file of the package the module is in (or is), so a helper module the
    plugin imports from its own package counts; a top-level single-file module is its own
    file ([] when it cannot be found: the render then fails on it)."""
    file = _local_path(catalog, module)  # its package is the folder it is in, not a link's
    if file is None:
        try:
            found = importlib.util.find_spec(module)  # imports the parent packages
        except Exception:  # e.g. a parent's __init__ fails: the render says so
            return []
        origin = Path(found.origin) if found and found.origin else None
        file = origin if origin and origin.is_file() else None
        module = found.name if found else module  # an alias (os.path is posixpath)
    if file is None:
        return []
    if file.name == "__init__.py" or "." in module:
        return _package_files(file.parent)
    return [(file.name, file)]


def plugins_fingerprint(catalog: Catalog) -> str:
    """sha256 of every plugin's spec and source files ('' without plugins)."""
    specs = plugin_specs(catalog)
    if not specs:
        return ""
    h = hashlib.sha256()
    for spec in specs:
        h.update(spec.encode() + b"\0")
        for name, path in plugin_sources(catalog, spec.partition(":")[0]):
            try:
                source = path.read_bytes()
            except OSError as exc:
                why = f"cannot read {path}: {exc.strerror}"
                raise PluginError(f"dashboard plugin {spec}: {why}") from None
            h.update(name.encode() + b"\0" + source + b"\0")
        h.update(b"\0")
    return h.hexdigest()


def plugin_panels(catalog: Catalog, service: Any) -> list[Any]:
    """Every plugin's panels for ``service``, in catalog order."""
    panels: list[Any] = []
    for spec in plugin_specs(catalog):
        func = load_plugin(catalog, spec)
        try:
            result = func(service, catalog)
        except Exception as exc:
            raise PluginError(f"dashboard plugin {spec} failed for {service.name}: {exc}") from None
        if not isinstance(result, list | tuple):
            raise PluginError(f"dashboard plugin {spec} must return a list of panels")
        panels.extend(result)
    return panels
