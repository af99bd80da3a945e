"""The output-folder lock: one writing render at a time (``.obskit/lock``, fcntl.flock)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from obskit.render.errors import LockHeld

LOCK_NAME = "lock"


@contextlib.contextmanager
def folder_lock(state_dir: Path, *, shared: bool) -> Iterator[None]:
    """Hold ``state_dir/lock`` exclusively (render) or shared (``--check``), never waiting.

    A shared lock never creates the lock file (``--check`` writes nothing): without one
    there is no render to wait for. A lock file unlinked by its creator (a failed render
    into a new folder removes what it created) is detected by its inode and refused.
    """
    path = state_dir / LOCK_NAME
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags if shared else flags | os.O_CREAT, 0o644)
    except FileNotFoundError:
        if not shared:
            raise
        yield
        return
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(
                f"{state_dir.parent} is being rendered by another obskit process "
                f"(lock {path} is held); wait for it to finish, then run again"
            ) from None
        try:
            current = os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            current = None
        if os.fstat(fd).st_ino != current:
            raise LockHeld(  # the render before us removed the lock file it had created
                f"{state_dir.parent} was just rendered by another obskit process; run again"
            )
        yield
    finally:
        os.close(fd)
