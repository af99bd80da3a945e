"""Render cache: skip units whose inputs, code and files on disk are all unchanged.

The cache lives outside the output tree (``$OBSKIT_CACHE_DIR`` or ``~/.cache/obskit``), so a
GitOps repo never commits it. A unit is reused only if its fingerprint matches *and* every
file it produced is provably untouched on disk; anything else renders it again (and the
render compares the bytes, so a file that only looks touched is not written).

"Untouched" is decided as git's index decides it, without reading the file (hashing 400 MiB
was most of a no-op render at 1,000 services): the cache keeps each file's ``lstat`` key
(size, mtime, inode, ctime). Any write, ``touch``, ``utime`` or replacement moves the mtime
or the ctime, which no user can set, and an inode reused by a replacement still gets a new
ctime. Only a change within the same clock tick as the recorded key could keep both, so a key
is recorded only when it is at least :data:`RACY_NS` (several ticks) older than what could
change the file next, plus the step the filesystem stores times in (whole seconds on ext4
with 128-byte inodes or HFS+, 2 s on FAT: :func:`granularity`):

- a file whose bytes the render compared and found equal: its key taken *before* the
  comparison, when its mtime and ctime are older than that moment by ``RACY_NS``;
- a file the render wrote: its key once in place, when size, mtime and inode are still the
  staged file's (nobody wrote it since) and it was renamed into place (ctime) ``RACY_NS``
  or more after it was written (mtime), so a later write cannot share the write's tick.

A file without a recorded key renders its unit again (and is recorded then).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from obskit.render.atomic import atomic_write, read_bytes

CACHE_VERSION = 2
#: several clock ticks (file times come from a coarse clock: 1-10 ms a tick)
RACY_NS = 50_000_000

#: ``(size, mtime_ns, inode, ctime_ns)`` of a file, or None when it is not a regular file
Key = tuple[int, int, int, int]
Stat = Callable[[str], "Key | None"]


def stat_key(st: os.stat_result) -> Key:
    """What the cache compares of a file's ``lstat``."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def granularity(ns: int) -> int:
    """The step a file time is stored in, as its trailing zeros tell (1 s on ext4 with
    128-byte inodes or HFS+, 2 s on FAT, 100 ns on NTFS; a fine time: a few ns)."""
    step = 1
    while step < 10**9 and ns % (step * 10) == 0:
        step *= 10
    return 2 * step if step == 10**9 and ns % (2 * step) == 0 else step


def settled(key: Key, taken_ns: int) -> bool:
    """Whether ``key``, taken at ``taken_ns``, is older than any later change could be.

    A stored time is cut down to its step: a change up to one step later stores the same
    time, so the step is waited out too (else, on a 1 s filesystem, a file rewritten with
    the same size in the second it was compared in kept its key)."""
    newest = max(key[1], key[3])
    step = max(granularity(key[1]), granularity(key[3]))
    return taken_ns - newest >= RACY_NS + step


def runtime_versions() -> str:
    """Python's version and those of obskit's installed requirements (PyYAML, grafanalib,
    pydantic, ... write the bytes too): an upgrade renders everything again."""
    from importlib import metadata

    try:
        requires = metadata.requires("obskit") or []
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        requires = []
    names = sorted(
        {re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra" not in r}
    )
    lines = [sys.version]
    for name in names:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} missing")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over obskit's own source and data files and :func:`runtime_versions`: new
    code or an upgraded library renders everything again."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(runtime_versions().encode() + b"\0")
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


def cache_file(kind: str, name: str) -> Path:
    """The cache file of one kind (``render``, ``validate``) for one folder or catalog."""
    return cache_dir() / f"{kind}-{hashlib.sha256(name.encode()).hexdigest()[:24]}.json"


def read_units(path: Path, version: int) -> dict[str, dict]:
    """The ``units`` of a cache file of this version; {} for a missing or damaged one, or
    one of another version or shape."""
    raw = read_bytes(path)
    try:
        data = json.loads(raw) if raw else {}
        units = data.get("units") if data.get("version") == version else None
    except (ValueError, AttributeError):
        return {}
    if not isinstance(units, dict):  # any other shape is no cache at all
        return {}
    return {k: v for k, v in units.items() if isinstance(v, dict)}


def write_units(path: Path, version: int, units: dict[str, dict]) -> None:
    """Save ``units`` (a cache that cannot be written only costs time)."""
    data = json.dumps({"version": version, "units": units}, sort_keys=True)
    with contextlib.suppress(OSError):
        atomic_write(path, data.encode())


class RenderCache:
    """``unit key -> (fingerprint, files, {path: lstat key})`` for one output folder."""

    def __init__(self, out_dir: Path, enabled: bool = True):
        self.enabled = enabled
        self.path = cache_file("render", str(out_dir.resolve()))
        self.entries = read_units(self.path, CACHE_VERSION) if enabled else {}
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
        files, known = entry.get("files"), entry.get("stat")
        if not isinstance(files, list) or not isinstance(known, dict):
            return None
        for path in files:
            now = stat(path)
            if now is None or list(now) != known.get(path):
                return None
        self._new[unit_key] = entry
        return list(files)

    def record(
        self, unit_key: str, fingerprint: str, files: list[str], keys: dict[str, Key]
    ) -> None:
        """Remember a produced unit, its files and the settled keys of those it compared
        (see the module; those it wrote are added by :meth:`confirm`)."""
        if not self.enabled:
            return
        stat = {p: list(k) for p, k in keys.items()}
        self._new[unit_key] = {"fingerprint": fingerprint, "files": files, "stat": stat}

    def written(self, unit_key: str, path: str, staged: Key) -> None:
        """``path`` was staged with this lstat key; :meth:`confirm` checks it once in place."""
        if self.enabled:
            self._staged.append((unit_key, path, staged))

    def confirm(self, stat: Stat) -> None:
        """After the commit: record the files this render wrote that nobody wrote since and
        that were renamed into place ``RACY_NS`` or more after they were written."""
        for unit_key, path, staged in self._staged:
            entry = self._new.get(unit_key)
            now = stat(path)
            if entry is None or now is None or now[:3] != staged[:3]:
                continue
            if now[3] - now[1] >= RACY_NS:
                entry["stat"][path] = list(now)
        self._staged.clear()

    def save(self) -> None:
        if self.enabled:
            write_units(self.path, CACHE_VERSION, self._new)
