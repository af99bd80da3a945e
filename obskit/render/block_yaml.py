"""A direct block-YAML writer for large generated documents (promtool tests, rule files).

PyYAML's representer and serializer run in Python for every node even with libyaml's
emitter, which made dumping the ~290 KB promtool test file of each service most of a full
render. This writer walks the data once and asks PyYAML only for each distinct scalar's
text (decided here for one-line ASCII strings, memoised for the rest), so the
bytes are those :func:`obskit.render.serialize.dump_yaml` writes with ``sort_keys=False``
(tested on every generated file of the example and the benchmark catalog). Anything it
does not handle (a key libyaml would write as ``? key``, a scalar it would fold, a list
directly inside a list, other types) makes it return None: the caller dumps with PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from obskit.render.serialize import _YAML12_NON_STRING, _awkward_key, dump_yaml


class _Unsupported(Exception):
    pass


def _one_line(text: str, prefix: str) -> str:
    if not text.startswith(prefix) or not text.endswith("\n") or "\n" in text[:-1]:
        raise _Unsupported(text)
    return text[len(prefix) : -1]


@lru_cache(maxsize=4096)
def _key(key: str) -> str:
    if _awkward_key(key):
        raise _Unsupported(key)
    text = dump_yaml({key: 0}, sort_keys=False).decode()
    if not text.endswith(": 0\n") or "\n" in text[:-1]:
        raise _Unsupported(key)
    return text[: -len(": 0\n")]


#: one-line printable ASCII: the strings whose style is decided here, as PyYAML's emitter
#: decides it (``Emitter.analyze_scalar`` and ``choose_scalar_style``, block context)
_ASCII_LINE = re.compile(r"[\x20-\x7e]+")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
#: longer strings could be folded at the emitter's width (4096 columns): left to PyYAML
_SHORT = 1000


def _style(value: str) -> str | None:
    """The text PyYAML writes for ``value`` (plain or single-quoted), or None: ask PyYAML."""
    if len(value) > _SHORT or not _ASCII_LINE.fullmatch(value):
        return None
    if value[0] == " " or value[-1] == " ":
        return None
    plain = not (
        value[0] in _FIRST_INDICATORS
        or (value[0] in "?:-" and (len(value) == 1 or value[1] == " "))
        or value.startswith(("---", "..."))
        or ": " in value
        or value.endswith(":")
        or " #" in value
        or _YAML12_NON_STRING.fullmatch(value)
        or _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG
    )
    return value if plain else "'" + value.replace("'", "''") + "'"


@dataclass
class ScalarLog:
    """What the dumps inside one :func:`logging_scalars` block wrote."""

    #: every string scalar (value) and every mapping key
    strings: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    #: documents written by this writer, and those handed to PyYAML instead
    written: int = 0
    handed_over: int = 0


_LOG: ScalarLog | None = None


@contextmanager
def logging_scalars() -> Iterator[ScalarLog]:
    """Within it, every :func:`dump_block_yaml` records its scalars and keys (not nested)."""
    global _LOG
    previous, _LOG = _LOG, ScalarLog()
    try:
        yield _LOG
    finally:
        _LOG = previous


def scalar_text(value: str) -> str | None:
    """The one-line text this writer gives the string ``value``, or None (PyYAML decides)."""
    return _style(value)


def literal_block(value: str) -> bool:
    """Whether ``value`` is written as a literal block (``|``), line for line.

    PyYAML keeps a literal block unless a line ends in a space, a space is followed by a
    break or a character is special (``Emitter.analyze_scalar``); literal blocks are never
    folded. So a block stays one with its lines changed only by swapping one run of
    ``[a-z0-9-]`` for another inside them.
    """
    try:
        head, _ = _asked(value, False)
    except _Unsupported:
        return False
    return "\n" in value and head.startswith("|")


def _value(value: str | int | float, in_list: bool) -> tuple[str, tuple[str, ...]]:
    """(text after ``k: `` or ``- ``, continuation lines without their base indent)."""
    if type(value) is str:
        if _LOG is not None:
            _LOG.strings.add(value)
        text = _style(value)
        if text is not None:
            return text, ()
    return _asked(value, in_list)


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and 1.0 are equal keys, not equal texts
def _asked(value: str | int | float, in_list: bool) -> tuple[str, tuple[str, ...]]:
    """What PyYAML writes for ``value`` (memoised: numbers and descriptions repeat)."""
    if in_list:
        text, prefix, base = dump_yaml([value]).decode(), "- ", "  "
    else:
        text, prefix, base = dump_yaml({"k": value}, sort_keys=False).decode(), "k: ", "  "
    lines = text.split("\n")
    if lines[-1] != "" or not lines[0].startswith(prefix):
        raise _Unsupported(value)
    if "\u2028" in text or "\u2029" in text:
        # a line break PyYAML keeps in the scalar: it indents the next line by the column
        raise _Unsupported(value)
    head, rest = lines[0][len(prefix) :], lines[1:-1]
    if rest and not head.startswith("|"):
        raise _Unsupported(value)  # a folded scalar: its breaks depend on the column
    if any(line and not line.startswith(base) for line in rest):
        raise _Unsupported(value)
    return head, tuple(line[len(base) :] for line in rest)


def _scalar(value: Any, in_list: bool, indent: int, out: list[str]) -> None:
    if type(value) not in (str, int, float):
        raise _Unsupported(type(value))
    head, rest = _value(value, in_list)
    out.append(head + "\n")
    pad = " " * (indent + 2)
    out.extend(pad + line + "\n" if line else "\n" for line in rest)


def _mapping(data: dict, indent: int, out: list[str], first_inline: bool = False) -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(data.items()):
        if not isinstance(key, str):
            raise _Unsupported(key)
        if _LOG is not None:
            _LOG.keys.add(key)
        out.append(("" if first_inline and i == 0 else pad) + _key(key) + ":")
        _node(value, indent, out, in_list=False)


def _sequence(data: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in data:
        out.append(pad + "-")
        if isinstance(item, dict) and item:
            out.append(" ")
            _mapping(item, indent + 2, out, first_inline=True)
        elif isinstance(item, list) and item:
            raise _Unsupported("list in list")
        else:
            _node(item, indent, out, in_list=True)


def _node(value: Any, indent: int, out: list[str], in_list: bool) -> None:
    """``value`` after a ``key:`` (``in_list``: after a ``-``) at ``indent``."""
    if isinstance(value, dict):
        if not value:
            out.append(" {}\n")
        else:
            out.append("\n")
            _mapping(value, indent + (0 if in_list else 2), out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append(" []\n")
        else:
            out.append("\n")
            _sequence(list(value), indent, out)
    else:
        out.append(" ")
        _scalar(value, in_list, indent, out)


def dump_block_yaml(data: dict, *, header: str = "") -> bytes:
    """``dump_yaml(data, sort_keys=False, header=header)``'s bytes, written directly."""
    out: list[str] = []
    if header:
        out.extend(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    try:
        if not isinstance(data, dict) or not data:
            raise _Unsupported(data)
        _mapping(data, 0, out)
    except (_Unsupported, RecursionError):
        if _LOG is not None:
            _LOG.handed_over += 1
        return dump_yaml(data, sort_keys=False, header=header)
    if _LOG is not None:
        _LOG.written += 1
    return "".join(out).encode("utf-8")
