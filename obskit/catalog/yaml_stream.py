"""Build a YAML document's data straight from libyaml's events, without a node graph.

``yaml.load`` first composes every node of the document (for a 10,000-service catalog,
~200 MiB of node objects), then constructs the data. This builds the same data from the
event stream, so only the data itself is ever held. Anything beyond plain block and flow
data (anchors and aliases, merge or duplicate keys, tags other than the core scalar ones,
keys that are not strings, more than one document) raises :class:`Unusual`: the caller
then takes its careful path, which explains or handles it.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")
)


#: what PyYAML's constructors raise for a core tag that does not fit its text (``!!int abc``)
CONSTRUCT_ERRORS = (ValueError, KeyError, AttributeError, TypeError, OverflowError)


class Unusual(Exception):
    """The document needs the careful path (see the module docstring)."""


class _Scalars(yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The safe loader's scalar resolution and construction, without its node cache."""

    def value(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SCALAR_TAGS:
            raise Unusual
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        try:
            value = self.yaml_constructors[tag](self, node)
        except CONSTRUCT_ERRORS:
            raise Unusual from None  # a tag that does not fit its text: the careful path says so
        # one object per distinct text: a fleet repeats its keys, teams, namespaces, presets
        return sys.intern(value) if type(value) is str else value


_scalars = _Scalars()


class _Memo(dict):
    """One document's scalars by their event's text, tag, plain/quoted flags and style: a
    fleet repeats most of them, and each is resolved and constructed once (the values are
    immutable: str, int, float, bool, None, dates)."""

    def __missing__(self, key: tuple) -> Any:
        value, tag, implicit, style = key
        event = yaml.ScalarEvent(None, tag, implicit, value, style=style)
        self[key] = result = _scalars.value(event)
        return result


def load_stream(text: str) -> Any:
    """The data of the single YAML document in ``text`` (None for an empty stream)."""
    # stack of [container, pending key, seen keys]; a mapping's key slot alternates
    stack: list[list[Any]] = []
    result: Any = None
    documents = 0
    memo = _Memo()
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            if event is None:
                break
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None:
                    raise Unusual
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    frame = stack[-1]
                    if event.tag is None and event.value == "<<" and event.implicit[0]:
                        raise Unusual  # a merge key
                    key = memo[event.value, event.tag, event.implicit, event.style]
                    if not isinstance(key, str):
                        raise Unusual  # true, 1, 1.0, null...: the careful path converts them
                    if key in frame[2]:
                        raise Unusual  # a duplicate key (compared as constructed: "a" == a)
                    frame[2].add(key)
                    frame[1] = key
                    continue
                _add(stack, memo[event.value, event.tag, event.implicit, event.style])
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None:
                    raise Unusual
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is _NO_KEY:
                    raise Unusual  # a non-scalar key
                is_map = kind is yaml.MappingStartEvent
                default = _MAP if is_map else _SEQ
                if event.tag not in (None, "!", default):
                    raise Unusual
                stack.append([{} if is_map else [], _NO_KEY, set()])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container = stack.pop()[0]
                if stack:
                    _add(stack, container)
                else:
                    result = container
            elif kind is yaml.AliasEvent:
                raise Unusual
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise Unusual
            elif kind is yaml.StreamEndEvent:
                break
    finally:
        loader.dispose()
    return result if stack == [] else None


_NO_KEY = object()


def _add(stack: list[list[Any]], value: Any) -> None:
    if not stack:  # a document that is a single scalar
        raise Unusual
    frame = stack[-1]
    container = frame[0]
    if isinstance(container, dict):
        container[frame[1]] = value
        frame[1] = _NO_KEY
    else:
        container.append(value)
