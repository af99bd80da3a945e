"""Where an expression would add clusters together: aggregations and joins dropping ``cluster``.

A central ruler (Mimir, Thanos) evaluates every cluster's series at once; an aggregation
without ``cluster`` in its ``by`` (or with it in ``without``), or a join ``on (...)`` without
it, mixes clusters. Scalar-producing calls (``vector(1)``, ``time()``) carry no labels and
are fine.
"""

from __future__ import annotations

import promql_parser as pp

from obskit.lint.promql_ast import walk_expr

CLUSTER = "cluster"


def cluster_drops(expr: str) -> list[str]:
    """One line per aggregation or join of ``expr`` that loses ``cluster``."""
    out: list[str] = []
    for node, _ in walk_expr(expr):
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
            if matching is None:
                continue
            include = matching.type == pp.LabelModifierType.Include
            if include == (CLUSTER not in matching.labels):
                word = "on" if include else "ignoring"
                out.append(f"{word} ({', '.join(matching.labels)})")
    return out
