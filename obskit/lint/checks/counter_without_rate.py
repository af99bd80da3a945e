"""A counter read as a raw value instead of through rate()/increase()."""

from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from obskit.lint.base import Finding, LintContext
from obskit.lint.promql_ast import call_name, walk_expr
from obskit.promql import PromQLError

NAME = "counter-without-rate"
DESCRIPTION = (
    "Series named like counters (`_total`, `_count`, `_bucket`, `_sum`) only grow and reset "
    "on restarts: their raw value means nothing, compare rate() or increase() instead. "
    "`absent()`, `timestamp()` and `group()` (presence) of a counter are fine."
)
SUFFIXES = ("_total", "_count", "_bucket", "_sum")
#: functions whose argument may be a raw counter
ALLOWED = {"absent", "timestamp"}


def run(ctx: LintContext) -> Iterable[Finding]:
    for rule in ctx.rules():
        try:
            nodes = list(walk_expr(rule.expr))
        except PromQLError:
            continue
        for node, ancestors in nodes:
            if not isinstance(node, pp.VectorSelector):
                continue
            name = node.name or ""
            if not name.endswith(SUFFIXES) or ":" in name:
                continue
            if ancestors and isinstance(ancestors[-1], pp.MatrixSelector):
                continue
            if any(call_name(a) in ALLOWED or _is_group(a) for a in ancestors):
                continue
            yield rule.finding(
                NAME, f"counter {name} is used without rate()/increase(): use rate({name}[5m])"
            )


def _is_group(node: object) -> bool:
    """``group (by ...)(x)``: 1 per label set present, whatever the value."""
    return isinstance(node, pp.AggregateExpr) and str(node.op) == "group"
