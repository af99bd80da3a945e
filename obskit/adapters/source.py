"""Foreign YAML documents with the position of every field, and the import report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obskit.catalog.bounds import structure_problem
from obskit.catalog.errors import Problem, format_path

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

FieldPath = tuple[str | int, ...]


class InputError(Exception):
    """A file that is not what the importer reads: the problems say where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Document:
    """One YAML document of a file: its data and where each field path starts (1-based)."""

    file: str
    data: Any
    positions: dict[FieldPath, tuple[int, int]]

    def at(self, path: FieldPath) -> tuple[int, int]:
        """The position of ``path`` or of its closest parent."""
        probe = tuple(path)
        while probe not in self.positions and probe:
            probe = probe[:-1]
        return self.positions.get(probe, (1, 1))

    def get(self, path: FieldPath, default: Any = None) -> Any:
        node = self.data
        for part in path:
            if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and part < len(node)
            ):
                node = node[part]
            else:
                return default
        return node

    def problem(self, path: FieldPath, message: str, hint: str = "") -> Problem:
        line, col = self.at(path)
        return Problem(self.file, line, col, format_path(path), message, hint)


@dataclass(frozen=True, order=True)
class Unmapped:
    """A source field obskit's catalog has no place for (or a value it cannot take)."""

    file: str
    line: int
    column: int
    field: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.field}: {self.why}"


@dataclass
class Imported:
    """What an importer made: catalog entries and what it could not map."""

    #: catalog ``services[]`` entries (YAML shape, camelCase keys), in input order
    services: list[dict[str, Any]] = field(default_factory=list)
    #: team names the services use, in first-use order
    teams: list[str] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)

    def skip(self, doc: Document, path: FieldPath, why: str) -> None:
        line, col = doc.at(path)
        self.unmapped.append(Unmapped(doc.file, line, col, format_path(path), why))

    def add_team(self, team: str) -> None:
        if team not in self.teams:
            self.teams.append(team)

    def extend(self, other: Imported) -> None:
        self.services += other.services
        for team in other.teams:
            self.add_team(team)
        self.unmapped += other.unmapped


def _positions(node: yaml.Node, path: FieldPath, out: dict[FieldPath, tuple[int, int]]) -> None:
    out.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            out.setdefault(sub, (key.start_mark.line + 1, key.start_mark.column + 1))
            _positions(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _positions(item, (*path, i), out)


def parse_documents(text: str, file: str) -> list[Document]:
    """Every non-empty document of ``text``; :class:`InputError` when it is not YAML."""
    bounded = structure_problem(text, _Loader)
    if bounded is not None:
        message, line, col = bounded
        raise InputError([Problem(file, line, col, "", message, "keep nesting shallow")])
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
        datas = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        problem = Problem(file, line, col, "", f"not valid YAML: {what}", "fix the syntax")
        raise InputError([problem]) from None
    except yaml.YAMLError as exc:
        problem = Problem(file, 0, 0, "", f"not valid YAML: {exc}", "fix the syntax")
        raise InputError([problem]) from None
    docs = []
    for node, data in zip(nodes, datas, strict=True):
        if node is None or data is None:
            continue
        positions: dict[FieldPath, tuple[int, int]] = {}
        _positions(node, (), positions)
        docs.append(Document(file, data, positions))
    return docs


def read_documents(path: str | Path) -> list[Document]:
    """The documents of one file (``-`` is not supported: importers read files)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        problem = Problem(str(p), 0, 0, "", f"cannot read: {reason}", "check the path")
        raise InputError([problem]) from None
    return parse_documents(text, str(p))
