"""The series selectors an alert reads, and which of them match nothing on the server.

Two findings per alert: metrics the server knows nothing about -- no series in the lookback
and no metadata from any target (a typo in a hand-written alert, an exporter that is not
scraped: the alert cannot fire) -- and selectors that match no series right now although the
metric is known (often fine: kube-state-metrics exports a ``waiting_reason`` series only
while a container waits).
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


def selectors_in(expr: str) -> list[tuple[str, str | None]]:
    """Distinct ``(selector text, metric name)`` of ``expr`` in order of appearance."""
    try:
        ast = parse_promql(expr)
    except PromQLError:
        return []
    found: list[tuple[str, str | None]] = []

    def visit(node: object) -> None:
        if isinstance(node, pp.VectorSelector):
            name = node.name or next(
                (
                    m.value
                    for m in node.matchers.matchers
                    if m.name == "__name__" and m.op == pp.MatchOp.Equal
                ),
                None,
            )
            item = (selector_text(node), name)
            if item not in found:
                found.append(item)

    pp.walk(ast, visit)
    return found


class SeriesCounter:
    """Counts series per selector over a lookback, cached for one run."""

    def __init__(self, server: Server, lookback: str = "1h") -> None:
        self._server = server
        self._lookback = lookback
        self._cache: dict[str, int | None] = {}
        self._known: dict[str, bool] = {}

    def count(self, selector: str) -> int | None:
        """Series matching ``selector`` in the lookback; None when the query failed."""
        if selector not in self._cache:
            try:
                result = self._server.query(f"count(last_over_time({selector}[{self._lookback}]))")
                self._cache[selector] = int(float(result[0]["value"][1])) if result else 0
            except QueryFailed:
                self._cache[selector] = None
        return self._cache[selector]

    def known(self, name: str) -> bool:
        """Whether some target exports metadata (HELP/TYPE) for metric ``name``."""
        if name not in self._known:
            try:
                self._known[name] = bool(self._server.api_get("metadata", metric=name))
            except QueryFailed:
                self._known[name] = True  # cannot tell: do not claim it is missing
        return self._known[name]

    def without_data(self, expr: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(missing metrics, unmatched selectors)`` of ``expr`` (see the module doc)."""
        missing: list[str] = []
        unmatched: list[str] = []
        for selector, name in selectors_in(expr):
            if self.count(selector) != 0:
                continue
            if name and self.count(name) == 0 and not self.known(name):
                if name not in missing:
                    missing.append(name)
            else:
                unmatched.append(selector)
        return tuple(missing), tuple(unmatched)
