"""Substitute Grafana template variables in a panel's PromQL, as Grafana would."""

from __future__ import annotations

import re
from typing import Any

_VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


def dashboard_values(dashboard: dict[str, Any]) -> dict[str, str]:
    """Each template variable's value: the allValue when it offers "All", else its current."""
    values: dict[str, str] = {}
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("includeAll"):
            values[var["name"]] = str(var.get("allValue") or ".*")
        else:
            values[var["name"]] = str((var.get("current") or {}).get("value", ""))
    return values


def _duration(seconds: float) -> str:
    """A PromQL duration: whole seconds as ``30s``, else milliseconds (``500ms``, not ``0s``)."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def builtins(step: float, range_seconds: float, scrape_seconds: float = 30.0) -> dict[str, str]:
    """Grafana's interval variables for a query at ``step`` over ``range_seconds``."""
    rate = max(step + scrape_seconds, 4 * scrape_seconds)
    return {
        "__rate_interval": _duration(rate),
        "__interval": _duration(step),
        "__interval_ms": f"{step * 1000:.0f}",
        "__range": f"{range_seconds:.0f}s",
        "__range_s": f"{range_seconds:.0f}",
    }


def substitute(expr: str, values: dict[str, str]) -> str:
    """``expr`` with ``$name`` / ``${name}`` replaced; unknown names are left alone."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return values.get(name, match.group(0))

    return _VAR.sub(one, expr)


_ANY_AFTER = re.compile(r'\s*,\s*\w+\s*=~\s*"\.\*\|?"')
_ANY_FIRST = re.compile(r'\{\s*\w+\s*=~\s*"\.\*\|?"\s*,?\s*')


def drop_match_all(expr: str) -> str:
    """Remove matchers such as ``cluster=~".*|"`` (what "All" gives): they select every series,
    and without them a recorded series can be expanded into its rule."""
    return _ANY_FIRST.sub("{", _ANY_AFTER.sub("", expr))
