"""Validation cache: the units a dry render already proved, so ``obskit validate`` renders
only what changed.

A unit's verdict depends on nothing but its fingerprint (obskit's code and libraries, the
renderer, the unit's key and inputs: :meth:`RenderCache.fingerprint`, the same proof the
render cache relies on), so a unit that rendered in memory with a fingerprint renders again
with it. What is kept is each such unit's file paths, so the check no two units produce one
path still runs over every unit. Only a dry render that passed as a whole is saved, one file
per catalog path holding that catalog's current units (``$OBSKIT_CACHE_DIR`` or
``~/.cache/obskit``); a refused unit is never kept.
"""

from __future__ import annotations

from obskit.render.cache import RenderCache, cache_file, read_units, write_units
from obskit.render.contain import safe_relative
from obskit.render.errors import OutputError

VERSION = 1


def _normal(path: object) -> bool:
    """A path a render could have produced (one :func:`safe_relative` keeps as it is)."""
    if not isinstance(path, str):
        return False
    try:
        return safe_relative(path) == path
    except OutputError:
        return False


class ValidatedCache:
    """``unit key -> (fingerprint, file paths)`` of the units a dry render of one catalog
    produced without a refusal."""

    def __init__(self, catalog_name: str, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_file("validate", catalog_name)
        self.entries = read_units(self.path, VERSION) if enabled else {}
        self._new: dict[str, dict] = {}

    @staticmethod
    def fingerprint(renderer: str, key: str, inputs: bytes) -> str:
        return RenderCache.fingerprint(renderer, key, inputs)

    def files(self, unit_key: str, fingerprint: str) -> list[str] | None:
        """The unit's paths when a dry render with this fingerprint passed, else None."""
        if not self.enabled:
            return None
        entry = self.entries.get(unit_key)
        if not entry or entry.get("fingerprint") != fingerprint:
            return None
        files = entry.get("files")
        if not isinstance(files, list) or not all(_normal(p) for p in files):
            return None  # a damaged entry: render the unit (it, not the cache, may refuse)
        if len(set(files)) != len(files):
            return None  # a path twice: a render's files are unique
        self._new[unit_key] = entry
        return files

    def record(self, unit_key: str, fingerprint: str, files: list[str]) -> None:
        if self.enabled:
            self._new[unit_key] = {"fingerprint": fingerprint, "files": files}

    def save(self) -> None:
        """Keep this run's units (call only when the whole dry render passed)."""
        if self.enabled:
            write_units(self.path, VERSION, self._new)
