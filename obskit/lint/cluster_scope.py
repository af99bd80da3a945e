"""Where an expression would add clusters together: aggregations and joins dropping ``cluster``.

A central ruler (Mimir, Thanos) evaluates every cluster's series at once; an aggregation
without ``cluster`` in its ``by`` (or with it in ``without``), or a join ``on (...)`` without
it, mixes clusters. A part that reads no series (``vector(1)``, a number, ``time()``) or only
``constants`` (series recorded from ``vector()``, which no cluster labels: the SLO objective)
carries no cluster, so aggregating it or joining on it loses none.
"""

from __future__ import annotations

from collections.abc import Collection

import promql_parser as pp

from obskit.lint.promql_ast import children, walk
from obskit.promql import parse_promql

CLUSTER = "cluster"


def cluster_drops(expr: str, constants: Collection[str] = ()) -> list[str]:
    """One line per aggregation or join of ``expr`` that loses ``cluster``."""
    out: list[str] = []
    _scan(parse_promql(expr), frozenset(constants), out)
    return out


def reads_only_constants(node: object, constants: Collection[str] = ()) -> bool:
    """True when every series ``node`` selects is one of ``constants`` (or it selects none)."""
    return all(n.name in constants for n, _ in walk(node) if isinstance(n, pp.VectorSelector))


def _scan(node: object, constants: frozenset[str], out: list[str]) -> None:
    if reads_only_constants(node, constants):
        return
    if isinstance(node, pp.AggregateExpr):
        mod = node.modifier
        if mod is None:
            out.append(f"{node.op} without `by`")
        elif mod.type == pp.AggModifierType.By and CLUSTER not in mod.labels:
            out.append(f"{node.op} by ({', '.join(mod.labels)})")
        elif mod.type == pp.AggModifierType.Without and CLUSTER in mod.labels:
            out.append(f"{node.op} without ({', '.join(mod.labels)})")
    elif isinstance(node, pp.BinaryExpr) and node.modifier is not None:
        matching = node.modifier.matching
        one_side_constant = any(reads_only_constants(n, constants) for n in (node.lhs, node.rhs))
        if matching is not None and not one_side_constant:
            include = matching.type == pp.LabelModifierType.Include
            if include == (CLUSTER not in matching.labels):
                word = "on" if include else "ignoring"
                out.append(f"{word} ({', '.join(matching.labels)})")
    for child in children(node):
        _scan(child, constants, out)
