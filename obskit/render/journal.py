"""Crash-safe commits: stage every file, write a journal, then rename into place.

A writing render stages each changed file under ``.obskit/staging/<pid>/`` and only when
every unit rendered without error writes ``.obskit/journal.json`` (atomically: that rename
is the commit point) listing the renames, the removals and the new manifest. Applying a
journal is idempotent, so the next run finishes one a crash interrupted; staging folders
without a journal are rolled back (deleted). Only obskit's own names are ever removed:
``.obskit/staging/<digits>/``, ``.obskit/.*.obskit-tmp`` and, beside generated files,
``.<name>.<8 chars>.tmp`` / ``.<name>.*.obskit-tmp`` temp files of a generated ``<name>``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

from obskit.render.atomic import TMP_SUFFIX, atomic_write, write_all
from obskit.render.contain import Root, safe_relative
from obskit.render.errors import OutputError

STATE_DIR = ".obskit"
MANIFEST_PATH = f"{STATE_DIR}/manifest.json"
JOURNAL_PATH = f"{STATE_DIR}/journal.json"
STAGING_DIR = f"{STATE_DIR}/staging"
#: temp names of obskit's atomic writes: today's and those of obskit before the journal
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_TMP_RE = re.compile(rf"^\.(?P<name>.+)\.[a-z0-9_]{{8}}(?:\.tmp|{re.escape(TMP_SUFFIX)})$")


def state_dir(root: Root, *, create: bool) -> list[Path]:
    """Refuse a symlinked ``.obskit/``; create it for a writing render.

    Returns the folders this call created (innermost last), for :func:`uncreate`.
    """
    exists = root.stat(STATE_DIR) is not None
    created: list[Path] = []
    if create:
        missing = [p for p in (root.path, *root.path.parents) if not p.exists()]
        root.path.mkdir(parents=True, exist_ok=True)
        created = list(reversed(missing))
        if not exists:
            root.mkdir(STATE_DIR)
            created.append(root.path / STATE_DIR)
    return created


def uncreate(root: Root, created: list[Path], lock_name: str) -> None:
    """A render that wrote nothing removes the lock file and folders it created."""
    if root.path / STATE_DIR not in created:
        return
    root.reset()
    with contextlib.suppress(OSError):
        os.unlink(root.abs(f"{STATE_DIR}/{lock_name}"))
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


class Stage:
    """This process's staging folder: files rendered but not yet in place.

    Forked workers stage files into the same folder (:meth:`write`, names carry the writer's
    pid); only this process lists them in :attr:`writes`, the journal's renames.
    """

    def __init__(self, root: Root):
        self.root = root
        self.folder = f"{STAGING_DIR}/{os.getpid()}"
        self.writes: list[tuple[str, str]] = []
        self._count = itertools.count()

    def write(self, data: bytes) -> tuple[str, os.stat_result]:
        """A new staged file holding ``data`` (on disk, so memory stays flat): its relative
        path and ``fstat``.

        The staging folder is checked (and created) once; a file is created only where
        nothing is (``O_EXCL``), so no symlink is followed.
        """
        name = f"{os.getpid()}.{next(self._count)}"
        path = f"{self.root.make_folder(self.folder)}/{name}"
        fd = os.open(path, _CREATE_FLAGS, 0o644)
        try:
            write_all(fd, data)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        return f"{self.folder}/{name}", st

    def add(self, rel: str, data: bytes) -> os.stat_result:
        """Stage ``data`` for ``rel``; the staged file's ``fstat``."""
        staged, st = self.write(data)
        self.writes.append((rel, staged))
        return st

    def discard(self) -> None:
        """Remove the staged files (a render that failed or was refused)."""
        _remove_staging(self.root, self.folder)


def commit(root: Root, writes: list[tuple[str, str]], removes: list[str], manifest: bytes) -> None:
    """Write the journal (the commit point), then apply it.

    Folders verified while staging are checked again (once each) from here on.
    """
    journal = {"manifest": manifest.decode(), "removes": removes, "writes": writes}
    root.reset()
    root.stat(JOURNAL_PATH)
    atomic_write(root.abs(JOURNAL_PATH), json.dumps(journal, sort_keys=True).encode())
    apply_journal(root, journal, staged=True)


def apply_journal(root: Root, journal: dict, *, staged: bool = False) -> None:
    """Rename staged files into place, remove pruned ones, write the manifest; idempotent.

    ``staged``: this process staged the writes and checked each target while staging
    (:meth:`OutputTree.put`), so only folders are checked here (once each; a rename never
    follows a symlink in its last component). Recovering a journal read from disk checks
    every staged file and every target.
    """
    for rel, source in journal["writes"]:
        folder = source.rpartition("/")[0]
        if staged:
            if not root.folder(folder, source):
                continue
        elif root.stat(source) is None:
            continue  # renamed before an interruption
        target = root.make_parents(rel)
        if not staged:
            root.stat(rel)
        os.replace(root.abs(source), target)
    for rel in journal["removes"]:
        if root.is_file(rel):
            os.unlink(root.abs(rel))
            _remove_empty_parents(root, rel)
    root.stat(MANIFEST_PATH)
    atomic_write(root.abs(MANIFEST_PATH), journal["manifest"].encode())
    root.stat(JOURNAL_PATH)
    os.unlink(root.abs(JOURNAL_PATH))
    for _, source in journal["writes"][:1]:
        _remove_staging(root, source.rpartition("/")[0])


def recover(root: Root) -> bool:
    """Finish an interrupted journal, roll back staging without one; True if one was found."""
    raw = root.read(JOURNAL_PATH)
    found = raw is not None
    if raw is not None:
        try:
            journal = json.loads(raw)
            writes = [(safe_relative(a), safe_relative(b)) for a, b in journal["writes"]]
            removes = [safe_relative(p) for p in journal["removes"]]
            manifest = str(journal["manifest"])
            if not all(b.startswith(f"{STAGING_DIR}/") for _, b in writes):
                raise ValueError("staged file outside the staging folder")
        except (ValueError, KeyError, TypeError, OutputError):
            raise OutputError(
                f"{root.path / JOURNAL_PATH} is not an obskit journal; remove it and render again"
            ) from None
        apply_journal(root, {"writes": writes, "removes": removes, "manifest": manifest})
    st = root.stat(STAGING_DIR)
    if st is not None and stat.S_ISDIR(st.st_mode):
        for entry in os.listdir(root.abs(STAGING_DIR)):
            if entry.isdigit():
                _remove_staging(root, f"{STAGING_DIR}/{entry}")
    return found


def pending(root: Root) -> bool:
    """True when an interrupted render's journal is waiting (read-only, for ``--check``)."""
    return root.is_file(JOURNAL_PATH)


def remove_leftovers(root: Root, paths: Iterable[str]) -> None:
    """Remove obskit's own temp files beside ``paths`` and in ``.obskit/``, nothing else."""
    names: dict[str, set[str]] = {STATE_DIR: {"*"}}
    for rel in paths:
        folder_rel, _, name = rel.rpartition("/")
        names.setdefault(folder_rel or ".", set()).add(name)
    for folder_rel, known in names.items():
        if folder_rel == ".":
            folder = str(root.path)
        else:
            st = root.stat(folder_rel)
            if st is None or not stat.S_ISDIR(st.st_mode):
                continue
            folder = root.abs(folder_rel)
        try:
            entries = os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry[0] != ".":  # every temp name starts with a dot
                continue
            match = _TMP_RE.match(entry)
            if not match or not ("*" in known or match["name"] in known):
                continue
            target = os.path.join(folder, entry)
            if stat.S_ISREG(os.lstat(target).st_mode):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)


def _remove_staging(root: Root, folder_rel: str) -> None:
    # forked workers stage files too: what this process remembers of the folder is stale
    root.forget(STAGING_DIR)
    st = root.stat(folder_rel)
    if st is not None and stat.S_ISDIR(st.st_mode):
        shutil.rmtree(root.abs(folder_rel))
    with contextlib.suppress(OSError):  # only when empty
        root.stat(STAGING_DIR)
        os.rmdir(root.abs(STAGING_DIR))
        root.forget(STAGING_DIR)


def _remove_empty_parents(root: Root, rel: str) -> None:
    parent = rel.rpartition("/")[0]
    while parent:
        root.stat(parent)
        try:
            os.rmdir(root.abs(parent))
        except OSError:
            return
        root.forget(parent)
        parent = parent.rpartition("/")[0]
