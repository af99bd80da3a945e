"""Containment: every path obskit touches lies inside the output root, with no symlinks.

The root is resolved once (it may itself be a symlink); below it, every component of a
path must be a real directory and the file itself a regular file, or the operation is
refused with :class:`~obskit.render.errors.ContainmentError` naming the path and why.

Paths are plain strings (``a/b/c``, already passed through :func:`safe_relative`) in the hot
path. A :class:`Root` lives for one render and remembers the folders it verified (``lstat``:
a real folder, not a symlink) and the first missing folder of a path (nothing below it can
exist), so each folder is checked once per render instead of once per file. obskit forgets
a folder it removes (:meth:`Root.forget`) and everything at the commit point
(:meth:`Root.reset`), so what it applies is checked again; a new render starts empty.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from obskit.render.errors import ContainmentError, OutputError

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_ELOOP = 40


def safe_relative(path: str) -> str:
    """Refuse absolute paths and ``..``: renderers only write below the output folder."""
    if "\\" not in path:
        parts = path.split("/")
        if "" not in parts and "." not in parts and ".." not in parts:
            return path  # already normal: the common case, without pathlib
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts or "\\" in path:
        raise OutputError(f"renderer produced an unsafe path: {path!r}")
    return posix.as_posix()


class Root:
    """The resolved output root and the one rule for reaching paths below it."""

    def __init__(self, root: str | os.PathLike[str]):
        self.path = Path(root).resolve()
        self._prefix = str(self.path).rstrip("/") + "/"
        #: folders (relative) verified as real folders during this render
        self._dirs: set[str] = set()
        #: folders (relative) found missing: nothing below them exists
        self._absent: set[str] = set()

    def _refuse(self, rel: str, why: str) -> ContainmentError:
        return ContainmentError(
            f"{self.path / rel}: {why}; obskit only writes real files inside {self.path} "
            "(replace the symlink or special file with a real folder or file, or render "
            "into another --out)"
        )

    def abs(self, rel: str) -> str:
        """The absolute path of a safe relative path (no check)."""
        return self._prefix + rel

    def folder(self, folder: str, rel: str | None = None) -> bool:
        """True when every component of ``folder`` is a real folder, False when one is missing.

        Refuses a symlinked or non-folder component (the message names ``rel``, the path
        being reached, default ``folder``). Verified and missing folders are remembered.
        """
        if folder in self._dirs:
            return True
        shown = folder if rel is None else rel
        prefix = ""
        for part in folder.split("/"):
            parent = prefix
            prefix = f"{prefix}/{part}" if prefix else part
            if prefix in self._dirs:
                continue
            if prefix in self._absent:
                return False
            try:
                mode = os.lstat(self._prefix + prefix).st_mode
            except FileNotFoundError:
                self._absent.add(prefix)
                return False
            except NotADirectoryError:
                raise self._refuse(shown, f"{parent or '.'} is not a folder") from None
            if stat.S_ISLNK(mode):
                raise self._refuse(shown, f"{prefix} is a symlink")
            if not stat.S_ISDIR(mode):
                raise self._refuse(shown, f"{prefix} is not a folder")
            self._dirs.add(prefix)
        return True

    def stat(self, rel: str) -> os.stat_result | None:
        """``lstat`` of a contained regular file or folder, None when it does not exist."""
        parent = rel.rpartition("/")[0]
        if parent and not self.folder(parent, rel):
            return None
        try:
            st = os.lstat(self._prefix + rel)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise self._refuse(rel, f"{parent or '.'} is not a folder") from None
        if stat.S_ISLNK(st.st_mode):
            raise self._refuse(rel, f"{rel} is a symlink")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            raise self._refuse(rel, f"{rel} is not a regular file")
        return st

    def check(self, rel: str) -> Path:
        """The absolute path of ``rel``, refusing symlinked or non-regular components."""
        rel = safe_relative(rel)
        self.stat(rel)
        return self.path / rel

    def _open(self, rel: str, st: os.stat_result | None) -> tuple[int, int] | None:
        """An fd open for reading the file ``rel`` (``st``: its :meth:`stat`) and its size."""
        if st is None:
            return None
        if stat.S_ISDIR(st.st_mode):
            raise self._refuse(rel, f"{rel} is a folder, not a file")
        try:
            fd = os.open(self._prefix + rel, _READ_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == _ELOOP:  # became a symlink after the check
                raise self._refuse(rel, "is a symlink") from None
            raise
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            os.close(fd)
            raise self._refuse(rel, f"{rel} is a folder, not a file")
        return fd, st.st_size

    def read(self, rel: str) -> bytes | None:
        """The bytes of a contained regular file, or None when it does not exist."""
        opened = self._open(rel, self.stat(rel))
        if opened is None:
            return None
        fd, size = opened
        try:
            return _read_all(fd, size)
        finally:
            os.close(fd)

    def matches(self, rel: str, data: bytes) -> bool | None:
        """Does the contained file hold ``data``? None when it does not exist.

        A regular file of another size differs without being read.
        """
        st = self.stat(rel)
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_size != len(data):
            return False
        opened = self._open(rel, st)
        if opened is None:
            return None
        fd, size = opened
        try:
            return size == len(data) and _read_all(fd, size) == data
        finally:
            os.close(fd)

    def is_file(self, rel: str) -> bool:
        """True when ``rel`` is a contained regular file."""
        st = self.stat(rel)
        return st is not None and stat.S_ISREG(st.st_mode)

    def mkdir(self, folder: str) -> None:
        """Create ``folder`` (its parent verified), remembered as a real folder."""
        self._absent.discard(folder)
        try:
            os.mkdir(self._prefix + folder)
        except FileExistsError:  # created since it was found missing: check what it is
            if not self.folder(folder):
                raise
            return
        self._dirs.add(folder)

    def make_folder(self, folder: str) -> str:
        """Create the missing folders of ``folder`` (each checked once) and return its path."""
        if folder not in self._dirs and not self.folder(folder):
            prefix = ""
            for part in folder.split("/"):
                prefix = f"{prefix}/{part}" if prefix else part
                if not self.folder(prefix):
                    self.mkdir(prefix)
        return self._prefix + folder

    def make_parents(self, rel: str) -> str:
        """Create the folders of ``rel`` (each checked once) and return its absolute path."""
        parent = rel.rpartition("/")[0]
        if parent:
            self.make_folder(parent)
        return self._prefix + rel

    def forget(self, folder: str) -> None:
        """obskit removed ``folder``: whatever is there next is checked again."""
        below = folder + "/"
        self._dirs = {d for d in self._dirs if d != folder and not d.startswith(below)}
        self._absent = {d for d in self._absent if d != folder and not d.startswith(below)}

    def reset(self) -> None:
        """Forget every folder (the commit point: what is applied is checked again)."""
        self._dirs.clear()
        self._absent.clear()


def _read_all(fd: int, size: int) -> bytes:
    """Read to the end: one read of the whole file and one that finds its end, usually."""
    chunks = [os.read(fd, size + 1)]
    while chunks[-1]:
        chunks.append(os.read(fd, 1 << 20))
    return chunks[0] if len(chunks) <= 2 else b"".join(chunks)
