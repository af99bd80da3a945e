"""Render cache: skip units whose inputs, code and files on disk are all unchanged.

The cache lives outside the output tree (``$OBSKIT_CACHE_DIR`` or ``~/.cache/obskit``), so a
GitOps repo never commits it. A unit is reused only if its fingerprint matches *and* every
file it produced still has the recorded SHA-256 on disk; anything else renders it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from obskit.render.atomic import atomic_write, read_bytes

CACHE_VERSION = 1


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
    """``unit key -> (fingerprint, {path: sha256})`` for one output folder."""

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

    @staticmethod
    def fingerprint(renderer: str, key: str, inputs: bytes) -> str:
        h = hashlib.sha256(code_fingerprint().encode())
        h.update(f"\0{renderer}\0{key}\0".encode())
        h.update(inputs)
        return h.hexdigest()

    def reusable(
        self, unit_key: str, fingerprint: str, read: Callable[[str], bytes | None]
    ) -> list[str] | None:
        """The unit's files if the cache proves them current on disk, else None.

        ``read`` reads a file of the output tree (the tree's contained read).
        """
        if not self.enabled:
            return None
        entry = self.entries.get(unit_key)
        if not entry or entry.get("fingerprint") != fingerprint:
            return None
        files: dict[str, str] = entry.get("files", {})
        for path, digest in files.items():
            data = read(path)
            if data is None or hashlib.sha256(data).hexdigest() != digest:
                return None
        self._new[unit_key] = entry
        return list(files)

    def record(self, unit_key: str, fingerprint: str, files: dict[str, bytes]) -> None:
        if not self.enabled:  # nothing is saved: keep no digests (40,000 at 10,000 services)
            return
        self._new[unit_key] = {
            "fingerprint": fingerprint,
            "files": {p: hashlib.sha256(b).hexdigest() for p, b in files.items()},
        }

    def save(self) -> None:
        if not self.enabled:
            return
        data = json.dumps({"version": CACHE_VERSION, "units": self._new}, sort_keys=True)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write(self.path, data.encode())
