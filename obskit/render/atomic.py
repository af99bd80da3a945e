"""atomic_write: a temporary file beside the target, renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: the suffix of obskit's temporary files, so a later run recognises its own leftovers
TMP_SUFFIX = ".obskit-tmp"


def atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``.<name>.<random>.obskit-tmp`` beside ``target``, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_bytes(path: Path) -> bytes | None:
    """A file's bytes, or None when it does not exist (for files outside the output tree)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
