"""render(): run the registered renderers unit by unit into an output tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from functools import partial

from obskit.catalog.model import Catalog
from obskit.render.cache import Key, RenderCache, stat_key
from obskit.render.contain import Root
from obskit.render.journal import STATE_DIR, pending, recover, state_dir, uncreate
from obskit.render.lock import LOCK_NAME, folder_lock
from obskit.render.output import SAME, STAGED, Outcome, OutputError, OutputTree, safe_relative
from obskit.render.parallel import produce_all
from obskit.render.registry import (
    RENDERER_NAMES,
    RenderUnit,
    render_session,
    renderer_units,
    units_session,
)
from obskit.render.validated import ValidatedCache

#: a unit with the name of its renderer
Unit = tuple[str, RenderUnit]


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
    jobs: int | None = None,
) -> Outcome:
    """Render ``catalog`` into ``out`` (or, with ``check``, compare without writing).

    A writing render holds the folder's exclusive lock, finishes or rolls back an
    interrupted render first, stages every file and commits only when all units rendered.
    ``jobs``: worker processes (default ``$OBSKIT_JOBS`` or the CPU count; 1: serial).
    """
    names = select_renderers(only)
    root = Root(out)
    created = state_dir(root, create=not check)
    with folder_lock(root.path / STATE_DIR, shared=check):
        if not check:
            recover(root)
        interrupted = check and pending(root)
        tree = OutputTree(root, check=check)
        tree.outcome.interrupted = interrupted
        cache = RenderCache(root.path, enabled=use_cache)
        try:
            _run_units(_units(catalog, names), tree, cache, jobs)
            outcome = tree.finish(names)
            if not check and not outcome.conflicts:
                cache.confirm(lambda path: _stat(root, path))
        except BaseException:
            tree.discard()
            uncreate(root, created, LOCK_NAME)
            raise
        if outcome.conflicts:
            uncreate(root, created, LOCK_NAME)
    if not check and not outcome.conflicts:
        cache.save()
    return outcome


def dry_render(catalog: Catalog, *, cache_name: str | None = None, jobs: int | None = None) -> int:
    """Render every unit and discard the output: the checks of ``render``, writing nothing.

    ``obskit validate`` runs this, so it refuses exactly the catalogs ``render`` refuses
    (the output folder's own state, such as hand-written files in the way, aside). Returns
    the number of files a render would produce. With ``cache_name`` (the catalog's path),
    units whose fingerprint already passed are not rendered again
    (:mod:`~obskit.render.validated`); their paths still take part in the check that no
    two units produce one file. The others are rendered on every core, as ``render`` does
    (``jobs``), and checked in unit order: the first error is a serial render's.
    """
    cache = ValidatedCache(cache_name or "", enabled=cache_name is not None)
    seen: dict[str, Unit] = {}
    with render_session():
        units = _units(catalog, RENDERER_NAMES)
        plan = []
        for pair in units:
            name, unit = pair
            fingerprint = cache.fingerprint(name, unit.key, unit.inputs) if cache.enabled else ""
            plan.append((fingerprint, cache.files(_unit_key(pair), fingerprint)))
        work = [pair for pair, (_, files) in zip(units, plan, strict=True) if files is None]
        produced = produce_all(work, _path_only, jobs)
        try:
            for pair, (fingerprint, cached) in zip(units, plan, strict=True):
                files = cached if cached is not None else next(produced)
                if cached is None:
                    cache.record(_unit_key(pair), fingerprint, files)
                for path in files:  # normal already (place_unit, or the cache's check)
                    _claim(seen, path, pair)
        finally:
            produced.close()
    cache.save()
    return len(seen)


def _path_only(path: str, data: bytes) -> str:
    """What a dry render keeps of a produced file: its path."""
    return path


def _units(catalog: Catalog, names: tuple[str, ...]) -> list[Unit]:
    # Units of all renderers, run ordered by key (stable: registry order within a key), so one
    # service's dashboards, alerts and manifests units run back to back and the manifests
    # unit reuses the others' output (shared_produce). Units hold no output: memory stays flat.
    with units_session():
        units = [(name, unit) for name in names for unit in renderer_units(name, catalog)]
    units.sort(key=lambda pair: pair[1].key)
    return units


def _run_units(
    units: list[Unit],
    tree: OutputTree,
    cache: RenderCache,
    jobs: int | None = None,
) -> None:
    """Render (or take from the cache) each unit and hand its files to the output tree.

    Units the cache cannot prove current are produced on every core (:mod:`.parallel`),
    whose workers place (compare and stage) the files themselves; the records reach the
    tree in unit order, so the output equals a serial render's.
    """
    seen: dict[str, Unit] = {}
    keyed = cache.enabled and not tree.outcome.check
    with render_session():
        plan = _plan(units, tree, cache)
        work = [pair for pair, step in zip(units, plan, strict=True) if step[1] is None]
        produced = produce_all(work, partial(tree.place, keyed=keyed), jobs)
        try:
            for pair, (fingerprint, cached) in zip(units, plan, strict=True):
                name = pair[0]
                if cached is not None:
                    for path in cached:
                        _claim(seen, path, pair)
                        tree.note_unchanged(name, path)
                    continue
                keys: dict[str, Key] = {}
                files = []
                for placed in next(produced):
                    _claim(seen, placed.path, pair)
                    tree.take(name, placed)
                    files.append(placed.path)
                    if not keyed or placed.key is None:
                        continue
                    if placed.verdict == STAGED:
                        cache.written(_unit_key(pair), placed.path, placed.key)
                    elif placed.verdict == SAME:
                        keys[placed.path] = placed.key
                if keyed:
                    cache.record(_unit_key(pair), fingerprint, files, keys)
        finally:
            # on an error too: the workers stop and gc is unfrozen now, not whenever the
            # error's traceback (which holds this frame) is dropped
            produced.close()


def _stat(root: Root, path: str) -> Key | None:
    """A contained regular file's lstat key (:func:`~obskit.render.cache.stat_key`), or None."""
    try:
        st = root.stat(safe_relative(path))
    except (OSError, OutputError):
        return None
    return stat_key(st) if st is not None and stat.S_ISREG(st.st_mode) else None


#: the plan of a unit the cache is off for: no fingerprint, nothing reusable
_FRESH: tuple[str, None] = ("", None)


def _plan(
    units: list[Unit], tree: OutputTree, cache: RenderCache
) -> list[tuple[str, list[str] | None]]:
    """Each unit's fingerprint and, when the cache proves them current, its files.

    Without the cache, one shared entry for all: at 10,000 services 30,000 fingerprints
    would stay resident for the whole render (and in every forked worker) for nothing.
    """
    if not cache.enabled:
        return [_FRESH] * len(units)
    plan = []
    for pair in units:
        name, unit = pair
        fingerprint = cache.fingerprint(name, unit.key, unit.inputs)
        plan.append(
            (
                fingerprint,
                cache.reusable(_unit_key(pair), fingerprint, lambda path: _stat(tree.root, path)),
            )
        )
    return plan


def _unit_key(pair: Unit) -> str:
    return f"{pair[0]}:{pair[1].key}"


def _claim(seen: dict[str, Unit], path: str, pair: Unit) -> None:
    """Refuse a path two units produce (``seen`` keeps each path's unit, not a new string)."""
    if path in seen:
        raise OutputError(
            f"{path} is produced twice (by {_unit_key(seen[path])} and {_unit_key(pair)})"
        )
    seen[path] = pair
