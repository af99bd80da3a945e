"""Catalog problems: each names file, line, column, field path, what is wrong and a fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the catalog, located as precisely as the YAML allows."""

    file: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    path: str  # field path, e.g. ``services[2].slos[0].threshold``
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class CatalogError(Exception):
    """The catalog breaks the contract; ``problems`` says every way it does."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        n = len(lines)
        lines.append(f"{n} problem{'s' if n != 1 else ''} in the catalog; nothing was written.")
        return "\n".join(lines)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``did you mean `x`?`` for the closest choice, or a list of the valid ones."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if not choices:
        return ""
    shown = ", ".join(f"`{c}`" for c in choices[:12])
    more = ", ..." if len(choices) > 12 else ""
    return f"expected one of {shown}{more}"


def format_path(parts: Iterable[str | int]) -> str:
    """``("services", 2, "slos")`` -> ``services[2].slos``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif len(part) > 80 or any(not ch.isprintable() for ch in part):
            shown = part if len(part) <= 80 else part[:40] + "..." + part[-20:]
            out += f"[{shown!r}]"  # control characters escaped, long keys shortened
        else:
            out += f".{part}" if out else str(part)
    return out
