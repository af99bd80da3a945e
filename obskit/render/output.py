"""The output tree: atomic writes, the manifest of generated files, pruning and --check."""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from obskit.render.serialize import dump_json

MANIFEST_PATH = ".obskit/manifest.json"
DIFF_LINES = 40


class OutputError(Exception):
    """The output tree cannot be written as asked (bad path, a hand-written file in the way)."""


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

    @property
    def current(self) -> bool:
        """True when the tree on disk is what the catalog renders to."""
        return not (self.missing or self.changed or self.stale or self.conflicts)


def safe_relative(path: str) -> str:
    """Refuse absolute paths and ``..``: renderers only write below the output folder."""
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts or "\\" in path:
        raise OutputError(f"renderer produced an unsafe path: {path!r}")
    return posix.as_posix()


def short_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of at most ``DIFF_LINES`` lines (binary-safe)."""
    old_lines = old.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}", n=2))
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"... ({len(lines) - DIFF_LINES} more diff lines)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


class OutputTree:
    """The output folder as obskit sees it: which files it generated, and what they hold."""

    def __init__(self, root: str | os.PathLike[str], *, check: bool):
        self.root = Path(root)
        self.outcome = Outcome(check=check)
        self.previous: dict[str, list[str]] = self._read_manifest()
        self._owned = {p for paths in self.previous.values() for p in paths}
        self.produced: dict[str, list[str]] = {}

    def _read_manifest(self) -> dict[str, list[str]]:
        raw = read_bytes(self.root / MANIFEST_PATH)
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
            return {k: list(v) for k, v in data.get("generated", {}).items()}
        except (ValueError, AttributeError, TypeError):
            raise OutputError(
                f"{self.root / MANIFEST_PATH} is not an obskit manifest; remove it and render again"
            ) from None

    def owned(self, path: str) -> bool:
        return path in self._owned

    def note_unchanged(self, renderer: str, path: str) -> None:
        """Record a file the cache proved current, without reading it again."""
        self.produced.setdefault(renderer, []).append(path)
        self.outcome.unchanged.append(path)

    def put(self, renderer: str, path: str, data: bytes) -> None:
        """Write one generated file (or, with check, compare it)."""
        path = safe_relative(path)
        self.produced.setdefault(renderer, []).append(path)
        target = self.root / path
        existing = read_bytes(target)
        if existing == data:
            self.outcome.unchanged.append(path)
            return
        if self.outcome.check:
            if existing is None:
                self.outcome.missing.append(path)
            else:
                self.outcome.changed[path] = short_diff(path, existing, data)
            return
        if existing is not None and not self.owned(path) and path != MANIFEST_PATH:
            self.outcome.conflicts.append(path)
            return
        atomic_write(target, data)
        self.outcome.written.append(path)
        self.outcome.bytes_written += len(data)

    def finish(self, renderers: tuple[str, ...]) -> Outcome:
        """Prune what the rendered renderers no longer produce, then write the manifest."""
        for name in renderers:
            keep = set(self.produced.get(name, ()))
            for path in sorted(set(self.previous.get(name, ())) - keep):
                target = self.root / safe_relative(path)
                if not target.is_file():
                    continue
                if self.outcome.check:
                    self.outcome.stale.append(path)
                else:
                    target.unlink()
                    self._remove_empty_parents(target.parent)
                    self.outcome.removed.append(path)
        generated = {k: v for k, v in self.previous.items() if k not in renderers}
        for name in renderers:
            if self.produced.get(name):
                generated[name] = sorted(self.produced[name])
        manifest = dump_json({"generated": dict(sorted(generated.items())), "generator": "obskit"})
        self.produced.pop("_manifest", None)
        self.put("_manifest", MANIFEST_PATH, manifest)
        return self.outcome

    def _remove_empty_parents(self, folder: Path) -> None:
        root = self.root.resolve()
        while folder.resolve() != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
