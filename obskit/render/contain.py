"""Containment: every path obskit touches lies inside the output root, with no symlinks.

The root is resolved once (it may itself be a symlink); below it, every component of a
path must be a real directory and the file itself a regular file, or the operation is
refused with :class:`~obskit.render.errors.ContainmentError` naming the path and why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from obskit.render.errors import ContainmentError, OutputError


def safe_relative(path: str) -> str:
    """Refuse absolute paths and ``..``: renderers only write below the output folder."""
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts or "\\" in path:
        raise OutputError(f"renderer produced an unsafe path: {path!r}")
    return posix.as_posix()


class Root:
    """The resolved output root and the one rule for reaching paths below it."""

    def __init__(self, root: str | os.PathLike[str]):
        self.path = Path(root).resolve()

    def _refuse(self, rel: str, why: str) -> ContainmentError:
        return ContainmentError(
            f"{self.path / rel}: {why}; obskit only writes real files inside {self.path} "
            "(replace the symlink or special file with a real folder or file, or render "
            "into another --out)"
        )

    def check(self, rel: str) -> Path:
        """The absolute path of ``rel``, refusing symlinked or non-regular components."""
        parts = PurePosixPath(safe_relative(rel)).parts
        current = self.path
        for i, part in enumerate(parts):
            current = current / part
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                return self.path.joinpath(*parts)
            except NotADirectoryError:
                raise self._refuse(rel, f"{PurePosixPath(*parts[:i])} is not a folder") from None
            last = i == len(parts) - 1
            shown = PurePosixPath(*parts[: i + 1])
            if stat.S_ISLNK(st.st_mode):
                raise self._refuse(rel, f"{shown} is a symlink")
            if not last and not stat.S_ISDIR(st.st_mode):
                raise self._refuse(rel, f"{shown} is not a folder")
            if last and not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                raise self._refuse(rel, f"{shown} is not a regular file")
        return current

    def read(self, rel: str) -> bytes | None:
        """The bytes of a contained regular file, or None when it does not exist."""
        target = self.check(rel)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == 40:  # ELOOP: became a symlink after the check
                raise self._refuse(rel, "is a symlink") from None
            raise
        with os.fdopen(fd, "rb") as fh:
            if stat.S_ISDIR(os.fstat(fh.fileno()).st_mode):
                raise self._refuse(rel, f"{rel} is a folder, not a file")
            return fh.read()

    def is_file(self, rel: str) -> bool:
        """True when ``rel`` is a contained regular file."""
        target = self.check(rel)
        try:
            return stat.S_ISREG(os.lstat(target).st_mode)
        except OSError:
            return False

    def make_parents(self, rel: str) -> Path:
        """Create the folders of ``rel`` (each checked) and return its absolute path."""
        parts = PurePosixPath(rel).parts
        for i in range(1, len(parts)):
            folder = self.check(PurePosixPath(*parts[:i]).as_posix())
            if not folder.exists():
                folder.mkdir()
        return self.check(rel)
