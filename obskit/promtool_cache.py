"""Cached promtool passes: a service whose rule file, test file and promtool are unchanged.

A pass is stored under ``<cache dir>/promtool/<fingerprint>.json`` (``$OBSKIT_CACHE_DIR`` or
the XDG cache, never the output tree), one atomically written file per pass, so parallel or
interrupted runs never leave a half-written entry. Failures are never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
from functools import lru_cache
from pathlib import Path

from obskit.render.atomic import atomic_write, read_bytes
from obskit.render.cache import cache_dir

#: bump when the way obskit runs promtool changes what a pass means
RUNNER_VERSION = "1"
#: bump when the conditions under which services share a proof change
SHARED_VERSION = "1"


@lru_cache(maxsize=4)
def promtool_version(promtool: str) -> str:
    """``promtool --version`` output (the whole text: version, revision, go version)."""
    proc = subprocess.run(
        [promtool, "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    return (proc.stdout + proc.stderr).strip()


def fingerprint(version: str, rules: bytes, tests: bytes | None, *, shared: bool = False) -> str:
    """SHA-256 over the runner and promtool versions and both files' bytes (``shared``: the
    canonical files of a proof shared under renaming, :mod:`obskit.promtool_dedupe`)."""
    kind = f"shared/{SHARED_VERSION}\0" if shared else ""
    h = hashlib.sha256(f"obskit-promtool/{RUNNER_VERSION}\0{kind}{version}\0".encode())
    for part in (rules, tests):
        h.update(b"\0" if part is None else b"\1" + hashlib.sha256(part).digest())
    return h.hexdigest()


def joined(files: list[bytes]) -> bytes | None:
    """A service's test files as one fingerprint input (one file: its bytes; none: None)."""
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    return b"".join(b"%d\0" % len(f) + f for f in files)


class PassCache:
    """Passes by fingerprint; ``enabled=False`` reads and stores nothing."""

    def __init__(self, enabled: bool = True, root: Path | None = None) -> None:
        self.enabled = enabled
        self.root = (root or cache_dir()) / "promtool"

    def _path(self, fp: str) -> Path:
        return self.root / f"{fp}.json"

    def get(self, fp: str) -> dict[str, int] | None:
        """The stored ``{"rules": n, "tests": n}`` of a pass, or None."""
        if not self.enabled:
            return None
        raw = read_bytes(self._path(fp))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            if data.get("fingerprint") == fp and data.get("ok") is True:
                return {"rules": int(data["rules"]), "tests": int(data["tests"])}
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        return None

    def put_pass(self, fp: str, rules: int, tests: int) -> None:
        """Store a pass (callers store passes only)."""
        if not self.enabled:
            return
        data = {"fingerprint": fp, "ok": True, "rules": rules, "tests": tests}
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            atomic_write(self._path(fp), json.dumps(data, sort_keys=True).encode())
