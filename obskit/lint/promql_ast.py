"""Walking a PromQL AST (promql-parser) with each node's ancestors."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser as pp

from obskit.promql import parse_promql


def children(node: object) -> list[object]:
    """The direct sub-expressions of a node."""
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.UnaryExpr | pp.ParenExpr | pp.SubqueryExpr):
        return [node.expr]
    if isinstance(node, pp.AggregateExpr):
        return [n for n in (node.param, node.expr) if n is not None]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    return []


def walk(node: object, ancestors: tuple[object, ...] = ()) -> Iterator[tuple[object, tuple]]:
    """``(node, ancestors)`` depth first, the root first."""
    yield node, ancestors
    for child in children(node):
        yield from walk(child, (*ancestors, node))


def walk_expr(expr: str) -> Iterator[tuple[object, tuple]]:
    """Parse and walk ``expr`` (:class:`obskit.promql.PromQLError` when it does not parse)."""
    yield from walk(parse_promql(expr))


def call_name(node: object) -> str | None:
    """The function name of a call node, else None."""
    return node.func.name if isinstance(node, pp.Call) else None
