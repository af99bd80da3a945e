"""A short string a regex fully matches (test series for ``~regex`` selector values)."""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser behind ``re``
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

_CATEGORY = {
    _c.CATEGORY_DIGIT: "0",
    _c.CATEGORY_WORD: "a",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_DIGIT: "a",
    _c.CATEGORY_NOT_WORD: "-",
    _c.CATEGORY_NOT_SPACE: "a",
}


def _one_of(items: list[tuple[Any, Any]]) -> str | None:
    if items and items[0][0] == _c.NEGATE:
        banned = [i for i in items[1:]]
        for ch in "a0-_x":
            if not any(
                (op == _c.LITERAL and chr(v) == ch) or (op == _c.RANGE and v[0] <= ord(ch) <= v[1])
                for op, v in banned
            ):
                return ch
        return None
    for op, value in items:
        if op == _c.LITERAL:
            return chr(value)
        if op == _c.RANGE:
            return chr(value[0])
        if op == _c.CATEGORY:
            return _CATEGORY.get(value)
    return None


def _gen(tokens: Any) -> str | None:
    out: list[str] = []
    for op, value in tokens:
        if op == _c.LITERAL:
            out.append(chr(value))
        elif op == _c.NOT_LITERAL:
            out.append("a" if chr(value) != "a" else "b")
        elif op == _c.ANY:
            out.append("a")
        elif op == _c.IN:
            ch = _one_of(list(value))
            if ch is None:
                return None
            out.append(ch)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high, sub = value
            text = _gen(sub)
            if text is None:
                return None
            count = max(low, 1) if high != 0 else 0
            out.append(text * count)
        elif op == _c.SUBPATTERN:
            text = _gen(value[-1])
            if text is None:
                return None
            out.append(text)
        elif op == _c.BRANCH:
            text = next((t for t in map(_gen, value[1]) if t is not None), None)
            if text is None:
                return None
            out.append(text)
        elif op == _c.AT:
            continue
        elif op == _c.CATEGORY:
            ch = _CATEGORY.get(value)
            if ch is None:
                return None
            out.append(ch)
        else:
            return None
    return "".join(out)


def example(regex: str, *prefer: str) -> str | None:
    """``prefer`` values that fully match first, else a generated one; None if none found."""
    try:
        compiled = re.compile(regex)
        tokens = _parser.parse(regex)
    except (re.error, ValueError, TypeError):
        return None
    for candidate in (*prefer, _gen(tokens)):
        if candidate and compiled.fullmatch(candidate):
            return candidate
    return None
