"""The series selectors an alert reads, and which of them match nothing on the server.

An alert whose selector matches no series can never fire (a typo in a hand-written alert, a
metric the cluster does not export); preview lists those selectors with the alert.
"""

from __future__ import annotations

import promql_parser as pp

from obskit.preview.connection import QueryFailed, Server
from obskit.promql import PromQLError, parse_promql

_OPS = ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"))


def _op(op: pp.MatchOp) -> str:
    return next((text for value, text in _OPS if op == value), "!~")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector_text(vs: pp.VectorSelector) -> str:
    """PromQL text of a selector, strings escaped (promql-parser's printer does not)."""
    parts = [f"{m.name}{_op(m.op)}{_quote(m.value)}" for m in vs.matchers.matchers]
    name = vs.name or ""
    if name:
        parts = [p for p in parts if not p.startswith("__name__=")]
    return f"{name}{{{', '.join(parts)}}}" if parts or not name else name


def selectors_in(expr: str) -> list[str]:
    """Distinct selectors of ``expr`` in order of appearance (none if it does not parse)."""
    try:
        ast = parse_promql(expr)
    except PromQLError:
        return []
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, pp.VectorSelector):
            text = selector_text(node)
            if text not in found:
                found.append(text)

    pp.walk(ast, visit)
    return found


class SeriesCounter:
    """Counts series per selector over a lookback, cached for one run."""

    def __init__(self, server: Server, lookback: str = "1h") -> None:
        self._server = server
        self._lookback = lookback
        self._cache: dict[str, int | None] = {}

    def count(self, selector: str) -> int | None:
        """Series matching ``selector`` in the lookback; None when the query failed."""
        if selector not in self._cache:
            try:
                result = self._server.query(f"count(last_over_time({selector}[{self._lookback}]))")
                self._cache[selector] = int(float(result[0]["value"][1])) if result else 0
            except QueryFailed:
                self._cache[selector] = None
        return self._cache[selector]

    def without_data(self, expr: str) -> tuple[str, ...]:
        """The selectors of ``expr`` that match no series."""
        return tuple(s for s in selectors_in(expr) if self.count(s) == 0)
