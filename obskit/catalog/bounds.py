"""Limits on catalog input: file size, YAML alias expansion and nesting depth.

A catalog is a few hundred KiB even at 10,000 services; these limits only stop hostile or
broken input (an alias bomb, ``/dev/zero``, thousands of nested brackets) quickly, with a
clear message instead of a hang, a MemoryError or a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import yaml

#: bytes one catalog file may have (``OBSKIT_MAX_CATALOG_BYTES`` overrides)
MAX_FILE_BYTES = int(os.environ.get("OBSKIT_MAX_CATALOG_BYTES", str(64 * 1024 * 1024)))
#: nodes a file may expand to through aliases (``*anchor``) beyond its own nodes
MAX_ALIAS_EXPANSION = 100_000
#: how deeply mappings and lists may nest
MAX_DEPTH = 64


_DEEP_BLOCK = re.compile(rf"^ {{{MAX_DEPTH},}}\S", re.M)
#: ``- - - - x``: block sequences nested on one line, little indentation
_DEEP_DASHES = re.compile(rf"^[ ]*(?:-[ ]+){{{MAX_DEPTH // 2},}}", re.M)
_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """The deepest run of open flow brackets, across lines, quotes ignored (an
    over-estimate is fine: it only turns the exact check on)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def needs_structure_check(text: str) -> bool:
    """Cheap test: could the text hold aliases or deep nesting? (Most catalogs: no.)"""
    return (
        "&" in text
        or bool(_DEEP_BLOCK.search(text) or _DEEP_DASHES.search(text))
        or _flow_depth(text) >= MAX_DEPTH // 2
    )


def structure_problem(text: str, loader: type) -> tuple[str, int, int] | None:
    """:func:`alias_problem` when :func:`needs_structure_check` says it could apply."""
    return alias_problem(text, loader) if needs_structure_check(text) else None


def alias_problem(text: str, loader: type) -> tuple[str, int, int] | None:
    """(message, line, column) when the document's aliases expand too far, refer to
    themselves, or it nests too deeply; else None. Composes the node graph, which is linear
    in the text (an alias is the same node object again), and sizes each node once."""
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None  # the loader reports syntax problems itself
    if root is None:
        return None
    sizes: dict[int, int] = {}
    visiting = {id(root)}
    first_alias: Any = None
    stack: list[tuple[Any, int, Iterator[Any]]] = [(root, 1, iter(_children(root)))]
    while stack:
        node, depth, pending = stack[-1]
        child = next(pending, None)
        if child is None:
            stack.pop()
            visiting.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if id(child) in sizes:
            first_alias = first_alias or child
            continue
        mark = child.start_mark
        if id(child) in visiting:
            return ("a YAML alias refers to itself", mark.line + 1, mark.column + 1)
        if depth + 1 > MAX_DEPTH:
            return (f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, mark.column + 1)
        visiting.add(id(child))
        stack.append((child, depth + 1, iter(_children(child))))
    if sizes[id(root)] - len(sizes) > MAX_ALIAS_EXPANSION:
        mark = first_alias.start_mark
        return (
            f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} values (an alias bomb?)",
            mark.line + 1,
            mark.column + 1,
        )
    return None


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
