"""YAML with comments attached to key paths, built on :mod:`obskit.render.serialize`.

Helm values need to say *why* a non-obvious value is set. PyYAML cannot emit comments, so
mappings are written key by key (sorted, like ``dump_yaml``) with the ``# why`` lines of
:class:`Values` placed above the key they explain; each leaf (scalar, list, empty map) is
written by ``dump_yaml`` itself, so quoting and literal blocks are PyYAML's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from obskit.render.serialize import dump_yaml, is_simple_key

Path = tuple[str, ...]
#: comment lines are wrapped to this width
WIDTH = 96


class Values:
    """A nested values mapping being built, plus the comments explaining its keys."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.comments: dict[Path, str] = {}

    def set(self, path: str | Path, value: Any, why: str | None = None) -> None:
        """Set ``value`` at ``path`` (dotted string or tuple), creating parent maps."""
        keys = tuple(path.split(".")) if isinstance(path, str) else path
        node = self.data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
        if why:
            self.comments[keys] = why

    def why(self, path: str | Path, text: str) -> None:
        """Attach a comment to ``path`` without setting a value."""
        keys = tuple(path.split(".")) if isinstance(path, str) else path
        self.comments[keys] = text

    def merge(self, overrides: Mapping[str, Any], why: str) -> None:
        """Deep-merge ``overrides`` the way Helm merges values files (maps merge, rest replace)."""

        def walk(node: dict[str, Any], extra: Mapping[str, Any], path: Path) -> None:
            for key, value in extra.items():
                sub = (*path, str(key))
                if isinstance(value, Mapping) and isinstance(node.get(key), dict):
                    walk(node[key], value, sub)
                else:
                    node[str(key)] = _plain(value)
                    self.comments[sub] = why

        walk(self.data, overrides, ())

    def dump(self, header: str = "") -> bytes:
        """Deterministic YAML text with the comments."""
        return dump_commented(self.data, self.comments, header=header)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _comment_lines(text: str, indent: int) -> list[str]:
    """``# `` lines at ``indent``; lines longer than :data:`WIDTH` are wrapped at words."""
    pad = " " * indent
    width = max(WIDTH - indent - 2, 40)
    out = []
    for line in text.splitlines():
        parts = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        out.extend(f"{pad}# {part}".rstrip() for part in parts or [""])
    return out


def _key_text(key: str) -> str:
    """A mapping key as PyYAML would write it (quoted when it needs to be), on one line.

    Only keys :func:`is_simple_key` accepts come here; longer ones are written with their
    value by ``dump_yaml`` as a ``? key`` complex key.
    """
    return dump_yaml({key: 0}).decode().rsplit(": 0", 1)[0]


def _emit(data: Mapping[str, Any], comments: Mapping[Path, str], path: Path, indent: int) -> list:
    out: list[str] = []
    pad = " " * indent
    for key in sorted(data, key=str):
        value = data[key]
        sub = (*path, str(key))
        if sub in comments:
            out.extend(_comment_lines(comments[sub], indent))
        if isinstance(value, Mapping) and value and is_simple_key(str(key)):
            out.append(f"{pad}{_key_text(str(key))}:")
            out.extend(_emit(value, comments, sub, indent + 2))
        else:
            for line in dump_yaml({str(key): value}).decode().splitlines():
                if line == "...":  # document end after a keep-chomped block: not mid-document
                    continue
                out.append(f"{pad}{line}" if line else "")
    return out


def dump_commented(
    data: Mapping[str, Any], comments: Mapping[Path, str], header: str = ""
) -> bytes:
    """``data`` as block YAML with ``comments[path]`` above each commented key."""
    lines = _comment_lines(header, 0) if header else []
    lines.extend(_emit(data, comments, (), 0))
    return ("\n".join(lines) + "\n").encode("utf-8")
