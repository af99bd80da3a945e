"""atomic_write: a temporary file beside the target, renamed into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

#: the suffix of obskit's temporary files, so a later run recognises its own leftovers
TMP_SUFFIX = ".obskit-tmp"


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def atomic_write(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``.<name>.<random>.obskit-tmp`` beside ``target``, then rename."""
    folder, name = os.path.split(os.fspath(target))
    folder = folder or "."
    if not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TMP_SUFFIX, dir=folder)
    try:
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
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
