"""Render cache: skip units whose inputs, code and files on disk are all unchanged.

The cache lives outside the output tree (``$OBSKIT_CACHE_DIR`` or ``~/.cache/obskit``), so a
GitOps repo never commits it. A unit is reused only if its fingerprint matches *and* every
file it produced is provably untouched on disk; anything else renders it again (and the
render compares the bytes, so a file that only looks touched is not written).

"Untouched" is decided as git's index decides it, without reading the file (hashing 400 MiB
was most of a no-op render at 1,000 services): the cache keeps each file's ``lstat`` (size,
mtime, inode) taken *before* its bytes were compared with the unit's, or after obskit wrote
it and found it unchanged once in place; a later write moves the mtime. A write in the same
clock tick as that ``lstat`` would not, so a file whose mtime is less than :data:`RACY_NS`
before the moment its ``lstat`` was taken is not trusted: its unit renders again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from obskit.render.atomic import atomic_write, read_bytes

CACHE_VERSION = 2
#: an mtime this close to when its lstat was taken may hide a later write in the same tick
RACY_NS = 100_000_000

#: ``(size, mtime_ns, inode)`` of a file, or None when it is not a regular file
Stat = Callable[[str], "tuple[int, int, int] | None"]


def stat_key(st: os.stat_result) -> tuple[int, int, int]:
    """What the cache compares of a file's ``lstat``."""
    return (st.st_size, st.st_mtime_ns, st.st_ino)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over obskit's own source and data files: new code renders everything again."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".yaml", ".yml"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    base = os.environ.get("OBSKIT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "obskit"
    )
    return Path(base)


class RenderCache:
    """``unit key -> (fingerprint, {path: [size, mtime_ns, inode, taken_ns]})`` for one
    output folder."""

    def __init__(self, out_dir: Path, enabled: bool = True):
        self.enabled = enabled
        key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:24]
        self.path = cache_dir() / f"render-{key}.json"
        self.entries: dict[str, dict] = {}
        if enabled:
            raw = read_bytes(self.path)
            try:
                data = json.loads(raw) if raw else {}
                if data.get("version") == CACHE_VERSION:
                    self.entries = data.get("units", {})
            except (ValueError, AttributeError):
                self.entries = {}
        self._new: dict[str, dict] = {}
        self._staged: list[tuple[str, str, tuple[int, int, int]]] = []

    @staticmethod
    def fingerprint(renderer: str, key: str, inputs: bytes) -> str:
        h = hashlib.sha256(code_fingerprint().encode())
        h.update(f"\0{renderer}\0{key}\0".encode())
        h.update(inputs)
        return h.hexdigest()

    def reusable(self, unit_key: str, fingerprint: str, stat: Stat) -> list[str] | None:
        """The unit's files if the cache proves them untouched on disk, else None.

        ``stat`` gives a file's ``lstat`` key (through the tree's containment checks).
        """
        if not self.enabled:
            return None
        entry = self.entries.get(unit_key)
        if not entry or entry.get("fingerprint") != fingerprint:
            return None
        known: dict[str, list[int]] | None = entry.get("stat")
        if not isinstance(known, dict):
            return None
        for path, old in known.items():
            if len(old) != 4 or old[1] >= old[3] - RACY_NS:
                return None  # racy: a write in the same tick would not show
            now = stat(path)
            if now is None or list(now) != old[:3]:
                return None
        self._new[unit_key] = entry
        return list(known)

    def record(self, unit_key: str, fingerprint: str, stats: dict[str, list[int]]) -> None:
        """Remember a produced unit: ``path -> [size, mtime_ns, inode, taken_ns]`` for each
        file whose lstat was taken before its bytes were found equal to the unit's (files
        this render writes are added by :meth:`confirm`)."""
        if not self.enabled:
            return
        self._new[unit_key] = {"fingerprint": fingerprint, "stat": dict(stats)}

    def written(self, unit_key: str, path: str, staged: tuple[int, int, int]) -> None:
        """``path`` was staged with this lstat key; :meth:`confirm` checks it once in place."""
        if self.enabled:
            self._staged.append((unit_key, path, staged))

    def confirm(self, stat: Stat) -> None:
        """After the commit: files written by this render whose lstat is still the one they
        were staged with are recorded (a rename keeps size, mtime and inode)."""
        taken = time.time_ns()
        for unit_key, path, staged in self._staged:
            entry = self._new.get(unit_key)
            if entry is not None and stat(path) == staged:
                entry["stat"][path] = [*staged, taken]
            elif entry is not None:
                entry["stat"][path] = [-1, -1, -1, taken]  # never matches: renders again
        self._staged.clear()

    def save(self) -> None:
        if not self.enabled:
            return
        data = json.dumps({"version": CACHE_VERSION, "units": self._new}, sort_keys=True)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write(self.path, data.encode())
