"""render(): run the registered renderers unit by unit into an output tree."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from obskit.catalog.model import Catalog
from obskit.render.cache import RenderCache
from obskit.render.output import Outcome, OutputError, OutputTree, safe_relative
from obskit.render.registry import (
    RENDERER_NAMES,
    RenderUnit,
    load_renderer,
    render_session,
    shared_produce,
)


def select_renderers(only: Iterable[str] | None) -> tuple[str, ...]:
    """Validate ``--only`` names; keep the registry's order."""
    if not only:
        return RENDERER_NAMES
    wanted = {n.strip() for n in only if n.strip()}
    unknown = sorted(wanted - set(RENDERER_NAMES))
    if unknown:
        raise OutputError(
            f"unknown output kind {', '.join(unknown)}; choose from {', '.join(RENDERER_NAMES)}"
        )
    return tuple(n for n in RENDERER_NAMES if n in wanted)


def render(
    catalog: Catalog,
    out: str | os.PathLike[str] = ".",
    *,
    only: Iterable[str] | None = None,
    check: bool = False,
    use_cache: bool = True,
) -> Outcome:
    """Render ``catalog`` into ``out`` (or, with ``check``, compare without writing)."""
    names = select_renderers(only)
    root = Path(out)
    tree = OutputTree(root, check=check)
    cache = RenderCache(root, enabled=use_cache)
    # Units of all renderers, run ordered by key (stable: registry order within a key), so one
    # service's dashboards, alerts and manifests units run back to back and the manifests
    # unit reuses the others' output (shared_produce). Units hold no output: memory stays flat.
    units = [(name, unit) for name in names for unit in load_renderer(name).units(catalog)]
    units.sort(key=lambda pair: pair[1].key)
    with render_session():
        _run_units(units, tree, cache, root, check)
    outcome = tree.finish(names)
    if not check and not outcome.conflicts:
        cache.save()
    return outcome


def _run_units(
    units: list[tuple[str, RenderUnit]],
    tree: OutputTree,
    cache: RenderCache,
    root: Path,
    check: bool,
) -> None:
    """Render (or take from the cache) each unit and hand its files to the output tree."""
    seen: dict[str, str] = {}
    for name, unit in units:
        unit_key = f"{name}:{unit.key}"
        fingerprint = cache.fingerprint(name, unit.key, unit.inputs)
        cached = cache.reusable(unit_key, fingerprint, root)
        if cached is not None:
            for path in cached:
                _claim(seen, path, unit_key)
                tree.note_unchanged(name, path)
            continue
        files = {safe_relative(p): b for p, b in shared_produce(name, unit).items()}
        for path in sorted(files):
            _claim(seen, path, unit_key)
            tree.put(name, path, files[path])
        if not check:
            cache.record(unit_key, fingerprint, files)


def _claim(seen: dict[str, str], path: str, unit_key: str) -> None:
    if path in seen:
        raise OutputError(f"{path} is produced twice (by {seen[path]} and {unit_key})")
    seen[path] = unit_key
