"""Small lexical helpers over PromQL text (strings, comments, brackets, top-level operators).

promql-parser's AST has no source positions and its printer does not re-escape strings, so
code that must keep a query's exact text (expansion, the observed side of a comparison)
works on the text with these helpers and uses the parser only to check the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_IDENT_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:.")
_COMPARISON = re.compile(r"==|!=|>=|<=|>|<")


class TextError(ValueError):
    """Text that is not balanced PromQL."""


def skip_string(text: str, i: int) -> int:
    """Index after the string literal starting at ``text[i]``."""
    quote = text[i]
    i += 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    raise TextError("unterminated string literal")


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """``(kind, start, end)`` of identifiers (``ident``) and comments outside strings."""
    i = 0
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            i = skip_string(text, i)
        elif c == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            yield "comment", i, end
            i = end
        elif (c.isalpha() or c in "_:") and (i == 0 or text[i - 1] not in _IDENT_CHARS):
            m = _IDENT.match(text, i)
            assert m is not None
            yield "ident", i, m.end()
            i = m.end()
        else:
            i += 1


def strip_comments(text: str) -> str:
    out, last = [], 0
    for kind, start, end in tokens(text):
        if kind == "comment":
            out.append(text[last:start])
            last = end
    return "".join(out) + text[last:]


def skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def skip_literal(text: str, i: int) -> int | None:
    """Index after the string or comment starting at ``text[i]``; None when neither does."""
    c = text[i]
    if c in "\"'`":
        return skip_string(text, i)
    if c == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    return None


def close_bracket(text: str, i: int, opening: str, closing: str) -> int:
    """Index after the bracket closing the one at ``text[i]`` (nesting, strings, comments)."""
    assert text[i] == opening
    depth = 0
    while i < len(text):
        c = text[i]
        skipped = skip_literal(text, i)
        if skipped is not None:
            i = skipped
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise TextError(f"unbalanced {opening}")


def unwrap_parens(text: str) -> str:
    """``((x))`` -> ``x`` (only when the outer parentheses enclose everything)."""
    text = text.strip()
    while text.startswith("(") and close_bracket(text, 0, "(", ")") == len(text):
        text = text[1:-1].strip()
    return text


def top_level_split(text: str) -> list[tuple[str, int, int]]:
    """Binary operators outside any bracket: ``(operator, start, end)``, in order."""
    out: list[tuple[str, int, int]] = []
    depth = 0
    i = 0
    while i < len(text):
        c = text[i]
        skipped = skip_literal(text, i)
        if skipped is not None:
            i = skipped
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = _COMPARISON.match(text, i)
            if m:
                out.append((m.group(), i, m.end()))
                i = m.end()
                continue
            if (c.isalpha() or c in "_:") and (i == 0 or text[i - 1] not in _IDENT_CHARS):
                ident = _IDENT.match(text, i)
                assert ident is not None
                if ident.group() in ("and", "or", "unless"):
                    out.append((ident.group(), i, ident.end()))
                i = ident.end()
                continue
        i += 1
    return out
