"""render(): run the registered renderers unit by unit into an output tree."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from obskit.catalog.model import Catalog
from obskit.render.cache import RenderCache
from obskit.render.output import Outcome, OutputError, OutputTree, safe_relative
from obskit.render.registry import RENDERER_NAMES, load_renderer


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
    seen: dict[str, str] = {}
    for name in names:
        renderer = load_renderer(name)
        for unit in renderer.units(catalog):
            unit_key = f"{name}:{unit.key}"
            fingerprint = cache.fingerprint(name, unit.key, unit.inputs)
            cached = cache.reusable(unit_key, fingerprint, root)
            if cached is not None:
                for path in cached:
                    _claim(seen, path, unit_key)
                    tree.note_unchanged(name, path)
                continue
            files = {safe_relative(p): b for p, b in unit.produce().items()}
            for path in sorted(files):
                _claim(seen, path, unit_key)
                tree.put(name, path, files[path])
            if not check:
                cache.record(unit_key, fingerprint, files)
    outcome = tree.finish(names)
    if not check and not outcome.conflicts:
        cache.save()
    return outcome


def _claim(seen: dict[str, str], path: str, unit_key: str) -> None:
    if path in seen:
        raise OutputError(f"{path} is produced twice (by {seen[path]} and {unit_key})")
    seen[path] = unit_key
