"""YAML reading that remembers where every value came from and refuses duplicate keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from obskit.catalog.bounds import structure_problem
from obskit.catalog.errors import Problem, format_path
from obskit.catalog.yaml_stream import CONSTRUCT_ERRORS, Unusual, load_stream

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Path = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each field path of one file starts: ``path -> (line, column)``, 1-based.

    Built lazily from ``text`` the first time a problem needs a location: a valid catalog is
    loaded by the fast path and never pays for it.
    """

    file: str
    text: str | None = None
    _positions: dict[Path, tuple[int, int]] | None = None
    #: positions of mapping keys (for "unknown key" problems)
    _key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    @property
    def positions(self) -> dict[Path, tuple[int, int]]:
        if self._positions is None:
            self._positions = {}
            if self.text is not None:
                try:
                    node = yaml.compose(self.text, Loader=_Loader)
                except yaml.YAMLError:
                    node = None
                if node is not None:
                    _walk_positions(node, (), self)
        return self._positions

    @property
    def key_positions(self) -> dict[Path, tuple[int, int]]:
        self.positions  # noqa: B018 - builds both tables
        return self._key_positions

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The closest known position of ``path`` (walking up to its parents)."""
        probe = tuple(path)
        while probe:
            key_pos = self.key_positions.get(probe)
            value_pos = self.positions.get(probe)
            if key_pos and (key or not value_pos or value_pos[0] != key_pos[0]):
                return key_pos
            if value_pos:
                return value_pos
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path: Path, message: str, hint: str = "", *, key: bool = False) -> Problem:
        line, col = self.locate(path, key=key)
        return Problem(self.file, line, col, format_path(path), message, hint)


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _walk_positions(node: yaml.Node, path: Path, smap: SourceMap) -> None:
    assert smap._positions is not None
    smap._positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            kpath = (*path, str(key_node.value))
            if kpath in smap._key_positions:
                continue  # duplicate: the first one is where the field is
            smap._key_positions[kpath] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _walk_positions(value_node, kpath, smap)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_positions(item, (*path, i), smap)


_constructor = _Constructor()


def _convert(node: yaml.Node, path: Path, smap: SourceMap, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    smap.problem(path, "YAML merge keys (<<) are not supported", "write keys out")
                )
                continue
            key = _construct(key_node, path, smap, problems)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            kpath = (*path, str(key))
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                first = smap.key_positions.get(kpath, (0, 0))[0]
                problems.append(
                    Problem(
                        smap.file,
                        kpos[0],
                        kpos[1],
                        format_path(kpath),
                        f"duplicate key `{key}` (first set on line {first})",
                        "remove one of them: YAML keeps only the last, obskit refuses both",
                    )
                )
                continue
            out[key] = _convert(value_node, kpath, smap, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), smap, problems) for i, item in enumerate(node.value)]
    return _construct(node, path, smap, problems)


def _construct(node: yaml.Node, path: Path, smap: SourceMap, problems: list[Problem]) -> Any:
    """A scalar's value; a problem (and None) when its tag does not fit it (``!!int abc``)."""
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.YAMLError:
        raise
    except CONSTRUCT_ERRORS:
        tag = str(node.tag).rsplit(":", 1)[-1]
        text = str(node.value)
        shown = text if len(text) <= 40 else text[:37] + "..."
        problems.append(
            Problem(
                smap.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                format_path(path),
                f"`{shown}` is not a valid !!{tag}",
                f"remove the !!{tag} tag or write a valid {tag}",
            )
        )
        return None


def load_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document; returns data, its source map and any problems found."""
    smap = SourceMap(file, text)
    problems: list[Problem] = []
    bounded = structure_problem(text, _Loader)
    if bounded is not None:
        message, line, col = bounded
        problems.append(
            Problem(file, line, col, "", message, "write the values out; keep nesting shallow")
        )
        return None, smap, problems
    try:  # the fast path: data straight from libyaml's events, no node graph held
        data = load_stream(text)
        if data is not None:
            return data, smap, problems
    except (Unusual, yaml.YAMLError):
        pass  # the careful path below locates and explains it
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        problems.append(Problem(file, line, col, "", f"not valid YAML: {what}", "fix the syntax"))
        return None, smap, problems
    except yaml.YAMLError as exc:
        problems.append(Problem(file, 0, 0, "", f"not valid YAML: {exc}", "fix the syntax"))
        return None, smap, problems
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        problems.append(
            Problem(file, 1, 1, "", "the file is empty", "start it with apiVersion: obskit/v1")
        )
        return None, smap, problems
    if len(nodes) > 1:
        line = nodes[1].start_mark.line + 1
        problems.append(
            Problem(
                file,
                line,
                1,
                "",
                "more than one YAML document (---) in a catalog file",
                "put each document in a file of its own in a catalog directory",
            )
        )
    try:
        data = _convert(nodes[0], (), smap, problems)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problems.append(Problem(file, line, col, "", f"not valid YAML: {exc}", "fix the value"))
        return None, smap, problems
    return data, smap, problems
