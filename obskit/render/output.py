"""The output tree: what obskit generated (the manifest), what it will write, prune or diff.

Every path goes through :class:`~obskit.render.contain.Root` (containment); a writing render
stages files and commits them through :mod:`obskit.render.journal`, so nothing is in place
until every unit rendered, and the manifest always lists every file obskit wrote.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from dataclasses import dataclass, field
from stat import S_ISREG
from typing import NamedTuple

from obskit.render.atomic import atomic_write, read_bytes
from obskit.render.cache import Key, settled, stat_key
from obskit.render.contain import Root, safe_relative
from obskit.render.errors import ContainmentError, OutputError
from obskit.render.journal import MANIFEST_PATH, Stage, commit, remove_leftovers
from obskit.render.serialize import dump_json

__all__ = [
    "MANIFEST_PATH",
    "ContainmentError",
    "Outcome",
    "OutputError",
    "OutputTree",
    "Placed",
    "atomic_write",
    "read_bytes",
    "safe_relative",
    "short_diff",
]

DIFF_LINES = 40

#: what :meth:`OutputTree.place` found: the file on disk holds the bytes; (check) there is
#: none; (check) it differs; a hand-written file is in the way; the bytes were staged
SAME, MISSING, CHANGED, CONFLICT, STAGED = range(5)


class Placed(NamedTuple):
    """One generated file as :meth:`OutputTree.place` found it (small: sent by workers)."""

    path: str
    verdict: int
    size: int = 0
    #: the staged file (``STAGED``)
    staged: str | None = None
    #: the lstat key the render cache records, when asked for and known
    key: Key | None = None
    #: a short unified diff (``CHANGED``)
    diff: str | None = None


@dataclass
class Outcome:
    """What a render did, or (with ``--check``) would do."""

    check: bool
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    bytes_written: int = 0
    #: an interrupted render's journal is waiting (``--check`` only; a render finishes it)
    interrupted: bool = False

    @property
    def current(self) -> bool:
        """True when the tree on disk is what the catalog renders to."""
        return not (
            self.missing or self.changed or self.stale or self.conflicts or self.interrupted
        )


def short_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of at most ``DIFF_LINES`` lines (binary-safe)."""
    old_lines = old.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}", n=2))
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"... ({len(lines) - DIFF_LINES} more diff lines)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class OutputTree:
    """The output folder as obskit sees it: which files it generated, and what they hold."""

    def __init__(self, root: Root | str | os.PathLike[str], *, check: bool):
        self.root = root if isinstance(root, Root) else Root(root)
        self.outcome = Outcome(check=check)
        self.previous: dict[str, list[str]] = self._read_manifest()
        self._owned = {p for paths in self.previous.values() for p in paths}
        self.produced: dict[str, list[str]] = {}
        self.stage = None if check else Stage(self.root)

    def _read_manifest(self) -> dict[str, list[str]]:
        raw = self.root.read(MANIFEST_PATH)
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
            return {k: [safe_relative(p) for p in v] for k, v in data.get("generated", {}).items()}
        except (ValueError, AttributeError, TypeError, OutputError):
            raise OutputError(
                f"{self.root.path / MANIFEST_PATH} is not an obskit manifest; "
                "remove it and render again"
            ) from None

    def read(self, path: str) -> bytes | None:
        """A file of the tree (contained, never through a symlink), or None."""
        return self.root.read(safe_relative(path))

    def owned(self, path: str) -> bool:
        return path in self._owned

    def note_unchanged(self, renderer: str, path: str) -> None:
        """Record a file the cache proved current, without reading it again."""
        self.produced.setdefault(renderer, []).append(safe_relative(path))
        self.outcome.unchanged.append(path)

    def place(self, path: str, data: bytes, *, keyed: bool = False) -> Placed:
        """Compare one generated file with the tree and stage it when it differs; changes
        nothing this tree records (:meth:`take` does), so a forked worker may call it.

        ``keyed``: also give the lstat key the render cache records
        (:mod:`obskit.render.cache`): an unchanged file's key taken before its bytes were
        compared (when settled), or the staged file's.
        """
        path = safe_relative(path)
        if self.outcome.check:
            existing = self.root.read(path)
            if existing == data:
                return Placed(path, SAME)
            if existing is None:
                return Placed(path, MISSING)
            return Placed(path, CHANGED, diff=short_diff(path, existing, data))
        if keyed:
            taken = time.time_ns()
            before = self._key(path)
        same = self.root.matches(path, data)  # a file of another size is not read
        if same:
            key = before if keyed and before is not None and settled(before, taken) else None
            return Placed(path, SAME, key=key)
        if same is not None and path not in self._owned:
            return Placed(path, CONFLICT)
        assert self.stage is not None
        staged, st = self.stage.write(data)
        return Placed(path, STAGED, len(data), staged, stat_key(st) if keyed else None)

    def _key(self, path: str) -> Key | None:
        try:
            st = self.root.stat(path)
        except (OSError, OutputError):
            return None  # matches() meets the same error and raises it
        return stat_key(st) if st is not None and S_ISREG(st.st_mode) else None

    def take(self, renderer: str, placed: Placed) -> None:
        """Record a file :meth:`place` compared or staged (refusals are not recorded)."""
        path, verdict = placed.path, placed.verdict
        if verdict == CONFLICT:
            self.outcome.conflicts.append(path)
            return
        self.produced.setdefault(renderer, []).append(path)
        if verdict == SAME:
            self.outcome.unchanged.append(path)
        elif verdict == MISSING:
            self.outcome.missing.append(path)
        elif verdict == CHANGED:
            self.outcome.changed[path] = placed.diff or ""
        else:
            assert self.stage is not None and placed.staged is not None
            self.stage.writes.append((path, placed.staged))
            self.outcome.written.append(path)
            self.outcome.bytes_written += placed.size

    def put(self, renderer: str, path: str, data: bytes) -> None:
        """Stage one generated file (or, with check, compare it); refusals are not recorded."""
        self.take(renderer, self.place(path, data))

    def discard(self) -> None:
        """Drop everything staged (the render failed before its commit)."""
        if self.stage is not None:
            self.stage.discard()

    def finish(self, renderers: tuple[str, ...]) -> Outcome:
        """Plan pruning and the manifest, then commit all of it (nothing if any refusal)."""
        removes: list[str] = []
        for name in renderers:
            keep = set(self.produced.get(name, ()))
            for path in sorted(set(self.previous.get(name, ())) - keep):
                if self.root.is_file(path):
                    (self.outcome.stale if self.outcome.check else removes).append(path)
        generated = {k: v for k, v in self.previous.items() if k not in renderers}
        for name in renderers:
            if self.produced.get(name):
                generated[name] = sorted(self.produced[name])
        manifest = dump_json({"generated": dict(sorted(generated.items())), "generator": "obskit"})
        existing = self.root.read(MANIFEST_PATH)
        if self.outcome.check:
            if existing is None:
                self.outcome.missing.append(MANIFEST_PATH)
            elif existing != manifest:
                self.outcome.changed[MANIFEST_PATH] = short_diff(MANIFEST_PATH, existing, manifest)
            return self.outcome
        assert self.stage is not None
        if self.outcome.conflicts:
            self.stage.discard()
            self.outcome.written.clear()
            self.outcome.bytes_written = 0
            return self.outcome
        if existing != manifest:
            self.outcome.written.append(MANIFEST_PATH)
        if self.stage.writes or removes or existing != manifest:
            commit(self.root, self.stage.writes, removes, manifest)
            self.outcome.removed = removes
        self.stage.discard()
        remove_leftovers(self.root, [*self._owned, *(p for v in generated.values() for p in v)])
        return self.outcome
