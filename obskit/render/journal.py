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
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from obskit.render.atomic import TMP_SUFFIX, atomic_write
from obskit.render.contain import Root, safe_relative
from obskit.render.errors import OutputError

STATE_DIR = ".obskit"
MANIFEST_PATH = f"{STATE_DIR}/manifest.json"
JOURNAL_PATH = f"{STATE_DIR}/journal.json"
STAGING_DIR = f"{STATE_DIR}/staging"
#: temp names of obskit's atomic writes: today's and those of obskit before the journal
_TMP_RE = re.compile(rf"^\.(?P<name>.+)\.[a-z0-9_]{{8}}(?:\.tmp|{re.escape(TMP_SUFFIX)})$")


def state_dir(root: Root, *, create: bool) -> list[Path]:
    """Refuse a symlinked ``.obskit/``; create it for a writing render.

    Returns the folders this call created (innermost last), for :func:`uncreate`.
    """
    path = root.check(STATE_DIR)
    created: list[Path] = []
    if create:
        missing = [p for p in (root.path, *root.path.parents) if not p.exists()]
        root.path.mkdir(parents=True, exist_ok=True)
        created = list(reversed(missing))
        if not path.exists():
            path.mkdir()
            created.append(path)
    return created


def uncreate(root: Root, created: list[Path], lock_name: str) -> None:
    """A render that wrote nothing removes the lock file and folders it created."""
    if root.path / STATE_DIR not in created:
        return
    with contextlib.suppress(OSError):
        (root.path / STATE_DIR / lock_name).unlink()
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


class Stage:
    """This process's staging folder: files rendered but not yet in place."""

    def __init__(self, root: Root):
        self.root = root
        self.folder = f"{STAGING_DIR}/{os.getpid()}"
        self.writes: list[tuple[str, str]] = []

    def add(self, rel: str, data: bytes) -> None:
        """Stage ``data`` for ``rel`` (on disk, so memory stays flat)."""
        staged = f"{self.folder}/{len(self.writes)}"
        path = self.root.make_parents(staged)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.writes.append((rel, staged))

    def discard(self) -> None:
        """Remove the staged files (a render that failed or was refused)."""
        _remove_staging(self.root, self.folder)


def commit(root: Root, writes: list[tuple[str, str]], removes: list[str], manifest: bytes) -> None:
    """Write the journal (the commit point), then apply it."""
    journal = {"manifest": manifest.decode(), "removes": removes, "writes": writes}
    atomic_write(root.check(JOURNAL_PATH), json.dumps(journal, sort_keys=True).encode())
    apply_journal(root, journal)


def apply_journal(root: Root, journal: dict) -> None:
    """Rename staged files into place, remove pruned ones, write the manifest; idempotent."""
    for rel, staged in journal["writes"]:
        source = root.check(staged)
        if not source.exists():
            continue  # renamed before an interruption
        os.replace(source, root.make_parents(rel))
    for rel in journal["removes"]:
        if root.is_file(rel):
            root.check(rel).unlink()
            _remove_empty_parents(root, rel)
    atomic_write(root.check(MANIFEST_PATH), journal["manifest"].encode())
    root.check(JOURNAL_PATH).unlink()
    for _, staged in journal["writes"][:1]:
        _remove_staging(root, PurePosixPath(staged).parent.as_posix())


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
    folder = root.check(STAGING_DIR)
    if folder.is_dir():
        for entry in os.listdir(folder):
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
        posix = PurePosixPath(rel)
        names.setdefault(posix.parent.as_posix(), set()).add(posix.name)
    for folder_rel, known in names.items():
        folder = root.path if folder_rel == "." else root.check(folder_rel)
        try:
            entries = os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            match = _TMP_RE.match(entry)
            if not match or not ("*" in known or match["name"] in known):
                continue
            target = folder / entry
            if stat.S_ISREG(os.lstat(target).st_mode):
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()


def _remove_staging(root: Root, folder_rel: str) -> None:
    folder = root.check(folder_rel)
    if folder.is_dir():
        shutil.rmtree(folder)
    with contextlib.suppress(OSError):  # only when empty
        root.check(STAGING_DIR).rmdir()


def _remove_empty_parents(root: Root, rel: str) -> None:
    parent = PurePosixPath(rel).parent
    while parent.parts:
        folder = root.check(parent.as_posix())
        try:
            folder.rmdir()
        except OSError:
            return
        parent = parent.parent
